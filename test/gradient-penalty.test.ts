// Gradient penalties: values on critics whose input gradient is known in closed form, and the gradient of the
// WGAN-GP / one-sided / R1 penalty w.r.t. a conv discriminator's weights (second order) against the cpu
// backend and finite differences.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { type GradientPenaltyKind, gradientPenalty } from '../src/losses/gradient-penalty.js';
import { spectralNormalization } from '../src/nn/spectral-norm.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const BATCH = 4;
const IMAGE = [8, 8, 2];
const SHAPES: number[][] = [[3, 3, 2, 4], [4], [3, 3, 4, 8], [8], [32, 1], [1]];

type Activation = 'leakyRelu' | 'tanh';
const ACTIVATIONS: Record<Activation, (x: tf.Tensor) => tf.Tensor> = {
  leakyRelu: (x) => tf.leakyRelu(x, 0.2),
  tanh: (x) => tf.tanh(x),
};

/** A small DCGAN-style critic: 3×3 convs with stride 2 (4, 8 filters) and an activation, then a linear output. */
function critic(
  x: tf.Tensor,
  w: tf.Tensor[],
  activation: Activation,
  preActivations?: tf.Tensor[],
): tf.Tensor {
  const [k1, b1, k2, b2, wd, bd] = w;
  const act = ACTIVATIONS[activation];
  const z1 = tf.add(tf.conv2d(x as tf.Tensor4D, k1 as tf.Tensor4D, 2, 'same'), b1);
  const z2 = tf.add(tf.conv2d(act(z1) as tf.Tensor4D, k2 as tf.Tensor4D, 2, 'same'), b2);
  preActivations?.push(z1, z2);
  return tf.add(tf.matMul(tf.reshape(act(z2), [x.shape[0], -1]) as tf.Tensor2D, wd as tf.Tensor2D), bd);
}

/** Deterministic weights and data as plain arrays, so that every backend sees the same numbers. */
function fixture(seed: number, std = 0.6, outputScale = 1) {
  const weights = SHAPES.map((s, i) =>
    Array.from(
      tf.tidy(() => tf.randomNormal(s, 0, i === 4 ? std * outputScale : std, 'float32', seed + i).dataSync()),
    ),
  );
  const real = Array.from(
    tf.tidy(() => tf.randomNormal([BATCH, ...IMAGE], 0, 1, 'float32', seed + 10).dataSync()),
  );
  const fake = Array.from(
    tf.tidy(() => tf.randomNormal([BATCH, ...IMAGE], 0.5, 1, 'float32', seed + 11).dataSync()),
  );
  const alpha = [0.1, 0.35, 0.6, 0.9];
  return { weights, real, fake, alpha };
}
type Fixture = ReturnType<typeof fixture>;

/** The penalty and its gradient w.r.t. the critic's weights, on the current backend. */
function penaltyAndGradient(
  f: Fixture,
  kind: GradientPenaltyKind,
  weights = f.weights,
  activation: Activation = 'leakyRelu',
) {
  return tf.tidy(() => {
    const w = weights.map((a, i) => tf.tensor(a, SHAPES[i]));
    const real = tf.tensor(f.real, [BATCH, ...IMAGE]);
    const fake = tf.tensor(f.fake, [BATCH, ...IMAGE]);
    const alpha = tf.tensor1d(f.alpha);
    // The output bias does not change ∇ₓD, so the penalty has no gradient for it: differentiate the rest.
    const outputBias = w[w.length - 1];
    const { value, grads } = tf.valueAndGrads((...ws: tf.Tensor[]) =>
      gradientPenalty((x) => critic(x, [...ws, outputBias], activation), real, fake, { kind, alpha }),
    )(w.slice(0, -1));
    return { value: value.dataSync()[0], grads: grads.map((g) => Array.from(g.dataSync())) };
  });
}

function relativeError(a: number[][], b: number[][]): number {
  let num = 0;
  let den = 0;
  a.forEach((ai, i) => {
    ai.forEach((v, j) => {
      num = Math.max(num, Math.abs(v - b[i][j]));
      den = Math.max(den, Math.abs(b[i][j]));
    });
  });
  return num / den;
}

