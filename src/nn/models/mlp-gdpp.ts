// The GDPP paper's synthetic networks (Elfeki et al. 2019, §5.1; official code): z ∈ R²⁵⁶ ~ N(0, I);
// G: FC128-tanh, FC128-tanh, FC(dim); D: FC128-tanh, FC128-tanh (= φ, the GDPP features), FC1 logit.
// Orthogonal initialisation with gain 1.4, zero biases. Activations are separate layers so that a
// spectral-normalization wrapper only ever wraps a linear map.
import * as tfl from '@tensorflow/tfjs-layers';
import { usageError } from '../../errors.js';
import { Discriminator, Generator } from './network.js';
import type { ModelSpec, WrapLayer } from './types.js';

export const MLP_GDPP_LATENT_DIM = 256;
export const MLP_GDPP_HIDDEN = 128;

/** The GDPP paper's synthetic MLPs (G: z ∈ R²⁵⁶ → FC128-tanh ×2 → data; D: FC128-tanh ×2 = φ → logit). */
export function mlpGdpp(dataShape: number[], wrap: WrapLayer): ModelSpec {
  if (dataShape.length !== 1) {
    throw usageError(
      `model "mlp-gdpp" needs vector data (e.g. a 2-D mixture), got data of shape [${dataShape.join(', ')}]: use "dcgan-smnist" or "sn-cnn" for images`,
    );
  }
  const dim = dataShape[0];
  const hidden = MLP_GDPP_HIDDEN;
  const generator = new Generator(MLP_GDPP_LATENT_DIM, dataShape, [
    tfl.layers.dense({ units: hidden, inputShape: [MLP_GDPP_LATENT_DIM] }),
    tfl.layers.activation({ activation: 'tanh' }),
    tfl.layers.dense({ units: hidden }),
    tfl.layers.activation({ activation: 'tanh' }),
    tfl.layers.dense({ units: dim }),
  ]);
  const discriminator = new Discriminator(
    dataShape,
    [
      wrap(tfl.layers.dense({ units: hidden })),
      tfl.layers.activation({ activation: 'tanh' }),
      wrap(tfl.layers.dense({ units: hidden })),
      tfl.layers.activation({ activation: 'tanh' }),
    ],
    [wrap(tfl.layers.dense({ units: 1 }))],
  );
  return { generator, discriminator, init: { kind: 'orthogonal', gain: 1.4 }, pixelRange: null };
}
