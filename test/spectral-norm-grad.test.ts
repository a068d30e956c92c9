// The gradient through a spectrally normalised layer: it must be the derivative of the loss with σ = σ_max(W)
// treated as a function of W (paper eq. 12), not with σ frozen (what Keras 3 / TF-Addons compute).
//
// Reference: for a loss linear in the layer output, L(W) = ⟨G, W/σ_max(W)⟩ + const, where G = ∂L/∂W_SN is taken
// from the plain tfjs op (independent of the code under test). L(W) is then evaluated in Float64 with the exact
// σ_max (singularValuesOf), and differentiated by central differences.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { singularValuesOf } from '../src/linalg/index.js';
import {
  type SpectralNormalization,
  spectralNormalization,
  spectralNormalize,
} from '../src/nn/spectral-norm.js';

/** σ_max of a kernel (Float64), with `axis` the output axis: the matrix is [outputs, everything else]. */
function sigmaMax(kernel: Float64Array, shape: number[], axis: number): number {
  const outputs = shape[axis];
  const innerSize = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const rest = kernel.length / outputs;
  const m = new Float64Array(kernel.length);
  const filled = new Int32Array(outputs);
  for (let i = 0; i < kernel.length; i++) {
    const o = Math.floor(i / innerSize) % outputs;
    m[o * rest + filled[o]++] = kernel[i];
  }
  return singularValuesOf(m, outputs, rest)[0];
}

/** Central differences of L(W) = ⟨G, W⟩ / σ_max(W), in Float64. */
function finiteDifferences(g: Float64Array, w: Float64Array, shape: number[], axis: number): Float64Array {
  const loss = (x: Float64Array) => {
    let dot = 0;
    for (let i = 0; i < x.length; i++) dot += g[i] * x[i];
    return dot / sigmaMax(x, shape, axis);
  };
  const h = 1e-6;
  const out = new Float64Array(w.length);
  const x = Float64Array.from(w);
  for (let i = 0; i < w.length; i++) {
    x[i] = w[i] + h;
    const plus = loss(x);
    x[i] = w[i] - h;
    const minus = loss(x);
    x[i] = w[i];
    out[i] = (plus - minus) / (2 * h);
  }
  return out;
}

/** max |a − b| / max |b|. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

interface Case {
  name: string;
  axis: number;
  make: () => tfl.layers.Layer;
  input: number[];
  /** The plain op y = f(x, kernel) of the inner layer (linear activation, no bias). */
  op: (x: tf.Tensor, k: tf.Tensor) => tf.Tensor;
}

const CASES: Case[] = [
  {
    name: 'Dense [6,4]',
    axis: 1,
    make: () => tfl.layers.dense({ units: 4, useBias: false }),
    input: [5, 6],
    op: (x, k) => tf.matMul(x as tf.Tensor2D, k as tf.Tensor2D),
  },
  {
    name: 'Conv2D [3,3,3,4] stride 2 same',
    axis: 3,
    make: () => tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false }),
    input: [2, 6, 6, 3],
    op: (x, k) => tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 2, 'same'),
  },
  {
    name: 'Conv2DTranspose [3,3,4,3] stride 2 same',
    axis: 2,
    make: () =>
      tfl.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false }),
    input: [2, 4, 4, 3],
    op: (x, k) => tf.conv2dTranspose(x as tf.Tensor4D, k as tf.Tensor4D, [2, 8, 8, 4], 2, 'same'),
  },
];

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`gradient through SpectralNormalization (${backend})`, () => {
    beforeAll(async () => {
      await initBackend({ backend });
    });

    for (const c of CASES) {
      it(`${c.name}: matches finite differences of L(W/σ_max(W)); the σ-frozen gradient does not`, () => {
        const sn = spectralNormalization({ layer: c.make(), seed: 4 });
        const x = tf.randomNormal(c.input, 0, 1, 'float32', 21);
        tf.dispose(sn.apply(x) as tf.Tensor);
        const kernel = (sn.layer as unknown as { kernel: tfl.LayerVariable }).kernel;
        kernel.write(tf.randomNormal(kernel.shape as number[], 0, 0.5, 'float32', 22));
        // Converge u (recycled, one iteration per training call) so that σ = σ_max.
        for (let i = 0; i < 150; i++) tf.dispose(sn.apply(x, { training: true }) as tf.Tensor);
        const yShape = (sn.apply(x) as tf.Tensor).shape;
        const r = tf.randomNormal(yShape, 0, 1, 'float32', 23);

        // Under test: the gradient of L = Σ r ⊙ y through the wrapper, in a training call.
        const w = kernel.read() as tf.Variable;
        const { grads } = tf.variableGrads(
          () => tf.sum(tf.mul(r, sn.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
          [w],
        );
        const gradient = grads[w.name].dataSync();

        // σ frozen (Keras/TF-Addons style), through the functional form.
        const u = (sn as SpectralNormalization).u.read() as tf.Tensor1D;
        const frozen = tf.grad((k: tf.Tensor) => {
          const { normalized } = spectralNormalize(k, u, {
            training: false,
            outputAxis: c.axis,
            sigmaGradient: false,
          });
          return tf.sum(tf.mul(r, c.op(x, normalized)));
        })(w);

        // Reference: G = ∂L/∂W_SN from the plain op, then Float64 finite differences of ⟨G, W⟩/σ_max(W).
        const { normalized, sigma } = sn.normalizedKernel();
        const g = tf.grad((k: tf.Tensor) => tf.sum(tf.mul(r, c.op(x, k))))(normalized);
        const fd = finiteDifferences(
          Float64Array.from(g.dataSync()),
          Float64Array.from(w.dataSync()),
          w.shape,
          c.axis,
        );

        const errFull = relativeError(gradient, fd);
        const errFrozen = relativeError(frozen.dataSync(), fd);
        expect(errFull).toBeLessThan(1e-5); // measured 4e-8 – 1e-7
        expect(errFrozen).toBeGreaterThan(0.02); // measured 0.07 – 0.36
        expect(errFrozen).toBeGreaterThan(1000 * errFull);
        tf.dispose([x, r, grads[w.name], frozen, normalized, sigma, g]);
        sn.dispose();
      });
    }
  });
}
