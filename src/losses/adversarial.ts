// Adversarial GAN losses, all computed from discriminator logits (pre-sigmoid outputs) [n, 1].
// Sigmoid losses use softplus forms, stable for any logit: −log σ(t) = softplus(−t), −log(1 − σ(t)) = softplus(t).
//   minimax (Goodfellow 2014):   L_D = E softplus(−D(x)) + E softplus(D(G(z)));   L_G = −E softplus(D(G(z)))
//   nonsaturating:               L_D as minimax;                                    L_G = E softplus(−D(G(z)))
//   wasserstein (Arjovsky 2017): L_D = E D(G(z)) − E D(x);                         L_G = −E D(G(z))
//   hinge (SN paper eq. 17):     L_D = E relu(1 − D(x)) + E relu(1 + D(G(z)));     L_G = −E D(G(z))
//   least-squares (Mao 2017):    L_D = ½E (D(x) − 1)² + ½E D(G(z))²;               L_G = ½E (D(G(z)) − 1)²
import * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../errors.js';

/** The adversarial losses a config may name (`"loss"`). */
export const ADVERSARIAL_LOSS_NAMES = [
  'minimax',
  'nonsaturating',
  'wasserstein',
  'hinge',
  'least-squares',
] as const;
/** One of ADVERSARIAL_LOSS_NAMES. */
export type AdversarialLossName = (typeof ADVERSARIAL_LOSS_NAMES)[number];

/** A GAN objective as a pair of losses to minimise: L_D(D(x), D(G(z))) and L_G(D(G(z))). */
export interface AdversarialLoss {
  readonly name: AdversarialLossName;
  /** The discriminator's loss (to minimise) from the logits of a real and a generated batch. */
  discriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar;
  /** The generator's loss (to minimise) from the logits of a generated batch. */
  generatorLoss(fakeLogits: tf.Tensor): tf.Scalar;
}

const mean = (t: tf.Tensor): tf.Scalar => tf.mean(t) as tf.Scalar;

const sigmoidDiscriminator = (real: tf.Tensor, fake: tf.Tensor): tf.Scalar =>
  tf.tidy(() => tf.add(mean(tf.softplus(tf.neg(real))), mean(tf.softplus(fake))));

const LOSSES: Record<AdversarialLossName, Omit<AdversarialLoss, 'name'>> = {
  minimax: {
    discriminatorLoss: sigmoidDiscriminator,
    generatorLoss: (fake) => tf.tidy(() => tf.neg(mean(tf.softplus(fake)))),
  },
  nonsaturating: {
    discriminatorLoss: sigmoidDiscriminator,
    generatorLoss: (fake) => tf.tidy(() => mean(tf.softplus(tf.neg(fake)))),
  },
  wasserstein: {
    discriminatorLoss: (real, fake) => tf.tidy(() => tf.sub(mean(fake), mean(real))),
    generatorLoss: (fake) => tf.tidy(() => tf.neg(mean(fake))),
  },
  hinge: {
    discriminatorLoss: (real, fake) =>
      tf.tidy(() => tf.add(mean(tf.relu(tf.sub(1, real))), mean(tf.relu(tf.add(1, fake))))),
    generatorLoss: (fake) => tf.tidy(() => tf.neg(mean(fake))),
  },
  'least-squares': {
    discriminatorLoss: (real, fake) =>
      tf.tidy(() => tf.mul(0.5, tf.add(mean(tf.square(tf.sub(real, 1))), mean(tf.square(fake))))),
    generatorLoss: (fake) => tf.tidy(() => tf.mul(0.5, mean(tf.square(tf.sub(fake, 1))))),
  },
};

/** The adversarial loss of the given name. */
export function adversarialLoss(name: string): AdversarialLoss {
  if (!(ADVERSARIAL_LOSS_NAMES as readonly string[]).includes(name)) {
    throw usageError(`unknown loss "${name}": expected one of ${ADVERSARIAL_LOSS_NAMES.join(', ')}`);
  }
  return { name: name as AdversarialLossName, ...LOSSES[name as AdversarialLossName] };
}
