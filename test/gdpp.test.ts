import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { eigh } from '../src/linalg/index.js';
import { type GdppOptions, gdppLoss, gdppLoss64, gdppLoss64Reusing } from '../src/losses/gdpp.js';
import { relativeError, seededSignedUniform } from './helpers/numeric.js';

/** tanh features like the synthetic discriminator's, float32-representable. */
function features(b: number, d: number, seed: number): Float64Array {
  const r = seededSignedUniform(seed);
  return Float64Array.from({ length: b * d }, () => Math.fround(Math.tanh(2 * r())));
}

function allFinite(x: ArrayLike<number>): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

/**
 * Central finite differences of the Float64 loss at `count` entries (all when count ≥ B·d) vs the analytic
 * gradient; returns max |g − fd| / max |fd|. FD runs on the Float64 implementation: the tfjs op carries float32,
 * whose round-off (~1e-7 relative) would swamp an FD step small enough to be accurate.
 */
function gradientError(b: number, d: number, opts: GdppOptions, count: number, seed: number): number {
  const fake = features(b, d, seed);
  const real = features(b, d, seed + 1);
  const g = gdppLoss64(fake, real, b, d, opts).gradient();
  const r = seededSignedUniform(seed + 2);
  // `count` distinct entries (a partial Fisher–Yates shuffle), or all of them
  const indices = Array.from({ length: b * d }, (_, i) => i);
  for (let i = 0; i < Math.min(count, b * d); i++) {
    const j = i + Math.min(b * d - i - 1, Math.floor(((r() + 1) / 2) * (b * d - i)));
    [indices[i], indices[j]] = [indices[j], indices[i]];
  }
  indices.length = Math.min(count, b * d);
  const h = 1e-6;
  let maxErr = 0;
  let maxFd = 0;
  for (const i of indices) {
    const plus = Float64Array.from(fake);
    const minus = Float64Array.from(fake);
    plus[i] += h;
    minus[i] -= h;
    const fd = (gdppLoss64(plus, real, b, d, opts).loss - gdppLoss64(minus, real, b, d, opts).loss) / (2 * h);
    maxErr = Math.max(maxErr, Math.abs(fd - g[i]));
    maxFd = Math.max(maxFd, Math.abs(fd));
  }
  expect(maxFd).toBeGreaterThan(1e-4);
  return maxErr / maxFd;
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('gdppLoss gradient vs central finite differences (Float64)', () => {
  const cases: [number, number, number][] = [
    [8, 32, 10_000],
    [16, 16, 10_000],
    [64, 4096, 24],
    [32, 8, 10_000], // d < B: the Gram path
    // odd sizes, every entry: the Gram path (d < B) twice, the kernel path once
    [7, 5, 10_000],
    [9, 13, 10_000],
    [5, 3, 10_000],
  ];
  for (const [b, d, count] of cases) {
    it(`(B, d) = (${b}, ${d}): official options, signInvariant, and a heavy magnitude weight`, () => {
      expect(gradientError(b, d, {}, count, b + d)).toBeLessThan(1e-3);
      expect(gradientError(b, d, { signInvariant: true }, Math.min(count, 64), b + d + 7)).toBeLessThan(1e-3);
      expect(gradientError(b, d, { magnitudeWeight: 1 }, Math.min(count, 64), b + d + 13)).toBeLessThan(1e-3);
    });
  }
});

describe('gdppLoss gradient at (B, d) = (64, 4096): one full row', () => {
  // Row i of hFake enters the loss only through L = φφᵀ, i.e. through φ_i·φ_j (j = 1..B) and ‖h_i‖: a step
  // δ ⟂ span{h_1..h_B} changes none of them to first order, so the exact gradient row lies in that B-dimensional
  // span. B directional finite differences along an orthonormal basis q_1..q_B of the span therefore give the
  // whole finite-difference row, Σ_j fd_j·q_j, which is compared with all d entries of the analytic row (also
  // catching any analytic component outside the span); one step out of the span checks the premise (fd ≈ 0).
  it('all 4096 entries of a row match B directional central finite differences (Float64)', () => {
    const b = 64;
    const d = 4096;
    const row = 37;
    const fake = features(b, d, 71);
    const real = features(b, d, 72);
    const g = gdppLoss64(fake, real, b, d)
      .gradient()
      .slice(row * d, row * d + d);
    // with the Lorentzian off (gapTolerance 0) the analytic row is exact, not exact to (ε/Δ)²: a tighter check
    const exact = gdppLoss64(fake, real, b, d, { gapTolerance: 0 })
      .gradient()
      .slice(row * d, row * d + d);
    // orthonormal basis of span{h_j}: modified Gram–Schmidt, applied twice
    const basis: Float64Array[] = [];
    const orthogonalise = (x: Float64Array): Float64Array => {
      for (let pass = 0; pass < 2; pass++) {
        for (const q of basis) {
          let dot = 0;
          for (let k = 0; k < d; k++) dot += q[k] * x[k];
          for (let k = 0; k < d; k++) x[k] -= dot * q[k];
        }
      }
      let norm = 0;
      for (let k = 0; k < d; k++) norm += x[k] * x[k];
      norm = Math.sqrt(norm);
      for (let k = 0; k < d; k++) x[k] /= norm;
      return x;
    };
    for (let j = 0; j < b; j++) basis.push(orthogonalise(fake.slice(j * d, j * d + d)));
    const step = 1e-5;
    const directional = (q: Float64Array): number => {
      const plus = Float64Array.from(fake);
      const minus = Float64Array.from(fake);
      for (let k = 0; k < d; k++) {
        plus[row * d + k] += step * q[k];
        minus[row * d + k] -= step * q[k];
      }
      return (gdppLoss64(plus, real, b, d).loss - gdppLoss64(minus, real, b, d).loss) / (2 * step);
    };
    const fdRow = new Float64Array(d);
    for (const q of basis) {
      const fd = directional(q);
      for (let k = 0; k < d; k++) fdRow[k] += fd * q[k];
    }
    let maxErr = 0;
    let maxErrExact = 0;
    let maxFd = 0;
    for (let k = 0; k < d; k++) {
      maxErr = Math.max(maxErr, Math.abs(g[k] - fdRow[k]));
      maxErrExact = Math.max(maxErrExact, Math.abs(exact[k] - fdRow[k]));
      maxFd = Math.max(maxFd, Math.abs(fdRow[k]));
    }
    expect(maxFd).toBeGreaterThan(1e-4);
    // measured: ~6e-6 with the default gapTolerance 1e-6 (its (ε/Δ)² for this batch's closest pairs), ~2e-8 without
    expect(maxErr / maxFd).toBeLessThan(1e-4);
    expect(maxErrExact / maxFd).toBeLessThan(1e-6);
    // the premise: a random direction orthogonal to the span changes the loss only to second order
    const r = seededSignedUniform(73);
    const outside = orthogonalise(Float64Array.from({ length: d }, () => r()));
    let gNorm = 0;
    for (let k = 0; k < d; k++) gNorm += g[k] * g[k];
    expect(Math.abs(directional(outside))).toBeLessThan(1e-6 * Math.sqrt(gNorm));
  });
});

describe('d < B: the d×d Gram path equals the B×B kernel path', () => {
  it('(B, d) = (512, 128): loss to 1e-6 (in fact ~1e-14) and gradient to 1e-6 relative', () => {
    const b = 512;
    const d = 128;
    const fake = features(b, d, 1);
    const real = features(b, d, 2);
    const gram = gdppLoss64(fake, real, b, d, { path: 'gram' });
    const kernel = gdppLoss64(fake, real, b, d, { path: 'kernel' });
    expect(gram.path).toBe('gram');
    expect(kernel.path).toBe('kernel');
    expect(gdppLoss64(fake, real, b, d).path).toBe('gram'); // auto
    expect(Math.abs(gram.loss - kernel.loss)).toBeLessThan(1e-6);
    expect(Math.abs(gram.magnitude - kernel.magnitude)).toBeLessThan(1e-12);
    expect(Math.abs(gram.structure)).toBeGreaterThan(1e-3); // a real comparison, not 0 = 0
    const gg = gram.gradient();
    const gk = kernel.gradient();
    expect(relativeError(gg, gk)).toBeLessThan(1e-6);
  });

  it('small cases agree too, with and without signInvariant', () => {
    for (const [b, d] of [
      [12, 3],
      [40, 39],
      [9, 1],
    ]) {
      for (const signInvariant of [false, true]) {
        const fake = features(b, d, b * d);
        const real = features(b, d, b * d + 1);
        const gram = gdppLoss64(fake, real, b, d, { path: 'gram', signInvariant });
        const kernel = gdppLoss64(fake, real, b, d, { path: 'kernel', signInvariant });
        expect(Math.abs(gram.loss - kernel.loss)).toBeLessThan(1e-10);
      }
    }
  });
});

/**
 * Rows spanning only `rank` dimensions of R^d, as a 2-D mixture's discriminator features nearly do: at most `rank`
 * eigenvalues per branch are above the null limit, so with 4·rank ≤ d the Gram path takes its low-rank route
 * (φU formed for those columns only, the gradient through d×d products).
 */
function lowRankFeatures(b: number, d: number, rank: number, seed: number): Float64Array {
  const r = seededSignedUniform(seed);
  const coefficients = Float64Array.from({ length: b * rank }, () => r());
  const basis = Float64Array.from({ length: rank * d }, () => r());
  const h = new Float64Array(b * d);
  for (let i = 0; i < b; i++)
    for (let q = 0; q < rank; q++)
      for (let c = 0; c < d; c++) h[i * d + c] += coefficients[i * rank + q] * basis[q * d + c];
  return h;
}

describe("low-rank features: the Gram path's low-rank route", () => {
  const [b, d, rank] = [96, 40, 6];
  const fake = lowRankFeatures(b, d, rank, 5);
  const real = lowRankFeatures(b, d, rank, 6);

  it('equals the B×B kernel path, loss and gradient, with and without signInvariant', () => {
    // Equal ranks, and a fake batch of higher rank than the real one (then the fake eigenpairs outside the
    // structure block are not null, and the route must still use every fake eigenvector).
    const pairs = [
      [fake, real],
      [lowRankFeatures(b, d, 12, 5), lowRankFeatures(b, d, 4, 6)],
    ];
    for (const [f, r] of pairs)
      for (const opts of [{}, { signInvariant: true }, { magnitudeWeight: 1 }] as GdppOptions[]) {
        const gram = gdppLoss64(f, r, b, d, { ...opts, path: 'gram' });
        const kernel = gdppLoss64(f, r, b, d, { ...opts, path: 'kernel' });
        expect(Math.abs(gram.structure)).toBeGreaterThan(1e-3); // a real comparison, not 0 = 0
        expect(Math.abs(gram.loss - kernel.loss)).toBeLessThan(1e-10);
        const gg = gram.gradient();
        const gk = kernel.gradient();
        expect(relativeError(gg, gk)).toBeLessThan(1e-6);
      }
  });

  it('matches central finite differences along random directions (Float64), and float32 products', () => {
    for (const opts of [{}, { signInvariant: true }, { magnitudeWeight: 1 }] as GdppOptions[]) {
      const g = gdppLoss64(fake, real, b, d, opts).gradient();
      const r = seededSignedUniform(17);
      const step = 1e-6;
      for (let trial = 0; trial < 6; trial++) {
        const direction = Float64Array.from({ length: b * d }, () => r());
        const plus = fake.map((x, i) => x + step * direction[i]);
        const minus = fake.map((x, i) => x - step * direction[i]);
        const fd =
          (gdppLoss64(plus, real, b, d, opts).loss - gdppLoss64(minus, real, b, d, opts).loss) / (2 * step);
        let analytic = 0;
        for (let i = 0; i < g.length; i++) analytic += g[i] * direction[i];
        expect(Math.abs(fd)).toBeGreaterThan(1e-6);
        expect(Math.abs(fd - analytic)).toBeLessThan(1e-4 * Math.abs(fd));
      }
      const mixed = gdppLoss64(fake, real, b, d, { ...opts, precision: 'float32' });
      const gm = mixed.gradient();
      expect(relativeError(gm, g)).toBeLessThan(1e-3);
    }
  });
});

describe('float32 products (the op default on wasm)', () => {
  it('agree with float64 to ~1e-5 relative, loss and gradient, on both paths', () => {
    for (const [b, d] of [
      [512, 128],
      [48, 300],
    ]) {
      const fake = features(b, d, 31);
      const real = features(b, d, 32);
      const exact = gdppLoss64(fake, real, b, d);
      const mixed = gdppLoss64(fake, real, b, d, { precision: 'float32' });
      expect(Math.abs(mixed.loss - exact.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(exact.loss)));
      const ge = exact.gradient();
      const gm = mixed.gradient();
      expect(relativeError(gm, ge)).toBeLessThan(1e-3);
    }
  });
});

describe('gdppLoss64Reusing (per-step callers: buffers reused across calls)', () => {
  it("gives gdppLoss64's loss and gradient bit for bit, also for a result whose buffers a later call reused", () => {
    for (const [b, d] of [
      [64, 300],
      [96, 40],
    ]) {
      for (const precision of ['float64', 'float32'] as const) {
        const fake = features(b, d, 41);
        const real = features(b, d, 42);
        const other = features(b, d, 43);
        const fresh = gdppLoss64(fake, real, b, d, { precision });
        const first = gdppLoss64Reusing(fake, real, b, d, { precision });
        expect(first.loss).toBe(fresh.loss);
        const expected = Array.from(fresh.gradient());
        expect(Array.from(first.gradient())).toEqual(expected);
        // a second call reuses the buffers: its numbers are its own, and the first result recomputes its own
        const second = gdppLoss64Reusing(other, real, b, d, { precision });
        expect(second.loss).toBe(gdppLoss64(other, real, b, d, { precision }).loss);
        expect(second.loss).not.toBe(first.loss);
        expect(Array.from(first.gradient())).toEqual(expected);
      }
    }
  });
});

describe('gdppLoss op', () => {
  it('equals the official formula computed with eigh and tf ops (d ≥ B)', () => {
    const b = 10;
    const d = 24;
    const fake = tf.tensor2d(Float32Array.from(features(b, d, 5)), [b, d]);
    const real = tf.tensor2d(Float32Array.from(features(b, d, 6)), [b, d]);
    const reference = tf.tidy(() => {
      const decompose = (h: tf.Tensor2D) => {
        const phi = tf.div(h, tf.norm(h, 'euclidean', 1, true)) as tf.Tensor2D;
        return eigh(tf.matMul(phi, phi, false, true) as tf.Tensor2D);
      };
      const f = decompose(fake);
      const r = decompose(real);
      const magnitude = tf.mul(1e-4, tf.mean(tf.square(tf.sub(f.values, r.values))));
      const lambdaHat = tf.div(
        tf.sub(r.values, tf.min(r.values)),
        tf.sub(tf.max(r.values), tf.min(r.values)),
      );
      const cosines = tf.sum(tf.mul(f.vectors, r.vectors), 0);
      return tf.add(magnitude, tf.neg(tf.sum(tf.mul(lambdaHat, cosines)))).dataSync()[0];
    });
    const ours = gdppLoss(fake, real).dataSync()[0];
    expect(Math.abs(ours - reference)).toBeLessThan(1e-4);
  });

  it('gradient flows into phiFake only and matches the Float64 gradient', () => {
    const b = 20;
    const d = 6;
    const fakeData = features(b, d, 9);
    const realData = features(b, d, 10);
    const fake = tf.tensor2d(Float32Array.from(fakeData), [b, d]);
    const real = tf.tensor2d(Float32Array.from(realData), [b, d]);
    const gFake = tf.grad((f: tf.Tensor) => tf.mul(3, gdppLoss(f as tf.Tensor2D, real)))(fake);
    const expected = gdppLoss64(fakeData, realData, b, d).gradient();
    const got = gFake.dataSync();
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(3 * expected[i], 5);
    // the real branch is a constant: nothing connects phiReal to the loss on the tape
    expect(() => tf.grad((r: tf.Tensor) => gdppLoss(fake, r as tf.Tensor2D))(real)).toThrow(
      /Cannot compute gradient/,
    );
  });

  it("the op's gradient (wasm, float32 products) matches Float64 finite differences at odd (B, d)", () => {
    for (const [b, d] of [
      [7, 5],
      [9, 13],
      [5, 3],
    ]) {
      const fakeData = features(b, d, 50 + b);
      const realData = features(b, d, 60 + d);
      const real = tf.tensor2d(Float32Array.from(realData), [b, d]);
      const grad = tf.grad((f: tf.Tensor) => tf.mul(2.5, gdppLoss(f as tf.Tensor2D, real)));
      const fake = tf.tensor2d(Float32Array.from(fakeData), [b, d]);
      const gFake = grad(fake);
      const got = gFake.dataSync();
      tf.dispose([real, fake, gFake]);
      expect(got.length).toBe(b * d);
      const h = 1e-6;
      let maxErr = 0;
      let maxFd = 0;
      for (let i = 0; i < b * d; i++) {
        const plus = Float64Array.from(fakeData);
        const minus = Float64Array.from(fakeData);
        plus[i] += h;
        minus[i] -= h;
        const fd = (gdppLoss64(plus, realData, b, d).loss - gdppLoss64(minus, realData, b, d).loss) / (2 * h);
        maxErr = Math.max(maxErr, Math.abs(got[i] - 2.5 * fd));
        maxFd = Math.max(maxFd, Math.abs(2.5 * fd));
      }
      expect(maxFd, `(${b}, ${d})`).toBeGreaterThan(1e-3);
      // measured ≤ 9e-7 (float32 products and output)
      expect(maxErr / maxFd, `(${b}, ${d})`).toBeLessThan(1e-5);
    }
  });

  it('optimising a collapsed fake batch with Adam lowers the loss, finite at every step, no tensor growth', () => {
    const b = 64;
    const d = 16;
    const real = tf.tensor2d(Float32Array.from(features(b, d, 40)), [b, d]);
    const r = seededSignedUniform(41);
    const base = Array.from({ length: d }, () => r());
    const collapsed = Float32Array.from({ length: b * d }, (_, i) => base[i % d] + 0.01 * r());
    const fake = tf.variable(tf.tensor2d(collapsed, [b, d]));
    const optimizer = tf.train.adam(0.01);
    const losses: number[] = [];
    let tensors = 0;
    for (let step = 0; step < 150; step++) {
      const loss = optimizer.minimize(
        () => gdppLoss(fake as unknown as tf.Tensor2D, real, { magnitudeWeight: 1 }),
        true,
        [fake],
      ) as tf.Scalar;
      losses.push(loss.dataSync()[0]);
      loss.dispose();
      if (step === 10) tensors = tf.memory().numTensors;
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[149]).toBeLessThan(0.9 * losses[0]);
    expect(tf.memory().numTensors).toBe(tensors);
    optimizer.dispose();
    fake.dispose();
    real.dispose();
  });

  it('leaks no tensors', () => {
    const fake = tf.tensor2d(Float32Array.from(features(8, 4, 1)), [8, 4]);
    const real = tf.tensor2d(Float32Array.from(features(8, 4, 2)), [8, 4]);
    const before = tf.memory().numTensors;
    tf.tidy(() => tf.grad((f: tf.Tensor) => gdppLoss(f as tf.Tensor2D, real))(fake)).dispose();
    gdppLoss(fake, real).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('degenerate inputs never give NaN/Inf', () => {
  function check(fake: Float64Array, real: Float64Array, b: number, d: number): void {
    for (const path of ['auto', 'kernel', 'gram'] as const) {
      for (const [signInvariant, precision] of [
        [false, 'float64'],
        [true, 'float64'],
        [false, 'float32'],
      ] as const) {
        const result = gdppLoss64(fake, real, b, d, { path, signInvariant, precision });
        expect(Number.isFinite(result.loss)).toBe(true);
        expect(allFinite(result.gradient())).toBe(true);
      }
    }
    const f = tf.tensor2d(Float32Array.from(fake), [b, d]);
    const r = tf.tensor2d(Float32Array.from(real), [b, d]);
    const g = tf.grad((x: tf.Tensor) => gdppLoss(x as tf.Tensor2D, r))(f);
    expect(allFinite(g.dataSync())).toBe(true);
    expect(Number.isFinite(gdppLoss(f, r).dataSync()[0])).toBe(true);
  }

  it('duplicated rows in phiFake', () => {
    const b = 16;
    const d = 24;
    const fake = features(b, d, 1);
    for (let k = 0; k < d; k++) {
      fake[1 * d + k] = fake[k];
      fake[5 * d + k] = fake[k];
    }
    check(fake, features(b, d, 2), b, d);
  });

  it('all-identical rows (fake, real, both)', () => {
    const b = 12;
    const d = 8;
    const same = features(b, d, 3);
    for (let i = 1; i < b; i++) for (let k = 0; k < d; k++) same[i * d + k] = same[k];
    check(same, features(b, d, 4), b, d);
    check(features(b, d, 5), same, b, d);
    check(same, same, b, d);
  });

  it('B > d (rank-deficient kernels), and duplicated rows there', () => {
    const b = 48;
    const d = 5;
    check(features(b, d, 6), features(b, d, 7), b, d);
    const dup = features(b, d, 8);
    for (let k = 0; k < d; k++) dup[3 * d + k] = dup[k];
    check(dup, features(b, d, 9), b, d);
  });

  it('zero rows, and an all-zero batch', () => {
    const b = 10;
    const d = 6;
    const fake = features(b, d, 10);
    for (let k = 0; k < d; k++) fake[2 * d + k] = 0;
    check(fake, features(b, d, 11), b, d);
    check(new Float64Array(b * d), features(b, d, 12), b, d);
    check(features(b, d, 13), new Float64Array(b * d), b, d);
  });

  it('flat real spectrum (orthonormal real rows): λ̂ := 0, only the magnitude term remains', () => {
    const b = 4;
    const d = 4;
    const real = new Float64Array(16);
    for (let i = 0; i < 4; i++) real[i * 4 + i] = 2; // L_real = I: min = max
    const fake = features(b, d, 14);
    const result = gdppLoss64(fake, real, b, d);
    expect(result.structure).toBe(0);
    expect(result.loss).toBeCloseTo(result.magnitude, 15);
    expect(result.magnitude).toBeGreaterThan(0);
  });
});

describe('gdppLoss input validation', () => {
  it('names the argument that is wrong', () => {
    const a = tf.ones([4, 3]) as tf.Tensor2D;
    expect(() => gdppLoss(a, tf.ones([5, 3]) as tf.Tensor2D)).toThrow(
      /phiFake \[4, 3\] and phiReal \[5, 3\] must have the same shape/,
    );
    expect(() => gdppLoss(a, tf.ones([4, 2]) as tf.Tensor2D)).toThrow(/must have the same shape/);
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong input
    expect(() => gdppLoss(tf.ones([4]) as any, a)).toThrow(/phiFake must be a 2-D tensor.*rank 1/);
    const bad = tf.tensor2d([
      [1, 2],
      [Number.NaN, 1],
    ]);
    expect(() => gdppLoss(bad, tf.ones([2, 2]) as tf.Tensor2D)).toThrow(
      /phiFake has a non-finite feature \(NaN\) at row 1, column 0/,
    );
    expect(() => gdppLoss(tf.ones([2, 2]) as tf.Tensor2D, bad)).toThrow(/phiReal has a non-finite feature/);
    expect(() => gdppLoss(a, a, { magnitudeWeight: Number.NaN })).toThrow(/magnitudeWeight must be finite/);
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong input
    expect(() => gdppLoss(a, a, { precision: 'float16' as any })).toThrow(
      /precision must be 'float64' or 'float32'/,
    );
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong input
    expect(() => gdppLoss(a, a, { path: 'diagonal' as any })).toThrow(
      /path must be 'auto', 'kernel' or 'gram'/,
    );
  });
});
