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
