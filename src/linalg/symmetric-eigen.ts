// Float64 symmetric eigensolver in plain TypeScript: Householder tridiagonalisation (EISPACK tred2) followed
// by the implicit QL algorithm with Wilkinson-type shifts (EISPACK tql2), as in JAMA.
// A = V·diag(λ)·Vᵀ with λ ascending and V orthogonal. Cost ≈ (4/3 + 4/3)n³ + QL sweeps (~6n³) flops.
// Invariant: the reduction works on Qᵀ row-major (tred2's column accesses become contiguous rows) and the QL
// phase on Q (its rotations of columns i, i+1 are fused per row), so every inner loop runs over contiguous memory.
// Sign convention (deterministic): each eigenvector's largest-|component| entry is positive (first on ties).
import { runtimeError, usageError } from '../errors.js';

const EPS = 2 ** -52;

/** Eigenvalues ascending; `rows` holds the eigenvectors as ROWS (row j ↔ values[j]), row-major n×n. */
export interface EigenRows {
  values: Float64Array;
  rows: Float64Array;
}

/** Eigenvalues ascending; `vectors` holds the eigenvectors as COLUMNS (column j ↔ values[j]), row-major n×n. */
export interface EigenResult {
  values: Float64Array;
  vectors: Float64Array;
}

/** Reusable scratch buffers so repeated solves allocate nothing but their outputs. */
interface Workspace {
  n: number;
  t: Float64Array;
  e: Float64Array;
  cosines: Float64Array;
  sines: Float64Array;
}
let workspace: Workspace | undefined;
function scratch(n: number): Workspace {
  if (workspace === undefined || workspace.n !== n) {
    workspace = {
      n,
      t: new Float64Array(n * n),
      e: new Float64Array(n),
      cosines: new Float64Array(n),
      sines: new Float64Array(n),
    };
  }
  return workspace;
}

/**
 * Householder reduction of the symmetric matrix held in `t` (n×n row-major, overwritten) to tridiagonal
 * form; on return d = diagonal, e[1..n-1] = subdiagonal, and t = Qᵀ (row j = column j of Q).
 * Because the input is symmetric, t = A = Aᵀ initially, so tred2's V[k][j] is t[j*n + k].
 */
