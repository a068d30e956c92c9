// One data-parallel replica: a copy of G and D (built from the run's config, weights loaded from shared memory
// before every command) that computes the gradients of its shard of the batch. The losses are the Trainer's
// (trainer.ts: discriminatorLoss, generatorLoss, simultaneousStep) with the same ops in the same order — so the
// same per-call state updates (batch-norm statistics, spectral-norm u) — each multiplied by the shard weight
// ω = shard rows / batch rows, so that the main thread's plain sum of the replicas' gradients is the gradient
// of the whole batch's mean loss. GDPP couples the batch: the replica publishes its φ rows and back-propagates
// Σ φ(G(z)) ⊙ C, C = ∂L_G/∂φ(G(z)) computed once by the main thread from every shard's features.
import * as tf from '@tensorflow/tfjs-core';
import { sharedTapeAvailable, sharedTapeGradients } from '../../backend/shared-tape.js';
import { type AdversarialLoss, adversarialLoss } from '../../losses/adversarial.js';
import { gradientPenalty } from '../../losses/gradient-penalty.js';
import { buildGan, type Gan } from '../../nn/index.js';
import { Random } from '../../random.js';
import type { TrainConfig } from '../config.js';
import { type GanLayout, ganLayout, tensorFromShared, tensorValues } from './shared-buffers.js';

/**
 * Publishes the shard's φ(G(z)) and φ(real) rows (copied at once) and returns its rows of C = ∂L_G/∂φ(G(z)) as a
 * view of shared memory (to be copied before the next command), or null when the generator part is dropped (the
 * main thread found non-finite features). Blocks until the main thread answers.
 */
export type FeatureExchange = (phiFake: Float32Array, phiReal: Float32Array) => Float32Array | null;

/** Losses of a shard (shard means, not weighted by ω). NaN where not computed. */
export interface ShardLosses {
  dLoss: number;
  gradientPenalty: number;
  gAdversarial: number;
}

/** Thrown inside a gradient function to drop the generator part (non-finite GDPP features). */
class GeneratorDropped extends Error {}

/** A replica of a run's networks that computes shard gradients. */
export class Replica {
  readonly gan: Gan;
  readonly layout: GanLayout;
  private readonly adversarial: AdversarialLoss;
  private readonly gVars: tf.Variable[];
  private readonly dVars: tf.Variable[];
  private readonly sharedForward: boolean;

  constructor(
    readonly config: TrainConfig,
    dataShape: number[],
  ) {
    // The initial weights do not matter (every command loads the main thread's), but build them as the
    // Trainer does so the replica is a faithful copy from the start.
    this.gan = buildGan(config.model, {
      dataShape,
      spectralNorm: config.lipschitz === 'spectral-norm',
      powerIterations: config.powerIterations,
      random: new Random(config.seed).fork('init'),
    });
    this.layout = ganLayout(this.gan);
    this.adversarial = adversarialLoss(config.loss, config.labelSmoothing);
    this.gVars = this.gan.generator.stack.trainableVariables();
    this.dVars = this.gan.discriminator.trainableVariables();
    // The Trainer's rule (trainer.ts): one shared forward pass only without per-call layer state or a penalty.
    this.sharedForward =
      config.schedule === 'simultaneous' &&
      config.lipschitz !== 'gradient-penalty' &&
      this.allWeights().every((w) => w.trainable) &&
      sharedTapeAvailable();
  }

  private allWeights() {
    return [...this.gan.generator.stack.weights(), ...this.gan.discriminator.weights()];
  }

  /** Version of each weight last loaded (see shared-buffers.ts `versions`). */
  private loaded = new Int32Array(0);

  /**
   * Overwrite the weights (trainable and not) whose version in `versions` differs from the one last loaded with
   * the values in the shared weights buffer (all of them on the first call).
   */
  loadWeights(weights: Float32Array, versions: Int32Array): void {
    const all = this.allWeights();
    if (this.loaded.length !== versions.length) {
      this.loaded = new Int32Array(versions.length).fill(-1);
    }
    this.layout.weights.forEach((slot, i) => {
      const version = Atomics.load(versions, i);
      if (version === this.loaded[i]) return;
      this.loaded[i] = version;
      const t = tensorFromShared(weights.subarray(slot.offset, slot.offset + slot.size), slot.shape);
      all[i].write(t);
      t.dispose();
    });
  }

  /** Copy the non-trainable weights (batch-norm statistics, spectral-norm u) into a state buffer. */
  saveState(state: Float32Array): void {
    const all = this.allWeights();
    this.layout.weights.forEach((slot, i) => {
      if (!slot.trainable) state.set(tensorValues(all[i].read()), slot.slot);
    });
  }

  /** Write the gradients of `net`'s trainable variables into a gradients buffer (zeros where absent). */
  private writeGradients(grads: tf.NamedTensorMap, net: 'G' | 'D', out: Float32Array): void {
    const vars = net === 'G' ? this.gVars : this.dVars;
    const slots = this.layout.weights
      .slice(
        net === 'G' ? 0 : this.layout.generatorWeights,
        net === 'G' ? this.layout.generatorWeights : undefined,
      )
      .filter((slot) => slot.trainable);
    vars.forEach((v, i) => {
      const g = grads[v.name];
      if (g) out.set(tensorValues(g), slots[i].slot);
      else out.fill(0, slots[i].slot, slots[i].slot + slots[i].size);
    });
  }

