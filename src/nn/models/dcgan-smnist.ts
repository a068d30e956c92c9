// The GDPP paper's Stacked-MNIST DCGAN (official code; PAPERS.md §5), for 28×28×C images in [0, 1]:
// G: z128 → FC 4096, BN (per feature, as the official Batchnorm over axis 0), ReLU → reshape 4×4×256
//    → deconv5 s2 128 (crop 8×8 → 7×7), BN, ReLU → deconv5 s2 64, BN, ReLU → deconv5 s2 C → sigmoid.
// D: conv5 s2 64, conv5 s2 128, conv5 s2 256 (LeakyReLU 0.2, no BN) → flatten (= φ, 4·4·256) → FC1 logit.
// Samples travel flattened ([n, 28·28·C], as Dataset.sample gives them). Kernels start from the official code's
// tflib scheme (init.ts); DCGAN's N(0, 0.02²) gave nearly identical samples at step 0 (mean distance to the
// batch mean ≈ 2.2 vs the data's 12.6, L2 over 28·28·3 pixels; tflib: 7.6).
import * as tfl from '@tensorflow/tfjs-layers';
import { usageError } from '../../errors.js';
import { Discriminator, Generator } from './network.js';
import type { ModelSpec, WrapLayer } from './types.js';

export const DCGAN_SMNIST_LATENT_DIM = 128;

/** The GDPP paper's Stacked-MNIST DCGAN for 28×28×C images in [0, 1] (z ∈ R¹²⁸). */
export function dcganSmnist(dataShape: number[], wrap: WrapLayer): ModelSpec {
  if (dataShape.length !== 3 || dataShape[0] !== 28 || dataShape[1] !== 28) {
    throw usageError(
      `model "dcgan-smnist" needs 28×28×C images, got data of shape [${dataShape.join(', ')}]: use "mlp-gdpp" for 2-D mixtures or "sn-cnn" for 32×32 images`,
    );
  }
  const channels = dataShape[2];
  const deconv = (filters: number) =>
    tfl.layers.conv2dTranspose({ filters, kernelSize: 5, strides: 2, padding: 'same', useBias: false });
  const generator = new Generator(DCGAN_SMNIST_LATENT_DIM, dataShape, [
    tfl.layers.dense({ units: 4 * 4 * 256, useBias: false, inputShape: [DCGAN_SMNIST_LATENT_DIM] }),
    tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }),
    tfl.layers.reLU(),
    tfl.layers.reshape({ targetShape: [4, 4, 256] }),
    deconv(128),
    tfl.layers.cropping2D({
      cropping: [
        [0, 1],
        [0, 1],
      ],
    }),
    tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }),
    tfl.layers.reLU(),
    deconv(64),
    tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }),
    tfl.layers.reLU(),
    tfl.layers.conv2dTranspose({ filters: channels, kernelSize: 5, strides: 2, padding: 'same' }),
    tfl.layers.activation({ activation: 'sigmoid' }),
    tfl.layers.flatten(),
  ]);
  const conv = (filters: number) =>
    wrap(tfl.layers.conv2d({ filters, kernelSize: 5, strides: 2, padding: 'same' }));
  const discriminator = new Discriminator(
    dataShape,
    [
      tfl.layers.reshape({ targetShape: dataShape }),
      conv(64),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      conv(128),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      conv(256),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      tfl.layers.flatten(),
    ],
    [wrap(tfl.layers.dense({ units: 1 }))],
  );
  return { generator, discriminator, init: { kind: 'tflib' }, pixelRange: 'unit' };
}
