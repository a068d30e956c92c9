// Learning-rate decay (config "lrDecay"): both Adam learning rates follow the config's lr for the first `from`
// fraction of the run's iterations T, then fall linearly to 0 at step T, like mimicry's lr_decay="linear"
// (from 0) and the "constant, then linear decay" schedules of many GAN codebases. The factor of the update
// that takes the trainer from step s to s + 1, with start = round(from·T) (at most T − 1):
//   f(s) = 1                                      for s < start
//        = max(0, 1 − (s − start) / (T − start))   otherwise
// It depends on the step and T alone, so a resumed run continues the same schedule. A resume that changes
// `iterations` recomputes it for the new T: the rate of a run extended late in its decay rises again.

/** The `"lrDecay"` entry of a config. */
export interface LearningRateDecay {
  kind: 'linear';
  /** Fraction of the iterations trained at the full rate, in [0, 1). */
  from: number;
}

/** The learning-rate multiplier of the update from step `step` to `step + 1` of `iterations` (1 without a decay). */
export function learningRateFactor(
  step: number,
  iterations: number,
  decay: LearningRateDecay | undefined,
): number {
  if (decay === undefined) return 1;
  const start = Math.min(iterations - 1, Math.round(decay.from * iterations));
  if (step < start) return 1;
  return Math.max(0, 1 - (step - start) / (iterations - start));
}
