// Shared memory of a data-parallel run (main thread + N replica workers), all SharedArrayBuffers read through
// Float32Array / Float64Array / Int32Array views — no tensor is ever serialised:
//   control    Int32 slots (CONTROL) — the command handshake, see pool.ts and replica-worker.ts
//   weights    every weight of G then D, in checkpoint order (written by the main thread before each command)
//   versions   Int32 per weight, bumped by the main thread when it rewrites that weight (replicas reload only
//              the weights whose version changed since their last load)
//   batch      the whole batch: real rows, latent rows, gradient-penalty α (main writes, replica i reads its shard)
//   features   φ(G(z)) rows then φ(real) rows (replica i writes its shard's rows; GDPP on the main thread reads)
//   cotangent  ∂L_G/∂φ(G(z)) rows (main writes, replica i reads its rows)
//   per replica: gradients (G trainable then D trainable), state (non-trainable weights after the command:
//                batch-norm moving statistics, spectral-norm u) and scalars (the shard's losses, Float64).
// Invariant: main and replicas derive the same layout from the same config (`ganLayout` over networks built by
// the same builder), and shard i of a batch of B rows split N ways is rows [⌊iB/N⌋, ⌊(i+1)B/N⌋).
import * as tf from '@tensorflow/tfjs-core';
import type { Gan } from '../../nn/index.js';

/** Int32 slots of the control buffer. */
export const CONTROL = {
  /** Incremented by the main thread to issue a command (replicas wait on it). */
  commandSeq: 0,
  /** The command (COMMANDS). */
  command: 1,
  /** The step being computed (trainer.step + 1), for error messages and the fault-injection hook. */
  step: 2,
  /** Set to commandSeq by the main thread when the GDPP cotangent is ready (replicas wait on it mid-command). */
  scatterSeq: 3,
  /** 1: shut down (every wait returns, every replica exits). */
  abort: 4,
  /** 1: the generator part of the current command is dropped (non-finite GDPP features, a faulty D update). */
  skipGenerator: 5,
  /**
   * Set to commandSeq by the main thread mid-'generator' command once the discriminator's new weights are
   * published (the replicas run G(z) meanwhile; see parallel-trainer.ts).
   */
  weightsSeq: 6,
  /** Number of slots. */
  length: 7,
} as const;

/** Commands of the control buffer. */
export const COMMANDS = {
  /** ∂(ω·L_D)/∂θ_D on the shard (schedule 'alternating', one of the nDis updates). */
  discriminator: 1,
  /**
   * ∂(ω·L_G)/∂θ_G on the shard (schedule 'alternating'): G(z) first, then wait for the discriminator's weights
   * (weightsSeq), then D; with GDPP, gathers φ and waits for the cotangent.
   */
  generator: 2,
  /** Both, at the same weights (schedule 'simultaneous'). */
  both: 3,
} as const;

/** Float64 slots of a replica's scalars buffer: the shard's losses (shard means, not yet weighted). */
export const SCALARS = { dLoss: 0, gradientPenalty: 1, gAdversarial: 2, length: 3 } as const;

/** One weight of a network in the shared layout. */
export interface WeightSlot {
  shape: number[];
  size: number;
  /** Offset (float32 elements) in the weights buffer. */
  offset: number;
  trainable: boolean;
  /**
   * Non-trainable weights only: true for batch-norm moving statistics (the replicas' per-shard updates are
   * averaged, weighted by shard size); false for anything else (spectral-norm u: every replica computes the
   * same u from the same weights, so replica 0's is taken).
   */
  averaged: boolean;
  /** Offset in a replica's gradients buffer (trainable) or state buffer (non-trainable). */
  slot: number;
}

/** Where every weight, gradient and state value of a GAN lives in the shared buffers. */
export interface GanLayout {
  /** Every weight of G, then of D, in `stack.weights()` / `discriminator.weights()` order. */
  weights: WeightSlot[];
  /** Number of generator weights (the first entries of `weights`). */
  generatorWeights: number;
  weightTotal: number;
  /** Gradient slots: G trainable variables then D trainable variables (trainableVariables() order). */
  gradientTotal: number;
  stateTotal: number;
}

/** The shared layout of a built GAN (same on every thread for the same config). */
export function ganLayout(gan: Gan): GanLayout {
  const g = gan.generator.stack.weights();
  const d = gan.discriminator.weights();
  const weights: WeightSlot[] = [];
  let offset = 0;
  let gradient = 0;
  let state = 0;
  // trainableVariables() lists, per layer, the trainable weights in weights() order, G before D: the same
  // order as walking weights() and keeping the trainable ones.
  for (const w of [...g, ...d]) {
    const shape = w.shape as number[];
    const size = shape.reduce((a, b) => a * b, 1);
    const name = w.originalName;
    const averaged = !w.trainable && /moving_(mean|variance)$/.test(name);
    weights.push({
      shape,
      size,
      offset,
      trainable: w.trainable,
      averaged,
      slot: w.trainable ? gradient : state,
    });
    offset += size;
    if (w.trainable) gradient += size;
    else state += size;
  }
  return {
    weights,
    generatorWeights: g.length,
    weightTotal: offset,
    gradientTotal: gradient,
    stateTotal: state,
  };
}

