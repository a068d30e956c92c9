// Dense Float64 row-major matrix products used by eigh's backward pass and the GDPP loss.
// One kernel does the work: out = a·bᵀ with both operands' rows contiguous (dot-product form), register
// blocked 2 rows × 4 columns (8 accumulators, 6 loads per 8 multiply-adds): ~2–3× a naive i-k-j loop in V8.
// The other products transpose an operand first (O(n²), negligible next to the O(n³) product).

/**
 * out (m×n) = a (m×k) · bᵀ, b (n×k). With `symmetric` (a === b, m === n) only blocks touching the lower
 * triangle are computed and then mirrored. `out` may be passed in to avoid an allocation.
 */
export function gemmNT(
  a: Float64Array,
  b: Float64Array,
  m: number,
  n: number,
  k: number,
  symmetric = false,
  out: Float64Array = new Float64Array(m * n),
): Float64Array {
  const m2 = m - (m % 2);
  const n4 = n - (n % 4);
  for (let i = 0; i < m2; i += 2) {
    const a0 = i * k;
    const a1 = a0 + k;
    const o0 = i * n;
    const o1 = o0 + n;
    const jEnd = symmetric ? Math.min(n4, i + 2) : n4; // blocks with j ≤ i + 1 touch the lower triangle
    let j = 0;
    for (; j < jEnd; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = a[a0 + p];
        const x1 = a[a1 + p];
        const y0 = b[b0 + p];
        const y1 = b[b1 + p];
        const y2 = b[b2 + p];
        const y3 = b[b3 + p];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
      }
      out[o0 + j] = s00;
      out[o0 + j + 1] = s01;
      out[o0 + j + 2] = s02;
      out[o0 + j + 3] = s03;
      out[o1 + j] = s10;
      out[o1 + j + 1] = s11;
      out[o1 + j + 2] = s12;
      out[o1 + j + 3] = s13;
    }
    const jRest = symmetric ? Math.min(n, i + 2) : n;
    for (; j < jRest; j++) {
      const bj = j * k;
      let s0 = 0;
      let s1 = 0;
      for (let p = 0; p < k; p++) {
        const y = b[bj + p];
        s0 += a[a0 + p] * y;
        s1 += a[a1 + p] * y;
      }
      out[o0 + j] = s0;
      out[o1 + j] = s1;
    }
  }
  for (let i = m2; i < m; i++) {
    const ai = i * k;
    const jEnd = symmetric ? i + 1 : n;
    for (let j = 0; j < jEnd; j++) {
      const bj = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ai + p] * b[bj + p];
      out[i * n + j] = s;
    }
  }
  if (symmetric) for (let i = 0; i < m; i++) for (let j = i + 1; j < n; j++) out[i * n + j] = out[j * n + i];
  return out;
}

/** Transpose of an m×n row-major matrix (n×m). */
export function transposeOf(x: Float64Array, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) out[j * m + i] = x[row + j];
  }
  return out;
}

/** out (m×n) = a (m×k) · b (k×n). */
export function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  return gemmNT(a, transposeOf(b, k, n), m, n, k);
}

/** out (m×n) = aᵀ · b with a (k×m), b (k×n). */
export function matmulTransA(
  a: Float64Array,
  b: Float64Array,
  k: number,
  m: number,
  n: number,
): Float64Array {
  return gemmNT(transposeOf(a, k, m), transposeOf(b, k, n), m, n, k);
}

/** out (m×n) = a · bᵀ with a (m×k), b (n×k). */
export function matmulTransB(
  a: Float64Array,
  b: Float64Array,
  m: number,
  k: number,
  n: number,
): Float64Array {
  return gemmNT(a, b, m, n, k);
}

/** x·xᵀ (m×m, symmetric) of x (m×k): the row Gram matrix (e.g. the DPP kernel φφᵀ). */
export function gramRows(x: Float64Array, m: number, k: number): Float64Array {
  return gemmNT(x, x, m, m, k, true);
}

/** xᵀ·x (k×k, symmetric) of x (m×k): the column Gram matrix (e.g. φᵀφ). */
export function gramCols(x: Float64Array, m: number, k: number): Float64Array {
  const xt = transposeOf(x, m, k);
  return gemmNT(xt, xt, k, k, m, true);
}
