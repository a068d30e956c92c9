// SpectralNormalization wrapper and spectralNormalize: σ of the normalised kernel, the recycled power
// iteration, the wrapped computation, when u changes, and bad input.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { powerIteration, randomUnitVector, singularValues } from '../src/linalg/index.js';
import {
  kernelAsMatrix,
  SPECTRAL_NORM_OUTPUT_AXIS,
  SpectralNormalization,
  spectralNormalization,
  spectralNormalize,
} from '../src/nn/spectral-norm.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** σ_max of a kernel seen as [fan-in, outputs], exact (Float64). */
function exactSigma(kernel: tf.Tensor, outputAxis = kernel.rank - 1): number {
  const w = kernelAsMatrix(kernel, outputAxis);
  const s = singularValues(w)[0];
  w.dispose();
  return s;
}

interface Case {
  name: string;
  make: () => tfl.layers.Layer;
  input: number[];
}

const CASES: Case[] = [
  { name: 'Dense tall [64,16]', make: () => tfl.layers.dense({ units: 16 }), input: [3, 64] },
  { name: 'Dense wide [12,40]', make: () => tfl.layers.dense({ units: 40 }), input: [3, 12] },
  {
    name: 'Conv2D tall [3,3,8,32]',
    make: () => tfl.layers.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'same' }),
    input: [2, 7, 7, 8],
  },
  {
    name: 'Conv2D wide [3,3,2,64]',
    make: () => tfl.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'valid' }),
    input: [2, 6, 6, 2],
  },
  {
    name: 'Conv2DTranspose [4,4,16,8]',
    make: () => tfl.layers.conv2dTranspose({ filters: 16, kernelSize: 4, strides: 2, padding: 'same' }),
    input: [2, 5, 5, 8],
  },
];

function innerKernel(sn: SpectralNormalization): tf.Tensor {
  return (sn.layer as unknown as { kernel: tfl.LayerVariable }).kernel.read();
}

