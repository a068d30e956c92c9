// Learning-rate decay (config "lrDecay"): both Adam learning rates follow the config's lr until step `start`,
// then fall linearly to 0 at step `end` (default: the run's iterations), as mimicry's lr_decay="linear" and
// the linear decay of many GAN codebases. The factor of the update that takes the trainer from step s to s + 1:
//   f(s) = 1                                       for s < start
//        = max(0, 1 − (s − start) / (end − start))  otherwise
// It depends on the step alone, so a resumed run continues the same schedule.

/** The `"lrDecay"` entry of a resolved config. */
export interface LearningRateDecay {
  kind: 'linear';
  /** Last step at full learning rate. */
  start: number;
  /** Step at which the learning rate reaches 0. */
  end: number;
}

/** The learning-rate multiplier of the update from step `step` to `step + 1` (1 without a decay). */
export function learningRateFactor(step: number, decay: LearningRateDecay | undefined): number {
  if (decay === undefined || step < decay.start) return 1;
  return Math.max(0, 1 - (step - decay.start) / (decay.end - decay.start));
}
