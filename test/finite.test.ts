// allFinite (the training guard's check): the wasm SIMD scan and the portable probe agree, for a NaN/±∞ at every
// kind of position (inside a whole vector, in the one-by-one tail, in a later tensor), and for finite extremes.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { allFinite, initBackend } from '../src/backend/index.js';
import { randomNormal } from './helpers/numeric.js';

const SIZES = [1, 3, 4, 7, 1031];

describe.each(['wasm', 'cpu'] as const)('allFinite on %s', (backend) => {
  afterAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('true for finite tensors, including ±max float32, denormals and −0', async () => {
    await initBackend({ backend });
    const extremes = tf.tensor1d([3.4028234663852886e38, -3.4028234663852886e38, 1e-45, -0, 0]);
    const tensors = SIZES.map((n, i) => tf.tensor1d(randomNormal(n, 90 + i, 1e3)));
    expect(allFinite([...tensors, extremes])).toBe(true);
    expect(allFinite([])).toBe(true);
    expect(allFinite([tf.tensor1d([1, 2, 3], 'int32')])).toBe(true);
    tf.dispose([...tensors, extremes]);
  });

  it.each(SIZES)('false for a NaN, +∞ or −∞ at any position of a %i-element tensor', async (n) => {
    await initBackend({ backend });
    const base = randomNormal(n, 7 * n, 2);
    const positions = [...new Set([0, Math.floor(n / 2), n - 1])];
    for (const bad of [Number.NaN, Infinity, -Infinity]) {
      for (const at of positions) {
        const values = base.slice();
        values[at] = bad;
        const clean = tf.tensor1d(randomNormal(9, 3, 1));
        const poisoned = tf.tensor(values, [n]);
        expect(allFinite([clean, poisoned])).toBe(false);
        expect(allFinite([poisoned, clean])).toBe(false);
        tf.dispose([clean, poisoned]);
      }
    }
  });
});
