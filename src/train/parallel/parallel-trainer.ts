// Data-parallel training step: the Trainer's step (trainer.ts) with the batch split across N replica worker
// threads. The main thread keeps the authoritative networks, optimisers and random streams, so checkpoints,
// resume (with any N) and the numerical guard are the Trainer's own. Per update:
//   1. draw the whole batch from the run's streams exactly as trainStep does (real rows, latent codes, GP α);
//   2. publish the weights that changed to shared memory; each replica loads them and computes the gradient of
//      ω_i·L on its contiguous shard (ω_i = shard rows / batch rows, the losses being batch means);
//   3. sum the replicas' gradients, check them as trainStep does, apply one Adam update (and weight clipping);
//   4. take the replicas' layer state: spectral-norm u from replica 0 (all replicas run the same power
//      iterations on the same weights), batch-norm moving statistics averaged by ω_i.
// In the 'alternating' schedule the last D update overlaps the G update's start: the replicas compute G(z) (G's
// weights are final) while this thread applies the D update, then load D and go on.
// GDPP stays exact: the replicas publish their φ(G(z)) and φ(real) rows, the main thread computes L_DPP and
// C = 0.5·w·∂L_DPP/∂φ(G(z)) once over the whole batch (gdppLoss64, the precision gdppLoss would use), and each
// replica back-propagates Σ φ ⊙ C over its rows. So without batch norm, N workers equal one thread up to the
// float summation order of the weight gradients. Batch norm normalises each shard with its own statistics
// (per-shard, as in PyTorch's DataParallel without SyncBatchNorm), so a model with batch norm trains slightly
// differently with N > 1.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../../backend/index.js';
import { gdppLoss64Reusing, NonFiniteFeaturesError } from '../../losses/gdpp.js';
import { clipWeights } from '../../nn/weight-clip.js';
import type { StepStats, Trainer } from '../trainer.js';
import { ReplicaPool } from './pool.js';
import {
  allocateBuffers,
  batchViews,
  COMMANDS,
  featureViews,
  type GanLayout,
  ganLayout,
  SCALARS,
  type SharedBuffers,
  shardBounds,
  tensorFromShared,
  tensorValues,
} from './shared-buffers.js';

type GradientMap = Parameters<tf.AdamOptimizer['applyGradients']>[0];

interface Reduced {
  dLoss: number;
  gradientPenalty: number;
  gAdversarial: number;
}

/** Trains a Trainer's networks with the batch split across worker threads; see the file header. */
export class ParallelTrainer {
  private readonly layout: GanLayout;
  private readonly views: ReturnType<typeof batchViews>;
  private readonly features: ReturnType<typeof featureViews>;
  private readonly weights: Float32Array;
  private readonly versions: Int32Array;
  /** The tensor data each weight held when last published (any assign — Adam, clipping, restore — replaces it). */
  private readonly published: unknown[];
  private readonly gradients: Float32Array[];
  private readonly states: Float32Array[];
  private readonly scalars: Float64Array[];
  private readonly shardWeights: number[];
  private readonly variables: { read(): tf.Tensor; write(t: tf.Tensor): unknown }[];

  private constructor(
    readonly trainer: Trainer,
    private readonly buffers: SharedBuffers,
    private readonly pool: ReplicaPool,
  ) {
    this.layout = ganLayout(trainer.gan);
    this.views = batchViews(buffers);
    this.features = featureViews(buffers);
    this.weights = new Float32Array(buffers.weights);
    this.versions = new Int32Array(buffers.versions);
    this.gradients = buffers.replicas.map((r) => new Float32Array(r.gradients));
    this.states = buffers.replicas.map((r) => new Float32Array(r.state));
    this.scalars = buffers.replicas.map((r) => new Float64Array(r.scalars));
    const { batch, replicas } = buffers.sizes;
    this.shardWeights = Array.from({ length: replicas }, (_, i) => {
      const { start, end } = shardBounds(batch, replicas, i);
      return (end - start) / batch;
    });
    this.variables = [...trainer.gan.generator.stack.weights(), ...trainer.gan.discriminator.weights()];
    this.published = this.variables.map(() => null);
  }