/** Rows [start, end) of shard `index` when `batch` rows are split `shards` ways (contiguous, sizes differ ≤ 1). */
export function shardBounds(batch: number, shards: number, index: number): { start: number; end: number } {
  return { start: Math.floor((index * batch) / shards), end: Math.floor(((index + 1) * batch) / shards) };
}

/** Sizes a data-parallel run's buffers are made for. */
export interface BufferSizes {
  batch: number;
  /** Floats per real sample (prod of the data shape). */
  dataSize: number;
  latentDim: number;
  /** Feature dimension d of φ (GDPP). */
  featureDim: number;
  replicas: number;
}

/** The SharedArrayBuffers of a run (structured-cloned to each worker: the memory itself is shared). */
export interface SharedBuffers {
  sizes: BufferSizes;
  control: SharedArrayBuffer;
  weights: SharedArrayBuffer;
  versions: SharedArrayBuffer;
  batch: SharedArrayBuffer;
  features: SharedArrayBuffer;
  cotangent: SharedArrayBuffer;
  replicas: { gradients: SharedArrayBuffer; state: SharedArrayBuffer; scalars: SharedArrayBuffer }[];
}

const F32 = Float32Array.BYTES_PER_ELEMENT;

/** Allocate every shared buffer of a run. */
export function allocateBuffers(layout: GanLayout, sizes: BufferSizes): SharedBuffers {
  const { batch, dataSize, latentDim, featureDim, replicas } = sizes;
  const bytes = (floats: number) => new SharedArrayBuffer(Math.max(1, floats) * F32);
  return {
    sizes,
    control: new SharedArrayBuffer(CONTROL.length * Int32Array.BYTES_PER_ELEMENT),
    weights: bytes(layout.weightTotal),
    versions: new SharedArrayBuffer(Math.max(1, layout.weights.length) * Int32Array.BYTES_PER_ELEMENT),
    batch: bytes(batch * (dataSize + latentDim + 1)),
    features: bytes(2 * batch * featureDim),
    cotangent: bytes(batch * featureDim),
    replicas: Array.from({ length: replicas }, () => ({
      gradients: bytes(layout.gradientTotal),
      state: bytes(layout.stateTotal),
      scalars: new SharedArrayBuffer(SCALARS.length * Float64Array.BYTES_PER_ELEMENT),
    })),
  };
}

/** Typed views of a run's batch buffer: rows × columns for real samples and latent codes, one α per row. */
export function batchViews(buffers: SharedBuffers): {
  real: Float32Array;
  latent: Float32Array;
  alpha: Float32Array;
} {
  const { batch, dataSize, latentDim } = buffers.sizes;
  return {
    real: new Float32Array(buffers.batch, 0, batch * dataSize),
    latent: new Float32Array(buffers.batch, batch * dataSize * F32, batch * latentDim),
    alpha: new Float32Array(buffers.batch, batch * (dataSize + latentDim) * F32, batch),
  };
}

/** Views of the gathered features: φ(G(z)) rows and φ(real) rows, each batch × featureDim. */
export function featureViews(buffers: SharedBuffers): { fake: Float32Array; real: Float32Array } {
  const { batch, featureDim } = buffers.sizes;
  return {
    fake: new Float32Array(buffers.features, 0, batch * featureDim),
    real: new Float32Array(buffers.features, batch * featureDim * F32, batch * featureDim),
  };
}

type HeapBackend = { typedArrayFromHeap?: (t: tf.TensorInfo) => Float32Array };

/**
 * The values of a float32 tensor, to be copied at once (into a shared buffer): on wasm a view of the backend's
 * heap (no intermediate copy; valid until the next allocation), elsewhere dataSync().
 */
export function tensorValues(t: tf.Tensor): Float32Array {
  const backend = tf.backend() as unknown as HeapBackend;
  if (tf.getBackend() === 'wasm' && typeof backend.typedArrayFromHeap === 'function') {
    return backend.typedArrayFromHeap(t);
  }
  return t.dataSync() as Float32Array;
}

/**
 * A tensor holding a copy of `view` (part of a shared buffer). The wasm backend copies the values into its
 * heap as the tensor is made; other backends may keep the array they are given, so they get a private copy.
 */
export function tensorFromShared(view: Float32Array, shape: number[]): tf.Tensor {
  return tf.tensor(tf.getBackend() === 'wasm' ? view : view.slice(), shape, 'float32');
}
