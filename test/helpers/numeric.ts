// Test helpers: a seeded random source, the relative-error measure used across the engine tests, and running the
// same tfjs computation on two backends.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';

/** mulberry32: a small, fast, seedable uniform generator on [0, 1). */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard-normal samples (Box–Muller) from a seeded generator. */
export function randomNormal(size: number, seed: number, scale = 1): Float32Array {
  const u = seededUniform(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const theta = 2 * Math.PI * u();
    out[i] = scale * r * Math.cos(theta);
    if (i + 1 < size) out[i + 1] = scale * r * Math.sin(theta);
  }
  return out;
}

/** Relative error as used by every engine test: max|a − b| / max|b| (b is the reference). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relativeError: lengths ${a.length} and ${b.length} differ`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  if (Number.isNaN(diff)) return Number.POSITIVE_INFINITY;
  return scale === 0 ? diff : diff / scale;
}

/** Run `f` on `backend` and return its outputs as plain arrays (tensors disposed). */
export async function runOn(
  backend: 'wasm' | 'cpu',
  f: () => tf.Tensor | tf.Tensor[],
): Promise<{ shape: number[]; values: Float32Array }[]> {
  await initBackend({ backend });
  const outs = tf.tidy(() => {
    const r = f();
    return Array.isArray(r) ? r : [r];
  });
  const result = outs.map((t) => ({ shape: t.shape.slice(), values: t.dataSync() as Float32Array }));
  tf.dispose(outs);
  return result;
}
