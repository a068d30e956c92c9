// Stacked-MNIST (Metz et al. 2017; GDPP Table 3): each 28×28×3 image stacks three MNIST digits as its channels,
// and its mode is the triple of digit labels, 100·a + 10·b + c ∈ [0, 1000). To make the 1,000 modes exactly
// uniform, each channel first draws a digit uniformly, then an image of that digit uniformly (MNIST's own label
// frequencies are only roughly uniform). Pixels are scaled to [0, 1]. Sampling uses the caller's seeded Random.
import * as tf from '@tensorflow/tfjs-core';
import { runtimeError } from '../errors.js';
import type { Random } from '../random.js';
import type { MnistSet } from './mnist.js';

/** A batch of stacked digits: images [n, rows, cols, 3] in [0, 1] (row-major, channels last) and their modes. */
export interface StackedBatch {
  images: Float32Array;
  modes: Int32Array;
}

/** Number of Stacked-MNIST modes: 10³ digit triples. */
export const STACKED_MNIST_MODES = 1000;

/**
 * Stacked-MNIST sampler: each sample stacks three random MNIST digits as channels; its mode is the digit
 * triple.
 */
export class StackedMnist {
  readonly name = 'stacked-mnist';
  readonly dim: number[];
  private readonly byDigit: Int32Array[];

  /** `source` names the labels in the error raised when a digit has no image (e.g. the labels file). */
  constructor(
    private readonly mnist: MnistSet,
    source = 'the MNIST labels',
  ) {
    this.dim = [mnist.rows, mnist.cols, 3];
    this.byDigit = Array.from({ length: 10 }, (_, digit) => {
      const indices: number[] = [];
      mnist.labels.forEach((label, index) => {
        if (label === digit) indices.push(index);
      });
      return Int32Array.from(indices);
    });
    const missing = this.byDigit.flatMap((pool, digit) => (pool.length === 0 ? [digit] : []));
    if (missing.length > 0) {
      throw runtimeError(
        `Stacked-MNIST needs images of every digit 0–9, but ${source} ${missing.length === 1 ? 'has no image of digit' : 'have no images of digits'} ${missing.join(', ')}`,
      );
    }
  }

  /** n stacked images with their triple labels, drawn from `random`. */
  sampleBatch(n: number, random: Random): StackedBatch {
    const { rows, cols, images } = this.mnist;
    const pixels = rows * cols;
    const out = new Float32Array(n * pixels * 3);
    const modes = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let mode = 0;
      for (let channel = 0; channel < 3; channel++) {
        const digit = random.integer(10);
        const pool = this.byDigit[digit];
        const source = pool[random.integer(pool.length)] * pixels;
        const base = i * pixels * 3 + channel;
        for (let p = 0; p < pixels; p++) out[base + 3 * p] = images[source + p] / 255;
        mode = 10 * mode + digit;
      }
      modes[i] = mode;
    }
    return { images: out, modes };
  }

  /** n stacked images as a [n, rows, cols, 3] tensor. */
  sample(n: number, random: Random): tf.Tensor4D {
    const { images } = this.sampleBatch(n, random);
    return tf.tensor4d(images, [n, this.dim[0], this.dim[1], 3]);
  }
}
