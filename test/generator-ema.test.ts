// The generator's moving average (config "generatorEma", src/train/generator-ema.ts): the recursion itself
// against float64 JS, copies before `start` and of non-trainable weights, sampling and export from the average
// while training and the trained weights never see it, checkpoints, config validation, no tensor leaks.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { createDataset } from '../src/data/index.js';
import { Random } from '../src/random.js';
import {
  configHash,
  emaDecayAt,
  exportNetwork,
  fileLoadHandler,
  GeneratorEma,
  parseConfig,
  standBatchNormStatistics,
  standingMomentum,
  Trainer,
  type WeightVariable,
} from '../src/train/index.js';
import { cli } from './helpers/cli-in-process.js';
import { toyConfig, wasmScratch } from './helpers/toy-run.js';

const scratch = wasmScratch('ema');
const newTrainer = (extra: Record<string, unknown>) => {
  const config = toyConfig(extra);
  return new Trainer(config, { dataset: createDataset(config.data) });
};
const generatorWeights = (trainer: Trainer) =>
  trainer.gan.generator.stack.weights().map((w) => Float64Array.from(w.read().dataSync()));
/** max_i |got_i − want_i| / (|want_i| + floor): element-wise relative error against a float64 reference. */
const worstRelative = (got: ArrayLike<number>, want: ArrayLike<number>, floor = 1e-3) => {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / (Math.abs(want[i]) + floor));
  }
  return worst;
};

describe('config', () => {
  it('absent by default, part of the config hash when present, validated', () => {
    expect(toyConfig().generatorEma).toBeUndefined();
    expect(configHash(toyConfig({ generatorEma: { decay: 0.999 } }))).not.toBe(configHash(toyConfig()));
    expect(toyConfig({ generatorEma: { decay: 0.999 } }).generatorEma).toEqual({ decay: 0.999, start: 0 });
    for (const [bad, message] of [
      [{ decay: 1 }, 'expected a number in (0, 1)'],
      [{ decay: 0 }, 'expected a number in (0, 1)'],
      [{ decay: 0.9, start: -1 }, 'generatorEma.start'],
      [{ decay: 0.9, every: 2 }, 'every'],
    ] as const) {
      expect(() => toyConfig({ generatorEma: bad })).toThrow(message);
    }
  });

  it('emaDecayAt: a copy (0) through step `start`, then the decay', () => {
    const config = { decay: 0.9, start: 2 };
    expect([1, 2, 3, 4].map((step) => emaDecayAt(step, config))).toEqual([0, 0, 0.9, 0.9]);
    expect(emaDecayAt(1, { decay: 0.9, start: 0 })).toBe(0.9);
  });
});

describe('the average', () => {
  it('follows θ_ema ← β·θ_ema + (1 − β)·θ after every step past `start`, against float64 JS (6 steps)', () => {
    const ema = { decay: 0.8, start: 2 };
    const trainer = newTrainer({ gdpp: { weight: 1 }, generatorEma: ema });
    let expected = generatorWeights(trainer); // the initial weights (the average before any step)
    expect(trainer.generatorEma!.capture().map((a) => Array.from(a.values))).toEqual(
      expected.map((w) => Array.from(Float32Array.from(w))),
    );
    for (let step = 1; step <= 6; step++) {
      trainer.trainStep();
      const current = generatorWeights(trainer);
      const beta = step <= ema.start ? 0 : ema.decay;
      expected = expected.map((average, i) => average.map((a, j) => beta * a + (1 - beta) * current[i][j]));
      const got = trainer.generatorEma!.capture();
      got.forEach((array, i) => {
        expect(worstRelative(array.values, expected[i])).toBeLessThan(1e-5);
      });
      if (step > ema.start) {
        // a real average: not the trained weights any more
        expect(got[0].values).not.toEqual(Float32Array.from(current[0]));
      }
    }
    trainer.dispose();
  });

  it('copies non-trainable weights (batch-norm statistics) instead of averaging them', () => {
    const variable = (
      values: number[],
      trainable: boolean,
      name: string,
    ): WeightVariable & { v: tf.Variable } => {
      const v = tf.variable(tf.tensor1d(values), trainable);
      return {
        v,
        originalName: name,
        shape: [values.length],
        trainable,
        read: () => v,
        write: (t: tf.Tensor) => v.assign(t as tf.Tensor1D),
      };
    };
    const kernel = variable([1, 2], true, 'kernel');
    const movingMean = variable([10, 20], false, 'moving_mean');
    const ema = new GeneratorEma([kernel, movingMean], { decay: 0.5, start: 0 });
    kernel.v.assign(tf.tensor1d([3, 6]));
    movingMean.v.assign(tf.tensor1d([30, 60]));
    ema.update(1);
    const [k, m] = ema.capture();
    expect(Array.from(k.values)).toEqual([2, 4]); // 0.5·[1, 2] + 0.5·[3, 6]
    expect(Array.from(m.values)).toEqual([30, 60]); // copied
    ema.dispose();
    tf.dispose([kernel.v, movingMean.v]);
  });

  it('does not touch training: same trained weights and losses as without it; no tensor leaks', () => {
    const plain = newTrainer({ gdpp: { weight: 1 } });
    const averaged = newTrainer({ gdpp: { weight: 1 }, generatorEma: { decay: 0.9 } });
    const counts: number[] = [];
    for (let step = 1; step <= 6; step++) {
      const a = plain.trainStep();
      const b = averaged.trainStep();
      expect(b).toEqual(a);
      averaged.generate(32, new Random(1));
      if (step >= 2) counts.push(tf.memory().numTensors);
    }
    expect(generatorWeights(averaged)).toEqual(generatorWeights(plain));
    expect(new Set(counts).size).toBe(1);
    plain.dispose();
    averaged.dispose();
  });
});

