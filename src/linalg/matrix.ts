// Dense Float64 row-major matrix products used by eigh's backward pass and the GDPP loss.
// One kernel does the work: out = a·bᵀ with both operands' rows contiguous (dot-product form), register
// blocked 2 rows × 4 columns (8 accumulators, 6 loads per 8 multiply-adds): ~2–3× a naive i-k-j loop in V8.
// The other products transpose an operand first (O(n²), negligible next to the O(n³) product). The 2×4 block
// (`dot2x4`) also serves symmetricEigen's reflector sweep.

/**
 * The 2×4 register block: acc[4r + c] = Σ_{p<len} a[aRow + r·aStride + p] · b[bRow + c·bStride + p] for r < 2,
 * c < 4, each sum accumulated in ascending p from 0.
 */
export function dot2x4(
  a: Float64Array,
  aRow: number,
  aStride: number,
  b: Float64Array,
  bRow: number,
  bStride: number,
  len: number,
  acc: Float64Array,
): void {
  const a0 = aRow;
  const a1 = a0 + aStride;
  const b0 = bRow;
  const b1 = b0 + bStride;
  const b2 = b1 + bStride;
  const b3 = b2 + bStride;
  let s00 = 0;
  let s01 = 0;
  let s02 = 0;
  let s03 = 0;
  let s10 = 0;
  let s11 = 0;
  let s12 = 0;
  let s13 = 0;
  for (let p = 0; p < len; p++) {
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
  acc[0] = s00;
  acc[1] = s01;
  acc[2] = s02;
  acc[3] = s03;
  acc[4] = s10;
  acc[5] = s11;
  acc[6] = s12;
  acc[7] = s13;
}

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
  const acc = new Float64Array(8);
  for (let i = 0; i < m2; i += 2) {
    const a0 = i * k;
    const a1 = a0 + k;
    const o0 = i * n;
    const o1 = o0 + n;
    const jEnd = symmetric ? Math.min(n4, i + 2) : n4; // blocks with j ≤ i + 1 touch the lower triangle
    let j = 0;
    for (; j < jEnd; j += 4) {
      dot2x4(a, a0, k, b, j * k, k, k, acc);
      out[o0 + j] = acc[0];
      out[o0 + j + 1] = acc[1];
      out[o0 + j + 2] = acc[2];
      out[o0 + j + 3] = acc[3];
      out[o1 + j] = acc[4];
      out[o1 + j + 1] = acc[5];
      out[o1 + j + 2] = acc[6];
      out[o1 + j + 3] = acc[7];
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
