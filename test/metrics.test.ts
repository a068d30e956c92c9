import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { createDataset, ringCentres } from '../src/data/index.js';
import {
  evaluateMixture,
  histogramKl,
  modeCoverage,
  modeKl,
  optimalAssignment,
  reverseKl,
  slicedWasserstein,
  wasserstein1d,
  wassersteinExact,
} from '../src/metrics/index.js';
import { Random } from '../src/random.js';

function randomPoints(n: number, random: Random, scale = 1): number[][] {
  return Array.from({ length: n }, () => [scale * random.normal(), scale * random.normal()]);
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (const rest of permutations(n - 1)) {
    for (let i = 0; i <= rest.length; i++) out.push([...rest.slice(0, i), n - 1, ...rest.slice(i)]);
  }
  return out;
}

describe('modeCoverage (GDPP Table 1 protocol)', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });
  const centres = ringCentres();
  const std = 0.01;

  it('everything at one centre → 1 mode, 100% HQ', () => {
    const random = new Random(1);
    const samples = Array.from({ length: 100 }, () => [centres[3][0] + std * random.normal(), centres[3][1]]);
    const result = modeCoverage(samples, centres, std);
    expect(result.modes).toBe(1);
    expect(result.perMode[3]).toBe(result.hqCount);
    expect(result.total).toBe(100);
    expect(result.nearest[3]).toBe(100);
  });

  it('samples exactly at every centre → all modes, 100% HQ; flat Float32Array input works', () => {
    const flat = Float32Array.from(centres.flat());
    const result = modeCoverage(flat, centres, std);
    expect(result).toMatchObject({ modes: 8, totalModes: 8, hq: 100, hqFraction: 1, hqCount: 8, total: 8 });
    expect(result.perMode).toEqual(new Array(8).fill(1));
  });

  it('3σ is the HQ boundary: 2.9σ is HQ, 3.5σ is not (but still assigned to its nearest centre)', () => {
    const near = [centres[0][0] + 2.9 * std, centres[0][1]];
    const far = [centres[1][0], centres[1][1] + 3.5 * std];
    const result = modeCoverage([near, far], centres, std);
    expect(result.modes).toBe(1);
    expect(result.perMode[0]).toBe(1);
    expect(result.perMode[1]).toBe(0);
    expect(result.nearest[1]).toBe(1);
    expect(result.hq).toBe(50);
    expect(modeCoverage([far], centres, std, { threshold: 4 }).modes).toBe(1);
  });

  it('true Ring and Grid samples: all modes, HQ ≈ P(χ²₂ ≤ 9) = 98.89%', () => {
    // In 2-D the squared distance / σ² is χ² with 2 dof, so P(‖x − c‖ ≤ 3σ) = 1 − e^{−4.5} = 0.98889
    // (99.7% is the 1-D figure). Binomial sd over 20,000 samples ≈ 0.074 points.
    for (const kind of ['ring', 'grid'] as const) {
      const data = createDataset({ kind });
      const result = modeCoverage(data.sampleArray(20_000, new Random(4)), data.centres!, data.std!);
      expect(result.modes).toBe(data.centres!.length);
      expect(Math.abs(result.hq - 100 * (1 - Math.exp(-4.5)))).toBeLessThan(0.4);
    }
    const ring = createDataset({ kind: 'ring' });
    const paper = modeCoverage(ring.sampleArray(2500, new Random(8)), ring.centres!, ring.std!);
    expect(paper.modes).toBe(8);
    expect(paper.hq).toBeGreaterThan(97.5);
  });

  it('a collapsed generator (points between modes) → 0 HQ', () => {
    const samples = randomPoints(500, new Random(3), 0.05);
    const result = modeCoverage(samples, centres, std);
    expect(result.hqCount).toBe(0);
    expect(result.modes).toBe(0);
  });

  it('non-finite samples (a diverged generator) count as not HQ and are assigned to no centre', () => {
    const result = modeCoverage(
      [
        [Number.NaN, 0],
        [1, Number.POSITIVE_INFINITY],
        [1, 0],
      ],
      centres,
      std,
    );
    expect(result).toMatchObject({ total: 3, nonFinite: 2, hqCount: 1, modes: 1 });
    expect(result.nearest.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('rejects rows of the wrong dimension with a clear message', () => {
    expect(() => modeCoverage([[0, 0, 0]], centres, std)).toThrow(/samples\[0\]: expected 2 coordinates/);
    expect(() => modeCoverage(new Float32Array(3), centres, std)).toThrow(/not a multiple/);
    expect(() => modeCoverage([[0, 0]], centres, 0)).toThrow(/std > 0/);
  });
});

describe('Wasserstein distances', () => {
  it('1-D W1: sorted matching for equal sizes, CDF integral for unequal sizes', () => {
    expect(wasserstein1d(Float64Array.of(0, 1, 2), Float64Array.of(2.5, 0.5, 1.5))).toBeCloseTo(0.5, 12);
    // {0, 1} vs {0}: half the mass moves by 1
    expect(wasserstein1d(Float64Array.of(0, 1), Float64Array.of(0))).toBeCloseTo(0.5, 12);
    // {0,0,3} vs {1,2}: quantile functions differ by 1 on [0,1/2), 2 on [1/2,2/3), 1 on [2/3,1] → 1/2 + 1/3 + 1/3 = 7/6
    expect(wasserstein1d(Float64Array.of(0, 0, 3), Float64Array.of(1, 2))).toBeCloseTo(7 / 6, 12);
  });

  it('sliced W: ≈ 0 for identical sets, (2/π)|s| for a shift, symmetric', () => {
    const random = new Random(5);
    const a = randomPoints(800, random);
    expect(slicedWasserstein(a, a)).toBeLessThan(1e-12);
    const s = [0.6, -0.8]; // |s| = 1
    const shifted = a.map(([x, y]) => [x + s[0], y + s[1]]);
    expect(slicedWasserstein(a, shifted, { projections: 512 })).toBeCloseTo(2 / Math.PI, 4);
    // random directions converge to the same value
    const sw = slicedWasserstein(a, shifted, { projections: 4000, random: new Random(1) });
    expect(Math.abs(sw - 2 / Math.PI)).toBeLessThan(0.02);
    const b = randomPoints(500, random, 1.5);
    expect(slicedWasserstein(a, b)).toBeCloseTo(slicedWasserstein(b, a), 12);
    expect(slicedWasserstein(a, b)).toBeGreaterThan(0.05);
  });

  it('exact W1 equals brute force over all permutations on tiny sets', () => {
    const random = new Random(6);
    for (let n = 1; n <= 7; n++) {
      const a = randomPoints(n, random);
      const b = randomPoints(n, random);
      let best = Number.POSITIVE_INFINITY;
      for (const perm of permutations(n)) {
        let cost = 0;
        for (let i = 0; i < n; i++) cost += Math.hypot(a[i][0] - b[perm[i]][0], a[i][1] - b[perm[i]][1]);
        best = Math.min(best, cost);
      }
      expect(wassersteinExact(a, b)).toBeCloseTo(best / n, 10);
    }
  });

  it('optimalAssignment returns a permutation achieving the returned cost', () => {
    const random = new Random(7);
    const n = 40;
    const cost = Array.from({ length: n }, () => Array.from({ length: n }, () => random.uniform()));
    const { assignment, cost: total } = optimalAssignment(n, (i, j) => cost[i][j]);
    expect(new Set(assignment).size).toBe(n);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += cost[i][assignment[i]];
    expect(total).toBeCloseTo(sum, 10);
    // the row-major matrix form finds the same optimum
    expect(optimalAssignment(n, Float64Array.from(cost.flat())).cost).toBeCloseTo(total, 10);
    expect(() => optimalAssignment(n, new Float64Array(3))).toThrow(/expected 40×40/);
    // no improving swap of two rows' columns (2-opt optimality, implied by global optimality)
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const swapped = cost[i][assignment[j]] + cost[j][assignment[i]];
        expect(swapped).toBeGreaterThanOrEqual(cost[i][assignment[i]] + cost[j][assignment[j]] - 1e-12);
      }
    }
  });

  it('exact W1 of a shifted set is |s| and sliced W1 never exceeds exact W1', () => {
    const random = new Random(8);
    const a = randomPoints(300, random);
    const shifted = a.map(([x, y]) => [x + 3, y - 4]);
    expect(wassersteinExact(a, shifted)).toBeCloseTo(5, 8);
    const b = randomPoints(300, random, 2);
    expect(slicedWasserstein(a, b)).toBeLessThanOrEqual(wassersteinExact(a, b) + 1e-9);
    expect(() => wassersteinExact(a, b.slice(1))).toThrow(/same size/);
    expect(() => wassersteinExact(a, b, { maxPoints: 100 })).toThrow(/maxPoints/);
  });
});

