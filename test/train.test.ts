import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createDataset, type Dataset } from '../src/data/index.js';
import { ADVERSARIAL_LOSS_NAMES } from '../src/losses/index.js';
import { buildGan, orthogonalMatrix } from '../src/nn/index.js';
import { Random } from '../src/random.js';
import {
  LIPSCHITZ_NAMES,
  learningRateFactor,
  parseConfig,
  readLog,
  Trainer,
  trainRun,
} from '../src/train/index.js';
import { toyConfig, wasmScratch } from './helpers/toy-run.js';

const scratch = wasmScratch('train');

function weightsOf(trainer: Trainer): Float32Array[] {
  return [...trainer.gan.generator.stack.weights(), ...trainer.gan.discriminator.weights()].map((w) =>
    Float32Array.from(w.read().dataSync()),
  );
}

describe('models', () => {
  it('orthogonalMatrix has orthonormal columns (tall) or rows (wide), times the gain', () => {
    for (const [rows, cols] of [
      [12, 5],
      [5, 12],
    ]) {
      const gain = 1.4;
      const q = orthogonalMatrix(rows, cols, new Random(3), gain);
      const k = Math.min(rows, cols);
      for (let a = 0; a < k; a++) {
        for (let b = 0; b < k; b++) {
          let dot = 0;
          for (let i = 0; i < Math.max(rows, cols); i++) {
            dot += rows >= cols ? q[i * cols + a] * q[i * cols + b] : q[a * cols + i] * q[b * cols + i];
          }
          expect(dot).toBeCloseTo(a === b ? gain * gain : 0, 10);
        }
      }
    }
  });

  it('mlp-gdpp: 256-d latent, 2-D output, 128-d features; same seed → same weights', () => {
    const a = buildGan('mlp-gdpp', { dataShape: [2], random: new Random(5) });
    const b = buildGan('mlp-gdpp', { dataShape: [2], random: new Random(5) });
    expect(a.generator.latentDim).toBe(256);
    tf.tidy(() => {
      const x = a.generator.apply(tf.randomNormal([4, 256], 0, 1, 'float32', 1), false);
      expect(x.shape).toEqual([4, 2]);
      expect(a.discriminator.features(x, false).shape).toEqual([4, 128]);
      expect(a.discriminator.apply(x, false).shape).toEqual([4, 1]);
    });
    const wa = a.generator.stack.weights().map((w) => Array.from(w.read().dataSync()));
    const wb = b.generator.stack.weights().map((w) => Array.from(w.read().dataSync()));
    expect(wa).toEqual(wb);
    // The first kernel [256, 128] is orthogonal with gain 1.4: WᵀW = 1.96·I.
    const gram = tf.tidy(() => {
      const w = a.generator.stack.weights()[0].read() as tf.Tensor2D;
      return tf.matMul(w, w, true, false).arraySync() as number[][];
    });
    expect(gram[0][0]).toBeCloseTo(1.96, 4);
    expect(gram[3][7]).toBeCloseTo(0, 4);
    a.dispose();
    b.dispose();
  });

  it('spectral norm wraps every discriminator Dense (u vectors are weights)', () => {
    const gan = buildGan('mlp-gdpp', { dataShape: [2], spectralNorm: true, random: new Random(1) });
    const names = gan.discriminator.weights().map((w) => w.originalName);
    expect(names.filter((n) => n.endsWith('sn_u'))).toHaveLength(3);
    gan.dispose();
  });

  it('dcgan-smnist and sn-cnn produce flat images and flat features of the documented size', () => {
    const cases = [
      { name: 'dcgan-smnist', shape: [28, 28, 3], latent: 128, features: 4 * 4 * 256 },
      { name: 'sn-cnn', shape: [32, 32, 3], latent: 128, features: 4 * 4 * 512 },
    ];
    for (const c of cases) {
      const gan = buildGan(c.name, { dataShape: c.shape, random: new Random(2) });
      expect(gan.generator.latentDim).toBe(c.latent);
      tf.tidy(() => {
        const x = gan.generator.apply(tf.randomNormal([2, c.latent], 0, 1, 'float32', 1), false);
        expect(x.shape).toEqual([2, c.shape[0] * c.shape[1] * c.shape[2]]);
        expect(gan.discriminator.features(x, false).shape).toEqual([2, c.features]);
      });
      gan.dispose();
    }
  });

  it('rejects a model that does not fit the data shape, naming both', () => {
    expect(() => buildGan('dcgan-smnist', { dataShape: [2], random: new Random(1) })).toThrow(
      /dcgan-smnist.*\[2\]/,
    );
    expect(() => buildGan('nope', { dataShape: [2], random: new Random(1) })).toThrow(/unknown model "nope"/);
  });
});

