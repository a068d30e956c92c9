// One Adam update of a parameter tensor as a single wasm kernel (dppgan's f32x4 SIMD, simd/kernels.as), for the
// fused optimizer in ../adam.ts. tf.train.adam spends ~10 kernels per parameter tensor on the same arithmetic;
// this one makes the same float32 operations in the same order, so the results are identical bit for bit.
// Inputs value, gradient, firstMoment, secondMoment (float32, one shape); outputs [value', firstMoment',
// secondMoment'] as new tensors (tfjs data is immutable). Float attributes are rounded to float32 by the kernel
// call, as tfjs rounds the scalars of its op-by-op update.
import * as tf from '@tensorflow/tfjs-core';
import { address, simdKernels } from './simd/kernels.js';
import { type Attrs, float32, type Inputs, type WasmBackend } from './wasm-util.js';

/** Kernel name of the fused Adam update (registered on the wasm backend only). */
export const ADAM_UPDATE = 'DppganAdamUpdate';

/**
 * Attributes of an ADAM_UPDATE call: β1, β2, ε, the learning rate, and the bias corrections c1 = 1 − β1ᵗ and
 * c2 = 1 − β2ᵗ as float32 values.
 */
export interface AdamUpdateAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  biasCorrection1: number;
  biasCorrection2: number;
}

/** Whether ADAM_UPDATE can run on this wasm backend (it needs WebAssembly SIMD on the backend's heap). */
export function adamUpdateAvailable(backend: WasmBackend): boolean {
  return simdKernels(backend) !== null;
}

export function adamUpdate(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo[] {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as AdamUpdateAttrs;
  const { value, gradient, firstMoment, secondMoment } = inputs;
  for (const x of [value, gradient, firstMoment, secondMoment]) float32(x, ADAM_UPDATE);
  const size = tf.util.sizeFromShape(value.shape);
  for (const x of [gradient, firstMoment, secondMoment]) {
    if (!tf.util.arraysEqual(x.shape, value.shape)) {
      throw new Error(`dppgan wasm ${ADAM_UPDATE}: shapes differ (${value.shape} vs ${x.shape})`);
    }
  }
  const kernels = simdKernels(backend);
  if (kernels === null) throw new Error(`dppgan wasm ${ADAM_UPDATE}: WebAssembly SIMD is unavailable`);
  const valueOut = backend.makeOutput(value.shape, 'float32');
  const firstOut = backend.makeOutput(value.shape, 'float32');
  const secondOut = backend.makeOutput(value.shape, 'float32');
  const f = Math.fround;
  kernels.adam(
    address(backend, value),
    address(backend, gradient),
    address(backend, firstMoment),
    address(backend, secondMoment),
    address(backend, valueOut),
    address(backend, firstOut),
    address(backend, secondOut),
    size,
    attrs.beta1,
    f(1 - attrs.beta1), // tf.train.adam: mul(gradient, 1 - beta1), the difference taken in float64
    attrs.beta2,
    f(1 - attrs.beta2),
    attrs.biasCorrection1,
    attrs.biasCorrection2,
    attrs.epsilon,
    -attrs.learningRate,
  );
  return [valueOut, firstOut, secondOut];
}