describe('KL divergences', () => {
  it('histogramKl matches a hand computation and is 0 for identical histograms', () => {
    expect(histogramKl([1, 1], [1, 1])).toBeCloseTo(0, 12);
    // KL([0.75, 0.25] ‖ [0.5, 0.5]) = 0.75 ln 1.5 + 0.25 ln 0.5
    expect(histogramKl([3, 1], [2, 2], 0)).toBeCloseTo(0.75 * Math.log(1.5) + 0.25 * Math.log(0.5), 12);
    expect(modeKl([5, 0, 0, 0], undefined, 0)).toBeCloseTo(Math.log(4), 12);
    expect(() => histogramKl([1], [1, 2])).toThrow(/equal length/);
  });

  it('reverseKl: small between two true samples, large for a collapsed generator', () => {
    const grid = createDataset({ kind: 'grid' });
    const real = grid.sampleArray(20_000, new Random(1));
    const same = grid.sampleArray(20_000, new Random(2));
    const collapsed = createDataset({ kind: 'mixture', centres: [[0, 0]], std: 0.05 }).sampleArray(
      5000,
      new Random(3),
    );
    const close = reverseKl(same, real, { bins: 50 });
    const far = reverseKl(collapsed, real, { bins: 50 });
    expect(close).toBeLessThan(0.1);
    // one of 25 modes: KL ≈ ln 25 ≈ 3.2
    expect(far).toBeGreaterThan(2.5);
  });
});

