// Choose and initialise a tfjs backend, then install dppgan's engine fixes.
// 'auto' = @tensorflow/tfjs-node when it can be imported (an optional peer), else wasm in Node;
// in a browser webgpu → webgl → wasm among the backends the page has registered.
// Invariant: after `await initBackend(x)` resolves to `name`, tf.getBackend() === name and the wasm kernel fixes
// (for wasm) and the second-order gradient overrides (for every backend) are registered exactly once.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { runtimeError, usageError } from '../errors.js';
import { registerGradientOverrides } from './gradients.js';
import { registerWasmKernels } from './wasm-kernels.js';

/**
 * The backend names `initBackend` accepts ('auto' picks tfjs-node, else wasm in Node / webgpu → webgl → wasm
 * in a browser).
 */
export const BACKEND_NAMES = ['auto', 'tensorflow', 'wasm', 'cpu', 'webgl', 'webgpu'] as const;
/** One of BACKEND_NAMES. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Options of `initBackend`. */
export interface InitBackendOptions {
  /** Which backend to use; default 'auto'. */
  backend?: BackendName;
  /** Browser bundles only: URL prefix where the tfjs-backend-wasm `.wasm` files are served. */
  wasmPaths?: string;
}

const isNode = typeof process !== 'undefined' && process.versions?.node !== undefined;
const TFJS_NODE = '@tensorflow/tfjs-node';

/** True when the optional native Node backend can be imported (it registers itself as 'tensorflow'). */
async function importTfjsNode(): Promise<boolean> {
  if (!isNode) return false;
  if (tf.engine().registryFactory.tensorflow !== undefined) return true;
  try {
    const specifier = TFJS_NODE; // a variable, so bundlers and tsc do not try to resolve the optional peer
    await import(specifier);
    return tf.engine().registryFactory.tensorflow !== undefined;
  } catch {
    return false;
  }
}

async function resolveAuto(): Promise<Exclude<BackendName, 'auto'>> {
  if (isNode) return (await importTfjsNode()) ? 'tensorflow' : 'wasm';
  for (const name of ['webgpu', 'webgl', 'wasm'] as const) {
    if (tf.engine().registryFactory[name] !== undefined) return name;
  }
  return 'cpu';
}

async function switchTo(name: Exclude<BackendName, 'auto'>, wasmPaths?: string): Promise<void> {
  if (name === 'tensorflow' && !(await importTfjsNode())) {
    throw usageError(
      "backend 'tensorflow' needs the optional package @tensorflow/tfjs-node: run `npm install @tensorflow/tfjs-node` (or use backend 'wasm')",
    );
  }
  if (tf.engine().registryFactory[name] === undefined) {
    throw usageError(
      `backend '${name}' is not registered in this environment: import @tensorflow/tfjs-backend-${name} first, or use 'auto'`,
    );
  }
  if (name === 'wasm' && wasmPaths !== undefined) setWasmPaths(wasmPaths);
  const switched = await tf.setBackend(name);
  await tf.ready();
  if (!switched || tf.getBackend() !== name) {
    throw runtimeError(
      `backend '${name}' failed to initialise (tf.getBackend() is '${tf.getBackend()}')` +
        (name === 'wasm' ? ': check that the .wasm files are reachable (option wasmPaths)' : ''),
    );
  }
}

/**
 * Select and initialise a tfjs backend and install dppgan's kernel fixes and gradient overrides.
 * Idempotent: calling it again with the same choice is cheap. Resolves to the backend name in use.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<string> {
  const requested = opts.backend ?? 'auto';
  if (!(BACKEND_NAMES as readonly string[]).includes(requested)) {
    throw usageError(`unknown backend '${String(requested)}': expected one of ${BACKEND_NAMES.join(', ')}`);
  }
  const name = requested === 'auto' ? await resolveAuto() : requested;
  if (tf.getBackend() !== name) await switchTo(name, opts.wasmPaths);
  registerGradientOverrides();
  if (name === 'wasm') registerWasmKernels();
  return name;
}
