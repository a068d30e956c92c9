// The pull of the generator's loss on each generated sample, −∂L_G/∂x at x = G(z) (GAN Lab's "generator
// gradients"), split into the two terms as they enter L_G (trainer.ts, generatorLoss):
//   L_G = L_adv(D(x))                                          without GDPP
//   L_G = ½ · (L_adv(D(x)) + w · L_DPP(φ(x), φ(x_real)))        with GDPP (the official code's 0.5 · (L_g + L_DPP))
// so the adversarial force is −∂(½ L_adv)/∂x (−∂L_adv/∂x without GDPP) and the GDPP force −∂(½ w L_DPP)/∂x.
// L_DPP couples the batch (its DPP kernels are B×B), so the force on one sample depends on the others: pass a
// batch of the training size. G's weights then move so as to carry each sample along its force. Computed in
// inference mode: no batch-norm statistics, spectral-norm vector or random stream of the run is touched.
import * as tf from '@tensorflow/tfjs-core';
import { gdppLoss } from '../losses/gdpp.js';
import type { Trainer } from './trainer.js';

/** What `sampleForces` returns: the samples and each term's pull on them (flat row-major arrays). */
export interface SampleForces {
  /** The generated samples x = G(z), n × dim row-major. */
  samples: Float32Array;
  /** −∂L_G/∂x of the adversarial term, n × dim. */
  adversarial: Float32Array;
  /** −∂L_G/∂x of the GDPP term, n × dim (null when the run has no GDPP). */
  gdpp: Float32Array | null;
}

/** −∂L_G/∂x of each term for the samples G makes from `latents`, against the real batch `real` (for GDPP). */
export function sampleForces(trainer: Trainer, latents: tf.Tensor2D, real: tf.Tensor2D): SampleForces {
  const { generator, discriminator } = trainer.gan;
  const gdpp = trainer.config.gdpp;
  const half = gdpp === null ? 1 : 0.5;
  const forces = tf.tidy(() => {
    const fake = generator.apply(latents, false);
    const adversarialLoss = (x: tf.Tensor) =>
      tf.mul(half, trainer.adversarial.generatorLoss(discriminator.apply(x as tf.Tensor2D, false)));
    const pulls: Record<string, tf.Tensor> = { fake, adversarial: tf.neg(tf.grad(adversarialLoss)(fake)) };
    if (gdpp !== null) {
      const phiReal = discriminator.features(real, false);
      const dppLoss = (x: tf.Tensor) =>
        tf.mul(
          half * gdpp.weight,
          gdppLoss(discriminator.features(x as tf.Tensor2D, false), phiReal, {
            magnitudeWeight: gdpp.magnitudeWeight,
            signInvariant: gdpp.signInvariant,
          }),
        );
      pulls.gdpp = tf.neg(tf.grad(dppLoss)(fake));
    }
    return pulls;
  });
  const read = (t: tf.Tensor) => {
    const values = t.dataSync() as Float32Array;
    t.dispose();
    return Float32Array.from(values);
  };
  return {
    samples: read(forces.fake),
    adversarial: read(forces.adversarial),
    gdpp: forces.gdpp ? read(forces.gdpp) : null,
  };
}
