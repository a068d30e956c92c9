// Seeded weight initialisation. tfjs-layers initialisers draw from their own generator, so a run would not be
// reproducible from its seed; every model here is built first and then re-initialised from a `Random`.
// Orthogonal (Saxe et al. 2014, as TF's `orthogonal_initializer`): reshape the kernel to
// [prod(shape[:-1]), shape[-1]], take Q of the QR of a normal matrix with diag(R) > 0, times `gain`.
// tflib (the ops of the WGAN-GP code that the official GDPP Stacked-MNIST script builds on): uniform on
// ±σ√3 with σ = √(2/(fan_in + fan_out)) for dense layers (Glorot) and σ = √(4/(fan_in + fan_out)) for
// convolutions ("he_init"), the stride folded into the fans: conv fan_in = k²·in, fan_out = k²·out/s²;
// transposed conv fan_in = k²·in/s², fan_out = k²·out.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Random } from '../../random.js';

/** How a network's kernels are initialised. */
export type KernelInit =
  | { kind: 'orthogonal'; gain: number }
  | { kind: 'normal'; std: number }
  | { kind: 'glorot-uniform' }
  | { kind: 'tflib' };

/** What a kernel's fans depend on beyond its shape: the layer kind and stride (for the 'tflib' scheme). */
interface LayerGeometry {
  className: string;
  stride: number;
}

/** Bound a of the 'tflib' scheme's U(−a, a) for a kernel of `shape` in a layer of `geometry`. */
function tflibBound(shape: number[], geometry: LayerGeometry): number {
  if (shape.length !== 4) {
    const [fanIn, fanOut] = shape.length === 2 ? shape : [shape[0], shape[0]];
    return Math.sqrt(3) * Math.sqrt(2 / (fanIn + fanOut));
  }
  const [kh, kw] = shape;
  const area = kh * kw;
  const stride2 = geometry.stride * geometry.stride;
  // conv2d kernels are [k, k, in, out]; conv2dTranspose kernels [k, k, out, in]
  const transposed = geometry.className === 'Conv2DTranspose';
  const inChannels = transposed ? shape[3] : shape[2];
  const outChannels = transposed ? shape[2] : shape[3];
  const fanIn = transposed ? (area * inChannels) / stride2 : area * inChannels;
  const fanOut = transposed ? area * outChannels : (area * outChannels) / stride2;
  return Math.sqrt(3) * Math.sqrt(4 / (fanIn + fanOut));
}

/**
 * A [rows, cols] matrix (row-major Float64Array) with orthonormal columns (rows ≥ cols) or rows (rows < cols),
 * scaled by `gain`: modified Gram–Schmidt on the columns of a normal matrix, which yields diag(R) > 0 directly.
 */
export function orthogonalMatrix(rows: number, cols: number, random: Random, gain = 1): Float64Array {
  const tall = rows >= cols;
  const m = tall ? rows : cols; // length of each orthonormal vector
  const k = tall ? cols : rows; // how many vectors
  const vectors: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const v = new Float64Array(m);
    for (let i = 0; i < m; i++) v[i] = random.normal();
    vectors.push(v);
  }
  for (let j = 0; j < k; j++) {
    const v = vectors[j];
    for (let p = 0; p < j; p++) {
      const q = vectors[p];
      let dot = 0;
      for (let i = 0; i < m; i++) dot += q[i] * v[i];
      for (let i = 0; i < m; i++) v[i] -= dot * q[i];
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) v[i] /= norm;
  }
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[r * cols + c] = gain * (tall ? vectors[c][r] : vectors[r][c]);
    }
  }
  return out;
}

function kernelValues(
  shape: number[],
  init: KernelInit,
  random: Random,
  geometry: LayerGeometry,
): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const cols = shape[shape.length - 1];
  const rows = size / cols;
  if (init.kind === 'orthogonal') return Float32Array.from(orthogonalMatrix(rows, cols, random, init.gain));
  const out = new Float32Array(size);
  if (init.kind === 'tflib') {
    const bound = tflibBound(shape, geometry);
    for (let i = 0; i < size; i++) out[i] = (2 * random.uniform() - 1) * bound;
    return out;
  }
  if (init.kind === 'normal') {
    for (let i = 0; i < size; i++) out[i] = init.std * random.normal();
    return out;
  }
  // Glorot uniform: receptive field × (input, output) channels, as Keras computes the fans.
  const receptive = shape.length > 2 ? shape.slice(0, -2).reduce((a, b) => a * b, 1) : 1;
  const fanIn = shape.length >= 2 ? receptive * shape[shape.length - 2] : cols;
  const limit = Math.sqrt(6 / (fanIn + receptive * cols));
  for (let i = 0; i < size; i++) out[i] = (2 * random.uniform() - 1) * limit;
  return out;
}

/** The value a weight starts from, chosen by its name's last segment (kernel, bias, gamma, u, …). */
function initialValue(
  name: string,
  shape: number[],
  init: KernelInit,
  random: Random,
  geometry: LayerGeometry,
): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const base = name.split('/').pop()!.replace(/_\d+$/, '');
  switch (base) {
    case 'kernel':
      return kernelValues(shape, init, random, geometry);
    case 'bias':
    case 'beta':
    case 'moving_mean':
      return new Float32Array(size);
    case 'gamma':
    case 'moving_variance':
      return new Float32Array(size).fill(1);
    default: {
      // Anything else (the spectral-norm power-iteration vector u): a random unit vector, as in PyTorch.
      const values = random.normalArray(size);
      let norm = 0;
      for (const v of values) norm += v * v;
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < size; i++) values[i] /= norm;
      return values;
    }
  }
}

/** A layer's class and stride (the wrapped layer's, for a spectral-norm wrapper; stride 1 where none). */
function layerGeometry(layer: tfl.layers.Layer): LayerGeometry {
  const inner = (layer as unknown as { layer?: tfl.layers.Layer }).layer ?? layer;
  const strides = (inner.getConfig() as { strides?: number | number[] }).strides;
  const stride = Array.isArray(strides) ? strides[0] : (strides ?? 1);
  return { className: inner.getClassName(), stride };
}

/** Re-initialise every weight of `layers` (in order) from `random`. Layers must already be built. */
export function initializeLayers(layers: tfl.layers.Layer[], init: KernelInit, random: Random): void {
  for (const layer of layers) {
    const weights = layer.weights;
    if (weights.length === 0) continue;
    const geometry = layerGeometry(layer);
    const values = weights.map((w) => {
      const shape = w.shape as number[];
      return tf.tensor(initialValue(w.originalName, shape, init, random, geometry), shape);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}
