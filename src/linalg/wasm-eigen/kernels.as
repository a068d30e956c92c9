// AssemblyScript source (compiled by scripts/build-wasm-eigen.mjs into kernels-bytes.ts; the `.as` extension keeps
// tsc, biome and the bundler off it). f64x2 SIMD ports of the two O(n³) kernels of ../symmetric-eigen.ts:
// reduceToTridiagonal (tred2's first half) and applyReflectors (back-transformation of the tridiagonal's
// eigenvectors). Same algorithm and storage conventions; only the inner loops over contiguous k run two doubles
// per instruction, so sums are ordered differently from the JS version (equal up to round-off, not bit for bit).
// Arguments are byte addresses in this module's own memory (8-byte aligned); nothing is allocated here.

@inline function ld(base: usize, i: i32): f64 {
  return load<f64>(base + (<usize>i << 3));
}
@inline function st(base: usize, i: i32, v: f64): void {
  store<f64>(base + (<usize>i << 3), v);
}
@inline function vld(base: usize, i: i32): v128 {
  return v128.load(base + (<usize>i << 3));
}
@inline function vst(base: usize, i: i32, v: v128): void {
  v128.store(base + (<usize>i << 3), v);
}
@inline function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}
@inline function vadd(a: v128, b: v128): v128 {
  return f64x2.add(a, b);
}
@inline function vmul(a: v128, b: v128): v128 {
  return f64x2.mul(a, b);
}
@inline function vsub(a: v128, b: v128): v128 {
  return f64x2.sub(a, b);
}

