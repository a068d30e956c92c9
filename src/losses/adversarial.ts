// Adversarial GAN losses, all computed from discriminator logits (pre-sigmoid outputs) [n, 1].
// Sigmoid losses use softplus forms, stable for any logit: −log σ(t) = softplus(−t), −log(1 − σ(t)) = softplus(t).
//   minimax (Goodfellow 2014):   L_D = E softplus(−D(x)) + E softplus(D(G(z)));   L_G = −E softplus(D(G(z)))
//   nonsaturating:               L_D as minimax;                                    L_G = E softplus(−D(G(z)))
//   wasserstein (Arjovsky 2017): L_D = E D(G(z)) − E D(x);                         L_G = −E D(G(z))
//   hinge (SN paper eq. 17):     L_D = E relu(1 − D(x)) + E relu(1 + D(G(z)));     L_G = −E D(G(z))
//   least-squares (Mao 2017):    L_D = ½E (D(x) − 1)² + ½E D(G(z))²;               L_G = ½E (D(G(z)) − 1)²
// Label smoothing (sigmoid losses only): soft targets (r, f) in place of (1, 0), with the binary cross-entropy
// BCE(t, y) = y·softplus(−t) + (1 − y)·softplus(t):
//   L_D = E BCE(D(x), r) + E BCE(D(G(z)), f);  nonsaturating L_G = E BCE(D(G(z)), r);  minimax L_G = −E BCE(D(G(z)), f)
// (the official GDPP Stacked-MNIST code: r = 0.9, f = 0.1; (1, 0) gives the formulas above).
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

/** Soft targets of the sigmoid losses (label smoothing): D aims at `real` on data and at `fake` on samples. */
export interface LabelTargets {
  real: number;
  fake: number;
}

/** The adversarial losses that take soft targets (LabelTargets). */
export const SMOOTHABLE_LOSS_NAMES: readonly AdversarialLossName[] = ['minimax', 'nonsaturating'];

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

/** Mean binary cross-entropy of logits against the constant target y: E[y·softplus(−t) + (1 − y)·softplus(t)]. */
const crossEntropy = (logits: tf.Tensor, target: number): tf.Scalar =>
  tf.tidy(() =>
    tf.add(tf.mul(target, mean(tf.softplus(tf.neg(logits)))), tf.mul(1 - target, mean(tf.softplus(logits)))),
  );

function smoothed(name: AdversarialLossName, targets: LabelTargets): Omit<AdversarialLoss, 'name'> {
  return {
    discriminatorLoss: (real, fake) =>
      tf.tidy(() => tf.add(crossEntropy(real, targets.real), crossEntropy(fake, targets.fake))),
    generatorLoss:
      name === 'minimax'
        ? (fake) => tf.tidy(() => tf.neg(crossEntropy(fake, targets.fake)))
        : (fake) => crossEntropy(fake, targets.real),
  };
}

/** Why `targets` cannot smooth the loss `name` (one clause, for an error message), or null when they can. */
export function labelSmoothingProblem(name: string, targets: LabelTargets): string | null {
  if (!(SMOOTHABLE_LOSS_NAMES as readonly string[]).includes(name)) {
    const names = SMOOTHABLE_LOSS_NAMES.map((n) => `"${n}"`).join(' or ');
    return `expected "loss" ${names} (soft targets of a sigmoid loss), got "${name}"`;
  }
  const { real, fake } = targets;
  return fake >= 0 && fake < real && real <= 1
    ? null
    : `expected 0 ≤ fake < real ≤ 1, got real ${real}, fake ${fake}`;
}

/**
 * The adversarial loss of the given name; `targets` (label smoothing) only for the sigmoid losses
 * (SMOOTHABLE_LOSS_NAMES), with 0 ≤ fake < real ≤ 1.
 */
export function adversarialLoss(name: string, targets?: LabelTargets): AdversarialLoss {
  if (!(ADVERSARIAL_LOSS_NAMES as readonly string[]).includes(name)) {
    throw usageError(`unknown loss "${name}": expected one of ${ADVERSARIAL_LOSS_NAMES.join(', ')}`);
  }
  const lossName = name as AdversarialLossName;
  if (targets === undefined) return { name: lossName, ...LOSSES[lossName] };
  const problem = labelSmoothingProblem(lossName, targets);
  if (problem !== null) throw usageError(`label smoothing: ${problem}`);
  return { name: lossName, ...smoothed(lossName, targets) };
}
