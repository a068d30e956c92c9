// Gradient penalties on the critic D, added to the critic's loss (PAPERS.md §3):
//   'two-sided' (WGAN-GP, Gulrajani et al. 2017): λ·E[(‖∇ₓD(x̂)‖₂ − 1)²] at x̂ = α·x_real + (1−α)·x_fake, α ~ U[0,1]
//   'one-sided' (same paper, §4 footnote; Petzka et al. 2018): λ·E[max(0, ‖∇ₓD(x̂)‖₂ − 1)²]
//   'r1' (Mescheder et al. 2018): γ/2·E[‖∇ₓD(x_real)‖₂²]
// The penalty is differentiable w.r.t. D's weights (a gradient of a gradient), which needs the engine's
// second-order-safe gradient overrides (src/backend/gradients.ts, installed by initBackend).
// The norm is taken per sample, so D must treat samples independently (no batch norm in D, as the paper says).
import * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../errors.js';

/**
 * Gradient-penalty kinds: 'two-sided' λ·E(‖∇D(x̂)‖ − 1)², 'one-sided' λ·E max(0, ‖∇D(x̂)‖ − 1)², 'r1'
 * (γ/2)·E‖∇D(x)‖² on real data.
 */
export const GRADIENT_PENALTY_KINDS = ['two-sided', 'one-sided', 'r1'] as const;
/** One of GRADIENT_PENALTY_KINDS. */
export type GradientPenaltyKind = (typeof GRADIENT_PENALTY_KINDS)[number];

/** Options of `gradientPenalty`. */
export interface GradientPenaltyOptions {
  /** λ (or γ for 'r1'); default 10, the WGAN-GP paper's value. */
  weight?: number;
  /** Default 'two-sided' (WGAN-GP). */
  kind?: GradientPenaltyKind;
  /** Interpolation weights α, one per sample (shape [batch]); default: fresh U[0,1] draws. */
  alpha?: tf.Tensor;
  /** Seed for the α draws when `alpha` is not given. */
  seed?: number;
}

/** Squared norm below which ‖g‖ is computed as √(‖g‖² + ε): keeps the gradient of the norm finite at g = 0. */
const NORM_FLOOR = 1e-12;

/**
 * The gradient penalty of `critic` (a function from a batch of inputs to D's outputs, e.g.
 * `(x) => d.apply(x, { training: true }) as tf.Tensor`) as a scalar to add to D's loss. `fake` is ignored (and
 * may be null) for 'r1'. The result is differentiable w.r.t. the critic's variables:
 *
 * ```ts
 * optimizer.minimize(() => tf.add(criticLoss(), gradientPenalty(critic, real, fake)), false, dVars);
 * ```
 */
export function gradientPenalty(
  critic: (x: tf.Tensor) => tf.Tensor,
  real: tf.Tensor,
  fake: tf.Tensor | null,
  opts: GradientPenaltyOptions = {},
): tf.Scalar {
  const kind = opts.kind ?? 'two-sided';
  const weight = opts.weight ?? 10;
  if (!(GRADIENT_PENALTY_KINDS as readonly string[]).includes(kind)) {
    throw usageError(
      `gradientPenalty: unknown kind '${kind}': expected one of ${GRADIENT_PENALTY_KINDS.join(', ')}`,
    );
  }
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
    throw usageError(`gradientPenalty: weight must be a finite number ≥ 0, got ${weight}`);
  }
  if (real.rank < 2) {
    throw usageError(`gradientPenalty: real must be a batch [batch, …features], got shape [${real.shape}]`);
  }
  const batch = real.shape[0];
  if (kind !== 'r1') {
    if (fake === null || !tf.util.arraysEqual(fake.shape, real.shape)) {
      throw usageError(
        `gradientPenalty: fake must have the shape of real [${real.shape}] for '${kind}', got ${fake === null ? 'null' : `[${fake.shape}]`}`,
      );
    }
    if (opts.alpha !== undefined && (opts.alpha.size !== batch || opts.alpha.rank !== 1)) {
      throw usageError(`gradientPenalty: alpha must have shape [${batch}], got [${opts.alpha.shape}]`);
    }
  }
  return tf.tidy(() => {
    let point = real;
    if (kind !== 'r1') {
      const alpha = opts.alpha ?? tf.randomUniform([batch], 0, 1, 'float32', opts.seed);
      const a = tf.reshape(alpha, [batch, ...new Array<number>(real.rank - 1).fill(1)]);
      point = tf.add(tf.mul(a, real), tf.mul(tf.sub(1, a), fake as tf.Tensor));
    }
    // Samples are independent, so the gradient of Σ D(x) w.r.t. the batch holds each sample's ∇ₓD.
    const gradient = tf.grad((x: tf.Tensor) => tf.sum(critic(x)))(point);
    const axes = [...Array(real.rank).keys()].slice(1);
    const squaredNorm = tf.sum(tf.square(gradient), axes);
    if (kind === 'r1') return tf.mul(weight / 2, tf.mean(squaredNorm)) as tf.Scalar;
    const excess = tf.sub(tf.sqrt(tf.add(squaredNorm, NORM_FLOOR)), 1);
    const hinge = kind === 'one-sided' ? tf.relu(excess) : excess;
    return tf.mul(weight, tf.mean(tf.square(hinge))) as tf.Scalar;
  });
}
