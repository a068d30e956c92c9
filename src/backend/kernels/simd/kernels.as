// AssemblyScript source (compiled by scripts/build-wasm.mjs into kernels-bytes.ts; the `.as` extension keeps tsc,
// biome and the bundler off it). f32x4 SIMD kernels that run inside the wasm backend's own memory: the module
// imports tfjs-backend-wasm's WebAssembly.Memory and every pointer argument is the byte address of a tensor's data
// there, so nothing is copied. The module owns no memory: no static data, no allocation (the build refuses a
// binary with a data segment or a start function), and it writes only to the output addresses it is given.
// The last n % 4 elements are computed as lane 0 of a splatted vector, so every element gets the same
// operations wherever it sits in the array.

@inline function splat(v: f32): v128 {
  return f32x4.splat(v);
}

// ---- tanh ----------------------------------------------------------------------------------------------------
// tanh x ≈ x·P(x²)/Q(x²), P of degree 6 and Q of degree 3 in x² (the rational minimax fit that Eigen uses for
// float), with x clamped to ±7.9053111 where tanh rounds to ±1 in float32, and tanh x = x for |x| < 4e-4.
// Maximum relative error 4.1e-7 (≈ 3–4 ulp; every float32 in [0, 8] scanned against Math.tanh; not monotonic in
// the last bit); NaN stays NaN. One division per 4 elements.

const CLAMP: f32 = 7.90531110763549805;
const TINY: f32 = 0.0004;

@inline function tanhVector(a: v128): v128 {
  const x = f32x4.max(f32x4.min(a, splat(CLAMP)), splat(-CLAMP));
  const x2 = f32x4.mul(x, x);
  let p = splat(-2.76076847742355e-16);
  p = f32x4.add(f32x4.mul(p, x2), splat(2.00018790482477e-13));
  p = f32x4.add(f32x4.mul(p, x2), splat(-8.60467152213735e-11));
  p = f32x4.add(f32x4.mul(p, x2), splat(5.12229709037114e-8));
  p = f32x4.add(f32x4.mul(p, x2), splat(1.48572235717979e-5));
  p = f32x4.add(f32x4.mul(p, x2), splat(6.37261928875436e-4));
  p = f32x4.add(f32x4.mul(p, x2), splat(4.89352455891786e-3));
  p = f32x4.mul(x, p);
  let q = splat(1.19825839466702e-6);
  q = f32x4.add(f32x4.mul(q, x2), splat(1.18534705686654e-4));
  q = f32x4.add(f32x4.mul(q, x2), splat(2.268434632439e-3));
  q = f32x4.add(f32x4.mul(q, x2), splat(4.89352518554385e-3));
  return v128.bitselect(a, f32x4.div(p, q), f32x4.lt(f32x4.abs(a), splat(TINY)));
}

/** y[i] = tanh(x[i]) for n float32 elements (x and y may be the same address). */
export function tanh(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = <usize>i << 2;
    v128.store(y + offset, tanhVector(v128.load(x + offset)));
  }
  for (; i < n; i++) {
    const offset = <usize>i << 2;
    store<f32>(y + offset, f32x4.extract_lane(tanhVector(splat(load<f32>(x + offset))), 0));
  }
}

// ---- Adam ------------------------------------------------------------------------------------------------------
// One Adam step for n parameters, with the float32 operations of tf.train.adam in the same order (so the result is
// bit for bit the same): m' = m·β1 + g·(1−β1); v' = v·β2 + g²·(1−β2); w' = (m'/c1) / (√(v'/c2) + ε) · (−lr) + w,
// with c1 = 1 − β1ᵗ and c2 = 1 − β2ᵗ. Outputs go to fresh arrays (tfjs tensors are immutable).

