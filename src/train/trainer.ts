// The GAN trainer. One step (schedule 'alternating') = nDis discriminator updates, each on a fresh real batch
// and fresh latent codes, then one generator update; schedule 'simultaneous' (the official GDPP synthetic
// script) takes both gradients at the same parameters from one real batch and one latent batch and applies both.
// Generator loss: adv, or with GDPP 0.5·(adv + weight·L_DPP(φ(G(z)), φ(x))) as in the reference code, with φ
// the discriminator's feature layer. Lipschitz control: spectral norm (built into D), weight clipping after each
// D update, or a gradient penalty added to the D loss.
// Invariant (reproducibility): every random draw comes from one seeded Random forked into 'init', 'data',
// 'latent' and 'gp' streams, and a checkpoint holds every piece of state a step reads, so k steps + restore +
// (n − k) steps equals n steps bit for bit on the same backend.
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/index.js';
import { runtimeError } from '../errors.js';
import { type AdversarialLoss, adversarialLoss } from '../losses/adversarial.js';
import { gdppLoss } from '../losses/gdpp.js';
import { gradientPenalty } from '../losses/gradient-penalty.js';
import { buildGan, type Gan, SpectralNormalization } from '../nn/index.js';
import { clipWeights } from '../nn/weight-clip.js';
import { Random, type RandomState } from '../random.js';
import type { CheckpointData, NamedArray } from './checkpoint.js';
import { configHash, type TrainConfig } from './config.js';

/** Loss values of one step (the last discriminator update's for D). */
export interface StepStats {
  step: number;
  dLoss: number;
  gLoss: number;
  /** The generator's adversarial term alone. */
  gAdversarial: number;
  /** L_DPP (when GDPP is on). */
  gdpp?: number;
  /** The gradient penalty (already weighted) inside dLoss (when used). */
  gradientPenalty?: number;
}

type Scalars = Partial<Record<'dLoss' | 'gLoss' | 'gAdversarial' | 'gdpp' | 'gradientPenalty', tf.Scalar>>;

const RANDOM_STREAMS = ['data', 'latent', 'gp'] as const;
type StreamName = (typeof RANDOM_STREAMS)[number];

// Adam keeps its bias-correction products β^t in private variables; its setWeights recomputes them with pow(),
// which is not bit-identical to the running product, so checkpoints save and restore them directly.
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  iterations: number;
}
interface AdamScalars {
  iterations: number;
  accBeta1: number;
  accBeta2: number;
}
type GradientMap = Parameters<tf.AdamOptimizer['applyGradients']>[0];

/** Options of the Trainer. */
export interface TrainerOptions {
  /** The training data; required (build it with createDataset(config.data)). */
  dataset: Dataset;
}

/**
 * Trains a GAN (optionally with GDPP, spectral norm, weight clipping or a gradient penalty) step by step,
 * reproducibly.
 */
export class Trainer {
  readonly config: TrainConfig;
  readonly dataset: Dataset;
  readonly gan: Gan;
  readonly adversarial: AdversarialLoss;
  readonly optimizerG: tf.AdamOptimizer;
  readonly optimizerD: tf.AdamOptimizer;
  readonly configHash: string;
  /** Completed steps. */
  step = 0;
  private readonly random: Record<StreamName, Random>;
  private readonly gVars: tf.Variable[];
  private readonly dVars: tf.Variable[];

  constructor(config: TrainConfig, opts: TrainerOptions) {
    this.config = config;
    this.dataset = opts.dataset;
    this.configHash = configHash(config);
    const master = new Random(config.seed);
    const init = master.fork('init');
    this.random = { data: master.fork('data'), latent: master.fork('latent'), gp: master.fork('gp') };
    this.gan = buildGan(config.model, {
      dataShape: this.dataset.dim,
      spectralNorm: config.lipschitz === 'spectral-norm',
      powerIterations: config.powerIterations,
      random: init,
    });
    this.adversarial = adversarialLoss(config.loss);
    const { g, d } = config.optim;
    this.optimizerG = tf.train.adam(g.lr, g.beta1, g.beta2, g.epsilon);
    this.optimizerD = tf.train.adam(d.lr, d.beta1, d.beta2, d.epsilon);
    this.gVars = this.gan.generator.stack.trainableVariables();
    this.dVars = this.gan.discriminator.trainableVariables();
  }

  get latentDim(): number {
    return this.gan.generator.latentDim;
  }

  /** Real data in the generator's output range ([−1, 1] for tanh image models). */
  private sampleReal(n: number): tf.Tensor2D {
    const x = this.dataset.sample(n, this.random.data);
    if (this.gan.pixelRange !== 'symmetric') return x;
    const scaled = tf.tidy(() => tf.sub(tf.mul(x, 2), 1) as tf.Tensor2D);
    x.dispose();
    return scaled;
  }

  private sampleLatent(n: number, random: Random = this.random.latent): tf.Tensor2D {
    return random.normalTensor([n, this.latentDim]) as tf.Tensor2D;
  }

