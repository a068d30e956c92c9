// Test helpers: a seeded random source (and random symmetric matrices from it), the relative-error measure used
// across the engine tests, and running the same tfjs computation on two backends.
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

/** The same generator mapped to [-1, 1): 2·u − 1. */
export function seededSignedUniform(seed: number): () => number {
  const u = seededUniform(seed);
  return () => u() * 2 - 1;
}

/**
 * Random symmetric n×n matrix (row-major), entries from `seededSignedUniform(seed)` drawn row by row over the lower
 * triangle; with `float32`, each entry rounded to float32 (so tensor and Float64 inputs agree exactly).
 */
export function randomSymmetric(n: number, seed: number, float32 = false): Float64Array {
  const r = seededSignedUniform(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = float32 ? Math.fround(r()) : r();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
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

/**
 * How well `values` and `vectors` (eigenvectors as columns, row-major n×n) decompose the symmetric n×n `a`:
 * `residual` = max |AV − VΛ| / ‖A‖_F, `residualFrobenius` = ‖AV − VΛ‖_F / ‖A‖_F, `orthogonality` = max |VᵀV − I|.
 */
export function eigenAccuracy(
  a: ArrayLike<number>,
  n: number,
  values: ArrayLike<number>,
  vectors: ArrayLike<number>,
): { residual: number; residualFrobenius: number; orthogonality: number } {
  let norm = 0;
  for (let i = 0; i < n * n; i++) norm += a[i] * a[i];
  norm = Math.sqrt(norm);
  let maxResidual = 0;
  let squares = 0;
  let orthogonality = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let av = 0;
      let vtv = 0;
      for (let k = 0; k < n; k++) {
        av += a[i * n + k] * vectors[k * n + j];
        vtv += vectors[k * n + i] * vectors[k * n + j];
      }
      const r = av - vectors[i * n + j] * values[j];
      maxResidual = Math.max(maxResidual, Math.abs(r));
      squares += r * r;
      orthogonality = Math.max(orthogonality, Math.abs(vtv - (i === j ? 1 : 0)));
    }
  }
  return { residual: maxResidual / norm, residualFrobenius: Math.sqrt(squares) / norm, orthogonality };
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
