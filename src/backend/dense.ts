// A dense layer's linear map y = x·W + b as one `_FusedMatMul` kernel call — the forward pass of tf.fused.matMul
// with a linear activation, operand for operand — but recorded on the gradient tape as a kernel with a gradient
// per input (`fusedMatMulGradient`, registered by registerGradientOverrides), so the backward pass computes only
// the derivatives it needs:
//   ∂L/∂x = ∂L/∂y·Wᵀ,   ∂L/∂W = xᵀ·∂L/∂y,   ∂L/∂b = Σ_rows ∂L/∂y.
// tf.fused.matMul wraps the kernel in a customGrad, which computes all three whenever any is needed: the generator
// step of a GAN then pays for every discriminator weight gradient it throws away (≈ 10% of an MLP GAN step).
// The products and sums are tfjs's own (same ops, same operands), so values are identical bit for bit.
import * as tf from '@tensorflow/tfjs-core';

const KERNEL = '_FusedMatMul';

/** x [n, k] · kernel [k, m] (+ bias [m]), like tf.fused.matMul({a: x, b: kernel, bias}) with no activation. */
export function denseLinear(x: tf.Tensor2D, kernel: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D {
  const [n, k] = x.shape;
  const m = kernel.shape[1];
  if (kernel.shape[0] !== k) {
    throw new Error(`denseLinear: x is [${x.shape}] but the kernel is [${kernel.shape}]`);
  }
  if (bias !== undefined && (bias.rank !== 1 || bias.shape[0] !== m)) {
    throw new Error(`denseLinear: bias must have shape [${m}], got [${bias.shape}]`);
  }
  return tf.tidy(() => {
    // batch-of-one 3-D operands, as tf.fused.matMul passes them to the kernel
    const inputs: tf.NamedTensorMap = { a: tf.reshape(x, [1, n, k]), b: tf.reshape(kernel, [1, k, m]) };
    if (bias !== undefined) inputs['bias'] = bias;
    const attrs = { transposeA: false, transposeB: false, activation: 'linear', leakyreluAlpha: 0.2 };
    const y = tf.engine().runKernel(KERNEL, inputs, attrs) as tf.Tensor3D;
    return tf.reshape(y, [n, m]);
  });
}

/**
 * Gradient of `_FusedMatMul` for denseLinear's calls (untransposed 3-D operands, linear activation, bias of the
 * output's last dimension). tf.fused.matMul never reaches it: its kernel calls run inside a customGrad, where the
 * tape is off. The formulas and ops are those of tf.fused.matMul's gradient.
 */
export const fusedMatMulGradient: tf.GradConfig = {
  kernelName: KERNEL,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved as tf.Tensor[];
    const { transposeA, transposeB, activation } = (attrs ?? {}) as Record<string, unknown>;
    if (transposeA === true || transposeB === true || (activation != null && activation !== 'linear')) {
      throw new Error('dppgan: the _FusedMatMul gradient covers denseLinear (no transposes, linear) only');
    }
    const g = dy as tf.Tensor;
    return {
      a: () => tf.matMul(g, b, false, true),
      b: () => tf.matMul(a, g, true, false),
      bias: () => tf.reshape(tf.sum(g, [0, 1]), [g.shape[g.rank - 1]]),
    };
  },
};
