// Spectral normalisation (Miyato et al. 2018, PAPERS.md §3): a layer computes with W_SN = W / σ(W), where σ is
// the largest singular value of the kernel seen as a matrix [fan-in, outputs], estimated by power iteration
// with a persistent vector u (one iteration per call suffices because u is recycled).
// Invariants:
// - σ is a function of the stored u and the current kernel only: σ = vᵀ W u' with v = normalize(W u),
//   u' = normalize(Wᵀ v) after `powerIterations` steps from the stored u. A call with `training: true` stores
//   u'; any other call (inference, `predict`) leaves u unchanged, so a saved model's outputs are reproducible.
// - The gradient flows through σ with u and v held constant (∂σ/∂W = v u'ᵀ, the paper's eq. 12 term);
//   Keras 3 / TF-Addons drop it. `sigmaGradient: false` in `spectralNormalize` reproduces their behaviour.
// - The inner layer's kernel variable is never overwritten: the wrapper runs the layer's op with W_SN itself.
// Saved format (version 1): config {layer: {className, config}, powerIterations, mode?, seed?, formatVersion};
// weights <name>/kernel, <name>/bias (the inner layer's), <name>/sn_u (non-trainable).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { normalSeed } from '../backend/seed.js';
import { runtimeError, usageError } from '../errors.js';
import { l2Normalize, NORM_EPSILON, powerIteration } from '../linalg/power-iteration.js';

/** The layer classes the wrapper supports, and the kernel axis that holds the outputs for each. */
export const SPECTRAL_NORM_OUTPUT_AXIS = { Dense: 1, Conv2D: 3, Conv2DTranspose: 2 } as const;
/** A layer class SpectralNormalization can wrap. */
export type SpectralNormLayerClass = keyof typeof SPECTRAL_NORM_OUTPUT_AXIS;
const SUPPORTED = Object.keys(SPECTRAL_NORM_OUTPUT_AXIS).join(', ');

function checkPowerIterations(n: unknown, where: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw usageError(`${where}: powerIterations must be an integer ≥ 1, got ${String(n)}`);
  }
  return n;
}

/** The kernel as a matrix [fan-in, outputs]: the output axis moved last, the other axes flattened. */
export function kernelAsMatrix(kernel: tf.Tensor, outputAxis = kernel.rank - 1): tf.Tensor2D {
  if (!Number.isInteger(outputAxis) || outputAxis < 0 || outputAxis >= kernel.rank) {
    throw usageError(`kernelAsMatrix: outputAxis must be in [0, ${kernel.rank - 1}], got ${outputAxis}`);
  }
  return tf.tidy(() => {
    const outputs = kernel.shape[outputAxis];
    let moved = kernel;
    if (outputAxis !== kernel.rank - 1) {
      const perm = [...Array(kernel.rank).keys()].filter((a) => a !== outputAxis).concat([outputAxis]);
      moved = tf.transpose(kernel, perm);
    }
    return tf.reshape(moved, [kernel.size / outputs, outputs]) as tf.Tensor2D;
  });
}

/**
 * σ = max(vᵀ W u, 1e-12) as a differentiable function of W with u, v constants: its gradient is dy · v uᵀ
 * (or zero when `withGradient` is false, i.e. σ treated as a constant).
 */
function sigmaOf(
  w: tf.Tensor2D,
  u: tf.Tensor1D,
  v: tf.Tensor1D,
  sigma: tf.Scalar,
  withGradient: boolean,
): tf.Scalar {
  const [rows, cols] = w.shape;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const wIn = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([v, u]);
    return {
      value: tf.maximum(sigma, NORM_EPSILON),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        if (!withGradient) return tf.zerosLike(wIn);
        const [vSaved, uSaved] = saved;
        return tf.mul(dy, tf.mul(tf.reshape(vSaved, [rows, 1]), tf.reshape(uSaved, [1, cols])));
      },
    };
  });
  return op(w) as tf.Scalar;
}

/** Options of `spectralNormalize`: W̄ = W / σ(W), σ(W) ≈ vᵀ W u by power iteration. */
export interface SpectralNormalizeOptions {
  /**
   * true: a training step — when `u` is a tf.Variable, the new u is assigned to it. false: inference — nothing
   * is stored. Required, so that no caller updates u at inference by accident.
   */
  training: boolean;
  /** Power-iteration steps from the given u (default 1, must be ≥ 1). */
  powerIterations?: number;
  /** The kernel axis holding the outputs (default: the last; 2 for a Conv2DTranspose kernel). */
  outputAxis?: number;
  /** Let the gradient flow through σ (default true, as in the paper); false treats σ as a constant. */
  sigmaGradient?: boolean;
}