/** See reduceToTridiagonal in symmetric-eigen.ts: t (n×n), d (n), e (n). */
export function reduceToTridiagonal(t: usize, n: i32, d: usize, e: usize): void {
  for (let j = 0; j < n; j++) st(d, j, ld(t, j * n + n - 1));
  for (let i = n - 1; i > 0; i--) {
    let scale: f64 = 0;
    let h: f64 = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(ld(d, k));
    if (scale == 0) {
      st(e, i, ld(d, i - 1));
      for (let j = 0; j < i; j++) {
        st(d, j, ld(t, j * n + i - 1));
        st(t, j * n + i, 0);
        st(t, i * n + j, 0);
      }
    } else {
      for (let k = 0; k < i; k++) {
        const dk = ld(d, k) / scale;
        st(d, k, dk);
        h += dk * dk;
      }
      let f = ld(d, i - 1);
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      st(e, i, scale * g);
      h -= f * g;
      st(d, i - 1, f - g);
      for (let j = 0; j < i; j++) st(e, j, 0);
      // e = A(0:i,0:i)·d, four rows of the stored triangle per pass
      let j = 0;
      for (; j + 3 < i; j += 4) {
        const r0 = j * n;
        const r1 = r0 + n;
        const r2 = r1 + n;
        const r3 = r2 + n;
        const f0 = ld(d, j);
        const f1 = ld(d, j + 1);
        const f2 = ld(d, j + 2);
        const f3 = ld(d, j + 3);
        const ti = i * n + j;
        st(t, ti, f0);
        st(t, ti + 1, f1);
        st(t, ti + 2, f2);
        st(t, ti + 3, f3);
        const s00 = ld(t, r0 + j);
        const s01 = ld(t, r0 + j + 1);
        const s02 = ld(t, r0 + j + 2);
        const s03 = ld(t, r0 + j + 3);
        const s11 = ld(t, r1 + j + 1);
        const s12 = ld(t, r1 + j + 2);
        const s13 = ld(t, r1 + j + 3);
        const s22 = ld(t, r2 + j + 2);
        const s23 = ld(t, r2 + j + 3);
        const s33 = ld(t, r3 + j + 3);
        let g0 = ld(e, j) + s00 * f0 + s01 * f1 + s02 * f2 + s03 * f3;
        let g1 = ld(e, j + 1) + s01 * f0 + s11 * f1 + s12 * f2 + s13 * f3;
        let g2 = ld(e, j + 2) + s02 * f0 + s12 * f1 + s22 * f2 + s23 * f3;
        let g3 = ld(e, j + 3) + s03 * f0 + s13 * f1 + s23 * f2 + s33 * f3;
        const F0 = f64x2.splat(f0);
        const F1 = f64x2.splat(f1);
        const F2 = f64x2.splat(f2);
        const F3 = f64x2.splat(f3);
        let G0 = f64x2.splat(0);
        let G1 = f64x2.splat(0);
        let G2 = f64x2.splat(0);
        let G3 = f64x2.splat(0);
        let k = j + 4;
        for (; k + 1 < i; k += 2) {
          const a0 = vld(t, r0 + k);
          const a1 = vld(t, r1 + k);
          const a2 = vld(t, r2 + k);
          const a3 = vld(t, r3 + k);
          const dk = vld(d, k);
          G0 = vadd(G0, vmul(a0, dk));
          G1 = vadd(G1, vmul(a1, dk));
          G2 = vadd(G2, vmul(a2, dk));
          G3 = vadd(G3, vmul(a3, dk));
          vst(e, k, vadd(vld(e, k), vadd(vadd(vmul(a0, F0), vmul(a1, F1)), vadd(vmul(a2, F2), vmul(a3, F3)))));
        }
        if (k < i) {
          const a0 = ld(t, r0 + k);
          const a1 = ld(t, r1 + k);
          const a2 = ld(t, r2 + k);
          const a3 = ld(t, r3 + k);
          const dk = ld(d, k);
          g0 += a0 * dk;
          g1 += a1 * dk;
          g2 += a2 * dk;
          g3 += a3 * dk;
          st(e, k, ld(e, k) + (a0 * f0 + a1 * f1 + a2 * f2 + a3 * f3));
        }
        st(e, j, g0 + hsum(G0));
        st(e, j + 1, g1 + hsum(G1));
        st(e, j + 2, g2 + hsum(G2));
        st(e, j + 3, g3 + hsum(G3));
      }
      for (; j < i; j++) {
        const row = j * n;
        f = ld(d, j);
        st(t, i * n + j, f);
        g = ld(e, j) + ld(t, row + j) * f;
        for (let k = j + 1; k < i; k++) {
          const v = ld(t, row + k);
          g += v * ld(d, k);
          st(e, k, ld(e, k) + v * f);
        }
        st(e, j, g);
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        const ej = ld(e, j) / h;
        st(e, j, ej);
        f += ej * ld(d, j);
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) st(e, j, ld(e, j) - hh * ld(d, j));
      // rank-2 update A −= d·eᵀ + e·dᵀ (lower triangle), four rows per pass
      j = 0;
      for (; j + 3 < i; j += 4) {
        const r0 = j * n;
        const r1 = r0 + n;
        const r2 = r1 + n;
        const r3 = r2 + n;
        const f0 = ld(d, j);
        const f1 = ld(d, j + 1);
        const f2 = ld(d, j + 2);
        const f3 = ld(d, j + 3);
        const g0 = ld(e, j);
        const g1 = ld(e, j + 1);
        const g2 = ld(e, j + 2);
        const g3 = ld(e, j + 3);
        st(t, r0 + j, ld(t, r0 + j) - 2 * f0 * g0);
        st(t, r0 + j + 1, ld(t, r0 + j + 1) - (f0 * g1 + g0 * f1));
        st(t, r0 + j + 2, ld(t, r0 + j + 2) - (f0 * g2 + g0 * f2));
        st(t, r0 + j + 3, ld(t, r0 + j + 3) - (f0 * g3 + g0 * f3));
        st(t, r1 + j + 1, ld(t, r1 + j + 1) - 2 * f1 * g1);
        st(t, r1 + j + 2, ld(t, r1 + j + 2) - (f1 * g2 + g1 * f2));
        st(t, r1 + j + 3, ld(t, r1 + j + 3) - (f1 * g3 + g1 * f3));
        st(t, r2 + j + 2, ld(t, r2 + j + 2) - 2 * f2 * g2);
        st(t, r2 + j + 3, ld(t, r2 + j + 3) - (f2 * g3 + g2 * f3));
        st(t, r3 + j + 3, ld(t, r3 + j + 3) - 2 * f3 * g3);
        const F0 = f64x2.splat(f0);
        const F1 = f64x2.splat(f1);
        const F2 = f64x2.splat(f2);
        const F3 = f64x2.splat(f3);
        const G0 = f64x2.splat(g0);
        const G1 = f64x2.splat(g1);
        const G2 = f64x2.splat(g2);
        const G3 = f64x2.splat(g3);
        let k = j + 4;
        for (; k + 1 < i; k += 2) {
          const ek = vld(e, k);
          const dk = vld(d, k);
          vst(t, r0 + k, vsub(vld(t, r0 + k), vadd(vmul(F0, ek), vmul(G0, dk))));
          vst(t, r1 + k, vsub(vld(t, r1 + k), vadd(vmul(F1, ek), vmul(G1, dk))));
          vst(t, r2 + k, vsub(vld(t, r2 + k), vadd(vmul(F2, ek), vmul(G2, dk))));
          vst(t, r3 + k, vsub(vld(t, r3 + k), vadd(vmul(F3, ek), vmul(G3, dk))));
        }
        if (k < i) {
          const ek = ld(e, k);
          const dk = ld(d, k);
          st(t, r0 + k, ld(t, r0 + k) - (f0 * ek + g0 * dk));
          st(t, r1 + k, ld(t, r1 + k) - (f1 * ek + g1 * dk));
          st(t, r2 + k, ld(t, r2 + k) - (f2 * ek + g2 * dk));
          st(t, r3 + k, ld(t, r3 + k) - (f3 * ek + g3 * dk));
        }
        st(d, j, ld(t, r0 + i - 1));
        st(t, r0 + i, 0);
        st(d, j + 1, ld(t, r1 + i - 1));
        st(t, r1 + i, 0);
        st(d, j + 2, ld(t, r2 + i - 1));
        st(t, r2 + i, 0);
        st(d, j + 3, ld(t, r3 + i - 1));
        st(t, r3 + i, 0);
      }
      for (; j < i; j++) {
        const row = j * n;
        f = ld(d, j);
        g = ld(e, j);
        for (let k = j; k < i; k++) st(t, row + k, ld(t, row + k) - (f * ld(e, k) + g * ld(d, k)));
        st(d, j, ld(t, row + i - 1));
        st(t, row + i, 0);
      }
    }
    st(d, i, h);
  }
}

