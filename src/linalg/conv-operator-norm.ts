// The exact operator norm ‖A‖₂ of a 2-D convolution A: x ↦ conv2d(x, K) as a linear map on inputs of a given
// shape, with its zero padding and stride (PAPERS.md §3: the reshaped-kernel σ that spectral normalisation uses
// differs from it by a factor bounded by the kernel size). Unlike the FFT method of Sedghi et al. (2019), which
// is exact only for circular padding and stride 1, this works for any stride and padding: it runs the Lanczos
// method (power iteration's Krylov-space refinement) on AᵀA, applying A with conv2d and Aᵀ with conv2dTranspose,
// with the Krylov basis kept in Float64 and fully reorthogonalised. It stops when the largest Ritz value's
// residual bound is below `tolerance` relative to it, so σ = √θ is accurate to about tolerance/2 (and to the
// float32 rounding of the convolutions, ~1e-7).
import * as tf from '@tensorflow/tfjs-core';
import { normalSeed } from '../backend/seed.js';
import { runtimeError, usageError } from '../errors.js';
import { symmetricEigenRows } from './symmetric-eigen.js';

/** Options of `convOperatorNorm` (Lanczos on AᵀA). */
export interface ConvOperatorNormOptions {
  /** Stop when the residual bound of the top Ritz value of AᵀA is ≤ tolerance·θ (default 1e-6). */
  tolerance?: number;
  /** The most Lanczos steps (default 300; never more than the input dimension). */
  maxIterations?: number;
  /** Seed of the random start vector (default 1: the result is deterministic). */
  seed?: number;
}

/** The result of `convOperatorNormDetails`: σ_max = ‖A‖₂ of the convolution A and how it was reached. */
export interface ConvOperatorNormResult {
  /** σ_max of the convolution as a linear map. */
  sigma: number;
  /** Lanczos steps taken (= applications of AᵀA). */
  iterations: number;
  /** The final residual bound of θ = σ², relative to θ. */
  relativeResidual: number;
}

type Pair = [number, number];

function pair(v: number | number[], name: string): Pair {
  const p = (typeof v === 'number' ? [v, v] : v) as number[];
  if (p.length !== 2 || !p.every((s) => Number.isInteger(s) && s >= 1)) {
    throw usageError(
      `convOperatorNorm: ${name} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`,
    );
  }
  return [p[0], p[1]];
}

/** Largest eigenvalue of the j×j symmetric tridiagonal (alpha, beta) and the last entry of its eigenvector. */
function topRitz(alpha: number[], beta: number[], j: number): { theta: number; last: number } {
  const t = new Float64Array(j * j);
  for (let i = 0; i < j; i++) {
    t[i * j + i] = alpha[i];
    if (i + 1 < j) {
      t[i * j + i + 1] = beta[i];
      t[(i + 1) * j + i] = beta[i];
    }
  }
  const { values, rows } = symmetricEigenRows(t, j);
  return { theta: values[j - 1], last: rows[(j - 1) * j + (j - 1)] };
}

/**
 * σ_max of x ↦ conv2d(x, kernel, strides, padding) for inputs of shape `inputShape` = [height, width, channels]
 * (kernel [kh, kw, channels, filters], NHWC). For a Conv2DTranspose layer pass its kernel and its OUTPUT shape:
 * the transposed convolution is the adjoint of that convolution and has the same norm.
 */
