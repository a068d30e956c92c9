// Matrix products for the wasm backend. The stock C++ kernel uses XNNPACK only for one untransposed 2-D product and
// otherwise falls back to a scalar loop whose bias indexing is wrong (fused bias + transpose, or a batch > 1).
// Here every product becomes untransposed 2-D XNNPACK products: operands are transposed explicitly, batches are
// split, and bias/activation are applied by separate kernels whenever the fused XNNPACK path cannot take them.
import * as tf from '@tensorflow/tfjs-core';
import { address, simdKernels } from './simd/kernels.js';
import { type Attrs, float32, type Inputs, release, reshape, run, type WasmBackend } from './wasm-util.js';

/** Below this many multiply-adds per batch entry, splitting a batch into XNNPACK calls costs more than it saves. */
const SPLIT_BATCH_MIN_MACS = 16 * 16 * 16;

/**
 * Swap the last two axes (a batch of matrix transposes): dppgan's SIMD kernel (4×4 register blocks), or where it
 * cannot run a JS loop (~3× faster than the stock wasm Transpose here).
 */
function transposeLast(backend: WasmBackend, x: tf.TensorInfo): tf.TensorInfo {
  const rank = x.shape.length;
  const rows = x.shape[rank - 2];
  const cols = x.shape[rank - 1];
  const batch = tf.util.sizeFromShape(x.shape.slice(0, -2));
  const out = backend.makeOutput([...x.shape.slice(0, -2), cols, rows], 'float32');
  const kernels = simdKernels(backend);
  if (kernels !== null) {
    kernels.transpose(address(backend, x), address(backend, out), rows, cols, batch);
    return out;
  }
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  for (let b = 0; b < batch; b++) {
    const base = b * rows * cols;
    let i = 0;
    // Four source rows at a time: each output row then gets four consecutive writes (2.4× faster than one).
    for (; i + 4 <= rows; i += 4) {
      const r0 = base + i * cols;
      const r1 = r0 + cols;
      const r2 = r1 + cols;
      const r3 = r2 + cols;
      for (let j = 0; j < cols; j++) {
        const d = base + j * rows + i;
        dst[d] = src[r0 + j];
        dst[d + 1] = src[r1 + j];
        dst[d + 2] = src[r2 + j];
        dst[d + 3] = src[r3 + j];
      }
    }
    for (; i < rows; i++) {
      const r = base + i * cols;
      for (let j = 0; j < cols; j++) dst[base + j * rows + i] = src[r + j];
    }
  }
  return out;
}

function copyRange(backend: WasmBackend, src: tf.TensorInfo, offset: number, shape: number[]): tf.TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  const size = shape.reduce((a, b) => a * b, 1);
  const from = backend.typedArrayFromHeap(src) as Float32Array;
  (backend.typedArrayFromHeap(out) as Float32Array).set(from.subarray(offset, offset + size));
  return out;
}

/** a·b for untransposed operands of rank ≥ 2 with broadcastable batch dimensions. */
function untransposedProduct(backend: WasmBackend, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  const m = a.shape[a.shape.length - 2];
  const k = a.shape[a.shape.length - 1];
  const nOut = b.shape[b.shape.length - 1];
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const attrs = { transposeA: false, transposeB: false };
  if ((batchA === 1 && batchB === 1) || m * k * nOut < SPLIT_BATCH_MIN_MACS) {
    return run(backend, 'BatchMatMul', { a, b }, attrs);
  }
  const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = tf.util.sizeFromShape(outBatch);
  if ((batchA !== 1 && batchA !== batch) || (batchB !== 1 && batchB !== batch)) {
    return run(backend, 'BatchMatMul', { a, b }, attrs); // general broadcasting: rare, leave to the stock loop
  }
  const out = backend.makeOutput([...outBatch, m, nOut], 'float32');
  const a2 = batchA === 1 ? reshape(backend, a, [1, m, k]) : null;
  const b2 = batchB === 1 ? reshape(backend, b, [1, k, nOut]) : null;
  for (let i = 0; i < batch; i++) {
    const ai = a2 ?? copyRange(backend, a, i * m * k, [1, m, k]);
    const bi = b2 ?? copyRange(backend, b, i * k * nOut, [1, k, nOut]);
    const prod = run(backend, 'BatchMatMul', { a: ai, b: bi }, attrs);
    (backend.typedArrayFromHeap(out) as Float32Array).set(backend.typedArrayFromHeap(prod), i * m * nOut);
    release(backend, prod);
    if (ai !== a2) release(backend, ai);
    if (bi !== b2) release(backend, bi);
  }
  release(backend, a2, b2);
  return out;
}

