import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { ADVERSARIAL_LOSS_NAMES, adversarialLoss } from '../src/losses/index.js';
import { Random } from '../src/random.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

// Textbook forms on probabilities / raw outputs, valid for moderate logits.
const reference: Record<string, { d: (r: number[], f: number[]) => number; g: (f: number[]) => number }> = {
  minimax: {
    d: (r, f) => -mean(r.map((t) => Math.log(sigmoid(t)))) - mean(f.map((t) => Math.log(1 - sigmoid(t)))),
    g: (f) => mean(f.map((t) => Math.log(1 - sigmoid(t)))),
  },
  nonsaturating: {
    d: (r, f) => -mean(r.map((t) => Math.log(sigmoid(t)))) - mean(f.map((t) => Math.log(1 - sigmoid(t)))),
    g: (f) => -mean(f.map((t) => Math.log(sigmoid(t)))),
  },
  wasserstein: { d: (r, f) => mean(f) - mean(r), g: (f) => -mean(f) },
  hinge: {
    d: (r, f) => mean(r.map((t) => Math.max(0, 1 - t))) + mean(f.map((t) => Math.max(0, 1 + t))),
    g: (f) => -mean(f),
  },
  'least-squares': {
    d: (r, f) => 0.5 * mean(r.map((t) => (t - 1) ** 2)) + 0.5 * mean(f.map((t) => t * t)),
    g: (f) => 0.5 * mean(f.map((t) => (t - 1) ** 2)),
  },
};

describe('adversarial losses', () => {
  const random = new Random(11);
  const real = Array.from({ length: 32 }, () => 2 * random.normal());
  const fake = Array.from({ length: 32 }, () => 2 * random.normal() - 1);

  it.each(ADVERSARIAL_LOSS_NAMES)('%s matches the textbook formula', (name) => {
    const loss = adversarialLoss(name);
    const r = tf.tensor2d(real, [32, 1]);
    const f = tf.tensor2d(fake, [32, 1]);
    const d = loss.discriminatorLoss(r, f);
    const g = loss.generatorLoss(f);
    expect(d.dataSync()[0]).toBeCloseTo(reference[name].d(real, fake), 5);
    expect(g.dataSync()[0]).toBeCloseTo(reference[name].g(fake), 5);
    tf.dispose([r, f, d, g]);
  });

  it.each(ADVERSARIAL_LOSS_NAMES)('%s stays finite, with finite gradients, at logits ±200', (name) => {
    const loss = adversarialLoss(name);
    const r = tf.tensor2d([200, -200, 0.5], [3, 1]);
    const f = tf.tensor2d([-200, 200, -0.5], [3, 1]);
    const [gr, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => loss.discriminatorLoss(a, b))([r, f]);
    const gg = tf.grad((b: tf.Tensor) => loss.generatorLoss(b))(f);
    const d = loss.discriminatorLoss(r, f);
    for (const t of [d, gr, gf, gg]) expect(Array.from(t.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([r, f, gr, gf, gg, d]);
  });

  it('the generator gradient pushes fake logits up (towards "real") for every loss', () => {
    for (const name of ADVERSARIAL_LOSS_NAMES) {
      const f = tf.tensor2d([-0.3, 0.2], [2, 1]);
      const g = tf.grad((b: tf.Tensor) => adversarialLoss(name).generatorLoss(b))(f);
      expect(Array.from(g.dataSync()).every((v) => v < 0)).toBe(true);
      tf.dispose([f, g]);
    }
  });

  it('an unknown name lists the valid ones', () => {
    expect(() => adversarialLoss('hinj')).toThrow(
      /unknown loss "hinj": expected one of minimax, nonsaturating/,
    );
  });
});

describe('label smoothing (soft targets of the sigmoid losses)', () => {
  const random = new Random(12);
  const real = Array.from({ length: 24 }, () => 2 * random.normal());
  const fake = Array.from({ length: 24 }, () => 2 * random.normal() - 1);
  // textbook cross-entropy against a soft target y: −y·log σ(t) − (1 − y)·log(1 − σ(t))
  const bce = (t: number, y: number) => -y * Math.log(sigmoid(t)) - (1 - y) * Math.log(1 - sigmoid(t));
  const targets = { real: 0.9, fake: 0.1 };

  it.each(['minimax', 'nonsaturating'] as const)(
    '%s with (0.9, 0.1) matches the textbook cross-entropies',
    (name) => {
      const loss = adversarialLoss(name, targets);
      const r = tf.tensor2d(real, [24, 1]);
      const f = tf.tensor2d(fake, [24, 1]);
      const d = loss.discriminatorLoss(r, f);
      const g = loss.generatorLoss(f);
      const expectedD = mean(real.map((t) => bce(t, 0.9))) + mean(fake.map((t) => bce(t, 0.1)));
      const expectedG =
        name === 'minimax' ? -mean(fake.map((t) => bce(t, 0.1))) : mean(fake.map((t) => bce(t, 0.9)));
      expect(d.dataSync()[0]).toBeCloseTo(expectedD, 5);
      expect(g.dataSync()[0]).toBeCloseTo(expectedG, 5);
      tf.dispose([r, f, d, g]);
    },
  );

  it('targets (1, 0) give the unsmoothed losses; D is then optimal at the smoothed targets, not at ±∞', () => {
    for (const name of ['minimax', 'nonsaturating'] as const) {
      const r = tf.tensor2d(real, [24, 1]);
      const f = tf.tensor2d(fake, [24, 1]);
      const hard = adversarialLoss(name, { real: 1, fake: 0 });
      const plain = adversarialLoss(name);
      const pairs = [
        [hard.discriminatorLoss(r, f), plain.discriminatorLoss(r, f)],
        [hard.generatorLoss(f), plain.generatorLoss(f)],
      ];
      for (const [a, b] of pairs) expect(a.dataSync()[0]).toBeCloseTo(b.dataSync()[0], 6);
      tf.dispose([r, f, ...pairs.flat()]);
    }
    // the D loss's gradient on a real logit vanishes where σ(t) = 0.9, i.e. t = log 9
    const t = tf.tensor2d([Math.log(9)], [1, 1]);
    const loss = adversarialLoss('nonsaturating', targets);
    const g = tf.grad((x: tf.Tensor) => loss.discriminatorLoss(x, tf.tensor2d([-Math.log(9)], [1, 1])))(t);
    expect(Math.abs(g.dataSync()[0])).toBeLessThan(1e-6);
    tf.dispose([t, g]);
  });

  it('stays finite with finite gradients at logits ±200', () => {
    const loss = adversarialLoss('nonsaturating', targets);
    const r = tf.tensor2d([200, -200, 0.5], [3, 1]);
    const f = tf.tensor2d([-200, 200, -0.5], [3, 1]);
    const [gr, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => loss.discriminatorLoss(a, b))([r, f]);
    const gg = tf.grad((b: tf.Tensor) => loss.generatorLoss(b))(f);
    for (const x of [gr, gf, gg]) expect(Array.from(x.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([r, f, gr, gf, gg]);
  });

  it('is refused for a loss without a sigmoid and for targets out of order', () => {
    expect(() => adversarialLoss('hinge', targets)).toThrow(
      /label smoothing: expected "loss" "minimax" or "nonsaturating" \(soft targets of a sigmoid loss\), got "hinge"/,
    );
    expect(() => adversarialLoss('nonsaturating', { real: 0.1, fake: 0.9 })).toThrow(
      /expected 0 ≤ fake < real ≤ 1/,
    );
  });
});
