// sampleForces (src/train/sample-forces.ts): −∂L_G/∂x per generated sample, split into the adversarial and GDPP
// terms, against central finite differences of the generator's loss written out here (½ (L_adv + w L_DPP) with
// GDPP, L_adv alone without); the run's training is untouched (a twin trains bit for bit alike) and nothing leaks.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createDataset } from '../src/data/index.js';
import { gdppLoss } from '../src/losses/gdpp.js';
import { Random } from '../src/random.js';
import { sampleForces, Trainer } from '../src/train/index.js';
import { toyConfig, wasmScratch } from './helpers/toy-run.js';

wasmScratch('forces');

const GDPP = { gdpp: { weight: 1, magnitudeWeight: 1 } };
const newTrainer = (extra: Record<string, unknown>) => {
  const config = toyConfig(extra);
  return new Trainer(config, { dataset: createDataset(config.data) });
};
/** A trainer a few steps in (D no longer at its initialisation), and a batch of codes and real points. */
function setUp(extra: Record<string, unknown>) {
  const trainer = newTrainer(extra);
  for (let i = 0; i < 5; i++) trainer.trainStep();
  const random = new Random(7);
  const latents = trainer.sampleLatent(16, random);
  const real = tf.tensor2d(trainer.dataset.sampleArray(16, random), [16, 2]);
  return { trainer, latents, real };
}

/** Each term of L_G as the trainer composes it, at generated points x (a 16 × 2 array). */
function losses(trainer: Trainer, x: Float32Array, real: tf.Tensor2D): { adversarial: number; gdpp: number } {
  const { discriminator } = trainer.gan;
  const gdpp = trainer.config.gdpp;
  const half = gdpp === null ? 1 : 0.5;
  return tf.tidy(() => {
    const points = tf.tensor2d(x, [x.length / 2, 2]);
    const adversarial =
      half * trainer.adversarial.generatorLoss(discriminator.apply(points, false)).dataSync()[0];
    if (gdpp === null) return { adversarial, gdpp: 0 };
    const dpp = gdppLoss(discriminator.features(points, false), discriminator.features(real, false), {
      magnitudeWeight: gdpp.magnitudeWeight,
      signInvariant: gdpp.signInvariant,
    });
    return { adversarial, gdpp: half * gdpp.weight * dpp.dataSync()[0] };
  });
}

/** −(L(x + εe) − L(x − εe)) / 2ε for every coordinate of x, per term. */
function finiteDifferences(trainer: Trainer, x: Float32Array, real: tf.Tensor2D, epsilon = 1e-2) {
  const adversarial = new Float64Array(x.length);
  const gdpp = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const up = Float32Array.from(x);
    const down = Float32Array.from(x);
    up[i] += epsilon;
    down[i] -= epsilon;
    const [plus, minus] = [losses(trainer, up, real), losses(trainer, down, real)];
    adversarial[i] = -(plus.adversarial - minus.adversarial) / (2 * epsilon);
    gdpp[i] = -(plus.gdpp - minus.gdpp) / (2 * epsilon);
  }
  return { adversarial, gdpp };
}

/** max_i |got_i − want_i| / max_i |want_i|. */
function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return worst / scale;
}

describe('sampleForces', () => {
  it('with GDPP: both pulls are −∂(½ L_adv)/∂x and −∂(½ w L_DPP)/∂x (finite differences)', () => {
    const { trainer, latents, real } = setUp({ ...GDPP, gdpp: { weight: 2, magnitudeWeight: 1 } });
    const forces = sampleForces(trainer, latents, real);
    expect(forces.samples).toEqual(
      tf.tidy(() => trainer.gan.generator.apply(latents, false).dataSync() as Float32Array),
    );
    const reference = finiteDifferences(trainer, forces.samples, real);
    expect(relativeError(forces.adversarial, reference.adversarial)).toBeLessThan(1e-2);
    expect(forces.gdpp).not.toBeNull();
    expect(relativeError(forces.gdpp!, reference.gdpp)).toBeLessThan(1e-2);
    // Both terms pull, and not in the same directions.
    expect(Math.max(...forces.gdpp!.map(Math.abs))).toBeGreaterThan(0);
    expect(relativeError(forces.gdpp!, forces.adversarial)).toBeGreaterThan(0.5);
    trainer.dispose();
    tf.dispose([latents, real]);
  });

  it('without GDPP: the adversarial pull of the whole loss (no ½), and no GDPP pull', () => {
    const { trainer, latents, real } = setUp({ loss: 'hinge' });
    const forces = sampleForces(trainer, latents, real);
    expect(forces.gdpp).toBeNull();
    const reference = finiteDifferences(trainer, forces.samples, real);
    expect(relativeError(forces.adversarial, reference.adversarial)).toBeLessThan(1e-2);
    trainer.dispose();
    tf.dispose([latents, real]);
  });

  it('leaves training as it was (a twin that never asks trains alike) and leaks no tensors', () => {
    const asked = newTrainer({ ...GDPP, lipschitz: 'spectral-norm' });
    const twin = newTrainer({ ...GDPP, lipschitz: 'spectral-norm' });
    const random = new Random(3);
    const latents = asked.sampleLatent(16, random);
    const real = tf.tensor2d(asked.dataset.sampleArray(16, random), [16, 2]);
    for (let step = 0; step < 3; step++) {
      const before = tf.memory().numTensors;
      sampleForces(asked, latents, real);
      expect(tf.memory().numTensors).toBe(before);
      expect(asked.trainStep()).toEqual(twin.trainStep());
    }
    expect(asked.step).toBe(3);
    asked.dispose();
    twin.dispose();
    tf.dispose([latents, real]);
  });
});