describe('gradientPenalty: values', () => {
  it('linear critic D(x) = ⟨w, x⟩: ‖∇D‖ = ‖w‖ everywhere', () => {
    for (const norm of [0.5, 2]) {
      const w = tf.mul(norm, tf.div(tf.range(1, 7), tf.norm(tf.range(1, 7))));
      const d = (x: tf.Tensor) => tf.sum(tf.mul(x, w), 1);
      const real = tf.randomNormal([5, 6], 0, 1, 'float32', 1);
      const fake = tf.randomNormal([5, 6], 0, 1, 'float32', 2);
      const value = (kind: GradientPenaltyKind, weight?: number) =>
        gradientPenalty(d, real, kind === 'r1' ? null : fake, { kind, weight, seed: 3 }).dataSync()[0];
      expect(value('two-sided')).toBeCloseTo(10 * (norm - 1) ** 2, 4);
      expect(value('one-sided')).toBeCloseTo(norm > 1 ? 10 * (norm - 1) ** 2 : 0, 4);
      expect(value('r1', 4)).toBeCloseTo((4 / 2) * norm ** 2, 4);
      tf.dispose([w, real, fake]);
    }
  });

  it('quadratic critic D(x) = ½‖x‖²: the penalty is taken at x̂ = α·real + (1−α)·fake', () => {
    const real = tf.randomNormal([4, 3, 2], 0, 1, 'float32', 4);
    const fake = tf.randomNormal([4, 3, 2], 0, 1, 'float32', 5);
    const alpha = [0, 0.25, 0.5, 1];
    const d = (x: tf.Tensor) => tf.mul(0.5, tf.sum(tf.square(x), [1, 2]));
    const r = real.arraySync() as number[][][];
    const f = fake.arraySync() as number[][][];
    let expected = 0;
    for (let b = 0; b < 4; b++) {
      let sq = 0;
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 2; j++) sq += (alpha[b] * r[b][i][j] + (1 - alpha[b]) * f[b][i][j]) ** 2;
      expected += (Math.sqrt(sq) - 1) ** 2 / 4;
    }
    const got = gradientPenalty(d, real, fake, { alpha: tf.tensor1d(alpha), weight: 3 }).dataSync()[0];
    expect(got).toBeCloseTo(3 * expected, 4);
    tf.dispose([real, fake]);
  });

  it('seeded α draws are reproducible; unseeded ones differ between calls', () => {
    const d = (x: tf.Tensor) => tf.mul(0.5, tf.sum(tf.square(x), 1));
    const real = tf.randomNormal([6, 3], 0, 1, 'float32', 6);
    const fake = tf.randomNormal([6, 3], 0, 1, 'float32', 7);
    const a = gradientPenalty(d, real, fake, { seed: 1 }).dataSync()[0];
    const b = gradientPenalty(d, real, fake, { seed: 1 }).dataSync()[0];
    const c = gradientPenalty(d, real, fake, { seed: 2 }).dataSync()[0];
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    tf.dispose([real, fake]);
  });

  it('bad input: unknown kind, negative weight, mismatched fake, wrong alpha', () => {
    const d = (x: tf.Tensor) => tf.sum(x, 1);
    const real = tf.ones([2, 3]);
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong input
    expect(() => gradientPenalty(d, real, real, { kind: 'both' as any })).toThrow(
      "gradientPenalty: unknown kind 'both': expected one of two-sided, one-sided, r1",
    );
    expect(() => gradientPenalty(d, real, real, { weight: -1 })).toThrow(
      /weight must be a finite number ≥ 0, got -1/,
    );
    expect(() => gradientPenalty(d, real, tf.ones([3, 3]))).toThrow(
      /fake must have the shape of real \[2,3\]/,
    );
    expect(() => gradientPenalty(d, real, null)).toThrow(/got null/);
    expect(() => gradientPenalty(d, real, real, { alpha: tf.ones([3]) })).toThrow(
      /alpha must have shape \[2\]/,
    );
    expect(gradientPenalty(d, real, null, { kind: 'r1' }).dataSync()[0]).toBeCloseTo((10 / 2) * 3, 5);
    tf.dispose(real);
  });
});

