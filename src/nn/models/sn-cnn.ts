// The spectral-normalization paper's "standard CNN" (Miyato et al. 2018, Table 3) for H×W×C images (H = W,
// divisible by 8; 32×32 in the paper), generator output in [−1, 1]:
// G: z128 → FC (H/8)²·512, BN, ReLU → deconv4 s2 256, 128, 64 (each BN, ReLU) → conv3 C → tanh.
// D: conv3 64 s1, conv4 64 s2, conv3 128 s1, conv4 128 s2, conv3 256 s1, conv4 256 s2, conv3 512 s1
//    (each LeakyReLU 0.1) → flatten (= φ) → FC1 logit. Glorot-uniform kernels as in the reference code.
// Samples travel flattened ([n, H·W·C], as Dataset.sample gives them).
import * as tfl from '@tensorflow/tfjs-layers';
import { usageError } from '../../errors.js';
import { Discriminator, Generator } from './network.js';
import type { ModelSpec, WrapLayer } from './types.js';

export const SN_CNN_LATENT_DIM = 128;

/**
 * The SN-GAN paper's standard CNN for square H×W×C images (H divisible by 8), generator output in [−1, 1].
 */
export function snCnn(dataShape: number[], wrap: WrapLayer): ModelSpec {
  const [height, width, channels] = dataShape;
  if (dataShape.length !== 3 || height !== width || height % 8 !== 0) {
    throw usageError(
      `model "sn-cnn" needs square H×W×C images with H divisible by 8 (32×32 in the paper), got data of shape [${dataShape.join(', ')}]`,
    );
  }
  const base = height / 8;
  const bn = () => tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 });
  const deconv = (filters: number) =>
    tfl.layers.conv2dTranspose({ filters, kernelSize: 4, strides: 2, padding: 'same', useBias: false });
  const generator = new Generator(SN_CNN_LATENT_DIM, dataShape, [
    tfl.layers.dense({ units: base * base * 512, useBias: false, inputShape: [SN_CNN_LATENT_DIM] }),
    tfl.layers.reshape({ targetShape: [base, base, 512] }),
    bn(),
    tfl.layers.reLU(),
    ...[256, 128, 64].flatMap((filters) => [deconv(filters), bn(), tfl.layers.reLU()]),
    tfl.layers.conv2d({ filters: channels, kernelSize: 3, strides: 1, padding: 'same' }),
    tfl.layers.activation({ activation: 'tanh' }),
    tfl.layers.flatten(),
  ]);
  const conv = (filters: number, kernelSize: number, strides: number) => [
    wrap(tfl.layers.conv2d({ filters, kernelSize, strides, padding: 'same' })),
    tfl.layers.leakyReLU({ alpha: 0.1 }),
  ];
  const discriminator = new Discriminator(
    dataShape,
    [
      tfl.layers.reshape({ targetShape: dataShape }),
      ...conv(64, 3, 1),
      ...conv(64, 4, 2),
      ...conv(128, 3, 1),
      ...conv(128, 4, 2),
      ...conv(256, 3, 1),
      ...conv(256, 4, 2),
      ...conv(512, 3, 1),
      tfl.layers.flatten(),
    ],
    [wrap(tfl.layers.dense({ units: 1 }))],
  );
  return { generator, discriminator, init: { kind: 'glorot-uniform' }, pixelRange: 'symmetric' };
}
