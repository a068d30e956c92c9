// The sum behind every KL metric here (internal: not re-exported from index.ts). histogramKl / modeKl apply it to
// ε-smoothed, renormalised histograms; modeStatistics to the raw mode frequencies and the reference as given.

/** Σ_i p_i·log(p_i / q_i) over i < p.length with p_i > 0, summed in ascending i; q_i = 0 < p_i gives ∞. */
export function klSum(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let kl = 0;
  for (let i = 0; i < p.length; i++) if (p[i] > 0) kl += p[i] * Math.log(p[i] / q[i]);
  return kl;
}