  /** The Trainer's discriminatorLoss on the shard. Call inside a gradient function. */
  private discriminatorLoss(
    real: tf.Tensor2D,
    z: tf.Tensor2D,
    alpha: tf.Tensor1D | null,
    losses: ShardLosses,
  ) {
    const { generator, discriminator } = this.gan;
    const fake = generator.apply(z, true);
    const realLogits = discriminator.apply(real, true);
    const fakeLogits = discriminator.apply(fake, true);
    let loss = this.adversarial.discriminatorLoss(realLogits, fakeLogits);
    if (this.config.lipschitz === 'gradient-penalty') {
      const penalty = gradientPenalty((x) => discriminator.apply(x, false), real, fake, {
        weight: this.config.gpWeight,
        alpha: alpha ?? undefined,
      });
      losses.gradientPenalty = penalty.dataSync()[0];
      loss = tf.add(loss, penalty);
    }
    losses.dLoss = loss.dataSync()[0];
    return loss;
  }

  /**
   * The shard's part of the Trainer's generatorLoss: ω·adv without GDPP; with GDPP 0.5·ω·adv + Σ φ(G(z)) ⊙ C,
   * whose gradient is the shard's share of ∂[0.5·(adv + w·L_DPP)]/∂θ_G. Call inside a gradient function.
   */
  private generatorSurrogate(
    fake: tf.Tensor,
    real: tf.Tensor2D,
    weight: number,
    exchange: FeatureExchange,
    losses: ShardLosses,
    phiFakeGiven?: tf.Tensor2D,
    fakeLogitsGiven?: tf.Tensor2D,
    phiRealGiven?: tf.Tensor2D,
  ): tf.Scalar {
    const { discriminator } = this.gan;
    const phiFake = phiFakeGiven ?? discriminator.features(fake, true);
    const adversarial = this.adversarial.generatorLoss(fakeLogitsGiven ?? discriminator.head(phiFake, true));
    losses.gAdversarial = adversarial.dataSync()[0];
    if (this.config.gdpp === null) return tf.mul(weight, adversarial);
    const phiReal = phiRealGiven ?? discriminator.features(real, true);
    // heap views on wasm (no per-step copies), valid here: nothing is allocated before the exchange copies them
    const cotangent = exchange(tensorValues(phiFake), tensorValues(phiReal));
    if (cotangent === null) throw new GeneratorDropped();
    const c = tensorFromShared(cotangent, phiFake.shape);
    return tf.add(tf.mul(0.5 * weight, adversarial), tf.sum(tf.mul(phiFake, c)));
  }

  /** ∂(ω·L_D)/∂θ_D on the shard, written into `out`. */
  discriminator(
    real: tf.Tensor2D,
    z: tf.Tensor2D,
    alpha: tf.Tensor1D | null,
    weight: number,
    out: Float32Array,
  ): ShardLosses {
    const losses: ShardLosses = { dLoss: Number.NaN, gradientPenalty: Number.NaN, gAdversarial: Number.NaN };
    tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () => tf.mul(weight, this.discriminatorLoss(real, z, alpha, losses)),
        this.dVars,
      );
      this.writeGradients(grads, 'D', out);
    });
    return losses;
  }

  /**
   * ∂(shard's L_G)/∂θ_G, written into `out`; false when the generator part was dropped. `discriminatorReady`,
   * when given, is called after G(z) and before D is used: it blocks until D's new weights are loaded, and
   * returns false to drop the generator part.
   */
  generator(
    z: tf.Tensor2D,
    real: tf.Tensor2D,
    weight: number,
    exchange: FeatureExchange,
    out: Float32Array,
    losses: ShardLosses,
    discriminatorReady?: () => boolean,
  ): boolean {
    try {
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          const fake = this.gan.generator.apply(z, true);
          // D's variables may be rewritten here: the tape holds no D op yet, and only G's are differentiated.
          if (discriminatorReady && !discriminatorReady()) throw new GeneratorDropped();
          return this.generatorSurrogate(fake, real, weight, exchange, losses);
        }, this.gVars);
        this.writeGradients(grads, 'G', out);
      });
      return true;
    } catch (error) {
      if (error instanceof GeneratorDropped) return false;
      throw error;
    }
  }

  /**
   * Schedule 'simultaneous': D and G gradients at the same weights — one shared forward pass when the Trainer
   * would take one, else D's loss then G's, as the Trainer's two-pass path. False when G was dropped.
   */
  both(
    real: tf.Tensor2D,
    z: tf.Tensor2D,
    alpha: tf.Tensor1D | null,
    weight: number,
    exchange: FeatureExchange,
    out: Float32Array,
    losses: ShardLosses,
  ): boolean {
    if (!this.sharedForward) {
      Object.assign(losses, this.discriminator(real, z, alpha, weight, out));
      return this.generator(z, real, weight, exchange, out, losses);
    }
    const { generator, discriminator } = this.gan;
    try {
      tf.tidy(() => {
        const { grads } = sharedTapeGradients<'dLoss' | 'gLoss'>(() => {
          const fake = generator.apply(z, true);
          const phiReal = discriminator.features(real, true);
          const realLogits = discriminator.head(phiReal, true);
          const phiFake = discriminator.features(fake, true);
          const fakeLogits = discriminator.head(phiFake, true);
          const dLoss = this.adversarial.discriminatorLoss(realLogits, fakeLogits);
          losses.dLoss = dLoss.dataSync()[0];
          const gLoss = this.generatorSurrogate(
            fake,
            real,
            weight,
            exchange,
            losses,
            phiFake,
            fakeLogits,
            phiReal,
          );
          return { dLoss: tf.mul(weight, dLoss), gLoss };
        }, [
          { loss: 'dLoss', variables: this.dVars },
          { loss: 'gLoss', variables: this.gVars },
        ]);
        this.writeGradients(grads[0], 'D', out);
        this.writeGradients(grads[1], 'G', out);
      });
      return true;
    } catch (error) {
      if (error instanceof GeneratorDropped) return false;
      throw error;
    }
  }

  dispose(): void {
    this.gan.dispose();
  }
}
