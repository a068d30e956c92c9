// A training run on disk: `runDir/config.json` (resolved config), `checkpoint/` (atomic), `log.jsonl`.
// `trainRun` creates or resumes a run and trains it to `config.iterations`; `openRun` loads a finished (or
// interrupted) run for sampling and evaluation.
// Invariant: an existing run directory is never overwritten unless `resume` (continue it) or `force` (start
// over) is given, and `force` only ever deletes a directory that looks like a dppgan run — after the new config,
// data and model were built, so a mistake in them loses nothing. The run's config.json holds data paths
// resolved to absolute ones (withAbsoluteDataPaths).
// Crash safety: config.json and checkpoints are replaced atomically (write a temporary file, rename), so a run
// killed at any moment (kill -9) resumes from its last complete checkpoint; the loop yields to the event loop
// after every step, so an abort signal (SIGINT/SIGTERM in the CLI) is seen within one step.
// Numerical guard (see trainer.ts): events go to log.jsonl as {event: 'nonfinite', step, what, action}; with
// nanPolicy 'rollback' the run returns to its last good checkpoint (kept in memory) with halved learning rates.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { initBackend } from '../backend/index.js';
import { createDataset } from '../data/index.js';
import { runtimeError, usageError } from '../errors.js';
import {
  CHECKPOINT_DIR,
  type CheckpointData,
  DAMAGED_CHECKPOINT_DIR,
  hasCheckpoint,
  loadCheckpoint,
  PREVIOUS_CHECKPOINT_DIR,
  saveCheckpoint,
} from './checkpoint.js';
import { configHash, loadConfigFile, type TrainConfig } from './config.js';
import { type LogRecord, RunLogger } from './logger.js';
import { ParallelTrainer } from './parallel/parallel-trainer.js';
import { WorkerThreadError } from './parallel/pool.js';
import { oversubscriptionWarning, resolveWorkers } from './parallel/workers.js';
import { type NonFiniteEvent, type StepStats, Trainer } from './trainer.js';

/** Options of `trainRun`. */
export interface TrainRunOptions {
  runDir: string;
  /** Continue the run in runDir from its checkpoint. */
  resume?: boolean;
  /** Delete an existing run in runDir and start over. */
  force?: boolean;
  /** Called after every step (progress bars). */
  onStep?: (stats: StepStats, trainer: Trainer) => void;
  /** When aborted, the run saves a checkpoint after the current step and stops. */
  signal?: AbortSignal;
  /** One-line warnings: a corrupt checkpoint replaced by the previous one, a resume from step 0. */
  onWarning?: (message: string) => void;
  /** Numerical-guard events (also written to log.jsonl). */
  onNonFinite?: (event: NonFiniteEvent) => void;
}

/** What `trainRun` returns: the trainer (caller disposes it), the config and timing. */
export interface TrainRunResult {
  trainer: Trainer;
  config: TrainConfig;
  runDir: string;
  /** Step the run resumed from (undefined for a new run). */
  resumedFrom?: number;
  /** Losses of the last step (undefined when no step was taken). */
  last?: StepStats;
  /** Seconds spent training in this call. */
  wallSeconds: number;
  /** True when stopped early by the signal. */
  interrupted: boolean;
  /** Worker threads the batch was split across (1: this thread only; see config "workers"). */
  workers: number;
}

function isNonEmptyDir(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).length > 0;
}

function looksLikeRun(dir: string): boolean {
  return existsSync(join(dir, 'config.json')) || hasCheckpoint(dir) || existsSync(join(dir, 'log.jsonl'));
}

/** Write a file so that a crash leaves either the old or the new content, never a truncated one. */
function writeFileAtomic(path: string, text: string): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