/** The result of `spectralNormalize`. */
export interface SpectralNormalizeResult {
  /** W / σ, same shape as the kernel; differentiable w.r.t. the kernel. */
  normalized: tf.Tensor;
  /** The spectral-norm estimate σ used. */
  sigma: tf.Scalar;
  /** The new u (length = the number of outputs), whether or not it was stored. */
  u: tf.Tensor1D;
}

/**
 * The functional form of spectral normalisation, for models written with raw ops:
 *
 * ```ts
 * const u = tf.variable(randomUnitVector(64), false);          // persistent, one per kernel
 * const { normalized } = spectralNormalize(kernel, u, { training: true });
 * const y = tf.conv2d(x, normalized as tf.Tensor4D, 2, 'same');
 * ```
 */
export function spectralNormalize(
  kernel: tf.Tensor,
  u: tf.Tensor1D | tf.Variable,
  opts: SpectralNormalizeOptions,
): SpectralNormalizeResult {
  const iterations = checkPowerIterations(opts.powerIterations ?? 1, 'spectralNormalize');
  const outputAxis = opts.outputAxis ?? kernel.rank - 1;
  if (kernel.rank < 2)
    throw usageError(`spectralNormalize: the kernel must have rank ≥ 2, got [${kernel.shape}]`);
  if (u.rank !== 1 || u.shape[0] !== kernel.shape[outputAxis]) {
    throw usageError(
      `spectralNormalize: u must be a vector of length ${kernel.shape[outputAxis]} (kernel axis ${outputAxis}), got shape [${u.shape}]`,
    );
  }
  const result = tf.tidy(() => {
    const w = kernelAsMatrix(kernel, outputAxis);
    const it = powerIteration(w, u as tf.Tensor1D, iterations);
    const sigma = sigmaOf(w, it.u, it.v, it.sigma, opts.sigmaGradient ?? true);
    return { normalized: tf.div(kernel, sigma), sigma, u: it.u };
  });
  if (opts.training && u instanceof tf.Variable) u.assign(result.u);
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// 'conv-exact': σ is the operator norm of the convolution itself (as a linear map on the layer's inputs, with
// its stride and zero padding), estimated by the same recycled power iteration run on the conv / transposed-conv
// pair instead of the reshaped kernel. u then lives in the layer's input space ([height, width, channels]).
// PAPERS.md §3: the reshaped-kernel σ can be off from this by up to a factor √(kh·kw).

/** Options of `convSpectralNormalize` (σ = the operator norm of the strided, padded convolution itself). */
export interface ConvSpectralNormalizeOptions {
  training: boolean;
  strides?: number | [number, number];
  padding?: 'same' | 'valid';
  /** true for a Conv2DTranspose kernel [kh, kw, out, in]: the operator is conv2dTranspose. */
  transpose?: boolean;
  powerIterations?: number;
  sigmaGradient?: boolean;
}

/** The result of `convSpectralNormalize`: the kernel divided by σ, σ, and the new u. */
export interface ConvSpectralNormalizeResult {
  normalized: tf.Tensor4D;
  sigma: tf.Scalar;
  /** The new u, an input of the operator: [height, width, channels]. */
  u: tf.Tensor3D;
}

interface ConvOperator {
  forward(x: tf.Tensor4D, k: tf.Tensor4D): tf.Tensor4D;
  adjoint(y: tf.Tensor4D, k: tf.Tensor4D): tf.Tensor4D;
  /** ∂⟨y, forward(x, k)⟩/∂k. */
  filterGradient(x: tf.Tensor4D, y: tf.Tensor4D, k: tf.Tensor4D): tf.Tensor4D;
}

function convOperator(
  inputShape: number[],
  kernelShape: number[],
  strides: [number, number],
  padding: 'same' | 'valid',
  transpose: boolean,
): ConvOperator {
  // The filter gradient of conv2d is the Conv2DBackpropFilter kernel (not exported as an op by tfjs-core).
  const backpropFilter = (x: tf.Tensor4D, dy: tf.Tensor4D) =>
    tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x, dy },
        { strides, pad: padding, dataFormat: 'NHWC', filterShape: kernelShape },
      ) as tf.Tensor4D;
  const x4 = [1, ...inputShape] as [number, number, number, number];
  if (!transpose) {
    return {
      forward: (x, k) => tf.conv2d(x, k, strides, padding),
      adjoint: (y, k) => tf.conv2dTranspose(y, k, x4, strides, padding),
      filterGradient: (x, y) => backpropFilter(x, y),
    };
  }
  const [kh, kw, filters] = kernelShape;
  const out: [number, number, number, number] = [
    1,
    deconvLength(inputShape[0], strides[0], kh, padding),
    deconvLength(inputShape[1], strides[1], kw, padding),
    filters,
  ];
  return {
    forward: (x, k) => tf.conv2dTranspose(x, k, out, strides, padding),
    adjoint: (y, k) => tf.conv2d(y, k, strides, padding),
    // conv2dTranspose(x, k) is the adjoint of conv2d(·, k), so ⟨y, convT(x, k)⟩ = ⟨conv2d(y, k), x⟩.
    filterGradient: (x, y) => backpropFilter(y, x),
  };
}

