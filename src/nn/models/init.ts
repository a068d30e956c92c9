// Seeded weight initialisation. tfjs-layers initialisers draw from their own generator, so a run would not be
// reproducible from its seed; every model here is built first and then re-initialised from a `Random`.
// Orthogonal (Saxe et al. 2014, as TF's `orthogonal_initializer`): reshape the kernel to
// [prod(shape[:-1]), shape[-1]], take Q of the QR of a normal matrix with diag(R) > 0, times `gain`.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Random } from '../../random.js';

/** How a network's kernels are initialised. */
export type KernelInit =
  | { kind: 'orthogonal'; gain: number }
  | { kind: 'normal'; std: number }
  | { kind: 'glorot-uniform' };

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

function kernelValues(shape: number[], init: KernelInit, random: Random): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const cols = shape[shape.length - 1];
  const rows = size / cols;
  if (init.kind === 'orthogonal') return Float32Array.from(orthogonalMatrix(rows, cols, random, init.gain));
  const out = new Float32Array(size);
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
function initialValue(name: string, shape: number[], init: KernelInit, random: Random): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const base = name.split('/').pop()!.replace(/_\d+$/, '');
  switch (base) {
    case 'kernel':
      return kernelValues(shape, init, random);
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

/** Re-initialise every weight of `layers` (in order) from `random`. Layers must already be built. */
export function initializeLayers(layers: tfl.layers.Layer[], init: KernelInit, random: Random): void {
  for (const layer of layers) {
    const weights = layer.weights;
    if (weights.length === 0) continue;
    const values = weights.map((w) => {
      const shape = w.shape as number[];
      return tf.tensor(initialValue(w.originalName, shape, init, random), shape);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}