/** Let pending signal handlers and timers run (the training loop is otherwise synchronous). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function allFinite(data: CheckpointData): boolean {
  for (const arrays of Object.values(data.tensors)) {
    for (const { values } of arrays) {
      for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
    }
  }
  return true;
}

function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.write-test'), '');
    rmSync(join(dir, '.write-test'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw usageError(`cannot write to run directory ${dir} (${code}): choose another --out`);
  }
}

/**
 * The config with its data files' paths absolute (resolved against the working directory, where createDataset
 * reads them), so that the run's config.json lets it be resumed, sampled and evaluated from any directory.
 */
export function withAbsoluteDataPaths(config: TrainConfig): TrainConfig {
  const { data } = config;
  if (data.kind === 'images') return { ...config, data: { ...data, dir: resolve(data.dir) } };
  if ((data.kind === 'mnist' || data.kind === 'stacked-mnist') && data.images && data.labels) {
    return { ...config, data: { ...data, images: resolve(data.images), labels: resolve(data.labels) } };
  }
  return config;
}

/** The entries of a run directory that it needs to be resumed and read (outputs must never replace them). */
const RUN_OWNED = new Set([
  'config.json',
  'log.jsonl',
  CHECKPOINT_DIR,
  PREVIOUS_CHECKPOINT_DIR,
  DAMAGED_CHECKPOINT_DIR,
]);

/** Whether writing `path` would replace something the run in `runDir` needs (its config, log or checkpoints). */
export function isRunOwnedPath(runDir: string, path: string): boolean {
  const inside = relative(resolve(runDir), resolve(path));
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return false;
  const first = inside.split(sep)[0];
  return RUN_OWNED.has(first) || first.startsWith('.checkpoint');
}

/** The config.json of the run in `runDir` (absolute); a usage error when there is no run to resume there. */
export function savedRunConfig(runDir: string): TrainConfig {
  if (!existsSync(join(runDir, 'config.json'))) {
    throw usageError(`--resume: ${runDir} holds no run to resume (start it without --resume)`);
  }
  return loadConfigFile(join(runDir, 'config.json'));
}

/**
 * Why resuming `runDir` from step 0 would throw training away: a checkpoint directory without its manifest (a
 * save only ever renames complete directories into place, so this is damage, not an interrupted save), or null.
 */
function damagedCheckpointTrace(runDir: string): string | null {
  for (const name of [CHECKPOINT_DIR, PREVIOUS_CHECKPOINT_DIR]) {
    if (isNonEmptyDir(join(runDir, name))) return `${name}/ holds files but no manifest.json`;
  }
  return null;
}

/**
 * Create (or, with resume, continue) the run in `opts.runDir` and train it up to `config.iterations`.
 * Everything that can fail on the user's input (the config, backend, data, model, checkpoint and --iterations)
 * is checked before the run directory is created, written or (with force) deleted, so a mistake loses nothing.
 */
