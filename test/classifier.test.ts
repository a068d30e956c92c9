// The MNIST classifier: a short training run on a subset must already classify well (the full 3-epoch model's
// ≥ 99% is measured by `dppgan classifier train`, quoted in the README), and the cache round-trips exactly and
// rejects damaged files.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { loadMnist } from '../src/data/mnist.js';
import { classifyDigits } from '../src/nn/mnist-classifier.js';
import {
  classifierAccuracy,
  classifierKey,
  loadCachedClassifier,
  saveClassifier,
  type TrainedClassifier,
  trainMnistClassifier,
} from '../src/train/classifier.js';

const OPTIONS = { epochs: 1, batchSize: 32, trainSubset: 3840, testSubset: 1000, seed: 3 };

describe('MNIST classifier', () => {
  let trained: TrainedClassifier;
  const directory = mkdtempSync(join(tmpdir(), 'dppgan-cache-'));

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    trained = trainMnistClassifier(OPTIONS);
  });

  it('reaches ≥ 90% test accuracy after one short epoch on 3,840 images (batch 32)', () => {
    expect(trained.testAccuracy).toBeGreaterThanOrEqual(0.9);
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
});
