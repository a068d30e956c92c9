// Every 2-D benchmark number for one set of generated samples against a Gaussian-mixture dataset, in one call:
// mode coverage and HQ% (GDPP Table 1 protocol), sliced (and optionally exact) Wasserstein-1 to fresh real
// samples, reverse KL on a grid histogram, and KL of the nearest-centre histogram to uniform.
// Deterministic: the real reference samples come from `random` (default a fixed seed).
import type { Dataset } from '../data/dataset.js';
import { usageError } from '../errors.js';
import { Random } from '../random.js';
import { modeKl, reverseKl } from './kl.js';
import { type ModeCoverage, modeCoverage, type Points } from './mode-coverage.js';
import { slicedWasserstein, wassersteinExact } from './wasserstein.js';

/** Options of `evaluateMixture`. */
export interface MixtureEvaluationOptions {
  /** Source of the real reference samples (default `new Random(0)`). */
  random?: Random;
  /** HQ radius in σ (default 3). */
  threshold?: number;
  /** Also compute the exact W1 (O(n³); n ≤ 2,500). Default false. */
  exactWasserstein?: boolean;
  /** Directions for the sliced W1 (default 256). */
  projections?: number;
}

/** Every mixture metric of one generated sample set: mode coverage, HQ%, sliced/exact W1, KL. */
export interface MixtureEvaluation extends ModeCoverage {
  /** Sliced W1 between generated and as many real samples. */
  slicedWasserstein: number;
  /** Exact W1 (optimal assignment), when requested. */
  wasserstein: number | null;
  /** KL(P_generated ‖ P_real) on a 100×100 histogram over the real samples' padded bounding box. */
  reverseKl: number;
  /** KL(nearest-centre histogram ‖ uniform over the centres). */
  modeKl: number;
}

/** Evaluate generated 2-D samples against a mixture dataset (one with `centres` and `std`). */
export function evaluateMixture(
  generated: Points,
  dataset: Pick<Dataset, 'centres' | 'std' | 'sampleArray' | 'name'>,
  opts: MixtureEvaluationOptions = {},
): MixtureEvaluation {
  const { centres, std } = dataset;
  if (centres === undefined || std === undefined) {
    throw usageError(
      `evaluateMixture: dataset '${dataset.name}' has no mixture centres/std (2-D synthetic data only)`,
    );
  }
  const coverage = modeCoverage(generated, centres, std, { threshold: opts.threshold });
  const n = coverage.total;
  const real = dataset.sampleArray(n, opts.random ?? new Random(0));
  const d = centres[0].length;
  return {
    ...coverage,
    slicedWasserstein: slicedWasserstein(generated, real, { projections: opts.projections, dim: d }),
    wasserstein: opts.exactWasserstein ? wassersteinExact(generated, real, { dim: d }) : null,
    reverseKl: d === 2 ? reverseKl(generated, real) : Number.NaN,
    modeKl: modeKl(coverage.nearest),
  };
}