export async function trainRun(config: TrainConfig | null, opts: TrainRunOptions): Promise<TrainRunResult> {
  const runDir = resolve(opts.runDir);
  if (existsSync(runDir) && !statSync(runDir).isDirectory()) {
    throw usageError(`${runDir} is a file, not a run directory: choose another --out`);
  }
  let resumed = false;
  /** A run already in runDir that --force replaces (deleted only once the new one could be built). */
  let replaced = false;
  if (opts.resume) {
    const saved = savedRunConfig(runDir);
    if (config === null) config = saved;
    else if (configHash(withAbsoluteDataPaths(config)) !== configHash(withAbsoluteDataPaths(saved))) {
      throw usageError(
        `--resume: the config differs from the one ${runDir} was trained with (only "iterations", "logEvery", "checkpointEvery", "backend", "nanPolicy", "nanLimit" and "workers" may change): resume without --config, or use --force to start over`,
      );
    } else {
      // The data paths as saved: the checkpoint's config hash has them (relative in runs made before
      // config.json stored them absolute).
      config = { ...config, data: saved.data };
    }
    // A run killed before its first checkpoint starts again from step 0; a damaged one is not started over.
    resumed = hasCheckpoint(runDir);
    if (!resumed) {
      const damage = damagedCheckpointTrace(runDir);
      if (damage) {
        throw runtimeError(
          `corrupt checkpoint: ${join(runDir, damage)}: refusing to start ${runDir} over from step 0 (restore the checkpoint, or use --force to start over)`,
        );
      }
    }
  } else {
    if (config === null) throw usageError('missing --config FILE (required unless --resume)');
    config = withAbsoluteDataPaths(config);
    if (isNonEmptyDir(runDir)) {
      if (!opts.force) {
        throw usageError(
          `run directory ${runDir} already exists: use --resume to continue it, --force to overwrite it, or another --out`,
        );
      }
      if (!looksLikeRun(runDir)) {
        throw usageError(`--force: refusing to delete ${runDir}, which is not a dppgan run directory`);
      }
      replaced = true;
    }
  }
  const backend = await initBackend({ backend: config.backend });
  const trainer = new Trainer(config, { dataset: createDataset(config.data) });
  const workers = resolveWorkers(config, backend);
  const crowded = oversubscriptionWarning(workers);
  if (crowded) opts.onWarning?.(crowded);
  let resumedFrom: number | undefined;
  // The last good checkpoint, kept in memory for nanPolicy 'rollback'.
  let lastGood: CheckpointData | undefined;
  try {
    if (resumed) {
      let fellBack = false;
      const data = loadCheckpoint(runDir, trainer.configHash, {
        onWarning: (message) => {
          fellBack = true;
          opts.onWarning?.(message);
        },
      });
      if (data.step > config.iterations) {
        throw usageError(
          `--resume: ${runDir} has reached step ${data.step}, past --iterations ${config.iterations}: pass at least ${data.step}`,
        );
      }
      // Set a damaged checkpoint/ aside, so that the next save cannot demote it to checkpoint.prev/ over the
      // good one just loaded.
      if (fellBack && existsSync(join(runDir, CHECKPOINT_DIR))) {
        rmSync(join(runDir, DAMAGED_CHECKPOINT_DIR), { recursive: true, force: true });
        renameSync(join(runDir, CHECKPOINT_DIR), join(runDir, DAMAGED_CHECKPOINT_DIR));
      }
      await trainer.restoreCheckpoint(data);
      resumedFrom = trainer.step;
      if (config.nanPolicy === 'rollback') lastGood = data;
    } else if (opts.resume) {
      opts.onWarning?.(`--resume: ${runDir} has no checkpoint yet; starting it from step 0`);
    }
    if (config.nanPolicy === 'rollback') lastGood ??= await trainer.captureCheckpoint();
    if (replaced) rmSync(runDir, { recursive: true, force: true });
    makeDir(runDir);
    writeFileAtomic(join(runDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  } catch (error) {
    trainer.dispose();
    throw error;
  }
  const logger = new RunLogger(join(runDir, 'log.jsonl'));
  logger.open(resumedFrom);
  trainer.onNonFinite = (event) => {
    logger.write(event);
    opts.onNonFinite?.(event);
  };

  // Worker threads (config "workers" > 1): the same step, the batch split across replicas (parallel/).
  let parallel: ParallelTrainer | undefined;
  if (workers > 1) {
    try {
      parallel = await ParallelTrainer.start(trainer, workers);
    } catch (error) {
      trainer.dispose();
      throw error;
    }
  }
  const start = performance.now();
  let lastLogTime = start;
  let lastLogStep = trainer.step;
  let last: StepStats | undefined;
  let interrupted = false;
  let rollbacks = 0;
  let savedStep = resumedFrom ?? -1;
  const stop = (what: string, reason: string): never => {
    trainer.onNonFinite?.({ event: 'nonfinite', step: trainer.step, what, action: 'stop' });
    trainer.dispose();
    throw runtimeError(
      `training stopped at step ${trainer.step}: non-finite ${what} (${reason}); ${savedStep >= 0 ? `the last good checkpoint (step ${savedStep}) is in ${join(runDir, CHECKPOINT_DIR)}` : 'no checkpoint was written yet'}: lower the learning rates or check the data`,
    );
  };
  const save = async () => {
    const data = await trainer.captureCheckpoint();
    // Never write a checkpoint a rollback or resume could not use (guard, second line of defence).
    if (!allFinite(data)) stop('weights', 'found while checkpointing; not saved');
    saveCheckpoint(runDir, data);
    if (config.nanPolicy === 'rollback') lastGood = data;
    rollbacks = 0;
    savedStep = data.step;
  };
  try {
    while (trainer.step < config.iterations) {
      if (opts.signal?.aborted) {
        interrupted = true;
        break;
      }
      try {
        last = parallel ? await parallel.trainStep() : trainer.trainStep();
      } catch (error) {
        trainer.dispose();
        if (!(error instanceof WorkerThreadError)) throw error;
        const checkpoint =
          savedStep >= 0
            ? `the last checkpoint (step ${savedStep}) in ${join(runDir, CHECKPOINT_DIR)} is intact: resume the run (with any number of workers)`
            : 'no checkpoint was written yet: start the run again';
        throw runtimeError(`${error.message}; ${checkpoint}`);
      }
      const { nonfinite, ...stats } = last;
      last = stats;
      if (nonfinite?.some((event) => event.action === 'rollback') && lastGood) {
        const what = nonfinite.map((event) => event.what).join(', ');
        if (++rollbacks > config.nanLimit) {
          stop(what, `${rollbacks - 1} rollbacks without a new checkpoint, nanLimit ${config.nanLimit}`);
        }
        await trainer.restoreCheckpoint(lastGood, 'rollback');
        logger.rewind(trainer.step);
        opts.onWarning?.(
          `non-finite ${what}: rolled back to step ${trainer.step} with learning rates × ${trainer.lrScale}`,
        );
        lastLogStep = trainer.step;
        lastLogTime = performance.now();
        await yieldToEventLoop();
        continue;
      }
      opts.onStep?.(last, trainer);
      const done = trainer.step === config.iterations;
      if (trainer.step % config.logEvery === 0 || done) {
        const now = performance.now();
        const record: LogRecord = {
          ...last,
          time: round((now - start) / 1000, 3),
          secPerStep: round((now - lastLogTime) / 1000 / (trainer.step - lastLogStep), 5),
        };
        const sigma = trainer.sigmaEstimates();
        if (sigma.length > 0) record.sigma = sigma.map((s) => round(s, 5));
        logger.write(record);
        lastLogTime = now;
        lastLogStep = trainer.step;
      }
      if (trainer.step % config.checkpointEvery === 0 || done) await save();
      // Signal handlers (the CLI's SIGINT/SIGTERM) run only when the loop yields.
      await yieldToEventLoop();
    }
    if ((interrupted && savedStep !== trainer.step) || !existsSync(join(runDir, CHECKPOINT_DIR)))
      await save();
  } finally {
    await parallel?.close();
  }
  return {
    trainer,
    config,
    runDir,
    resumedFrom,
    last,
    wallSeconds: (performance.now() - start) / 1000,
    interrupted,
    workers,
  };
}

/** Load a run (its config.json and checkpoint) for sampling or evaluation. */
export async function openRun(runDir: string, onWarning?: (message: string) => void): Promise<Trainer> {
  const dir = resolve(runDir);
  if (!existsSync(join(dir, 'config.json'))) {
    throw usageError(`${dir} is not a dppgan run directory (no config.json): pass the --out of a train run`);
  }
  const config = loadConfigFile(join(dir, 'config.json'));
  await initBackend({ backend: config.backend });
  const trainer = new Trainer(config, { dataset: createDataset(config.data) });
  try {
    await trainer.restoreCheckpoint(loadCheckpoint(dir, trainer.configHash, { onWarning }));
  } catch (error) {
    trainer.dispose();
    throw error;
  }
  if (trainer.step === 0) {
    trainer.dispose();
    throw runtimeError(`${dir}: the checkpoint holds an untrained model (step 0)`);
  }
  return trainer;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
