// eigh: differentiable symmetric eigendecomposition as a tfjs op (tfjs has none). The decomposition runs in
// Float64 plain TypeScript (symmetric-eigen.ts), the backward's algebra too (its three n×n products in float32
// tfjs matMul for n ≥ 64 off the cpu backend); the tensors carry float32.
// Forward: sym(A) = (A + Aᵀ)/2 = V·diag(λ)·Vᵀ, λ ascending, V's columns unit eigenvectors, each column's
// largest-|component| entry positive (a locally constant choice, so it does not enter the gradient).
// Backward (e.g. Giles 2008; PAPERS.md §2): Ā = sym( V·(diag(λ̄) + F∘(Vᵀ·V̄))·Vᵀ ), F_ij = 1/(λ_j − λ_i), F_ii = 0.
// Safeguard for (near-)degenerate pairs, where 1/(λ_j − λ_i) is unbounded (PAPERS.md §2 "known defects"):
// Lorentzian broadening F_ij = Δ/(Δ² + ε²), Δ = λ_j − λ_i, ε = gapTolerance·max|λ|. It equals 1/Δ to relative
// error (ε/Δ)² for well-separated pairs, is bounded by 1/(2ε), and is exactly 0 for equal eigenvalues, so the
// gradient is always finite. (For exactly degenerate λ the eigenvectors are not unique and the true
// derivative does not exist; the broadened one is the derivative of a loss that ignores rotations inside the
// degenerate eigenspace, which is what a gauge-invariant loss sees anyway.)
import * as tf from '@tensorflow/tfjs-core';
import { runtimeError, usageError } from '../errors.js';
import { transposeOf } from './matrix.js';
import { float32Products, float64Products, type MatrixProducts } from './products.js';
import { symmetricEigen } from './symmetric-eigen.js';

/** Options of `eigh` (degenerate-pair damping and the symmetry check). */
export interface EighOptions {
  /** Relative width ε/max|λ| of the Lorentzian that damps 1/(λj − λi) for near-equal pairs. Default 1e-8. */
  gapTolerance?: number;
  /** Largest accepted |a_ij − a_ji| relative to max|a|. Default 1e-5 (float32 round-off of a product φφᵀ). */
  symmetryTolerance?: number;
}

/** 1/Δ broadened to Δ/(Δ² + ε²): finite for every Δ, 0 at Δ = 0. */
export function broadenedInverse(delta: number, epsilon: number): number {
  if (delta === 0) return 0;
  return delta / (delta * delta + epsilon * epsilon);
}

/** ε for `broadenedInverse` from the spectrum and a relative tolerance (never 0 unless the spectrum is 0). */
export function broadening(values: Float64Array, gapTolerance: number): number {
  let scale = 0;
  for (let i = 0; i < values.length; i++) scale = Math.max(scale, Math.abs(values[i]));
  return gapTolerance * scale;
}

/**
 * Backward of the symmetric eigendecomposition: given V (n×n, eigenvectors as columns, row-major), λ and the
 * upstream gradients λ̄ (n) and V̄ (n×n), returns the symmetric Ā (n×n). Its 3 n³ products run in `products`
 * (Float64 by default; the op passes float32 tfjs products for n ≥ 64 off the cpu backend, ~5× faster).
 */
export function eighBackward(
  values: Float64Array,
  vectors: Float64Array,
  gradValues: ArrayLike<number> | null,
  gradVectors: Float64Array | null,
  n: number,
  gapTolerance = 1e-8,
  products: MatrixProducts = float64Products,
): Float64Array {
  const epsilon = broadening(values, gapTolerance);
  // inner = diag(λ̄) + F∘(Vᵀ V̄)
  const vectorsT = transposeOf(vectors, n, n);
  const inner =
    gradVectors === null ? new Float64Array(n * n) : products.multiply(vectorsT, gradVectors, n, n, n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) {
      inner[row + j] = i === j ? 0 : inner[row + j] * broadenedInverse(values[j] - values[i], epsilon);
    }
    if (gradValues !== null) inner[row + i] = gradValues[i];
  }
  const grad = products.multiply(products.multiply(vectors, inner, n, n, n), vectorsT, n, n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const s = 0.5 * (grad[i * n + j] + grad[j * n + i]);
      grad[i * n + j] = s;
      grad[j * n + i] = s;
    }
  }
  return grad;
}

