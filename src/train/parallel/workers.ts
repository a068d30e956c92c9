// How many worker threads a run uses (config "workers", `dppgan train --workers`).
// Rule for 'auto': every core (os.availableParallelism(), at most batchSize / 8 so each shard keeps ≥ 8 rows)
// for the convolutional models ('dcgan-smnist', 'sn-cnn': ~10–35 GFLOP per step, seconds of compute the
// threads split), and 1 for the 2-D MLP GANs ('mlp-gdpp': ~0.2 GFLOP, a ~15–35 ms step in which the per-update
// exchange — weights out, gradients back, GDPP on the main thread — would eat the gain), and 1 on tfjs-node,
// whose native kernels already use every core.
import { availableParallelism } from 'node:os';
import type { TrainConfig } from '../config.js';

/** Models whose step is heavy enough for 'auto' to split it across threads. */
const PARALLEL_MODELS: readonly string[] = ['dcgan-smnist', 'sn-cnn'];
/** 'auto' keeps at least this many rows per shard. */
const MIN_AUTO_SHARD = 8;

/**
 * The number of worker threads for `config` on `backend` (the one in use): config.workers when a number (the
 * config schema keeps it ≤ batchSize), else the 'auto' rule above. 1 means the single-thread Trainer.
 */
export function resolveWorkers(config: TrainConfig, backend: string, cores = availableParallelism()): number {
  if (config.workers !== 'auto') return config.workers;
  if (backend === 'tensorflow' || !PARALLEL_MODELS.includes(config.model)) return 1;
  return Math.max(1, Math.min(cores, Math.floor(config.batchSize / MIN_AUTO_SHARD)));
}

/** The one-line warning for more worker threads than cores (they would share cores and slow each other), or null. */
export function oversubscriptionWarning(workers: number, cores = availableParallelism()): string | null {
  if (workers <= cores) return null;
  return `${workers} worker threads on ${cores} core${cores === 1 ? '' : 's'}: threads will share cores and each step gets slower; at most ${cores} pay off here`;
}
