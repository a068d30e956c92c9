// Networks as plain stacks of tfjs-layers layers, applied one by one with an explicit `training` flag (batch
// norm statistics, spectral-norm power iterations). The discriminator is split at its feature layer φ so that
// the GDPP loss can read φ(x) while the adversarial loss reads the logit head(φ(x)).
// Invariant: after `build`, `weights()` lists every weight (trainable first per layer, then non-trainable, as
// tfjs-layers orders them) in a fixed order, which checkpoints rely on.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { denseLinear } from '../../backend/dense.js';

type LayerVariable = tfl.LayerVariable;

/** The fields of tfjs-layers' Dense that its linear map needs. */
interface DenseFields {
  kernel: LayerVariable | null;
  bias: LayerVariable | null;
  activation: { getClassName(): string };
  activityRegularizer?: unknown;
}

/**
 * y = x·W + b for a built Dense layer without activation (or activity regulariser) applied to a float32 matrix,
 * through denseLinear: tfjs-layers' own forward pass (its fused matmul), with a backward pass that skips the
 * derivatives nobody asked for. Null for any other layer or input.
 */
function linearDense(layer: tfl.layers.Layer, x: tf.Tensor): tf.Tensor | null {
  if (x.rank !== 2 || x.dtype !== 'float32' || !layer.built || layer.getClassName() !== 'Dense') return null;
  const { kernel, bias, activation, activityRegularizer } = layer as unknown as DenseFields;
  if (kernel === null || activation.getClassName() !== 'linear' || activityRegularizer != null) return null;
  return denseLinear(x as tf.Tensor2D, kernel.read() as tf.Tensor2D, bias?.read() as tf.Tensor1D | undefined);
}

/** An ordered list of tf.layers layers applied one after another with an explicit `training` flag. */
export class LayerStack {
  constructor(
    readonly name: string,
    readonly layers: tfl.layers.Layer[],
  ) {}

  /** Apply every layer in order. */
  apply(x: tf.Tensor, training: boolean): tf.Tensor {
    let h = x;
    for (const layer of this.layers) h = linearDense(layer, h) ?? (layer.apply(h, { training }) as tf.Tensor);
    return h;
  }

  /** Every weight, in a fixed order (trainable and non-trainable, e.g. batch-norm statistics and SN u). */
  weights(): LayerVariable[] {
    return this.layers.flatMap((layer) => layer.weights);
  }

  /** The tf.Variables an optimiser updates. */
  trainableVariables(): tf.Variable[] {
    return this.layers.flatMap((layer) => layer.trainableWeights.map((w) => w.read() as tf.Variable));
  }

  /** Number of trainable parameters. */
  parameterCount(): number {
    return this.layers
      .flatMap((layer) => layer.trainableWeights)
      .reduce((sum, w) => sum + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
  }

  /** Dispose every built layer's weights. */
  dispose(): void {
    for (const layer of this.layers) {
      if (layer.built) layer.dispose();
    }
  }
}

/** A generator: latent codes [n, latentDim] → samples [n, ...dataShape]. */
export class Generator {
  readonly stack: LayerStack;

  constructor(
    readonly latentDim: number,
    readonly dataShape: number[],
    layers: tfl.layers.Layer[],
  ) {
    this.stack = new LayerStack('generator', layers);
  }

  /** Samples G(z) for latent codes z [n, latentDim]. */
  apply(z: tf.Tensor, training: boolean): tf.Tensor {
    return this.stack.apply(z, training);
  }
}

/** A discriminator split at its feature layer: logits = head(features(x)). */
export class Discriminator {
  readonly featureStack: LayerStack;
  readonly headStack: LayerStack;

  constructor(
    readonly dataShape: number[],
    featureLayers: tfl.layers.Layer[],
    headLayers: tfl.layers.Layer[],
  ) {
    this.featureStack = new LayerStack('discriminator-features', featureLayers);
    this.headStack = new LayerStack('discriminator-head', headLayers);
  }

  /** φ(x): the feature layer GDPP reads, flattened to [n, d]. */
  features(x: tf.Tensor, training: boolean): tf.Tensor2D {
    const h = this.featureStack.apply(x, training);
    return h.rank === 2 ? (h as tf.Tensor2D) : tf.reshape(h, [h.shape[0], -1]);
  }

  /** The logit for features φ: [n, 1]. */
  head(phi: tf.Tensor2D, training: boolean): tf.Tensor2D {
    return this.headStack.apply(phi, training) as tf.Tensor2D;
  }

  /** The logit for samples x: [n, 1]. */
  apply(x: tf.Tensor, training: boolean): tf.Tensor2D {
    return this.head(this.features(x, training), training);
  }

  get layers(): tfl.layers.Layer[] {
    return [...this.featureStack.layers, ...this.headStack.layers];
  }

  /** Every weight of the feature layers, then of the head, in a fixed order. */
  weights(): LayerVariable[] {
    return [...this.featureStack.weights(), ...this.headStack.weights()];
  }

  /** The tf.Variables an optimiser updates. */
  trainableVariables(): tf.Variable[] {
    return [...this.featureStack.trainableVariables(), ...this.headStack.trainableVariables()];
  }

  /** Number of trainable parameters. */
  parameterCount(): number {
    return this.featureStack.parameterCount() + this.headStack.parameterCount();
  }

  /** Dispose both stacks. */
  dispose(): void {
    this.featureStack.dispose();
    this.headStack.dispose();
  }
}

/** Build every layer of both networks by applying them once to a small input. */
export function buildNetworks(generator: Generator, discriminator: Discriminator): void {
  tf.tidy(() => {
    const z = tf.zeros([2, generator.latentDim]);
    const x = generator.apply(z, false);
    discriminator.apply(x, false);
  });
}
