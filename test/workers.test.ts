// Data-parallel training across worker threads (src/train/parallel/): N workers compute what one thread computes
// — the summed shard gradients (GDPP gathered and scattered) equal the whole batch's, training agrees up to the
// float summation order, a run resumes with any N — batch norm is per shard, and a crashing worker ends the run
// with a clear error and a loadable checkpoint instead of a hang.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { createDataset } from '../src/data/index.js';
import { DppganError } from '../src/errors.js';
import { Random } from '../src/random.js';
import { loadCheckpoint, parseConfig, Trainer, trainRun } from '../src/train/index.js';
import { ParallelTrainer } from '../src/train/parallel/parallel-trainer.js';
import { oversubscriptionWarning, resolveWorkers } from '../src/train/parallel/workers.js';

const scratch = mkdtempSync(join(tmpdir(), 'dppgan-workers-'));
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function toyConfig(extra: Record<string, unknown> = {}) {
  return parseConfig(
    { data: 'ring', model: 'mlp-gdpp', batchSize: 64, seed: 3, backend: 'wasm', ...extra },
    'test',
  );
}

/** ‖a − b‖ / ‖b‖ over all entries. */
function relative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/** The summed replica gradients of one batch with `replicas` worker threads (the pool closed afterwards). */
async function shardedGradients(
  trainer: Trainer,
  replicas: number,
  real: Float32Array,
  latent: Float32Array,
) {
  const parallel = await ParallelTrainer.start(trainer, replicas);
  try {
    return await parallel.batchGradients(real, latent);
  } finally {
    await parallel.close();
  }
}

/** The Trainer's private loss builders (the single-thread reference of the replicas' shard losses). */
function lossesOf(trainer: Trainer) {
  return trainer as unknown as {
    discriminatorLoss(real: tf.Tensor2D, z: tf.Tensor2D, scalars: object): tf.Scalar;
    generatorLoss(z: tf.Tensor2D, real: tf.Tensor2D, scalars: Record<string, tf.Scalar>): tf.Scalar;
  };
}

describe('GDPP gather / scatter', () => {
  it('the summed shard gradients equal the whole batch gradients (D and G, GDPP-GAN, 3 uneven shards)', async () => {
    const config = toyConfig({ gdpp: { weight: 1 }, batchSize: 50 });
    const trainer = new Trainer(config, { dataset: createDataset(config.data) });
    for (let i = 0; i < 3; i++) trainer.trainStep(); // away from the initial weights
    const random = new Random(11);
    const real = createDataset(config.data).sampleArray(50, random);
    const latent = random.normalArray(50 * trainer.latentDim);
    const got = await shardedGradients(trainer, 3, real, latent);
    const internals = lossesOf(trainer);
    const scalars: Record<string, tf.Scalar> = {};
    const [d, g] = tf.tidy(() => {
      const x = tf.tensor2d(real, [50, 2]);
      const z = tf.tensor2d(latent, [50, trainer.latentDim]);
      const dGrads = tf.variableGrads(() => internals.discriminatorLoss(x, z, {}), trainer.dVars).grads;
      const gGrads = tf.variableGrads(() => internals.generatorLoss(z, x, scalars), trainer.gVars).grads;
      return [trainer.dVars.map((v) => dGrads[v.name]), trainer.gVars.map((v) => gGrads[v.name])];
    });
    expect(got.gdpp).toBeCloseTo(scalars.gdpp.dataSync()[0], 6);
    d.forEach((t, i) => {
      expect(relative(got.discriminator[i], t.dataSync())).toBeLessThan(1e-5);
    });
    g.forEach((t, i) => {
      expect(relative(got.generator[i], t.dataSync())).toBeLessThan(1e-5);
    });
    tf.dispose([...d, ...g, ...Object.values(scalars)]);
    trainer.dispose();
  });
});

function weightsOf(trainer: Trainer): Float32Array[] {
  return [...trainer.gan.generator.stack.weights(), ...trainer.gan.discriminator.weights()].map((w) =>
    Float32Array.from(w.read().dataSync()),
  );
}

