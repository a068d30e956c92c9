// dppgan's f32x4 tensor kernels (source kernels.as, bytes in kernels-bytes.ts), instantiated once per wasm backend
// *on that backend's own memory*: arguments are byte addresses of tensor data in the tfjs heap, so a kernel reads
// and writes tensors in place, with no copies. The module has no data segment, no start function and no other
// import (scripts/build-wasm.mjs refuses to emit one that has), so instantiating it writes nothing to the heap.
// Unavailable (null) where WebAssembly SIMD is missing or the backend does not expose its memory; callers then use
// stock tfjs kernels.
import { decodeBase64, type WasmBackend } from '../wasm-util.js';
import { KERNELS_WASM_BASE64 } from './kernels-bytes.js';

/** The module's exports. Pointers are byte offsets in the backend's heap; n counts float32 elements. */
export interface SimdKernels {
  /** y[i] = tanh(x[i]), maximum relative error 4.1e-7. */
  tanh(x: number, y: number, n: number): void;
  /** One tf.train.adam step, bit for bit: see kernels.as. */
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    wOut: number,
    mOut: number,
    vOut: number,
    n: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    c1: number,
    c2: number,
    epsilon: number,
    negativeLearningRate: number,
  ): void;
  /** y[b][j][i] = x[b][i][j] for `batch` rows×cols float32 matrices (no overlap). */
  transpose(x: number, y: number, rows: number, cols: number, batch: number): void;
  /** 1 when the n float32 values at x are all finite (no NaN, no ±∞), else 0. */
  allFinite(x: number, n: number): number;
}

let compiled: WebAssembly.Module | null | undefined; // undefined: not tried yet; null: unavailable
const byMemory = new WeakMap<WebAssembly.Memory, SimdKernels | null>(); // null: cannot run on that memory

function kernelModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  if (typeof WebAssembly !== 'object') return null;
  try {
    // 2 KB: under every host's limit for synchronous compiles; throws without SIMD support
    compiled = new WebAssembly.Module(decodeBase64(KERNELS_WASM_BASE64));
  } catch {
    compiled = null;
  }
  return compiled;
}

/** The kernels bound to `backend`'s heap, or null where they cannot run. */
export function simdKernels(backend: WasmBackend): SimdKernels | null {
  const memory = backend.wasm.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return null;
  const cached = byMemory.get(memory);
  if (cached !== undefined) return cached;
  const module = kernelModule();
  if (module === null) return null;
  let kernels: SimdKernels;
  try {
    kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SimdKernels;
  } catch {
    // e.g. tfjs's multi-threaded build (a browser page with cross-origin isolation): its memory is shared, and
    // this module imports an unshared one
    byMemory.set(memory, null);
    return null;
  }
  byMemory.set(memory, kernels);
  return kernels;
}

/** Byte address of a tensor's data in the backend's heap. */
export function address(backend: WasmBackend, info: { dataId: object }): number {
  return backend.dataIdMap.get(info.dataId).memoryOffset;
}
