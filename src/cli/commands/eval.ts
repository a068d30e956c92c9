// `dppgan eval --run DIR [--samples N] [--seed N] [--feature-model PATH …]`: metrics of a trained run (mode coverage
// and HQ% for mixtures, sliced Wasserstein distance for vector data, modes/KL for Stacked-MNIST — the channel
// classifier is trained once and cached on first use), printed and written to DIR/eval.json. With
// --feature-model (image data only), FID and KID on that tfjs model's features too, under "featureModel".
// A run trained with "generatorEma" is evaluated on its moving average of G; `--weights trained` evaluates its
// trained G instead and writes DIR/eval-trained.json, so eval.json (read by `dppgan bench`) always describes the
// run's default weights.
import { join } from 'node:path';
import { Command } from 'commander';
import { usageError } from '../../errors.js';
import { Random } from '../../random.js';
import { type GeneratorWeights, openRun } from '../../train/index.js';
import { evaluate, generatorWeights, metricsLine, weightsLabel } from '../artifacts.js';
import {
  addFeatureModelOptions,
  type FeatureModelCliOptions,
  featureModelLines,
  featureModelMetrics,
  loadCliFeatureModel,
} from '../feature-model.js';
import { type CliIo, writeOutputFile } from '../io.js';
import { integerOption, WEIGHTS_HELP, weightsOption } from '../options.js';

interface EvalOptions extends FeatureModelCliOptions {
  run: string;
  samples: number;
  seed: number;
  weights?: GeneratorWeights;
}

export function evalCommand(io: CliIo): Command {
  const command = new Command('eval')
    .description('evaluate a trained run on its dataset; prints the metrics and writes DIR/eval.json')
    .requiredOption('--run <dir>', 'run directory (the --out of dppgan train)')
    .option('--samples <n>', 'number of generated samples (GDPP protocol: 2500)', integerOption(1), 2500)
    .option('--seed <n>', 'latent-code seed', integerOption(0), 0)
    .option('--weights <which>', WEIGHTS_HELP, weightsOption);
  return addFeatureModelOptions(command).action(async (opts: EvalOptions) => {
    const trainer = await openRun(opts.run, (message) => io.err(`dppgan: warning: ${message}`));
    let featureModel: Awaited<ReturnType<typeof loadCliFeatureModel>> = null;
    try {
      const { dim, name } = trainer.dataset;
      const weights = generatorWeights(trainer, opts.weights);
      if (opts.featureModel !== undefined && dim.length !== 3) {
        throw usageError(
          `--feature-model needs image data, but run ${opts.run} is on ${name} (samples of shape [${dim.join(', ')}])`,
        );
      }
      if (opts.featureModel !== undefined && opts.samples < 2) {
        throw usageError(
          `--feature-model needs --samples ≥ 2 (FID and KID compare pairs and covariances of samples), got ${opts.samples}`,
        );
      }
      // Before generating: a bad model or an incompatible input shape fails fast.
      featureModel = await loadCliFeatureModel(opts);
      featureModel?.checkImageShape(dim);
      const evaluation = evaluate(trainer, opts.samples, opts.seed, { classifier: true, weights });
      const { metrics } = evaluation;
      const user = featureModel
        ? await featureModelMetrics(
            featureModel,
            evaluation.generated,
            evaluation.real,
            opts.samples,
            dim,
            new Random(opts.seed).fork('kid'),
          )
        : null;
      const record = user ? { ...metrics, featureModel: user } : metrics;
      const file = join(
        opts.run,
        trainer.generatorEma && weights === 'trained' ? 'eval-trained.json' : 'eval.json',
      );
      writeOutputFile(file, `${JSON.stringify(record, null, 2)}\n`, '--run');
      const source = weightsLabel(trainer, weights);
      io.out(
        `${trainer.config.model} on ${metrics.dataset}, step ${metrics.step}${source}: ${metricsLine(metrics)}`,
      );
      if (user) for (const line of featureModelLines(user)) io.out(line);
      io.out(`(${metrics.samples} samples, seed ${metrics.seed}; written to ${file})`);
    } finally {
      featureModel?.dispose();
      trainer.dispose();
    }
  });
}
