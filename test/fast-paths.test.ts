// The performance shortcuts compute what the straightforward paths compute: the Trainer's shared forward pass
// ('simultaneous' schedule) equals two tf.variableGrads passes bit for bit, symmetricEigen's partial eigenvectors
// (vectorsAbove) are the full solve's columns, and the wasm thin-output aᵀ·b route equals transpose-then-multiply.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { createDataset } from '../src/data/index.js';
import { symmetricEigen } from '../src/linalg/index.js';
import { Random } from '../src/random.js';
import { parseConfig, readLog, Trainer, trainRun } from '../src/train/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'dppgan-fast-paths-'));
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Toggle the Trainer's private shared-forward switch (the two-pass path is the reference). */
function setSharedForward(trainer: Trainer, on: boolean): void {
  (trainer as unknown as { sharedForward: boolean }).sharedForward = on;
}
function sharedForward(trainer: Trainer): boolean {
  return (trainer as unknown as { sharedForward: boolean }).sharedForward;
}

function run(extra: Record<string, unknown>, shared: boolean, steps = 3) {
  const config = parseConfig(
    { data: 'ring', model: 'mlp-gdpp', batchSize: 64, schedule: 'simultaneous', seed: 5, ...extra },
    'test',
  );
  const trainer = new Trainer(config, { dataset: createDataset(config.data) });
  const used = sharedForward(trainer);
  if (!shared) setSharedForward(trainer, false);
  const stats = Array.from({ length: steps }, () => trainer.trainStep());
  const weights = [...trainer.gan.generator.stack.weights(), ...trainer.gan.discriminator.weights()].map(
    (w) => Array.from(w.read().dataSync()),
  );
  trainer.dispose();
  return { used, stats, weights };
}

describe('Trainer, schedule simultaneous: one shared forward pass', () => {
  it.each([
    ['GAN', { gdpp: null }],
    ['GDPP-GAN', { gdpp: { weight: 1 } }],
    ['GDPP-GAN, hinge, weight clipping', { gdpp: { weight: 1 }, loss: 'hinge', lipschitz: 'weight-clip' }],
  ])('%s: losses and weights equal the two-pass path bit for bit', (_name, extra) => {
    const tensorsBefore = tf.memory().numTensors;
    const shared = run(extra, true);
    const twoPass = run(extra, false);
    expect(shared.used).toBe(true);
    expect(shared.stats).toEqual(twoPass.stats);
    expect(shared.weights).toEqual(twoPass.weights);
    expect(shared.stats[2].gLoss).not.toBe(shared.stats[0].gLoss); // it trained
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('GDPP-GAN interrupted at step 3 and resumed = 6 uninterrupted steps, bit for bit', async () => {
    const config = parseConfig(
      {
        data: 'ring',
        model: 'mlp-gdpp',
        batchSize: 32,
        schedule: 'simultaneous',
        gdpp: { weight: 1 },
        iterations: 6,
        logEvery: 1,
        checkpointEvery: 100,
      },
      'test',
    );
    const dirA = join(scratch, 'straight');
    const dirB = join(scratch, 'resumed');
    const straight = await trainRun(config, { runDir: dirA });
    expect(sharedForward(straight.trainer)).toBe(true);
    straight.trainer.dispose();
    const controller = new AbortController();
    const first = await trainRun(config, {
      runDir: dirB,
      signal: controller.signal,
      onStep: (stats) => {
        if (stats.step === 3) controller.abort();
      },
    });
    expect(first.trainer.step).toBe(3);
    first.trainer.dispose();
    const resumed = await trainRun(null, { runDir: dirB, resume: true });
    expect(resumed.trainer.step).toBe(6);
    resumed.trainer.dispose();
    const bin = (dir: string) => readFileSync(join(dir, 'checkpoint', 'tensors.bin'));
    expect(bin(dirB).equals(bin(dirA))).toBe(true);
    const strip = (dir: string) =>
      readLog(join(dir, 'log.jsonl')).map(({ time: _t, secPerStep: _s, ...rest }) => rest);
    expect(strip(dirB)).toEqual(strip(dirA));
  });

  it('is not used where layers keep per-call state (spectral norm) or with a gradient penalty', () => {
    expect(run({ lipschitz: 'spectral-norm' }, true, 1).used).toBe(false);
    expect(run({ lipschitz: 'gradient-penalty' }, true, 1).used).toBe(false);
  });
});

describe('symmetricEigen vectorsAbove', () => {
  /** A rank-deficient PSD Gram matrix xᵀx (x: m×n, rank ≤ r) plus tiny symmetric noise: a big near-null cluster. */
  function lowRankGram(n: number, r: number, seed: number): Float64Array {
    const random = new Random(seed);
    const m = 3 * n;
    const x = new Float64Array(m * n);
    const basis = Float64Array.from({ length: r * n }, () => random.normal());
    for (let i = 0; i < m; i++) {
      for (let k = 0; k < r; k++) {
        const c = random.normal();
        for (let j = 0; j < n; j++) x[i * n + j] += c * basis[k * n + j];
      }
    }
    const g = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let t = 0; t < m; t++) s += x[t * n + i] * x[t * n + j];
        const noise = 1e-7 * random.normal();
        g[i * n + j] = s + noise;
        g[j * n + i] = s + noise;
      }
    }
    return g;
  }

  it.each(['inverse-iteration', 'ql'] as const)(
    '%s: same values; wanted columns as in the full solve, the rest 0',
    (method) => {
      const n = 48;
      const a = lowRankGram(n, 5, 11);
      const full = symmetricEigen(a, n, { method });
      const part = symmetricEigen(a, n, { method, vectorsAbove: 1e-5 });
      expect(Array.from(part.values)).toEqual(Array.from(full.values));
      const limit = 1e-5 * Math.max(full.values[n - 1], 0);
      let wanted = 0;
      for (let j = 0; j < n; j++) {
        const keep = full.values[j] > limit;
        if (keep) wanted++;
        for (let i = 0; i < n; i++) {
          const got = part.vectors[i * n + j];
          if (keep) expect(Math.abs(got - full.vectors[i * n + j])).toBeLessThanOrEqual(1e-10);
          else expect(got).toBe(0);
        }
      }
      expect(wanted).toBe(5);
    },
  );
});

describe('wasm BatchMatMul: thin aᵀ·b', () => {
  it('equals transposing a first, bit for bit (rank 2 and batch-1 rank 3)', () => {
    for (const [k, m, n, rank3] of [
      [512, 2, 128, true],
      [100, 3, 17, false],
      [33, 1, 40, true],
    ] as const) {
      const [thin, reference] = tf.tidy(() => {
        const a = tf.randomNormal(rank3 ? [1, k, m] : [k, m], 0, 1, 'float32', k + m);
        const b = tf.randomNormal(rank3 ? [1, k, n] : [k, n], 0, 1, 'float32', k + n);
        const aT = tf.transpose(a, rank3 ? [0, 2, 1] : [1, 0]);
        return [
          tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, true, false),
          tf.matMul(aT as tf.Tensor2D, b as tf.Tensor2D),
        ];
      });
      expect(thin.shape).toEqual(reference.shape);
      expect(Array.from(thin.dataSync())).toEqual(Array.from(reference.dataSync()));
      tf.dispose([thin, reference]);
    }
  });
});