describe('the numerical guard', () => {
  it('a rollback restores the average; a step whose update was skipped leaves it unchanged', async () => {
    const trainer = newTrainer({ gdpp: { weight: 1 }, generatorEma: { decay: 0.5 } });
    trainer.trainStep();
    trainer.trainStep();
    const checkpoint = await trainer.captureCheckpoint();
    const atStep2 = trainer.generatorEma!.capture().map((a) => a.values);
    trainer.trainStep();
    trainer.trainStep();
    expect(trainer.generatorEma!.capture()[0].values).not.toEqual(atStep2[0]);
    await trainer.restoreCheckpoint(checkpoint, 'rollback');
    expect(trainer.generatorEma!.capture().map((a) => a.values)).toEqual(atStep2);

    // A non-finite real batch: the step is skipped (nanPolicy "skip"), G does not move, nor does its average.
    const dataset = trainer.dataset as { sample: (n: number, random: Random) => tf.Tensor2D };
    const sample = dataset.sample;
    dataset.sample = (n) => tf.fill([n, 2], Number.NaN) as tf.Tensor2D;
    const stats = trainer.trainStep();
    dataset.sample = sample;
    expect(stats.nonfinite?.map((event) => event.what)).toEqual(['batch']);
    expect(trainer.generatorEma!.capture().map((a) => a.values)).toEqual(atStep2);
    trainer.trainStep();
    expect(trainer.generatorEma!.capture()[0].values).not.toEqual(atStep2[0]);
    trainer.dispose();
  });
});

