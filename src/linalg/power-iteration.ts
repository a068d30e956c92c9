// Power iteration for the largest singular value σ(W) of a matrix, as spectral normalisation uses it
// (Miyato et al. 2018, Algorithm 1; PAPERS.md §3). W is [rows, cols] (for a layer kernel: rows = fan-in,
// cols = outputs) and u has length cols. One iteration:  v ← normalize(W u);  u ← normalize(Wᵀ v).
// The estimate σ = vᵀ W u = ‖Wᵀ v‖ never exceeds σ_max(W) and, when u is recycled across calls, rises
// monotonically towards it (each half-step can only grow the norm, by Cauchy–Schwarz).
import * as tf from '@tensorflow/tfjs-core';
import { normalSeed } from '../backend/seed.js';
import { usageError } from '../errors.js';

/** The floor below which a vector's norm is treated as zero: normalize(x) = x / max(‖x‖, NORM_EPSILON). */
export const NORM_EPSILON = 1e-12;

/** x / max(‖x‖₂, 1e-12) over all entries of x. */
export function l2Normalize<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x), NORM_EPSILON)) as T);
}

/** One or more power-iteration steps: v = normalize(W u), u' = normalize(Wᵀ v), σ = vᵀ W u'. */
export interface PowerIterationResult {
  /** The new right vector (length cols), normalised: u ← normalize(Wᵀ v). */
  u: tf.Tensor1D;
  /** The left vector (length rows) of the last iteration: v = normalize(W u_previous). */
  v: tf.Tensor1D;
  /** σ = vᵀ W u, a lower bound of σ_max(W). */
  sigma: tf.Scalar;
}

/**
 * `iterations` steps of power iteration on W starting from u. Pure: returns new tensors and changes nothing
 * (the caller decides whether to store u). Matrix-vector products are written as untransposed matMuls
 * (W·u as a column, vᵀ·W as a row), the fast path on every backend.
 *
 * The results are plain values: this function is not meant to be differentiated through (spectral
 * normalisation treats u and v as constants; see `spectralNormalize`).
 */
export function powerIteration(w: tf.Tensor2D, u: tf.Tensor1D, iterations = 1): PowerIterationResult {
  if (w.rank !== 2) throw usageError(`powerIteration: w must be a matrix, got shape [${w.shape}]`);
  const [rows, cols] = w.shape;
  if (u.rank !== 1 || u.shape[0] !== cols) {
    throw usageError(`powerIteration: u must have length ${cols} (the columns of w), got shape [${u.shape}]`);
  }
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw usageError(`powerIteration: iterations must be an integer ≥ 1, got ${iterations}`);
  }
  return tf.tidy(() => {
    let uCol = l2Normalize(tf.reshape(u, [cols, 1]));
    let v: tf.Tensor = tf.zeros([1, rows]);
    let wtv: tf.Tensor = tf.zeros([1, cols]);
    for (let i = 0; i < iterations; i++) {
      v = l2Normalize(tf.reshape(tf.matMul(w, uCol as tf.Tensor2D), [1, rows]));
      wtv = tf.matMul(v as tf.Tensor2D, w);
      uCol = tf.reshape(l2Normalize(wtv), [cols, 1]);
    }
    // vᵀ W u_new = ‖Wᵀ v‖ exactly when u_new = Wᵀv/‖Wᵀv‖; using the norm saves one product.
    const sigma = tf.norm(wtv) as tf.Scalar;
    return { u: tf.reshape(uCol, [cols]) as tf.Tensor1D, v: tf.reshape(v, [rows]) as tf.Tensor1D, sigma };
  });
}

/** A random unit vector of the given length (normal entries, normalised), from a seed. */
export function randomUnitVector(length: number, seed?: number): tf.Tensor1D {
  return tf.tidy(() => l2Normalize(tf.randomNormal([length], 0, 1, 'float32', normalSeed(seed))));
}
