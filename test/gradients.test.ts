// Second-order gradients against float64 finite differences computed in plain JS, on wasm and cpu.
// For an activation act with z = x·W: f(W) = Σ c ⊙ act(z), g = ∂f/∂x, h(W) = Σ v ⊙ g. tfjs computes ∂h/∂W as a
// gradient of a gradient; the reference differentiates an exact float64 h(W) numerically (central differences).
// Relative error = max|tfjs − reference| / max|reference| ≤ 1e-3.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { randomNormal, relativeError } from './helpers/numeric.js';

const TOL = 1e-3;
const B = 4;
const D = 3;
const K = 5;

/** Central differences of a float64 function of a flat parameter vector. */
function numericGradient(f: (p: Float64Array) => number, p: Float64Array, step = 1e-5): Float64Array {
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const q = Float64Array.from(p);
    q[i] = p[i] + step;
    const up = f(q);
    q[i] = p[i] - step;
    out[i] = (up - f(q)) / (2 * step);
  }
  return out;
}

interface Activation {
  name: string;
  /** tfjs: the row-wise map z [B,K] → f contribution (summed with weights c). */
  apply: (z: tf.Tensor2D, c: tf.Tensor1D) => tf.Scalar;
  /** float64: ∂f/∂z for one row z (length K). */
  dfdz: (z: number[], c: Float64Array) => number[];
}