  /**
   * Start `workers` replica threads (each initialises the backend the main thread uses and builds the networks)
   * for `trainer`, whose backend must already be initialised. Close the result when done.
   */
  static async start(trainer: Trainer, workers: number): Promise<ParallelTrainer> {
    const { config, gan } = trainer;
    if (!Number.isInteger(workers) || workers < 2 || workers > config.batchSize) {
      throw new Error(`ParallelTrainer: expected 2…${config.batchSize} workers, got ${workers}`);
    }
    const dataShape = trainer.dataset.dim;
    const dataSize = dataShape.reduce((a, b) => a * b, 1);
    const featureDim = tf.tidy(() => gan.discriminator.features(tf.zeros([1, dataSize]), false).shape[1]);
    const layout = ganLayout(gan);
    const buffers = allocateBuffers(layout, {
      batch: config.batchSize,
      dataSize,
      latentDim: trainer.latentDim,
      featureDim,
      replicas: workers,
    });
    const pool = await ReplicaPool.start(
      { config, dataShape, backend: tf.getBackend() as BackendName, buffers },
      workers,
    );
    return new ParallelTrainer(trainer, buffers, pool);
  }

  /** Number of worker threads. */
  get workers(): number {
    return this.pool.size;
  }

  /** @internal Each replica's live tensor count after its last command (leak checks in tests). */
  get replicaTensorCounts(): number[] {
    return [...this.pool.tensorCounts];
  }

  /**
   * Copy into the shared weights buffer every weight of the main thread's networks that changed since it was
   * last published (Adam updates, clipping, absorbed layer state, a checkpoint restore: each assigns new tensor
   * data), and bump its version so the replicas reload it.
   */
  private publishWeights(): void {
    this.layout.weights.forEach((slot, i) => {
      const tensor = this.variables[i].read();
      const data = (tensor as unknown as { dataId: unknown }).dataId;
      if (data === this.published[i]) return;
      this.published[i] = data;
      this.weights.set(tensorValues(tensor), slot.offset);
      Atomics.add(this.versions, i, 1);
    });
  }

  /** Take the replicas' layer state into the main thread's networks (u from replica 0, BN statistics averaged). */
  private absorbState(): void {
    this.layout.weights.forEach((slot, i) => {
      if (slot.trainable) return;
      let values: Float32Array;
      if (slot.averaged) {
        values = new Float32Array(slot.size);
        for (let k = 0; k < slot.size; k++) {
          let sum = 0;
          for (let r = 0; r < this.states.length; r++)
            sum += this.shardWeights[r] * this.states[r][slot.slot + k];
          values[k] = sum;
        }
      } else {
        values = this.states[0].slice(slot.slot, slot.slot + slot.size);
      }
      const t = tf.tensor(values, slot.shape);
      this.variables[i].write(t);
      t.dispose();
    });
  }

  /** The summed replica gradients of one network as a gradient map (tensors owned by the caller's tidy). */
  private reduceGradients(net: 'G' | 'D'): GradientMap {
    const { trainer, layout } = this;
    const vars = net === 'G' ? trainer.gVars : trainer.dVars;
    const slots = layout.weights
      .slice(net === 'G' ? 0 : layout.generatorWeights, net === 'G' ? layout.generatorWeights : undefined)
      .filter((slot) => slot.trainable);
    const map: tf.NamedTensorMap = {};
    vars.forEach((v, i) => {
      const { slot, size, shape } = slots[i];
      // The backend's add (SIMD on wasm; ~4× faster than a JS loop over shared memory).
      const parts = this.gradients.map((g) => tensorFromShared(g.subarray(slot, slot + size), shape));
      map[v.name] = parts.length === 2 ? tf.add(parts[0], parts[1]) : tf.addN(parts);
    });
    return map as unknown as GradientMap;
  }

  /** The shard losses weighted by ω_i and summed: the whole batch's losses. */
  private reduceScalars(): Reduced {
    const sum = (slot: number) =>
      this.scalars.reduce((s, values, r) => s + this.shardWeights[r] * values[slot], 0);
    return {
      dLoss: sum(SCALARS.dLoss),
      gradientPenalty: sum(SCALARS.gradientPenalty),
      gAdversarial: sum(SCALARS.gAdversarial),
    };
  }

