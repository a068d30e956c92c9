// The eigensolver's O(n³) kernels (reduction, back-transformation) and its cluster re-orthogonalisation as
// WebAssembly f64x2 SIMD (source kernels.as, bytes in kernels-bytes.ts), behind the same signatures as their JS
// versions in ../symmetric-eigen.ts. One instance with its own memory, laid out per solve as
// t (n²) | d (n) | e (n) | zt (n²) | tau (n) | y (n) doubles: `buffers()` hands out t, zt and y as views of that
// memory, which the kernels then use in place; other arrays are copied in and out (O(n²) per call). Memory only
// grows in `wasmEigenKernels(n)`, so views taken after it stay valid until the next call of it. Compiled
// synchronously on first use where the host allows it (Node, workers); where it refuses (browser main threads
// reject synchronous compiles over 4 KB) an asynchronous compile is started and callers use the JS kernels
// until it lands; without WebAssembly SIMD they always use JS.
import { decodeBase64 } from '../../backend/kernels/wasm-util.js';
import { KERNELS_WASM_BASE64 } from './kernels-bytes.js';

/** The kernels; same arguments and results as their namesakes in symmetric-eigen.ts. */
export interface EigenKernels {
  reduceToTridiagonal(t: Float64Array, n: number, d: Float64Array, e: Float64Array): void;
  applyReflectors(t: Float64Array, h: Float64Array, n: number, zt: Float64Array, rows?: number): void;
  /** y ← y − Σ_q (z_q·y)·z_q over `count` rows z_q = zt[first + q·stride …] of length `size` (blocked MGS). */
  reorthogonalise(
    zt: Float64Array,
    first: number,
    count: number,
    stride: number,
    y: Float64Array,
    size: number,
  ): void;
  /** Work arrays for one solve of size n: t (n×n), zt (n×n, zeroed), y (n), where the kernels read them best. */
  buffers(n: number): { t: Float64Array; zt: Float64Array; y: Float64Array };
}

interface KernelExports {
  memory: WebAssembly.Memory;
  reduceToTridiagonal(t: number, n: number, d: number, e: number): void;
  applyReflectors(t: number, h: number, n: number, zt: number, rows: number, tau: number): void;
  reorthogonalise(z: number, count: number, stride: number, y: number, size: number): void;
}

const PAGE = 65536;
/** A memory grown past this is dropped (re-instantiated small) at the next call that needs less. */
const RETAINED_BYTES = 32 * 2 ** 20;

let compiled: WebAssembly.Module | null | undefined; // undefined: not tried yet; null: unavailable (for now)
let asyncCompileStarted = false;
let instance: KernelExports | undefined;

function kernelModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  if (typeof WebAssembly !== 'object') return null;
  const bytes = decodeBase64(KERNELS_WASM_BASE64);
  try {
    compiled = new WebAssembly.Module(bytes);
  } catch {
    // A host limit on synchronous compiles, or no SIMD: try once asynchronously (a SIMD-less host fails again).
    if (!asyncCompileStarted) {
      asyncCompileStarted = true;
      WebAssembly.compile(bytes).then(
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
function layout(n: number): {
  t: number;
  d: number;
  e: number;
  zt: number;
  tau: number;
  y: number;
  end: number;
} {
  const t = 0;
  const d = t + 8 * n * n;
  const e = d + 8 * n;
  const zt = e + 8 * n;
  const tau = zt + 8 * n * n;
  const y = tau + 8 * n;
  return { t, d, e, zt, tau, y, end: y + 8 * n };
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
  const memory = wasm.memory.buffer;
  const view = (offset: number, length: number) => new Float64Array(memory, offset, length);
  const resident = (x: Float64Array) => x.buffer === memory;
  const checkSize = (size: number) => {
    if (size !== n) throw new Error(`wasm eigen kernels prepared for n = ${n}, called with ${size}`);
  };
  return {
    reduceToTridiagonal(t, size, d, e) {
      checkSize(size);
      const tAt = resident(t) ? t.byteOffset : at.t;
      if (!resident(t)) view(at.t, n * n).set(t.subarray(0, n * n));
      wasm.reduceToTridiagonal(tAt, n, at.d, at.e);
      if (!resident(t)) t.set(view(at.t, n * n));
      d.set(view(at.d, n));
      e.set(view(at.e, n));
    },
    applyReflectors(t, h, size, zt, rows = size) {
      checkSize(size);
      const tAt = resident(t) ? t.byteOffset : at.t;
      if (!resident(t)) view(at.t, n * n).set(t.subarray(0, n * n));
      view(at.d, n).set(h.subarray(0, n));
      const ztAt = resident(zt) ? zt.byteOffset : at.zt;
      if (!resident(zt)) view(at.zt, rows * n).set(zt.subarray(0, rows * n));
      wasm.applyReflectors(tAt, at.d, n, ztAt, rows, at.tau);
      if (!resident(zt)) zt.set(view(at.zt, rows * n));
    },
    reorthogonalise(zt, first, count, stride, y, size) {
      if (!resident(zt) || !resident(y))
        throw new Error('wasm reorthogonalise: zt and y must come from buffers()');
      wasm.reorthogonalise(zt.byteOffset + 8 * first, count, stride, y.byteOffset, size);
    },
    buffers(size) {
      checkSize(size);
      const zt = view(at.zt, n * n);
      zt.fill(0);
      return { t: view(at.t, n * n), zt, y: view(at.y, n) };
    },
  };
}
