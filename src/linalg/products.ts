// Matrix products behind a small interface, so an algorithm written once (the GDPP loss) can run its O(B·d²)
// products either exactly in Float64 plain TypeScript or in float32 on the tfjs backend (XNNPACK on wasm,
// ~5× faster here), while its eigensolver stays Float64. Row-major Float64Arrays in and out either way.
import * as tf from '@tensorflow/tfjs-core';
import { gemmNT, gramCols, gramRows, transposeOf } from './matrix.js';

/**
 * Matrix products on Float64Array row-major matrices, exact (float64) or through the tfjs backend (float32).
 */
export interface MatrixProducts {
  /** 'float64' (exact to round-off) or 'float32' (the tfjs backend's matMul). */
  readonly precision: 'float64' | 'float32';
  /** a (m×k) · b (k×n), into `out` (m·n elements, fully overwritten) when given. */
  multiply(
    a: Float64Array,
    b: Float64Array,
    m: number,
    k: number,
    n: number,
    out?: Float64Array,
  ): Float64Array;
  /** x·xᵀ ('rows', m×m) or xᵀ·x ('cols', k×k) of x (m×k); exactly symmetric. */
  gram(x: Float64Array, m: number, k: number, side: 'rows' | 'cols'): Float64Array;
}

/** Exact Float64 products (blocked GEMM in JavaScript). */
export const float64Products: MatrixProducts = {
  precision: 'float64',
  multiply: (a, b, m, k, n, out) => gemmNT(a, transposeOf(b, k, n), m, n, k, false, out),
  gram: (x, m, k, side) => (side === 'rows' ? gramRows(x, m, k) : gramCols(x, m, k)),
};

/**
 * The product's values widened to Float64, then the tensor disposed. On wasm the values are read straight from
 * the wasm heap (dataSync would first copy them into a fresh Float32Array: garbage on every product).
 */
function readBack(t: tf.Tensor, out?: Float64Array): Float64Array {
  const backend = tf.backend() as { typedArrayFromHeap?: (info: tf.TensorInfo) => Float32Array };
  const values =
    tf.getBackend() === 'wasm' && typeof backend.typedArrayFromHeap === 'function'
      ? backend.typedArrayFromHeap(t)
      : t.dataSync();
  let result: Float64Array;
  if (out === undefined) result = new Float64Array(values);
  else {
    out.set(values);
    result = out;
  }
  t.dispose();
  return result;
}

// Reused float32 staging buffers for the operands (GDPP multiplies B×d matrices several times per step; fresh
// Float32Arrays each time made the garbage collector a visible cost). A view is valid until the next call that
// uses the same slot; the tensors made from it are disposed before the product returns.
const staging: Record<'a' | 'b', Float32Array> = { a: new Float32Array(0), b: new Float32Array(0) };

/** x rounded to float32 in the reused buffer `slot` (a view of exactly x.length elements). */
function asFloat32(slot: 'a' | 'b', x: Float64Array): Float32Array {
  if (staging[slot].length < x.length) staging[slot] = new Float32Array(x.length);
  const view = staging[slot].subarray(0, x.length);
  view.set(x);
  return view;
}

/** Products on the current tfjs backend in float32 (inputs rounded to float32, results widened back). */
export const float32Products: MatrixProducts = {
  precision: 'float32',
  multiply: (a, b, m, k, n, out) =>
    readBack(
      tf.tidy(() =>
        tf.matMul(tf.tensor2d(asFloat32('a', a), [m, k]), tf.tensor2d(asFloat32('b', b), [k, n])),
      ),
      out,
    ),
  gram: (x, m, k, side) => {
    const g = readBack(
      tf.tidy(() => {
        const t = tf.tensor2d(asFloat32('a', x), [m, k]);
        return side === 'rows' ? tf.matMul(t, t, false, true) : tf.matMul(t, t, true, false);
      }),
    );
    const n = side === 'rows' ? m : k;
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) g[j * n + i] = g[i * n + j];
    return g;
  },
};