describe('Trainer', () => {
  it.each(
    ADVERSARIAL_LOSS_NAMES.flatMap((loss) => LIPSCHITZ_NAMES.map((lipschitz) => [loss, lipschitz] as const)),
  )('%s × %s: 3 steps with GDPP, finite losses, weights change', (loss, lipschitz) => {
    const config = toyConfig({ loss, lipschitz, gdpp: { weight: 1 }, schedule: 'alternating', nDis: 2 });
    const trainer = new Trainer(config, { dataset: createDataset(config.data) });
    const before = weightsOf(trainer);
    for (let i = 0; i < 3; i++) {
      const stats = trainer.trainStep();
      for (const value of [stats.dLoss, stats.gLoss, stats.gAdversarial, stats.gdpp!]) {
        expect(Number.isFinite(value)).toBe(true);
      }
      if (lipschitz === 'gradient-penalty') {
        // λ·mean(‖∇D‖ − 1)² of a random critic: present, finite and not 0 (a missing term would read 0)
        expect(Number.isFinite(stats.gradientPenalty)).toBe(true);
        expect(stats.gradientPenalty!).toBeGreaterThan(0);
      }
    }
    const after = weightsOf(trainer);
    expect(after.every((w) => w.every(Number.isFinite))).toBe(true);
    expect(after.some((w, i) => w.some((v, j) => v !== before[i][j]))).toBe(true);
    if (lipschitz === 'weight-clip') {
      for (const v of trainer.gan.discriminator.trainableVariables()) {
        expect(Math.max(...Array.from(v.dataSync()).map(Math.abs))).toBeLessThanOrEqual(0.01);
      }
    }
    if (lipschitz === 'spectral-norm') expect(trainer.sigmaEstimates()).toHaveLength(3);
    trainer.dispose();
  });

  it('GDPP generator loss is 0.5·(adv + weight·L_DPP)', () => {
    const config = toyConfig({ gdpp: { weight: 2 } });
    const trainer = new Trainer(config, { dataset: createDataset(config.data) });
    const stats = trainer.trainStep();
    expect(stats.gLoss).toBeCloseTo(0.5 * (stats.gAdversarial + 2 * stats.gdpp!), 5);
    trainer.dispose();
  });

  it('keeps the tensor count flat over steps (no leaks), both schedules, every Lipschitz control', () => {
    const variants = [
      { schedule: 'simultaneous', lipschitz: 'spectral-norm' },
      { schedule: 'alternating', lipschitz: 'spectral-norm' },
      { schedule: 'alternating', lipschitz: 'gradient-penalty', loss: 'wasserstein', nDis: 2 },
      { schedule: 'simultaneous', lipschitz: 'weight-clip', loss: 'wasserstein' },
    ];
    for (const variant of variants) {
      const config = toyConfig({ gdpp: { weight: 1 }, ...variant });
      const trainer = new Trainer(config, { dataset: createDataset(config.data) });
      trainer.trainStep(); // Adam creates its moment variables on the first step
      const count = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) trainer.trainStep();
      trainer.generate(10, new Random(1));
      trainer.sigmaEstimates();
      expect(tf.memory().numTensors, JSON.stringify(variant)).toBe(count);
      trainer.dispose();
    }
  });

  it.each(['dcgan-smnist', 'sn-cnn'])(
    'keeps the tensor count flat over steps with the image model %s',
    (model) => {
      // sn-cnn on random 8×8 RGB images (any square size divisible by 8), dcgan-smnist on Stacked-MNIST.
      const noise: Dataset = {
        dim: [8, 8, 3],
        name: 'noise-8x8',
        sampleArray: (n, random) => Float32Array.from({ length: n * 192 }, () => random.uniform()),
        sample: (n, random) => tf.tensor2d(noise.sampleArray(n, random), [n, 192]),
      };
      const config = parseConfig(
        {
          data: model === 'sn-cnn' ? { kind: 'images', dir: 'unused' } : { kind: 'stacked-mnist' },
          model,
          batchSize: 4,
          gdpp: { weight: 1 },
          lipschitz: 'spectral-norm',
          backend: 'wasm',
          workers: 1,
        },
        't',
      );
      const dataset = model === 'sn-cnn' ? noise : createDataset(config.data);
      const trainer = new Trainer(config, { dataset });
      trainer.trainStep(); // Adam creates its moment variables on the first step
      const count = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) trainer.trainStep();
      trainer.generate(4, new Random(1));
      expect(tf.memory().numTensors).toBe(count);
      trainer.dispose();
    },
  );

  it('the same seed gives the same weights; another seed different ones', () => {
    const run = (seed: number) => {
      const config = toyConfig({ seed });
      const trainer = new Trainer(config, { dataset: createDataset(config.data) });
      for (let i = 0; i < 3; i++) trainer.trainStep();
      const w = weightsOf(trainer);
      trainer.dispose();
      return w;
    };
    const a = run(7);
    expect(run(7)).toEqual(a);
    expect(run(8)[0]).not.toEqual(a[0]);
  });
});

