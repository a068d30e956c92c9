import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { symmetricEigen } from '../src/linalg/index.js';
import { wasmEigenAvailable } from '../src/linalg/wasm-eigen/kernels.js';
import { KERNELS_SOURCE_SHA256, KERNELS_WASM_BASE64 } from '../src/linalg/wasm-eigen/kernels-bytes.js';
import { eigenAccuracy, randomSymmetric, seededSignedUniform } from './helpers/numeric.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

function maxAbsDifference(x: Float64Array, y: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

/** Gram matrix φᵀφ (n×n) of b rows of L2-normalised features: rank min(b, n), as GDPP's d×d problem. */
function gram(b: number, n: number, seed: number): Float64Array {
  const r = seededSignedUniform(seed);
  const phi = Float64Array.from({ length: b * n }, () => Math.tanh(2 * r()));
  for (let row = 0; row < b; row++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += phi[row * n + k] ** 2;
    for (let k = 0; k < n; k++) phi[row * n + k] /= Math.sqrt(s);
  }
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let row = 0; row < b; row++) s += phi[row * n + i] * phi[row * n + j];
      g[i * n + j] = s;
      g[j * n + i] = s;
    }
  }
  return g;
}

describe('WebAssembly SIMD eigen kernels', () => {
  it('are available in Node, and the committed bytes are a valid module built from the current kernels.as', () => {
    expect(wasmEigenAvailable()).toBe(true);
    const source = readFileSync(new URL('../src/linalg/wasm-eigen/kernels.as', import.meta.url), 'utf8');
    const hash = createHash('sha256').update(source.replace(/\r\n/g, '\n')).digest('hex');
    // A mismatch means kernels.as was edited without rebuilding: node scripts/build-wasm.mjs
    expect(hash).toBe(KERNELS_SOURCE_SHA256);
    expect(WebAssembly.validate(Buffer.from(KERNELS_WASM_BASE64, 'base64'))).toBe(true);
  });

  // odd sizes and sizes ≢ 0 (mod 4) reach the scalar tails of the paired/blocked SIMD loops
  for (const n of [1, 2, 3, 4, 5, 6, 7, 9, 10, 13, 31, 64, 65, 127, 128, 200]) {
    it(`n = ${n}: wasm and JS kernels give the same decomposition to round-off; both accurate`, () => {
      const a = randomSymmetric(n, 4100 + n);
      const js = symmetricEigen(a, n, { kernels: 'js' });
      const wasm = symmetricEigen(a, n, { kernels: 'wasm' });
      const { residual, orthogonality } = eigenAccuracy(a, n, wasm.values, wasm.vectors);
      expect(residual).toBeLessThanOrEqual(1e-10);
      expect(orthogonality).toBeLessThanOrEqual(1e-10);
      // random spectra are well separated, so the vectors (same sign convention) agree too, not just the span
      expect(maxAbsDifference(wasm.values, js.values)).toBeLessThanOrEqual(1e-12 * n);
      expect(maxAbsDifference(wasm.vectors, js.vectors)).toBeLessThanOrEqual(1e-9);
      const ql = symmetricEigen(a, n, { kernels: 'wasm', method: 'ql' });
      expect(maxAbsDifference(ql.values, js.values)).toBeLessThanOrEqual(1e-12 * n);
      const { residual: qlResidual, orthogonality: qlOrthogonality } = eigenAccuracy(
        a,
        n,
        ql.values,
        ql.vectors,
      );
      expect(qlResidual).toBeLessThanOrEqual(1e-10);
      expect(qlOrthogonality).toBeLessThanOrEqual(1e-10);
    });
  }

  it('the kernels differ from JS only by round-off (not bit-identical: the SIMD sums are ordered differently)', () => {
    const n = 64;
    const a = randomSymmetric(n, 4242);
    const js = symmetricEigen(a, n, { kernels: 'js' });
    const wasm = symmetricEigen(a, n, { kernels: 'wasm' });
    const difference = maxAbsDifference(wasm.vectors, js.vectors);
    expect(difference).toBeGreaterThan(0);
    expect(difference).toBeLessThan(1e-11);
  });

  for (const [b, n] of [
    [512, 128],
    [40, 128],
    [8, 128], // a 120-vector null cluster, as in a collapsed (Ring-like) batch: re-orthogonalisation dominates
    [7, 33],
  ]) {
    it(`rank-deficient Gram matrix (B = ${b}, d = ${n}), as in GDPP: accurate with every and with some vectors`, () => {
      const g = gram(b, n, 77 + b + n);
      const js = symmetricEigen(g, n, { kernels: 'js' });
      const wasm = symmetricEigen(g, n, { kernels: 'wasm' });
      const { residual, orthogonality } = eigenAccuracy(g, n, wasm.values, wasm.vectors);
      expect(residual).toBeLessThanOrEqual(1e-10);
      expect(orthogonality).toBeLessThanOrEqual(1e-10);
      expect(maxAbsDifference(wasm.values, js.values)).toBeLessThanOrEqual(1e-12 * n);
      // the eigenvectors of the non-null eigenvalues (well separated) agree; the null space is any basis
      const limit = 1e-6 * js.values[n - 1];
      const partialJs = symmetricEigen(g, n, { kernels: 'js', vectorsAbove: 1e-6 });
      const partialWasm = symmetricEigen(g, n, { kernels: 'wasm', vectorsAbove: 1e-6 });
      let wanted = 0;
      for (let j = 0; j < n; j++) {
        if (!(js.values[j] > limit)) continue;
        wanted++;
        for (let k = 0; k < n; k++) {
          expect(Math.abs(partialWasm.vectors[k * n + j] - partialJs.vectors[k * n + j])).toBeLessThan(1e-9);
          expect(Math.abs(partialWasm.vectors[k * n + j] - wasm.vectors[k * n + j])).toBeLessThan(1e-9);
        }
      }
      expect(wanted).toBe(Math.min(b, n));
    });
  }

  it('a matrix with zero rows/columns (Householder steps with nothing to reflect) and changing sizes', () => {
    const n = 12;
    const a = randomSymmetric(n, 99);
    for (const zero of [0, 5, 11]) {
      for (let k = 0; k < n; k++) {
        a[zero * n + k] = 0;
        a[k * n + zero] = 0;
      }
    }
    const js = symmetricEigen(a, n, { kernels: 'js' });
    const wasm = symmetricEigen(a, n, { kernels: 'wasm' });
    expect(maxAbsDifference(wasm.values, js.values)).toBeLessThanOrEqual(1e-13);
    const { residual, orthogonality } = eigenAccuracy(a, n, wasm.values, wasm.vectors);
    expect(residual).toBeLessThanOrEqual(1e-10);
    expect(orthogonality).toBeLessThanOrEqual(1e-10);
    // the instance's memory is laid out per call: a larger then a smaller size keep working
    for (const size of [150, 3, 150]) {
      const m = randomSymmetric(size, size);
      const r = symmetricEigen(m, size, { kernels: 'wasm' });
      const { residual: res, orthogonality: orth } = eigenAccuracy(m, size, r.values, r.vectors);
      expect(res).toBeLessThanOrEqual(1e-10);
      expect(orth).toBeLessThanOrEqual(1e-10);
    }
  });

  it('rejects an unknown kernels option', () => {
    expect(() => symmetricEigen(new Float64Array([1, 0, 0, 1]), 2, { kernels: 'gpu' as 'js' })).toThrow(
      /kernels must be 'auto', 'js' or 'wasm', got gpu/,
    );
  });
});