  /** Draw a real batch into shared memory as trainStep does; false when it holds a NaN/±Inf. */
  private drawReal(): boolean {
    const real = this.trainer.sampleReal(this.trainer.config.batchSize);
    const values = tensorValues(real); // no per-step copy on wasm (a heap view, read before any allocation)
    this.views.real.set(values);
    let finite = true;
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) finite = false;
    real.dispose();
    return finite;
  }

  private drawLatent(): void {
    const z = this.trainer.sampleLatent(this.trainer.config.batchSize);
    this.views.latent.set(tensorValues(z));
    z.dispose();
  }

  /** The α draws of discriminatorLoss's gradient penalty (same stream, same count). */
  private drawAlpha(): void {
    if (this.trainer.config.lipschitz !== 'gradient-penalty') return;
    const alpha = this.trainer.random.gp.uniformTensor([this.trainer.config.batchSize]);
    this.views.alpha.set(alpha.dataSync());
    alpha.dispose();
  }

  private exchange?: { fake: Float32Array; real: Float32Array; cotangent: Float32Array };

  /** The GDPP exchange's private feature copies and the shared cotangent view, made once. */
  private exchangeBuffers(): { fake: Float32Array; real: Float32Array; cotangent: Float32Array } {
    if (this.exchange === undefined) {
      const { batch, featureDim } = this.buffers.sizes;
      this.exchange = {
        fake: new Float32Array(batch * featureDim),
        real: new Float32Array(batch * featureDim),
        cotangent: new Float32Array(this.buffers.cotangent, 0, batch * featureDim),
      };
    }
    return this.exchange;
  }

  /**
   * The GDPP exchange (main thread, mid-command): L_DPP of the gathered features and the cotangent
   * C = 0.5·w·∂L_DPP/∂φ(G(z)). Returns false (generator part dropped, result.nonFinite set) for non-finite
   * features.
   */
  private gdppExchange(result: { gdpp?: number; nonFinite?: boolean }): () => boolean {
    return () => {
      const gdpp = this.trainer.config.gdpp!;
      const { batch, featureDim } = this.buffers.sizes;
      const { fake, real, cotangent } = this.exchangeBuffers();
      try {
        // Plain copies (V8 reads shared memory more slowly than ordinary arrays in GDPP's loops), and buffers
        // reused across steps: fresh megabytes per step cost a full garbage collection on every step.
        fake.set(this.features.fake);
        real.set(this.features.real);
        const value = gdppLoss64Reusing(fake, real, batch, featureDim, {
          magnitudeWeight: gdpp.magnitudeWeight,
          signInvariant: gdpp.signInvariant,
          precision: tf.getBackend() === 'cpu' ? 'float64' : 'float32',
        });
        const gradient = value.gradient();
        const scale = 0.5 * gdpp.weight;
        for (let i = 0; i < gradient.length; i++) cotangent[i] = scale * gradient[i];
        result.gdpp = value.loss;
        return true;
      } catch (error) {
        if (!(error instanceof NonFiniteFeaturesError)) throw error;
        result.nonFinite = true;
        return false;
      }
    };
  }

  /** Run a command on every replica with the current weights, then take their layer state. */
  private async compute(command: number, onFeatures?: () => boolean): Promise<void> {
    this.publishWeights();
    await this.pool.run(command, this.trainer.step + 1, { onFeatures });
    this.absorbState();
  }

  /** Check and apply the summed D gradients (trainStep's D update), then clip; faults as trainStep records them. */
  private updateDiscriminator(loss: number, faults: string[]): void {
    const { trainer } = this;
    tf.tidy(() => {
      const grads = this.guarded('D', loss, faults);
      if (grads) trainer.optimizerD.applyGradients(grads);
    });
    if (faults.length === 0 && trainer.config.lipschitz === 'weight-clip') {
      clipWeights(trainer.dVars, trainer.config.weightClip);
    }
  }

  /**
   * The last D update and the G update of an alternating step, overlapped: the 'generator' command starts at
   * once (G's weights are final, so the replicas compute G(z)) while this thread applies the D update and
   * publishes D; then the replicas go on with D. When the D update is not applied (a fault), the G update is
   * dropped as trainStep drops it: the latent draw is undone and the replicas' layer state is not taken (and
   * they reload the main thread's). False when the G update was dropped.
   */
  private async discriminatorThenGenerator(
    loss: number,
    faults: string[],
    onFeatures?: () => boolean,
  ): Promise<boolean> {
    const latent = this.trainer.random.latent.getState();
    this.drawLatent();
    this.publishWeights(); // G's layer state, as the D command left it
    let applied = false;
    await this.pool.run(COMMANDS.generator, this.trainer.step + 1, {
      midway: () => {
        this.updateDiscriminator(loss, faults);
        applied = faults.length === 0;
        if (applied) this.publishWeights();
        return applied;
      },
      onFeatures,
    });
    if (!applied) {
      this.trainer.random.latent.setState(latent);
      this.layout.weights.forEach((slot, i) => {
        if (!slot.trainable) this.published[i] = null; // republished (version bumped) before the next command
      });
      return false;
    }
    this.absorbState();
    return true;
  }

  /** Check (trainStep's guard) and apply one network's summed gradients; false when not applied. */
  private guarded(net: 'G' | 'D', loss: number, faults: string[]): GradientMap | null {
    const grads = this.reduceGradients(net);
    const ok = this.trainer.finiteUpdate(tf.scalar(loss), grads, net, faults);
    return ok ? grads : null;
  }

  /** One training step, as Trainer.trainStep (same draws, same guard, same stats), computed by the workers. */
  async trainStep(): Promise<StepStats> {
    const { trainer } = this;
    const { config } = trainer;
    trainer.applyLearningRates();
    const faults: string[] = [];
    const stats = { dLoss: Number.NaN, gLoss: Number.NaN, gAdversarial: Number.NaN } as Reduced & {
      gLoss: number;
      gdpp?: number;
    };
    const features: { gdpp?: number; nonFinite?: boolean } = {};
    const gdpp = config.gdpp;
    const generatorLoss = (adversarial: number, dpp?: number) =>
      gdpp === null || dpp === undefined ? adversarial : 0.5 * (adversarial + gdpp.weight * dpp);
    const exchange = gdpp === null ? undefined : this.gdppExchange(features);
    if (config.schedule === 'alternating') {
      for (let k = 0; k < config.nDis && faults.length === 0; k++) {
        if (!this.drawReal()) {
          faults.push('batch');
          break;
        }
        this.drawLatent();
        this.drawAlpha();
        await this.compute(COMMANDS.discriminator);
        const reduced = this.reduceScalars();
        stats.dLoss = reduced.dLoss;
        stats.gradientPenalty = reduced.gradientPenalty;
        if (k < config.nDis - 1) this.updateDiscriminator(reduced.dLoss, faults);
        else await this.discriminatorThenGenerator(reduced.dLoss, faults, exchange);
      }
      if (faults.length === 0) {
        stats.gdpp = features.gdpp;
        if (features.nonFinite) faults.push('G features');
        else {
          stats.gAdversarial = this.reduceScalars().gAdversarial;
          stats.gLoss = generatorLoss(stats.gAdversarial, stats.gdpp);
          tf.tidy(() => {
            const grads = this.guarded('G', stats.gLoss, faults);
            if (grads) trainer.optimizerG.applyGradients(grads);
          });
        }
      }
    } else if (!this.drawReal()) {
      faults.push('batch');
    } else {
      this.drawLatent();
      this.drawAlpha();
      await this.compute(COMMANDS.both, exchange);
      const reduced = this.reduceScalars();
      stats.dLoss = reduced.dLoss;
      stats.gradientPenalty = reduced.gradientPenalty;
      tf.tidy(() => {
        const d = this.guarded('D', reduced.dLoss, faults);
        if (!d) return;
        if (features.nonFinite) {
          faults.push('G features'); // as trainStep: D checked first, then G; neither update is applied
          return;
        }
        stats.gdpp = features.gdpp;
        stats.gAdversarial = reduced.gAdversarial;
        stats.gLoss = generatorLoss(stats.gAdversarial, stats.gdpp);
        const g = this.guarded('G', stats.gLoss, faults);
        if (!g) return;
        trainer.optimizerD.applyGradients(d);
        trainer.optimizerG.applyGradients(g);
      });
      if (faults.length === 0 && config.lipschitz === 'weight-clip')
        clipWeights(trainer.dVars, config.weightClip);
    }
    trainer.step++;
    if (faults.length === 0) trainer.generatorEma?.update(trainer.step);
    const result: StepStats = {
      step: trainer.step,
      dLoss: stats.dLoss,
      gLoss: stats.gLoss,
      gAdversarial: stats.gAdversarial,
    };
    if (stats.gdpp !== undefined) result.gdpp = stats.gdpp;
    if (config.lipschitz === 'gradient-penalty') result.gradientPenalty = stats.gradientPenalty;
    if (faults.length > 0) result.nonfinite = trainer.handleFaults(faults);
    else trainer.faultsInARow = 0;
    return result;
  }

  /**
   * @internal For tests: the summed replica gradients of both losses (schedule 'simultaneous' command) for the
   * given real rows and latent codes at the current weights, per trainable variable; nothing is applied, the
   * random streams are not touched (the replicas' layer state is taken, as in a step).
   */
  async batchGradients(
    real: Float32Array,
    latent: Float32Array,
  ): Promise<{ generator: Float32Array[]; discriminator: Float32Array[]; gdpp?: number }> {
    this.views.real.set(real);
    this.views.latent.set(latent);
    const features: { gdpp?: number; nonFinite?: boolean } = {};
    await this.compute(
      COMMANDS.both,
      this.trainer.config.gdpp === null ? undefined : this.gdppExchange(features),
    );
    const read = (net: 'G' | 'D') =>
      tf
        .tidy(() => Object.values(this.reduceGradients(net) as unknown as tf.NamedTensorMap))
        .map((t) => {
          const values = t.dataSync() as Float32Array;
          t.dispose();
          return values;
        });
    return { generator: read('G'), discriminator: read('D'), gdpp: features.gdpp };
  }

  /** Stop the worker threads (the Trainer stays usable on the main thread). */
  async close(): Promise<void> {
    await this.pool.close();
  }
}
