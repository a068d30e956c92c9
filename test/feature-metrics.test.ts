import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../src/linalg/symmetric-eigen.js';
import {
  classifierScore,
  frechetDistance,
  kernelDistance,
  meanAndCovariance,
} from '../src/metrics/feature-statistics.js';
import { modeStatistics, tripleModes } from '../src/metrics/stacked-mnist-modes.js';
import { Random } from '../src/random.js';

function gaussianFeatures(n: number, d: number, random: Random, shift = 0, scale = 1): Float64Array {
  const out = new Float64Array(n * d);
  for (let i = 0; i < out.length; i++) out[i] = shift + scale * random.normal();
  return out;
}

/** Sample mean and unbiased (1/(n − 1)) covariance, straight from the definitions. */
function sampleMoments(
  x: Float64Array,
  n: number,
  d: number,
): { mean: Float64Array; covariance: Float64Array } {
  const mean = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i * d + j];
    mean[j] = s / n;
  }
  const covariance = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    for (let k = 0; k < d; k++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += (x[i * d + j] - mean[j]) * (x[i * d + k] - mean[k]);
      covariance[j * d + k] = s / (n - 1);
    }
  }
  return { mean, covariance };
}

describe('Fréchet and kernel distances', () => {
  it('FID matches the closed form for Gaussians and is ≈ 0 for the same set', () => {
    const random = new Random(1);
    const d = 8;
    const n = 20000;
    const a = gaussianFeatures(n, d, random);
    expect(frechetDistance(a, n, a, n, d)).toBeLessThan(1e-9);
    // N(0, I) vs N(0.5·1, 4I): ‖Δμ‖² + Σ (σa − σb)² = d·0.25 + d·1 = 10. The estimate's spread at n = 20000,
    // d = 8: the mean term's 2Δμ·(μ̂a − μ̂b − Δμ) has sd 2·√(d·0.25·(1 + 4)/n) ≈ 0.045; to first order the trace
    // term moves by −Tr(δΣa) + ½·Tr(δΣb), sd √(d·2/n + ¼·d·2·16/n) ≈ 0.063; together sd ≈ 0.077 (0.079 measured
    // over 300 seeds), and the bias is ≈ 0.01 (d·5/n from ‖μ̂a − μ̂b‖², plus O(d²/n)). 0.35 is 4.4 sd.
    const b = gaussianFeatures(n, d, random, 0.5, 2);
    expect(Math.abs(frechetDistance(a, n, b, n, d) - 10)).toBeLessThan(0.35);
  });

  it('FID with fewer samples than dimensions (Gram path) equals the textbook Σa^½ Σb Σa^½ formula', () => {
    const random = new Random(9);
    const d = 20;
    for (const [na, nb, path] of [
      [12, 15, 'gram'],
      [40, 30, 'covariance'],
    ] as const) {
      const a = gaussianFeatures(na, d, random);
      const b = gaussianFeatures(nb, d, random, 0.2, 1.5);
      // means and unbiased covariances by plain loops (not meanAndCovariance, which frechetDistance uses)
      const first = sampleMoments(a, na, d);
      const second = sampleMoments(b, nb, d);
      const ours = meanAndCovariance(b, nb, d);
      for (let j = 0; j < d; j++) expect(ours.mean[j]).toBeCloseTo(second.mean[j], 12);
      for (let j = 0; j < d * d; j++) expect(ours.covariance[j]).toBeCloseTo(second.covariance[j], 12);
      const eigenA = symmetricEigen(first.covariance, d);
      const rootA = new Float64Array(d * d);
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++)
          for (let k = 0; k < d; k++)
            rootA[i * d + j] +=
              eigenA.vectors[i * d + k] *
              Math.sqrt(Math.max(eigenA.values[k], 0)) *
              eigenA.vectors[j * d + k];
      const inner = new Float64Array(d * d);
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++)
          for (let k = 0; k < d; k++)
            for (let l = 0; l < d; l++)
              inner[i * d + j] += rootA[i * d + k] * second.covariance[k * d + l] * rootA[l * d + j];
      let expected = 0;
      for (let j = 0; j < d; j++) {
        expected +=
          (first.mean[j] - second.mean[j]) ** 2 + first.covariance[j * d + j] + second.covariance[j * d + j];
      }
      for (const value of symmetricEigen(inner, d).values) expected -= 2 * Math.sqrt(Math.max(value, 0));
      // The textbook path takes √ of round-off-sized eigenvalues of the rank-deficient Σa (≈ 1e-8 each).
      expect(frechetDistance(a, na, b, nb, d), path).toBeCloseTo(expected, 5);
    }
  });

  it('FID of real vs real ≈ 0 and grows with added noise', () => {
    const random = new Random(2);
    const d = 16;
    const n = 4000;
    const real = gaussianFeatures(n, d, random);
    const other = gaussianFeatures(n, d, random);
    const distances = [0, 0.3, 0.6, 1.2].map((noise) => {
      const noisy = other.map((v) => v + noise * random.normal());
      return frechetDistance(real, n, noisy, n, d);
    });
    expect(distances[0]).toBeLessThan(0.05);
    for (let i = 1; i < distances.length; i++) expect(distances[i]).toBeGreaterThan(distances[i - 1]);
  });

  it('KID ≈ 0 for the same distribution and clearly positive for a shifted one', () => {
    const random = new Random(3);
    const d = 8;
    const a = gaussianFeatures(1000, d, random);
    const b = gaussianFeatures(1000, d, random);
    const c = gaussianFeatures(1000, d, random, 1);
    const same = kernelDistance(a, 1000, b, 1000, d, random, { subsets: 4, subsetSize: 300 });
    const shifted = kernelDistance(a, 1000, c, 1000, d, random, { subsets: 4, subsetSize: 300 });
    // one sample per subset has no unbiased within-set estimate (0/0): a clear error, not NaN
    expect(() => kernelDistance(a, 1000, b, 1000, d, random, { subsetSize: 1 })).toThrow(
      /at least 2 samples/,
    );
    expect(() => kernelDistance(a, 1, b, 1000, d, random)).toThrow(/subset size 1 \(sets of 1 and 1000\)/);
    expect(Math.abs(same.mean)).toBeLessThan(0.02);
    expect(shifted.mean).toBeGreaterThan(1);
  });

  it('classifier score is 1 for constant predictions and the class count for confident, balanced ones', () => {
    const uniform = new Float64Array(10 * 4).fill(0.25);
    expect(classifierScore(uniform, 10, 4)).toBeCloseTo(1, 10);
    const confident = new Float64Array(8 * 4);
    for (let i = 0; i < 8; i++) confident[i * 4 + (i % 4)] = 1;
    expect(classifierScore(confident, 8, 4)).toBeCloseTo(4, 10);
  });
});

describe('Stacked-MNIST mode statistics', () => {
  it('one repeated triple: 1 mode, KL = log 1000', () => {
    const stats = modeStatistics(new Int32Array(26000).fill(427));
    expect(stats.modes).toBe(1);
    expect(stats.kl).toBeCloseTo(Math.log(1000), 10);
  });

  it('uniform modes: 1000 modes, KL near 0', () => {
    const random = new Random(4);
    const stats = modeStatistics(Int32Array.from({ length: 26000 }, () => random.integer(1000)));
    expect(stats.modes).toBe(1000);
    expect(stats.kl).toBeLessThan(0.03);
  });

  it('tripleModes combines channel digits', () => {
    expect(Array.from(tripleModes([1, 2, 3, 9, 0, 7], 2))).toEqual([123, 907]);
  });
});
