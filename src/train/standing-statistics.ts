// Standing statistics for batch norm (Brock et al., ICLR 2019, BigGAN §3.1 / appendix; StudioGAN's
// "standing_statistics"): recompute every batch-norm layer's moving mean and variance for the weights the network
// holds now — e.g. the moving average of G's weights, which never ran forward during training. With the batch
// means m_k and (biased) variances v_k of K training-mode forward passes,
//   moving_mean = (1/K) Σ_k m_k,   moving_variance = (1/K) Σ_k v_k,
// obtained through tfjs-layers' own update, moving ← moving − (moving − batch)·(1 − momentum), with momentum
// 1 − 1/k on pass k (pass 1 copies its batch's statistics, pass k folds in its share 1/k).
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** A batch-norm layer's momentum, which tfjs-layers reads at every training-mode call (a readonly field in its types). */
interface MomentumField {
  momentum: number;
}

/** The batch-norm layers among `layers`. */
export function batchNormLayers(layers: readonly tfl.layers.Layer[]): tfl.layers.Layer[] {
  return layers.filter((layer) => layer.getClassName() === 'BatchNormalization');
}

/** The momentum that makes pass k (1-based) of a standing-statistics run a running plain average. */
export function standingMomentum(pass: number): number {
  return 1 - 1 / pass;
}

/**
 * Set the moving statistics of `layers`' batch norms to the average batch statistics of `passes` training-mode
 * forward passes; `forward(pass)` runs one (its tensors are disposed here). The layers' momenta are restored
 * afterwards, also on a throw. Without batch-norm layers it does nothing.
 */
export function standBatchNormStatistics(
  layers: readonly tfl.layers.Layer[],
  passes: number,
  forward: (pass: number) => tf.Tensor,
): void {
  const norms = batchNormLayers(layers) as unknown as MomentumField[];
  if (norms.length === 0 || passes < 1) return;
  const momenta = norms.map((layer) => layer.momentum);
  try {
    for (let pass = 1; pass <= passes; pass++) {
      for (const layer of norms) layer.momentum = standingMomentum(pass);
      tf.tidy(() => {
        forward(pass);
      });
    }
  } finally {
    norms.forEach((layer, i) => {
      layer.momentum = momenta[i];
    });
  }
}
