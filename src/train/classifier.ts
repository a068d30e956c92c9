// Train (once) and cache the MNIST classifier that labels Stacked-MNIST channels and gives FID/KID features.
// The cache key hashes the architecture, the training settings and the seed, so a change to any of them trains a
// new model. Files: <cache>/mnist-classifier-<key>.{json,bin}; the JSON holds the weight shapes, the SHA-256 of
// the binary, and the measured test accuracy. Written atomically (temp file + rename).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { adam } from '../backend/adam.js';
import { loadMnist, type MnistSet } from '../data/mnist.js';
import { runtimeError } from '../errors.js';
import {
  buildMnistClassifier,
  classifyDigits,
  MNIST_CLASSIFIER_ARCHITECTURE,
} from '../nn/mnist-classifier.js';
import { Random } from '../random.js';

/** Options of the MNIST classifier training. */
export interface ClassifierTrainOptions {
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  /** Train on the first `trainSubset` training images only (for fast tests). */
  trainSubset?: number;
  /** Measure accuracy on the first `testSubset` test images only (for fast tests; default all 10,000). */
  testSubset?: number;
  /** Called after every batch with (batchesDone, batchesTotal, loss). */
  onProgress?: (done: number, total: number, loss: number) => void;
}

/** A trained (or cached) MNIST classifier and its test accuracy. */
export interface TrainedClassifier {
  model: tfl.LayersModel;
  testAccuracy: number;
  key: string;
  fromCache: boolean;
}

const DEFAULTS = { epochs: 3, batchSize: 128, learningRate: 1e-3, seed: 0 };

/** The directory holding cached models: $DPPGAN_CACHE, else $XDG_CACHE_HOME/dppgan, else ~/.cache/dppgan. */
export function cacheDirectory(): string {
  if (process.env.DPPGAN_CACHE) return process.env.DPPGAN_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'dppgan');
}

function settingsOf(opts: ClassifierTrainOptions) {
  const { epochs, batchSize, learningRate, seed } = { ...DEFAULTS, ...opts };
  return {
    architecture: MNIST_CLASSIFIER_ARCHITECTURE,
    epochs,
    batchSize,
    learningRate,
    seed,
    subset: opts.trainSubset ?? null,
  };
}

/** The cache key of a classifier trained with these options. */
export function classifierKey(opts: ClassifierTrainOptions = {}): string {
  return createHash('sha256')
    .update(JSON.stringify(settingsOf(opts)))
    .digest('hex')
    .slice(0, 16);
}

/** Images [n, 28, 28, 1] in [0, 1] for the given indices of an MNIST set. */
function imageBatch(set: MnistSet, indices: ArrayLike<number>): tf.Tensor4D {
  const pixels = set.rows * set.cols;
  const out = new Float32Array(indices.length * pixels);
  for (let i = 0; i < indices.length; i++) {
    const source = indices[i] * pixels;
    for (let p = 0; p < pixels; p++) out[i * pixels + p] = set.images[source + p] / 255;
  }
  return tf.tensor4d(out, [indices.length, set.rows, set.cols, 1]);
}

/** Fraction of the first `limit` images of `set` classified correctly. */
export function classifierAccuracy(
  model: tfl.LayersModel,
  set: MnistSet,
  limit = set.count,
  batchSize = 1000,
): number {
  let correct = 0;
  const count = Math.min(limit, set.count);
  for (let start = 0; start < count; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, count - start) }, (_, i) => start + i);
    const predicted = tf.tidy(() => {
      const { logits } = classifyDigits(model, imageBatch(set, indices));
      return tf.argMax(logits, 1);
    });
    const labels = predicted.dataSync();
    predicted.dispose();
    for (let i = 0; i < labels.length; i++) if (labels[i] === set.labels[start + i]) correct++;
  }
  return correct / count;
}

/** Train the classifier from scratch with a seeded shuffle; returns the model and its test accuracy. */
export function trainMnistClassifier(opts: ClassifierTrainOptions = {}): TrainedClassifier {
  const training = classifierTraining(opts);
  for (;;) {
    const next = training.next();
    if (next.done) return next.value;
  }
}

/**
 * trainMnistClassifier (same batches, same result) that lets the event loop run every `batchesPerYield` batches,
 * for callers that must stay responsive meanwhile (a test runner's worker answering its runner, a UI).
 */