describe('where synchronous compiles are refused (browser main thread, modules over 4 KB)', () => {
  it('symmetricEigen uses the JS kernels until an asynchronous compile lands, then wasm', async () => {
    vi.resetModules();
    const RealModule = WebAssembly.Module;
    let refused = 0;
    const refusing = function (this: unknown, bytes: BufferSource) {
      refused++;
      if (refused === 1) throw new RangeError('WebAssembly.Module(): Buffer size is larger than 4KB');
      return new RealModule(bytes);
    } as unknown as typeof WebAssembly.Module;
    vi.stubGlobal('WebAssembly', { ...WebAssembly, Module: refusing, Instance: WebAssembly.Instance });
    try {
      const kernels = await import('../src/linalg/wasm-eigen/kernels.js');
      const eigen = await import('../src/linalg/symmetric-eigen.js');
      const n = 20;
      const a = randomSymmetric(n, 123);
      const js = symmetricEigen(a, n, { kernels: 'js' });
      // first use: the synchronous compile is refused, the JS kernels answer (bit-identical to 'js')
      const first = eigen.symmetricEigen(a, n);
      expect(refused).toBe(1);
      expect(Array.from(first.vectors)).toEqual(Array.from(js.vectors));
      expect(() => eigen.symmetricEigen(a, n, { kernels: 'wasm' })).toThrow(
        /WebAssembly SIMD is unavailable/,
      );
      await vi.waitFor(() => expect(kernels.wasmEigenAvailable()).toBe(true));
      const later = eigen.symmetricEigen(a, n, { kernels: 'wasm' });
      expect(maxAbsDifference(later.vectors, js.vectors)).toBeLessThan(1e-12);
      expect(refused).toBe(1); // the asynchronous compile did not go through the refused constructor
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});
