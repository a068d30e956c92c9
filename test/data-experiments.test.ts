// The synthetic benchmark configs in experiments/synthetic/ (GDPP Table 1 rows) stay valid and faithful.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { loadConfigFile } from '../src/train/config.js';

const dir = join(import.meta.dirname, '..', 'experiments', 'synthetic');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('experiments/synthetic configs', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('hold every method on both datasets, and our tuned GDPP variant as files of their own', () => {
    const methods = ['gan', 'wgan-gp', 'sn-gan', 'gdpp-gan', 'gdpp-sn-gan', 'gdpp-gan-magnitude1'];
    methods.push('gdpp-gan-magnitude1-decay', 'gdpp-gan-magnitude1-40k', 'gdpp-gan-magnitude1-ema');
    methods.push('gdpp-gan-magnitude1-40k-ema');
    // The sign-invariant probe targets the Grid's dropped modes only (the Ring keeps all 8 without it).
    const gridOnly = ['grid-gdpp-gan-magnitude1-40k-ema-signinvariant.json'];
    expect(files.sort()).toEqual(
      [...['grid', 'ring'].flatMap((d) => methods.map((m) => `${d}-${m}.json`)), ...gridOnly].sort(),
    );
  });

  it('the tuned variants differ from the faithful GDPP-GAN only in the magnitude weight (1 instead of 1e-4)', () => {
    for (const data of ['ring', 'grid']) {
      const faithful = loadConfigFile(join(dir, `${data}-gdpp-gan.json`));
      const tuned = loadConfigFile(join(dir, `${data}-gdpp-gan-magnitude1.json`));
      expect(tuned.gdpp?.magnitudeWeight).toBe(1);
      expect({ ...tuned, gdpp: { ...tuned.gdpp, magnitudeWeight: 1e-4 } }).toEqual(faithful);
    }
  });

  it('the 40k variants differ from the magnitude-1 ones only in their iterations (40,000 instead of 25,000)', () => {
    for (const data of ['ring', 'grid']) {
      const magnitude1 = loadConfigFile(join(dir, `${data}-gdpp-gan-magnitude1.json`));
      const long = loadConfigFile(join(dir, `${data}-gdpp-gan-magnitude1-40k.json`));
      expect(long.iterations).toBe(40000);
      expect({ ...long, iterations: 25000 }).toEqual(magnitude1);
    }
  });

  it('the decay variants differ from the magnitude-1 ones only in a linear learning-rate decay over the second half', () => {
    for (const data of ['ring', 'grid']) {
      const magnitude1 = loadConfigFile(join(dir, `${data}-gdpp-gan-magnitude1.json`));
      const { lrDecay, ...rest } = loadConfigFile(join(dir, `${data}-gdpp-gan-magnitude1-decay.json`));
      expect(lrDecay).toEqual({ kind: 'linear', from: 0.5 });
      expect(rest).toEqual(magnitude1);
    }
  });

  it('the EMA variants differ from the magnitude-1 ones only in a moving average of G (decay 0.999 from step 0)', () => {
    for (const data of ['ring', 'grid']) {
      const magnitude1 = loadConfigFile(join(dir, `${data}-gdpp-gan-magnitude1.json`));
      const { generatorEma, ...rest } = loadConfigFile(join(dir, `${data}-gdpp-gan-magnitude1-ema.json`));
      expect(generatorEma).toEqual({ decay: 0.999, start: 0 });
      expect(rest).toEqual(magnitude1);
    }
  });

  it('the 40k EMA variants are the 40k ones with the same moving average', () => {
    for (const data of ['ring', 'grid']) {
      const long = loadConfigFile(join(dir, `${data}-gdpp-gan-magnitude1-40k.json`));
      const { generatorEma, ...rest } = loadConfigFile(join(dir, `${data}-gdpp-gan-magnitude1-40k-ema.json`));
      expect(generatorEma).toEqual({ decay: 0.999, start: 0 });
      expect(rest).toEqual(long);
    }
  });

  it('the sign-invariant variant is the Grid 40k EMA one with |v_fake · v_real| in the structure term', () => {
    const base = loadConfigFile(join(dir, 'grid-gdpp-gan-magnitude1-40k-ema.json'));
    const variant = loadConfigFile(join(dir, 'grid-gdpp-gan-magnitude1-40k-ema-signinvariant.json'));
    expect(base.gdpp?.signInvariant).toBe(false);
    expect(variant.gdpp?.signInvariant).toBe(true);
    expect({ ...variant, gdpp: { ...variant.gdpp, signInvariant: false } }).toEqual(base);
  });

  for (const file of files.filter((f) => !f.includes('magnitude1'))) {
    it(`${file} validates and follows the paper's protocol`, () => {
      const config = loadConfigFile(join(dir, file));
      const [data, ...rest] = file.replace('.json', '').split('-');
      const method = rest.join('-');
      expect(config.data).toEqual({ kind: data });
      expect(config.model).toBe('mlp-gdpp');
      expect(config.iterations).toBe(25000);
      expect(config.batchSize).toBe(512);
      expect(config.gdpp !== null).toBe(method.startsWith('gdpp'));
      expect(config.lipschitz).toBe(
        method.endsWith('sn-gan') ? 'spectral-norm' : method === 'wgan-gp' ? 'gradient-penalty' : 'none',
      );
      if (method !== 'wgan-gp') {
        // GDPP §4: Adam β1 0.5, G lr 1e-3, D lr 1e-4, simultaneous G/D updates
        expect(config.optim.g.lr).toBe(1e-3);
        expect(config.optim.d.lr).toBe(1e-4);
        expect(config.optim.g.beta1).toBe(0.5);
        expect(config.schedule).toBe('simultaneous');
      } else {
        expect(config.loss).toBe('wasserstein');
        expect(config.nDis).toBe(5);
        expect(config.gpWeight).toBe(10);
      }
    });
  }
});
