// Stacked-MNIST evaluation (GDPP Table 3 protocol, PAPERS.md §5): classify each channel of each generated
// 28×28×3 image with the MNIST classifier; mode = the digit triple; report modes covered (of 1,000) and
// KL(generated ‖ uniform). Image quality on the classifier's features: each image's feature vector is the
// concatenation of its three channels' penultimate features (3 × 256 = 768-d); FID and KID compare generated to
// real feature sets; the classifier score is exp(E KL(p(y|x) ‖ p(y))) over per-channel digit predictions.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { classifyDigits } from '../nn/mnist-classifier.js';
import type { Random } from '../random.js';
import { classifierScore, frechetDistance, kernelDistance } from './feature-statistics.js';
import { modeStatistics, tripleModes } from './stacked-mnist-modes.js';

const PIXELS = 28 * 28;

/** Per-image digit triples, features (n × 768) and per-channel class probabilities (3n × 10). */
export interface StackedMnistReadout {
  modes: Int32Array;
  features: Float32Array;
  probabilities: Float32Array;
  featureDim: number;
}

/** Run the classifier on every channel of n stacked images (flat [n, 28, 28, 3] in [0, 1]). */
export function readStackedMnist(
  model: tfl.LayersModel,
  images: Float32Array,
  n: number,
  batchSize = 500,
): StackedMnistReadout {
  const digits = new Int32Array(3 * n);
  let features = new Float32Array(0);
  let featureDim = 0;
  const probabilities = new Float32Array(3 * n * 10);
  for (let start = 0; start < n; start += batchSize) {
    const m = Math.min(batchSize, n - start);
    // Channel-major planes: rows [c·m + i] hold channel c of image start + i.
    const planes = new Float32Array(3 * m * PIXELS);
    for (let i = 0; i < m; i++) {
      const base = (start + i) * PIXELS * 3;
      for (let c = 0; c < 3; c++) {
        const target = (c * m + i) * PIXELS;
        for (let p = 0; p < PIXELS; p++) planes[target + p] = images[base + 3 * p + c];
      }
    }
    const [labels, probs, feats] = tf.tidy(() => {
      const { logits, features: f } = classifyDigits(model, tf.tensor4d(planes, [3 * m, 28, 28, 1]));
      return [tf.argMax(logits, 1), tf.softmax(logits), f];
    });
    const labelValues = labels.dataSync();
    const probValues = probs.dataSync();
    const featureValues = feats.dataSync();
    if (featureDim === 0) {
      featureDim = feats.shape[1]! * 3;
      features = new Float32Array(n * featureDim);
    }
    tf.dispose([labels, probs, feats]);
    const channelDim = featureDim / 3;
    for (let i = 0; i < m; i++) {
      for (let c = 0; c < 3; c++) {
        const row = c * m + i;
        digits[3 * (start + i) + c] = labelValues[row];
        probabilities.set(probValues.subarray(row * 10, row * 10 + 10), (3 * (start + i) + c) * 10);
        features.set(
          featureValues.subarray(row * channelDim, (row + 1) * channelDim),
          (start + i) * featureDim + c * channelDim,
        );
      }
    }
  }
  return { modes: tripleModes(digits, n), features, probabilities, featureDim };
}

/** Stacked-MNIST metrics: modes covered (of 1,000) and KL(generated mode histogram ‖ uniform). */
export interface StackedMnistMetrics {
  samples: number;
  /** Distinct digit triples among the samples (of 1,000). */
  modes: number;
  /** KL(generated mode histogram ‖ uniform over 1,000). */
  kl: number;
  /** exp(E KL(p(y|x) ‖ p(y))) over channels (≤ 10). */
  classifierScore: number;
  /** FID on the classifier's features (when real features are given). */
  fid?: number;
  /** KID (mean over subsets) on the classifier's features (when real features are given). */
  kid?: number;
}

/** Modes, KL and classifier score of generated samples; FID/KID against `real` when given. */
export function stackedMnistMetrics(
  generated: StackedMnistReadout,
  n: number,
  real?: { readout: StackedMnistReadout; n: number; random: Random },
): StackedMnistMetrics {
  const { modes, kl } = modeStatistics(generated.modes, 1000);
  const metrics: StackedMnistMetrics = {
    samples: n,
    modes,
    kl,
    classifierScore: classifierScore(generated.probabilities, 3 * n, 10),
  };
  if (real) {
    const d = generated.featureDim;
    metrics.fid = frechetDistance(generated.features, n, real.readout.features, real.n, d);
    metrics.kid = kernelDistance(generated.features, n, real.readout.features, real.n, d, real.random, {
      subsets: 10,
      subsetSize: Math.min(1000, n, real.n),
    }).mean;
  }
  return metrics;
}
