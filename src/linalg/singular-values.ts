// Exact singular values of a matrix, for checks and reports (e.g. the spectral norm σ_max = ‖W‖₂ that spectral
// normalisation estimates by power iteration, PAPERS.md §3).
// Method, all in Float64: Householder QR of the tall orientation A = Q·R (p×q, p ≥ q), then one-sided
// (Hestenes) Jacobi on the rows of R until every pair is orthogonal to ~q·2⁻⁵²; σ_i = the row norms.
// Unlike eigenvalues of WᵀW, this keeps small σ accurate relative to themselves, not only relative to σ_max.
import * as tf from '@tensorflow/tfjs-core';
import { runtimeError, usageError } from '../errors.js';

const EPS = 2 ** -52;

/** Singular values (descending, length min(rows, cols)) of a rows×cols row-major Float64 matrix. */
export function singularValuesOf(data: ArrayLike<number>, rows: number, cols: number): Float64Array {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw usageError(`singularValues: the matrix must be at least 1×1, got ${rows}×${cols}`);
  }
  if (data.length !== rows * cols) {
    throw usageError(
      `singularValues: expected ${rows * cols} numbers for ${rows}×${cols}, got ${data.length}`,
    );
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw runtimeError(
        `singularValues: w has a non-finite entry (${data[i]}) at row ${Math.floor(i / cols)}, column ${i % cols}`,
      );
    }
  }
  // Tall orientation, stored column-contiguous: a[j*p + i] = A[i][j], p ≥ q.
  const transposed = rows < cols;
  const p = transposed ? cols : rows;
  const q = transposed ? rows : cols;
  // Power-of-two scaling (exact) to max|w| ≈ 1, so the squared norms below cannot over- or underflow.
  let maxAbs = 0;
  for (let i = 0; i < data.length; i++) maxAbs = Math.max(maxAbs, Math.abs(data[i]));
  const scale = maxAbs > 0 ? 2 ** Math.max(-1000, Math.min(1000, -Math.round(Math.log2(maxAbs)))) : 1;
  const a = new Float64Array(p * q);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j] * scale;
      if (transposed) a[i * p + j] = v;
      else a[j * p + i] = v;
    }
  }
  const r = householderR(a, p, q);
  jacobiOrthogonaliseRows(r, q);
  const sigma = new Float64Array(q);
  for (let i = 0; i < q; i++) {
    let s = 0;
    for (let k = 0; k < q; k++) s += r[i * q + k] * r[i * q + k];
    sigma[i] = Math.sqrt(s) / scale;
  }
  return sigma.sort().reverse();
}

/** R (q×q, row-major, upper triangular) of the QR factorisation of a (p×q, column-contiguous; overwritten). */
function householderR(a: Float64Array, p: number, q: number): Float64Array {
  const r = new Float64Array(q * q);
  for (let k = 0; k < q; k++) {
    const ck = k * p;
    let norm2 = 0;
    for (let i = k; i < p; i++) norm2 += a[ck + i] * a[ck + i];
    const norm = Math.sqrt(norm2);
    if (norm === 0) {
      for (let j = k + 1; j < q; j++) r[k * q + j] = a[j * p + k];
      continue; // zero column below the diagonal: nothing to reflect
    }
    const alpha = a[ck + k] > 0 ? -norm : norm;
    a[ck + k] -= alpha; // v = x − α e₁, stored in place; vᵀv = 2(norm² − α·x₀)
    const vtv = 2 * (norm2 - alpha * (a[ck + k] + alpha));
    r[k * q + k] = alpha;
    for (let j = k + 1; j < q; j++) {
      const cj = j * p;
      let dot = 0;
      for (let i = k; i < p; i++) dot += a[ck + i] * a[cj + i];
      const scale = (2 * dot) / vtv;
      for (let i = k; i < p; i++) a[cj + i] -= scale * a[ck + i];
      r[k * q + j] = a[cj + k];
    }
  }
  return r;
}

/** One-sided Jacobi: rotate pairs of rows of x (q×q) until all pairs are numerically orthogonal. */
function jacobiOrthogonaliseRows(x: Float64Array, q: number): void {
  const tol = Math.max(q, 1) * EPS;
  for (let sweep = 0; sweep < 80; sweep++) {
    let rotated = false;
    for (let i = 0; i < q - 1; i++) {
      const ri = i * q;
      for (let j = i + 1; j < q; j++) {
        const rj = j * q;
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let k = 0; k < q; k++) {
          const u = x[ri + k];
          const v = x[rj + k];
          alpha += u * u;
          beta += v * v;
          gamma += u * v;
        }
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let k = 0; k < q; k++) {
          const u = x[ri + k];
          const v = x[rj + k];
          x[ri + k] = c * u - s * v;
          x[rj + k] = s * u + c * v;
        }
      }
    }
    if (!rotated) return;
  }
  throw runtimeError(`singularValues: one-sided Jacobi did not converge in 80 sweeps (q = ${q})`);
}

/**
 * Exact singular values of a 2-D tensor, descending, computed in Float64 (the tensor's float32 values are
 * taken as exact). σ[0] is the spectral norm ‖w‖₂. Length min(rows, cols).
 *
 * @example
 *   singularValues(tf.tensor2d([[3, 0], [0, -4]])); // Float64Array [4, 3]
 */
export function singularValues(w: tf.Tensor2D): Float64Array {
  if (!(w instanceof tf.Tensor) || w.rank !== 2) {
    const got = w instanceof tf.Tensor ? `rank ${w.rank}, shape [${w.shape.join(', ')}]` : typeof w;
    throw usageError(
      `singularValues: w must be a 2-D tensor (reshape conv kernels to [kh·kw·in, out]), got ${got}`,
    );
  }
  const [rows, cols] = w.shape;
  return singularValuesOf(w.dataSync(), rows, cols);
}