function tridiagonalise(t: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let j = 0; j < n; j++) d[j] = t[j * n + n - 1]; // V[n-1][j]
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = t[j * n + i - 1]; // V[i-1][j]
        t[j * n + i] = 0; // V[i][j]
        t[i * n + j] = 0; // V[j][i]
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      // e = A(0:i,0:i)·d using the lower triangle stored in rows of t (V[k][j] = t[j*n+k], k ≥ j).
      for (let j = 0; j < i; j++) {
        const row = j * n;
        f = d[j];
        t[i * n + j] = f; // V[j][i] = f
        g = e[j] + t[row + j] * f;
        for (let k = j + 1; k < i; k++) {
          const v = t[row + k];
          g += v * d[k];
          e[k] += v * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        const row = j * n;
        f = d[j];
        g = e[j];
        for (let k = j; k < i; k++) t[row + k] -= f * e[k] + g * d[k];
        d[j] = t[row + i - 1]; // V[i-1][j]
        t[row + i] = 0; // V[i][j]
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    const rowI = i * n;
    const rowNext = (i + 1) * n;
    t[rowI + n - 1] = t[rowI + i]; // V[n-1][i] = V[i][i]
    t[rowI + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = t[rowNext + k] / h;
      for (let j = 0; j <= i; j++) {
        const row = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += t[rowNext + k] * t[row + k];
        for (let k = 0; k <= i; k++) t[row + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) t[rowNext + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = t[j * n + n - 1];
    t[j * n + n - 1] = 0;
  }
  t[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/**
 * Implicit QL on the tridiagonal (d, e), accumulating rotations into the COLUMNS of v (v[k*n + i] = component k
 * of eigenvector i). One QL sweep's rotations (indices m−1 … l) are stored, then applied to each row of v in
 * one fused pass that keeps the running element in a register: one load and one store per element and sweep.
 */
function tridiagonalQL(
  v: Float64Array,
  n: number,
  d: Float64Array,
  e: Float64Array,
  cosines: Float64Array,
  sines: Float64Array,
): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const maxIterations = 60;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > EPS * tst1) m++;
    if (m > l) {
      let iteration = 0;
      do {
        if (++iteration > maxIterations) {
          throw runtimeError(
            `symmetricEigen: the QL iteration did not converge for eigenvalue ${l} after ${maxIterations} sweeps (input has extreme scaling?)`,
          );
        }
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.sqrt(p * p + 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          const ei = e[i];
          r =
            Math.abs(p) > Math.abs(ei)
              ? Math.abs(p) * Math.sqrt(1 + (ei / p) ** 2)
              : Math.abs(ei) * Math.sqrt(1 + (p / ei) ** 2);
          e[i + 1] = s * r;
          s = ei / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          cosines[i] = c;
          sines[i] = s;
        }
        // v[:, i], v[:, i+1] ← (c·v_i − s·v_{i+1}, s·v_i + c·v_{i+1}) for i = m−1 … l, fused per row.
        for (let k = 0; k < n; k++) {
          const row = k * n;
          let carry = v[row + m];
          for (let i = m - 1; i >= l; i--) {
            const vi = v[row + i];
            const ci = cosines[i];
            const si = sines[i];
            v[row + i + 1] = si * vi + ci * carry;
            carry = ci * vi - si * carry;
          }
          v[row + l] = carry;
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > EPS * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

/** Sort (values, columns of v) ascending by value; then fix each column's sign. */
function sortAndFixSigns(v: Float64Array, n: number, d: Float64Array): void {
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = d[i];
    for (let j = i + 1; j < n; j++) {
      if (d[j] < p) {
        k = j;
        p = d[j];
      }
    }
    if (k !== i) {
      d[k] = d[i];
      d[i] = p;
      for (let r = 0; r < n * n; r += n) {
        const tmp = v[r + i];
        v[r + i] = v[r + k];
        v[r + k] = tmp;
      }
    }
  }
  for (let j = 0; j < n; j++) fixSign(v, j, n, n);
}

/** Flip x[offset + k·stride], k < len, so its largest-|component| entry (first on ties) is positive. */
export function fixSign(x: Float64Array, offset: number, len: number, stride = 1): void {
  let best = offset;
  let bestAbs = -1;
  const end = offset + len * stride;
  for (let k = offset; k < end; k += stride) {
    const a = Math.abs(x[k]);
    if (a > bestAbs) {
      bestAbs = a;
      best = k;
    }
  }
  if (x[best] < 0) for (let k = offset; k < end; k += stride) x[k] = -x[k];
}

function checkInput(a: ArrayLike<number>, n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw usageError(`symmetricEigen: n must be a positive integer, got ${n}`);
  }
  if (a.length !== n * n) {
    throw usageError(`symmetricEigen: a must hold n·n = ${n * n} numbers (row-major), got ${a.length}`);
  }
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) {
      throw runtimeError(
        `symmetricEigen: a has a non-finite entry (${a[i]}) at row ${Math.floor(i / n)}, column ${i % n}`,
      );
    }
  }
}

/**
 * Eigen-decomposition of a symmetric n×n matrix `a` (row-major; only the lower triangle is read; `a` is not
 * modified). Returns values ascending and `vectors` row-major with eigenvectors as COLUMNS, so
 * a·vectors = vectors·diag(values). Each eigenvector's largest-|component| entry is positive.
 *
 * @example
 *   const { values, vectors } = symmetricEigen(new Float64Array([2, 1, 1, 2]), 2); // values = [1, 3]
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): EigenResult {
  checkInput(a, n);
  // tred2 reads V[k][j] (k ≥ j) = t[j*n+k]: the lower triangle of A transposed into the upper of t.
  const t = scratch(n).t;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const x = a[i * n + j];
      t[j * n + i] = x;
      t[i * n + j] = x;
    }
  }
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  if (n === 1) {
    values[0] = t[0];
    vectors[0] = 1;
    return { values, vectors };
  }
  const { e, cosines, sines } = scratch(n);
  tridiagonalise(t, n, values, e);
  // t holds Qᵀ; the QL phase wants Q itself (columns = vectors) for its fused row passes.
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vectors[j * n + i] = t[i * n + j];
  tridiagonalQL(vectors, n, values, e, cosines, sines);
  sortAndFixSigns(vectors, n, values);
  return { values, vectors };
}

/** Eigen-decomposition with the eigenvectors as ROWS (row j ↔ values[j]); see `symmetricEigen`. */
export function symmetricEigenRows(a: ArrayLike<number>, n: number): EigenRows {
  const { values, vectors } = symmetricEigen(a, n);
  return { values, rows: transpose(vectors, n) };
}
/** Transpose a square row-major matrix into a new array. */
export function transpose(m: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) out[j * n + i] = m[row + j];
  }
  return out;
}
