// A training run on disk: `runDir/config.json` (resolved config), `checkpoint/` (atomic), `log.jsonl`.
// `trainRun` creates or resumes a run and trains it to `config.iterations`; `openRun` loads a finished (or
// interrupted) run for sampling and evaluation.
// Invariant: an existing run directory is never overwritten unless `resume` (continue it) or `force` (start
// over) is given, and `force` only ever deletes a directory that looks like a dppgan run.
// Crash safety: config.json and checkpoints are replaced atomically (write a temporary file, rename), so a run
// killed at any moment (kill -9) resumes from its last complete checkpoint; the loop yields to the event loop
// after every step, so an abort signal (SIGINT/SIGTERM in the CLI) is seen within one step.
// Numerical guard (see trainer.ts): events go to log.jsonl as {event: 'nonfinite', step, what, action}; with
// nanPolicy 'rollback' the run returns to its last good checkpoint (kept in memory) with halved learning rates.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { initBackend } from '../backend/index.js';
import { createDataset } from '../data/index.js';
import { runtimeError, usageError } from '../errors.js';
import {
  CHECKPOINT_DIR,
  type CheckpointData,
  DAMAGED_CHECKPOINT_DIR,
  hasCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoint.js';
import { configHash, loadConfigFile, type TrainConfig } from './config.js';
import { type LogRecord, RunLogger } from './logger.js';
import { ParallelTrainer } from './parallel/parallel-trainer.js';
import { WorkerThreadError } from './parallel/pool.js';
import { resolveWorkers } from './parallel/workers.js';
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

/** Create (or, with resume, continue) the run in `opts.runDir` and train it up to `config.iterations`. */
export async function trainRun(config: TrainConfig | null, opts: TrainRunOptions): Promise<TrainRunResult> {
  const runDir = resolve(opts.runDir);
  let resumed = false;
  if (opts.resume) {
    if (!existsSync(join(runDir, 'config.json'))) {
      throw usageError(`--resume: ${runDir} holds no run to resume (start it without --resume)`);
    }
    const saved = loadConfigFile(join(runDir, 'config.json'));
    if (config === null) config = saved;
    else if (configHash(config) !== configHash(saved)) {
      throw usageError(
        `--resume: the config differs from the one ${runDir} was trained with (only "iterations", "logEvery", "checkpointEvery", "backend", "nanPolicy", "nanLimit" and "workers" may change): resume without --config, or use --force to start over`,
      );
    }
    // A run killed before its first checkpoint starts again from step 0.
    resumed = hasCheckpoint(runDir);
    if (!resumed) opts.onWarning?.(`--resume: ${runDir} has no checkpoint yet; starting it from step 0`);
  } else {
    if (config === null) throw usageError('missing --config FILE (required unless --resume)');
    if (isNonEmptyDir(runDir)) {
      if (!opts.force) {
        throw usageError(
          `run directory ${runDir} already exists: use --resume to continue it, --force to overwrite it, or another --out`,
        );
      }
      if (!looksLikeRun(runDir)) {
        throw usageError(`--force: refusing to delete ${runDir}, which is not a dppgan run directory`);
      }
      rmSync(runDir, { recursive: true, force: true });
    }
  }
  makeDir(runDir);
  writeFileAtomic(join(runDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const backend = await initBackend({ backend: config.backend });
  const trainer = new Trainer(config, { dataset: createDataset(config.data) });
  const workers = resolveWorkers(config, backend);
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
      // Set a damaged checkpoint/ aside, so that the next save cannot demote it to checkpoint.prev/ over the
      // good one just loaded.
      if (fellBack && existsSync(join(runDir, CHECKPOINT_DIR))) {
        rmSync(join(runDir, DAMAGED_CHECKPOINT_DIR), { recursive: true, force: true });
        renameSync(join(runDir, CHECKPOINT_DIR), join(runDir, DAMAGED_CHECKPOINT_DIR));
      }
      await trainer.restoreCheckpoint(data);
      resumedFrom = trainer.step;
      if (config.nanPolicy === 'rollback') lastGood = data;
    }
    if (config.nanPolicy === 'rollback') lastGood ??= await trainer.captureCheckpoint();
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
      `training stopped at step ${trainer.step}: non-finite ${what} (${reason}); the last good checkpoint is in ${join(runDir, CHECKPOINT_DIR)}: lower the learning rates or check the data`,
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
