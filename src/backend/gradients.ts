// Gradient overrides so that second-order gradients (WGAN-GP, R1) are right on every backend, plus a faster
// batch-norm gradient and the per-input gradient of denseLinear's fused matmul (dense.ts).
// Why: tfjs saves a kernel's *output* for the backward pass as a clone whose tape node precedes the op that made it,
// so an outer gradient cannot see through it: grad-of-grad through Tanh/Sigmoid/Exp/Elu/Softmax comes out wrong
// (ENGINE-NOTES: ≈90% error). Comparisons have no gradient at all, so grad-of-grad through leakyRelu/max throws.
// Invariant: while the backward pass is itself being recorded (tf.engine().state.gradientDepth > 0, i.e. inside an
// outer tf.grad) every override below computes from the op's saved *input*; otherwise it may use the cheaper saved
// output, which is exact for first-order gradients.
import * as tf from '@tensorflow/tfjs-core';
// Side effect: tfjs-core's Node entry registers no gradients at all; the tfjs-layers bundle registers the stock set
// (into tfjs-core's global registry). It must run before the overrides below replace some of them.
import '@tensorflow/tfjs-layers';
import { fusedMatMulGradient } from './dense.js';

type Saved = tf.Tensor[];
type GradMap = Record<string, () => tf.Tensor>;

/** True while the backward pass is being taped for a higher-order gradient. */
function recordingBackward(): boolean {
  return tf.engine().state.gradientDepth > 0;
}

function unary(
  kernelName: string,
  derivative: (x: tf.Tensor, y: tf.Tensor, dy: tf.Tensor, attrs: tf.NamedAttrMap) => tf.Tensor,
): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, saved: Saved, attrs) => {
      const [x, y] = saved;
      return { x: () => derivative(x, y, dy as tf.Tensor, attrs ?? {}) };
    },
  };
}

const tanhGrad = unary('Tanh', (x, y, dy) => {
  const t = recordingBackward() ? tf.tanh(x) : y;
  return tf.mul(dy, tf.sub(1, tf.square(t)));
});

const sigmoidGrad = unary('Sigmoid', (x, y, dy) => {
  const s = recordingBackward() ? tf.sigmoid(x) : y;
  return tf.mul(dy, tf.mul(s, tf.sub(1, s)));
});

const expGrad = unary('Exp', (x, y, dy) => tf.mul(dy, recordingBackward() ? tf.exp(x) : y));

const eluGrad = unary('Elu', (x, y, dy) => {
  if (!recordingBackward()) return tf.engine().runKernel('EluGrad', { dy, y }) as tf.Tensor;
  // elu'(x) = 1 for x > 0, e^x otherwise; min(x, 0) keeps e^x finite where the branch is not taken.
  return tf.where(tf.greater(x, 0), dy, tf.mul(dy, tf.exp(tf.minimum(x, 0))));
});

/** leakyRelu'(x) = step(x, α) ∈ {α, 1}: one kernel, piecewise constant (its own gradient is zero). */
const leakyReluGrad: tf.GradConfig = {
  kernelName: 'LeakyRelu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved: Saved, attrs) => {
    const [x] = saved;
    const alpha = (attrs?.['alpha'] as number | undefined) ?? 0.2;
    return { x: () => tf.mul(dy as tf.Tensor, tf.step(x, alpha)) };
  },
};

const softmaxGrad: tf.GradConfig = {
  kernelName: 'Softmax',
  inputsToSave: ['logits'],
  outputsToSave: [true],
  gradFunc: (dy, saved: Saved, attrs) => {
    const [logits, y] = saved;
    const dim = (attrs?.['dim'] as number | undefined) ?? -1;
    return {
      logits: () => {
        const p = recordingBackward() ? tf.softmax(logits, dim) : y;
        const dyTimesP = tf.mul(dy as tf.Tensor, p);
        return tf.sub(dyTimesP, tf.mul(tf.sum(dyTimesP, [dim], true), p));
      },
    };
  },
};

