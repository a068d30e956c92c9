// The MNIST classifier: a short training run on a subset must already classify well (the full 3-epoch model's
// ≥ 99% is measured by `dppgan classifier train`, quoted in the README), and the cache round-trips exactly and
// rejects damaged files.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { epochProgress } from '../src/cli/commands/classifier.js';
import { loadMnist } from '../src/data/mnist.js';
import { StackedMnist } from '../src/data/stacked-mnist.js';
import { readStackedMnist, stackedMnistMetrics } from '../src/metrics/stacked-mnist-evaluation.js';
import { classifyDigits } from '../src/nn/mnist-classifier.js';
import { Random } from '../src/random.js';
import {
  classifierAccuracy,
  classifierKey,
  loadCachedClassifier,
  saveClassifier,
  type TrainedClassifier,
  trainMnistClassifier,
  trainMnistClassifierYielding,
} from '../src/train/classifier.js';

const OPTIONS = { epochs: 1, batchSize: 32, trainSubset: 3840, testSubset: 1000, seed: 3 };

describe('MNIST classifier', () => {
  let trained: TrainedClassifier;
  const directory = mkdtempSync(join(tmpdir(), 'dppgan-cache-'));

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    // Yielding between batches: a minute of unbroken synchronous work (on a loaded machine) makes vitest's
    // worker miss its 60 s RPC deadline ("Timeout calling onTaskUpdate") and fail the run.
    trained = await trainMnistClassifierYielding(OPTIONS);
  });

  it('reaches ≥ 90% test accuracy after one short epoch on 3,840 images (batch 32)', () => {
    expect(trained.testAccuracy).toBeGreaterThanOrEqual(0.9);
  });

  it("the yielding trainer gives the synchronous one's model, weight for weight", async () => {
    const small = { epochs: 1, batchSize: 32, trainSubset: 320, testSubset: 100, seed: 5 };
    const a = trainMnistClassifier(small);
    const b = await trainMnistClassifierYielding(small, 3);
    const wa = a.model.getWeights();
    const wb = b.model.getWeights();
    expect(wb.length).toBe(wa.length);
    for (let i = 0; i < wa.length; i++) {
      expect(Array.from(wb[i].dataSync())).toEqual(Array.from(wa[i].dataSync()));
    }
    expect(b.testAccuracy).toBe(a.testAccuracy);
    a.model.dispose();
    b.model.dispose();
  });

  it('cache round-trips the weights exactly (same predictions) and keys by settings', () => {
    saveClassifier(trained, OPTIONS, directory);
    const loaded = loadCachedClassifier(OPTIONS, directory);
    expect(loaded?.fromCache).toBe(true);
    const test = loadMnist('test');
    const images = tf.tensor4d(
      Float32Array.from(test.images.subarray(0, 64 * 784), (v) => v / 255),
      [64, 28, 28, 1],
    );
    const a = classifyDigits(trained.model, images).logits;
    const b = classifyDigits(loaded!.model, images).logits;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([images, a, b]);
    expect(classifierAccuracy(loaded!.model, test, 500)).toBeCloseTo(
      classifierAccuracy(trained.model, test, 500),
      10,
    );
    expect(loadCachedClassifier({ ...OPTIONS, seed: 4 }, directory)).toBeNull();
    expect(classifierKey({ ...OPTIONS, seed: 4 })).not.toBe(classifierKey(OPTIONS));
  });

  it('a truncated cache file is detected with one line that says how to fix it', () => {
    saveClassifier(trained, OPTIONS, directory);
    const bin = readdirSync(directory).find((f) => f.endsWith('.bin'))!;
    const path = join(directory, bin);
    writeFileSync(path, readFileSync(path).subarray(0, 1000));
    expect(() => loadCachedClassifier(OPTIONS, directory)).toThrow(
      /^cached classifier .* fails its SHA-256 check \(truncated or edited\): delete .* and retrain with `dppgan classifier train`$/,
    );
  });

  it('Stacked-MNIST metrics: real samples cover ~all 1,000 modes with KL near 0; one repeated triple is 1 mode', () => {
    const stacked = new StackedMnist(loadMnist('test'));
    const n = 5000;
    const real = readStackedMnist(trained.model, stacked.sampleBatch(n, new Random(5)).images, n);
    const metrics = stackedMnistMetrics(real, n);
    // A perfect classifier would find 1000·(1 − e⁻⁵) ≈ 993 distinct triples in 5,000 uniform draws.
    expect(metrics.modes).toBeGreaterThanOrEqual(970);
    // Sampling noise alone gives KL ≈ 999 / (2·5000) ≈ 0.1; a collapsed set gives log 1000 ≈ 6.9.
    expect(metrics.kl).toBeLessThan(0.3);
    const one = stacked.sampleBatch(1, new Random(6)).images;
    const repeated = new Float32Array(200 * one.length);
    for (let i = 0; i < 200; i++) repeated.set(one, i * one.length);
    const collapsed = stackedMnistMetrics(readStackedMnist(trained.model, repeated, 200), 200);
    expect(collapsed.modes).toBe(1);
    expect(collapsed.kl).toBeCloseTo(Math.log(1000), 6);
  });

  it('FID on classifier features: real vs real is small and grows with added noise', async () => {
    const stacked = new StackedMnist(loadMnist('test'));
    const n = 300;
    const random = new Random(8);
    const first = stacked.sampleBatch(n, random).images;
    const second = stacked.sampleBatch(n, random).images;
    const reference = readStackedMnist(trained.model, first, n);
    const fid: number[] = [];
    for (const noise of [0, 0.25, 0.5]) {
      await new Promise((resolve) => setImmediate(resolve)); // let the worker answer its runner (see beforeAll)
      const noisy = second.map((v) => Math.min(Math.max(v + noise * random.normal(), 0), 1));
      const readout = readStackedMnist(trained.model, noisy, n);
      fid.push(stackedMnistMetrics(readout, n, { readout: reference, n, random }).fid!);
    }
    expect(fid[1]).toBeGreaterThan(2 * fid[0]);
    expect(fid[2]).toBeGreaterThan(fid[1]);
  });
});

describe('dppgan classifier train without a terminal', () => {
  it('prints one progress line per epoch instead of a bar', () => {
    const lines: string[] = [];
    const io = { out() {}, err: (text: string) => lines.push(text), isTTY: false };
    let clock = 0;
    const report = epochProgress(io, 3, 0, () => clock);
    for (let done = 1; done <= 30; done++) {
      clock = done * 100;
      report(done, 30, 1 / done);
    }
    expect(lines).toEqual([
      'classifier: epoch 1/3, loss 0.1000, 1 s',
      'classifier: epoch 2/3, loss 0.0500, 2 s',
      'classifier: epoch 3/3, loss 0.0333, 3 s',
    ]);
  });
});