describe('SpectralNormalization: σ of the normalised kernel', () => {
  for (const c of CASES) {
    it(`${c.name}: after 50 recycled power iterations σ(W_SN) = 1 ± 1e-3`, () => {
      const sn = spectralNormalization({ layer: c.make(), seed: 3 });
      const x = tf.randomNormal(c.input, 0, 1, 'float32', 7);
      tf.dispose(sn.apply(x) as tf.Tensor); // builds; then a seeded Gaussian kernel
      const kernel = (sn.layer as unknown as { kernel: tfl.LayerVariable }).kernel;
      kernel.write(tf.randomNormal(kernel.shape as number[], 0, 1, 'float32', 17));
      for (let step = 0; step < 50; step++) tf.dispose(sn.apply(x, { training: true }) as tf.Tensor);
      const { normalized, sigma } = sn.normalizedKernel();
      const axis =
        SPECTRAL_NORM_OUTPUT_AXIS[sn.layer.getClassName() as keyof typeof SPECTRAL_NORM_OUTPUT_AXIS];
      expect(normalized.shape).toEqual(innerKernel(sn).shape);
      expect(Math.abs(exactSigma(normalized, axis) - 1)).toBeLessThan(1e-3);
      const exact = exactSigma(innerKernel(sn), axis);
      expect(sigma.dataSync()[0]).toBeLessThanOrEqual(exact * (1 + 1e-5));
      expect(sn.sigma()).toBe(sigma.dataSync()[0]);
      expect(sigma.dataSync()[0]).toBeGreaterThan(exact * (1 - 1e-3));
      tf.dispose([normalized, sigma, x]);
      sn.dispose();
    });
  }

  it('Conv2DTranspose uses the third kernel axis: u has length = filters', () => {
    const sn = spectralNormalization({ layer: tfl.layers.conv2dTranspose({ filters: 5, kernelSize: 3 }) });
    tf.dispose(sn.apply(tf.ones([1, 4, 4, 7])) as tf.Tensor);
    expect(innerKernel(sn).shape).toEqual([3, 3, 5, 7]);
    expect(sn.u.shape).toEqual([5]);
    sn.dispose();
  });

  it('spectralNormalize with 50 iterations at once, on dense and conv kernels (wide and tall)', () => {
    const shapes = [
      [30, 9],
      [9, 30],
      [5, 5, 3, 16],
      [3, 3, 32, 4],
    ];
    shapes.forEach((shape, i) => {
      const kernel = tf.randomNormal(shape, 0, 1, 'float32', 100 + i);
      const u0 = randomUnitVector(shape[shape.length - 1], 200 + i);
      const { normalized, sigma, u } = spectralNormalize(kernel, u0, {
        training: false,
        powerIterations: 50,
      });
      expect(Math.abs(exactSigma(normalized) - 1)).toBeLessThan(1e-3);
      expect(Math.abs(sigma.dataSync()[0] / exactSigma(kernel) - 1)).toBeLessThan(1e-3);
      expect(Math.abs(tf.norm(u).dataSync()[0] - 1)).toBeLessThan(1e-5);
      tf.dispose([kernel, u0, normalized, sigma, u]);
    });
  });

  it('with 1 iteration per step and recycled u, σ rises monotonically towards the exact value', () => {
    const kernel = tf.randomNormal([3, 3, 6, 12], 0, 1, 'float32', 11);
    const exact = exactSigma(kernel);
    const u = tf.variable(randomUnitVector(12, 12), false);
    const sigmas: number[] = [];
    for (let step = 0; step < 40; step++) {
      const r = spectralNormalize(kernel, u, { training: true });
      sigmas.push(r.sigma.dataSync()[0]);
      tf.dispose([r.normalized, r.sigma, r.u]);
    }
    for (let i = 1; i < sigmas.length; i++) {
      expect(sigmas[i]).toBeGreaterThanOrEqual(sigmas[i - 1] * (1 - 1e-6));
      expect(sigmas[i]).toBeLessThanOrEqual(exact * (1 + 1e-6));
    }
    // It really moves: the first estimate is clearly below σ_max and the last one has (nearly) reached it.
    expect(sigmas[0]).toBeLessThan(exact * 0.99);
    expect(Math.abs(sigmas[sigmas.length - 1] / exact - 1)).toBeLessThan(1e-3);
    tf.dispose([kernel, u]);
  });

  it('powerIteration: one and three steps from a known u equal the Float64 iteration (tall, wide, square, odd)', () => {
    for (const [rows, cols, seed] of [
      [20, 7, 5],
      [7, 13, 6],
      [9, 9, 7],
    ]) {
      const w = tf.randomNormal([rows, cols], 0, 1, 'float32', seed) as tf.Tensor2D;
      // not a unit vector: powerIteration normalises it first
      const u0 = tf.mul(3, randomUnitVector(cols, seed + 100)) as tf.Tensor1D;
      const wd = Float64Array.from(w.dataSync());
      const ud = Float64Array.from(u0.dataSync());
      for (const steps of [1, 3]) {
        const expected = powerIteration64(wd, rows, cols, ud, steps);
        const { u, v, sigma } = powerIteration(w, u0, steps);
        const label = `${rows}×${cols}, ${steps} step(s)`;
        expect(maxAbsDiff(v.dataSync(), expected.v), label).toBeLessThan(1e-5);
        expect(maxAbsDiff(u.dataSync(), expected.u), label).toBeLessThan(1e-5);
        expect(Math.abs(sigma.dataSync()[0] / expected.sigma - 1), label).toBeLessThan(1e-5);
        tf.dispose([u, v, sigma]);
      }
      // the step really moves u (so the check above is not u ≈ u0)
      expect(maxAbsDiff(powerIteration64(wd, rows, cols, ud, 1).u, normalize64(ud))).toBeGreaterThan(0.1);
      tf.dispose([w, u0]);
    }
  });

  it('powerIteration: after many steps σ = σ_max, u and v the top singular pair (Float64 power iteration on WᵀW)', () => {
    for (const [rows, cols, seed] of [
      [20, 7, 5],
      [7, 13, 6],
    ]) {
      const w = tf.randomNormal([rows, cols], 0, 1, 'float32', seed) as tf.Tensor2D;
      const wd = Float64Array.from(w.dataSync());
      const top = topEigenOfGram(wd, rows, cols);
      const sigmaMax = Math.sqrt(top.value);
      const u0 = randomUnitVector(cols, seed + 200);
      const { u, v, sigma } = powerIteration(w, u0, 300);
      const label = `${rows}×${cols}`;
      expect(Math.abs(sigma.dataSync()[0] / sigmaMax - 1), label).toBeLessThan(1e-5);
      // u = ± the top right singular vector, v = W u / σ_max
      const ud = u.dataSync();
      const sign = dot64(ud, top.vector) < 0 ? -1 : 1;
      expect(
        maxAbsDiff(
          ud,
          top.vector.map((x) => sign * x),
        ),
        label,
      ).toBeLessThan(1e-4);
      const wu = matVec64(wd, rows, cols, top.vector, false).map((x) => (sign * x) / sigmaMax);
      expect(maxAbsDiff(v.dataSync(), wu), label).toBeLessThan(1e-4);
      tf.dispose([w, u0, u, v, sigma]);
    }
  });
});

