// `dppgan eval --run DIR [--samples N] [--seed N]`: metrics of a trained run (mode coverage and HQ% for
// mixtures, sliced Wasserstein distance for vector data, modes/KL for Stacked-MNIST — the channel classifier is
// trained once and cached on first use), printed and written to DIR/eval.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { openRun } from '../../train/index.js';
import { evaluate, metricsLine } from '../artifacts.js';
import type { CliIo } from '../io.js';
import { integerOption } from '../options.js';

export function evalCommand(io: CliIo): Command {
  return new Command('eval')
    .description('evaluate a trained run on its dataset; prints the metrics and writes DIR/eval.json')
    .requiredOption('--run <dir>', 'run directory (the --out of dppgan train)')
    .option('--samples <n>', 'number of generated samples (GDPP protocol: 2500)', integerOption(1), 2500)
    .option('--seed <n>', 'latent-code seed', integerOption(0), 0)
    .action(async (opts: { run: string; samples: number; seed: number }) => {
      const trainer = await openRun(opts.run, (message) => io.err(`dppgan: warning: ${message}`));
      try {
        const { metrics } = evaluate(trainer, opts.samples, opts.seed, { classifier: true });
        writeFileSync(join(opts.run, 'eval.json'), `${JSON.stringify(metrics, null, 2)}\n`);
        io.out(
          `${trainer.config.model} on ${metrics.dataset}, step ${metrics.step}: ${metricsLine(metrics)}`,
        );
        io.out(
          `(${metrics.samples} samples, seed ${metrics.seed}; written to ${join(opts.run, 'eval.json')})`,
        );
      } finally {
        trainer.dispose();
      }
    });
}
