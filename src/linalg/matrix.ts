// Dense Float64 row-major matrix products used by eigh's backward pass and the GDPP loss. Loop orders keep
// the innermost loop on contiguous memory (i-k-j for A·B, dot products of rows for A·Bᵀ).

/** out (m×n) = a (m×k) · b (k×n). */
export function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const oi = i * n;
    const ai = i * k;
    for (let p = 0; p < k; p++) {
      const x = a[ai + p];
      if (x === 0) continue;
      const bp = p * n;
      for (let j = 0; j < n; j++) out[oi + j] += x * b[bp + j];
    }
  }
  return out;
}

/** out (m×n) = aᵀ · b with a (k×m), b (k×n). */
export function matmulTransA(
  a: Float64Array,
  b: Float64Array,
  k: number,
  m: number,
  n: number,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let p = 0; p < k; p++) {
    const ap = p * m;
    const bp = p * n;
    for (let i = 0; i < m; i++) {
      const x = a[ap + i];
      if (x === 0) continue;
      const oi = i * n;
      for (let j = 0; j < n; j++) out[oi + j] += x * b[bp + j];
    }
  }
  return out;
}

/** out (m×n) = a · bᵀ with a (m×k), b (n×k). */
export function matmulTransB(
  a: Float64Array,
  b: Float64Array,
  m: number,
  k: number,
  n: number,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const ai = i * k;
    for (let j = 0; j < n; j++) {
      const bj = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ai + p] * b[bj + p];
      out[i * n + j] = s;
    }
  }
  return out;
}

/** x·xᵀ (m×m, symmetric) of x (m×k): row Gram matrix; computes one triangle and mirrors it. */
export function gramRows(x: Float64Array, m: number, k: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const xi = i * k;
    for (let j = 0; j <= i; j++) {
      const xj = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += x[xi + p] * x[xj + p];
      out[i * m + j] = s;
      out[j * m + i] = s;
    }
  }
  return out;
}

/** xᵀ·x (k×k, symmetric) of x (m×k): column Gram matrix; accumulates the lower triangle row by row. */
export function gramCols(x: Float64Array, m: number, k: number): Float64Array {
  const out = new Float64Array(k * k);
  for (let p = 0; p < m; p++) {
    const xp = p * k;
    for (let i = 0; i < k; i++) {
      const v = x[xp + i];
      if (v === 0) continue;
      const oi = i * k;
      for (let j = 0; j <= i; j++) out[oi + j] += v * x[xp + j];
    }
  }
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) out[j * k + i] = out[i * k + j];
  return out;
}