function dot64(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function normalize64(x: ArrayLike<number>): Float64Array {
  const norm = Math.sqrt(dot64(x, x));
  return Float64Array.from(x, (v) => v / norm);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** W·x (transpose false, x of length cols) or Wᵀ·x (true, x of length rows), W rows×cols row-major, Float64. */
function matVec64(
  w: Float64Array,
  rows: number,
  cols: number,
  x: ArrayLike<number>,
  transpose: boolean,
): Float64Array {
  const out = new Float64Array(transpose ? cols : rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if (transpose) out[j] += w[i * cols + j] * x[i];
      else out[i] += w[i * cols + j] * x[j];
    }
  }
  return out;
}

/** The paper's power iteration in Float64: v = normalize(W u), u = normalize(Wᵀ v); σ = vᵀ W u (= ‖Wᵀ v‖). */
function powerIteration64(w: Float64Array, rows: number, cols: number, u0: ArrayLike<number>, steps: number) {
  let u = normalize64(u0);
  let v: Float64Array = new Float64Array(rows);
  for (let s = 0; s < steps; s++) {
    v = normalize64(matVec64(w, rows, cols, u, false));
    u = normalize64(matVec64(w, rows, cols, v, true));
  }
  return { u, v, sigma: dot64(v, matVec64(w, rows, cols, u, false)) };
}

/**
 * The largest eigenpair of WᵀW (so σ_max(W)² and the top right singular vector), by plain Float64 power iteration
 * on the explicit cols×cols matrix until the eigen-residual is at round-off level; then the same on WᵀW deflated by
 * that pair, whose top eigenvalue λ₂ must be smaller (else the first run had stalled on a lower eigenvector).
 */
function topEigenOfGram(
  w: Float64Array,
  rows: number,
  cols: number,
): { value: number; vector: Float64Array } {
  const gram = new Float64Array(cols * cols);
  for (let i = 0; i < cols; i++)
    for (let j = 0; j < cols; j++)
      for (let k = 0; k < rows; k++) gram[i * cols + j] += w[k * cols + i] * w[k * cols + j];
  const top = (a: Float64Array) => {
    let x = normalize64(Float64Array.from({ length: cols }, (_, i) => Math.cos(1 + 3 * i)));
    let value = 0;
    let residual = Number.POSITIVE_INFINITY;
    for (let iteration = 0; iteration < 20_000 && !(residual < 1e-12 * value); iteration++) {
      const ax = matVec64(a, cols, cols, x, false);
      value = dot64(x, ax);
      residual = 0;
      for (let i = 0; i < cols; i++) residual = Math.max(residual, Math.abs(ax[i] - value * x[i]));
      x = normalize64(ax);
    }
    expect(residual).toBeLessThan(1e-12 * value);
    return { value, vector: x };
  };
  const first = top(gram);
  const deflated = Float64Array.from(
    gram,
    (g, idx) => g - first.value * first.vector[Math.floor(idx / cols)] * first.vector[idx % cols],
  );
  const second = top(deflated);
  // a gap: λ₁ is the top, and 300 float32 steps converge (u's error ~ (λ₂/λ₁)^300 < 2e-7)
  expect(second.value).toBeLessThan(0.95 * first.value);
  return first;
}

describe('SpectralNormalization: the wrapped computation', () => {
  const configs: Array<{ name: string; make: () => tfl.layers.Layer; input: number[] }> = [
    {
      name: 'Dense, rank-3 input, tanh',
      make: () => tfl.layers.dense({ units: 5, activation: 'tanh' }),
      input: [2, 3, 4],
    },
    {
      name: 'Conv2D valid stride 2, relu',
      make: () => tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, activation: 'relu' }),
      input: [2, 9, 8, 3],
    },
    {
      name: 'Conv2D same dilation 2, no bias',
      make: () =>
        tfl.layers.conv2d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same', useBias: false }),
      input: [1, 7, 7, 2],
    },
    {
      name: 'Conv2DTranspose same stride 2',
      make: () => tfl.layers.conv2dTranspose({ filters: 4, kernelSize: 5, strides: 2, padding: 'same' }),
      input: [2, 4, 4, 3],
    },
    {
      name: 'Conv2DTranspose valid stride 3',
      make: () => tfl.layers.conv2dTranspose({ filters: 2, kernelSize: 4, strides: 3, padding: 'valid' }),
      input: [1, 3, 5, 3],
    },
  ];
  for (const c of configs) {
    it(`${c.name}: equals the plain layer with kernel W/σ`, () => {
      const sn = spectralNormalization({ layer: c.make(), seed: 1 });
      const x = tf.randomNormal(c.input, 0, 1, 'float32', 2);
      tf.dispose(sn.apply(x, { training: true }) as tf.Tensor);
      // A nonzero bias, so that its handling is checked too.
      const inner = sn.layer as unknown as { bias: tfl.LayerVariable | null };
      if (inner.bias !== null)
        inner.bias.write(tf.randomNormal(inner.bias.shape as number[], 0, 1, 'float32', 3));
      const y = sn.apply(x) as tf.Tensor;
      const plain = c.make();
      tf.dispose(plain.apply(x) as tf.Tensor);
      const { normalized, sigma } = sn.normalizedKernel();
      plain.setWeights(inner.bias !== null ? [normalized, inner.bias.read()] : [normalized]);
      const expected = plain.apply(x) as tf.Tensor;
      expect(y.shape).toEqual(expected.shape);
      const err = tf.max(tf.abs(tf.sub(y, expected))).dataSync()[0];
      const scale = tf.max(tf.abs(expected)).dataSync()[0];
      expect(scale).toBeGreaterThan(0.1);
      expect(err).toBeLessThan(1e-5 * Math.max(1, scale));
      expect(sn.computeOutputShape(c.input)).toEqual(expected.shape);
      tf.dispose([x, y, expected, normalized, sigma]);
      sn.dispose();
      plain.dispose();
    });
  }
});