describe('learning-rate decay', () => {
  it('learningRateFactor: 1 before round(from·T), linear to 0 at T, 0 after; 1 without a decay', () => {
    const factors = (T: number, from: number, steps: number) =>
      Array.from({ length: steps }, (_, s) => learningRateFactor(s, T, { kind: 'linear', from }));
    expect(factors(10, 0.2, 12)).toEqual([1, 1, 1, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125, 0, 0]);
    expect(factors(4, 0, 5)).toEqual([1, 0.75, 0.5, 0.25, 0]);
    // 0.57·100 is 56.99999999999999 in floating point: the start is still step 57
    expect(factors(100, 0.57, 59).slice(55)).toEqual([1, 1, 1, 1 - 1 / 43]);
    // from just below 1 still leaves the last step at the full rate and none at 0 within the run
    expect(factors(3, 0.999, 4)).toEqual([1, 1, 1, 0]);
    expect(learningRateFactor(10_000, 100, undefined)).toBe(1);
  });

  it('the Trainer steps with config lr × factor: full, then smaller, then 0 (the weights stop moving)', () => {
    const config = toyConfig({ gdpp: { weight: 1 }, iterations: 4, lrDecay: { from: 0.5 } });
    const trainer = new Trainer(config, { dataset: createDataset(config.data) });
    const lr = () => {
      const { g, d } = trainer.learningRates();
      return [g, d];
    };
    const seen: number[][] = [];
    const weights: Float32Array[][] = [weightsOf(trainer)];
    for (let i = 0; i < 6; i++) {
      trainer.trainStep();
      seen.push(lr());
      weights.push(weightsOf(trainer));
    }
    expect(seen).toEqual([
      [1e-3, 1e-4],
      [1e-3, 1e-4],
      [1e-3, 1e-4],
      [0.5e-3, 0.5e-4],
      [0, 0],
      [0, 0],
    ]);
    const moved = (a: Float32Array[], b: Float32Array[]) => a.some((w, i) => w.some((v, j) => v !== b[i][j]));
    for (let s = 0; s < 4; s++) expect(moved(weights[s], weights[s + 1])).toBe(true);
    expect(moved(weights[4], weights[6])).toBe(false);
    trainer.dispose();
  });
});

describe('resume', () => {
  const cases = {
    'simultaneous + GDPP + spectral norm': {
      gdpp: { weight: 1 },
      lipschitz: 'spectral-norm',
    },
    'alternating nDis 2 + WGAN-GP + GDPP': {
      loss: 'wasserstein',
      lipschitz: 'gradient-penalty',
      schedule: 'alternating',
      nDis: 2,
      gdpp: { weight: 1 },
    },
    'learning-rate decay across the interruption': {
      gdpp: { weight: 1 },
      lrDecay: { from: 0.2 },
    },
    // the checkpoints compared below then also hold the moving average ('generator-ema')
    'generator moving average across the interruption': {
      gdpp: { weight: 1 },
      generatorEma: { decay: 0.7, start: 2 },
    },
  };
  it.each(Object.entries(cases))(
    '%s: interrupted at step 3 and resumed = 6 uninterrupted steps, bit for bit',
    async (name, extra) => {
      const dirA = join(scratch, `${name.replace(/\W+/g, '-')}-a`);
      const dirB = join(scratch, `${name.replace(/\W+/g, '-')}-b`);
      const config = toyConfig({ ...extra, iterations: 6, logEvery: 1, checkpointEvery: 100 });
      const straight = await trainRun(config, { runDir: dirA });
      straight.trainer.dispose();

      const controller = new AbortController();
      const first = await trainRun(config, {
        runDir: dirB,
        signal: controller.signal,
        onStep: (stats) => {
          if (stats.step === 3) controller.abort();
        },
      });
      expect(first.interrupted).toBe(true);
      expect(first.trainer.step).toBe(3);
      first.trainer.dispose();
      const resumed = await trainRun(null, { runDir: dirB, resume: true });
      expect(resumed.resumedFrom).toBe(3);
      expect(resumed.trainer.step).toBe(6);
      resumed.trainer.dispose();

      const bin = (dir: string) => readFileSync(join(dir, 'checkpoint', 'tensors.bin'));
      // Layer names carry tfjs's global counters, so compare everything but them.
      const state = (dir: string) => {
        const parsed = JSON.parse(readFileSync(join(dir, 'checkpoint', 'state.json'), 'utf8'));
        for (const entry of parsed.tensors) delete entry.name;
        return parsed;
      };
      expect(bin(dirB).equals(bin(dirA))).toBe(true);
      expect(state(dirB)).toEqual(state(dirA));
      const strip = (dir: string) =>
        readLog(join(dir, 'log.jsonl')).map(({ time: _t, secPerStep: _s, ...rest }) => rest);
      expect(strip(dirB)).toEqual(strip(dirA));
    },
  );
});
