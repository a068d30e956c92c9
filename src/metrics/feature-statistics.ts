// Distances between two sets of feature vectors (rows of n×d row-major arrays), in Float64.
// FID (Heusel et al. 2017): ‖μa − μb‖² + Tr(Σa + Σb − 2(ΣaΣb)^½), with Tr((ΣaΣb)^½) = Σ √λ of the symmetric PSD
// matrix Σa^½ Σb Σa^½ (same spectrum as ΣaΣb), so only symmetric eigensolves are needed.
// KID (Bińkowski et al. 2018): unbiased MMD² with the cubic kernel k(x, y) = (xᵀy/d + 1)³, averaged over subsets.
// Classifier score (Inception-score style, Salimans et al. 2016): exp(E_x KL(p(y|x) ‖ p(y))).
import { symmetricEigen } from '../linalg/symmetric-eigen.js';
import type { Random } from '../random.js';

/** Mean and (unbiased) covariance of n feature rows of dimension d. */
export function meanAndCovariance(features: ArrayLike<number>, n: number, d: number) {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += features[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const covariance = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) centred[j] = features[i * d + j] - mean[j];
    for (let j = 0; j < d; j++) {
      const cj = centred[j];
      if (cj === 0) continue;
      const row = j * d;
      for (let k = 0; k <= j; k++) covariance[row + k] += cj * centred[k];
    }
  }
  const scale = 1 / Math.max(n - 1, 1);
  for (let j = 0; j < d; j++) {
    for (let k = 0; k <= j; k++) {
      covariance[j * d + k] *= scale;
      covariance[k * d + j] = covariance[j * d + k];
    }
  }
  return { mean, covariance };
}

/** Centred rows scaled by 1/√(n − 1), so that Yᵀ·Y is the unbiased covariance. */
function scaledCentredRows(
  features: ArrayLike<number>,
  n: number,
  d: number,
  mean: Float64Array,
): Float64Array {
  const scale = 1 / Math.sqrt(Math.max(n - 1, 1));
  const rows = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) rows[i * d + j] = (features[i * d + j] - mean[j]) * scale;
  return rows;
}

/** Σ √λ over the eigenvalues λ of a symmetric PSD matrix (negative round-off clamped to 0). */
function traceOfSquareRoot(matrix: Float64Array, size: number): number {
  let sum = 0;
  for (const value of symmetricEigen(matrix, size).values) sum += Math.sqrt(Math.max(value, 0));
  return sum;
}

/**
 * Tr((Σa·Σb)^½) for Σa = YaᵀYa, Σb = YbᵀYb. The eigenvalues of ΣaΣb are the squared singular values of
 * Ya·Ybᵀ (na × nb), so with few samples (na, nb < d) we eigensolve the na × na matrix (YaYbᵀ)(YaYbᵀ)ᵀ; otherwise
 * Σa = V·Λ·Vᵀ and the d × d matrix Λ^½·(VᵀΣbV)·Λ^½ has the same spectrum as Σa^½ Σb Σa^½.
 */
function crossTrace(
  ya: Float64Array,
  na: number,
  yb: Float64Array,
  nb: number,
  d: number,
  covarianceA: Float64Array,
  covarianceB: Float64Array,
): number {
  if (Math.max(na, nb) < d) {
    const g = new Float64Array(na * nb);
    for (let i = 0; i < na; i++) {
      for (let j = 0; j < nb; j++) {
        let dot = 0;
        for (let k = 0; k < d; k++) dot += ya[i * d + k] * yb[j * d + k];
        g[i * nb + j] = dot;
      }
    }
    const ggt = new Float64Array(na * na);
    for (let i = 0; i < na; i++) {
      for (let j = 0; j <= i; j++) {
        let dot = 0;
        for (let k = 0; k < nb; k++) dot += g[i * nb + k] * g[j * nb + k];
        ggt[i * na + j] = dot;
        ggt[j * na + i] = dot;
      }
    }
    return traceOfSquareRoot(ggt, na);
  }
  const { values, vectors } = symmetricEigen(covarianceA, d);
  // inner = Vᵀ Σb V, then scaled by √λ on both sides.
  const vt = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) vt[j * d + i] = vectors[i * d + j];
  const bv = multiply(covarianceB, vectors, d);
  const inner = multiply(vt, bv, d);
  const root = values.map((value) => Math.sqrt(Math.max(value, 0)));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      const value = 0.5 * (inner[i * d + j] + inner[j * d + i]) * root[i] * root[j];
      inner[i * d + j] = value;
      inner[j * d + i] = value;
    }
  }
  return traceOfSquareRoot(inner, d);
}