describe('SpectralNormalization: when u changes', () => {
  function model(): tfl.Sequential {
    return tfl.sequential({
      layers: [
        spectralNormalization({
          layer: tfl.layers.dense({ units: 8, inputShape: [6], activation: 'relu' }),
          seed: 1,
        }),
        spectralNormalization({ layer: tfl.layers.dense({ units: 1 }), seed: 2 }),
      ],
    });
  }
  const uOf = (m: tfl.LayersModel) =>
    m.layers.map((l) => Array.from((l as SpectralNormalization).u.read().dataSync()));

  it('inference (predict, apply without training) leaves u unchanged; apply with training: true updates it', () => {
    const m = model();
    const x = tf.randomNormal([4, 6], 0, 1, 'float32', 9);
    const u0 = uOf(m);
    tf.dispose(m.predict(x) as tf.Tensor);
    tf.dispose(m.apply(x) as tf.Tensor);
    tf.dispose(m.apply(x, { training: false }) as tf.Tensor);
    expect(uOf(m)).toEqual(u0);
    tf.dispose(m.apply(x, { training: true }) as tf.Tensor);
    const u1 = uOf(m);
    expect(u1[0]).not.toEqual(u0[0]);
    expect(u1[1]).toEqual(u0[1]); // one output: u = [±1] is already the exact singular vector
    tf.dispose(x);
    m.dispose();
  });

  it('inference output is a function of the stored u and W: two predicts agree exactly', () => {
    const m = model();
    const x = tf.randomNormal([4, 6], 0, 1, 'float32', 9);
    tf.dispose(m.apply(x, { training: true }) as tf.Tensor);
    const a = (m.predict(x) as tf.Tensor).dataSync();
    const b = (m.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    tf.dispose(x);
    m.dispose();
  });

  it('model.fit passes training: true, so u advances; u is non-trainable and gets no gradient', async () => {
    const m = model();
    m.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
    expect(m.trainableWeights.map((w) => w.originalName).some((n) => n.endsWith('sn_u'))).toBe(false);
    expect(m.nonTrainableWeights.map((w) => w.originalName).filter((n) => n.endsWith('sn_u'))).toHaveLength(
      2,
    );
    const x = tf.randomNormal([8, 6], 0, 1, 'float32', 10);
    const y = tf.randomNormal([8, 1], 0, 1, 'float32', 11);
    const u0 = uOf(m);
    await m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    expect(uOf(m)[0]).not.toEqual(u0[0]);
    for (const u of uOf(m)) expect(Math.hypot(...u)).toBeCloseTo(1, 5);
    tf.dispose([x, y]);
    m.dispose();
  });

  it('two training calls in one gradient step (real and fake batches): u advances twice, gradients are right', () => {
    // PyTorch's trap: updating u in place between two forward passes broke the backward pass.
    const sn = spectralNormalization({ layer: tfl.layers.dense({ units: 3, useBias: false }), seed: 5 });
    const real = tf.randomNormal([4, 5], 0, 1, 'float32', 13);
    const fake = tf.randomNormal([4, 5], 0, 1, 'float32', 14);
    tf.dispose(sn.apply(real) as tf.Tensor);
    const kernel = (sn.layer as unknown as { kernel: tfl.LayerVariable }).kernel.read() as tf.Variable;
    const u0 = tf.clone(sn.u.read()) as tf.Tensor1D;
    const loss = (yReal: tf.Tensor, yFake: tf.Tensor) =>
      tf.sub(tf.mean(tf.square(yReal)), tf.mean(yFake)) as tf.Scalar;
    const { grads } = tf.variableGrads(
      () =>
        loss(
          sn.apply(real, { training: true }) as tf.Tensor,
          sn.apply(fake, { training: true }) as tf.Tensor,
        ),
      [kernel],
    );
    // Reference with the functional form: the second call starts from the u the first one stored.
    const u1 = spectralNormalize(kernel, u0, { training: false }).u;
    const u2 = spectralNormalize(kernel, u1, { training: false }).u;
    expect(Array.from(sn.u.read().dataSync())).toEqual(Array.from(u2.dataSync()));
    const expected = tf.grad((k: tf.Tensor) => {
      const a = spectralNormalize(k, u0, { training: false }).normalized;
      const b = spectralNormalize(k, u1, { training: false }).normalized;
      return loss(
        tf.matMul(real as tf.Tensor2D, a as tf.Tensor2D),
        tf.matMul(fake as tf.Tensor2D, b as tf.Tensor2D),
      );
    })(kernel);
    const err = tf.max(tf.abs(tf.sub(grads[kernel.name], expected))).dataSync()[0];
    expect(err).toBeLessThan(1e-6 * Math.max(1, tf.max(tf.abs(expected)).dataSync()[0]));
    tf.dispose([real, fake, u0, u1, u2, expected, grads[kernel.name]]);
    sn.dispose();
  });

  it('a training step under optimizer.minimize keeps the tensor count flat', () => {
    const m = model();
    const x = tf.randomNormal([4, 6], 0, 1, 'float32', 12);
    const opt = tf.train.adam(1e-3);
    const step = () =>
      tf.tidy(() => {
        opt.minimize(() => tf.mean(m.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
      });
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    m.dispose();
  });
});

describe('SpectralNormalization: bad input', () => {
  it('wrapping an unsupported layer names the supported ones', () => {
    expect(() => spectralNormalization({ layer: tfl.layers.flatten() })).toThrow(
      "SpectralNormalization: cannot wrap a 'Flatten' layer; supported layers are Dense, Conv2D, Conv2DTranspose",
    );
    expect(() => spectralNormalization({ layer: tfl.layers.depthwiseConv2d({ kernelSize: 3 }) })).toThrow(
      /supported layers are Dense, Conv2D, Conv2DTranspose/,
    );
  });

  it('powerIterations < 1 (or not an integer) is an error', () => {
    for (const n of [0, -1, 1.5]) {
      expect(() =>
        spectralNormalization({ layer: tfl.layers.dense({ units: 2 }), powerIterations: n }),
      ).toThrow(`SpectralNormalization: powerIterations must be an integer ≥ 1, got ${n}`);
    }
    const k = tf.ones([3, 2]);
    const u = tf.ones([2]);
    expect(() => spectralNormalize(k, u as tf.Tensor1D, { training: false, powerIterations: 0 })).toThrow(
      /powerIterations must be an integer ≥ 1, got 0/,
    );
    expect(() => spectralNormalize(k, tf.ones([3]) as tf.Tensor1D, { training: false })).toThrow(
      /u must be a vector of length 2/,
    );
    tf.dispose([k, u]);
  });

  it('a model saved in a newer format version is refused with a hint', () => {
    const config = {
      layer: { className: 'Dense', config: { units: 2 } },
      powerIterations: 1,
      formatVersion: 2,
    };
    expect(() => SpectralNormalization.fromConfig(SpectralNormalization, config)).toThrow(
      'SpectralNormalization: the model was saved in format version 2; this dppgan reads version 1: upgrade dppgan',
    );
    const ok = SpectralNormalization.fromConfig(SpectralNormalization, {
      ...config,
      formatVersion: 1,
    }) as SpectralNormalization;
    expect(ok.layer.getClassName()).toBe('Dense');
  });

  it('an already-built layer is refused with a hint', () => {
    const d = tfl.layers.dense({ units: 2 });
    tf.dispose(d.apply(tf.ones([1, 3])) as tf.Tensor);
    expect(() => spectralNormalization({ layer: d })).toThrow(/is already built; wrap a fresh layer/);
    d.dispose();
  });
});

describe("the 'dppgan/layers' entry point", () => {
  it('imports only the layer code (no Node modules, no backend setup), and registers the class', async () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)) {
        const spec = m[1] ?? m[2];
        if (spec.startsWith('.')) visit(join(dirname(file), spec.replace(/\.js$/, '.ts')));
        else packages.add(spec);
      }
    };
    visit(join(root, 'nn', 'layers.ts'));
    expect([...packages].sort()).toEqual(['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers']);
    expect([...seen].map((f) => f.slice(root.length + 1)).sort()).toEqual([
      'backend/seed.ts', // a pure function (seed 0 for tfjs's normal ops), no backend set-up
      'errors.ts',
      'linalg/power-iteration.ts',
      'nn/layers.ts',
      'nn/spectral-norm.ts',
    ]);
    const entry = await import('../src/nn/layers.js');
    expect(entry.SpectralNormalization).toBe(SpectralNormalization);
    expect(tf.serialization.SerializationMap.getMap().classNameMap.SpectralNormalization?.[0]).toBe(
      SpectralNormalization,
    );
  });
});
