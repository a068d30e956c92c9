// Mode coverage and high-quality (HQ) samples — the GDPP Table 1 protocol (PAPERS.md §4, after VEEGAN):
// each sample is assigned to its nearest centre; it is HQ when its distance to that centre is ≤ threshold·σ
// (threshold 3); a mode is covered when at least one HQ sample is assigned to it; HQ% = HQ samples / N.
// All distances are computed in Float64.
import { usageError } from '../errors.js';

/** Points as a flat row-major array [N × d] or as rows. */
export type Points = Float32Array | Float64Array | number[][];

/** Options of `modeCoverage`. */
export interface ModeCoverageOptions {
  /** HQ radius in units of σ (default 3). */
  threshold?: number;
}

/**
 * Mode coverage (GDPP protocol): a sample is high-quality (HQ) within threshold·σ of its nearest centre; a
 * mode is covered by ≥ 1 HQ sample.
 */
export interface ModeCoverage {
  /** Number of centres with ≥ 1 HQ sample. */
  modes: number;
  /** Number of centres. */
  totalModes: number;
  /** HQ samples as a percentage of all samples (0–100). */
  hq: number;
  /** HQ samples / all samples (0–1). */
  hqFraction: number;
  /** Number of HQ samples. */
  hqCount: number;
  /** HQ samples per centre (same order as `centres`). */
  perMode: number[];
  /** Samples whose nearest centre is each centre, HQ or not. */
  nearest: number[];
  /** Number of samples. */
  total: number;
  /** Samples with a NaN/±∞ coordinate (assigned to no centre, never HQ, still counted in `total`). */
  nonFinite: number;
}

/** Flatten points to a Float64Array [N × d], checking the dimension. */
export function toFlat(points: Points, d: number, what = 'samples'): Float64Array {
  if (Array.isArray(points)) {
    const flat = new Float64Array(points.length * d);
    points.forEach((row, i) => {
      if (row.length !== d) throw usageError(`${what}[${i}]: expected ${d} coordinates, got ${row.length}`);
      for (let j = 0; j < d; j++) flat[i * d + j] = row[j];
    });
    return flat;
  }
  if (points.length % d !== 0) {
    throw usageError(`${what}: flat array length ${points.length} is not a multiple of the dimension ${d}`);
  }
  return Float64Array.from(points);
}

/** Mode coverage and HQ% of `samples` with respect to equal-σ mixture `centres`. */
export function modeCoverage(
  samples: Points,
  centres: number[][],
  std: number,
  opts: ModeCoverageOptions = {},
): ModeCoverage {
  const threshold = opts.threshold ?? 3;
  if (centres.length === 0) throw usageError('modeCoverage: expected at least one centre');
  if (!(std > 0)) throw usageError(`modeCoverage: expected std > 0, got ${std}`);
  if (!(threshold > 0)) throw usageError(`modeCoverage: expected threshold > 0, got ${threshold}`);
  const d = centres[0].length;
  const x = toFlat(samples, d);
  const c = toFlat(centres, d, 'centres');
  const n = x.length / d;
  const k = centres.length;
  const radius2 = (threshold * std) ** 2;
  const perMode = new Array<number>(k).fill(0);
  const nearest = new Array<number>(k).fill(0);
  let hqCount = 0;
  let nonFinite = 0;
  for (let i = 0; i < n; i++) {
    let finite = true;
    for (let j = 0; j < d; j++) finite &&= Number.isFinite(x[i * d + j]);
    if (!finite) {
      nonFinite++;
      continue;
    }
    let best = 0;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (let m = 0; m < k; m++) {
      let distance = 0;
      for (let j = 0; j < d; j++) {
        const diff = x[i * d + j] - c[m * d + j];
        distance += diff * diff;
      }
      if (distance < bestDistance) {
        bestDistance = distance;
        best = m;
      }
    }
    nearest[best]++;
    if (bestDistance <= radius2) {
      perMode[best]++;
      hqCount++;
    }
  }
  const hqFraction = n === 0 ? 0 : hqCount / n;
  return {
    modes: perMode.filter((count) => count > 0).length,
    totalModes: k,
    hq: 100 * hqFraction,
    hqFraction,
    hqCount,
    perMode,
    nearest,
    total: n,
    nonFinite,
  };
}
