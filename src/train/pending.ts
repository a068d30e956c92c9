// TEMPORARY stand-ins for parts other issues deliver (GDPP loss, gradient penalty, weight clipping), with the
// DESIGN.md signatures. Replaced by the real imports as soon as those files land.
import type * as tf from '@tensorflow/tfjs-core';
import type { Random } from '../random.js';

export function gdppLoss(
  _phiFake: tf.Tensor2D,
  _phiReal: tf.Tensor2D,
  _opts?: { magnitudeWeight?: number; signInvariant?: boolean },
): tf.Scalar {
  throw new Error('gdppLoss: not available yet');
}

export function gradientPenalty(
  _critic: (x: tf.Tensor) => tf.Tensor,
  _real: tf.Tensor,
  _fake: tf.Tensor,
  _opts: { weight: number; kind?: string; random: Random },
): tf.Scalar {
  throw new Error('gradientPenalty: not available yet');
}

export function clipWeights(_vars: tf.Variable[], _c: number): void {
  throw new Error('clipWeights: not available yet');
}
