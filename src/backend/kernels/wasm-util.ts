// Shared plumbing for dppgan's wasm kernels: the slice of the BackendWasm API they use, access to the stock
// kernels (captured before dppgan overrides them), and a Conv2D entry point with explicit asymmetric padding.
// Invariant: every helper that allocates a temporary returns a TensorInfo the caller must free with `release`;
// typed-array views of the wasm heap are taken only after the last allocation (the heap may grow and detach them).
import * as tf from '@tensorflow/tfjs-core';

export type DataId = object;

/** The parts of tfjs-backend-wasm's BackendWasm that these kernels use (it has no public typing for them). */
export interface WasmBackend {
  wasm: {
    cwrap(name: string, returnType: null, argTypes: string[]): (...args: number[]) => void;
    /** The Emscripten module's exports; `memory` is the heap every tensor lives in. */
    asm?: { memory?: WebAssembly.Memory };
  };
  dataIdMap: { get(dataId: DataId): { id: number; memoryOffset: number }; has(dataId: DataId): boolean };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: DataId, force?: boolean): boolean;
  incRef(dataId: DataId): void;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

export type Attrs = Record<string, unknown>;
export type Inputs = Record<string, tf.TensorInfo>;
export type WasmKernelFunc = (args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }) => tf.TensorInfo;

const stockKernels = new Map<string, WasmKernelFunc>();

/** Remember the stock wasm kernel `name` (if any) before dppgan replaces it. Idempotent. */
export function captureStock(name: string): void {
  if (stockKernels.has(name)) return;
  const config = tf.getKernel(name, 'wasm');
  if (config !== undefined) stockKernels.set(name, config.kernelFunc as unknown as WasmKernelFunc);
}

/** The stock wasm kernel `name`, captured at registration time (or the current one for names never overridden). */
export function stock(name: string): WasmKernelFunc {
  const captured = stockKernels.get(name);
  if (captured !== undefined) return captured;
  const config = tf.getKernel(name, 'wasm');
  if (config === undefined) throw new Error(`dppgan: the wasm backend has no '${name}' kernel`);
  return config.kernelFunc as unknown as WasmKernelFunc;
}

export function run(backend: WasmBackend, name: string, inputs: Inputs, attrs: Attrs = {}): tf.TensorInfo {
  return stock(name)({ inputs, backend, attrs });
}

export function release(backend: WasmBackend, ...infos: (tf.TensorInfo | null | undefined)[]): void {
  for (const info of infos) if (info != null) backend.disposeData(info.dataId);
}

export function transpose(backend: WasmBackend, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return run(backend, 'Transpose', { x }, { perm });
}

/** A same-data view with another shape; the caller releases it (Reshape bumps the data's reference count). */
export function reshape(backend: WasmBackend, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return run(backend, 'Reshape', { x }, { shape });
}

/** The bytes of a base64 string (atob: available in Node ≥ 16 and every browser). */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function float32(x: tf.TensorInfo, kernel: string): void {
  if (x.dtype !== 'float32') throw new Error(`dppgan wasm ${kernel}: expected float32 input, got ${x.dtype}`);
}

export function channelsLast(dataFormat: unknown, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(
      `dppgan wasm ${kernel}: only dataFormat 'NHWC' is supported, got '${String(dataFormat)}'`,
    );
  }
}

export interface ConvGeometry {
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
}

type Conv2DFn = (...args: number[]) => void;
const conv2DByBackend = new WeakMap<WasmBackend, Conv2DFn>();

/**
 * XNNPACK convolution of x [N,H,W,Ci] with filter [KH,KW,Ci,Co] and explicit, possibly asymmetric, non-negative
 * padding (the stock kernel only takes tfjs pad specs). Output [N,OH,OW,Co]. XNNPACK caches an operator per filter
 * tensor; it is freed when the filter tensor is disposed.
 */
export function conv2dExplicit(
  backend: WasmBackend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo {
  let fn = conv2DByBackend.get(backend);
  if (fn === undefined) {
    fn = backend.wasm.cwrap('Conv2D', null, new Array<string>(19).fill('number'));
    conv2DByBackend.set(backend, fn);
  }
  const [n, h, w, ci] = x.shape;
  const [kh, kw, fci, co] = filter.shape;
  if (ci !== fci) throw new Error(`dppgan conv2dExplicit: x has ${ci} channels, filter expects ${fci}`);
  const oh =
    Math.floor((h + g.padTop + g.padBottom - ((kh - 1) * g.dilationHeight + 1)) / g.strideHeight) + 1;
  const ow = Math.floor((w + g.padLeft + g.padRight - ((kw - 1) * g.dilationWidth + 1)) / g.strideWidth) + 1;
  if (oh <= 0 || ow <= 0) throw new Error(`dppgan conv2dExplicit: empty output ${oh}x${ow}`);
  const out = backend.makeOutput([n, oh, ow, co], 'float32');
  const id = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).id;
  fn(
    id(x),
    n,
    h,
    w,
    id(filter),
    kh,
    kw,
    g.padTop,
    g.padRight,
    g.padBottom,
    g.padLeft,
    0,
    g.dilationHeight,
    g.dilationWidth,
    g.strideHeight,
    g.strideWidth,
    ci,
    co,
    id(out),
  );
  return out;
}

export function pair(v: unknown, what: string): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) return [Number(v[0]), Number(v[1])];
  throw new Error(`dppgan wasm kernel: bad ${what} ${JSON.stringify(v)}`);
}

/** A new float32 tensor holding `size(shape)` elements of `src` starting at element `offset`. */
export function copyRows(
  backend: WasmBackend,
  src: tf.TensorInfo,
  offset: number,
  shape: number[],
): tf.TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  const size = tf.util.sizeFromShape(shape);
  const from = backend.typedArrayFromHeap(src) as Float32Array;
  (backend.typedArrayFromHeap(out) as Float32Array).set(from.subarray(offset, offset + size));
  return out;
}