function multiply(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k];
      if (aik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j] += aik * b[k * d + j];
    }
  }
  return out;
}

/** Fréchet distance between Gaussians fitted to two feature sets (FID when the features are Inception's). */
export function frechetDistance(
  a: ArrayLike<number>,
  na: number,
  b: ArrayLike<number>,
  nb: number,
  d: number,
): number {
  const first = meanAndCovariance(a, na, d);
  const second = meanAndCovariance(b, nb, d);
  let meanTerm = 0;
  let traceTerm = 0;
  for (let j = 0; j < d; j++) {
    meanTerm += (first.mean[j] - second.mean[j]) ** 2;
    traceTerm += first.covariance[j * d + j] + second.covariance[j * d + j];
  }
  const ya = scaledCentredRows(a, na, d, first.mean);
  const yb = scaledCentredRows(b, nb, d, second.mean);
  const cross = crossTrace(ya, na, yb, nb, d, first.covariance, second.covariance);
  return Math.max(meanTerm + traceTerm - 2 * cross, 0);
}

function cubicKernel(x: ArrayLike<number>, i: number, y: ArrayLike<number>, j: number, d: number): number {
  let dot = 0;
  for (let k = 0; k < d; k++) dot += x[i * d + k] * y[j * d + k];
  return (dot / d + 1) ** 3;
}

/** m distinct indices of [0, n) (partial Fisher–Yates). */
function sampleWithoutReplacement(n: number, m: number, random: Random): Int32Array {
  const pool = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + random.integer(n - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.subarray(0, m);
}

/** Kernel Inception distance: unbiased MMD² (cubic kernel) averaged over `subsets` random subsets. */
export function kernelDistance(
  a: ArrayLike<number>,
  na: number,
  b: ArrayLike<number>,
  nb: number,
  d: number,
  random: Random,
  opts: { subsets?: number; subsetSize?: number } = {},
): { mean: number; std: number } {
  const subsets = opts.subsets ?? 10;
  const m = Math.min(opts.subsetSize ?? 1000, na, nb);
  // The unbiased within-set terms divide by m(m − 1): one sample per subset would give 0/0 = NaN.
  if (!(m >= 2) || !(subsets >= 1)) {
    throw new RangeError(
      `kernelDistance: needs subsets of at least 2 samples from each set and at least 1 subset, got subset size ${m} (sets of ${na} and ${nb}) and ${subsets} subsets`,
    );
  }
  const estimates: number[] = [];
  for (let s = 0; s < subsets; s++) {
    const ia = sampleWithoutReplacement(na, m, random);
    const ib = sampleWithoutReplacement(nb, m, random);
    let kaa = 0;
    let kbb = 0;
    let kab = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        if (i !== j) {
          kaa += cubicKernel(a, ia[i], a, ia[j], d);
          kbb += cubicKernel(b, ib[i], b, ib[j], d);
        }
        kab += cubicKernel(a, ia[i], b, ib[j], d);
      }
    }
    estimates.push(kaa / (m * (m - 1)) + kbb / (m * (m - 1)) - (2 * kab) / (m * m));
  }
  const mean = estimates.reduce((x, y) => x + y, 0) / subsets;
  const std = Math.sqrt(estimates.reduce((x, y) => x + (y - mean) ** 2, 0) / subsets);
  return { mean, std };
}

/** exp(E_x KL(p(y|x) ‖ p(y))) from class probabilities (n rows of `classes`). */
export function classifierScore(probabilities: ArrayLike<number>, n: number, classes: number): number {
  const marginal = new Float64Array(classes);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < classes; c++) marginal[c] += probabilities[i * classes + c] / n;
  let kl = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < classes; c++) {
      const p = probabilities[i * classes + c];
      if (p > 0) kl += p * (Math.log(p) - Math.log(marginal[c]));
    }
  }
  return Math.exp(kl / n);
}
