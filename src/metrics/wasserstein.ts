// Distances between two point clouds (generated vs real samples), in Float64.
// Sliced Wasserstein-1: SW1(a, b) = E_θ W1(θᵀa, θᵀb) over unit directions θ, each 1-D W1 exact
// (∫|F_a − F_b| dt over the merged sorted projections; any sizes). For a pure shift s in 2-D,
// SW1 = |s|·E|cos θ| = (2/π)|s|. Exact W1 of two equal-size sets = the optimal assignment's mean
// Euclidean cost (Hungarian / shortest augmenting paths, O(n³): 0.5 s at 1,000 points, seconds at 2,500).
import { usageError } from '../errors.js';
import { Random } from '../random.js';
import { type Points, toFlat } from './mode-coverage.js';

/** Options of `slicedWasserstein`: SW₁ = E_θ W₁(θᵀX, θᵀY) over P random unit directions θ. */
export interface SlicedWassersteinOptions {
  /** Number of directions (default 256). */
  projections?: number;
  /** Point dimension for flat arrays (default: row length, or 2). */
  dim?: number;
  /** Source of random directions. 2-D without it: evenly spaced angles π(k + ½)/P (deterministic). */
  random?: Random;
}

function dimensionOf(points: Points, dim?: number): number {
  if (dim !== undefined) return dim;
  if (Array.isArray(points) && points.length > 0) return points[0].length;
  return 2;
}

/** Exact W1 between the empirical distributions of two 1-D samples (sorted in place). */
export function wasserstein1d(a: Float64Array, b: Float64Array): number {
  if (a.length === 0 || b.length === 0) throw usageError('wasserstein1d: expected two non-empty samples');
  a.sort();
  b.sort();
  const n = a.length;
  const m = b.length;
  if (n === m) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.abs(a[i] - b[i]);
    return sum / n;
  }
  // ∫ |F_a(t) − F_b(t)| dt, walking the merged order statistics.
  let i = 0;
  let j = 0;
  let previous = Math.min(a[0], b[0]);
  let total = 0;
  while (i < n || j < m) {
    const next = j >= m || (i < n && a[i] <= b[j]) ? a[i] : b[j];
    total += Math.abs(i / n - j / m) * (next - previous);
    previous = next;
    if (j >= m || (i < n && a[i] <= b[j])) i++;
    else j++;
  }
  return total;
}

/** Sliced Wasserstein-1 distance between two point sets of the same dimension (sizes may differ). */
export function slicedWasserstein(a: Points, b: Points, opts: SlicedWassersteinOptions = {}): number {
  const d = dimensionOf(a, opts.dim);
  const projections = opts.projections ?? 256;
  if (!Number.isInteger(projections) || projections < 1) {
    throw usageError(`slicedWasserstein: expected projections ≥ 1 integer, got ${projections}`);
  }
  const x = toFlat(a, d, 'a');
  const y = toFlat(b, d, 'b');
  const n = x.length / d;
  const m = y.length / d;
  const px = new Float64Array(n);
  const py = new Float64Array(m);
  const direction = new Float64Array(d);
  const random = opts.random ?? (d === 2 ? undefined : new Random(0));
  let total = 0;
  for (let p = 0; p < projections; p++) {
    if (random === undefined) {
      const angle = (Math.PI * (p + 0.5)) / projections;
      direction[0] = Math.cos(angle);
      direction[1] = Math.sin(angle);
    } else {
      let norm = 0;
      do {
        norm = 0;
        for (let j = 0; j < d; j++) {
          direction[j] = random.normal();
          norm += direction[j] * direction[j];
        }
      } while (norm === 0);
      norm = Math.sqrt(norm);
      for (let j = 0; j < d; j++) direction[j] /= norm;
    }
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += x[i * d + j] * direction[j];
      px[i] = s;
    }
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += y[i * d + j] * direction[j];
      py[i] = s;
    }
    total += wasserstein1d(px, py);
  }
  return total / projections;
}

/** Options of `wassersteinExact` (optimal assignment between equal-size sets). */
export interface ExactWassersteinOptions {
  /** Point dimension for flat arrays (default: row length, or 2). */
  dim?: number;
  /** Refuse sets larger than this (O(n³) time, n² memory; default 2,500 — about 5–10 s on one core). */
  maxPoints?: number;
}

/**
 * Minimum-cost perfect matching of an n×n cost matrix, given row-major or as a function (Hungarian algorithm
 * with potentials, shortest augmenting paths, O(n³)). Returns `assignment[row] = column` and the total cost.
 */
export function optimalAssignment(
  n: number,
  costs: Float64Array | ((row: number, column: number) => number),
): { assignment: Int32Array; cost: number } {
  if (typeof costs !== 'function' && costs.length !== n * n) {
    throw usageError(`optimalAssignment: expected ${n}×${n} = ${n * n} costs, got ${costs.length}`);
  }
  const matrix = typeof costs === 'function' ? undefined : costs;
  const cost = typeof costs === 'function' ? costs : (i: number, j: number) => costs[i * n + j];
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1); // p[column] = row matched to column (1-based; 0 = none)
  const way = new Int32Array(n + 1);
  const minv = new Float64Array(n + 1);
  const used = new Uint8Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Number.POSITIVE_INFINITY);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Number.POSITIVE_INFINITY;
      let j1 = 0;
      const row = (i0 - 1) * n - 1;
      const ui0 = u[i0];
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const current = (matrix ? matrix[row + j] : cost(i0 - 1, j - 1)) - ui0 - v[j];
        if (current < minv[j]) {
          minv[j] = current;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const assignment = new Int32Array(n);
  let total = 0;
  for (let j = 1; j <= n; j++) {
    assignment[p[j] - 1] = j - 1;
    total += cost(p[j] - 1, j - 1);
  }
  return { assignment, cost: total };
}

/** Exact Wasserstein-1 between two equal-size point sets (uniform weights, Euclidean ground cost). */
export function wassersteinExact(a: Points, b: Points, opts: ExactWassersteinOptions = {}): number {
  const d = dimensionOf(a, opts.dim);
  const x = toFlat(a, d, 'a');
  const y = toFlat(b, d, 'b');
  const n = x.length / d;
  const maxPoints = opts.maxPoints ?? 2500;
  if (y.length / d !== n) {
    throw usageError(`wassersteinExact: expected two sets of the same size, got ${n} and ${y.length / d}`);
  }
  if (n === 0) throw usageError('wassersteinExact: expected non-empty sets');
  if (n > maxPoints) {
    throw usageError(
      `wassersteinExact: ${n} points exceed maxPoints ${maxPoints} (O(n³)); subsample or use slicedWasserstein`,
    );
  }
  const cost = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const diff = x[i * d + k] - y[j * d + k];
        s += diff * diff;
      }
      cost[i * n + j] = Math.sqrt(s);
    }
  }
  return optimalAssignment(n, cost).cost / n;
}