  private discriminatorLoss(real: tf.Tensor2D, z: tf.Tensor2D, scalars: Scalars): tf.Scalar {
    const { generator, discriminator } = this.gan;
    const fake = generator.apply(z, true);
    const realLogits = discriminator.apply(real, true);
    const fakeLogits = discriminator.apply(fake, true);
    let loss = this.adversarial.discriminatorLoss(realLogits, fakeLogits);
    if (this.config.lipschitz === 'gradient-penalty') {
      const alpha = this.random.gp.uniformTensor([real.shape[0]]);
      const penalty = gradientPenalty((x) => discriminator.apply(x, false), real, fake, {
        weight: this.config.gpWeight,
        alpha,
      });
      replace(scalars, 'gradientPenalty', penalty);
      loss = tf.add(loss, penalty);
    }
    replace(scalars, 'dLoss', loss);
    return loss;
  }

  private generatorLoss(z: tf.Tensor2D, real: tf.Tensor2D, scalars: Scalars): tf.Scalar {
    const { generator, discriminator } = this.gan;
    const fake = generator.apply(z, true);
    const phiFake = discriminator.features(fake, true);
    const adversarial = this.adversarial.generatorLoss(discriminator.head(phiFake, true));
    replace(scalars, 'gAdversarial', adversarial);
    let loss = adversarial;
    const gdpp = this.config.gdpp;
    if (gdpp !== null) {
      const phiReal = discriminator.features(real, true);
      const dpp = gdppLoss(phiFake, phiReal, {
        magnitudeWeight: gdpp.magnitudeWeight,
        signInvariant: gdpp.signInvariant,
      });
      replace(scalars, 'gdpp', dpp);
      loss = tf.mul(0.5, tf.add(adversarial, tf.mul(gdpp.weight, dpp)));
    }
    replace(scalars, 'gLoss', loss);
    return loss;
  }

  /** One training step; returns its losses. Throws a runtime error when a loss becomes NaN or infinite. */
  trainStep(): StepStats {
    const scalars: Scalars = {};
    const batch = this.config.batchSize;
    let real: tf.Tensor2D | null = null;
    try {
      if (this.config.schedule === 'alternating') {
        for (let k = 0; k < this.config.nDis; k++) {
          real?.dispose();
          real = this.sampleReal(batch);
          const z = this.sampleLatent(batch);
          const batchReal = real;
          tf.tidy(() => {
            this.optimizerD.minimize(() => this.discriminatorLoss(batchReal, z, scalars), false, this.dVars);
          });
          z.dispose();
          if (this.config.lipschitz === 'weight-clip') clipWeights(this.dVars, this.config.weightClip);
        }
        const z = this.sampleLatent(batch);
        const batchReal = real!;
        tf.tidy(() => {
          this.optimizerG.minimize(() => this.generatorLoss(z, batchReal, scalars), false, this.gVars);
        });
        z.dispose();
      } else {
        real = this.sampleReal(batch);
        const z = this.sampleLatent(batch);
        const batchReal = real;
        tf.tidy(() => {
          const d = tf.variableGrads(() => this.discriminatorLoss(batchReal, z, scalars), this.dVars);
          const g = tf.variableGrads(() => this.generatorLoss(z, batchReal, scalars), this.gVars);
          this.optimizerD.applyGradients(d.grads as unknown as GradientMap);
          this.optimizerG.applyGradients(g.grads as unknown as GradientMap);
        });
        z.dispose();
        if (this.config.lipschitz === 'weight-clip') clipWeights(this.dVars, this.config.weightClip);
      }
      this.step++;
      const stats: StepStats = {
        step: this.step,
        dLoss: read(scalars.dLoss),
        gLoss: read(scalars.gLoss),
        gAdversarial: read(scalars.gAdversarial),
      };
      if (scalars.gdpp) stats.gdpp = read(scalars.gdpp);
      if (scalars.gradientPenalty) stats.gradientPenalty = read(scalars.gradientPenalty);
      for (const [name, value] of Object.entries(stats)) {
        if (!Number.isFinite(value)) {
          throw runtimeError(
            `training diverged at step ${this.step}: ${name} is ${value} (try a lower learning rate, or another loss/lipschitz setting)`,
          );
        }
      }
      return stats;
    } finally {
      real?.dispose();
      tf.dispose(Object.values(scalars));
    }
  }

  /** The σ each spectrally normalised discriminator layer divides by now (empty without spectral norm). */
  sigmaEstimates(): number[] {
    return this.gan.discriminator.layers
      .filter((layer) => layer instanceof SpectralNormalization)
      .map((layer) => (layer as SpectralNormalization).sigma());
  }