/**
 * Spectral normalisation by the exact operator norm of a convolution (the wrapper's `mode: 'conv-exact'`).
 * `u` is a persistent input of the convolution ([height, width, channels], any nonzero start); as for
 * `spectralNormalize`, σ = vᵀ A u' after `powerIterations` steps, the gradient flows through σ with u', v
 * constant, and with `training: true` a tf.Variable u is assigned u'.
 */
export function convSpectralNormalize(
  kernel: tf.Tensor4D,
  u: tf.Tensor3D | tf.Variable,
  opts: ConvSpectralNormalizeOptions,
): ConvSpectralNormalizeResult {
  const iterations = checkPowerIterations(opts.powerIterations ?? 1, 'convSpectralNormalize');
  const transpose = opts.transpose ?? false;
  const padding = opts.padding ?? 'same';
  const s = opts.strides ?? 1;
  const strides: [number, number] = typeof s === 'number' ? [s, s] : s;
  if (kernel.rank !== 4)
    throw usageError(`convSpectralNormalize: kernel must be rank 4, got [${kernel.shape}]`);
  const channels = kernel.shape[transpose ? 3 : 2];
  if (u.rank !== 3 || u.shape[2] !== channels) {
    throw usageError(
      `convSpectralNormalize: u must be an input [height, width, ${channels}] of the convolution, got [${u.shape}]`,
    );
  }
  const op = convOperator(u.shape, kernel.shape, strides, padding, transpose);
  const withGradient = opts.sigmaGradient ?? true;
  const uShape = u.shape as [number, number, number];
  const result = tf.tidy(() => {
    let x = l2Normalize(tf.reshape(u, [1, ...uShape])) as tf.Tensor4D;
    let v = x;
    let adjointV = x;
    for (let i = 0; i < iterations; i++) {
      v = l2Normalize(op.forward(x, kernel));
      adjointV = op.adjoint(v, kernel);
      x = l2Normalize(adjointV);
    }
    const estimate = tf.norm(adjointV);
    const sigmaOp = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const k = args[0] as tf.Tensor4D;
      (args[1] as tf.GradSaveFunc)([x, v, k]);
      return {
        value: tf.maximum(estimate, NORM_EPSILON),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          if (!withGradient) return tf.zerosLike(k);
          const [xs, vs, ks] = saved as tf.Tensor4D[];
          return tf.mul(dy, op.filterGradient(xs, vs, ks));
        },
      };
    });
    const sigma = sigmaOp(kernel) as tf.Scalar;
    return {
      normalized: tf.div(kernel, sigma) as tf.Tensor4D,
      sigma,
      u: tf.reshape(x, uShape) as tf.Tensor3D,
    };
  });
  if (opts.training && u instanceof tf.Variable) u.assign(result.u);
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// The tf.layers wrapper.

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type ConfigDict = tf.serialization.ConfigDict;

/** Config of the SpectralNormalization wrapper layer. */
export interface SpectralNormalizationArgs extends LayerArgs {
  /** A fresh (not yet built) Dense, Conv2D or Conv2DTranspose layer. */
  layer: tfl.layers.Layer;
  /** Power-iteration steps per call (default 1, must be ≥ 1). */
  powerIterations?: number;
  /** Seed for the random initial u (default: unseeded). */
  seed?: number;
  /**
   * 'matrix' (default, the paper): σ of the kernel reshaped to [fan-in, outputs]. 'conv-exact' (Conv2D and
   * Conv2DTranspose only): σ of the convolution as a linear map on the layer's input shape (fixed height and
   * width needed); u is then an input-shaped vector. Costs one batch-1 convolution pair per iteration.
   */
  mode?: SpectralNormMode;
  /** Set by fromConfig from a saved model: the saved format's version (this code reads version 1). */
  formatVersion?: number;
}