describe('evaluateMixture', () => {
  it('true samples score well on every number; a one-mode generator scores badly', () => {
    const ring = createDataset({ kind: 'ring' });
    const good = evaluateMixture(ring.sampleArray(1000, new Random(11)), ring, { exactWasserstein: true });
    expect(good.modes).toBe(8);
    expect(good.hq).toBeGreaterThan(97.5);
    expect(good.slicedWasserstein).toBeLessThan(0.05); // sampling noise of the 8 mode frequencies
    expect(good.wasserstein!).toBeLessThan(0.1);
    expect(good.modeKl).toBeLessThan(0.01);
    const collapsed = Array.from({ length: 2500 }, (_, i) => [1 + 0.001 * Math.sin(i), 0]);
    const bad = evaluateMixture(collapsed, ring);
    expect(bad.modes).toBe(1);
    expect(bad.hq).toBe(100);
    expect(bad.wasserstein).toBeNull();
    expect(bad.slicedWasserstein).toBeGreaterThan(0.5);
    expect(bad.modeKl).toBeCloseTo(Math.log(8), 3);
    expect(bad.reverseKl).toBeGreaterThan(good.reverseKl + 1);
    // deterministic: the real reference draw is seeded
    expect(evaluateMixture(collapsed, ring).slicedWasserstein).toBe(bad.slicedWasserstein);
  });
});
