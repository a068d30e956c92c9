// denseLinear (x·W + b as one fused-matmul kernel with per-input gradients) against tf.fused.matMul: identical
// values and gradients bit for bit (first and second order), gradients against float64 finite differences, only
// the requested derivatives computed, and LayerStack's Dense fast path equal to tfjs-layers' own apply.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { denseLinear, initBackend } from '../src/backend/index.js';
import { LayerStack } from '../src/nn/models/network.js';
import { randomNormal } from './helpers/numeric.js';

function same(a: tf.Tensor, b: tf.Tensor): void {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let differ = 0;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) differ++;
  expect(differ).toBe(0);
}

const fused = (x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D) =>
  tf.fused.matMul({ a: x, b: w, bias: b }) as tf.Tensor2D;

/** A scalar that weighs every output differently, so every gradient entry matters. */
function objective(y: tf.Tensor2D): tf.Scalar {
  const weights = tf.tensor(randomNormal(y.size, 5, 1), y.shape);
  return tf.sum(tf.mul(tf.tanh(y), weights));
}

describe.each(['wasm', 'cpu'] as const)('denseLinear on %s', (backend) => {
  afterAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  // (n, k, m): odd sizes, a single row, a single output
  it.each([
    [7, 5, 3],
    [1, 4, 6],
    [33, 17, 1],
    [64, 128, 128],
  ])('n=%i k=%i m=%i: values and ∂/∂x, ∂/∂W, ∂/∂b equal tf.fused.matMul bit for bit', async (n, k, m) => {
    await initBackend({ backend });
    const x = tf.tensor2d(randomNormal(n * k, 11 + n, 1), [n, k]);
    const w = tf.tensor2d(randomNormal(k * m, 12 + k, 0.3), [k, m]);
    const b = tf.tensor1d(randomNormal(m, 13 + m, 0.5));
    same(denseLinear(x, w, b), fused(x, w, b));
    same(denseLinear(x, w), fused(x, w));
    const ours = tf.grads((xi, wi, bi) =>
      objective(denseLinear(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D)),
    )([x, w, b]);
    const theirs = tf.grads((xi, wi, bi) =>
      objective(fused(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D)),
    )([x, w, b]);
    for (let i = 0; i < 3; i++) same(ours[i], theirs[i]);
    tf.dispose([x, w, b, ...ours, ...theirs]);
  });

  it('second order (a gradient penalty ‖∂D/∂x‖²): gradient w.r.t. W equals the fused path bit for bit', async () => {
    await initBackend({ backend });
    const x = tf.tensor2d(randomNormal(9 * 4, 21, 1), [9, 4]);
    const w1 = tf.tensor2d(randomNormal(4 * 6, 22, 0.5), [4, 6]);
    const w2 = tf.tensor2d(randomNormal(6, 23, 0.5), [6, 1]);
    const penaltyGrad = (dense: typeof fused) =>
      tf.grad((w: tf.Tensor) => {
        const dx = tf.grad((xi: tf.Tensor) =>
          tf.sum(dense(tf.tanh(dense(xi as tf.Tensor2D, w as tf.Tensor2D)) as tf.Tensor2D, w2)),
        )(x);
        return tf.sum(tf.square(dx));
      })(w1);
    const ours = penaltyGrad(denseLinear);
    const theirs = penaltyGrad(fused);
    same(ours, theirs);
    expect(tf.max(tf.abs(ours)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, w1, w2, ours, theirs]);
  });

  it('gradients agree with float64 central differences (≤ 1e-3 relative)', async () => {
    await initBackend({ backend });
    const [n, k, m] = [5, 4, 3];
    const xv = randomNormal(n * k, 31, 1);
    const wv = randomNormal(k * m, 32, 0.7);
    const bv = randomNormal(m, 33, 0.4);
    const cv = randomNormal(n * m, 34, 1);
    // f(x, W, b) = Σ c ⊙ (xW + b), in float64
    const f = (xs: ArrayLike<number>, ws: ArrayLike<number>, bs: ArrayLike<number>) => {
      let total = 0;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < m; j++) {
          let s = bs[j];
          for (let p = 0; p < k; p++) s += xs[i * k + p] * ws[p * m + j];
          total += cv[i * m + j] * s;
        }
      return total;
    };
    const c = tf.tensor2d(cv, [n, m]);
    const [gx, gw, gb] = tf.grads((xi, wi, bi) =>
      tf.sum(tf.mul(denseLinear(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D), c)),
    )([tf.tensor2d(xv, [n, k]), tf.tensor2d(wv, [k, m]), tf.tensor1d(bv)]);
    const h = 1e-3;
    const numeric = (values: Float32Array, which: 0 | 1 | 2) =>
      Array.from(values, (_, i) => {
        const plus = Float64Array.from(values);
        const minus = Float64Array.from(values);
        plus[i] += h;
        minus[i] -= h;
        const args = (v: Float64Array) =>
          [which === 0 ? v : xv, which === 1 ? v : wv, which === 2 ? v : bv] as const;
        return (f(...args(plus)) - f(...args(minus))) / (2 * h);
      });
    for (const [analytic, values, which] of [
      [gx, xv, 0],
      [gw, wv, 1],
      [gb, bv, 2],
    ] as const) {
      const expected = numeric(values, which);
      const got = analytic.dataSync();
      const scale = Math.max(...expected.map(Math.abs));
      for (let i = 0; i < expected.length; i++)
        expect(Math.abs(got[i] - expected[i]) / scale).toBeLessThan(1e-3);
    }
  });

  it('computes only the derivatives asked for (one product for ∂/∂x; tf.fused.matMul computes two)', async () => {
    await initBackend({ backend });
    const x = tf.tensor2d(randomNormal(8 * 6, 41, 1), [8, 6]);
    const w = tf.tensor2d(randomNormal(6 * 5, 42, 1), [6, 5]);
    const b = tf.tensor1d(randomNormal(5, 43, 1));
    const products = async (dense: typeof fused) => {
      const info = await tf.profile(() =>
        tf.grad((xi: tf.Tensor) => tf.sum(dense(xi as tf.Tensor2D, w, b)))(x),
      );
      return info.kernels.filter((kernel) => kernel.name === 'BatchMatMul').length;
    };
    expect(await products(denseLinear)).toBe(1);
    expect(await products(fused)).toBe(2);
    tf.dispose([x, w, b]);
  });
});