async function trainBoth(extra: Record<string, unknown>, steps: number) {
  const config = toyConfig(extra);
  const single = new Trainer(config, { dataset: createDataset(config.data) });
  const initial = weightsOf(single);
  const one = Array.from({ length: steps }, () => single.trainStep());
  const split = new Trainer(config, { dataset: createDataset(config.data) });
  const parallel = await ParallelTrainer.start(split, 2);
  const two = [];
  let tensors: { main: number[]; replicas: number[][] } = { main: [], replicas: [] };
  try {
    for (let i = 0; i < steps; i++) {
      two.push(await parallel.trainStep());
      if (i === 1 || i === steps - 1) {
        tensors = {
          main: [...tensors.main, tf.memory().numTensors],
          replicas: [...tensors.replicas, parallel.replicaTensorCounts],
        };
      }
    }
  } finally {
    await parallel.close();
  }
  // no tensor leaks on either side (counts after step 2 and after the last step)
  expect(tensors.main[1]).toBe(tensors.main[0]);
  expect(tensors.replicas[1]).toEqual(tensors.replicas[0]);
  expect(tensors.replicas[0].every((n) => n > 0)).toBe(true);
  const average = (trainer: Trainer) => trainer.generatorEma?.capture().map((array) => array.values) ?? [];
  const result = {
    one,
    two,
    initial,
    a: weightsOf(single),
    b: weightsOf(split),
    emaA: average(single),
    emaB: average(split),
  };
  single.dispose();
  split.dispose();
  return result;
}

describe('workers = 2 trains as workers = 1', () => {
  // Without batch norm the only difference is the summation order of the weight gradients (~1e-7 relative).
  // The generator's moving average is updated by the main thread after each step, as one thread does.
  it('GAN (mlp-gdpp, simultaneous, B = 64): 50 steps, every weight tensor and G average within 1e-4 relative', async () => {
    const { one, two, initial, a, b, emaA, emaB } = await trainBoth(
      { generatorEma: { decay: 0.9, start: 20 } },
      50,
    );
    expect(b.length).toBe(a.length);
    a.forEach((w, i) => {
      expect(relative(b[i], w)).toBeLessThan(1e-4);
    });
    expect(emaA.length).toBeGreaterThan(0);
    expect(emaB.length).toBe(emaA.length);
    emaA.forEach((w, i) => {
      expect(relative(emaB[i], w)).toBeLessThan(1e-4);
      expect(relative(w, a[i])).toBeGreaterThan(1e-6); // an average, not a copy of the trained weights
    });
    expect(two[49].dLoss).toBeCloseTo(one[49].dLoss, 5);
    expect(two[49].gLoss).toBeCloseTo(one[49].gLoss, 5);
    expect(relative(a[0], initial[0])).toBeGreaterThan(1e-3); // it trained
  });

  // GDPP training amplifies any float perturbation (eigenvectors of nearly degenerate kernels): one thread with
  // ONE weight entry changed by 1e-6 relative drifts to ~2e-4 relative by step 50, so 50 steps cannot be held to
  // 1e-4 — 10 steps, alternating with nDis 2 and spectral norm (u from replica 0) can.
  // With a learning-rate decay after 4 of 10 steps: the main thread's optimisers follow it as one thread's do.
  it('GDPP-GAN (alternating, nDis 2, spectral norm, lr decay): 10 steps within 1e-4 relative, same GDPP values', async () => {
    const { one, two, a, b } = await trainBoth(
      {
        gdpp: { weight: 1 },
        schedule: 'alternating',
        nDis: 2,
        lipschitz: 'spectral-norm',
        iterations: 12,
        lrDecay: { from: 0.34 }, // rates × 1 for steps 0–3, then 7/8, 6/8, … (start round(0.34·12) = 4)
      },
      10,
    );
    a.forEach((w, i) => {
      expect(relative(b[i], w)).toBeLessThan(1e-4);
    });
    one.forEach((stats, i) => {
      expect(two[i].gdpp!).toBeCloseTo(stats.gdpp!, 4);
    });
  });
});

describe('determinism', () => {
  // The replicas once re-ran a command after a wake-up of Atomics.wait without a new command (seen under load);
  // the extra 'done' let the main thread read gradients mid-write, so runs with workers differed from run to run.
  it('two runs with workers = 2 end with bit-identical weights (30 steps, concurrent replicas stressed)', async () => {
    const run = async () => {
      const config = toyConfig();
      const trainer = new Trainer(config, { dataset: createDataset(config.data) });
      const parallel = await ParallelTrainer.start(trainer, 2);
      try {
        for (let i = 0; i < 30; i++) await parallel.trainStep();
      } finally {
        await parallel.close();
      }
      const weights = weightsOf(trainer);
      trainer.dispose();
      return weights;
    };
    const [a, b] = [await run(), await run()];
    expect(b.length).toBe(a.length);
    a.forEach((w, i) => {
      expect(Array.from(b[i])).toEqual(Array.from(w));
    });
  });
});

