// Kernels the stock wasm backend lacks or gets wrong, registered over it (see ../../shared ENGINE-NOTES):
// missing Conv2DBackpropFilter / depthwise gradients / UnsortedSegmentSum, a naive-loop Conv2DBackpropInput,
// BatchMatMul / _FusedMatMul whose transposed and batched paths are slow scalar loops (with a wrong fused bias), and
// faster Tanh and leading-axis Sum/Mean (the costliest small kernels of an MLP GAN step), and the fused Adam update
// used by ./adam.ts.
// Invariant: registration is idempotent, and the stock kernels are captured before being replaced, so the new
// kernels can delegate to them (and `unregisterWasmKernels` can restore them).
import * as tf from '@tensorflow/tfjs-core';
import { ADAM_UPDATE, adamUpdate } from './kernels/adam.js';
import { conv2DBackpropFilter, conv2DBackpropInput } from './kernels/conv.js';
import { depthwiseBackpropFilter, depthwiseBackpropInput } from './kernels/depthwise.js';
import { identity, tanh } from './kernels/elementwise.js';
import { batchMatMul, fusedMatMul } from './kernels/matmul.js';
import { mean, sum } from './kernels/reduce.js';
import { unsortedSegmentSum } from './kernels/segment.js';
import { captureStock, stock, type WasmKernelFunc } from './kernels/wasm-util.js';

const KERNELS: Record<string, WasmKernelFunc> = {
  Conv2DBackpropFilter: conv2DBackpropFilter,
  Conv2DBackpropInput: conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
  BatchMatMul: batchMatMul,
  _FusedMatMul: fusedMatMul,
  UnsortedSegmentSum: unsortedSegmentSum,
  Tanh: tanh,
  Identity: identity,
  Sum: sum,
  Mean: mean,
  [ADAM_UPDATE]: adamUpdate as unknown as WasmKernelFunc,
};

/** Names of the wasm kernels dppgan adds or replaces. */
export const WASM_KERNEL_NAMES: readonly string[] = Object.keys(KERNELS);

function isOurs(name: string): boolean {
  return tf.getKernel(name, 'wasm')?.kernelFunc === (KERNELS[name] as unknown as tf.KernelFunc);
}

/** Install dppgan's wasm kernels (replacing stock ones of the same name). Idempotent. */
export function registerWasmKernels(): void {
  for (const [kernelName, kernelFunc] of Object.entries(KERNELS)) {
    if (isOurs(kernelName)) continue;
    captureStock(kernelName);
    if (tf.getKernel(kernelName, 'wasm') !== undefined) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    });
  }
}

/** Restore the stock wasm kernels (benchmarks compare against them). Kernels stock wasm lacks are removed. */
export function unregisterWasmKernels(): void {
  for (const kernelName of WASM_KERNEL_NAMES) {
    if (!isOurs(kernelName)) continue;
    tf.unregisterKernel(kernelName, 'wasm');
    let original: WasmKernelFunc | undefined;
    try {
      original = stock(kernelName);
    } catch {
      original = undefined; // stock wasm never had it
    }
    if (original !== undefined && original !== KERNELS[kernelName]) {
      tf.registerKernel({
        kernelName,
        backendName: 'wasm',
        kernelFunc: original as unknown as tf.KernelFunc,
      });
    }
  }
}
