// The eigensolver's two O(n³) kernels as WebAssembly f64x2 SIMD (source kernels.as, bytes in kernels-bytes.ts),
// behind the same signatures as their JS versions in ../symmetric-eigen.ts. One instance with its own memory, laid
// out per call as t (n²) | d (n) | e (n) | zt (n²) | tau (n) doubles; arrays are copied in and out per call
// (O(n²) against the kernels' O(n³)). Compiled synchronously on first use where the host allows it (Node,
// workers); where it refuses (browser main threads reject synchronous compiles over 4 KB) an asynchronous compile
// is started and callers use the JS kernels until it lands; without WebAssembly SIMD they always use JS.
import { KERNELS_WASM_BASE64 } from './kernels-bytes.js';

/** The two kernels; same arguments and results as reduceToTridiagonal / applyReflectors in symmetric-eigen.ts. */
export interface EigenKernels {
  reduceToTridiagonal(t: Float64Array, n: number, d: Float64Array, e: Float64Array): void;
  applyReflectors(t: Float64Array, h: Float64Array, n: number, zt: Float64Array, rows?: number): void;
}

interface KernelExports {
  memory: WebAssembly.Memory;
  reduceToTridiagonal(t: number, n: number, d: number, e: number): void;
  applyReflectors(t: number, h: number, n: number, zt: number, rows: number, tau: number): void;
}

const PAGE = 65536;
/** A memory grown past this is dropped (re-instantiated small) at the next call that needs less. */
const RETAINED_BYTES = 32 * 2 ** 20;

let compiled: WebAssembly.Module | null | undefined; // undefined: not tried yet; null: unavailable (for now)
let asyncCompileStarted = false;
let instance: KernelExports | undefined;

function decodeBytes(): Uint8Array {
  const text = atob(KERNELS_WASM_BASE64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function kernelModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  if (typeof WebAssembly !== 'object') return null;
  const bytes = decodeBytes();
  try {
    compiled = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } catch {
    // A host limit on synchronous compiles, or no SIMD: try once asynchronously (a SIMD-less host fails again).
    if (!asyncCompileStarted) {
      asyncCompileStarted = true;
      WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>).then(
        (module) => {
          compiled = module;
        },
        () => undefined,
      );
    }
  }
  return compiled;
}

/** Byte offsets of the per-call layout for size n, and the bytes it needs. */
function layout(n: number): { t: number; d: number; e: number; zt: number; tau: number; end: number } {
  const t = 0;
  const d = t + 8 * n * n;
  const e = d + 8 * n;
  const zt = e + 8 * n;
  const tau = zt + 8 * n * n;
  return { t, d, e, zt, tau, end: tau + 8 * n };
}

/** The instance, its memory grown to `bytes` (undefined when wasm is unavailable or memory can't grow). */
function instanceFor(bytes: number): KernelExports | undefined {
  const module = kernelModule();
  if (module === null) return undefined;
  if (instance !== undefined && instance.memory.buffer.byteLength > Math.max(bytes, RETAINED_BYTES)) {
    instance = undefined; // let a past large problem's memory go
  }
  instance ??= new WebAssembly.Instance(module, {}).exports as unknown as KernelExports;
  const have = instance.memory.buffer.byteLength;
  if (have < bytes) {
    try {
      instance.memory.grow(Math.ceil((bytes - have) / PAGE));
    } catch {
      return undefined;
    }
  }
  return instance;
}

/** Whether the wasm kernels can run here now (compiles them on first call). */
export function wasmEigenAvailable(): boolean {
  return kernelModule() !== null;
}

/**
 * The wasm kernels ready for matrices of size n, or undefined (no WebAssembly SIMD, compile still pending, or no
 * memory for n); the caller then uses the JS kernels.
 */
export function wasmEigenKernels(n: number): EigenKernels | undefined {
  const at = layout(n);
  const wasm = instanceFor(at.end);
  if (wasm === undefined) return undefined;
  const view = (offset: number, length: number) => new Float64Array(wasm.memory.buffer, offset, length);
  return {
    reduceToTridiagonal(t, size, d, e) {
      if (size !== n) throw new Error(`wasm eigen kernels prepared for n = ${n}, called with ${size}`);
      view(at.t, n * n).set(t.subarray(0, n * n));
      wasm.reduceToTridiagonal(at.t, n, at.d, at.e);
      t.set(view(at.t, n * n));
      d.set(view(at.d, n));
      e.set(view(at.e, n));
    },
    applyReflectors(t, h, size, zt, rows = size) {
      if (size !== n) throw new Error(`wasm eigen kernels prepared for n = ${n}, called with ${size}`);
      view(at.t, n * n).set(t.subarray(0, n * n));
      view(at.d, n).set(h.subarray(0, n));
      view(at.zt, rows * n).set(zt.subarray(0, rows * n));
      wasm.applyReflectors(at.t, at.d, n, at.zt, rows, at.tau);
      zt.set(view(at.zt, rows * n));
    },
  };
}
