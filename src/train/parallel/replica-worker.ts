// Entry of a replica worker thread (spawned by pool.ts). It initialises its own tfjs backend, builds a Replica,
// says 'ready', then loops: wait (Atomics.wait, this thread does nothing else) for the main thread's next command
// in the control buffer, load the shared weights, compute its shard's gradients into its own buffers, say
// 'done'. Messages to the main thread: {type: 'ready' | 'features'}, {type: 'done', tensors} (the replica's
// live tensor count, for leak checks) and {type: 'error', message}
// (then the thread exits). A set abort slot ends the loop.
// Test hook: DPPGAN_WORKER_FAULT="throw:S", "exit:S" or "stall:S" makes the last replica throw, exit the thread
// with code 3, or wait forever, when it is asked to compute step S (test/workers.test.ts checks that each ends
// the run with a clear error).
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { type BackendName, initBackend } from '../../backend/index.js';
import type { TrainConfig } from '../config.js';
import { type FeatureExchange, Replica, type ShardLosses } from './replica.js';
import {
  batchViews,
  COMMANDS,
  CONTROL,
  featureViews,
  SCALARS,
  type SharedBuffers,
  shardBounds,
  tensorFromShared,
} from './shared-buffers.js';

/** What pool.ts passes to each worker. */
export interface ReplicaWorkerData {
  config: TrainConfig;
  dataShape: number[];
  backend: BackendName;
  index: number;
  buffers: SharedBuffers;
}

function post(message: Record<string, unknown>): void {
  parentPort!.postMessage(message);
}

function injectedFault(index: number, replicas: number, step: number): void {
  const spec = process.env.DPPGAN_WORKER_FAULT;
  if (!spec || index !== replicas - 1) return;
  const [kind, at] = spec.split(':');
  if (Number(at) !== step) return;
  if (kind === 'exit') process.exit(3);
  if (kind === 'throw') throw new Error(`injected fault (DPPGAN_WORKER_FAULT=${spec})`);
  if (kind === 'stall') {
    const never = new Int32Array(new SharedArrayBuffer(4));
    for (;;) Atomics.wait(never, 0, 0); // (a wait can return early; stall for good)
  }
}

/** Block until the main thread sets `slot` to this command's sequence number (see pool.ts release) or aborts. */
function awaitRelease(control: Int32Array, slot: number, command: number): void {
  for (;;) {
    const value = Atomics.load(control, slot);
    if (value === command || Atomics.load(control, CONTROL.abort) !== 0) return;
    Atomics.wait(control, slot, value);
  }
}

/**
 * Block until the main thread issues a command after `seen` (commandSeq moves on) or aborts; returns the new
 * sequence number. Atomics.wait can return without the slot having changed (observed under load: the replica
 * then ran the same command twice, and its second 'done' was counted for the main thread's next command), so the
 * slot is re-read until it really moved.
 */
function awaitCommand(control: Int32Array, seen: number): number {
  for (;;) {
    const value = Atomics.load(control, CONTROL.commandSeq);
    if (value !== seen || Atomics.load(control, CONTROL.abort) !== 0) return value;
    Atomics.wait(control, CONTROL.commandSeq, seen);
  }
}

async function main(): Promise<void> {
  const { config, dataShape, backend, index, buffers } = workerData as ReplicaWorkerData;
  const { batch, dataSize, latentDim, featureDim, replicas } = buffers.sizes;
  await initBackend({ backend });
  const replica = new Replica(config, dataShape);
  const control = new Int32Array(buffers.control);
  const weights = new Float32Array(buffers.weights);
  const versions = new Int32Array(buffers.versions);
  const mine = buffers.replicas[index];
  const gradients = new Float32Array(mine.gradients);
  const state = new Float32Array(mine.state);
  const scalars = new Float64Array(mine.scalars);
  const { start, end } = shardBounds(batch, replicas, index);
  const rows = end - start;
  const weight = rows / batch;
  const views = batchViews(buffers);
  const features = featureViews(buffers);
  const cotangent = new Float32Array(buffers.cotangent);
  const shardRows = (view: Float32Array, width: number) => view.subarray(start * width, end * width);

  // Read before saying 'ready': the first command may be issued the moment the main thread hears it.
  let seen = Atomics.load(control, CONTROL.commandSeq);
  post({ type: 'ready' });
  for (;;) {
    seen = awaitCommand(control, seen);
    if (Atomics.load(control, CONTROL.abort) !== 0) break;
    const command = Atomics.load(control, CONTROL.command);
    const step = Atomics.load(control, CONTROL.step);
    injectedFault(index, replicas, step);
    replica.loadWeights(weights, versions);
    const exchange: FeatureExchange = (phiFake, phiReal) => {
      features.fake.set(phiFake, start * featureDim);
      features.real.set(phiReal, start * featureDim);
      post({ type: 'features' });
      awaitRelease(control, CONTROL.scatterSeq, seen);
      if (Atomics.load(control, CONTROL.abort) !== 0 || Atomics.load(control, CONTROL.skipGenerator) !== 0) {
        return null;
      }
      return shardRows(cotangent, featureDim);
    };
    const discriminatorReady = () => {
      awaitRelease(control, CONTROL.weightsSeq, seen);
      if (Atomics.load(control, CONTROL.abort) !== 0 || Atomics.load(control, CONTROL.skipGenerator) !== 0) {
        return false;
      }
      replica.loadWeights(weights, versions);
      return true;
    };
    const losses: ShardLosses = { dLoss: Number.NaN, gradientPenalty: Number.NaN, gAdversarial: Number.NaN };
    const real = tensorFromShared(shardRows(views.real, dataSize), [rows, dataSize]) as tf.Tensor2D;
    const z = tensorFromShared(shardRows(views.latent, latentDim), [rows, latentDim]) as tf.Tensor2D;
    const alpha =
      config.lipschitz === 'gradient-penalty'
        ? (tensorFromShared(shardRows(views.alpha, 1), [rows]) as tf.Tensor1D)
        : null;
    try {
      if (command === COMMANDS.discriminator) {
        Object.assign(losses, replica.discriminator(real, z, alpha, weight, gradients));
      } else if (command === COMMANDS.generator) {
        replica.generator(z, real, weight, exchange, gradients, losses, discriminatorReady);
      } else if (command === COMMANDS.both) {
        replica.both(real, z, alpha, weight, exchange, gradients, losses);
      } else {
        throw new Error(`unknown command ${command}`);
      }
    } finally {
      tf.dispose([real, z, ...(alpha ? [alpha] : [])]);
    }
    if (Atomics.load(control, CONTROL.abort) !== 0) break;
    replica.saveState(state);
    scalars[SCALARS.dLoss] = losses.dLoss;
    scalars[SCALARS.gradientPenalty] = losses.gradientPenalty;
    scalars[SCALARS.gAdversarial] = losses.gAdversarial;
    post({ type: 'done', tensors: tf.memory().numTensors });
  }
  replica.dispose();
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  post({ type: 'error', message: message.split('\n')[0] });
  process.exit(1);
});