/** The version of the saved config/weights layout written by getConfig. */
export const SPECTRAL_NORM_FORMAT_VERSION = 1;

/**
 * How σ is estimated: 'matrix' (the kernel reshaped to [fan-in, outputs], as in the paper) or 'conv-exact'
 * (the conv operator).
 */
export const SPECTRAL_NORM_MODES = ['matrix', 'conv-exact'] as const;
/** One of SPECTRAL_NORM_MODES. */
export type SpectralNormMode = (typeof SPECTRAL_NORM_MODES)[number];

/** The fields of tfjs-layers' Dense / Conv2D / Conv2DTranspose that the wrapper reads. */
interface InnerLayer {
  kernel: tfl.LayerVariable;
  bias: tfl.LayerVariable | null;
  activation: { apply(x: tf.Tensor): tf.Tensor } | null;
  strides?: number[];
  padding?: string;
  dataFormat?: 'channelsFirst' | 'channelsLast';
  dilationRate?: number[];
  kernelSize?: number[];
  filters?: number;
}

/** tfjs-layers' deconvLength for 'same' and 'valid' padding. */
function deconvLength(size: number, stride: number, kernel: number, padding: string): number {
  return padding === 'valid' ? size * stride + Math.max(kernel - stride, 0) : size * stride;
}

/** Deserialises a {className, config} layer description through tf.serialization's registry. */
function deserializeLayer(description: ConfigDict, customObjects?: ConfigDict): tfl.layers.Layer {
  const className = description.className as string;
  const registered = tf.serialization.SerializationMap.getMap().classNameMap[className];
  const custom = customObjects?.[className] as unknown as typeof registered | undefined;
  const entry = custom ?? registered;
  if (entry === undefined) {
    throw usageError(
      `SpectralNormalization: unknown inner layer class '${className}': register it with tf.serialization.registerClass`,
    );
  }
  const [cls, fromConfig] = entry;
  return fromConfig(cls, description.config as ConfigDict) as unknown as tfl.layers.Layer;
}

/**
 * Wraps a Dense, Conv2D or Conv2DTranspose layer so that it computes with its spectrally normalised kernel.
 *
 * ```ts
 * const d = tf.sequential({ layers: [
 *   spectralNormalization({ layer: tf.layers.conv2d({ filters: 64, kernelSize: 5, strides: 2,
 *     padding: 'same', inputShape: [28, 28, 1] }) }),
 *   tf.layers.leakyReLU({ alpha: 0.2 }), tf.layers.flatten(),
 *   spectralNormalization({ layer: tf.layers.dense({ units: 1 }) }),
 * ] });
 * d.apply(x, { training: true });   // a training step: updates u (model.fit passes training: true itself)
 * d.predict(x);                     // inference: σ from the stored u, u unchanged
 * ```
 *
 * Weights: the inner layer's kernel (and bias) are the trainable weights; `<name>/sn_u` (length = outputs)
 * is a non-trainable weight saved with the model. Calling D twice in one step (real, fake) with
 * `training: true` advances u twice, as in PyTorch; that only speeds up the power iteration.
 */
export class SpectralNormalization extends tfl.layers.Layer {
  static className = 'SpectralNormalization';
  readonly layer: tfl.layers.Layer;
  readonly powerIterations: number;
  readonly seed: number | undefined;
  readonly mode: SpectralNormMode;
  private readonly outputAxis: number;
  private uWeight: tfl.LayerVariable | null = null;