/**
 * See applyReflectors in symmetric-eigen.ts: x ← Q·x for each of the `rows` rows x of zt (row stride n),
 * Q = H_{n−1}·…·H_1 with reflector i's vector t[i*n .. i*n+i) and divisor h[i] (0: none). tau: n scratch doubles.
 */
export function applyReflectors(t: usize, h: usize, n: i32, zt: usize, rows: i32, tau: usize): void {
  st(tau, 0, 0);
  for (let i = 1; i < n; i++) {
    const hi = ld(h, i);
    st(tau, i, hi == 0 ? 0 : 1 / hi);
  }
  const last = n - 1;
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const x0 = r * n;
    const x1 = x0 + n;
    const x2 = x1 + n;
    const x3 = x2 + n;
    let i = 1;
    for (; i + 1 <= last; i += 2) {
      const w = i * n;
      const v = w + n;
      const ti = ld(tau, i);
      const tj = ld(tau, i + 1);
      if (ti == 0 && tj == 0) continue;
      let VW = f64x2.splat(0);
      let A0 = f64x2.splat(0);
      let A1 = f64x2.splat(0);
      let A2 = f64x2.splat(0);
      let A3 = f64x2.splat(0);
      let B0 = f64x2.splat(0);
      let B1 = f64x2.splat(0);
      let B2 = f64x2.splat(0);
      let B3 = f64x2.splat(0);
      let k = 0;
      for (; k + 1 < i; k += 2) {
        const wk = vld(t, w + k);
        const vk = vld(t, v + k);
        const y0 = vld(zt, x0 + k);
        const y1 = vld(zt, x1 + k);
        const y2 = vld(zt, x2 + k);
        const y3 = vld(zt, x3 + k);
        VW = vadd(VW, vmul(vk, wk));
        A0 = vadd(A0, vmul(wk, y0));
        A1 = vadd(A1, vmul(wk, y1));
        A2 = vadd(A2, vmul(wk, y2));
        A3 = vadd(A3, vmul(wk, y3));
        B0 = vadd(B0, vmul(vk, y0));
        B1 = vadd(B1, vmul(vk, y1));
        B2 = vadd(B2, vmul(vk, y2));
        B3 = vadd(B3, vmul(vk, y3));
      }
      let vw = hsum(VW);
      let a0 = hsum(A0);
      let a1 = hsum(A1);
      let a2 = hsum(A2);
      let a3 = hsum(A3);
      let b0 = hsum(B0);
      let b1 = hsum(B1);
      let b2 = hsum(B2);
      let b3 = hsum(B3);
      if (k < i) {
        const wk = ld(t, w + k);
        const vk = ld(t, v + k);
        const y0 = ld(zt, x0 + k);
        const y1 = ld(zt, x1 + k);
        const y2 = ld(zt, x2 + k);
        const y3 = ld(zt, x3 + k);
        vw += vk * wk;
        a0 += wk * y0;
        a1 += wk * y1;
        a2 += wk * y2;
        a3 += wk * y3;
        b0 += vk * y0;
        b1 += vk * y1;
        b2 += vk * y2;
        b3 += vk * y3;
      }
      const vi = ld(t, v + i);
      b0 += vi * ld(zt, x0 + i);
      b1 += vi * ld(zt, x1 + i);
      b2 += vi * ld(zt, x2 + i);
      b3 += vi * ld(zt, x3 + i);
      const g0 = a0 * ti;
      const g1 = a1 * ti;
      const g2 = a2 * ti;
      const g3 = a3 * ti;
      const f0 = (b0 - g0 * vw) * tj;
      const f1 = (b1 - g1 * vw) * tj;
      const f2 = (b2 - g2 * vw) * tj;
      const f3 = (b3 - g3 * vw) * tj;
      const G0 = f64x2.splat(g0);
      const G1 = f64x2.splat(g1);
      const G2 = f64x2.splat(g2);
      const G3 = f64x2.splat(g3);
      const F0 = f64x2.splat(f0);
      const F1 = f64x2.splat(f1);
      const F2 = f64x2.splat(f2);
      const F3 = f64x2.splat(f3);
      k = 0;
      for (; k + 1 < i; k += 2) {
        const wk = vld(t, w + k);
        const vk = vld(t, v + k);
        vst(zt, x0 + k, vsub(vld(zt, x0 + k), vadd(vmul(G0, wk), vmul(F0, vk))));
        vst(zt, x1 + k, vsub(vld(zt, x1 + k), vadd(vmul(G1, wk), vmul(F1, vk))));
        vst(zt, x2 + k, vsub(vld(zt, x2 + k), vadd(vmul(G2, wk), vmul(F2, vk))));
        vst(zt, x3 + k, vsub(vld(zt, x3 + k), vadd(vmul(G3, wk), vmul(F3, vk))));
      }
      if (k < i) {
        const wk = ld(t, w + k);
        const vk = ld(t, v + k);
        st(zt, x0 + k, ld(zt, x0 + k) - (g0 * wk + f0 * vk));
        st(zt, x1 + k, ld(zt, x1 + k) - (g1 * wk + f1 * vk));
        st(zt, x2 + k, ld(zt, x2 + k) - (g2 * wk + f2 * vk));
        st(zt, x3 + k, ld(zt, x3 + k) - (g3 * wk + f3 * vk));
      }
      st(zt, x0 + i, ld(zt, x0 + i) - f0 * vi);
      st(zt, x1 + i, ld(zt, x1 + i) - f1 * vi);
      st(zt, x2 + i, ld(zt, x2 + i) - f2 * vi);
      st(zt, x3 + i, ld(zt, x3 + i) - f3 * vi);
    }
    for (; i <= last; i++) {
      const ti = ld(tau, i);
      if (ti == 0) continue;
      const w = i * n;
      let A0 = f64x2.splat(0);
      let A1 = f64x2.splat(0);
      let A2 = f64x2.splat(0);
      let A3 = f64x2.splat(0);
      let k = 0;
      for (; k + 1 < i; k += 2) {
        const wk = vld(t, w + k);
        A0 = vadd(A0, vmul(wk, vld(zt, x0 + k)));
        A1 = vadd(A1, vmul(wk, vld(zt, x1 + k)));
        A2 = vadd(A2, vmul(wk, vld(zt, x2 + k)));
        A3 = vadd(A3, vmul(wk, vld(zt, x3 + k)));
      }
      let g0 = hsum(A0);
      let g1 = hsum(A1);
      let g2 = hsum(A2);
      let g3 = hsum(A3);
      if (k < i) {
        const wk = ld(t, w + k);
        g0 += wk * ld(zt, x0 + k);
        g1 += wk * ld(zt, x1 + k);
        g2 += wk * ld(zt, x2 + k);
        g3 += wk * ld(zt, x3 + k);
      }
      g0 *= ti;
      g1 *= ti;
      g2 *= ti;
      g3 *= ti;
      const G0 = f64x2.splat(g0);
      const G1 = f64x2.splat(g1);
      const G2 = f64x2.splat(g2);
      const G3 = f64x2.splat(g3);
      k = 0;
      for (; k + 1 < i; k += 2) {
        const wk = vld(t, w + k);
        vst(zt, x0 + k, vsub(vld(zt, x0 + k), vmul(G0, wk)));
        vst(zt, x1 + k, vsub(vld(zt, x1 + k), vmul(G1, wk)));
        vst(zt, x2 + k, vsub(vld(zt, x2 + k), vmul(G2, wk)));
        vst(zt, x3 + k, vsub(vld(zt, x3 + k), vmul(G3, wk)));
      }
      if (k < i) {
        const wk = ld(t, w + k);
        st(zt, x0 + k, ld(zt, x0 + k) - g0 * wk);
        st(zt, x1 + k, ld(zt, x1 + k) - g1 * wk);
        st(zt, x2 + k, ld(zt, x2 + k) - g2 * wk);
        st(zt, x3 + k, ld(zt, x3 + k) - g3 * wk);
      }
    }
  }
  for (; r < rows; r++) {
    const x = r * n;
    for (let i = 1; i <= last; i++) {
      const ti = ld(tau, i);
      if (ti == 0) continue;
      const w = i * n;
      let A = f64x2.splat(0);
      let k = 0;
      for (; k + 1 < i; k += 2) A = vadd(A, vmul(vld(t, w + k), vld(zt, x + k)));
      let g = hsum(A);
      if (k < i) g += ld(t, w + k) * ld(zt, x + k);
      g *= ti;
      const G = f64x2.splat(g);
      k = 0;
      for (; k + 1 < i; k += 2) vst(zt, x + k, vsub(vld(zt, x + k), vmul(G, vld(t, w + k))));
      if (k < i) st(zt, x + k, ld(zt, x + k) - g * ld(t, w + k));
    }
  }
}