export async function trainMnistClassifierYielding(
  opts: ClassifierTrainOptions = {},
  batchesPerYield = 8,
): Promise<TrainedClassifier> {
  const training = classifierTraining(opts);
  for (let batch = 1; ; batch++) {
    const next = training.next();
    if (next.done) return next.value;
    if (batch % batchesPerYield === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The training loop, one batch per step of the generator; returns the trained classifier. */
function* classifierTraining(opts: ClassifierTrainOptions): Generator<void, TrainedClassifier, void> {
  const settings = settingsOf(opts);
  const train = loadMnist('train');
  const test = loadMnist('test');
  const count = Math.min(opts.trainSubset ?? train.count, train.count);
  const random = new Random(settings.seed).fork('classifier');
  const model = buildMnistClassifier(settings.seed);
  const optimizer = adam(settings.learningRate);
  const batchesPerEpoch = Math.floor(count / settings.batchSize);
  const total = batchesPerEpoch * settings.epochs;
  const order = Int32Array.from({ length: count }, (_, i) => i);
  for (let epoch = 0; epoch < settings.epochs; epoch++) {
    for (let i = count - 1; i > 0; i--) {
      const j = random.integer(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let batch = 0; batch < batchesPerEpoch; batch++) {
      const indices = order.subarray(batch * settings.batchSize, (batch + 1) * settings.batchSize);
      const loss = tf.tidy((): tf.Scalar => {
        const images = imageBatch(train, indices);
        const labels = tf.oneHot(
          tf.tensor1d(
            Array.from(indices, (k) => train.labels[k]),
            'int32',
          ),
          10,
        );
        const cost = optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(labels, classifyDigits(model, images).logits) as tf.Scalar,
          true,
        );
        return cost ?? tf.scalar(Number.NaN);
      });
      const lossValue = loss.dataSync()[0];
      loss.dispose();
      opts.onProgress?.(epoch * batchesPerEpoch + batch + 1, total, lossValue);
      yield;
    }
  }
  optimizer.dispose();
  const testAccuracy = classifierAccuracy(model, test, opts.testSubset);
  return { model, testAccuracy, key: classifierKey(opts), fromCache: false };
}

interface CachedMetadata {
  key: string;
  settings: ReturnType<typeof settingsOf>;
  shapes: number[][];
  sha256: string;
  testAccuracy: number;
}

function cachePaths(key: string, directory: string) {
  return {
    json: join(directory, `mnist-classifier-${key}.json`),
    bin: join(directory, `mnist-classifier-${key}.bin`),
  };
}

/** Save a trained classifier's weights into the cache directory (atomic). */
export function saveClassifier(
  trained: TrainedClassifier,
  opts: ClassifierTrainOptions,
  directory = cacheDirectory(),
): void {
  mkdirSync(directory, { recursive: true });
  const weights = trained.model.getWeights();
  const shapes = weights.map((w) => w.shape);
  const data = new Float32Array(weights.reduce((n, w) => n + w.size, 0));
  let offset = 0;
  for (const w of weights) {
    data.set(w.dataSync() as Float32Array, offset);
    offset += w.size;
  }
  const bytes = new Uint8Array(data.buffer);
  const metadata: CachedMetadata = {
    key: trained.key,
    settings: settingsOf(opts),
    shapes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    testAccuracy: trained.testAccuracy,
  };
  const paths = cachePaths(trained.key, directory);
  writeFileSync(`${paths.bin}.tmp`, bytes);
  renameSync(`${paths.bin}.tmp`, paths.bin);
  writeFileSync(`${paths.json}.tmp`, `${JSON.stringify(metadata, null, 2)}\n`);
  renameSync(`${paths.json}.tmp`, paths.json);
}

/** Load a cached classifier, or null when none is cached for these options. Corrupt files are an error. */
export function loadCachedClassifier(
  opts: ClassifierTrainOptions = {},
  directory = cacheDirectory(),
): TrainedClassifier | null {
  const key = classifierKey(opts);
  const paths = cachePaths(key, directory);
  if (!existsSync(paths.json) || !existsSync(paths.bin)) return null;
  const fix = `delete ${paths.json} and retrain with \`dppgan classifier train\``;
  let metadata: CachedMetadata;
  try {
    metadata = JSON.parse(readFileSync(paths.json, 'utf8')) as CachedMetadata;
  } catch {
    throw runtimeError(`cached classifier ${paths.json} is not valid JSON: ${fix}`);
  }
  const bytes = readFileSync(paths.bin);
  if (createHash('sha256').update(bytes).digest('hex') !== metadata.sha256) {
    throw runtimeError(
      `cached classifier ${paths.bin} fails its SHA-256 check (truncated or edited): ${fix}`,
    );
  }
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const model = buildMnistClassifier(metadata.settings.seed);
  const expected = model.getWeights().map((w) => w.shape);
  if (JSON.stringify(expected) !== JSON.stringify(metadata.shapes)) {
    throw runtimeError(`cached classifier ${paths.json} has weight shapes of another architecture: ${fix}`);
  }
  let offset = 0;
  const tensors = metadata.shapes.map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const tensor = tf.tensor(data.subarray(offset, offset + size), shape);
    offset += size;
    return tensor;
  });
  model.setWeights(tensors);
  tf.dispose(tensors);
  return { model, testAccuracy: metadata.testAccuracy, key, fromCache: true };
}

/** The cached classifier for these options, training and caching it first when needed. */
export function loadOrTrainClassifier(
  opts: ClassifierTrainOptions = {},
  directory = cacheDirectory(),
): TrainedClassifier {
  const cached = loadCachedClassifier(opts, directory);
  if (cached) return cached;
  const trained = trainMnistClassifier(opts);
  saveClassifier(trained, opts, directory);
  return trained;
}
