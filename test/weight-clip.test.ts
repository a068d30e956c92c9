// Weight clipping (WGAN): every trainable weight ends up in [−c, c]; values inside are untouched; non-trainable
// state (a spectral-norm u) is left alone; fit with the callback clips after every batch.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { spectralNormalization } from '../src/nn/spectral-norm.js';
import { clipWeights, DEFAULT_WEIGHT_CLIP, weightClipCallback } from '../src/nn/weight-clip.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

function critic(): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        filters: 3,
        kernelSize: 3,
        strides: 2,
        inputShape: [6, 6, 1],
        biasInitializer: 'ones',
      }),
      tfl.layers.flatten(),
      spectralNormalization({ layer: tfl.layers.dense({ units: 1 }), seed: 1 }),
    ],
  });
}

describe('clipWeights', () => {
  it('clips every trainable weight of a model to [−0.01, 0.01] by default, leaving u alone', () => {
    const m = critic();
    const before = m.weights.map((w) => Array.from(w.read().dataSync()));
    clipWeights(m);
    expect(DEFAULT_WEIGHT_CLIP).toBe(0.01);
    m.weights.forEach((w, i) => {
      const after = Array.from(w.read().dataSync());
      if (w.originalName.endsWith('/sn_u')) {
        expect(after).toEqual(before[i]);
        expect(Math.max(...after.map(Math.abs))).toBeGreaterThan(0.01);
      } else {
        expect(after).toEqual(before[i].map((v) => Math.fround(Math.min(0.01, Math.max(-0.01, v)))));
      }
    });
    // The biases started at 1, so clipping really happened.
    expect(
      m.weights.some((w) => w.originalName.endsWith('bias') && w.read().dataSync()[0] === Math.fround(0.01)),
    ).toBe(true);
    m.dispose();
  });

  it('clips a list of tf.Variables with a given c; values inside [−c, c] are unchanged', () => {
    const v = tf.variable(tf.tensor1d([-2, -0.3, 0, 0.1, 0.5, 3]));
    clipWeights([v], 0.4);
    expect(Array.from(v.dataSync())).toEqual([-0.4, -0.3, 0, 0.1, 0.4, 0.4].map(Math.fround));
    v.dispose();
  });

  it('weightClipCallback clips after every batch of model.fit', async () => {
    const m = critic();
    m.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanSquaredError' });
    const x = tf.randomNormal([8, 6, 6, 1], 0, 1, 'float32', 1);
    const y = tf.randomNormal([8, 1], 0, 1, 'float32', 2);
    let maxSeen = 0;
    const probe = new tfl.CustomCallback({
      onBatchEnd: async () => {
        for (const w of m.trainableWeights)
          maxSeen = Math.max(maxSeen, tf.max(tf.abs(w.read())).dataSync()[0]);
      },
    });
    await m.fit(x, y, {
      epochs: 2,
      batchSize: 4,
      verbose: 0,
      callbacks: [weightClipCallback(m, 0.05), probe],
    });
    expect(maxSeen).toBeLessThanOrEqual(Math.fround(0.05));
    expect(maxSeen).toBeGreaterThan(0.04); // the large learning rate pushes weights to the bound
    tf.dispose([x, y]);
    m.dispose();
  });

  it('why a hook and not a constraint: tfjs model.fit does not apply layer constraints', async () => {
    const m = tfl.sequential({
      layers: [
        tfl.layers.dense({
          units: 2,
          inputShape: [3],
          kernelConstraint: tfl.constraints.nonNeg(),
          kernelInitializer: 'ones',
        }),
      ],
    });
    m.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
    const x = tf.ones([4, 3]);
    const y = tf.fill([4, 2], -10);
    await m.fit(x, y, { epochs: 20, verbose: 0 });
    // If this starts failing, tfjs has begun applying constraints in fit; clipWeights stays correct either way.
    expect(tf.min(m.weights[0].read()).dataSync()[0]).toBeLessThan(0);
    tf.dispose([x, y]);
    m.dispose();
  });

  it('a non-positive or non-finite c is a usage error', () => {
    for (const c of [0, -0.01, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => clipWeights([], c)).toThrow(
        /the clip value c must be a finite number > 0 \(WGAN uses 0.01\)/,
      );
    }
  });
});