const sigmoid64 = (t: number) => 1 / (1 + Math.exp(-t));
const elementwise = (
  name: string,
  act: (z: tf.Tensor2D) => tf.Tensor,
  derivative: (t: number) => number,
): Activation => ({
  name,
  apply: (z, c) => tf.sum(tf.mul(act(z), c)),
  dfdz: (z, c) => z.map((t, j) => c[j] * derivative(t)),
});
const softmax64 = (z: number[]) => {
  const m = Math.max(...z);
  const e = z.map((t) => Math.exp(t - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((t) => t / s);
};

const ACTIVATIONS: Activation[] = [
  elementwise(
    'tanh',
    (z) => tf.tanh(z),
    (t) => 1 - Math.tanh(t) ** 2,
  ),
  elementwise(
    'sigmoid',
    (z) => tf.sigmoid(z),
    (t) => sigmoid64(t) * (1 - sigmoid64(t)),
  ),
  elementwise(
    'exp',
    (z) => tf.exp(z),
    (t) => Math.exp(t),
  ),
  elementwise(
    'leakyRelu',
    (z) => tf.leakyRelu(z, 0.2),
    (t) => (t > 0 ? 1 : 0.2),
  ),
  elementwise(
    'elu',
    (z) => tf.elu(z),
    (t) => (t > 0 ? 1 : Math.exp(t)),
  ),
  elementwise(
    'softplus',
    (z) => tf.softplus(z),
    (t) => sigmoid64(t),
  ),
  {
    name: 'softmax',
    apply: (z, c) => tf.sum(tf.mul(tf.softmax(z), c)),
    dfdz: (z, c) => {
      const p = softmax64(z);
      const cp = p.reduce((a, pj, j) => a + pj * c[j], 0);
      return p.map((pj, j) => pj * (c[j] - cp));
    },
  },
  {
    name: 'log-softmax as z − logSumExp(z)',
    apply: (z, c) => tf.sum(tf.mul(tf.sub(z, tf.logSumExp(z, -1, true)), c)),
    dfdz: (z, c) => {
      const p = softmax64(z);
      const sc = c.reduce((a, b) => a + b, 0);
      return p.map((pj, j) => c[j] - pj * sc);
    },
  },
  {
    name: 'max',
    apply: (z) => tf.sum(tf.max(z, 1)),
    dfdz: (z) => {
      const j = z.indexOf(Math.max(...z));
      return z.map((_, k) => (k === j ? 1 : 0));
    },
  },
];

/**
 * ∂/∂z of Σ c ⊙ act(z) for `rows` random rows z (seed `zSeed`, scale 1.5) and weights c (seed `cSeed`): the
 * relative error of tfjs's gradient against the float64 derivative `act.dfdz`.
 */
function firstOrderCase(act: Activation, rows: number, zSeed: number, cSeed: number): number {
  const z = randomNormal(rows * K, zSeed, 1.5);
  const c = randomNormal(K, cSeed);
  const got = tf.tidy(() =>
    tf
      .grad((t: tf.Tensor) => act.apply(t as tf.Tensor2D, tf.tensor1d(c)))(tf.tensor2d(z, [rows, K]))
      .dataSync(),
  );
  const c64 = Float64Array.from(c);
  const expected = Array.from({ length: rows }, (_, r) =>
    act.dfdz(Array.from(z.subarray(r * K, (r + 1) * K)), c64),
  ).flat();
  return relativeError(got, expected);
}

function secondOrderCase(act: Activation, seed: number) {
  const x = randomNormal(B * D, seed);
  const w = randomNormal(D * K, seed + 1, 0.8);
  const c = randomNormal(K, seed + 2);
  const v = randomNormal(B * D, seed + 3);
  const tfGrad = tf.tidy(() => {
    const xt = tf.tensor2d(x, [B, D]);
    const ct = tf.tensor1d(c);
    const vt = tf.tensor2d(v, [B, D]);
    const h = (wt: tf.Tensor) => {
      const gx = tf.grad((xi: tf.Tensor) => act.apply(tf.matMul(xi as tf.Tensor2D, wt as tf.Tensor2D), ct))(
        xt,
      );
      return tf.sum(tf.mul(vt, gx));
    };
    return tf
      .grad(h)(tf.tensor2d(w, [D, K]))
      .dataSync();
  });
  const c64 = Float64Array.from(c);
  const h64 = (wf: Float64Array) => {
    let total = 0;
    for (let b = 0; b < B; b++) {
      const z = Array.from({ length: K }, (_, j) => {
        let s = 0;
        for (let i = 0; i < D; i++) s += x[b * D + i] * wf[i * K + j];
        return s;
      });
      const dz = act.dfdz(z, c64);
      for (let i = 0; i < D; i++) for (let j = 0; j < K; j++) total += v[b * D + i] * dz[j] * wf[i * K + j];
    }
    return total;
  };
  const reference = numericGradient(h64, Float64Array.from(w));
  return relativeError(tfGrad, reference);
}

/** A small WGAN-GP critic D(x) = leakyRelu(tanh(x·W1 + b1)·W2 + b2, 0.2)·W3 and its penalty. */
const GP = { batch: 6, dim: 2, hidden: 5 };
const gpSizes = [GP.dim * GP.hidden, GP.hidden, GP.hidden * GP.hidden, GP.hidden, GP.hidden];

function gradientPenalty64(params: Float64Array, xs: Float32Array): number {
  const { batch, dim, hidden } = GP;
  const off = [0];
  for (const s of gpSizes) off.push(off[off.length - 1] + s);
  const W1 = (i: number, j: number) => params[off[0] + i * hidden + j];
  const b1 = (j: number) => params[off[1] + j];
  const W2 = (i: number, j: number) => params[off[2] + i * hidden + j];
  const b2 = (j: number) => params[off[3] + j];
  const W3 = (i: number) => params[off[4] + i];
  let total = 0;
  for (let n = 0; n < batch; n++) {
    const a1 = Array.from({ length: hidden }, (_, j) => {
      let s = b1(j);
      for (let i = 0; i < dim; i++) s += xs[n * dim + i] * W1(i, j);
      return Math.tanh(s);
    });
    const z2 = Array.from({ length: hidden }, (_, j) => {
      let s = b2(j);
      for (let i = 0; i < hidden; i++) s += a1[i] * W2(i, j);
      return s;
    });
    const dz2 = z2.map((t, j) => W3(j) * (t > 0 ? 1 : 0.2));
    const dz1 = a1.map((a, i) => {
      let s = 0;
      for (let j = 0; j < hidden; j++) s += dz2[j] * W2(i, j);
      return s * (1 - a * a);
    });
    let norm2 = 0;
    for (let i = 0; i < dim; i++) {
      let s = 0;
      for (let j = 0; j < hidden; j++) s += dz1[j] * W1(i, j);
      norm2 += s * s;
    }
    total += (Math.sqrt(norm2) - 1) ** 2;
  }
  return total / batch;
}

function gradientPenaltyCase(seed: number): number {
  const params = randomNormal(
    gpSizes.reduce((a, b) => a + b, 0),
    seed,
    0.9,
  );
  const xs = randomNormal(GP.batch * GP.dim, seed + 1);
  const tfGrad = tf.tidy(() => {
    let k = 0;
    const shapes = [[GP.dim, GP.hidden], [GP.hidden], [GP.hidden, GP.hidden], [GP.hidden], [GP.hidden, 1]];
    const ps = shapes.map((shape, i) => {
      const t = tf.tensor(params.subarray(k, k + gpSizes[i]), shape);
      k += gpSizes[i];
      return t;
    });
    const x = tf.tensor2d(xs, [GP.batch, GP.dim]);
    const penalty = (w1: tf.Tensor, c1: tf.Tensor, w2: tf.Tensor, c2: tf.Tensor, w3: tf.Tensor) => {
      const critic = (xi: tf.Tensor) => {
        const a1 = tf.tanh(tf.add(tf.matMul(xi as tf.Tensor2D, w1 as tf.Tensor2D), c1));
        const a2 = tf.leakyRelu(tf.add(tf.matMul(a1, w2 as tf.Tensor2D), c2), 0.2);
        return tf.sum(tf.matMul(a2, w3 as tf.Tensor2D));
      };
      const g = tf.grad(critic)(x);
      const norm = tf.sqrt(tf.sum(tf.square(g), 1));
      return tf.mean(tf.square(tf.sub(norm, 1)));
    };
    const grads = tf.grads((...a: tf.Tensor[]) => penalty(a[0], a[1], a[2], a[3], a[4]))(ps);
    return tf.concat(grads.map((t) => tf.reshape(t, [-1]))).dataSync();
  });
  const reference = numericGradient((p) => gradientPenalty64(p, xs), Float64Array.from(params), 1e-6);
  return relativeError(tfGrad, reference);
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`second-order gradients vs float64 finite differences (${backend})`, () => {
    beforeAll(async () => {
      await initBackend({ backend });
    });

    ACTIVATIONS.forEach((act, k) => {
      it(`∂/∂W of v·∇x Σc·${act.name}(xW)`, () => {
        for (const seed of [10 * k + 1, 10 * k + 5]) {
          expect(secondOrderCase(act, seed)).toBeLessThanOrEqual(TOL);
        }
      });
    });

    it('WGAN-GP critic: ∂/∂θ mean((‖∇x D(x)‖ − 1)²)', () => {
      for (const seed of [71, 72, 73]) expect(gradientPenaltyCase(seed)).toBeLessThanOrEqual(TOL);
    });

    it('first-order gradients still match float64 (tanh, sigmoid, exp, leakyRelu, elu)', () => {
      const x = randomNormal(40, 99);
      const cases: [(t: tf.Tensor) => tf.Tensor, (t: number) => number][] = [
        [tf.tanh, (t) => 1 - Math.tanh(t) ** 2],
        [tf.sigmoid, (t) => sigmoid64(t) * (1 - sigmoid64(t))],
        [tf.exp, Math.exp],
        [(t) => tf.leakyRelu(t, 0.3), (t) => (t > 0 ? 1 : 0.3)],
        [tf.elu, (t) => (t > 0 ? 1 : Math.exp(t))],
      ];
      for (const [f, d] of cases) {
        const got = tf.tidy(() =>
          tf
            .grad((t: tf.Tensor) => tf.sum(f(t)))(tf.tensor1d(x))
            .dataSync(),
        );
        expect(relativeError(got, Array.from(x, d))).toBeLessThanOrEqual(1e-5);
      }
    });

    it('first-order gradient of Σc·softmax(z) (the saved-output branch of the override) matches float64', () => {
      const softmax = ACTIVATIONS.find((a) => a.name === 'softmax')!;
      expect(firstOrderCase(softmax, 4, 98, 97)).toBeLessThanOrEqual(1e-5);
    });

    it('comparisons have a zero gradient; tensors do not leak through the overrides', () => {
      const before = tf.memory().numTensors;
      const g = tf.tidy(() => {
        const x = tf.tensor1d([-1.5, 0.5, 2]);
        return tf
          .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.cast(tf.greater(t, 0), 'float32'), tf.square(t))))(x)
          .arraySync();
      });
      expect(g).toEqual([0, 1, 4]);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('every comparison and logical op has a zero gradient (stock tfjs has none, so tf.grad would throw)', () => {
      const values = [-1.5, -0.2, 0.3, 0.7, 2];
      type Mask = (t: tf.Tensor) => tf.Tensor;
      const masks: [string, Mask, (t: number) => boolean][] = [
        ['Greater', (t) => tf.greater(t, 0.3), (t) => t > 0.3],
        ['GreaterEqual', (t) => tf.greaterEqual(t, 0.3), (t) => t >= 0.3],
        ['Less', (t) => tf.less(t, 0.3), (t) => t < 0.3],
        ['LessEqual', (t) => tf.lessEqual(t, 0.3), (t) => t <= 0.3],
        ['Equal', (t) => tf.equal(t, tf.scalar(0.3)), (t) => Math.fround(t) === Math.fround(0.3)],
        ['NotEqual', (t) => tf.notEqual(t, tf.scalar(0.3)), (t) => Math.fround(t) !== Math.fround(0.3)],
        ['LogicalAnd', (t) => tf.logicalAnd(tf.greater(t, 0), tf.less(t, 1)), (t) => t > 0 && t < 1],
        ['LogicalOr', (t) => tf.logicalOr(tf.less(t, 0), tf.greater(t, 1)), (t) => t < 0 || t > 1],
        ['LogicalNot', (t) => tf.logicalNot(tf.greater(t, 0)), (t) => !(t > 0)],
      ];
      for (const [name, mask, expected] of masks) {
        const g = tf.tidy(() =>
          tf
            .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.cast(mask(t), 'float32'), tf.square(t))))(
              tf.tensor1d(values),
            )
            .dataSync(),
        );
        // d/dt [mask(t)·t²] = 2t·mask(t): the mask itself contributes nothing.
        const want = values.map((t) => (expected(t) ? 2 * Math.fround(t) : 0));
        expect(Array.from(g), name).toEqual(want.map((w) => Math.fround(w)));
      }
    });
  });
}