/**
 * See reorthogonalise in symmetric-eigen.ts: y ← y − Σ_q (z_q·y)·z_q over the `count` rows z_q of length `size`
 * starting at z (row stride `stride` doubles), blocks of four rows classical (four dot products in one pass, then
 * one update pass), the blocks and the remaining rows one after another (modified Gram–Schmidt).
 */
export function reorthogonalise(z: usize, count: i32, stride: i32, y: usize, size: i32): void {
  const rowBytes = <usize>stride << 3;
  let q = 0;
  for (; q + 3 < count; q += 4) {
    const z0 = z + <usize>q * rowBytes;
    const z1 = z0 + rowBytes;
    const z2 = z1 + rowBytes;
    const z3 = z2 + rowBytes;
    let D0 = f64x2.splat(0);
    let D1 = f64x2.splat(0);
    let D2 = f64x2.splat(0);
    let D3 = f64x2.splat(0);
    let k = 0;
    for (; k + 1 < size; k += 2) {
      const yk = vld(y, k);
      D0 = vadd(D0, vmul(vld(z0, k), yk));
      D1 = vadd(D1, vmul(vld(z1, k), yk));
      D2 = vadd(D2, vmul(vld(z2, k), yk));
      D3 = vadd(D3, vmul(vld(z3, k), yk));
    }
    let d0 = hsum(D0);
    let d1 = hsum(D1);
    let d2 = hsum(D2);
    let d3 = hsum(D3);
    if (k < size) {
      const yk = ld(y, k);
      d0 += ld(z0, k) * yk;
      d1 += ld(z1, k) * yk;
      d2 += ld(z2, k) * yk;
      d3 += ld(z3, k) * yk;
    }
    const E0 = f64x2.splat(d0);
    const E1 = f64x2.splat(d1);
    const E2 = f64x2.splat(d2);
    const E3 = f64x2.splat(d3);
    k = 0;
    for (; k + 1 < size; k += 2) {
      const u = vadd(vmul(E0, vld(z0, k)), vmul(E1, vld(z1, k)));
      const w = vadd(vmul(E2, vld(z2, k)), vmul(E3, vld(z3, k)));
      vst(y, k, vsub(vld(y, k), vadd(u, w)));
    }
    if (k < size) {
      st(y, k, ld(y, k) - (d0 * ld(z0, k) + d1 * ld(z1, k) + (d2 * ld(z2, k) + d3 * ld(z3, k))));
    }
  }
  for (; q < count; q++) {
    const zq = z + <usize>q * rowBytes;
    let D = f64x2.splat(0);
    let k = 0;
    for (; k + 1 < size; k += 2) D = vadd(D, vmul(vld(zq, k), vld(y, k)));
    let dot = hsum(D);
    if (k < size) dot += ld(zq, k) * ld(y, k);
    const E = f64x2.splat(dot);
    k = 0;
    for (; k + 1 < size; k += 2) vst(y, k, vsub(vld(y, k), vmul(E, vld(zq, k))));
    if (k < size) st(y, k, ld(y, k) - dot * ld(zq, k));
  }
}
