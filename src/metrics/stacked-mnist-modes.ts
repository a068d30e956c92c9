// Stacked-MNIST mode metrics (GDPP Table 3): each generated 3-channel image is labelled by classifying its
// channels, mode = 100·a + 10·b + c. Modes covered = number of distinct triples; KL = KL(p_generated ‖ q) with
// q the reference histogram (uniform over 1,000 modes for a uniform training set):
// KL = Σ_m p(m) log(p(m) / q(m)) over modes with p(m) > 0 (no smoothing, unlike kl.ts's modeKl).

import { klSum } from './kl-sum.js';

/** Histogram of modes in [0, numberOfModes). */
export function modeHistogram(modes: ArrayLike<number>, numberOfModes = 1000): Float64Array {
  const counts = new Float64Array(numberOfModes);
  for (let i = 0; i < modes.length; i++) counts[modes[i]]++;
  return counts;
}

/** Modes covered and KL(generated ‖ reference), reference uniform unless given (as probabilities). */
export function modeStatistics(
  modes: ArrayLike<number>,
  numberOfModes = 1000,
  reference?: ArrayLike<number>,
): { modes: number; kl: number } {
  const p = modeHistogram(modes, numberOfModes);
  let covered = 0;
  for (let m = 0; m < numberOfModes; m++) {
    if (p[m] === 0) continue;
    covered++;
    p[m] /= modes.length;
  }
  const kl = klSum(p, reference ?? new Float64Array(numberOfModes).fill(1 / numberOfModes));
  return { modes: covered, kl };
}

/** Combine per-channel digit labels (n×3, channel-major per image) into Stacked-MNIST modes. */
export function tripleModes(channelDigits: ArrayLike<number>, n: number): Int32Array {
  const modes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    modes[i] = 100 * channelDigits[3 * i] + 10 * channelDigits[3 * i + 1] + channelDigits[3 * i + 2];
  }
  return modes;
}

/** Per channel (first, second, third digit), the fraction of samples showing each digit 0–9: [3][10]. */
export function digitMarginals(counts: ArrayLike<number>): number[][] {
  if (counts.length !== 1000) {
    throw new RangeError(`digitMarginals: expected 1000 mode counts, got ${counts.length}`);
  }
  const marginals = [0, 1, 2].map(() => new Array<number>(10).fill(0));
  let total = 0;
  for (let m = 0; m < 1000; m++) {
    const count = counts[m];
    marginals[0][Math.floor(m / 100)] += count;
    marginals[1][Math.floor(m / 10) % 10] += count;
    marginals[2][m % 10] += count;
    total += count;
  }
  return marginals.map((channel) => channel.map((count) => (total > 0 ? count / total : 0)));
}

/**
 * Modes that n samples would cover if their three digits were drawn independently with these per-channel
 * frequencies: Σ_abc 1 − (1 − p1(a)·p2(b)·p3(c))^n. Far above the observed count: the generator couples its
 * channels (joint mode dropping); close to it: the missing modes come from skewed digit frequencies alone.
 */
export function independentChannelsCoverage(marginals: number[][], n: number): number {
  let expected = 0;
  for (let a = 0; a < 10; a++) {
    for (let b = 0; b < 10; b++) {
      for (let c = 0; c < 10; c++) {
        const p = marginals[0][a] * marginals[1][b] * marginals[2][c];
        // 1 − (1 − p)^n without cancellation for small p: −expm1(n·log1p(−p)).
        expected += p >= 1 ? 1 : -Math.expm1(n * Math.log1p(-p));
      }
    }
  }
  return expected;
}

/** independentChannelsCoverage of a mode histogram: its own digit frequencies, its own sample count. */
export function modesIfChannelsIndependent(counts: ArrayLike<number>): number {
  let samples = 0;
  for (let m = 0; m < counts.length; m++) samples += counts[m];
  return independentChannelsCoverage(digitMarginals(counts), samples);
}