  /**
   * n generated samples in data space (images in [0, 1]), flat [n × prod(dim)], in inference mode (batch-norm
   * moving statistics, spectral-norm u not updated). Deterministic in `random`'s state.
   */
  generate(n: number, random: Random, chunk = 1024): Float32Array {
    const dim = this.dataset.dim.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n * dim);
    for (let start = 0; start < n; start += chunk) {
      const m = Math.min(chunk, n - start);
      const z = this.sampleLatent(m, random);
      const x = tf.tidy(() => {
        const g = this.gan.generator.apply(z, false);
        return this.gan.pixelRange === 'symmetric' ? tf.div(tf.add(g, 1), 2) : g;
      });
      out.set(x.dataSync(), start * dim);
      tf.dispose([z, x]);
    }
    return out;
  }

  /** Everything a resumed run needs, as plain arrays. */
  async captureCheckpoint(): Promise<CheckpointData> {
    const weights = (variables: { originalName: string; read(): tf.Tensor }[]): NamedArray[] =>
      variables.map((w) => {
        const t = w.read();
        return { name: w.originalName, shape: t.shape, values: Float32Array.from(t.dataSync()) };
      });
    const optimizer = async (opt: tf.AdamOptimizer): Promise<NamedArray[]> => {
      const named = await opt.getWeights();
      return named.slice(1).map(({ name, tensor }) => ({
        name,
        shape: tensor.shape,
        values: Float32Array.from(tensor.dataSync()),
      }));
    };
    const adamScalars = (opt: tf.AdamOptimizer) => {
      const internals = opt as unknown as AdamInternals;
      return {
        iterations: internals.iterations,
        accBeta1: internals.accBeta1.dataSync()[0],
        accBeta2: internals.accBeta2.dataSync()[0],
      };
    };
    const random: Record<string, RandomState> = {};
    for (const name of RANDOM_STREAMS) random[name] = this.random[name].getState();
    return {
      step: this.step,
      configHash: this.configHash,
      tensors: {
        generator: weights(this.gan.generator.stack.weights()),
        discriminator: weights(this.gan.discriminator.weights()),
        'optimizer-g': await optimizer(this.optimizerG),
        'optimizer-d': await optimizer(this.optimizerD),
      },
      state: { random, adam: { g: adamScalars(this.optimizerG), d: adamScalars(this.optimizerD) } },
    };
  }

  /** Restore a checkpoint into this (freshly built, not yet stepped) trainer. */
  async restoreCheckpoint(data: CheckpointData): Promise<void> {
    if (this.step !== 0) throw new Error('restoreCheckpoint: the trainer has already taken steps');
    const corrupt = (what: string) =>
      runtimeError(
        `checkpoint does not fit model "${this.config.model}": ${what} (was it written by another config?)`,
      );
    const setWeights = (
      group: string,
      variables: { shape: (number | null)[]; write(t: tf.Tensor): unknown }[],
    ) => {
      const arrays = data.tensors[group] ?? [];
      if (arrays.length !== variables.length) {
        throw corrupt(`${group} has ${arrays.length} tensors, the model ${variables.length}`);
      }
      variables.forEach((variable, i) => {
        const array = arrays[i];
        if (array.shape.join(',') !== variable.shape.join(',')) {
          throw corrupt(
            `${group} tensor ${array.name} has shape [${array.shape}], expected [${variable.shape}]`,
          );
        }
        const t = tf.tensor(array.values, array.shape);
        variable.write(t);
        t.dispose();
      });
    };
    setWeights('generator', this.gan.generator.stack.weights());
    setWeights('discriminator', this.gan.discriminator.weights());
    const state = data.state as {
      random: Record<StreamName, RandomState>;
      adam: Record<'g' | 'd', AdamScalars>;
    };
    const restoreOptimizer = async (
      opt: tf.AdamOptimizer,
      group: string,
      scalars: AdamScalars | undefined,
    ) => {
      const arrays = data.tensors[group] ?? [];
      if (scalars === undefined) throw corrupt(`missing optimiser state ${group}`);
      const named = [
        { name: 'iter', tensor: tf.scalar(scalars.iterations, 'int32') },
        ...arrays.map((a) => ({ name: a.name, tensor: tf.tensor(a.values, a.shape) })),
      ];
      await opt.setWeights(named);
      tf.dispose(named.map((n) => n.tensor));
      const internals = opt as unknown as AdamInternals;
      tf.tidy(() => {
        internals.accBeta1.assign(tf.scalar(scalars.accBeta1));
        internals.accBeta2.assign(tf.scalar(scalars.accBeta2));
      });
    };
    await restoreOptimizer(this.optimizerG, 'optimizer-g', state.adam?.g);
    await restoreOptimizer(this.optimizerD, 'optimizer-d', state.adam?.d);
    for (const name of RANDOM_STREAMS) {
      if (!state.random?.[name]) throw corrupt(`missing random stream ${name}`);
      this.random[name].setState(state.random[name]);
    }
    this.step = data.step;
  }

  /** Dispose the networks and optimisers. */
  dispose(): void {
    this.gan.dispose();
    this.optimizerG.dispose();
    this.optimizerD.dispose();
  }
}

function replace(scalars: Scalars, key: keyof Scalars, value: tf.Scalar): void {
  scalars[key]?.dispose();
  scalars[key] = tf.keep(value.clone());
}

function read(value: tf.Scalar | undefined): number {
  return value === undefined ? Number.NaN : value.dataSync()[0];
}
