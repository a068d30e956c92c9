// The GAN trainer. One step (schedule 'alternating') = nDis discriminator updates, each on a fresh real batch
// and fresh latent codes, then one generator update; schedule 'simultaneous' (the official GDPP synthetic
// script) takes both gradients at the same parameters from one real batch and one latent batch and applies both.
// Generator loss: adv, or with GDPP 0.5·(adv + weight·L_DPP(φ(G(z)), φ(x))) as in the reference code, with φ
// the discriminator's feature layer. Lipschitz control: spectral norm (built into D), weight clipping after each
// D update, or a gradient penalty added to the D loss.
// Invariant (reproducibility): every random draw comes from one seeded Random forked into 'init', 'data',
// 'latent' and 'gp' streams, and a checkpoint holds every piece of state a step reads, so k steps + restore +
// (n − k) steps equals n steps bit for bit on the same backend.
// Invariant (numerical guard): no update whose loss, gradients or network weights hold a NaN/±Inf is applied,
// nor any update on a non-finite real batch. The check is one fused probe Σ sum(t·0) (0 iff every entry is
// finite) and one scalar read per update; what happens instead is config.nanPolicy (see NonFiniteEvent).
import * as tf from '@tensorflow/tfjs-core';
import { adam } from '../backend/adam.js';
import { allFinite } from '../backend/finite.js';
import { sharedTapeAvailable, sharedTapeGradients } from '../backend/shared-tape.js';
import type { Dataset } from '../data/index.js';
import { runtimeError } from '../errors.js';
import { type AdversarialLoss, adversarialLoss } from '../losses/adversarial.js';
import { gdppLoss, NonFiniteFeaturesError } from '../losses/gdpp.js';
import { gradientPenalty } from '../losses/gradient-penalty.js';
import { buildGan, type Gan, SpectralNormalization } from '../nn/index.js';
import { clipWeights } from '../nn/weight-clip.js';
import { Random, type RandomState } from '../random.js';
import type { CheckpointData, NamedArray } from './checkpoint.js';
import { configHash, type NanPolicy, type TrainConfig } from './config.js';
import { GeneratorEma, type GeneratorWeights, type WeightVariable } from './generator-ema.js';
import { learningRateFactor } from './learning-rate.js';
import { standBatchNormStatistics } from './standing-statistics.js';

/**
 * A numerical-guard event (one `log.jsonl` line): at `step`, `what` was NaN/±Inf — 'batch' (the real data), or
 * 'D'/'G' followed by 'loss', 'gradients', 'weights' or 'features' — and the update was not applied; `action`
 * is what happened instead: 'skip' (step taken without that update), 'rollback' (to the last good checkpoint
 * with halved learning rates, done by trainRun) or 'stop'.
 */