  constructor(args: SpectralNormalizationArgs) {
    super(args);
    const layer = args?.layer;
    if (!(layer instanceof tfl.layers.Layer)) {
      throw usageError(
        `SpectralNormalization: config.layer must be a tf.layers layer (${SUPPORTED}), got ${layer}`,
      );
    }
    const className = layer.getClassName();
    if (!(className in SPECTRAL_NORM_OUTPUT_AXIS)) {
      throw usageError(
        `SpectralNormalization: cannot wrap a '${className}' layer; supported layers are ${SUPPORTED}`,
      );
    }
    if (layer.built) {
      throw usageError(
        `SpectralNormalization: the ${className} layer '${layer.name}' is already built; wrap a fresh layer ` +
          `(its weights are created by the wrapper so that they save and load under the wrapper's name)`,
      );
    }
    const padding = (layer as unknown as InnerLayer).padding;
    if (padding !== undefined && padding !== 'same' && padding !== 'valid') {
      throw usageError(`SpectralNormalization: padding '${padding}' is not supported; use 'same' or 'valid'`);
    }
    if (args.formatVersion !== undefined && args.formatVersion > SPECTRAL_NORM_FORMAT_VERSION) {
      throw runtimeError(
        `SpectralNormalization: the model was saved in format version ${args.formatVersion}; this dppgan reads version ${SPECTRAL_NORM_FORMAT_VERSION}: upgrade dppgan`,
      );
    }
    const mode = args.mode ?? 'matrix';
    if (!(SPECTRAL_NORM_MODES as readonly string[]).includes(mode)) {
      throw usageError(
        `SpectralNormalization: unknown mode '${mode}': expected one of ${SPECTRAL_NORM_MODES.join(', ')}`,
      );
    }
    if (mode === 'conv-exact') {
      if (className === 'Dense') {
        throw usageError(
          "SpectralNormalization: mode 'conv-exact' applies to Conv2D and Conv2DTranspose; a Dense kernel already is its operator (use 'matrix')",
        );
      }
      if ((layer as unknown as InnerLayer).dilationRate?.some((d) => d !== 1)) {
        throw usageError("SpectralNormalization: mode 'conv-exact' does not support dilationRate > 1");
      }
    }
    this.mode = mode;
    this.layer = layer;
    this.powerIterations = checkPowerIterations(args.powerIterations ?? 1, 'SpectralNormalization');
    this.seed = args.seed;
    this.outputAxis = SPECTRAL_NORM_OUTPUT_AXIS[className as SpectralNormLayerClass];
    if (this.batchInputShape == null && layer.batchInputShape != null) {
      // So that a wrapped first layer of a tf.sequential still declares the model's input shape.
      this.batchInputShape = layer.batchInputShape;
      this.dtype = layer.dtype;
    }
  }

  private get inner(): InnerLayer {
    return this.layer as unknown as InnerLayer;
  }

  /** The persistent power-iteration vector u (exists once the layer is built). */
  get u(): tfl.LayerVariable {
    if (this.uWeight === null)
      throw usageError(`SpectralNormalization '${this.name}': u exists only once the layer is built`);
    return this.uWeight;
  }

  override get trainable(): boolean {
    return this.layer != null ? this.layer.trainable : this.trainable_;
  }

  override set trainable(value: boolean) {
    this.trainable_ = value;
    if (this.layer != null) this.layer.trainable = value;
  }

  override get trainableWeights(): tfl.LayerVariable[] {
    return this.layer.trainableWeights;
  }