describe('LayerStack runs Dense layers through denseLinear', () => {
  it('forward and all weight gradients equal tfjs-layers apply bit for bit', async () => {
    await initBackend({ backend: 'wasm' });
    const layers = [
      tfl.layers.dense({ units: 7, inputShape: [5] }),
      tfl.layers.activation({ activation: 'tanh' }),
      tfl.layers.dense({ units: 3, useBias: false }),
      tfl.layers.dense({ units: 2, activation: 'relu' }), // not linear: tfjs-layers' own path
    ];
    const stack = new LayerStack('test', layers);
    const x = tf.tensor2d(randomNormal(6 * 5, 51, 1), [6, 5]);
    stack.apply(x, true); // build
    const reference = (input: tf.Tensor) => {
      let h = input;
      for (const layer of layers) h = layer.apply(h, { training: true }) as tf.Tensor;
      return h;
    };
    const vars = stack.trainableVariables();
    same(stack.apply(x, true), reference(x));
    const ours = tf.variableGrads(() => tf.sum(tf.square(stack.apply(x, true))) as tf.Scalar, vars);
    const theirs = tf.variableGrads(() => tf.sum(tf.square(reference(x))) as tf.Scalar, vars);
    for (const v of vars) same(ours.grads[v.name], theirs.grads[v.name]);
    // and the fast path is really taken: ∂/∂x alone costs one product per Dense (tfjs-layers' apply: two)
    const products = async (forward: (input: tf.Tensor) => tf.Tensor) => {
      const info = await tf.profile(() => tf.grad((input: tf.Tensor) => tf.sum(forward(input)))(x));
      return info.kernels.filter((kernel) => kernel.name === 'BatchMatMul').length;
    };
    const linearLayers = new LayerStack('linear', layers.slice(0, 3));
    expect(await products((input) => linearLayers.apply(input, true))).toBe(2);
    // an int32 input is left to tfjs-layers (which casts it), not run through the float32-only kernel
    const ints = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2, 5], 'int32');
    same(
      linearLayers.apply(ints, true),
      layers[2].apply(layers[1].apply(layers[0].apply(ints))) as tf.Tensor,
    );
    expect(
      await products(
        (input) => layers[2].apply(layers[1].apply(layers[0].apply(input)) as tf.Tensor) as tf.Tensor,
      ),
    ).toBe(4);
    stack.dispose();
  });
});