describe('LogSoftmax gradient override (for a backend that runs a LogSoftmax kernel)', () => {
  // No backend in this package has the kernel (tf.logSoftmax is a customGrad of other ops), so the test gives the
  // cpu backend one, computed in plain JS, and calls it through the engine as such a backend's op would.
  const logSoftmaxKernel: tf.KernelFunc = ({ inputs, backend }) => {
    const { logits } = inputs as { logits: tf.TensorInfo };
    const cpu = backend as unknown as {
      readSync(id: unknown): Float32Array;
      makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
    };
    const z = cpu.readSync(logits.dataId);
    const n = logits.shape[logits.shape.length - 1];
    const out = new Float32Array(z.length);
    for (let r = 0; r < z.length / n; r++) {
      const row = Array.from(z.subarray(r * n, (r + 1) * n));
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((a, t) => a + Math.exp(t - m), 0));
      for (let j = 0; j < n; j++) out[r * n + j] = row[j] - lse;
    }
    return cpu.makeTensorInfo(logits.shape, 'float32', out);
  };
  const logSoftmax = (z: tf.Tensor) =>
    tf.engine().runKernel('LogSoftmax', { logits: z }, { axis: -1 }) as tf.Tensor;
  const act: Activation = {
    name: 'LogSoftmax kernel',
    apply: (z, c) => tf.sum(tf.mul(logSoftmax(z), c)),
    dfdz: (z, c) => {
      const p = softmax64(z);
      const sc = c.reduce((a, b) => a + b, 0);
      return p.map((pj, j) => c[j] - pj * sc);
    },
  };

  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
    tf.registerKernel({ kernelName: 'LogSoftmax', backendName: 'cpu', kernelFunc: logSoftmaxKernel });
  });
  afterAll(async () => {
    tf.unregisterKernel('LogSoftmax', 'cpu');
    await initBackend({ backend: 'wasm' });
  });

  it('first order (from the saved output) matches float64', () => {
    expect(firstOrderCase(act, 3, 61, 62)).toBeLessThanOrEqual(1e-5);
  });

  it('second order (from the saved input) matches float64 finite differences', () => {
    for (const seed of [63, 67]) expect(secondOrderCase(act, seed)).toBeLessThanOrEqual(TOL);
  });
});