  override get nonTrainableWeights(): tfl.LayerVariable[] {
    return this.uWeight === null
      ? this.layer.nonTrainableWeights
      : [...this.layer.nonTrainableWeights, this.uWeight];
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    this.layer.build(inputShape);
    this.layer.built = true;
    let uShape = [this.inner.kernel.shape[this.outputAxis] as number];
    if (this.mode === 'conv-exact') {
      const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
      const nhwc =
        this.inner.dataFormat === 'channelsFirst' ? [shape[2], shape[3], shape[1]] : shape.slice(1);
      if (nhwc.some((d) => d == null)) {
        throw usageError(
          `SpectralNormalization '${this.name}': mode 'conv-exact' needs a fixed input height, width and channels, got input shape [${shape}]`,
        );
      }
      uShape = nhwc as number[];
    }
    const initializer = tfl.initializers.randomNormal({ mean: 0, stddev: 1, seed: normalSeed(this.seed) });
    this.uWeight = this.addWeight('sn_u', uShape, 'float32', initializer, undefined, false);
    tf.tidy(() => {
      this.uWeight?.write(l2Normalize(this.uWeight.read()));
    });
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return this.layer.computeOutputShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const training = kwargs?.training === true;
      const { normalized, u } = this.normalize();
      if (training) this.u.write(u);
      return this.applyInner(x, normalized);
    });
  }

  /**
   * W_SN and σ as an inference call computes them (from the stored u, which is left unchanged); for reports
   * and checks. The caller owns (and disposes) both tensors.
   */
  normalizedKernel(): { normalized: tf.Tensor; sigma: tf.Scalar } {
    const { normalized, sigma, u } = this.normalize();
    u.dispose();
    return { normalized, sigma };
  }

  /** The σ an inference call divides by now, as a number (for logs and reports). */
  sigma(): number {
    const { normalized, sigma } = this.normalizedKernel();
    const value = sigma.dataSync()[0];
    tf.dispose([normalized, sigma]);
    return value;
  }

  /** W_SN, σ and the new u from the stored u (nothing is stored here). */
  private normalize(): { normalized: tf.Tensor; sigma: tf.Scalar; u: tf.Tensor } {
    const kernel = this.inner.kernel.read();
    if (this.mode === 'conv-exact') {
      return convSpectralNormalize(kernel as tf.Tensor4D, this.u.read() as tf.Tensor3D, {
        training: false,
        strides: this.inner.strides as [number, number],
        padding: this.inner.padding as 'same' | 'valid',
        transpose: this.layer.getClassName() === 'Conv2DTranspose',
        powerIterations: this.powerIterations,
      });
    }
    return spectralNormalize(kernel, this.u.read() as tf.Tensor1D, {
      training: false,
      powerIterations: this.powerIterations,
      outputAxis: this.outputAxis,
    });
  }

  /** The inner layer's computation with the given kernel in place of its own. */
  private applyInner(x: tf.Tensor, kernel: tf.Tensor): tf.Tensor {
    const inner = this.inner;
    const className = this.layer.getClassName() as SpectralNormLayerClass;
    let y: tf.Tensor;
    if (className === 'Dense') {
      const [fanIn, units] = kernel.shape;
      const x2 = x.rank === 2 ? x : tf.reshape(x, [-1, fanIn]);
      y = tf.matMul(x2 as tf.Tensor2D, kernel as tf.Tensor2D);
      if (inner.bias !== null) y = tf.add(y, inner.bias.read());
      if (x.rank !== 2) y = tf.reshape(y, [...x.shape.slice(0, -1), units]);
    } else {
      const channelsFirst = inner.dataFormat === 'channelsFirst';
      const xNhwc = (channelsFirst ? tf.transpose(x, [0, 2, 3, 1]) : x) as tf.Tensor4D;
      const strides = inner.strides as [number, number];
      const padding = inner.padding as 'same' | 'valid';
      if (className === 'Conv2D') {
        const dilations = (inner.dilationRate ?? [1, 1]) as [number, number];
        y = tf.conv2d(xNhwc, kernel as tf.Tensor4D, strides, padding, 'NHWC', dilations);
      } else {
        const [batch, height, width] = xNhwc.shape;
        const [kh, kw] = inner.kernelSize as [number, number];
        const outShape: [number, number, number, number] = [
          batch,
          deconvLength(height, strides[0], kh, padding),
          deconvLength(width, strides[1], kw, padding),
          inner.filters as number,
        ];
        y = tf.conv2dTranspose(xNhwc, kernel as tf.Tensor4D, outShape, strides, padding);
      }
      if (inner.bias !== null) y = tf.add(y, inner.bias.read());
      if (channelsFirst) y = tf.transpose(y, [0, 3, 1, 2]);
    }
    return inner.activation != null ? inner.activation.apply(y) : y;
  }

  override setFastWeightInitDuringBuild(value: boolean): void {
    super.setFastWeightInitDuringBuild(value);
    if (this.layer != null) this.layer.setFastWeightInitDuringBuild(value);
  }

  override getConfig(): ConfigDict {
    const config: ConfigDict = {
      layer: { className: this.layer.getClassName(), config: this.layer.getConfig() },
      powerIterations: this.powerIterations,
      formatVersion: SPECTRAL_NORM_FORMAT_VERSION,
    };
    if (this.seed !== undefined) config.seed = this.seed;
    if (this.mode !== 'matrix') config.mode = this.mode;
    Object.assign(config, super.getConfig());
    return config;
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: ConfigDict,
    customObjects?: ConfigDict,
  ): T {
    const { layer, customObjects: _ignored, ...rest } = config;
    const inner = deserializeLayer(layer as ConfigDict, customObjects);
    return new cls({ ...rest, layer: inner });
  }
}
tf.serialization.registerClass(SpectralNormalization);

/** Factory in the tf.layers style: `spectralNormalization({ layer, powerIterations })`. */
export function spectralNormalization(args: SpectralNormalizationArgs): SpectralNormalization {
  return new SpectralNormalization(args);
}