export interface NonFiniteEvent {
  event: 'nonfinite';
  step: number;
  what: string;
  action: NanPolicy;
}

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
  /** Numerical-guard events of this step (its non-finite updates were not applied). */
  nonfinite?: NonFiniteEvent[];
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
  /** Learning-rate multiplier: 1, halved by every rollback (saved in checkpoints). */
  lrScale = 1;
  /** Called with every numerical-guard event as it happens (trainRun writes them to log.jsonl). */
  onNonFinite?: (event: NonFiniteEvent) => void;
  /** The moving average of G's weights (config "generatorEma"), or null; generate() samples from it. */
  readonly generatorEma: GeneratorEma | null;
  // @internal members below are also driven by the data-parallel step (parallel/parallel-trainer.ts), which
  // draws from the same streams and applies the same guard, so N workers and one thread train alike.
  /** @internal */
  readonly random: Record<StreamName, Random>;
  /** @internal */
  readonly gVars: tf.Variable[];
  /** @internal */
  readonly dVars: tf.Variable[];
  /** Every weight (incl. batch-norm statistics and spectral-norm u) the guard checks before an update. */
  private readonly gWeights: WeightVariable[];
  private readonly dWeights: { read(): tf.Tensor }[];
  /** @internal */
  faultsInARow = 0;
  /**
   * 'simultaneous' runs one forward pass for both losses (see simultaneousStep) when no layer has per-call state
   * (batch-norm statistics, spectral-norm u: every training-mode call advances them, and the separate losses make
   * more calls) and there is no gradient penalty (its own random draw and second-order tape).
   */
  private readonly sharedForward: boolean;

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
    this.adversarial = adversarialLoss(config.loss, config.labelSmoothing);
    const { g, d } = config.optim;
    this.optimizerG = adam(g.lr, g.beta1, g.beta2, g.epsilon);
    this.optimizerD = adam(d.lr, d.beta1, d.beta2, d.epsilon);
    this.gVars = this.gan.generator.stack.trainableVariables();
    this.dVars = this.gan.discriminator.trainableVariables();
    this.gWeights = this.gan.generator.stack.weights();
    this.dWeights = this.gan.discriminator.weights();
    this.generatorEma = config.generatorEma
      ? new GeneratorEma(this.gWeights, config.generatorEma, (batches) => this.standStatistics(batches))
      : null;
    this.sharedForward =
      config.schedule === 'simultaneous' &&
      config.lipschitz !== 'gradient-penalty' &&
      [...this.gan.generator.stack.weights(), ...this.gan.discriminator.weights()].every(
        (w) => w.trainable,
      ) &&
      sharedTapeAvailable();
  }

  get latentDim(): number {
    return this.gan.generator.latentDim;
  }

  /** @internal Real data in the generator's output range ([−1, 1] for tanh image models). */
  sampleReal(n: number): tf.Tensor2D {
    const x = this.dataset.sample(n, this.random.data);
    if (this.gan.pixelRange !== 'symmetric') return x;
    const scaled = tf.tidy(() => tf.sub(tf.mul(x, 2), 1) as tf.Tensor2D);
    x.dispose();
    return scaled;
  }

  /** @internal */
  sampleLatent(n: number, random: Random = this.random.latent): tf.Tensor2D {
    return random.normalTensor([n, this.latentDim]) as tf.Tensor2D;
  }

  /**
   * Standing statistics for the weights G holds now (standing-statistics.ts): `batches` training-mode passes of
   * the training batch size, from a latent stream of their own (the same every call, so sampling stays
   * deterministic; the run's latent stream is not touched).
   */
  private standStatistics(batches: number): void {
    const random = new Random(this.config.seed).fork('standing-statistics');
    standBatchNormStatistics(this.gan.generator.stack.layers, batches, () =>
      this.gan.generator.apply(this.sampleLatent(this.config.batchSize, random), true),
    );
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

  /**
   * Schedule 'simultaneous' with one forward pass: G(z), φ(real), φ(fake) and both logits are computed once and
   * ∂L_D/∂θ_D, ∂L_G/∂θ_G are back-propagated from the same tape. The ops, their order and each loss's tape are
   * those of discriminatorLoss then generatorLoss, so the gradients (and the step) are bit-identical to two
   * tf.variableGrads calls — the generator and φ(real) are simply not evaluated twice. Returns false, having changed
   * nothing, when the GDPP features are non-finite: the caller then takes the two-pass path, which reports the
   * fault exactly as before. Call inside tf.tidy.
   */
  private simultaneousStep(real: tf.Tensor2D, z: tf.Tensor2D, scalars: Scalars, faults: string[]): boolean {
    const { generator, discriminator } = this.gan;
    const gdpp = this.config.gdpp;
    type Losses = 'dLoss' | 'gLoss' | 'gAdversarial' | 'gdpp';
    let result: { values: Record<Losses, tf.Scalar>; grads: tf.NamedTensorMap[] };
    try {
      result = sharedTapeGradients<Losses>(() => {
        const fake = generator.apply(z, true);
        const phiReal = discriminator.features(real, true);
        const realLogits = discriminator.head(phiReal, true);
        const phiFake = discriminator.features(fake, true);
        const fakeLogits = discriminator.head(phiFake, true);
        const dLoss = this.adversarial.discriminatorLoss(realLogits, fakeLogits);
        const gAdversarial = this.adversarial.generatorLoss(fakeLogits);
        let gLoss = gAdversarial;
        let dpp = gAdversarial;
        if (gdpp !== null) {
          dpp = gdppLoss(phiFake, phiReal, {
            magnitudeWeight: gdpp.magnitudeWeight,
            signInvariant: gdpp.signInvariant,
          });
          gLoss = tf.mul(0.5, tf.add(gAdversarial, tf.mul(gdpp.weight, dpp)));
        }
        return { dLoss, gLoss, gAdversarial, gdpp: dpp };
      }, [
        { loss: 'dLoss', variables: this.dVars },
        { loss: 'gLoss', variables: this.gVars },
      ]);
    } catch (error) {
      if (error instanceof NonFiniteFeaturesError) return false;
      throw error;
    }
    const { values } = result;
    const [d, g] = result.grads as unknown as GradientMap[];
    replace(scalars, 'dLoss', values.dLoss);
    if (!this.finiteUpdate(values.dLoss, d, 'D', faults)) return true;
    replace(scalars, 'gAdversarial', values.gAdversarial);
    if (gdpp !== null) replace(scalars, 'gdpp', values.gdpp);
    replace(scalars, 'gLoss', values.gLoss);
    if (!this.finiteUpdate(values.gLoss, g, 'G', faults)) return true;
    this.optimizerD.applyGradients(d);
    this.optimizerG.applyGradients(g);
    return true;
  }

  /** @internal True when loss, gradients and the net's weights are all finite; else the culprit goes to `faults`. */
  finiteUpdate(value: tf.Scalar, gradients: GradientMap, net: 'D' | 'G', faults: string[]): boolean {
    const grads = Object.values(gradients as unknown as tf.NamedTensorMap);
    const weights = (net === 'D' ? this.dWeights : this.gWeights).map((w) => w.read());
    if (allFinite([value, ...grads, ...weights])) return true;
    // Rare path: name the culprit, the root cause first (non-finite weights make the loss non-finite too).
    faults.push(`${net} ${!allFinite(weights) ? 'weights' : !allFinite([value]) ? 'loss' : 'gradients'}`);
    return false;
  }

  /**
   * The gradients of `loss` w.r.t. `vars`, or null (with the culprit pushed to `faults`) when the loss, a gradient
   * or a weight of the network is NaN/±Inf, or the GDPP features are. Call inside tf.tidy.
   */
  private guardedGradients(
    loss: () => tf.Scalar,
    vars: tf.Variable[],
    net: 'D' | 'G',
    faults: string[],
  ): GradientMap | null {
    let result: { value: tf.Scalar; grads: tf.NamedTensorMap };
    try {
      result = tf.variableGrads(loss, vars);
    } catch (error) {
      if (!(error instanceof NonFiniteFeaturesError)) throw error;
      faults.push(`${net} features`);
      return null;
    }
    const grads = result.grads as unknown as GradientMap;
    return this.finiteUpdate(result.value, grads, net, faults) ? grads : null;
  }

  /**
   * One training step; returns its losses. Numerical guard: an update whose loss, gradients or weights are
   * NaN/±Inf (or any update on a non-finite real batch) is not applied; with nanPolicy 'skip' the step ends
   * without it (stats.nonfinite says why), 'rollback' is the same here and trainRun then rolls back, and 'stop'
   * — or config.nanLimit faulty steps in a row, or non-finite weights under 'skip' — throws a runtime error.
   */
  trainStep(): StepStats {
    this.applyLearningRates();
    const scalars: Scalars = {};
    const batch = this.config.batchSize;
    const faults: string[] = [];
    let real: tf.Tensor2D | null = null;
    try {
      if (this.config.schedule === 'alternating') {
        for (let k = 0; k < this.config.nDis && faults.length === 0; k++) {
          real?.dispose();
          real = this.sampleReal(batch);
          if (!allFinite([real])) {
            faults.push('batch');
            break;
          }
          const z = this.sampleLatent(batch);
          const batchReal = real;
          tf.tidy(() => {
            const grads = this.guardedGradients(
              () => this.discriminatorLoss(batchReal, z, scalars),
              this.dVars,
              'D',
              faults,
            );
            if (grads) this.optimizerD.applyGradients(grads);
          });
          z.dispose();
          if (faults.length === 0 && this.config.lipschitz === 'weight-clip') {
            clipWeights(this.dVars, this.config.weightClip);
          }
        }
        if (faults.length === 0) {
          const z = this.sampleLatent(batch);
          const batchReal = real!;
          tf.tidy(() => {
            const grads = this.guardedGradients(
              () => this.generatorLoss(z, batchReal, scalars),
              this.gVars,
              'G',
              faults,
            );
            if (grads) this.optimizerG.applyGradients(grads);
          });
          z.dispose();
        }
      } else {
        real = this.sampleReal(batch);
        if (!allFinite([real])) faults.push('batch');
        else {
          const z = this.sampleLatent(batch);
          const batchReal = real;
          tf.tidy(() => {
            if (this.sharedForward && this.simultaneousStep(batchReal, z, scalars, faults)) return;
            const d = this.guardedGradients(
              () => this.discriminatorLoss(batchReal, z, scalars),
              this.dVars,
              'D',
              faults,
            );
            const g =
              d &&
              this.guardedGradients(() => this.generatorLoss(z, batchReal, scalars), this.gVars, 'G', faults);
            if (d && g) {
              this.optimizerD.applyGradients(d);
              this.optimizerG.applyGradients(g);
            }
          });
          z.dispose();
          if (faults.length === 0 && this.config.lipschitz === 'weight-clip') {
            clipWeights(this.dVars, this.config.weightClip);
          }
        }
      }
      this.step++;
      if (faults.length === 0) this.generatorEma?.update(this.step);
      const stats: StepStats = {
        step: this.step,
        dLoss: read(scalars.dLoss),
        gLoss: read(scalars.gLoss),
        gAdversarial: read(scalars.gAdversarial),
      };
      if (scalars.gdpp) stats.gdpp = read(scalars.gdpp);
      if (scalars.gradientPenalty) stats.gradientPenalty = read(scalars.gradientPenalty);
      if (faults.length > 0) stats.nonfinite = this.handleFaults(faults);
      else this.faultsInARow = 0;
      return stats;
    } finally {
      real?.dispose();
      tf.dispose(Object.values(scalars));
    }
  }

  /** @internal Apply config.nanPolicy to this step's faults: report them, and throw when the run must stop. */
  handleFaults(faults: string[]): NonFiniteEvent[] {
    const { nanPolicy, nanLimit } = this.config;
    this.faultsInARow++;
    let action: NanPolicy = nanPolicy;
    let reason = `nanPolicy "stop"`;
    // A bad real batch is skipped under 'rollback' too (the weights are fine; returning to a checkpoint cannot
    // repair the data), and counts toward nanLimit like any skip — else a dataset that is non-finite on every
    // step would skip to the end and exit 0.
    if (nanPolicy === 'rollback' && faults.every((what) => what === 'batch')) action = 'skip';
    if (action === 'skip' && faults.some((what) => what.endsWith('weights'))) {
      action = 'stop';
      reason = 'skipping cannot repair non-finite weights';
    } else if (action === 'skip' && this.faultsInARow > nanLimit) {
      action = 'stop';
      reason = `${this.faultsInARow} faulty steps in a row, nanLimit ${nanLimit}`;
    }
    const events = faults.map(
      (what): NonFiniteEvent => ({ event: 'nonfinite', step: this.step, what, action }),
    );
    for (const event of events) this.onNonFinite?.(event);
    if (action === 'stop') {
      throw runtimeError(
        `training stopped at step ${this.step}: non-finite ${faults.join(', ')} (${reason}; the update was not applied, so no NaN reached the weights): lower the learning rates or check the data${nanPolicy === 'stop' ? ', or set "nanPolicy" to "skip" or "rollback"' : ''}`,
      );
    }
    return events;
  }

  /** The σ each spectrally normalised discriminator layer divides by now (empty without spectral norm). */
  sigmaEstimates(): number[] {
    return this.gan.discriminator.layers
      .filter((layer) => layer instanceof SpectralNormalization)
      .map((layer) => (layer as SpectralNormalization).sigma());
  }

  /**
   * n generated samples in data space (images in [0, 1]), flat [n × prod(dim)], in inference mode (batch-norm
   * moving statistics, spectral-norm u not updated). Deterministic in `random`'s state. With a "generatorEma"
   * the moving-average weights generate ('average', the default), unless `weights` is 'trained'.
   */
  generate(
    n: number,
    random: Random,
    chunk = 1024,
    weights: GeneratorWeights = 'average',
    onChunk?: (done: number) => void,
  ): Float32Array {
    if (weights === 'average' && this.generatorEma) {
      return this.generatorEma.use(() => this.generate(n, random, chunk, 'trained', onChunk));
    }
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
      onChunk?.(start + m);
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
        ...(this.generatorEma ? { 'generator-ema': this.generatorEma.capture() } : {}),
      },
      state: {
        random,
        adam: { g: adamScalars(this.optimizerG), d: adamScalars(this.optimizerD) },
        lrScale: this.lrScale,
      },
    };
  }

  /**
   * Restore a checkpoint. 'resume' (default): into this freshly built, not yet stepped trainer, everything
   * incl. the random streams and the lr scale. 'rollback' (numerical guard): weights, optimiser state and step
   * only — the random streams go on (fresh batches) — and the learning rates are halved.
   */
  async restoreCheckpoint(data: CheckpointData, mode: 'resume' | 'rollback' = 'resume'): Promise<void> {
    if (mode === 'resume' && this.step !== 0) {
      throw new Error('restoreCheckpoint: the trainer has already taken steps');
    }
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
    if (this.generatorEma) {
      if (!data.tensors['generator-ema']) {
        throw corrupt('missing generator-ema (the moving average of "generatorEma")');
      }
      setWeights('generator-ema', this.generatorEma.slots());
    }
    const state = data.state as {
      random: Record<StreamName, RandomState>;
      adam: Record<'g' | 'd', AdamScalars>;
      lrScale?: number;
    };
    const restoreOptimizer = async (
      opt: tf.AdamOptimizer,
      group: string,
      scalars: AdamScalars | undefined,
    ) => {
      const arrays = data.tensors[group] ?? [];
      if (scalars === undefined) throw corrupt(`missing optimiser state ${group}`);
      if (mode === 'rollback') {
        const moments = opt as unknown as Record<
          'accumulatedFirstMoment' | 'accumulatedSecondMoment',
          { variable: tf.Variable }[]
        >;
        tf.dispose(
          [...moments.accumulatedFirstMoment, ...moments.accumulatedSecondMoment].map((m) => m.variable),
        );
      }
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
    if (mode === 'resume') {
      for (const name of RANDOM_STREAMS) {
        if (!state.random?.[name]) throw corrupt(`missing random stream ${name}`);
        this.random[name].setState(state.random[name]);
      }
    }
    this.faultsInARow = 0;
    this.step = data.step;
    this.setLrScale(mode === 'rollback' ? this.lrScale / 2 : (state.lrScale ?? 1)); // rates for this step
  }

  /** Set the rollback multiplier of both learning rates. */
  private setLrScale(scale: number): void {
    this.lrScale = scale;
    this.applyLearningRates();
  }

  /**
   * @internal Set both Adam learning rates for the update from this.step: config lr × lrScale × the decay
   * factor (learning-rate.ts). Called at the start of every step (also by the data-parallel step).
   */
  applyLearningRates(): void {
    this.scaleLearningRates(learningRateFactor(this.step, this.config.iterations, this.config.lrDecay));
  }

  /** @internal Set both Adam learning rates to config lr × lrScale × `factor`. */
  scaleLearningRates(factor: number): void {
    const scale = this.lrScale * factor;
    adamRate(this.optimizerG).learningRate = this.config.optim.g.lr * scale;
    adamRate(this.optimizerD).learningRate = this.config.optim.d.lr * scale;
  }

  /** The Adam learning rates the next update uses (set by applyLearningRates at the start of each step). */
  learningRates(): { g: number; d: number } {
    return { g: adamRate(this.optimizerG).learningRate, d: adamRate(this.optimizerD).learningRate };
  }

  /** Dispose the networks and optimisers. */
  dispose(): void {
    this.generatorEma?.dispose();
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

/** tfjs keeps an optimizer's rate in a protected field; this is the one place that reaches it. */
function adamRate(optimizer: tf.AdamOptimizer): { learningRate: number } {
  return optimizer as unknown as { learningRate: number };
}
