import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { Random } from '../src/random.js';

describe('Random', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('is reproducible from a seed and differs between seeds', () => {
    const a = new Random(7);
    const b = new Random(7);
    const c = new Random(8);
    const sequenceA = Array.from({ length: 10 }, () => a.nextUint32());
    expect(Array.from({ length: 10 }, () => b.nextUint32())).toEqual(sequenceA);
    expect(Array.from({ length: 10 }, () => c.nextUint32())).not.toEqual(sequenceA);
  });

  it('save → restore continues the exact stream, including a cached spare normal', () => {
    const random = new Random(3);
    random.normal(); // leaves a spare normal in the state
    const restored = Random.fromState(JSON.parse(JSON.stringify(random.getState())));
    expect(Array.from({ length: 9 }, () => restored.normal())).toEqual(
      Array.from({ length: 9 }, () => random.normal()),
    );
  });

  it('normals have mean ≈ 0 and variance ≈ 1; uniforms lie in [0, 1)', () => {
    const random = new Random(11);
    const values = random.normalArray(200_000);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.01);
    for (let i = 0; i < 10_000; i++) {
      const u = random.uniform();
      expect(u >= 0 && u < 1).toBe(true);
    }
  });

  it('forks give independent, reproducible streams', () => {
    const first = new Random(5).fork('data');
    const again = new Random(5).fork('data');
    const other = new Random(5).fork('latent');
    expect(first.nextUint32()).toBe(again.nextUint32());
    expect(new Random(5).fork('data').nextUint32()).not.toBe(other.nextUint32());
  });

  it('normalTensor has the requested shape and no leak', () => {
    const before = tf.memory().numTensors;
    const tensor = new Random(1).normalTensor([3, 4]);
    expect(tensor.shape).toEqual([3, 4]);
    tensor.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
