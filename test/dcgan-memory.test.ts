// An MNIST-size DCGAN (28×28; conv / conv-transpose, batch norm, leakyRelu; test/helpers/gan-models.ts) trains on
// wasm with dppgan's kernels: 20 steps (D Adam update + G Adam update each) keep the tensor count and tensor bytes
// flat after step 2, the losses stay finite and the weights move.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { mnistDcgan } from './helpers/gan-models.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('DCGAN training on wasm', () => {
  it('20 steps: constant tensor count after step 2, finite changing losses', () => {
    // Half the paper's channel widths and batch 16 keep this test ~1 s; the shapes (28×28, 5×5 stride-2
    // convs and conv-transposes, the 8→7 crop) are the paper's.
    const gan = mnistDcgan(16, 0.5);
    const counts: number[] = [];
    const bytes: number[] = [];
    const losses: { d: number; g: number }[] = [];
    for (let step = 1; step <= 20; step++) {
      gan.step();
      counts.push(tf.memory().numTensors);
      bytes.push(tf.memory().numBytes);
      if (step === 1 || step === 20) losses.push(gan.lastLosses());
    }
    gan.dispose();
    expect(counts.slice(2)).toEqual(counts.slice(2).map(() => counts[1]));
    expect(bytes.slice(2)).toEqual(bytes.slice(2).map(() => bytes[1]));
    for (const { d, g } of losses) {
      expect(Number.isFinite(d)).toBe(true);
      expect(Number.isFinite(g)).toBe(true);
    }
    expect(losses[1].d).not.toBe(losses[0].d);
    expect(losses[1].g).not.toBe(losses[0].g);
  });
});
