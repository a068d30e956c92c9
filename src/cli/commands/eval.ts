// `dppgan eval --run DIR [--samples N] [--seed N] [--feature-model PATH …]`: metrics of a trained run (mode coverage
// and HQ% for mixtures, sliced Wasserstein distance for vector data, modes/KL for Stacked-MNIST — the channel
// classifier is trained once and cached on first use), printed and written to DIR/eval.json. With
// --feature-model (image data only), FID and KID on that tfjs model's features too, under "featureModel".
// A run trained with "generatorEma" is evaluated on its moving average of G; `--weights trained` evaluates its
// trained G instead and writes DIR/eval-trained.json, so eval.json (read by `dppgan bench`) always describes the
// run's default weights. On Stacked-MNIST it also draws the mode map (report/mode-map.ts: which of the 1,000
// digit triples the samples hit, and how often) to DIR/modes.png (modes-trained.png for --weights trained);
// --classifier KEY labels with that cached classifier instead of the default one.
import { join } from 'node:path';
import { Command } from 'commander';
import { usageError } from '../../errors.js';
import { Random } from '../../random.js';
import { modeMapPng, writePng } from '../../report/index.js';
import { type GeneratorWeights, openRun } from '../../train/index.js';
import { evaluate, generatorWeights, metricsLine, weightsLabel } from '../artifacts.js';
import { loadBenchClassifier } from '../bench/stacked-mnist-evaluation.js';
import {
  addFeatureModelOptions,
  type FeatureModelCliOptions,
  featureModelLines,
  featureModelMetrics,
  loadCliFeatureModel,
} from '../feature-model.js';
import { type CliIo, writeOutputFile } from '../io.js';
import { checkSampleCount, integerOption, WEIGHTS_HELP, weightsOption } from '../options.js';
import { type CountProgress, createCountProgress } from '../progress.js';

interface EvalOptions extends FeatureModelCliOptions {
  run: string;
  samples: number;
  seed: number;
  weights?: GeneratorWeights;
  classifier?: string;
}

export function evalCommand(io: CliIo): Command {
  const command = new Command('eval')
    .description('evaluate a trained run on its dataset; prints the metrics and writes DIR/eval.json')
    .requiredOption('--run <dir>', 'run directory (the --out of dppgan train)')
    .option('--samples <n>', 'number of generated samples (GDPP protocol: 2500)', integerOption(1), 2500)
    .option('--seed <n>', 'latent-code seed', integerOption(0), 0)
    .option('--weights <which>', WEIGHTS_HELP, weightsOption)
    .option(
      '--classifier <key>',
      'stacked-mnist: cache key of the MNIST classifier that labels the channels (default: the one `dppgan classifier train` caches, trained now if missing)',
    );
  return addFeatureModelOptions(command).action(async (opts: EvalOptions) => {
    const trainer = await openRun(opts.run, (message) => io.err(`dppgan: warning: ${message}`));
    let featureModel: Awaited<ReturnType<typeof loadCliFeatureModel>> = null;
    let classifier: ReturnType<typeof loadBenchClassifier> | null = null;
    try {
      const { dim, name } = trainer.dataset;
      checkSampleCount(
        '--samples',
        opts.samples,
        dim.reduce((a, b) => a * b, 1),
      );
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
      if (opts.classifier !== undefined) {
        if (name !== 'stacked-mnist') {
          throw usageError(`--classifier applies to Stacked-MNIST runs only; run ${opts.run} is on ${name}`);
        }
        classifier = loadBenchClassifier(opts.classifier);
      }
      // One bar per phase (generate, then classify) on a terminal: 26,000 Stacked-MNIST samples take minutes.
      let phase: string | null = null;
      let bar: CountProgress | null = null;
      let evaluation: ReturnType<typeof evaluate>;
      try {
        evaluation = evaluate(trainer, opts.samples, opts.seed, {
          classifier: classifier ?? true,
          weights,
          onProgress: (next, done, total) => {
            if (next !== phase) {
              bar?.stop();
              bar = createCountProgress(io, next, total);
              phase = next;
            }
            bar?.update(done);
          },
        });
      } finally {
        (bar as CountProgress | null)?.stop();
      }
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
      // A moving-average run's trained G gets its own files, so eval.json/modes.png describe the default weights.
      const suffix = trainer.generatorEma && weights === 'trained' ? '-trained' : '';
      const file = join(opts.run, `eval${suffix}.json`);
      writeOutputFile(file, `${JSON.stringify(record, null, 2)}\n`, '--run');
      const source = weightsLabel(trainer, weights);
      let modeMap: string | null = null;
      if (evaluation.modeCounts) {
        modeMap = join(opts.run, `modes${suffix}.png`);
        const title = `${trainer.config.model}, step ${metrics.step}${source}, latent seed ${metrics.seed}`;
        writePng(modeMap, modeMapPng(evaluation.modeCounts, { title }));
      }
      io.out(
        `${trainer.config.model} on ${metrics.dataset}, step ${metrics.step}${source}: ${metricsLine(metrics)}`,
      );
      if (user) for (const line of featureModelLines(user)) io.out(line);
      io.out(
        `(${metrics.samples} samples, seed ${metrics.seed}; written to ${file}${modeMap ? `; mode map ${modeMap}` : ''})`,
      );
    } finally {
      classifier?.model.dispose();
      featureModel?.dispose();
      trainer.dispose();
    }
  });
}
