// `dppgan export --run DIR --out DIR [--what generator|discriminator] [--weights average|trained]`: write a
// trained network as a standard tfjs LayersModel (model.json + weight shards) that `tf.loadLayersModel` reads in
// Node or a browser. The generator maps z ~ N(0, I) to data-space samples: the same numbers `dppgan sample`
// writes for the same z and --weights (a run's moving average of G by default, when it keeps one).
import { Command, Option } from 'commander';
import { usageError } from '../../errors.js';
import {
  EXPORTED_NETWORKS,
  type ExportedNetwork,
  exportNetwork,
  type GeneratorWeights,
  isRunOwnedPath,
  openRun,
} from '../../train/index.js';
import { generatorWeights, weightsLabel } from '../artifacts.js';
import { type CliIo, unwritableOutput } from '../io.js';
import { WEIGHTS_HELP, weightsOption } from '../options.js';

interface ExportOptions {
  run: string;
  out: string;
  what: ExportedNetwork;
  weights?: GeneratorWeights;
}

export function exportCommand(io: CliIo): Command {
  return new Command('export')
    .description(
      'write a trained network as a tfjs LayersModel (model.json + weights) for tf.loadLayersModel',
    )
    .requiredOption('--run <dir>', 'run directory (the --out of dppgan train)')
    .requiredOption('--out <dir>', 'output directory for model.json and its weight files')
    .addOption(
      new Option('--what <network>', 'which network to export')
        .choices(EXPORTED_NETWORKS)
        .default('generator'),
    )
    .option('--weights <which>', `generator weights: ${WEIGHTS_HELP}`, weightsOption)
    .action(async (opts: ExportOptions) => {
      if (opts.weights !== undefined && opts.what !== 'generator') {
        throw usageError(`--weights picks generator weights; it does not apply to --what ${opts.what}`);
      }
      if (isRunOwnedPath(opts.run, opts.out)) {
        throw usageError(
          `--out ${opts.out} is inside the checkpoints of the run ${opts.run}: choose another --out`,
        );
      }
      const trainer = await openRun(opts.run, (message) => io.err(`dppgan: warning: ${message}`));
      try {
        const weights = generatorWeights(trainer, opts.weights);
        const exporting = exportNetwork(trainer, opts.out, opts.what, weights);
        const result = await exporting.catch((error: unknown) => {
          // A file-system refusal (read-only place, --out under a file) is the user's to fix: exit 2, one line.
          const code = (error as NodeJS.ErrnoException).code;
          throw typeof code === 'string' && /^E[A-Z]+$/.test(code)
            ? unwritableOutput(opts.out, error)
            : error;
        });
        const { metadata } = result;
        const { shape } = metadata.data;
        const size = shape.reduce((a, b) => a * b, 1);
        const sample = shape.length === 1 ? `${size}` : `${size} = ${shape.join('×')}`;
        const signature =
          opts.what === 'generator'
            ? `z [n, ${metadata.latentDim}] ~ N(0, I) → samples [n, ${sample}]`
            : `samples [n, ${sample}] → logits [n, 1]`;
        const source = opts.what === 'generator' ? weightsLabel(trainer, weights) : '';
        io.out(
          `exported the ${opts.what} of ${metadata.model} on ${metadata.data.name} (step ${metadata.step}${source}): ${signature}`,
        );
        io.out(
          `wrote ${result.modelJson} + ${result.weightFiles.join(', ')} (${result.weightBytes} bytes of weights)`,
        );
        if (trainer.config.lipschitz === 'spectral-norm' && opts.what === 'discriminator') {
          io.out("it uses SpectralNormalization layers: `import 'dppgan/layers'` before tf.loadLayersModel");
        }
      } finally {
        trainer.dispose();
      }
    });
}
