// The Stacked-MNIST benchmark configs in experiments/stacked-mnist/ (GDPP Table 3 rows) stay valid and faithful
// to the official protocol (PAPERS.md §5), and GDPP reads the discriminator's flattened conv3 features.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { buildGan } from '../src/nn/index.js';
import { Random } from '../src/random.js';
import { loadConfigFile } from '../src/train/config.js';

const dir = join(import.meta.dirname, '..', 'experiments', 'stacked-mnist');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('experiments/stacked-mnist configs', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('hold every method of the table, and our tuned GDPP variant as a file of its own', () => {
    expect(files.sort()).toEqual(
      [
        'dcgan',
        'wgan-gp',
        'sn-gan',
        'gdpp-gan',
        'gdpp-sn-gan',
        'gdpp-gan-magnitude1',
        'gdpp-gan-magnitude10',
        'gdpp-gan-magnitude10-ema',
        'gdpp-gan-magnitude30-ema',
      ]
        .map((m) => `${m}.json`)
        .sort(),
    );
  });

  it.each([1, 10])(
    'the tuned variant differs from the faithful GDPP-GAN only in the magnitude weight (%d instead of 1e-4)',
    (weight) => {
      const faithful = loadConfigFile(join(dir, 'gdpp-gan.json'));
      const tuned = loadConfigFile(join(dir, `gdpp-gan-magnitude${weight}.json`));
      expect(tuned.gdpp?.magnitudeWeight).toBe(weight);
      expect({ ...tuned, gdpp: { ...tuned.gdpp, magnitudeWeight: 1e-4 } }).toEqual(faithful);
    },
  );

  it('the moving-average variant is magnitude weight 10 plus a G average with standing statistics, nothing else', () => {
    const plain = loadConfigFile(join(dir, 'gdpp-gan-magnitude10.json'));
    const averaged = loadConfigFile(join(dir, 'gdpp-gan-magnitude10-ema.json'));
    expect(averaged.generatorEma).toEqual({ decay: 0.999, start: 0, standingStatistics: 20 });
    expect({ ...averaged, generatorEma: plain.generatorEma }).toEqual(plain);
  });

  it('the magnitude-30 variant is the magnitude-10 moving-average one with the eigenvalue weight tripled, nothing else', () => {
    const ten = loadConfigFile(join(dir, 'gdpp-gan-magnitude10-ema.json'));
    const thirty = loadConfigFile(join(dir, 'gdpp-gan-magnitude30-ema.json'));
    expect(thirty.gdpp?.magnitudeWeight).toBe(30);
    expect({ ...thirty, gdpp: ten.gdpp }).toEqual(ten);
  });

  for (const file of files.filter((f) => !f.startsWith('gdpp-gan-magnitude'))) {
    it(`${file} validates and follows the official protocol`, () => {
      const config = loadConfigFile(join(dir, file));
      const method = file.replace('.json', '');
      expect(config.data).toEqual({ kind: 'stacked-mnist' });
      expect(config.model).toBe('dcgan-smnist');
      expect(config.iterations).toBe(15000);
      expect(config.batchSize).toBe(64);
      expect(config.schedule).toBe('alternating');
      for (const adam of [config.optim.g, config.optim.d]) {
        expect([adam.lr, adam.beta1, adam.beta2]).toEqual([1e-4, 0.5, 0.9]);
      }
      expect(config.gdpp === null ? null : [config.gdpp.weight, config.gdpp.magnitudeWeight]).toEqual(
        method.startsWith('gdpp') ? [1, 1e-4] : null,
      );
      const expected: Record<string, [string, string, number]> = {
        dcgan: ['nonsaturating', 'none', 1],
        'wgan-gp': ['wasserstein', 'gradient-penalty', 5],
        'sn-gan': ['hinge', 'spectral-norm', 1],
        'gdpp-gan': ['nonsaturating', 'none', 1],
        'gdpp-sn-gan': ['nonsaturating', 'spectral-norm', 1],
      };
      expect([config.loss, config.lipschitz, config.nDis]).toEqual(expected[method]);
      if (method === 'wgan-gp') expect(config.gpWeight).toBe(10);
      // the official script's sigmoid cross-entropies use targets 0.9 (real) / 0.1 (fake)
      expect(config.labelSmoothing).toEqual(
        config.loss === 'nonsaturating' ? { real: 0.9, fake: 0.1 } : undefined,
      );
    });
  }

  it("GDPP's φ is the flattened 4·4·256 = 4096-d LeakyReLU(0.2) output of D's third conv", () => {
    const gan = buildGan('dcgan-smnist', { dataShape: [28, 28, 3], random: new Random(1) });
    try {
      const layers = gan.discriminator.featureStack.layers;
      const convs = layers.filter((l) => l.getClassName() === 'Conv2D');
      expect(convs.map((l) => (l.getConfig() as { filters: number }).filters)).toEqual([64, 128, 256]);
      const [activation, flatten] = layers.slice(-2);
      expect(activation.getClassName()).toBe('LeakyReLU');
      expect((activation.getConfig() as { alpha: number }).alpha).toBeCloseTo(0.2, 6);
      expect(flatten.getClassName()).toBe('Flatten');
      const x = tf.randomUniform([2, 28 * 28 * 3], 0, 1, 'float32', 7);
      const phi = gan.discriminator.features(x, false);
      expect(phi.shape).toEqual([2, 4096]);
      // A LeakyReLU output (not a ReLU one): negative entries exist.
      const smallest = tf.min(phi);
      expect(smallest.dataSync()[0]).toBeLessThan(0);
      smallest.dispose();
      tf.dispose([x, phi]);
    } finally {
      gan.dispose();
    }
  });

  it('G normalises the 4096 FC features one by one (official Batchnorm over axis 0), then reshapes to 4×4×256', () => {
    const gan = buildGan('dcgan-smnist', { dataShape: [28, 28, 3], random: new Random(1) });
    try {
      const names = gan.generator.stack.layers.slice(0, 4).map((l) => l.getClassName());
      expect(names).toEqual(['Dense', 'BatchNormalization', 'ReLU', 'Reshape']);
      const gamma = gan.generator.stack.layers[1].getWeights()[0];
      expect(gamma.shape).toEqual([4096]);
    } finally {
      gan.dispose();
    }
  });

  it('kernels start from the official tflib scheme: U(±√3·σ), σ from fans with the stride folded in', () => {
    const gan = buildGan('dcgan-smnist', { dataShape: [28, 28, 3], random: new Random(1) });
    try {
      // [class, kernel shape, expected bound]: dense Glorot √(6/(in+out)); conv he √3·√(4/(k²in + k²out/s²));
      // transposed conv √3·√(4/(k²in/s² + k²out)).
      const he = (fanIn: number, fanOut: number) => Math.sqrt(3) * Math.sqrt(4 / (fanIn + fanOut));
      const expected: [string, number[], number][] = [
        ['Dense', [128, 4096], Math.sqrt(6 / (128 + 4096))],
        ['Conv2DTranspose', [5, 5, 128, 256], he((25 * 256) / 4, 25 * 128)],
        ['Conv2DTranspose', [5, 5, 64, 128], he((25 * 128) / 4, 25 * 64)],
        ['Conv2DTranspose', [5, 5, 3, 64], he((25 * 64) / 4, 25 * 3)],
        ['Conv2D', [5, 5, 3, 64], he(25 * 3, (25 * 64) / 4)],
        ['Conv2D', [5, 5, 64, 128], he(25 * 64, (25 * 128) / 4)],
        ['Conv2D', [5, 5, 128, 256], he(25 * 128, (25 * 256) / 4)],
        ['Dense', [4096, 1], Math.sqrt(6 / (4096 + 1))],
      ];
      const layers = [...gan.generator.stack.layers, ...gan.discriminator.layers].filter((l) =>
        ['Dense', 'Conv2D', 'Conv2DTranspose'].includes(l.getClassName()),
      );
      expect(layers.map((l) => l.getClassName())).toEqual(expected.map((e) => e[0]));
      layers.forEach((layer, i) => {
        const kernel = layer.getWeights()[0];
        expect(kernel.shape).toEqual(expected[i][1]);
        const values = kernel.dataSync();
        const bound = expected[i][2];
        let max = 0;
        let sumSquares = 0;
        for (const v of values) {
          max = Math.max(max, Math.abs(v));
          sumSquares += v * v;
        }
        expect(max).toBeLessThanOrEqual(bound * (1 + 1e-6));
        expect(max).toBeGreaterThan(0.95 * bound); // uniform on the whole interval, not a narrower one
        if (values.length > 1000) {
          // variance of U(−a, a) is a²/3
          expect(Math.sqrt(sumSquares / values.length)).toBeCloseTo(bound / Math.sqrt(3), 2);
        }
      });
    } finally {
      gan.dispose();
    }
  });
});