export function convOperatorNormDetails(
  kernel: tf.Tensor4D,
  inputShape: [number, number, number],
  strides: number | [number, number] = 1,
  padding: 'same' | 'valid' = 'same',
  opts: ConvOperatorNormOptions = {},
): ConvOperatorNormResult {
  if (kernel.rank !== 4)
    throw usageError(`convOperatorNorm: kernel must be [kh, kw, in, out], got [${kernel.shape}]`);
  if (inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw usageError(`convOperatorNorm: inputShape must be [height, width, channels], got [${inputShape}]`);
  }
  if (inputShape[2] !== kernel.shape[2]) {
    throw usageError(
      `convOperatorNorm: inputShape has ${inputShape[2]} channels but the kernel expects ${kernel.shape[2]} (axis 2)`,
    );
  }
  if (padding !== 'same' && padding !== 'valid') {
    throw usageError(`convOperatorNorm: padding must be 'same' or 'valid', got '${padding}'`);
  }
  const s = pair(strides, 'strides');
  const tolerance = opts.tolerance ?? 1e-6;
  const n = inputShape[0] * inputShape[1] * inputShape[2];
  const maxIterations = Math.min(opts.maxIterations ?? 300, n);
  const x4: [number, number, number, number] = [1, ...inputShape];

  // B = AᵀA applied to a Float64 vector, through float32 tfjs convolutions.
  const applyB = (q: Float64Array): Float64Array => {
    const out = tf.tidy(() => {
      const x = tf.tensor4d(Float32Array.from(q), x4);
      const y = tf.conv2d(x, kernel, s, padding);
      return tf.conv2dTranspose(y, kernel, x4, s, padding);
    });
    const data = out.dataSync();
    out.dispose();
    return Float64Array.from(data);
  };

  const basis: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  const start = tf.randomNormal([n], 0, 1, 'float32', normalSeed(opts.seed ?? 1));
  let q = Float64Array.from(start.dataSync());
  start.dispose();
  let norm = 0;
  for (let i = 0; i < n; i++) norm += q[i] * q[i];
  norm = Math.sqrt(norm);
  for (let i = 0; i < n; i++) q[i] /= norm;
  let theta = 0;
  let relativeResidual = Number.POSITIVE_INFINITY;
  let j = 0;
  while (j < maxIterations) {
    basis.push(q);
    const w = applyB(q);
    let a = 0;
    for (let i = 0; i < n; i++) a += q[i] * w[i];
    alpha.push(a);
    // Full reorthogonalisation against the whole basis, twice ("twice is enough"): keeps the Float64 basis
    // orthonormal despite the float32 products, so no spurious copies of θ appear.
    for (let pass = 0; pass < 2; pass++) {
      for (const b of basis) {
        let c = 0;
        for (let i = 0; i < n; i++) c += b[i] * w[i];
        for (let i = 0; i < n; i++) w[i] -= c * b[i];
      }
    }
    norm = 0;
    for (let i = 0; i < n; i++) norm += w[i] * w[i];
    norm = Math.sqrt(norm);
    j++;
    const ritz = topRitz(alpha, beta, j);
    theta = ritz.theta;
    relativeResidual = theta > 0 ? (norm * Math.abs(ritz.last)) / theta : 0;
    if (relativeResidual <= tolerance || norm <= 1e-12 * Math.max(theta, 1e-300)) break;
    beta.push(norm);
    q = new Float64Array(n);
    for (let i = 0; i < n; i++) q[i] = w[i] / norm;
  }
  if (!Number.isFinite(theta)) throw runtimeError('convOperatorNorm: the kernel has non-finite entries');
  if (relativeResidual > tolerance && j < n) {
    throw runtimeError(
      `convOperatorNorm: not converged after ${j} Lanczos steps (relative residual ${relativeResidual.toExponential(2)} > ${tolerance}); raise maxIterations`,
    );
  }
  return { sigma: Math.sqrt(Math.max(theta, 0)), iterations: j, relativeResidual };
}

/** σ_max of the convolution as a linear map (see convOperatorNormDetails). */
export function convOperatorNorm(
  kernel: tf.Tensor4D,
  inputShape: [number, number, number],
  strides: number | [number, number] = 1,
  padding: 'same' | 'valid' = 'same',
  opts: ConvOperatorNormOptions = {},
): number {
  return convOperatorNormDetails(kernel, inputShape, strides, padding, opts).sigma;
}
