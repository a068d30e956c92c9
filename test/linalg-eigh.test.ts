import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { eigh, eighBackward, float32Products, symmetricEigen } from '../src/linalg/index.js';
import { randomSymmetric, seededSignedUniform } from './helpers/numeric.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('eigh forward', () => {
  for (const n of [1, 2, 3, 10, 64, 200]) {
    it(`n = ${n}: equals the Float64 reference; AV = VΛ and VᵀV = I to float32 accuracy`, () => {
      const a = randomSymmetric(n, 300 + n, true);
      const ref = symmetricEigen(a, n);
      const { values, vectors } = eigh(tf.tensor2d(Float32Array.from(a), [n, n]));
      expect(values.shape).toEqual([n]);
      expect(vectors.shape).toEqual([n, n]);
      const lam = values.dataSync();
      const vec = vectors.dataSync();
      for (let i = 0; i < n; i++) expect(lam[i]).toBe(Math.fround(ref.values[i]));
      for (let i = 0; i < n * n; i++) expect(vec[i]).toBe(Math.fround(ref.vectors[i]));
      // float32 outputs still satisfy the eigen-equation to ~1e-6 relative
      let residual = 0;
      let norm = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += a[i * n + k] * vec[k * n + j];
          residual += (s - vec[i * n + j] * lam[j]) ** 2;
          norm += a[i * n + j] ** 2;
        }
      }
      expect(Math.sqrt(residual)).toBeLessThan(1e-5 * Math.sqrt(norm));
      // …and are orthonormal to float32 accuracy (the residual alone would pass V = 0)
      let orthogonality = 0;
      for (let p = 0; p < n; p++) {
        for (let q = 0; q < n; q++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += vec[k * n + p] * vec[k * n + q];
          orthogonality = Math.max(orthogonality, Math.abs(s - (p === q ? 1 : 0)));
        }
      }
      expect(orthogonality).toBeLessThan(1e-5);
      values.dispose();
      vectors.dispose();
    });
  }
});

/** f(A) = Σ c_i λ_i + Σ W_ij V_ij, in Float64 via the reference solver (on sym(A), as eigh does). */
function objective64(a: Float64Array, n: number, c: Float64Array, w: Float64Array): number {
  const sym = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) sym[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
  const { values, vectors } = symmetricEigen(sym, n);
  let f = 0;
  for (let i = 0; i < n; i++) f += c[i] * values[i];
  for (let i = 0; i < n * n; i++) f += w[i] * vectors[i];
  return f;
}

/**
 * Central differences (step 1e-6) of objective64 at the given entries of A, against the gradient g: the largest
 * absolute error and the largest finite-difference magnitude.
 */
function finiteDifferenceErrors(
  a: Float64Array,
  n: number,
  c: Float64Array,
  w: Float64Array,
  g: ArrayLike<number>,
  entries: number[],
): { maxErr: number; maxFd: number } {
  const h = 1e-6;
  let maxErr = 0;
  let maxFd = 0;
  for (const idx of entries) {
    const plus = Float64Array.from(a);
    const minus = Float64Array.from(a);
    plus[idx] += h;
    minus[idx] -= h;
    const fd = (objective64(plus, n, c, w) - objective64(minus, n, c, w)) / (2 * h);
    maxErr = Math.max(maxErr, Math.abs(fd - g[idx]));
    maxFd = Math.max(maxFd, Math.abs(fd));
  }
  return { maxErr, maxFd };
}