describe('standing statistics (batch norm recomputed for the average)', () => {
  /** Mean over rows of an [n, d] float64 matrix, and the biased variance, per column. */
  const columnMoments = (rows: Float64Array, n: number, d: number) => {
    const mean = new Float64Array(d);
    const variance = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += rows[i * d + j] / n;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < d; j++) variance[j] += (rows[i * d + j] - mean[j]) ** 2 / n;
    return { mean, variance };
  };
  /** Bit-equal weight lists (a loop: toEqual on millions of typed-array entries takes seconds). */
  const identical = (a: Float64Array[], b: Float64Array[]) =>
    a.length === b.length &&
    a.every((w, i) => w.length === b[i].length && w.every((v, j) => Object.is(v, b[i][j])));

  it('sets each moving mean/variance to the plain average of K batch statistics and restores the momentum', () => {
    const dense = tfl.layers.dense({ units: 5, inputShape: [3], kernelInitializer: 'glorotUniform' });
    const norm = tfl.layers.batchNormalization({ momentum: 0.9 });
    const model = tfl.sequential({ layers: [dense, norm] });
    const random = new Random(11);
    const inputs = [7, 4, 9].map((n) => tf.tensor2d(random.normalArray(n * 3), [n, 3]));
    const before = tf.memory().numTensors;
    standBatchNormStatistics(
      model.layers,
      3,
      (pass) => model.apply(inputs[pass - 1], { training: true }) as tf.Tensor,
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(standingMomentum(1)).toBe(0);
    expect((norm as unknown as { momentum: number }).momentum).toBe(0.9);
    const mean = new Float64Array(5);
    const variance = new Float64Array(5);
    for (const x of inputs) {
      const h = dense.apply(x) as tf.Tensor;
      const moments = columnMoments(Float64Array.from(h.dataSync()), x.shape[0], 5);
      h.dispose();
      moments.mean.forEach((m, j) => {
        mean[j] += m / 3;
        variance[j] += moments.variance[j] / 3;
      });
    }
    const [, , , , movingMean, movingVariance] = model.weights.map((w) => w.read().dataSync());
    expect(worstRelative(movingMean, mean)).toBeLessThan(1e-5);
    expect(worstRelative(movingVariance, variance)).toBeLessThan(1e-5);
    // Layers without batch norm: nothing to do.
    standBatchNormStatistics([dense], 2, () => {
      throw new Error('must not run');
    });
    tf.dispose(inputs);
    model.dispose();
  });

  it('dcgan-smnist: the average samples through statistics of its own, deterministic, trained G untouched', () => {
    const config = (generatorEma: Record<string, unknown>) =>
      parseConfig(
        {
          data: { kind: 'mnist' },
          model: 'dcgan-smnist',
          batchSize: 8,
          seed: 2,
          backend: 'wasm',
          generatorEma,
        },
        'test',
      );
    const standing = config({ decay: 0.5, standingStatistics: 2 });
    expect(() => config({ decay: 0.5, standingStatistics: 0 })).toThrow(/standingStatistics/);
    const dataset = createDataset(standing.data);
    const trainer = new Trainer(standing, { dataset });
    const copied = new Trainer(config({ decay: 0.5 }), { dataset });
    for (let i = 0; i < 2; i++) {
      trainer.trainStep();
      copied.trainStep();
    }
    const trained = generatorWeights(trainer);
    const before = tf.memory().numTensors;
    const first = trainer.generate(16, new Random(3));
    expect(tf.memory().numTensors).toBe(before);
    expect(identical(generatorWeights(trainer), trained)).toBe(true);
    expect(trainer.generate(16, new Random(3))).toEqual(first);
    // Training is the same with or without standing statistics; only the average's batch-norm statistics differ.
    expect(identical(generatorWeights(copied), trained)).toBe(true);
    expect(copied.generate(16, new Random(3))).not.toEqual(first);

    // Reference for G's first batch norm (on FC 128 → 4096, no bias): the mean and biased variance of z·W_ema
    // over the two standing batches, from the standing-statistics latent stream, averaged — in float64 JS.
    const random = new Random(standing.seed).fork('standing-statistics');
    const kernel = Float64Array.from(trainer.generatorEma!.capture()[0].values);
    const mean = new Float64Array(4096);
    const variance = new Float64Array(4096);
    for (let pass = 0; pass < 2; pass++) {
      const z = trainer.sampleLatent(8, random);
      const latent = z.dataSync();
      z.dispose();
      const h = new Float64Array(8 * 4096);
      for (let i = 0; i < 8; i++) {
        for (let k = 0; k < 128; k++) {
          const zik = latent[i * 128 + k];
          for (let j = 0; j < 4096; j++) h[i * 4096 + j] += zik * kernel[k * 4096 + j];
        }
      }
      const moments = columnMoments(h, 8, 4096);
      moments.mean.forEach((m, j) => {
        mean[j] += m / 2;
        variance[j] += moments.variance[j] / 2;
      });
    }
    const [movingMean, movingVariance] = trainer.generatorEma!.use(() =>
      trainer.gan.generator.stack
        .weights()
        .filter((w) => /moving_(mean|variance)/.test(w.originalName))
        .slice(0, 2)
        .map((w) => Float64Array.from(w.read().dataSync())),
    );
    expect(worstRelative(movingMean, mean)).toBeLessThan(1e-4);
    expect(worstRelative(movingVariance, variance)).toBeLessThan(1e-4);
    trainer.dispose();
    copied.dispose();
  });
});

