// `dppgan train --config FILE [--out DIR] [--seed N] [--iterations N] [--workers N|auto] [--resume] [--force]`
// Trains (or resumes) a run, then writes its samples, loss curves, eval.json and report.md into the run directory.
// SIGINT (Ctrl-C) / SIGTERM stop after the current step with a checkpoint saved and exit 130 / 143; a second
// one kills at once. `--resume` continues bit-exactly. Warnings (checkpoint fallback, numerical-guard events)
// go to stderr as one line each.
import { writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { usageError } from '../../errors.js';
import {
  loadConfigFile,
  parseConfig,
  savedRunConfig,
  type TrainConfig,
  trainRun,
} from '../../train/index.js';
import { evaluate, metricsLine, writeRunArtifacts } from '../artifacts.js';
import { ExitError, SIGNAL_EXIT_CODES } from '../exit.js';
import type { CliIo } from '../io.js';
import { integerOption } from '../options.js';
import { createProgress } from '../progress.js';

interface TrainOptions {
  config?: string;
  out?: string;
  seed?: number;
  iterations?: number;
  workers?: number | 'auto';
  resume?: boolean;
  force?: boolean;
}

/** `--workers`: a thread count ≥ 1 or 'auto'. */
function workersOption(value: string): number | 'auto' {
  if (value.trim() === 'auto') return 'auto';
  try {
    return integerOption(1)(value);
  } catch {
    throw new InvalidArgumentError(`expected an integer ≥ 1 or "auto", got "${value}"`);
  }
}

export function trainCommand(io: CliIo): Command {
  return new Command('train')
    .description(
      'train a GAN from a JSON config; writes config.json, checkpoint/, log.jsonl, samples/, report.md',
    )
    .option('--config <file>', 'JSON config (required unless --resume)')
    .option('--out <dir>', 'run directory (default: runs/<config file name>)')
    .option('--seed <n>', 'override the config seed', integerOption(0))
    .option('--iterations <n>', 'override the number of training steps', integerOption(1))
    .option(
      '--workers <n|auto>',
      'worker threads that split each batch (auto, the default: every core for conv models, 1 for MLPs; 1 = this thread); overrides the config',
      workersOption,
    )
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option('--force', 'delete an existing run in --out and start over')
    .addHelpText(
      'after',
      '\nConfig keys, defaults and examples: docs/configuration.md; ready-made configs: experiments/.',
    )
    .action(async (opts: TrainOptions) => {
      if (opts.resume && opts.force) throw usageError('--resume and --force exclude each other: pick one');
      if (!opts.config && !opts.resume) throw usageError('missing --config FILE (required unless --resume)');
      if (!opts.out && !opts.config)
        throw usageError('--resume needs --out DIR (the run directory to continue)');
      const runDir = opts.out ?? join('runs', basename(opts.config!, extname(opts.config!)));
      let config: TrainConfig | null = null;
      if (opts.config) {
        const overrides: Partial<TrainConfig> = {};
        if (opts.seed !== undefined) overrides.seed = opts.seed;
        if (opts.iterations !== undefined) overrides.iterations = opts.iterations;
        if (opts.workers !== undefined) overrides.workers = opts.workers;
        config = loadConfigFile(opts.config, overrides);
      } else if (opts.seed !== undefined || opts.iterations !== undefined || opts.workers !== undefined) {
        // Resuming from the run's own config.json; --iterations may extend it.
        const saved = savedRunConfig(resolve(runDir));
        if (opts.seed !== undefined && opts.seed !== saved.seed) {
          throw usageError(
            `--seed ${opts.seed} differs from the run's seed ${saved.seed}: a resumed run keeps its seed`,
          );
        }
        config = parseConfig(
          {
            ...saved,
            iterations: opts.iterations ?? saved.iterations,
            workers: opts.workers ?? saved.workers,
          },
          'config.json',
        );
      }
      const total = config?.iterations;
      const controller = new AbortController();
      let received: keyof typeof SIGNAL_EXIT_CODES | null = null;
      const handlers = (Object.keys(SIGNAL_EXIT_CODES) as (keyof typeof SIGNAL_EXIT_CODES)[]).map((name) => {
        const handler = () => {
          received ??= name;
          controller.abort();
        };
        process.once(name, handler);
        return [name, handler] as const;
      });
      const warn = (message: string) => io.err(`dppgan: warning: ${message}`);
      let progress: ReturnType<typeof createProgress> | null = null;
      try {
        const result = await trainRun(config, {
          runDir,
          resume: opts.resume,
          force: opts.force,
          signal: controller.signal,
          onWarning: warn,
          onNonFinite: (event) => {
            if (event.action !== 'stop') {
              warn(`step ${event.step}: non-finite ${event.what}, update not applied (${event.action})`);
            }
          },
          onStep: (stats, trainer) => {
            progress ??= createProgress(io, 'train', total ?? trainer.config.iterations, stats.step - 1);
            progress.update(stats);
          },
        });
        (progress as ReturnType<typeof createProgress> | null)?.stop();
        const { trainer } = result;
        try {
          if (result.interrupted) {
            const signal = received ?? 'SIGINT';
            throw new ExitError(
              `interrupted by ${signal} at step ${trainer.step}; checkpoint saved: continue with dppgan train --out ${runDir} --resume`,
              SIGNAL_EXIT_CODES[signal],
            );
          }
          const evaluation = evaluate(trainer, 2500, 0);
          writeFileSync(join(result.runDir, 'eval.json'), `${JSON.stringify(evaluation.metrics, null, 2)}\n`);
          writeRunArtifacts(trainer, result.runDir, evaluation);
          const from = result.resumedFrom !== undefined ? ` (resumed at step ${result.resumedFrom})` : '';
          const threads = result.workers > 1 ? ` on ${result.workers} worker threads` : '';
          io.out(
            `trained ${trainer.config.model} on ${trainer.dataset.name}: ${trainer.step} steps${from} in ${result.wallSeconds.toFixed(1)} s${threads}`,
          );
          io.out(`${metricsLine(evaluation.metrics)} (2500 samples, seed 0)`);
          io.out(`run directory: ${result.runDir} (report.md, samples/, checkpoint/, log.jsonl)`);
        } finally {
          trainer.dispose();
        }
      } finally {
        (progress as ReturnType<typeof createProgress> | null)?.stop();
        for (const [name, handler] of handlers) process.removeListener(name, handler);
      }
    });
}