describe('gradientPenalty: gradient w.r.t. a conv critic’s weights (second order)', () => {
  let f: Fixture;
  // Smaller weights and output layer: ‖∇ₓD‖ straddles 1 (0.7–1.4 with tanh), so the one-sided hinge is
  // inactive for some samples.
  let straddling: Fixture;
  beforeAll(() => {
    f = fixture(40);
    straddling = fixture(40, 0.35, 0.6);
  });

  it('the straddling fixture really has samples on both sides of the one-sided hinge', () => {
    const two = penaltyAndGradient(straddling, 'two-sided', straddling.weights, 'tanh').value;
    const one = penaltyAndGradient(straddling, 'one-sided', straddling.weights, 'tanh').value;
    expect(one).toBeGreaterThan(0.01);
    expect(one).toBeLessThan(two * 0.95);
  });

  for (const kind of ['two-sided', 'one-sided', 'r1'] as const) {
    it(`${kind}: wasm matches cpu`, async () => {
      await initBackend({ backend: 'wasm' });
      const wasm = penaltyAndGradient(f, kind);
      await initBackend({ backend: 'cpu' });
      const cpu = penaltyAndGradient(f, kind);
      await initBackend({ backend: 'wasm' });
      expect(cpu.value).toBeGreaterThan(0.1); // the hinge of 'one-sided' is active: not a vacuous comparison
      expect(Math.abs(wasm.value - cpu.value) / cpu.value).toBeLessThan(1e-5);
      expect(relativeError(wasm.grads, cpu.grads)).toBeLessThan(1e-4);
    });
  }

  /** The signs of the critic's pre-activations at the interpolates, with the given weights. */
  function activationPattern(f: Fixture, weights: number[][]): number[] {
    return tf.tidy(() => {
      const w = weights.map((a, i) => tf.tensor(a, SHAPES[i]));
      const a = tf.reshape(tf.tensor1d(f.alpha), [BATCH, 1, 1, 1]);
      const real = tf.tensor(f.real, [BATCH, ...IMAGE]);
      const fake = tf.tensor(f.fake, [BATCH, ...IMAGE]);
      const point = tf.add(tf.mul(a, real), tf.mul(tf.sub(1, a), fake));
      const pre: tf.Tensor[] = [];
      critic(point, w, 'leakyRelu', pre);
      return pre.flatMap((p) => Array.from(tf.sign(p).dataSync()));
    });
  }

  // LeakyReLU makes ∇ₓD piecewise constant in the activation pattern, so the penalty jumps where a
  // pre-activation changes sign: the step h is kept small enough that none does (checked), and tanh covers
  // the smooth case with a larger step.
  const fdCases = [
    { kind: 'two-sided', activation: 'leakyRelu', h: 3e-4 },
    { kind: 'r1', activation: 'leakyRelu', h: 3e-4 },
    { kind: 'two-sided', activation: 'tanh', h: 1e-3 },
    { kind: 'one-sided', activation: 'tanh', h: 1e-3 },
  ] as const;
  for (const { kind, activation, h } of fdCases) {
    it(`${kind}, ${activation}: matches central differences along random directions`, () => {
      const fx = kind === 'one-sided' ? straddling : f;
      const { grads } = penaltyAndGradient(fx, kind, fx.weights, activation);
      for (let trial = 0; trial < 3; trial++) {
        // (seeds from 1: tfjs treats a seed of 0 as none and draws from Math.random)
        const direction = SHAPES.map((s, i) =>
          Array.from(tf.tidy(() => tf.randomNormal(s, 0, 1, 'float32', 1 + 100 * trial + i).dataSync())),
        );
        const shifted = (sign: number) =>
          fx.weights.map((w, i) => (i < grads.length ? w.map((v, j) => v + sign * h * direction[i][j]) : w));
        if (activation === 'leakyRelu') {
          expect(activationPattern(fx, shifted(1))).toEqual(activationPattern(fx, shifted(-1)));
        }
        const plus = penaltyAndGradient(fx, kind, shifted(1), activation).value;
        const minus = penaltyAndGradient(fx, kind, shifted(-1), activation).value;
        const fd = (plus - minus) / (2 * h);
        let analytic = 0;
        grads.forEach((g, i) => {
          g.forEach((v, j) => {
            analytic += v * direction[i][j];
          });
        });
        expect(Math.abs(fd - analytic) / Math.abs(analytic)).toBeLessThan(2e-3);
      }
    });
  }
});

describe('gradientPenalty through a spectrally normalised tf.layers critic', () => {
  it('two-sided penalty gradient w.r.t. the wrapped kernels: wasm matches cpu', async () => {
    const d = tfl.sequential({
      layers: [
        spectralNormalization({
          layer: tfl.layers.conv2d({
            filters: 4,
            kernelSize: 3,
            strides: 2,
            padding: 'same',
            inputShape: IMAGE,
          }),
          seed: 1,
        }),
        tfl.layers.leakyReLU({ alpha: 0.2 }),
        tfl.layers.flatten(),
        spectralNormalization({ layer: tfl.layers.dense({ units: 1 }), seed: 2 }),
      ],
    });
    const real = tf.randomNormal([BATCH, ...IMAGE], 0, 1, 'float32', 50);
    const fake = tf.randomNormal([BATCH, ...IMAGE], 0, 1, 'float32', 51);
    const alpha = tf.tensor1d([0.2, 0.4, 0.6, 0.8]);
    const run = () =>
      tf.tidy(() => {
        const vars = d.trainableWeights.map((w) => w.read() as tf.Variable);
        const { grads } = tf.variableGrads(
          () => gradientPenalty((x) => d.apply(x) as tf.Tensor, real, fake, { alpha }),
          vars,
        );
        // Every kernel and bias gets a gradient except the output bias, which does not change ∇ₓD.
        expect(vars.filter((v) => grads[v.name] === undefined)).toEqual([vars[vars.length - 1]]);
        return vars.slice(0, -1).map((v) => Array.from(grads[v.name].dataSync()));
      });
    const wasm = run();
    await initBackend({ backend: 'cpu' });
    const cpu = run();
    await initBackend({ backend: 'wasm' });
    expect(cpu.flat().some((v) => v !== 0)).toBe(true);
    expect(relativeError(wasm, cpu)).toBeLessThan(1e-4);
    tf.dispose([real, fake, alpha]);
    d.dispose();
  });
});
