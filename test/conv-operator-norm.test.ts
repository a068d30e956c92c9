// convOperatorNorm: σ_max of the convolution as a linear map, against the exact σ_max (Float64 singularValues)
// of the dense matrix obtained by applying the convolution to every basis vector of a small input.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { convOperatorNorm, convOperatorNormDetails } from '../src/linalg/conv-operator-norm.js';
import { singularValues } from '../src/linalg/index.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** σ_max of the dense matrix of x ↦ conv2d(x, kernel) on [h, w, c] inputs (rows = images of basis vectors). */
function denseSigma(
  kernel: tf.Tensor4D,
  input: [number, number, number],
  strides: [number, number],
  padding: 'same' | 'valid',
) {
  const n = input[0] * input[1] * input[2];
  const m = tf.tidy(() => {
    const basis = tf.reshape(tf.eye(n), [n, ...input]) as tf.Tensor4D;
    const images = tf.conv2d(basis, kernel, strides, padding);
    return tf.reshape(images, [n, -1]) as tf.Tensor2D;
  });
  const s = singularValues(m)[0];
  m.dispose();
  return s;
}

/** σ_max of the kernel reshaped to [kh·kw·in, out], the matrix spectral normalisation uses. */
function reshapedSigma(kernel: tf.Tensor4D): number {
  const m = tf.reshape(kernel, [-1, kernel.shape[3]]) as tf.Tensor2D;
  const s = singularValues(m)[0];
  m.dispose();
  return s;
}

const CASES: Array<{
  kernel: [number, number, number, number];
  input: [number, number, number];
  strides: [number, number];
  padding: 'same' | 'valid';
}> = [
  { kernel: [3, 3, 2, 4], input: [6, 6, 2], strides: [1, 1], padding: 'same' },
  { kernel: [3, 3, 3, 2], input: [7, 5, 3], strides: [2, 2], padding: 'same' },
  { kernel: [5, 5, 2, 3], input: [8, 8, 2], strides: [2, 2], padding: 'same' },
  { kernel: [3, 2, 2, 3], input: [6, 7, 2], strides: [2, 1], padding: 'valid' },
  { kernel: [4, 4, 1, 2], input: [9, 9, 1], strides: [3, 3], padding: 'valid' },
  { kernel: [1, 1, 4, 6], input: [3, 3, 4], strides: [1, 1], padding: 'valid' },
  { kernel: [5, 5, 4, 8], input: [12, 12, 4], strides: [2, 2], padding: 'same' },
];

describe('convOperatorNorm', () => {
  CASES.forEach((c, i) => {
    const label = `kernel [${c.kernel}] on [${c.input}], strides [${c.strides}], ${c.padding}`;
    it(`${label}: equals the exact σ_max of the conv's dense matrix to 1e-4`, () => {
      const kernel = tf.randomNormal(c.kernel, 0, 1, 'float32', 60 + i) as tf.Tensor4D;
      const exact = denseSigma(kernel, c.input, c.strides, c.padding);
      const got = convOperatorNormDetails(kernel, c.input, c.strides, c.padding);
      expect(Math.abs(got.sigma - exact) / exact).toBeLessThan(1e-4);
      expect(got.relativeResidual).toBeLessThanOrEqual(1e-6);
      // Each input pixel feeds at most kh·kw output positions: ‖A‖ ≤ √(kh·kw)·σ(reshaped kernel).
      const bound = Math.sqrt(c.kernel[0] * c.kernel[1]) * reshapedSigma(kernel);
      expect(got.sigma).toBeLessThanOrEqual(bound * (1 + 1e-6));
      if (c.kernel[0] === 1 && c.kernel[1] === 1) expect(got.sigma / reshapedSigma(kernel)).toBeCloseTo(1, 5);
      kernel.dispose();
    });
  });

  it('is deterministic and returns a plain number', () => {
    const kernel = tf.randomNormal([3, 3, 2, 2], 0, 1, 'float32', 70) as tf.Tensor4D;
    const a = convOperatorNorm(kernel, [5, 5, 2], 2, 'same');
    const b = convOperatorNorm(kernel, [5, 5, 2], 2, 'same');
    expect(typeof a).toBe('number');
    expect(a).toBe(b);
    kernel.dispose();
  });

  it('a Conv2DTranspose has the norm of the convolution it is the adjoint of', () => {
    // conv2dTranspose maps [4,4,3] to [8,8,2] with a [3,3,2,3] kernel; its adjoint is conv2d on [8,8,2].
    const kernel = tf.randomNormal([3, 3, 2, 3], 0, 1, 'float32', 71) as tf.Tensor4D;
    const n = 4 * 4 * 3;
    const m = tf.tidy(() => {
      const basis = tf.reshape(tf.eye(n), [n, 4, 4, 3]) as tf.Tensor4D;
      return tf.reshape(tf.conv2dTranspose(basis, kernel, [n, 8, 8, 2], 2, 'same'), [n, -1]) as tf.Tensor2D;
    });
    const exact = singularValues(m)[0];
    expect(Math.abs(convOperatorNorm(kernel, [8, 8, 2], 2, 'same') / exact - 1)).toBeLessThan(1e-4);
    tf.dispose([kernel, m]);
  });

  it('bad input says what was expected', () => {
    const kernel = tf.ones([3, 3, 2, 4]) as tf.Tensor4D;
    expect(() => convOperatorNorm(kernel, [5, 5, 3])).toThrow(
      /inputShape has 3 channels but the kernel expects 2/,
    );
    expect(() => convOperatorNorm(kernel, [5, 5, 2], 0)).toThrow(/strides must be a positive integer/);
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong input
    expect(() => convOperatorNorm(kernel, [5, 5, 2], 1, 'causal' as any)).toThrow(
      /padding must be 'same' or 'valid'/,
    );
    expect(() => convOperatorNorm(tf.ones([3, 3, 2]) as unknown as tf.Tensor4D, [5, 5, 2])).toThrow(
      /kernel must be/,
    );
    kernel.dispose();
  });
});