/** Validate an eigh input and return it as a symmetrised Float64 row-major matrix. */
function symmetrisedInput(a: tf.Tensor2D, symmetryTolerance: number): Float64Array {
  if (!(a instanceof tf.Tensor) || a.rank !== 2) {
    const got = a instanceof tf.Tensor ? `rank ${a.rank}, shape [${a.shape.join(', ')}]` : typeof a;
    throw usageError(`eigh: a must be a 2-D square symmetric tensor, got ${got}`);
  }
  const [n, m] = a.shape;
  if (n !== m || n === 0) {
    throw usageError(`eigh: a must be square and non-empty, got shape [${n}, ${m}]`);
  }
  const data = a.dataSync();
  let maxAbs = 0;
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (!Number.isFinite(x)) {
      throw runtimeError(`eigh: a has a non-finite entry (${x}) at [${Math.floor(i / n)}, ${i % n}]`);
    }
    maxAbs = Math.max(maxAbs, Math.abs(x));
  }
  const sym = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    sym[i * n + i] = data[i * n + i];
    for (let j = 0; j < i; j++) {
      const lower = data[i * n + j];
      const upper = data[j * n + i];
      if (Math.abs(lower - upper) > symmetryTolerance * maxAbs) {
        throw usageError(
          `eigh: a must be symmetric, but a[${i}, ${j}] = ${lower} and a[${j}, ${i}] = ${upper} differ by more than ` +
            `${symmetryTolerance} × max|a| (symmetrise it first, e.g. (a + aᵀ)/2)`,
        );
      }
      const s = 0.5 * (lower + upper);
      sym[i * n + j] = s;
      sym[j * n + i] = s;
    }
  }
  return sym;
}

/**
 * Symmetric eigendecomposition a = V·diag(values)·Vᵀ with a gradient (through values and vectors).
 * values ascending; vectors as COLUMNS; each column's largest-|component| entry positive.
 * The input is symmetrised ((a + aᵀ)/2) after checking it is symmetric to `symmetryTolerance`.
 *
 * @example
 *   const { values, vectors } = eigh(tf.tensor2d([[2, 1], [1, 2]])); // values [1, 3]
 */
export function eigh(a: tf.Tensor2D, opts: EighOptions = {}): { values: tf.Tensor1D; vectors: tf.Tensor2D } {
  const gapTolerance = opts.gapTolerance ?? 1e-8;
  const symmetryTolerance = opts.symmetryTolerance ?? 1e-5;
  if (!(gapTolerance >= 0) || !(symmetryTolerance >= 0)) {
    throw usageError(
      `eigh: gapTolerance and symmetryTolerance must be ≥ 0, got ${gapTolerance} and ${symmetryTolerance}`,
    );
  }
  const sym = symmetrisedInput(a, symmetryTolerance);
  const n = a.shape[0];
  // customGrad takes a single output, so values and vectors travel packed as one (n+1)×n tensor:
  // row 0 = values, rows 1..n = vectors.
  const packedOp = tf.customGrad((..._inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const { values, vectors } = symmetricEigen(sym, n);
    const packed = new Float32Array((n + 1) * n);
    packed.set(values, 0);
    packed.set(vectors, n);
    const value = tf.tensor2d(packed, [n + 1, n]);
    const gradFunc = (dy: tf.Tensor2D) => {
      const g = dy.dataSync();
      const gradVectors = new Float64Array(n * n);
      for (let i = 0; i < n * n; i++) gradVectors[i] = g[n + i];
      const products = n >= 64 && tf.getBackend() !== 'cpu' ? float32Products : float64Products;
      const gradA = eighBackward(values, vectors, g.subarray(0, n), gradVectors, n, gapTolerance, products);
      return tf.tensor2d(new Float32Array(gradA), [n, n]);
    };
    return { value, gradFunc };
  });
  return tf.tidy(() => {
    const packed = packedOp(a) as tf.Tensor2D;
    return {
      values: tf.reshape(tf.slice(packed, [0, 0], [1, n]), [n]) as tf.Tensor1D,
      vectors: tf.slice(packed, [1, 0], [n, n]) as tf.Tensor2D,
    };
  });
}
