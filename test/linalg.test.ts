import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { singularValues, singularValuesOf, symmetricEigen } from '../src/linalg/index.js';
import { eigenAccuracy, randomSymmetric, seededSignedUniform } from './helpers/numeric.js';

/** A random n×n orthogonal matrix as a product of n Householder reflections (independent of the solver). */
function randomOrthogonal(n: number, seed: number): Float64Array {
  const r = seededSignedUniform(seed);
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const v = new Float64Array(n);
  for (let h = 0; h < n; h++) {
    let norm2 = 0;
    for (let i = 0; i < n; i++) {
      v[i] = r();
      norm2 += v[i] * v[i];
    }
    // q ← q·(I − 2vvᵀ/vᵀv)
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += q[i * n + k] * v[k];
      const s = (2 * dot) / norm2;
      for (let k = 0; k < n; k++) q[i * n + k] -= s * v[k];
    }
  }
  return q;
}

function frobenius(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('symmetricEigen (Float64)', () => {
  for (const n of [1, 2, 3, 10, 64, 200]) {
    it(`n = ${n}: ‖AV − VΛ‖ ≤ 1e-10‖A‖, VᵀV = I, ascending, sign convention`, () => {
      const a = randomSymmetric(n, 100 + n);
      const { values, vectors } = symmetricEigen(a, n);
      const scale = frobenius(a);
      const { residualFrobenius, orthogonality } = eigenAccuracy(a, n, values, vectors);
      expect(residualFrobenius).toBeLessThanOrEqual(1e-10);
      expect(orthogonality).toBeLessThanOrEqual(1e-10);
      for (let j = 1; j < n; j++) expect(values[j]).toBeGreaterThanOrEqual(values[j - 1]);
      let trace = 0;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        trace += a[i * n + i];
        sum += values[i];
      }
      expect(Math.abs(trace - sum)).toBeLessThanOrEqual(1e-12 * scale * n);
      for (let j = 0; j < n; j++) {
        let best = 0;
        for (let k = 1; k < n; k++) {
          if (Math.abs(vectors[k * n + j]) > Math.abs(vectors[best * n + j])) best = k;
        }
        expect(vectors[best * n + j]).toBeGreaterThan(0);
      }
    });
  }

  function withSpectrum(lambda: number[], seed: number): Float64Array {
    const n = lambda.length;
    const q = randomOrthogonal(n, seed);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += q[i * n + k] * lambda[k] * q[j * n + k];
        a[i * n + j] = s;
        a[j * n + i] = s;
      }
    }
    return a;
  }

  it('inverse iteration and QL both stay accurate on clustered, graded, Wilkinson and rank-deficient matrices', () => {
    const cases: [string, Float64Array, number][] = [];
    const clustered = Array.from({ length: 48 }, (_, i) =>
      i < 16 ? 1 : i < 30 ? 1 + 1e-10 * i : i < 38 ? -2 : 5 + 1e-7 * i,
    );
    cases.push(['clustered', withSpectrum(clustered, 1), 48]);
    cases.push([
      'graded',
      withSpectrum(
        Array.from({ length: 30 }, (_, i) => 10 ** (-i / 3)),
        2,
      ),
      30,
    ]);
    const w = 21;
    const wilkinson = new Float64Array(w * w);
    for (let i = 0; i < w; i++) {
      wilkinson[i * w + i] = Math.abs(10 - i);
      if (i < w - 1) {
        wilkinson[i * w + i + 1] = 1;
        wilkinson[(i + 1) * w + i] = 1;
      }
    }
    cases.push(['wilkinson', wilkinson, w]);
    const r = seededSignedUniform(3);
    const phi = Float64Array.from({ length: 96 * 20 }, () => r());
    for (let k = 0; k < 20; k++) phi[20 + k] = phi[k]; // duplicated row
    const kernel = new Float64Array(96 * 96);
    for (let i = 0; i < 96; i++) {
      for (let j = 0; j < 96; j++) {
        let s = 0;
        for (let k = 0; k < 20; k++) s += phi[i * 20 + k] * phi[j * 20 + k];
        kernel[i * 96 + j] = s;
      }
    }
    cases.push(['rank 20 of 96', kernel, 96]);
    cases.push(['all ones', new Float64Array(25 * 25).fill(1), 25]);
    for (const [, a, n] of cases) {
      for (const method of ['ql', 'inverse-iteration'] as const) {
        const { values, vectors } = symmetricEigen(a, n, { method });
        const { residual, orthogonality } = eigenAccuracy(a, n, values, vectors);
        expect(residual).toBeLessThan(1e-13);
        expect(orthogonality).toBeLessThan(1e-12);
      }
      const ql = symmetricEigen(a, n, { method: 'ql' }).values;
      const inverse = symmetricEigen(a, n).values;
      for (let i = 0; i < n; i++) expect(Math.abs(ql[i] - inverse[i])).toBeLessThan(1e-12 * frobenius(a));
    }
  });

  it('recovers prescribed eigenvalues, including exactly repeated ones', () => {
    const n = 12;
    const q = randomOrthogonal(n, 5);
    const lambda = [-3, -3, -3, -1e-9, 0, 0, 0, 0, 2, 2, 5, 1e3];
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += q[i * n + k] * lambda[k] * q[j * n + k];
        a[i * n + j] = s;
      }
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
    const { values } = symmetricEigen(a, n);
    for (let k = 0; k < n; k++) expect(Math.abs(values[k] - lambda[k])).toBeLessThan(1e-12 * 1e3);
  });

  it('is scale-invariant down to 1e-200 and up to 1e200 (no over/underflow in the rotations)', () => {
    const n = 20;
    const a = randomSymmetric(n, 41);
    const base = symmetricEigen(a, n);
    for (const scale of [1e-200, 1e200]) {
      const scaled = symmetricEigen(
        a.map((x) => x * scale),
        n,
      );
      for (let i = 0; i < n; i++) {
        expect(Math.abs(scaled.values[i] / scale - base.values[i])).toBeLessThan(1e-12 * frobenius(a));
      }
      for (let i = 0; i < n * n; i++)
        expect(Math.abs(scaled.vectors[i] - base.vectors[i])).toBeLessThan(1e-10);
    }
  });

  it('handles diagonal, zero and identity matrices', () => {
    expect(Array.from(symmetricEigen(new Float64Array([2, 0, 0, -1]), 2).values)).toEqual([-1, 2]);
    const zero = symmetricEigen(new Float64Array(9), 3);
    expect(Array.from(zero.values)).toEqual([0, 0, 0]);
    const id = symmetricEigen(new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), 3);
    expect(Array.from(id.values)).toEqual([1, 1, 1]);
    expect(Array.from(id.vectors)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });

  it('rejects bad input with messages naming the argument', () => {
    expect(() => symmetricEigen(new Float64Array(3), 2)).toThrow(/a must hold n·n = 4 numbers/);
    expect(() => symmetricEigen(new Float64Array([1, Number.NaN, Number.NaN, 1]), 2)).toThrow(
      /a has a non-finite entry \(NaN\) at row 0, column 1/,
    );
    expect(() => symmetricEigen(new Float64Array(4), 0)).toThrow(/n must be a positive integer/);
  });
});

