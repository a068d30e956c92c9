// SpectralNormalization mode 'conv-exact': σ is the operator norm of the convolution on the layer's input
// shape (checked against convOperatorNorm and against the dense matrix of the convolution), its gradient, its
// saved state, and bad input.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { convOperatorNorm } from '../src/linalg/conv-operator-norm.js';
import { singularValuesOf } from '../src/linalg/index.js';
import {
  convSpectralNormalize,
  type SpectralNormalization,
  spectralNormalization,
} from '../src/nn/spectral-norm.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

function kernelOf(sn: SpectralNormalization): tfl.LayerVariable {
  return (sn.layer as unknown as { kernel: tfl.LayerVariable }).kernel;
}

describe("SpectralNormalization mode 'conv-exact'", () => {
  it('Conv2D: σ converges to the conv operator norm and the normalised conv has norm 1 ± 1e-3', () => {
    const sn = spectralNormalization({
      layer: tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
      mode: 'conv-exact',
      powerIterations: 5,
      seed: 1,
    });
    const x = tf.randomNormal([2, 7, 7, 3], 0, 1, 'float32', 2);
    tf.dispose(sn.apply(x) as tf.Tensor);
    kernelOf(sn).write(tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 3));
    expect(sn.u.shape).toEqual([7, 7, 3]);
    const sigmas: number[] = [];
    for (let i = 0; i < 40; i++) {
      tf.dispose(sn.apply(x, { training: true }) as tf.Tensor);
      const { normalized, sigma } = sn.normalizedKernel();
      sigmas.push(sigma.dataSync()[0]);
      tf.dispose([normalized, sigma]);
    }
    const exact = convOperatorNorm(kernelOf(sn).read() as tf.Tensor4D, [7, 7, 3], 2, 'same');
    for (let i = 1; i < sigmas.length; i++)
      expect(sigmas[i]).toBeGreaterThanOrEqual(sigmas[i - 1] * (1 - 1e-6));
    expect(Math.abs(sigmas[sigmas.length - 1] / exact - 1)).toBeLessThan(1e-3);
    const { normalized, sigma } = sn.normalizedKernel();
    expect(Math.abs(convOperatorNorm(normalized as tf.Tensor4D, [7, 7, 3], 2, 'same') - 1)).toBeLessThan(
      1e-3,
    );
    tf.dispose([x, normalized, sigma]);
    sn.dispose();
  });

  it('Conv2DTranspose: σ converges to the norm of the transposed convolution (= its adjoint conv)', () => {
    const sn = spectralNormalization({
      layer: tfl.layers.conv2dTranspose({ filters: 2, kernelSize: 4, strides: 2, padding: 'same' }),
      mode: 'conv-exact',
      powerIterations: 5,
      seed: 4,
    });
    const x = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 5);
    tf.dispose(sn.apply(x) as tf.Tensor);
    expect(sn.u.shape).toEqual([4, 4, 3]);
    for (let i = 0; i < 40; i++) tf.dispose(sn.apply(x, { training: true }) as tf.Tensor);
    const { normalized, sigma } = sn.normalizedKernel();
    // The layer maps [4,4,3] → [8,8,2]; it is the adjoint of conv2d on [8,8,2] with the same kernel.
    const exact = convOperatorNorm(kernelOf(sn).read() as tf.Tensor4D, [8, 8, 2], 2, 'same');
    expect(Math.abs(sigma.dataSync()[0] / exact - 1)).toBeLessThan(1e-3);
    tf.dispose([x, normalized, sigma]);
    sn.dispose();
  });

  interface GradientCase {
    name: string;
    input: [number, number, number];
    /** [kh, kw, in, out] for Conv2D, [kh, kw, out, in] for Conv2DTranspose */
    kernel: [number, number, number, number];
    strides: number;
    padding: 'same' | 'valid';
    transpose: boolean;
    /** kernel seed (then +1 u, +2 x, +3 r); chosen so that σ₁/σ₂ ≥ 1.02 and 300 power steps converge u */
    seed: number;
  }
  const gradientCases: GradientCase[] = [
    {
      name: 'Conv2D same, stride 2',
      input: [5, 5, 2],
      kernel: [3, 3, 2, 3],
      strides: 2,
      padding: 'same',
      transpose: false,
      seed: 6,
    },
    {
      name: 'Conv2D valid, stride 2, odd 7×5 input',
      input: [7, 5, 3],
      kernel: [3, 3, 3, 2],
      strides: 2,
      padding: 'valid',
      transpose: false,
      seed: 16,
    },
    {
      name: 'Conv2DTranspose same, stride 2',
      input: [3, 3, 2],
      kernel: [3, 3, 3, 2],
      strides: 2,
      padding: 'same',
      transpose: true,
      seed: 26,
    },
    {
      name: 'Conv2DTranspose valid, stride 2, odd 3×5 input',
      input: [3, 5, 2],
      kernel: [3, 3, 2, 2],
      strides: 2,
      padding: 'valid',
      transpose: true,
      seed: 70,
    },
  ];
  for (const c of gradientCases) {
    it(`${c.name}: its gradient matches Float64 finite differences of ⟨G, W⟩ / ‖conv_W‖₂ (and the σ-frozen one does not)`, () => {
      const { input, strides, padding, transpose } = c;
      const kshape = c.kernel;
      const seed = c.seed;
      const kernel = tf.variable(tf.randomNormal(kshape, 0, 0.5, 'float32', seed)) as tf.Variable<tf.Rank.R4>;
      const n = input[0] * input[1] * input[2];
      // The layer's operator on a batch: conv2d, or conv2dTranspose onto tfjs-layers' deconv output size.
      const outSize = (size: number, k: number) =>
        padding === 'valid' ? size * strides + Math.max(k - strides, 0) : size * strides;
      const apply = (x: tf.Tensor4D, k: tf.Tensor4D) =>
        transpose
          ? tf.conv2dTranspose(
              x,
              k,
              [x.shape[0], outSize(input[0], kshape[0]), outSize(input[1], kshape[1]), kshape[2]],
              strides,
              padding,
            )
          : tf.conv2d(x, k, strides, padding);
      // Which kernel entry sits where in the operator's dense matrix: apply it to basis vectors with a kernel of
      // markers (each input/output entry pair meets at most one kernel tap).
      const markers = tf.tidy(() => {
        const marked = tf.reshape(tf.range(1, kernel.size + 1), kshape) as tf.Tensor4D;
        const basis = tf.reshape(tf.eye(n), [n, ...input]) as tf.Tensor4D;
        return apply(basis, marked);
      });
      const outputShape = markers.shape.slice(1);
      const map = Int32Array.from(markers.dataSync(), (v) => Math.round(v) - 1);
      const m = map.length / n;
      markers.dispose();
      const operatorNorm = (w: Float64Array) =>
        singularValuesOf(
          Float64Array.from(map, (idx) => (idx >= 0 ? w[idx] : 0)),
          n,
          m,
        )[0];
      const opts = { training: false, strides, padding, transpose };

      // Converge u, then differentiate L = Σ r ⊙ op(x, W/σ).
      let u = tf.randomNormal(input, 0, 1, 'float32', seed + 1) as tf.Tensor3D;
      for (let i = 0; i < 60; i++) {
        const r0 = convSpectralNormalize(kernel, u, { ...opts, powerIterations: 5 });
        tf.dispose([u, r0.normalized, r0.sigma]);
        u = r0.u;
      }
      const w = Float64Array.from(kernel.dataSync());
      const converged = convSpectralNormalize(kernel, u, opts);
      // σ itself is the operator norm (so u has converged, and the operator is the one the dense map describes)
      expect(Math.abs(converged.sigma.dataSync()[0] / operatorNorm(w) - 1)).toBeLessThan(1e-5);
      tf.dispose([converged.normalized, converged.sigma, converged.u]);
      const x = tf.randomNormal([2, ...input], 0, 1, 'float32', seed + 2) as tf.Tensor4D;
      const r = tf.randomNormal([2, ...outputShape], 0, 1, 'float32', seed + 3);
      const loss = (sigmaGradient: boolean) => () => {
        const { normalized } = convSpectralNormalize(kernel, u, { ...opts, sigmaGradient });
        return tf.sum(tf.mul(r, apply(x, normalized))) as tf.Scalar;
      };
      const full = tf.variableGrads(loss(true), [kernel]).grads[kernel.name].dataSync();
      const frozen = tf.variableGrads(loss(false), [kernel]).grads[kernel.name].dataSync();

      const { normalized } = convSpectralNormalize(kernel, u, opts);
      const g = Float64Array.from(
        tf
          .grad((k: tf.Tensor) => tf.sum(tf.mul(r, apply(x, k as tf.Tensor4D))))(normalized)
          .dataSync(),
      );
      const lossAt = (ws: Float64Array) => ws.reduce((acc, v, i) => acc + g[i] * v, 0) / operatorNorm(ws);
      const h = 1e-6;
      let errFull = 0;
      let errFrozen = 0;
      let scale = 0;
      for (let i = 0; i < w.length; i++) {
        const plus = Float64Array.from(w);
        const minus = Float64Array.from(w);
        plus[i] += h;
        minus[i] -= h;
        const fd = (lossAt(plus) - lossAt(minus)) / (2 * h);
        errFull = Math.max(errFull, Math.abs(full[i] - fd));
        errFrozen = Math.max(errFrozen, Math.abs(frozen[i] - fd));
        scale = Math.max(scale, Math.abs(fd));
      }
      expect(scale).toBeGreaterThan(1e-2);
      expect(errFull / scale).toBeLessThan(1e-4);
      expect(errFrozen / scale).toBeGreaterThan(0.02);
      tf.dispose([kernel, u, x, r, normalized]);
    });
  }

  it('saves mode and the input-shaped u, and loads them back bit-exactly', async () => {
    const model = tfl.sequential({
      layers: [
        spectralNormalization({
          layer: tfl.layers.conv2d({
            filters: 3,
            kernelSize: 3,
            strides: 2,
            padding: 'same',
            inputShape: [6, 6, 2],
          }),
          mode: 'conv-exact',
          seed: 1,
        }),
        tfl.layers.flatten(),
        spectralNormalization({ layer: tfl.layers.dense({ units: 1 }), seed: 2 }),
      ],
    });
    const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 10);
    for (let i = 0; i < 3; i++) tf.dispose(model.apply(x, { training: true }) as tf.Tensor);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    const first = loaded.layers[0] as SpectralNormalization;
    expect(first.mode).toBe('conv-exact');
    expect(first.u.shape).toEqual([6, 6, 2]);
    for (const [i, w] of model.weights.entries()) {
      expect(loaded.weights[i].originalName).toBe(w.originalName);
      expect(loaded.weights[i].read().dataSync()).toEqual(w.read().dataSync());
    }
    expect((loaded.predict(x) as tf.Tensor).dataSync()).toEqual((model.predict(x) as tf.Tensor).dataSync());
    tf.dispose(x);
    model.dispose();
    loaded.dispose();
  });

  it('bad input: Dense, dilation, an unknown mode, an input without fixed size', () => {
    expect(() =>
      spectralNormalization({ layer: tfl.layers.dense({ units: 2 }), mode: 'conv-exact' }),
    ).toThrow(/'conv-exact' applies to Conv2D and Conv2DTranspose/);
    expect(() =>
      spectralNormalization({
        layer: tfl.layers.conv2d({ filters: 2, kernelSize: 3, dilationRate: 2 }),
        mode: 'conv-exact',
      }),
    ).toThrow(/does not support dilationRate > 1/);
    expect(() =>
      // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong input
      spectralNormalization({ layer: tfl.layers.conv2d({ filters: 2, kernelSize: 3 }), mode: 'fft' as any }),
    ).toThrow("SpectralNormalization: unknown mode 'fft': expected one of matrix, conv-exact");
    const sn = spectralNormalization({
      layer: tfl.layers.conv2d({ filters: 2, kernelSize: 3 }),
      mode: 'conv-exact',
    });
    expect(() => sn.build([null, null, null, 3])).toThrow(/needs a fixed input height, width and channels/);
  });
});