describe('resume with another number of workers', () => {
  it('3 steps with workers = 2, resumed for 3 with workers = 1 = 6 steps with workers = 1 (1e-4)', async () => {
    const extra = { gdpp: { weight: 1 }, iterations: 6, logEvery: 1, checkpointEvery: 100 };
    const straight = await trainRun(toyConfig(extra), { runDir: join(scratch, 'straight') });
    expect(straight.workers).toBe(1);
    straight.trainer.dispose();
    const dir = join(scratch, 'switched');
    const controller = new AbortController();
    const first = await trainRun(toyConfig({ ...extra, workers: 2 }), {
      runDir: dir,
      signal: controller.signal,
      onStep: (stats) => {
        if (stats.step === 3) controller.abort();
      },
    });
    expect(first.workers).toBe(2);
    expect(first.trainer.step).toBe(3);
    first.trainer.dispose();
    const resumed = await trainRun(toyConfig({ ...extra, workers: 1 }), { runDir: dir, resume: true });
    expect(resumed.resumedFrom).toBe(3);
    expect(resumed.trainer.step).toBe(6);
    resumed.trainer.dispose();
    const a = loadCheckpoint(join(scratch, 'straight'));
    const b = loadCheckpoint(dir);
    for (const group of ['generator', 'discriminator', 'optimizer-g', 'optimizer-d']) {
      a.tensors[group].forEach((t, i) => {
        expect(relative(b.tensors[group][i].values, t.values)).toBeLessThan(1e-4);
      });
    }
    expect(b.state.random).toEqual(a.state.random);
  });
});

describe('a failing worker', () => {
  it.each([
    ['throws', 'throw:5', /worker thread 2 of 2 failed at step 5: injected fault/],
    ['exits', 'exit:5', /worker thread 2 of 2 exited unexpectedly \(code 3\) at step 5/],
    ['stalls (DPPGAN_WORKER_TIMEOUT_S=4)', 'stall:5', /worker threads gave no answer for 4 s at step 5/],
  ])(
    '%s: the run ends with a one-line runtime error, no hang, the last checkpoint loads',
    async (_name, fault, message) => {
      const dir = join(scratch, `crash-${fault.replace(':', '-')}`);
      const config = toyConfig({ workers: 2, iterations: 10, checkpointEvery: 2 });
      process.env.DPPGAN_WORKER_FAULT = fault;
      if (fault.startsWith('stall')) process.env.DPPGAN_WORKER_TIMEOUT_S = '4';
      const started = performance.now();
      let error: unknown;
      try {
        await trainRun(config, { runDir: dir });
      } catch (caught) {
        error = caught;
      } finally {
        delete process.env.DPPGAN_WORKER_FAULT;
        delete process.env.DPPGAN_WORKER_TIMEOUT_S;
      }
      expect(performance.now() - started).toBeLessThan(60_000);
      expect(error).toBeInstanceOf(DppganError);
      expect((error as DppganError).exitCode).toBe(1);
      const text = (error as Error).message;
      expect(text).toMatch(message);
      expect(text).toMatch(/the last checkpoint \(step 4\) .* is intact/);
      expect(text.includes('\n')).toBe(false);
      expect(loadCheckpoint(dir).step).toBe(4);
      // the run continues from there (here on one thread)
      const resumed = await trainRun(null, { runDir: dir, resume: true });
      expect(resumed.resumedFrom).toBe(4);
      expect(resumed.trainer.step).toBe(10);
      resumed.trainer.dispose();
    },
  );
});

describe('the numerical guard with workers', () => {
  it.each(['simultaneous', 'alternating'])(
    '%s, a diverging learning rate: the same skip, skip, skip, stop and random streams as one thread',
    async (schedule) => {
      const lr = { lr: 1e38 };
      const config = toyConfig({
        optim: { g: lr, d: lr },
        nanLimit: 3,
        batchSize: 16,
        schedule,
        gdpp: { weight: 1 },
      });
      const run = async (workers: number) => {
        const trainer = new Trainer(config, { dataset: createDataset(config.data) });
        const seen: { step: number; what: string; action: string }[] = [];
        trainer.onNonFinite = (event) => seen.push(event);
        const parallel = workers > 1 ? await ParallelTrainer.start(trainer, workers) : null;
        let error: unknown;
        try {
          for (let s = 0; s < 20; s++) await (parallel ? parallel.trainStep() : trainer.trainStep());
        } catch (caught) {
          error = caught;
        } finally {
          await parallel?.close();
        }
        expect((error as DppganError).exitCode).toBe(1);
        expect(weightsOf(trainer).every((w) => w.every(Number.isFinite))).toBe(true);
        // a dropped G update draws no latent codes (the overlapped path undoes its draw)
        const streams = Object.values(trainer.random).map((r) => r.getState());
        trainer.dispose();
        return { seen, streams };
      };
      const one = await run(1);
      expect(one.seen.map((e) => e.action)).toEqual(['skip', 'skip', 'skip', 'stop']);
      const two = await run(2);
      expect(two.seen).toEqual(one.seen);
      expect(two.streams).toEqual(one.streams);
    },
  );

  it('nanPolicy "rollback": a NaN put into the weights reaches the replicas, and the restore does too', async () => {
    const run = async (workers: number) => {
      const config = toyConfig({ nanPolicy: 'rollback', iterations: 8, checkpointEvery: 4, workers });
      const runDir = join(scratch, `rollback-${workers}`);
      let injected = false;
      const events: unknown[] = [];
      const result = await trainRun(config, {
        runDir,
        onNonFinite: (event) => events.push(event),
        onStep: (stats, trainer) => {
          if (stats.step === 5 && !injected) {
            injected = true;
            const w = trainer.gan.discriminator.trainableVariables()[0];
            const values = w.dataSync().slice();
            values[0] = Number.NaN;
            w.assign(tf.tensor(values, w.shape));
          }
        },
      });
      expect(result.workers).toBe(workers);
      expect(result.trainer.lrScale).toBe(0.5);
      const weights = weightsOf(result.trainer);
      result.trainer.dispose();
      return { events, weights };
    };
    const one = await run(1);
    const two = await run(2);
    expect(one.events).toEqual([{ event: 'nonfinite', step: 6, what: 'D weights', action: 'rollback' }]);
    expect(two.events).toEqual(one.events);
    one.weights.forEach((w, i) => {
      expect(relative(two.weights[i], w)).toBeLessThan(1e-4);
    });
  });
});

