import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';

describe('initBackend', () => {
  it("'auto' picks wasm in Node when tfjs-node is absent, and really switches", async () => {
    expect(await initBackend()).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const product = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(Array.from(product.dataSync())).toEqual([11]);
    product.dispose();
  });

  it('switches to cpu and back, idempotently', async () => {
    expect(await initBackend({ backend: 'cpu' })).toBe('cpu');
    expect(await initBackend({ backend: 'cpu' })).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(await initBackend({ backend: 'wasm' })).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it("'tensorflow' without tfjs-node gives a one-line error naming the package", async () => {
    await expect(initBackend({ backend: 'tensorflow' })).rejects.toThrow(
      /npm install @tensorflow\/tfjs-node/,
    );
    await expect(initBackend({ backend: 'tensorflow' })).rejects.toThrow(/^[^\n]*$/);
  });

  it('an unknown backend name lists the valid ones', async () => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong input
    await expect(initBackend({ backend: 'cuda' as any })).rejects.toThrow(
      "unknown backend 'cuda': expected one of auto, tensorflow, wasm, cpu, webgl, webgpu",
    );
  });
});
