// A training run on disk: `runDir/config.json` (resolved config), `checkpoint/` (atomic), `log.jsonl`.
// `trainRun` creates or resumes a run and trains it to `config.iterations`; `openRun` loads a finished (or
// interrupted) run for sampling and evaluation.
// Invariant: an existing run directory is never overwritten unless `resume` (continue it) or `force` (start
// over) is given, and `force` only ever deletes a directory that looks like a dppgan run.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { initBackend } from '../backend/index.js';
import { createDataset } from '../data/index.js';
import { runtimeError, usageError } from '../errors.js';
import { CHECKPOINT_DIR, hasCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { configHash, loadConfigFile, type TrainConfig } from './config.js';
import { type LogRecord, RunLogger } from './logger.js';
import { type StepStats, Trainer } from './trainer.js';

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
}

function isNonEmptyDir(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).length > 0;
}

function looksLikeRun(dir: string): boolean {
  return existsSync(join(dir, 'config.json')) || hasCheckpoint(dir) || existsSync(join(dir, 'log.jsonl'));
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
    if (!hasCheckpoint(runDir)) {
      throw usageError(`--resume: ${runDir} holds no checkpoint to resume (start it without --resume)`);
    }
    const saved = loadConfigFile(join(runDir, 'config.json'));
    if (config === null) config = saved;
    else if (configHash(config) !== configHash(saved)) {
      throw usageError(
        `--resume: the config differs from the one ${runDir} was trained with (only "iterations", "logEvery", "checkpointEvery" and "backend" may change): resume without --config, or use --force to start over`,
      );
    }
    resumed = true;
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
  writeFileSync(join(runDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  await initBackend({ backend: config.backend });
  const trainer = new Trainer(config, { dataset: createDataset(config.data) });
  let resumedFrom: number | undefined;
  if (resumed) {
    await trainer.restoreCheckpoint(loadCheckpoint(runDir, trainer.configHash));
    resumedFrom = trainer.step;
  }
  const logger = new RunLogger(join(runDir, 'log.jsonl'));
  logger.open(resumedFrom);

  const start = performance.now();
  let lastLogTime = start;
  let lastLogStep = trainer.step;
  let last: StepStats | undefined;
  let interrupted = false;
  const save = async () => saveCheckpoint(runDir, await trainer.captureCheckpoint());
  while (trainer.step < config.iterations) {
    last = trainer.trainStep();
    opts.onStep?.(last, trainer);
    const done = trainer.step === config.iterations;
    interrupted = opts.signal?.aborted === true && !done;
    if (trainer.step % config.logEvery === 0 || done || interrupted) {
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
    if (trainer.step % config.checkpointEvery === 0 || done || interrupted) await save();
    if (interrupted) break;
  }
  if (!existsSync(join(runDir, CHECKPOINT_DIR))) await save();
  return {
    trainer,
    config,
    runDir,
    resumedFrom,
    last,
    wallSeconds: (performance.now() - start) / 1000,
    interrupted,
  };
}

/** Load a run (its config.json and checkpoint) for sampling or evaluation. */
export async function openRun(runDir: string): Promise<Trainer> {
  const dir = resolve(runDir);
  if (!existsSync(join(dir, 'config.json'))) {
    throw usageError(`${dir} is not a dppgan run directory (no config.json): pass the --out of a train run`);
  }
  const config = loadConfigFile(join(dir, 'config.json'));
  await initBackend({ backend: config.backend });
  const trainer = new Trainer(config, { dataset: createDataset(config.data) });
  try {
    await trainer.restoreCheckpoint(loadCheckpoint(dir, trainer.configHash));
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
