// Choose and initialise a tfjs backend, then install dppgan's engine fixes.
// 'auto' = @tensorflow/tfjs-node when it can be imported (an optional peer), else wasm in Node;
// in a browser the first of webgpu → webgl → wasm → cpu (among those the page has registered) that initialises.
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

/** What 'auto' settled on in this process (a later 'auto' keeps it while it is still the active backend). */
let autoChoice: Exclude<BackendName, 'auto'> | null = null;

/**
 * 'auto': in Node tfjs-node when it can be imported, else wasm; in a browser the first of webgpu, webgl, wasm and
 * cpu that is registered *and initialises* — `navigator.gpu` can exist with no adapter behind it, and a WebGL
 * context can be refused, so each is tried in turn.
 */
async function switchToAuto(wasmPaths?: string): Promise<Exclude<BackendName, 'auto'>> {
  if (autoChoice !== null && tf.getBackend() === autoChoice) return autoChoice;
  const candidates: Exclude<BackendName, 'auto'>[] = isNode
    ? [(await importTfjsNode()) ? 'tensorflow' : 'wasm']
    : (['webgpu', 'webgl', 'wasm', 'cpu'] as const).filter(
        (name) => tf.engine().registryFactory[name] !== undefined,
      );
  const failures: string[] = [];
  for (const name of candidates) {
    try {
      if (tf.getBackend() !== name) await switchTo(name, wasmPaths);
      autoChoice = name;
      return name;
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  throw runtimeError(`no tfjs backend could be initialised: ${failures.join('; ') || 'none is registered'}`);
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
  let name: Exclude<BackendName, 'auto'>;
  if (requested === 'auto') name = await switchToAuto(opts.wasmPaths);
  else {
    name = requested;
    if (tf.getBackend() !== name) await switchTo(name, opts.wasmPaths);
  }
  registerGradientOverrides();
  if (name === 'wasm') registerWasmKernels();
  return name;
}
