// Float64 symmetric eigensolver in plain TypeScript. A = Q·T·Qᵀ by Householder tridiagonalisation (EISPACK
// tred2, as in JAMA); then, by default, T's eigenvalues by implicit QL without vectors (tql1-style, O(n²)) and
// its eigenvectors by inverse iteration with cluster re-orthogonalisation (LAPACK dstein-style, O(n²) unless
// eigenvalues cluster), back-transformed by the stored reflectors (n³). `method: 'ql'` instead accumulates the QL
// rotations into Q (EISPACK tql2), ~1.5–4× slower (n = 64…512). Both reach residual and orthogonality ~1e-15.
// λ ascending; Q·Z's columns are the eigenvectors. Invariant: tred2 works on Qᵀ row-major (its column accesses
// become contiguous rows), QL rotations are fused per row, so inner loops run over contiguous memory.
// Sign convention (deterministic): each eigenvector's largest-|component| entry is positive (first on ties).
// The two n³ kernels (reduction, back-transformation) and the cluster re-orthogonalisation run as WebAssembly
// SIMD (wasm-eigen/) where available, ~3× faster than the JS ones here and equal to them up to round-off;
// option `kernels: 'js'` forces JS.
import { runtimeError, usageError } from '../errors.js';
import { dot2x4, transposeOf } from './matrix.js';
import { type EigenKernels, wasmEigenKernels } from './wasm-eigen/kernels.js';

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
 * Householder reduction (tred2's first half) of the symmetric matrix held in `t` (n×n row-major, overwritten).
 * Because the input is symmetric, t = A = Aᵀ initially, so tred2's V[k][j] is t[j*n + k]. On return:
 * diag(T)_j = t[j*n + j]; e[j] = T[j][j−1] (j ≥ 1); and for i ≥ 1 the reflector H_i = I − w·wᵀ/d[i] acting on
 * indices 0..i−1 has w = t[i*n + 0 .. i*n + i−1] (d[i] = 0: no reflection). Q = H_{n−1}·…·H_1, A = Q·T·Qᵀ.
 */
function reduceToTridiagonal(t: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
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
      // e = A(0:i,0:i)·d using the lower triangle stored in rows of t (V[k][j] = t[j*n+k], k ≥ j); four rows
      // per pass, so each d[k] load and e[k] update serves all four.
      let j = 0;
      for (; j + 3 < i; j += 4) {
        const r0 = j * n;
        const r1 = r0 + n;
        const r2 = r1 + n;
        const r3 = r2 + n;
        const f0 = d[j];
        const f1 = d[j + 1];
        const f2 = d[j + 2];
        const f3 = d[j + 3];
        const ti = i * n + j;
        t[ti] = f0; // V[j][i]
        t[ti + 1] = f1;
        t[ti + 2] = f2;
        t[ti + 3] = f3;
        // the symmetric 4×4 diagonal block (upper part of rows j..j+3)
        const s00 = t[r0 + j];
        const s01 = t[r0 + j + 1];
        const s02 = t[r0 + j + 2];
        const s03 = t[r0 + j + 3];
        const s11 = t[r1 + j + 1];
        const s12 = t[r1 + j + 2];
        const s13 = t[r1 + j + 3];
        const s22 = t[r2 + j + 2];
        const s23 = t[r2 + j + 3];
        const s33 = t[r3 + j + 3];
        let g0 = e[j] + s00 * f0 + s01 * f1 + s02 * f2 + s03 * f3;
        let g1 = e[j + 1] + s01 * f0 + s11 * f1 + s12 * f2 + s13 * f3;
        let g2 = e[j + 2] + s02 * f0 + s12 * f1 + s22 * f2 + s23 * f3;
        let g3 = e[j + 3] + s03 * f0 + s13 * f1 + s23 * f2 + s33 * f3;
        for (let k = j + 4; k < i; k++) {
          const a0 = t[r0 + k];
          const a1 = t[r1 + k];
          const a2 = t[r2 + k];
          const a3 = t[r3 + k];
          const dk = d[k];
          g0 += a0 * dk;
          g1 += a1 * dk;
          g2 += a2 * dk;
          g3 += a3 * dk;
          e[k] += a0 * f0 + a1 * f1 + a2 * f2 + a3 * f3;
        }
        e[j] = g0;
        e[j + 1] = g1;
        e[j + 2] = g2;
        e[j + 3] = g3;
      }
      for (; j < i; j++) {
        const row = j * n;
        f = d[j];
        t[i * n + j] = f;
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
      // rank-2 update A −= d·eᵀ + e·dᵀ (lower triangle), four rows per pass; the block's d's are overwritten
      // (with the next step's Householder source, V[i-1][j]) only after all four rows used them.
      j = 0;
      for (; j + 3 < i; j += 4) {
        const r0 = j * n;
        const r1 = r0 + n;
        const r2 = r1 + n;
        const r3 = r2 + n;
        const f0 = d[j];
        const f1 = d[j + 1];
        const f2 = d[j + 2];
        const f3 = d[j + 3];
        const g0 = e[j];
        const g1 = e[j + 1];
        const g2 = e[j + 2];
        const g3 = e[j + 3];
        // diagonal block: row p, columns j+p .. j+3
        t[r0 + j] -= 2 * f0 * g0;
        t[r0 + j + 1] -= f0 * g1 + g0 * f1;
        t[r0 + j + 2] -= f0 * g2 + g0 * f2;
        t[r0 + j + 3] -= f0 * g3 + g0 * f3;
        t[r1 + j + 1] -= 2 * f1 * g1;
        t[r1 + j + 2] -= f1 * g2 + g1 * f2;
        t[r1 + j + 3] -= f1 * g3 + g1 * f3;
        t[r2 + j + 2] -= 2 * f2 * g2;
        t[r2 + j + 3] -= f2 * g3 + g2 * f3;
        t[r3 + j + 3] -= 2 * f3 * g3;
        for (let k = j + 4; k < i; k++) {
          const ek = e[k];
          const dk = d[k];
          t[r0 + k] -= f0 * ek + g0 * dk;
          t[r1 + k] -= f1 * ek + g1 * dk;
          t[r2 + k] -= f2 * ek + g2 * dk;
          t[r3 + k] -= f3 * ek + g3 * dk;
        }
        d[j] = t[r0 + i - 1];
        t[r0 + i] = 0; // V[i][j]
        d[j + 1] = t[r1 + i - 1];
        t[r1 + i] = 0;
        d[j + 2] = t[r2 + i - 1];
        t[r2 + i] = 0;
        d[j + 3] = t[r3 + i - 1];
        t[r3 + i] = 0;
      }
      for (; j < i; j++) {
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
}

/**
 * Full tred2: the reduction, then the reflectors accumulated into t = Qᵀ (row j = column j of Q), with
 * d = diag(T) and e[1..n-1] = subdiagonal.
 */
function tridiagonalise(
  t: Float64Array,
  n: number,
  d: Float64Array,
  e: Float64Array,
  kernels: EigenKernels,
): void {
  kernels.reduceToTridiagonal(t, n, d, e);
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
  v: Float64Array | null,
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
          r = Math.sqrt(p * p + ei * ei);
          if (!(r > 1e-150 && r < 1e150)) {
            // hypot without over/underflow, only where the plain form could lose it
            r =
              Math.abs(p) > Math.abs(ei)
                ? Math.abs(p) * Math.sqrt(1 + (ei / p) ** 2)
                : Math.abs(ei) * Math.sqrt(1 + (p / ei) ** 2);
          }
          e[i + 1] = s * r;
          s = ei / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          cosines[i] = c;
          sines[i] = s;
        }
        // v[:, i], v[:, i+1] ← (c·v_i − s·v_{i+1}, s·v_i + c·v_{i+1}) for i = m−1 … l, fused per row.
        for (let k = 0; v !== null && k < n; k++) {
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

/**
 * Eigenpairs of the symmetric tridiagonal T (diagonal d[0..n), off-diagonal off[i] between i and i+1) by
 * blocks: T splits where |off_i| ≤ ε(|d_i| + |d_{i+1}|); per block, eigenvalues by implicit QL without vectors
 * (O(n²)), then each eigenvector by inverse iteration on T_block − σI (LU with partial pivoting, 2–5 solves from a
 * fixed pseudo-random start), re-orthogonalised (modified Gram–Schmidt) against the earlier vectors of its cluster
 * (eigenvalue gaps ≤ 1e-3‖T_block‖), as LAPACK's dstein does. Output: values ascending per block and zt with the
 * eigenvectors of T as ROWS (zero outside their block). Cost O(n²) plus O(n·k²) for clusters of size k.
 */
function tridiagonalEigen(
  d: Float64Array,
  off: Float64Array,
  n: number,
  values: Float64Array,
  zt: Float64Array,
  vectorsAbove: number,
  y: Float64Array,
  kernels: EigenKernels,
): number {
  const blockE = new Float64Array(n);
  const u0 = new Float64Array(n);
  const u1 = new Float64Array(n);
  const u2 = new Float64Array(n);
  const mult = new Float64Array(n);
  const swapped = new Uint8Array(n);
  let seed = 0x2545f491;
  const nextRandom = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return ((seed >>> 0) / 4294967296) * 2 - 1;
  };
  // Pass 1: the blocks and their eigenvalues. Pass 2: the wanted eigenvectors (all by default; with
  // `vectorsAbove`, those whose eigenvalue exceeds vectorsAbove·max(λ_max, 0) — per block a suffix, since each
  // block's values are ascending; the random starts of skipped vectors are still drawn, so a wanted vector starts
  // from the same point as in a full solve).
  const blockEnds: number[] = [];
  let start = 0;
  for (let end = 0; end < n; end++) {
    if (end < n - 1 && Math.abs(off[end]) > EPS * (Math.abs(d[end]) + Math.abs(d[end + 1]))) continue;
    blockEnds.push(end);
    const size = end - start + 1;
    if (size === 1) {
      values[start] = d[start];
      start = end + 1;
      continue;
    }
    // eigenvalues of the block (tql2 convention: blockE[i] couples i−1 and i)
    const dBlock = values.subarray(start, end + 1);
    dBlock.set(d.subarray(start, end + 1));
    blockE[0] = 0;
    for (let i = 1; i < size; i++) blockE[i] = off[start + i - 1];
    tridiagonalQL(null, size, dBlock, blockE, u0, u1);
    dBlock.sort();
    start = end + 1;
  }
  let maxValue = 0;
  for (let i = 0; i < n; i++) if (values[i] > maxValue) maxValue = values[i];
  const vectorLimit = vectorsAbove === Number.NEGATIVE_INFINITY ? vectorsAbove : vectorsAbove * maxValue;
  let computed = 0;
  start = 0;
  for (const end of blockEnds) {
    const size = end - start + 1;
    if (size === 1) {
      if (values[start] > vectorLimit) {
        zt[start * n + start] = 1;
        computed++;
      }
      start = end + 1;
      continue;
    }
    const dBlock = values.subarray(start, end + 1);
    let firstWanted = 0;
    while (firstWanted < size && !(dBlock[firstWanted] > vectorLimit)) firstWanted++;
    computed += size - firstWanted;
    let norm = 0;
    for (let i = start; i <= end; i++) {
      norm = Math.max(
        norm,
        Math.abs(d[i]) + (i > start ? Math.abs(off[i - 1]) : 0) + (i < end ? Math.abs(off[i]) : 0),
      );
    }
    const clusterGap = 1e-3 * norm;
    const tinyPivot = EPS * norm;
    let clusterStart = 0;
    let previousShift = 0;
    for (let j = 0; j < size; j++) {
      const lambda = dBlock[j];
      if (j === 0 || lambda - dBlock[j - 1] > clusterGap) clusterStart = j;
      // Separate (near-)equal shifts so the factorisations differ, as dstein does.
      let shift = lambda;
      const minSeparation = 10 * EPS * Math.max(Math.abs(lambda), tinyPivot);
      if (j > 0 && shift - previousShift < minSeparation) shift = previousShift + minSeparation;
      previousShift = shift;
      if (j < firstWanted) {
        for (let k = 0; k < size; k++) nextRandom(); // this vector's start, not needed
        continue;
      }
      // re-orthogonalise against the wanted earlier vectors of the cluster only (the others are not computed)
      const orthogonalStart = Math.max(clusterStart, firstWanted);
      // LU with partial pivoting of T_block − shift·I; U has two super-diagonals (u1, u2).
      let c0 = d[start] - shift;
      let c1 = off[start];
      let c2 = 0;
      for (let k = 0; k < size - 1; k++) {
        const n0 = off[start + k];
        const n1 = d[start + k + 1] - shift;
        const n2 = k + 1 < size - 1 ? off[start + k + 1] : 0;
        if (Math.abs(c0) >= Math.abs(n0)) {
          const m = c0 === 0 ? 0 : n0 / c0;
          u0[k] = c0;
          u1[k] = c1;
          u2[k] = c2;
          mult[k] = m;
          swapped[k] = 0;
          c0 = n1 - m * c1;
          c1 = n2 - m * c2;
        } else {
          const m = c0 / n0;
          u0[k] = n0;
          u1[k] = n1;
          u2[k] = n2;
          mult[k] = m;
          swapped[k] = 1;
          c0 = c1 - m * n1;
          c1 = c2 - m * n2;
        }
        c2 = 0;
        // keep 1/pivot (tiny pivots raised to ε‖T‖, as dlagts does): the solves then only multiply
        const pivot = u0[k];
        u0[k] = 1 / (Math.abs(pivot) < tinyPivot ? (pivot < 0 ? -tinyPivot : tinyPivot) : pivot);
      }
      u0[size - 1] = 1 / (Math.abs(c0) < tinyPivot ? (c0 < 0 ? -tinyPivot : tinyPivot) : c0);
      for (let k = 0; k < size; k++) y[k] = nextRandom();
      const row = (start + j) * n + start;
      // Solve until the amplification shows the shift is (numerically) an eigenvalue: at least 2, at most 5.
      for (let iteration = 1; iteration <= 5; iteration++) {
        // solve P·L·U·x = y in place (u0 holds the reciprocal pivots)
        // (carry = y[k] after the row swaps so far; selects instead of a data-dependent branch)
        let carry = y[0];
        for (let k = 0; k < size - 1; k++) {
          const next = y[k + 1];
          const swap = swapped[k] === 1;
          const top = swap ? next : carry;
          const bottom = swap ? carry : next;
          y[k] = top;
          carry = bottom - mult[k] * top;
        }
        y[size - 1] = carry;
        // back substitution with U (diagonal reciprocals u0, super-diagonals u1, u2), y[k+1], y[k+2] in registers
        let y2 = 0;
        let y1 = y[size - 1] * u0[size - 1];
        y[size - 1] = y1;
        for (let k = size - 2; k >= 0; k--) {
          const yk = (y[k] - u1[k] * y1 - u2[k] * y2) * u0[k];
          y[k] = yk;
          y2 = y1;
          y1 = yk;
        }
        // re-orthogonalise against the cluster's earlier vectors (rows of zt), then normalise
        kernels.reorthogonalise(zt, (start + orthogonalStart) * n + start, j - orthogonalStart, n, y, size);
        let scale = 0;
        for (let k = 0; k < size; k++) {
          const a = Math.abs(y[k]);
          if (a > scale) scale = a;
        }
        if (!(scale > 0 && scale < Number.POSITIVE_INFINITY)) {
          // the start fell (numerically) into the span of the cluster's earlier vectors: restart
          for (let k = 0; k < size; k++) y[k] = nextRandom();
          continue;
        }
        const inverseScale = 1 / scale;
        for (let k = 0; k < size; k++) y[k] *= inverseScale;
        if (iteration >= 2 && scale * norm >= 1e8) break;
      }
      let sum = 0;
      for (let k = 0; k < size; k++) sum += y[k] * y[k];
      const inverseNorm = 1 / Math.sqrt(sum);
      for (let k = 0; k < size; k++) zt[row + k] = y[k] * inverseNorm;
    }
    start = end + 1;
  }
  return computed;
}

/**
 * y ← y − Σ_q (z_q·y)·z_q over the `count` rows z_q = zt[first + q·stride …] of length `size`: modified
 * Gram–Schmidt over blocks of four rows, classical within a block (one pass for the four dot products, one for
 * the update). The rows of a block are orthonormal to working precision, so this equals row-by-row MGS up to
 * round-off, at half the passes over y and with four independent accumulators (big clusters, e.g. ~125 near-null
 * eigenvalues of a rank-deficient Gram matrix, spend most of the solve here).
 */
function reorthogonalise(
  zt: Float64Array,
  first: number,
  count: number,
  stride: number,
  y: Float64Array,
  size: number,
): void {
  let q = 0;
  for (; q + 3 < count; q += 4) {
    const r0 = first + q * stride;
    const r1 = r0 + stride;
    const r2 = r1 + stride;
    const r3 = r2 + stride;
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    for (let k = 0; k < size; k++) {
      const yk = y[k];
      d0 += zt[r0 + k] * yk;
      d1 += zt[r1 + k] * yk;
      d2 += zt[r2 + k] * yk;
      d3 += zt[r3 + k] * yk;
    }
    for (let k = 0; k < size; k++) {
      y[k] -= d0 * zt[r0 + k] + d1 * zt[r1 + k] + (d2 * zt[r2 + k] + d3 * zt[r3 + k]);
    }
  }
  for (; q < count; q++) {
    const other = first + q * stride;
    let dot = 0;
    for (let k = 0; k < size; k++) dot += zt[other + k] * y[k];
    for (let k = 0; k < size; k++) y[k] -= dot * zt[other + k];
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
export function symmetricEigen(
  a: ArrayLike<number>,
  n: number,
  opts: {
    method?: 'inverse-iteration' | 'ql';
    /**
     * Compute only the eigenvectors whose eigenvalue exceeds vectorsAbove·max(λ_max, 0); the other columns
     * come back as zeros (default: every eigenvector). With inverse iteration the skipped ones cost nothing
     * (GDPP's real branch needs ~5 of 128 here); a wanted vector can then differ from a full solve's only by
     * the re-orthogonalisation against skipped vectors of its cluster (round-off of the solver's accuracy).
     */
    vectorsAbove?: number;
    /**
     * Where the n³ kernels and the cluster re-orthogonalisation run: 'auto' (default) WebAssembly SIMD when this
     * host has it, else JS; 'js' always JS; 'wasm' WebAssembly or an error. Results agree to round-off (the SIMD
     * sums are ordered differently); 'js' is bit-for-bit the plain-TypeScript solver.
     */
    kernels?: 'auto' | 'js' | 'wasm';
  } = {},
): EigenResult {
  checkInput(a, n);
  const choice = opts.kernels ?? 'auto';
  if (choice !== 'auto' && choice !== 'js' && choice !== 'wasm') {
    throw usageError(`symmetricEigen: kernels must be 'auto', 'js' or 'wasm', got ${String(choice)}`);
  }
  // Scale by a power of two (exact) so max|a| ≈ 1: QL's products of off-diagonals would otherwise overflow
  // near 1e154 or lose digits in subnormals near 1e-154 (LAPACK's dsyev scales for the same reason).
  let maxAbs = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) maxAbs = Math.max(maxAbs, Math.abs(a[i * n + j]));
  const scale = maxAbs > 0 ? 2 ** Math.max(-1000, Math.min(1000, -Math.round(Math.log2(maxAbs)))) : 1;
  if (n === 1) return { values: Float64Array.of(a[0]), vectors: Float64Array.of(1) };
  const kernels = chooseKernels(choice, n);
  const { e, cosines, sines } = scratch(n);
  const { t, zt, y } = kernels.buffers(n);
  // tred2 reads V[k][j] (k ≥ j) = t[j*n+k]: the lower triangle of A transposed into the upper of t.
  const load = () => {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const x = a[i * n + j] * scale;
        t[j * n + i] = x;
        t[i * n + j] = x;
      }
    }
  };
  const values = new Float64Array(n);
  load();
  const ql = opts.method === 'ql';
  const above = opts.vectorsAbove ?? Number.NEGATIVE_INFINITY;
  if (Number.isNaN(above)) throw usageError('symmetricEigen: vectorsAbove must be a number, got NaN');
  let result = solveScaled(t, n, values, e, cosines, sines, ql, above, kernels, zt, y);
  if (!ql && !allFinite(result.vectors)) {
    // Safety net (never observed in our tests): inverse iteration produced a non-finite vector; redo with QL.
    load();
    result = solveScaled(t, n, values, e, cosines, sines, true, above, kernels, zt, y);
  }
  if (scale !== 1) for (let i = 0; i < n; i++) values[i] /= scale;
  return result;
}

const jsKernels: EigenKernels = {
  reduceToTridiagonal,
  applyReflectors,
  reorthogonalise,
  buffers: (n) => ({ t: scratch(n).t, zt: new Float64Array(n * n), y: new Float64Array(n) }),
};

function chooseKernels(choice: 'auto' | 'js' | 'wasm', n: number): EigenKernels {
  if (choice === 'js') return jsKernels;
  const wasm = wasmEigenKernels(n);
  if (wasm !== undefined) return wasm;
  if (choice === 'wasm') {
    throw runtimeError(
      "symmetricEigen: kernels 'wasm' requested, but WebAssembly SIMD is unavailable here (or its compile is still pending, or out of memory); use 'auto'",
    );
  }
  return jsKernels;
}

function allFinite(x: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

function solveScaled(
  t: Float64Array,
  n: number,
  values: Float64Array,
  e: Float64Array,
  cosines: Float64Array,
  sines: Float64Array,
  ql: boolean,
  vectorsAbove: number,
  kernels: EigenKernels,
  zt: Float64Array,
  y: Float64Array,
): EigenResult {
  if (ql) {
    tridiagonalise(t, n, values, e, kernels);
    const q = transposeOf(t, n, n); // t holds Qᵀ (A = Q·T·Qᵀ); the fused QL rotations want Q
    tridiagonalQL(q, n, values, e, cosines, sines);
    sortAndFixSigns(q, n, values);
    if (vectorsAbove !== Number.NEGATIVE_INFINITY) {
      const limit = vectorsAbove * Math.max(values[n - 1], 0);
      for (let j = 0; j < n && !(values[j] > limit); j++) for (let r = 0; r < n; r++) q[r * n + j] = 0;
    }
    return { values, vectors: q };
  }
  const h = new Float64Array(n);
  kernels.reduceToTridiagonal(t, n, h, e);
  const diagonal = new Float64Array(n);
  for (let j = 0; j < n; j++) diagonal[j] = t[j * n + j];
  const off = e.subarray(1, n); // off[i] couples i and i+1
  const computed = tridiagonalEigen(diagonal, off, n, values, zt, vectorsAbove, y, kernels);
  sortRows(zt, n, values);
  // rows of zt: eigenvectors of A (the computed ones are the last `computed` rows: the largest eigenvalues)
  kernels.applyReflectors(t, h, n, computed === n ? zt : zt.subarray((n - computed) * n), computed);
  const vectors = transposeOf(zt, n, n);
  for (let j = 0; j < n; j++) fixSign(vectors, j, n, n);
  return { values, vectors };
}

/**
 * x ← Q·x for every row x of zt (n×n), Q = H_{n−1}·…·H_1 from `reduceToTridiagonal` (reflector H_i: vector
 * w_i = t[i*n .. i*n+i), divisor h[i]; h[i] = 0 means no reflection). Cost n³ multiply-adds, organised to
 * save memory traffic: four rows at a time share each load of a reflector, and reflectors go in pairs
 * (H_{i+1}·H_i x = x − g·w_i − g'·w_{i+1} with g = w_i·x/h_i, g' = (w_{i+1}·x − g·w_{i+1}·w_i)/h_{i+1}), so
 * each row block is swept twice per pair instead of twice per reflector.
 */
function applyReflectors(t: Float64Array, h: Float64Array, n: number, zt: Float64Array, rows = n): void {
  const tau = new Float64Array(n);
  for (let i = 1; i < n; i++) tau[i] = h[i] === 0 ? 0 : 1 / h[i];
  const last = n - 1;
  const acc = new Float64Array(8);
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const x0 = r * n;
    const x1 = x0 + n;
    const x2 = x1 + n;
    const x3 = x2 + n;
    let i = 1;
    for (; i + 1 <= last; i += 2) {
      // pair (i, i+1): w = t[i*n..+i), v = t[(i+1)*n..+i+1)
      const w = i * n;
      const v = w + n;
      const ti = tau[i];
      const tj = tau[i + 1];
      if (ti === 0 && tj === 0) continue;
      let vw = 0;
      for (let k = 0; k < i; k++) vw += t[v + k] * t[w + k];
      dot2x4(t, w, n, zt, x0, n, i, acc); // [w·x0 … w·x3 | v·x0 … v·x3] over k < i
      const vi = t[v + i];
      const b0 = acc[4] + vi * zt[x0 + i];
      const b1 = acc[5] + vi * zt[x1 + i];
      const b2 = acc[6] + vi * zt[x2 + i];
      const b3 = acc[7] + vi * zt[x3 + i];
      const g0 = acc[0] * ti;
      const g1 = acc[1] * ti;
      const g2 = acc[2] * ti;
      const g3 = acc[3] * ti;
      const f0 = (b0 - g0 * vw) * tj;
      const f1 = (b1 - g1 * vw) * tj;
      const f2 = (b2 - g2 * vw) * tj;
      const f3 = (b3 - g3 * vw) * tj;
      for (let k = 0; k < i; k++) {
        const wk = t[w + k];
        const vk = t[v + k];
        zt[x0 + k] -= g0 * wk + f0 * vk;
        zt[x1 + k] -= g1 * wk + f1 * vk;
        zt[x2 + k] -= g2 * wk + f2 * vk;
        zt[x3 + k] -= g3 * wk + f3 * vk;
      }
      zt[x0 + i] -= f0 * vi;
      zt[x1 + i] -= f1 * vi;
      zt[x2 + i] -= f2 * vi;
      zt[x3 + i] -= f3 * vi;
    }
    for (; i <= last; i++) {
      const ti = tau[i];
      if (ti === 0) continue;
      const w = i * n;
      let g0 = 0;
      let g1 = 0;
      let g2 = 0;
      let g3 = 0;
      for (let k = 0; k < i; k++) {
        const wk = t[w + k];
        g0 += wk * zt[x0 + k];
        g1 += wk * zt[x1 + k];
        g2 += wk * zt[x2 + k];
        g3 += wk * zt[x3 + k];
      }
      g0 *= ti;
      g1 *= ti;
      g2 *= ti;
      g3 *= ti;
      for (let k = 0; k < i; k++) {
        const wk = t[w + k];
        zt[x0 + k] -= g0 * wk;
        zt[x1 + k] -= g1 * wk;
        zt[x2 + k] -= g2 * wk;
        zt[x3 + k] -= g3 * wk;
      }
    }
  }
  for (; r < rows; r++) {
    const x = r * n;
    for (let i = 1; i <= last; i++) {
      const ti = tau[i];
      if (ti === 0) continue;
      const w = i * n;
      let g = 0;
      for (let k = 0; k < i; k++) g += t[w + k] * zt[x + k];
      g *= ti;
      for (let k = 0; k < i; k++) zt[x + k] -= g * t[w + k];
    }
  }
}

/** Sort values ascending, permuting the rows of zt alike (blocks each come out sorted; merge them). */
function sortRows(zt: Float64Array, n: number, values: Float64Array): void {
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (values[i] < values[i - 1]) sorted = false;
  if (sorted) return;
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => values[x] - values[y]);
  const oldValues = Float64Array.from(values);
  const oldRows = Float64Array.from(zt);
  for (let i = 0; i < n; i++) {
    values[i] = oldValues[order[i]];
    zt.set(oldRows.subarray(order[i] * n, order[i] * n + n), i * n);
  }
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