describe('batch norm is per shard', () => {
  it('dcgan-smnist (BN in G): N = 2 gradients = the sum of each shard through its own BN statistics, not the batch', async () => {
    const config = parseConfig(
      { data: { kind: 'mnist' }, model: 'dcgan-smnist', batchSize: 8, seed: 2, backend: 'wasm' },
      'test',
    );
    const trainer = new Trainer(config, { dataset: createDataset(config.data) });
    const random = new Random(5);
    const real = trainer.dataset.sampleArray(8, random);
    const latent = random.normalArray(8 * trainer.latentDim);
    const got = await shardedGradients(trainer, 2, real, latent);
    const internals = lossesOf(trainer);
    const dim = real.length / 8;
    /** G's gradient of the mean generator loss over rows [start, end), times their share of the batch. */
    const generatorGradient = (start: number, end: number) =>
      tf.tidy(() => {
        const x = tf.tensor2d(real.slice(start * dim, end * dim), [end - start, dim]);
        const z = tf.tensor2d(latent.slice(start * 128, end * 128), [end - start, 128]);
        const { grads } = tf.variableGrads(
          () => tf.mul((end - start) / 8, internals.generatorLoss(z, x, {})),
          trainer.gVars,
        );
        return trainer.gVars.map((v) => grads[v.name].dataSync() as Float32Array);
      });
    const whole = generatorGradient(0, 8);
    const first = generatorGradient(0, 4);
    const second = generatorGradient(4, 8);
    const perShard = first.map((g, i) => g.map((v, k) => v + second[i][k]));
    got.generator.forEach((g, i) => {
      expect(relative(g, perShard[i])).toBeLessThan(1e-4);
    });
    // the batch statistics would give another gradient
    expect(Math.max(...got.generator.map((g, i) => relative(g, whole[i])))).toBeGreaterThan(1e-2);
    trainer.dispose();
  });
});

describe("'auto'", () => {
  it('every core (shards of ≥ 8 rows) for the conv models, 1 for the MLP GANs and on tfjs-node', () => {
    const conv = parseConfig(
      { data: { kind: 'stacked-mnist' }, model: 'dcgan-smnist', batchSize: 64, workers: 'auto' },
      't',
    );
    expect(resolveWorkers(conv, 'wasm', 2)).toBe(2);
    expect(resolveWorkers(conv, 'wasm', 16)).toBe(8);
    expect(resolveWorkers(conv, 'tensorflow', 16)).toBe(1);
    expect(resolveWorkers(toyConfig({ workers: 'auto' }), 'wasm', 16)).toBe(1);
    expect(resolveWorkers(toyConfig({ workers: 3 }), 'wasm', 2)).toBe(3);
    expect(resolveWorkers(toyConfig(), 'wasm', 16)).toBe(1);
    expect(() => toyConfig({ workers: 65 })).toThrow(/"workers": expected at most "batchSize" \(64\)/);
    expect(() => toyConfig({ workers: 'all' })).toThrow(/"workers": expected a positive integer or "auto"/);
  });

  it('more threads than cores get a one-line warning; as many or fewer, none', () => {
    expect(oversubscriptionWarning(2, 2)).toBeNull();
    expect(oversubscriptionWarning(1, 16)).toBeNull();
    expect(oversubscriptionWarning(8, 2)).toBe(
      '8 worker threads on 2 cores: threads will share cores and each step gets slower; at most 2 pay off here',
    );
    expect(oversubscriptionWarning(2, 1)).toMatch(/^2 worker threads on 1 core: /);
  });
});
