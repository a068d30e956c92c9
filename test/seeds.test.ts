// Seed 0 is a seed: tfjs's normal-distribution ops read seed 0 as "unseeded" (rand_util.js: `seed ? seed :
// Math.random()`), so every place that hands a user's seed to them goes through normalSeed.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, normalSeed } from '../src/backend/index.js';
import { convOperatorNormDetails } from '../src/linalg/conv-operator-norm.js';
import { randomUnitVector } from '../src/linalg/power-iteration.js';
import { type SpectralNormalization, spectralNormalization } from '../src/nn/spectral-norm.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const values = (t: tf.Tensor) => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};

describe('seed 0 is deterministic', () => {
  it('normalSeed maps only 0, and tf.randomNormal then repeats itself', () => {
    expect(normalSeed(0)).not.toBe(0);
    expect(normalSeed(7)).toBe(7);
    expect(normalSeed(undefined)).toBeUndefined();
    const draw = () => values(tf.randomNormal([32], 0, 1, 'float32', normalSeed(0)));
    expect(draw()).toEqual(draw());
  });

  it('randomUnitVector(n, 0) repeats itself and differs from seed 1', () => {
    expect(values(randomUnitVector(32, 0))).toEqual(values(randomUnitVector(32, 0)));
    expect(values(randomUnitVector(32, 0))).not.toEqual(values(randomUnitVector(32, 1)));
  });

  it('a spectral-norm wrapper with seed 0 starts from the same u every time', () => {
    const u = () => {
      const sn = spectralNormalization({ layer: tfl.layers.dense({ units: 16 }), seed: 0 });
      const x = tf.ones([1, 8]);
      tf.dispose([sn.apply(x) as tf.Tensor, x]);
      const result = Array.from((sn as SpectralNormalization).u.read().dataSync());
      sn.dispose();
      return result;
    };
    expect(u()).toEqual(u());
  });

  it('convOperatorNorm with seed 0 gives the same σ to the last bit (same Lanczos start)', () => {
    const kernel = tf.tensor4d(
      Array.from({ length: 3 * 3 * 2 * 3 }, (_, i) => Math.sin(1.7 * i + 0.3)),
      [3, 3, 2, 3],
    );
    const a = convOperatorNormDetails(kernel, [6, 6, 2], 1, 'same', { seed: 0 });
    const b = convOperatorNormDetails(kernel, [6, 6, 2], 1, 'same', { seed: 0 });
    expect(b.sigma).toBe(a.sigma);
    expect(b.iterations).toBe(a.iterations);
    kernel.dispose();
  });
});
