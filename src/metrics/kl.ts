// Kullback–Leibler divergences from histograms (natural log, nats):
//   KL(p ‖ q) = Σ_i p_i log(p_i / q_i), with every bin's probability smoothed by ε and renormalised so
//   that empty reference bins give a large finite value instead of ∞.
// reverseKl(generated, real) = KL(P_generated ‖ P_real) on a 2-D grid histogram (it punishes generated mass
// where the data has none); modeKl(counts) = KL(generated-mode histogram ‖ reference), the Stacked-MNIST
// statistic (PAPERS.md §5), also usable with modeCoverage's `nearest` counts.
import { usageError } from '../errors.js';
import { klSum } from './kl-sum.js';
import { type Points, toFlat } from './mode-coverage.js';

/** KL(p ‖ q) of two histograms of counts or probabilities (same length), smoothed by `epsilon`. */
export function histogramKl(p: ArrayLike<number>, q: ArrayLike<number>, epsilon = 1e-10): number {
  if (p.length !== q.length || p.length === 0) {
    throw usageError(
      `histogramKl: expected two non-empty histograms of equal length, got ${p.length} and ${q.length}`,
    );
  }
  const normalise = (h: ArrayLike<number>): Float64Array => {
    let sum = 0;
    for (let i = 0; i < h.length; i++) {
      if (!(h[i] >= 0)) throw usageError(`histogramKl: expected non-negative bins, got ${h[i]} at ${i}`);
      sum += h[i];
    }
    if (sum === 0) throw usageError('histogramKl: a histogram is empty (all bins zero)');
    const out = new Float64Array(h.length);
    let smoothed = 0;
    for (let i = 0; i < h.length; i++) {
      out[i] = h[i] / sum + epsilon;
      smoothed += out[i];
    }
    for (let i = 0; i < h.length; i++) out[i] /= smoothed;
    return out;
  };
  const pn = normalise(p);
  const qn = normalise(q);
  return Math.max(0, klSum(pn, qn));
}

/** KL(generated-mode histogram ‖ reference); reference defaults to uniform over the modes. */
export function modeKl(counts: ArrayLike<number>, reference?: ArrayLike<number>, epsilon = 1e-10): number {
  return histogramKl(counts, reference ?? new Float64Array(counts.length).fill(1), epsilon);
}

/** Options of the 2-D grid histogram behind the KL metrics. */
export interface GridHistogramOptions {
  /** Bins per axis (default 100). */
  bins?: number;
  /** [xmin, xmax, ymin, ymax]; default: the real samples' bounding box padded by 10% per side. */
  bounds?: [number, number, number, number];
  /** Smoothing added to every bin probability (default 1e-10). */
  epsilon?: number;
}

/** Counts of 2-D points on a bins×bins grid; points outside `bounds` go to the nearest edge bin. */
export function gridHistogram(
  points: Points,
  bins: number,
  bounds: [number, number, number, number],
): Float64Array {
  const x = toFlat(points, 2);
  const [xmin, xmax, ymin, ymax] = bounds;
  if (!(xmax > xmin && ymax > ymin)) throw usageError(`gridHistogram: empty bounds ${bounds.join(', ')}`);
  const counts = new Float64Array(bins * bins);
  const clamp = (v: number) => Math.min(bins - 1, Math.max(0, Math.floor(v)));
  for (let i = 0; i < x.length / 2; i++) {
    const bx = clamp(((x[2 * i] - xmin) / (xmax - xmin)) * bins);
    const by = clamp(((x[2 * i + 1] - ymin) / (ymax - ymin)) * bins);
    counts[by * bins + bx]++;
  }
  return counts;
}

/** Bounding box [xmin, xmax, ymin, ymax] of 2-D points, padded by `pad` × extent on each side. */
export function boundsOf(points: Points, pad = 0.1): [number, number, number, number] {
  const x = toFlat(points, 2);
  let xmin = Number.POSITIVE_INFINITY;
  let xmax = Number.NEGATIVE_INFINITY;
  let ymin = Number.POSITIVE_INFINITY;
  let ymax = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < x.length; i += 2) {
    xmin = Math.min(xmin, x[i]);
    xmax = Math.max(xmax, x[i]);
    ymin = Math.min(ymin, x[i + 1]);
    ymax = Math.max(ymax, x[i + 1]);
  }
  if (!Number.isFinite(xmin)) return [-1, 1, -1, 1];
  const px = Math.max(xmax - xmin, 1e-6) * pad;
  const py = Math.max(ymax - ymin, 1e-6) * pad;
  return [xmin - px, xmax + px, ymin - py, ymax + py];
}

/** KL(P_generated ‖ P_real) between 2-D grid histograms of the two sample sets. */
export function reverseKl(generated: Points, real: Points, opts: GridHistogramOptions = {}): number {
  const bins = opts.bins ?? 100;
  const bounds = opts.bounds ?? boundsOf(real);
  return histogramKl(gridHistogram(generated, bins, bounds), gridHistogram(real, bins, bounds), opts.epsilon);
}
