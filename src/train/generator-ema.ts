// Exponential moving average of the generator's weights (config "generatorEma"; Yazıcı et al., ICLR 2019,
// "The Unusual Effectiveness of Averaging in GAN Training"; StudioGAN's G_ema). After the update that completes
// step t:
//   θ_ema ← θ                          for t ≤ start   (a plain copy: the average starts from the trained weights)
//   θ_ema ← β·θ_ema + (1 − β)·θ         for t > start
// for every trainable weight θ; non-trainable weights (batch-norm moving statistics) are copied, as StudioGAN
// copies buffers — or, with `standingStatistics: K`, recomputed for θ_ema from K training-mode batches each time
// the average is swapped in (standing-statistics.ts). Samples, evaluations and exports then use θ_ema; training
// never reads it.
import * as tf from '@tensorflow/tfjs-core';
import type { NamedArray } from './checkpoint.js';
import type { TrainConfig } from './config.js';

/** The `"generatorEma"` entry of a config (decay β, start, optional standingStatistics; see config.ts). */
export type GeneratorEmaConfig = NonNullable<TrainConfig['generatorEma']>;

/** Which generator samples: the moving average (runs with "generatorEma"; their default) or the trained weights. */
export type GeneratorWeights = 'average' | 'trained';

/** A generator weight as tfjs-layers exposes it. */
export interface WeightVariable {
  readonly originalName: string;
  readonly shape: (number | null)[];
  readonly trainable: boolean;
  /** The current value. */
  read(): tf.Tensor;
  /** Replace the value (same shape). */
  write(value: tf.Tensor): unknown;
}

/** The decay used for the update that completes `step` (1-based): 0 (copy) up to `start`, then β. */
export function emaDecayAt(step: number, config: GeneratorEmaConfig): number {
  return step <= config.start ? 0 : config.decay;
}

/** The averaged copy of a generator's weights. */
export class GeneratorEma {
  private readonly averages: tf.Variable[];

  /**
   * @param recomputeStatistics called with the averages in the generator when `config.standingStatistics` is set:
   *   it recomputes the batch-norm statistics for them (the trained ones return with the trained weights).
   */
  constructor(
    private readonly weights: readonly WeightVariable[],
    readonly config: GeneratorEmaConfig,
    private readonly recomputeStatistics?: (batches: number) => void,
  ) {
    this.averages = weights.map((w) => tf.variable(w.read(), false));
  }

  /** Fold in the weights after the update that completed `step`. */
  update(step: number): void {
    const decay = emaDecayAt(step, this.config);
    tf.tidy(() => {
      this.weights.forEach((weight, i) => {
        const current = weight.read();
        const average = this.averages[i];
        if (decay === 0 || !weight.trainable) average.assign(current);
        else average.assign(tf.add(tf.mul(average, decay), tf.mul(current, 1 - decay)));
      });
    });
  }

  /** Run `fn` with the averaged weights in the generator, then put the trained ones back (also on a throw). */
  use<T>(fn: () => T): T {
    const trained = this.swapIn();
    try {
      return fn();
    } finally {
      this.swapOut(trained);
    }
  }

  /** Async `use`: the trained weights return when `fn`'s promise settles. */
  async useAsync<T>(fn: () => Promise<T>): Promise<T> {
    const trained = this.swapIn();
    try {
      return await fn();
    } finally {
      this.swapOut(trained);
    }
  }

  /** Write the averages into the generator; returns (references to) the trained weights it held. */
  private swapIn(): tf.Tensor[] {
    const trained = this.weights.map((w) => tf.clone(w.read()));
    writeAll(this.weights, this.averages);
    const batches = this.config.standingStatistics;
    if (batches && this.recomputeStatistics) {
      try {
        this.recomputeStatistics(batches);
      } catch (error) {
        this.swapOut(trained);
        throw error;
      }
    }
    return trained;
  }

  private swapOut(trained: tf.Tensor[]): void {
    writeAll(this.weights, trained);
    tf.dispose(trained);
  }

  /** The averages as checkpoint arrays (named after the generator weights they average). */
  capture(): NamedArray[] {
    return this.averages.map((average, i) => ({
      name: this.weights[i].originalName,
      shape: average.shape,
      values: Float32Array.from(average.dataSync()),
    }));
  }

  /** The averages as writable slots (a checkpoint restore writes `capture()`'s arrays back through them). */
  slots(): Pick<WeightVariable, 'shape' | 'write'>[] {
    return this.averages.map((average) => ({
      shape: average.shape,
      write: (value) => average.assign(value),
    }));
  }

  /** Free the averages (the generator's own weights are untouched). */
  dispose(): void {
    tf.dispose(this.averages);
  }
}

function writeAll(weights: readonly WeightVariable[], values: readonly tf.Tensor[]): void {
  for (let i = 0; i < weights.length; i++) weights[i].write(values[i]);
}