describe('singularValues', () => {
  it('recovers prescribed singular values to high relative accuracy (tall and wide)', () => {
    const m = 40;
    const n = 15;
    const u = randomOrthogonal(m, 11);
    const v = randomOrthogonal(n, 12);
    const sigma = Array.from({ length: n }, (_, i) => 10 ** (2 - (8 * i) / (n - 1))); // 1e2 … 1e-6
    const w = new Float64Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += u[i * m + k] * sigma[k] * v[j * n + k];
        w[i * n + j] = s;
      }
    }
    const tall = singularValuesOf(w, m, n);
    expect(tall.length).toBe(n);
    for (let k = 0; k < n; k++) expect(Math.abs(tall[k] - sigma[k]) / sigma[k]).toBeLessThan(1e-7);
    expect(Math.abs(tall[0] - sigma[0]) / sigma[0]).toBeLessThan(1e-13);
    const wt = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) wt[j * m + i] = w[i * n + j];
    const wide = singularValuesOf(wt, n, m);
    for (let k = 0; k < n; k++) expect(Math.abs(wide[k] - tall[k]) / sigma[k]).toBeLessThan(1e-7);
  });

  it('matches sqrt of eigenvalues of WᵀW on a random matrix and handles rank deficiency', () => {
    const r = seededSignedUniform(21);
    const m = 30;
    const n = 8;
    const w = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n - 1; j++) w[i * n + j] = r();
    for (let i = 0; i < m; i++) w[i * n + n - 1] = w[i * n] + w[i * n + 1]; // rank n − 1
    const gram = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < m; k++) s += w[k * n + i] * w[k * n + j];
        gram[i * n + j] = s;
      }
    }
    const lambda = symmetricEigen(gram, n).values;
    const sigma = singularValuesOf(w, m, n);
    for (let k = 0; k < n - 1; k++) {
      expect(Math.abs(sigma[k] - Math.sqrt(lambda[n - 1 - k]))).toBeLessThan(1e-12 * sigma[0]);
    }
    expect(sigma[n - 1]).toBeLessThan(1e-13 * sigma[0]);
  });

  it('is exact at extreme scales (1e-200, 1e200)', () => {
    for (const scale of [1e-200, 1e200]) {
      const sigma = singularValuesOf(new Float64Array([3 * scale, 0, 0, -4 * scale, 0, 0]), 3, 2);
      expect(sigma[0] / scale).toBeCloseTo(4, 12);
      expect(sigma[1] / scale).toBeCloseTo(3, 12);
    }
  });

  it('works on tensors: [[3,0],[0,-4]] → [4,3]; a 1×n row → its norm', () => {
    expect(
      Array.from(
        singularValues(
          tf.tensor2d([
            [3, 0],
            [0, -4],
          ]),
        ),
      ),
    ).toEqual([4, 3]);
    const row = singularValues(tf.tensor2d([[3, 4, 0, 12]]));
    expect(row.length).toBe(1);
    expect(row[0]).toBeCloseTo(13, 12);
  });

  it('rejects non-2-D and non-finite input', () => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong input
    expect(() => singularValues(tf.tensor1d([1, 2]) as any)).toThrow(/w must be a 2-D tensor.*rank 1/);
    expect(() => singularValues(tf.tensor2d([[1, Number.POSITIVE_INFINITY]]))).toThrow(
      /non-finite entry \(Infinity\) at row 0, column 1/,
    );
  });
});