describe('FusedBatchNorm gradient override', () => {
  it('matches batch norm written with primitive ops (all inputs, through moments), wasm and cpu', async () => {
    const shape: [number, number, number, number] = [4, 5, 5, 3];
    const x = randomNormal(4 * 5 * 5 * 3, 123);
    const gamma = randomNormal(3, 124);
    const beta = randomNormal(3, 125);
    const r = randomNormal(4 * 5 * 5 * 3, 126);
    const gradients = async (backend: 'wasm' | 'cpu', fused: boolean) => {
      await initBackend({ backend });
      return tf.tidy(() => {
        const f = (xt: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          const { mean, variance } = tf.moments(xt, [0, 1, 2]);
          const y = fused
            ? tf.batchNorm(xt as tf.Tensor4D, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, 1e-3)
            : tf.add(tf.mul(tf.mul(tf.sub(xt, mean), tf.rsqrt(tf.add(variance, 1e-3))), g), b);
          return tf.sum(tf.mul(tf.square(y), tf.tensor(r, shape)));
        };
        const grads = tf.grads(f)([tf.tensor4d(x, shape), tf.tensor1d(gamma), tf.tensor1d(beta)]);
        return tf.concat(grads.map((t) => tf.reshape(t, [-1]))).dataSync();
      });
    };
    const reference = await gradients('cpu', false);
    expect(relativeError(await gradients('cpu', true), reference)).toBeLessThanOrEqual(1e-5);
    expect(relativeError(await gradients('wasm', true), reference)).toBeLessThanOrEqual(1e-5);
    await initBackend({ backend: 'wasm' });
  });

  /** Σ r ⊙ y², y = batch norm of x [n, channels] over its rows with scale γ and offset β, in float64. */
  function batchNormLoss64(
    x: Float64Array,
    r: Float32Array,
    channels: number,
    gamma: Float64Array,
    beta: Float64Array,
  ): number {
    const n = x.length / channels;
    let total = 0;
    for (let c = 0; c < channels; c++) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += x[i * channels + c];
      mean /= n;
      let variance = 0;
      for (let i = 0; i < n; i++) variance += (x[i * channels + c] - mean) ** 2;
      variance /= n;
      for (let i = 0; i < n; i++) {
        const normalised = (x[i * channels + c] - mean) / Math.sqrt(variance + 1e-3);
        const y = normalised * gamma[c] + beta[c];
        total += r[i * channels + c] * y * y;
      }
    }
    return total;
  }

  it.each(['wasm', 'cpu'] as const)('matches float64 finite differences (%s)', async (backend) => {
    await initBackend({ backend });
    const shape: [number, number, number, number] = [3, 3, 2, 3];
    const size = 3 * 3 * 2 * 3;
    const channels = 3;
    const x = randomNormal(size, 131);
    const gamma = randomNormal(channels, 132);
    const beta = randomNormal(channels, 133);
    const r = randomNormal(size, 134);
    // With scale and offset: tfjs 4.22 cannot differentiate a batchNorm lacking either (stock gradient too).
    const loss = (xt: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(xt, [0, 1, 2]);
      const y = tf.batchNorm(xt as tf.Tensor4D, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, 1e-3);
      return tf.sum(tf.mul(tf.square(y), tf.tensor(r, shape)));
    };
    const withParams = tf.tidy(() => {
      const grads = tf.grads((xt: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => loss(xt, g, b))([
        tf.tensor4d(x, shape),
        tf.tensor1d(gamma),
        tf.tensor1d(beta),
      ]);
      return tf.concat(grads.map((t) => tf.reshape(t, [-1]))).dataSync();
    });
    const all = Float64Array.from([...x, ...gamma, ...beta]);
    const reference = numericGradient(
      (p) =>
        batchNormLoss64(
          p.subarray(0, size),
          r,
          channels,
          p.subarray(size, size + channels),
          p.subarray(size + channels),
        ),
      all,
      1e-6,
    );
    expect(relativeError(withParams, reference)).toBeLessThanOrEqual(TOL);
    await initBackend({ backend: 'wasm' });
  });
});
