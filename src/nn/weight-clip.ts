// Weight clipping (WGAN, Arjovsky et al. 2017; PAPERS.md §3): after each critic update, every critic weight is
// clipped to [−c, c] (c = 0.01), a crude way to keep the critic K-Lipschitz.
// It is a post-step hook, not a tf.layers constraint: tfjs applies layer constraints only in
// LayerVariable.write, never after optimizer.minimize or inside model.fit, so a constraint would silently do
// nothing. Call `clipWeights(critic)` right after each critic step (or use `weightClipCallback` with fit).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { usageError } from '../errors.js';

/** The WGAN paper's clipping bound. */
export const DEFAULT_WEIGHT_CLIP = 0.01;

/** What `clipWeights` clips: a model, a layer, or a list of variables. */
export type ClipTarget = tfl.LayersModel | tfl.layers.Layer | ReadonlyArray<tf.Variable | tfl.LayerVariable>;

function checkClip(c: number): void {
  if (typeof c !== 'number' || !Number.isFinite(c) || c <= 0) {
    throw usageError(`clipWeights: the clip value c must be a finite number > 0 (WGAN uses 0.01), got ${c}`);
  }
}

/**
 * Clips every trainable weight of a model or layer (or every variable in a list) to [−c, c], in place.
 * Non-trainable weights (e.g. batch-norm statistics, a spectral-norm u) are left alone.
 */
export function clipWeights(target: ClipTarget, c = DEFAULT_WEIGHT_CLIP): void {
  checkClip(c);
  const vars = Array.isArray(target) ? target : (target as tfl.layers.Layer).trainableWeights;
  tf.tidy(() => {
    for (const v of vars) {
      if (v instanceof tf.Variable) v.assign(tf.clipByValue(v, -c, c));
      else (v as tfl.LayerVariable).write(tf.clipByValue(v.read(), -c, c));
    }
  });
}

/** A model.fit callback that clips the model's trainable weights after every batch. */
export function weightClipCallback(model: tfl.LayersModel, c = DEFAULT_WEIGHT_CLIP): tfl.CustomCallback {
  checkClip(c);
  return new tfl.CustomCallback({ onBatchEnd: async () => clipWeights(model, c) });
}