describe('sampling and export use the average', () => {
  it('generate() = a generator holding the averaged weights; the trained weights are put back', async () => {
    const trainer = newTrainer({ gdpp: { weight: 1 }, generatorEma: { decay: 0.6 } });
    for (let i = 0; i < 5; i++) trainer.trainStep();
    const trained = generatorWeights(trainer);
    const average = trainer.generate(64, new Random(7));
    const fromTrained = trainer.generate(64, new Random(7), 1024, 'trained');
    expect(generatorWeights(trainer)).toEqual(trained);
    expect(average).not.toEqual(fromTrained);

    // Reference: a second trainer whose generator is given the averaged arrays as its trained weights.
    const checkpoint = await trainer.captureCheckpoint();
    checkpoint.tensors.generator = checkpoint.tensors['generator-ema'];
    const reference = newTrainer({ gdpp: { weight: 1 }, generatorEma: { decay: 0.6 } });
    await reference.restoreCheckpoint(checkpoint);
    expect(reference.generate(64, new Random(7), 1024, 'trained')).toEqual(average);

    // The exported generator is the average too, and says so.
    const out = join(scratch, 'export');
    const result = await exportNetwork(trainer, out, 'generator');
    expect(result.metadata.generatorEma).toEqual({ decay: 0.6, start: 0 });
    expect(generatorWeights(trainer)).toEqual(trained);
    const model = await tfl.loadLayersModel(fileLoadHandler(out));
    const latent = new Random(7);
    const z = tf.tensor2d(latent.normalArray(64 * trainer.latentDim), [64, trainer.latentDim]);
    const x = model.predict(z) as tf.Tensor;
    const exported = x.dataSync();
    let worst = 0;
    exported.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - average[i]));
    });
    expect(worst).toBeLessThan(1e-5);
    tf.dispose([z, x]);
    model.dispose();

    // Asked for, the trained weights are exported instead, without the average's metadata.
    const trainedOut = join(scratch, 'export-trained');
    const trainedResult = await exportNetwork(trainer, trainedOut, 'generator', 'trained');
    expect(trainedResult.metadata.generatorEma).toBeUndefined();
    const trainedModel = await tfl.loadLayersModel(fileLoadHandler(trainedOut));
    const zAgain = tf.tensor2d(new Random(7).normalArray(64 * trainer.latentDim), [64, trainer.latentDim]);
    const xTrained = trainedModel.predict(zAgain) as tf.Tensor;
    let worstTrained = 0;
    xTrained.dataSync().forEach((v, i) => {
      worstTrained = Math.max(worstTrained, Math.abs(v - fromTrained[i]));
    });
    expect(worstTrained).toBeLessThan(1e-5);
    tf.dispose([zAgain, xTrained]);
    trainedModel.dispose();
    trainer.dispose();
    reference.dispose();
  });

  it('a checkpoint without the average does not resume a run that has one (one clear line)', async () => {
    const trainer = newTrainer({ generatorEma: { decay: 0.9 } });
    trainer.trainStep();
    const checkpoint = await trainer.captureCheckpoint();
    delete checkpoint.tensors['generator-ema'];
    const fresh = newTrainer({ generatorEma: { decay: 0.9 } });
    await expect(fresh.restoreCheckpoint(checkpoint)).rejects.toThrow(/missing generator-ema/);
    trainer.dispose();
    fresh.dispose();
  });
});

describe('the CLI says which weights it samples', () => {
  it('dppgan train / sample on a config with generatorEma name the moving average in report.md and output', async () => {
    const file = join(scratch, 'ema.json');
    writeFileSync(
      file,
      JSON.stringify({
        data: 'ring',
        model: 'mlp-gdpp',
        batchSize: 16,
        iterations: 3,
        backend: 'wasm',
        generatorEma: { decay: 0.9 },
      }),
    );
    const run = join(scratch, 'ema-run');
    const trained = await cli('train', '--config', file, '--out', run, '--workers', '1');
    expect(trained.code).toBe(0);
    expect(readFileSync(join(run, 'report.md'), 'utf8')).toContain('Samples at step 3 (moving average of G');
    const sampled = await cli('sample', '--run', run, '--n', '8', '--out', join(scratch, 'ema-samples.json'));
    expect(sampled.code).toBe(0);
    expect(sampled.out).toContain('step 3, moving average of G)');
  });
});