/** Below this ratio of output rows to columns, aᵀ·b is computed as (bᵀ·a)ᵀ (see `product`). */
const SWAP_RATIO = 4;

function product(
  backend: WasmBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): tf.TensorInfo {
  // XNNPACK packs the right operand of every product afresh when it is a new tensor (~2.3 ns an element here,
  // more than the product itself for thin outputs). aᵀ·b (a: K×M, b: K×N, the weight gradient of a dense layer)
  // packs b (K×N); when M ≪ N, e.g. the 2-input first layer of the 2-D GAN (M = 2, N = 128, K = batch), computing
  // (bᵀ·a)ᵀ packs a (K×M) instead, for two cheap JS transposes. Same sums in the same order.
  const rankA = a.shape.length;
  const rankB = b.shape.length;
  if (
    transposeA &&
    !transposeB &&
    tf.util.sizeFromShape(a.shape.slice(0, -2)) === 1 &&
    tf.util.sizeFromShape(b.shape.slice(0, -2)) === 1 &&
    a.shape[rankA - 1] * SWAP_RATIO <= b.shape[rankB - 1]
  ) {
    const bT = transposeLast(backend, b);
    const swapped = untransposedProduct(backend, bT, a);
    release(backend, bT);
    const out = transposeLast(backend, swapped);
    release(backend, swapped);
    return out;
  }
  const aT = transposeA ? transposeLast(backend, a) : a;
  const bT = transposeB ? transposeLast(backend, b) : b;
  const out = untransposedProduct(backend, aT, bT);
  if (aT !== a) release(backend, aT);
  if (bT !== b) release(backend, bT);
  return out;
}

export function batchMatMul(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }) {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs;
  float32(a, 'BatchMatMul');
  float32(b, 'BatchMatMul');
  return product(backend, a, b, attrs['transposeA'] === true, attrs['transposeB'] === true);
}

function activate(
  backend: WasmBackend,
  x: tf.TensorInfo,
  attrs: Attrs,
  prelu?: tf.TensorInfo,
): tf.TensorInfo {
  const activation = (attrs['activation'] as string | undefined) ?? 'linear';
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return run(backend, 'Relu', { x });
    case 'relu6':
      return run(backend, 'Relu6', { x });
    case 'sigmoid':
      return run(backend, 'Sigmoid', { x });
    case 'elu':
      return run(backend, 'Elu', { x });
    case 'leakyrelu':
      return run(
        backend,
        'LeakyRelu',
        { x },
        { alpha: (attrs['leakyreluAlpha'] as number | undefined) ?? 0.2 },
      );
    case 'prelu':
      if (prelu === undefined) throw new Error('dppgan wasm _FusedMatMul: prelu activation without weights');
      return run(backend, 'Prelu', { x, alpha: prelu });
    default:
      throw new Error(`dppgan wasm _FusedMatMul: unsupported activation '${activation}'`);
  }
}

export function fusedMatMul(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }) {
  const { inputs, backend, attrs } = args;
  const { a, b, bias, preluActivationWeights } = inputs;
  float32(a, '_FusedMatMul');
  float32(b, '_FusedMatMul');
  const transposeA = attrs['transposeA'] === true;
  const transposeB = attrs['transposeB'] === true;
  const activation = (attrs['activation'] as string | undefined) ?? 'linear';
  const nOut = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  const single =
    tf.util.sizeFromShape(a.shape.slice(0, -2)) === 1 && tf.util.sizeFromShape(b.shape.slice(0, -2)) === 1;
  const simpleBias = bias == null || (bias.shape.length === 1 && bias.shape[0] === nOut);
  // The stock fused kernel is right (and fastest) on XNNPACK's path: one untransposed product, per-column bias,
  // and a clamp activation.
  if (
    !transposeA &&
    !transposeB &&
    single &&
    simpleBias &&
    (activation === 'linear' || activation === 'relu')
  ) {
    return run(backend, '_FusedMatMul', inputs, attrs);
  }
  const prod = product(backend, a, b, transposeA, transposeB);
  let sum = prod;
  if (bias != null) {
    sum = run(backend, 'Add', { a: prod, b: bias });
    release(backend, prod);
  }
  const out = activate(backend, sum, attrs, preluActivationWeights ?? undefined);
  if (out !== sum) release(backend, sum);
  return out;
}