describe('eigh gradient', () => {
  for (const n of [2, 3, 10, 24]) {
    it(`n = ${n}: through values and vectors matches central finite differences (Float64)`, () => {
      const a = randomSymmetric(n, 500 + n, true);
      const r = seededSignedUniform(900 + n);
      const c = Float64Array.from({ length: n }, () => Math.fround(r()));
      const w = Float64Array.from({ length: n * n }, () => Math.fround(r()));
      const cT = tf.tensor1d(Float32Array.from(c));
      const wT = tf.tensor2d(Float32Array.from(w), [n, n]);
      const grad = tf.grad((x: tf.Tensor) => {
        const { values, vectors } = eigh(x as tf.Tensor2D);
        return tf.add(tf.sum(tf.mul(values, cT)), tf.sum(tf.mul(vectors, wT)));
      })(tf.tensor2d(Float32Array.from(a), [n, n]));
      const g = grad.dataSync();
      const all = Array.from({ length: n * n }, (_, idx) => idx);
      const { maxErr, maxFd: maxG } = finiteDifferenceErrors(a, n, c, w, g, all);
      expect(maxG).toBeGreaterThan(1e-3);
      expect(maxErr / maxG).toBeLessThan(1e-4);
      expect(Array.from(g).every(Number.isFinite)).toBe(true);
    });
  }

  it('Float64 backward equals FD to 1e-7 (no float32 in the loop)', () => {
    const n = 8;
    const a = randomSymmetric(n, 77, true);
    const r = seededSignedUniform(78);
    const c = Float64Array.from({ length: n }, () => r());
    const w = Float64Array.from({ length: n * n }, () => r());
    const { values, vectors } = symmetricEigen(a, n);
    const g = eighBackward(values, vectors, c, w, n);
    const h = 1e-5;
    for (let idx = 0; idx < n * n; idx++) {
      const i = Math.floor(idx / n);
      const j = idx % n;
      const plus = Float64Array.from(a);
      const minus = Float64Array.from(a);
      plus[idx] += h;
      minus[idx] -= h;
      const fd = (objective64(plus, n, c, w) - objective64(minus, n, c, w)) / (2 * h);
      expect(Math.abs(fd - g[i * n + j])).toBeLessThan(1e-7);
    }
  });

  it('float32 products (used by the op for n ≥ 64) give the Float64 backward to ~1e-5', () => {
    const n = 80;
    const a = randomSymmetric(n, 81, true);
    const r = seededSignedUniform(82);
    const c = Float64Array.from({ length: n }, () => r());
    const w = Float64Array.from({ length: n * n }, () => r());
    const { values, vectors } = symmetricEigen(a, n);
    const exact = eighBackward(values, vectors, c, w, n);
    const mixed = eighBackward(values, vectors, c, w, n, 1e-8, float32Products);
    let err = 0;
    let scale = 0;
    for (let i = 0; i < n * n; i++) {
      err = Math.max(err, Math.abs(exact[i] - mixed[i]));
      scale = Math.max(scale, Math.abs(exact[i]));
    }
    expect(scale).toBeGreaterThan(0.1);
    expect(err / scale).toBeLessThan(1e-4);
  });

  it('n = 64 through the op (wasm: the float32-products backward) matches central finite differences (Float64)', () => {
    expect(tf.getBackend()).toBe('wasm');
    const n = 64;
    // A = Q·diag(λ)·Qᵀ with λ_k = k + U(−¼, ¼): gaps ≥ ½, so 1/(λj − λi) stays moderate and FD is well conditioned
    const r = seededSignedUniform(640);
    const q: Float64Array[] = [];
    for (let k = 0; k < n; k++) {
      const x = Float64Array.from({ length: n }, () => r());
      for (let pass = 0; pass < 2; pass++) {
        for (const p of q) {
          let dot = 0;
          for (let i = 0; i < n; i++) dot += p[i] * x[i];
          for (let i = 0; i < n; i++) x[i] -= dot * p[i];
        }
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += x[i] * x[i];
      q.push(x.map((v) => v / Math.sqrt(norm)));
    }
    const lambda = Float64Array.from({ length: n }, (_, k) => k + 0.25 * r());
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += q[k][i] * lambda[k] * q[k][j];
        a[i * n + j] = Math.fround(s);
        a[j * n + i] = a[i * n + j];
      }
    }
    const c = Float64Array.from({ length: n }, () => Math.fround(r()));
    const w = Float64Array.from({ length: n * n }, () => Math.fround(r()));
    const cT = tf.tensor1d(Float32Array.from(c));
    const wT = tf.tensor2d(Float32Array.from(w), [n, n]);
    const spy = vi.spyOn(float32Products, 'multiply');
    let g: Float32Array;
    try {
      const grad = tf.grad((x: tf.Tensor) => {
        const { values, vectors } = eigh(x as tf.Tensor2D);
        return tf.add(tf.sum(tf.mul(values, cT)), tf.sum(tf.mul(vectors, wT)));
      })(tf.tensor2d(Float32Array.from(a), [n, n]));
      g = grad.dataSync() as Float32Array;
      // the backward's three n×n products ran in float32 (the path under test)
      expect(spy).toHaveBeenCalledTimes(3);
      tf.dispose([grad, cT, wT]);
    } finally {
      spy.mockRestore();
    }
    // a handful of entries: diagonal, first/last row and column, and random off-diagonal ones
    const entries = [0, n * n - 1, 5 * n + 5, 1, n - 1, (n - 1) * n, 37 * n + 12, 12 * n + 37];
    for (let k = 0; k < 8; k++) entries.push(Math.floor(((r() + 1) / 2) * n * n));
    const { maxErr, maxFd } = finiteDifferenceErrors(a, n, c, w, g, entries);
    expect(maxFd).toBeGreaterThan(1e-2);
    // measured ~2e-6 (float32 products and output); a 0.1% error in one large entry exceeds 2e-5
    expect(maxErr / maxFd).toBeLessThan(2e-5);
  });

  it('degenerate and near-degenerate spectra give finite gradients; gauge-invariant parts stay exact', () => {
    // identity: every pair degenerate
    const gradI = tf.grad((x: tf.Tensor) => tf.sum(eigh(x as tf.Tensor2D).vectors))(tf.eye(5));
    expect(Array.from(gradI.dataSync()).every(Number.isFinite)).toBe(true);
    // eigenvalues {1, 1 + 1e-7, 3}: the loss Σλ² is gauge invariant, its exact gradient is 2A
    const q = symmetricEigen(randomSymmetric(3, 5, true), 3).vectors;
    const lambda = [1, 1 + 1e-7, 3];
    const a = new Float64Array(9);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += q[i * 3 + k] * lambda[k] * q[j * 3 + k];
        a[i * 3 + j] = s;
      }
    }
    for (let i = 0; i < 3; i++) for (let j = 0; j < i; j++) a[j * 3 + i] = a[i * 3 + j];
    const x = tf.tensor2d(Float32Array.from(a), [3, 3]);
    const gradSquares = tf.grad((t: tf.Tensor) => tf.sum(tf.square(eigh(t as tf.Tensor2D).values)))(x);
    const gs = gradSquares.dataSync();
    for (let i = 0; i < 9; i++) expect(gs[i]).toBeCloseTo(2 * a[i], 4);
    const gradVectors = tf.grad((t: tf.Tensor) => tf.sum(tf.square(eigh(t as tf.Tensor2D).vectors)))(x);
    expect(Array.from(gradVectors.dataSync()).every(Number.isFinite)).toBe(true);
    // through the Float64 backward the broadened F is bounded by 1/(2ε)
    const { values, vectors } = symmetricEigen(a, 3);
    const gv = new Float64Array(9).fill(1);
    const g = eighBackward(values, vectors, null, gv, 3, 1e-8);
    expect(Array.from(g).every((v) => Number.isFinite(v) && Math.abs(v) < 1e9)).toBe(true);
  });

  it('leaks no tensors', () => {
    const x = tf.tensor2d(Float32Array.from(randomSymmetric(6, 1, true)), [6, 6]);
    const before = tf.memory().numTensors;
    const g = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(eigh(t as tf.Tensor2D).vectors))(x));
    g.dispose();
    const { values, vectors } = eigh(x);
    values.dispose();
    vectors.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('eigh input validation', () => {
  it('names the argument and the problem', () => {
    expect(() => eigh(tf.zeros([2, 3]) as tf.Tensor2D)).toThrow(/eigh: a must be square.*\[2, 3\]/);
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong input
    expect(() => eigh(tf.zeros([4]) as any)).toThrow(/eigh: a must be a 2-D.*rank 1/);
    expect(() =>
      eigh(
        tf.tensor2d([
          [1, 2],
          [0, 1],
        ]),
      ),
    ).toThrow(/eigh: a must be symmetric.*a\[1, 0\] = 0/);
    expect(() =>
      eigh(
        tf.tensor2d([
          [1, Number.NaN],
          [Number.NaN, 1],
        ]),
      ),
    ).toThrow(/eigh: a has a non-finite entry/);
    expect(() => eigh(tf.eye(2) as tf.Tensor2D, { gapTolerance: -1 })).toThrow(/gapTolerance/);
  });

  it('accepts float32 round-off asymmetry of φφᵀ', () => {
    const phi = tf.randomNormal([16, 5], 0, 1, 'float32', 3);
    const k = tf.matMul(phi, phi, false, true) as tf.Tensor2D;
    const { values } = eigh(k);
    const lam = values.dataSync();
    expect(lam[15]).toBeGreaterThan(0);
    expect(Math.abs(lam[0])).toBeLessThan(1e-4 * lam[15]); // rank 5 < 16
  });
});