/** w', m', v' for n float32 parameters (see above); scalars are float32 values as tf.train.adam rounds them. */
export function adam(
  w: usize, g: usize, m: usize, v: usize, wOut: usize, mOut: usize, vOut: usize, n: i32,
  beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, c1: f32, c2: f32, epsilon: f32, negLr: f32,
): void {
  const b1 = splat(beta1);
  const omb1 = splat(oneMinusBeta1);
  const b2 = splat(beta2);
  const omb2 = splat(oneMinusBeta2);
  const vc1 = splat(c1);
  const vc2 = splat(c2);
  const veps = splat(epsilon);
  const vlr = splat(negLr);
  for (let i = 0; i < n; ) {
    const o = <usize>i << 2;
    const whole = i + 4 <= n;
    const gi = whole ? v128.load(g + o) : splat(load<f32>(g + o));
    const m0 = whole ? v128.load(m + o) : splat(load<f32>(m + o));
    const v0 = whole ? v128.load(v + o) : splat(load<f32>(v + o));
    const w0 = whole ? v128.load(w + o) : splat(load<f32>(w + o));
    const mi = f32x4.add(f32x4.mul(m0, b1), f32x4.mul(gi, omb1));
    const vi = f32x4.add(f32x4.mul(v0, b2), f32x4.mul(f32x4.mul(gi, gi), omb2));
    const step = f32x4.div(f32x4.div(mi, vc1), f32x4.add(f32x4.sqrt(f32x4.div(vi, vc2)), veps));
    const wi = f32x4.add(f32x4.mul(step, vlr), w0);
    if (whole) {
      v128.store(mOut + o, mi);
      v128.store(vOut + o, vi);
      v128.store(wOut + o, wi);
    } else {
      store<f32>(mOut + o, f32x4.extract_lane(mi, 0));
      store<f32>(vOut + o, f32x4.extract_lane(vi, 0));
      store<f32>(wOut + o, f32x4.extract_lane(wi, 0));
    }
    i += whole ? 4 : 1;
  }
}

// ---- finiteness ------------------------------------------------------------------------------------------------
// A float32 is NaN or ±∞ exactly when its 8 exponent bits are all ones.

/** 1 when all n float32 values at x are finite, else 0. */
export function allFinite(x: usize, n: i32): i32 {
  const exponent = i32x4.splat(0x7f800000);
  let bad = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    bad = v128.or(bad, i32x4.eq(v128.and(v, exponent), exponent));
  }
  for (; i < n; i++) {
    if ((load<i32>(x + (<usize>i << 2)) & 0x7f800000) == 0x7f800000) return 0;
  }
  return v128.any_true(bad) ? 0 : 1;
}

// ---- transpose -------------------------------------------------------------------------------------------------
// y[b][j][i] = x[b][i][j] for `batch` row-major rows×cols matrices: 4×4 blocks through registers (two rounds of
// lane shuffles), the ragged right and bottom edges one element at a time. A pure copy: bit for bit.

/** Batched matrix transpose of float32 data (x and y must not overlap). */
export function transpose(x: usize, y: usize, rows: i32, cols: i32, batch: i32): void {
  const size = <usize>rows * <usize>cols;
  for (let b = 0; b < batch; b++) {
    const xb = x + ((<usize>b * size) << 2);
    const yb = y + ((<usize>b * size) << 2);
    let i = 0;
    for (; i + 4 <= rows; i += 4) {
      let j = 0;
      for (; j + 4 <= cols; j += 4) {
        const at = xb + ((<usize>i * <usize>cols + <usize>j) << 2);
        const stride = <usize>cols << 2;
        const r0 = v128.load(at);
        const r1 = v128.load(at + stride);
        const r2 = v128.load(at + 2 * stride);
        const r3 = v128.load(at + 3 * stride);
        const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
        const t1 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
        const t2 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
        const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
        const to = yb + ((<usize>j * <usize>rows + <usize>i) << 2);
        const outStride = <usize>rows << 2;
        v128.store(to, v128.shuffle<i64>(t0, t2, 0, 2));
        v128.store(to + outStride, v128.shuffle<i64>(t0, t2, 1, 3));
        v128.store(to + 2 * outStride, v128.shuffle<i64>(t1, t3, 0, 2));
        v128.store(to + 3 * outStride, v128.shuffle<i64>(t1, t3, 1, 3));
      }
      for (; j < cols; j++) {
        for (let k = i; k < i + 4; k++) {
          store<f32>(yb + ((<usize>j * <usize>rows + <usize>k) << 2), load<f32>(xb + ((<usize>k * <usize>cols + <usize>j) << 2)));
        }
      }
    }
    for (; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        store<f32>(yb + ((<usize>j * <usize>rows + <usize>i) << 2), load<f32>(xb + ((<usize>i * <usize>cols + <usize>j) << 2)));
      }
    }
  }
}