/** Used when a backend runs the LogSoftmax kernel; the tf.logSoftmax op itself is a customGrad (see the report). */
const logSoftmaxGrad: tf.GradConfig = {
  kernelName: 'LogSoftmax',
  inputsToSave: ['logits'],
  outputsToSave: [true],
  gradFunc: (dy, saved: Saved, attrs) => {
    const [logits, value] = saved;
    const axis = (attrs?.['axis'] as number | undefined) ?? -1;
    return {
      logits: () => {
        const p = recordingBackward() ? tf.softmax(logits, axis) : tf.exp(value);
        return tf.sub(dy as tf.Tensor, tf.mul(tf.sum(dy as tf.Tensor, axis, true), p));
      },
    };
  },
};

function zeroGradient(kernelName: string, inputs: string[]): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: inputs,
    gradFunc: (_dy, saved: Saved) => {
      const grads: GradMap = {};
      inputs.forEach((name, i) => {
        // float32 whatever the input's dtype: the engine rejects a bool gradient (LogicalAnd/Or/Not inputs).
        grads[name] = () => tf.zeros(saved[i].shape, 'float32');
      });
      return grads;
    },
  };
}

const COMPARISONS = [
  'Greater',
  'GreaterEqual',
  'Less',
  'LessEqual',
  'Equal',
  'NotEqual',
  'LogicalAnd',
  'LogicalOr',
];

/** Sum `t` (shaped like x) down to a broadcast operand's `shape`. */
function sumTo(t: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.broadcast_util.getReductionAxes(shape, t.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, shape);
}

/**
 * y = (x − mean)·rsqrt(variance + ε)·scale + offset. Broadcasting ops instead of stock's Tile, and the two
 * reductions every parameter gradient needs (Σdy, Σdy·(x − mean)) are computed once.
 */
const fusedBatchNormGrad: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved: Saved, attrs) => {
    const [x, mean, variance, scale] = saved;
    const g = dy as tf.Tensor;
    const epsilon = (attrs?.['varianceEpsilon'] as number | undefined) ?? 0.001;
    const paramShape = mean.shape;
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    // `scale` (and `offset`) are always there: tfjs 4.22 cannot differentiate a batch norm lacking either (its
    // engine clones every input named in inputsToSave and walks every input of the tape node; the stock gradient
    // fails the same way), and dppgan's batch-norm layers have both.
    const gain = tf.mul(rstd, scale);
    const sumDy = sumTo(g, paramShape);
    const sumDyCentered = sumTo(tf.mul(g, tf.sub(x, mean)), paramShape);
    return {
      x: () => tf.mul(g, gain),
      mean: () => tf.reshape(tf.neg(tf.mul(sumDy, gain)), paramShape),
      variance: () =>
        tf.reshape(tf.mul(sumDyCentered, tf.mul(tf.mul(gain, tf.square(rstd)), -0.5)), paramShape),
      scale: () => tf.reshape(tf.mul(sumDyCentered, rstd), paramShape),
      offset: () => tf.reshape(sumDy, paramShape),
    };
  },
};

const OVERRIDES: tf.GradConfig[] = [
  tanhGrad,
  sigmoidGrad,
  expGrad,
  eluGrad,
  leakyReluGrad,
  softmaxGrad,
  logSoftmaxGrad,
  fusedBatchNormGrad,
  fusedMatMulGradient,
  ...COMPARISONS.map((name) => zeroGradient(name, ['a', 'b'])),
  zeroGradient('LogicalNot', ['x']),
];

/** Kernel names whose gradients dppgan replaces or adds. */
export const GRADIENT_OVERRIDE_NAMES: readonly string[] = OVERRIDES.map((c) => c.kernelName);

/**
 * Install the overrides into tfjs-core's (global) gradient registry. Idempotent and silent; it re-registers on every
 * call, so it also wins over a tfjs bundle that registered the stock gradients after an earlier call.
 */
export function registerGradientOverrides(): void {
  const debug = tf.env().getBool('DEBUG');
  if (debug) tf.env().set('DEBUG', false); // registerGradient warns about overrides only in debug mode
  try {
    for (const config of OVERRIDES) tf.registerGradient(config);
  } finally {
    if (debug) tf.env().set('DEBUG', true);
  }
}
