// `dppgan sample --run DIR --n N --out FILE [--seed N] [--weights average|trained]`: generate N samples from a
// trained run (from its moving average of G when it keeps one, unless --weights trained).
// FILE by extension: .json ([[x,y],…] for 2-D data; one flat array per sample otherwise), .csv (a header, one
// row per sample), .png (a scatter over the real data for 2-D runs, an image grid for image runs).
// Deterministic: the same run and --seed give byte-identical files.
import { extname } from 'node:path';
import { Command } from 'commander';
import { usageError } from '../../errors.js';
import { Random } from '../../random.js';
import { type GeneratorWeights, isRunOwnedPath, openRun } from '../../train/index.js';
import { evaluate, generatorWeights, samplesPng, weightsLabel } from '../artifacts.js';
import { type CliIo, writeOutputFile } from '../io.js';
import { checkSampleCount, integerOption, WEIGHTS_HELP, weightsOption } from '../options.js';

const FORMATS = ['.json', '.csv', '.png'];

interface SampleOptions {
  run: string;
  n: number;
  out: string;
  seed: number;
  weights?: GeneratorWeights;
}

function rows(values: Float32Array, n: number, d: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from(values.subarray(i * d, (i + 1) * d)));
}

export function sampleCommand(io: CliIo): Command {
  return new Command('sample')
    .description('generate samples from a trained run into a .json, .csv or .png file')
    .requiredOption('--run <dir>', 'run directory (the --out of dppgan train)')
    .requiredOption('--n <count>', 'number of samples', integerOption(1))
    .requiredOption('--out <file>', 'output file: .json, .csv or .png')
    .option('--seed <n>', 'latent-code seed', integerOption(0), 0)
    .option('--weights <which>', WEIGHTS_HELP, weightsOption)
    .action(async (opts: SampleOptions) => {
      const format = extname(opts.out).toLowerCase();
      if (!FORMATS.includes(format)) {
        throw usageError(
          `--out ${opts.out}: expected a file ending in ${FORMATS.join(', ')}, got "${format || 'no extension'}"`,
        );
      }
      if (isRunOwnedPath(opts.run, opts.out)) {
        throw usageError(
          `--out ${opts.out} would replace a file the run ${opts.run} needs (its config.json, log.jsonl or a checkpoint): choose another --out`,
        );
      }
      const trainer = await openRun(opts.run, (message) => io.err(`dppgan: warning: ${message}`));
      try {
        const weights = generatorWeights(trainer, opts.weights);
        const d = trainer.dataset.dim.reduce((a, b) => a * b, 1);
        checkSampleCount('--n', opts.n, d);
        let bytes: string | Buffer;
        if (format === '.png') {
          const png = samplesPng(
            trainer,
            evaluate(trainer, opts.n, opts.seed, { weights }),
            `${opts.n} samples, seed ${opts.seed}`,
          );
          if (png === null)
            throw usageError(`--out ${opts.out}: this run's data cannot be drawn; use .json or .csv`);
          bytes = png;
        } else {
          const values = trainer.generate(opts.n, new Random(opts.seed), undefined, weights);
          if (format === '.json') {
            bytes = `${JSON.stringify(rows(values, opts.n, d))}\n`;
          } else {
            const header = d === 2 ? 'x,y' : Array.from({ length: d }, (_, j) => `v${j}`).join(',');
            const lines = rows(values, opts.n, d).map((row) => row.join(','));
            bytes = `${header}\n${lines.join('\n')}\n`;
          }
        }
        writeOutputFile(opts.out, bytes);
        const source = weightsLabel(trainer, weights);
        io.out(`wrote ${opts.n} samples (seed ${opts.seed}, step ${trainer.step}${source}) to ${opts.out}`);
      } finally {
        trainer.dispose();
      }
    });
}
