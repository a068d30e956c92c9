// What the commands compute and draw from a trained run: evaluation metrics (mode coverage / HQ and sliced
// Wasserstein distance for 2-D mixtures), sample pictures (scatter for 2-D, image grid otherwise), loss curves
// and the run's report.md / index.html.
// Determinism: generated samples come from `Random(seed)` only (the same as `dppgan sample --seed`), real
// reference samples from `Random(seed).fork('real')`.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../errors.js';
import {
  modeCoverage,
  modeHistogram,
  modeStatistics,
  modesIfChannelsIndependent,
  slicedWasserstein,
  tripleModes,
} from '../metrics/index.js';
import { classifyDigits } from '../nn/index.js';
import { Random } from '../random.js';
import {
  coverageLabel,
  imageGridPng,
  lineChartPng,
  type RunReport,
  scatterPlotPng,
  writePng,
  writeRunReport,
} from '../report/index.js';
import {
  type GeneratorWeights,
  loadOrTrainClassifier,
  readLog,
  type TrainedClassifier,
  type Trainer,
} from '../train/index.js';

export interface EvalMetrics {
  dataset: string;
  step: number;
  samples: number;
  seed: number;
  /** Runs with a moving average of G ("generatorEma") only: which weights generated the samples. */
  weights?: GeneratorWeights;
  /** Mixture data: centres with ≥ 1 high-quality sample (within 3σ), out of totalModes. */
  modes?: number;
  totalModes?: number;
  /** Mixture data: percentage of high-quality samples. */
  hq?: number;
  /** Vector data: sliced Wasserstein-1 distance between generated and real samples. */
  slicedWasserstein?: number;
  /** Stacked-MNIST: distinct digit triples among the samples (of 1000), and KL(generated ‖ uniform). */
  stackedModes?: number;
  stackedKl?: number;
  /**
   * Stacked-MNIST: the modes the samples would cover if their three digits were independent with the observed
   * per-channel digit frequencies (near stackedModes: the missing modes are a per-channel digit imbalance).
   */
  stackedModesIfIndependent?: number;
  /** Test accuracy of the MNIST classifier that labelled the channels. */
  classifierAccuracy?: number;
}

export interface EvaluateOptions {
  /**
   * Stacked-MNIST: label each channel with the MNIST classifier — `true`: the default one (cached, else trained
   * now); a TrainedClassifier: that one (the caller keeps and disposes it). Default false.
   */
  classifier?: boolean | TrainedClassifier;
  /** Default: the moving average when the run keeps one, else the trained weights. */
  weights?: GeneratorWeights;
  /** Called as samples are generated and (Stacked-MNIST) classified: `done` of `total` in that phase. */
  onProgress?: (phase: 'generate' | 'classify', done: number, total: number) => void;
}

/**
 * The weights a command samples from: `requested` (the --weights option) or the run's default. Asking for the
 * average of a run that keeps none is a usage error, not a silent fall-back to the trained weights.
 */
export function generatorWeights(
  trainer: Trainer,
  requested: GeneratorWeights | undefined,
): GeneratorWeights {
  const hasAverage = trainer.generatorEma !== null;
  if (requested === 'average' && !hasAverage) {
    throw usageError(
      '--weights average: this run keeps no moving average of G (its config has no "generatorEma"); use --weights trained',
    );
  }
  return requested ?? (hasAverage ? 'average' : 'trained');
}

/** ", moving average of G" / ", trained G" for a run that keeps an average (outputs name the weights), else "". */
export function weightsLabel(trainer: Trainer, weights: GeneratorWeights): string {
  if (!trainer.generatorEma) return '';
  return weights === 'average' ? ', moving average of G' : ', trained G';
}

/** Stacked-MNIST modes (GDPP Table 3): classify each of the 3 channels, count distinct triples, KL to uniform. */
function stackedMnistMetrics(
  images: Float32Array,
  n: number,
  dim: number[],
  given: TrainedClassifier | null,
  onChunk?: (done: number) => void,
) {
  const [height, width] = dim;
  const classifier = given ?? loadOrTrainClassifier();
  const digits = new Int32Array(3 * n);
  const chunk = 500;
  for (let start = 0; start < n; start += chunk) {
    const m = Math.min(chunk, n - start);
    const labels = tf.tidy(() => {
      const x = tf.tensor4d(images.subarray(start * height * width * 3, (start + m) * height * width * 3), [
        m,
        height,
        width,
        3,
      ]);
      // [m, h, w, 3] → [m, 3, h, w] → [3m, h, w, 1]: image-major, channel-minor, as tripleModes expects.
      const channels = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [3 * m, height, width, 1]) as tf.Tensor4D;
      const { logits, features } = classifyDigits(classifier.model, channels);
      features.dispose();
      return tf.argMax(logits, 1);
    });
    digits.set(labels.dataSync(), 3 * start);
    labels.dispose();
    onChunk?.(start + m);
  }
  if (!given) classifier.model.dispose();
  const modes = tripleModes(digits, n);
  const stats = modeStatistics(modes, 1000);
  const modeCounts = modeHistogram(modes, 1000);
  return {
    metrics: {
      stackedModes: stats.modes,
      stackedKl: round(stats.kl, 4),
      stackedModesIfIndependent: round(modesIfChannelsIndependent(modeCounts), 1),
      classifierAccuracy: classifier.testAccuracy,
    },
    modeCounts,
  };
}

export interface Evaluation {
  metrics: EvalMetrics;
  generated: Float32Array;
  real: Float32Array;
  /** Stacked-MNIST with a classifier: samples per mode (digit triple 100a + 10b + c), for modeMapPng. */
  modeCounts?: Float64Array;
}

/** Generate `samples` points and compare them with as many real ones. */
export function evaluate(
  trainer: Trainer,
  samples: number,
  seed: number,
  opts: EvaluateOptions = {},
): Evaluation {
  const dataset = trainer.dataset;
  const weights = generatorWeights(trainer, opts.weights);
  const progress = opts.onProgress;
  const generated = trainer.generate(
    samples,
    new Random(seed),
    undefined,
    weights,
    progress && ((done) => progress('generate', done, samples)),
  );
  const real = dataset.sampleArray(samples, new Random(seed).fork('real'));
  const metrics: EvalMetrics = { dataset: dataset.name, step: trainer.step, samples, seed };
  if (trainer.generatorEma) metrics.weights = weights;
  if (dataset.centres && dataset.std !== undefined) {
    const coverage = modeCoverage(generated, dataset.centres, dataset.std);
    metrics.modes = coverage.modes;
    metrics.totalModes = coverage.totalModes;
    metrics.hq = round(coverage.hq, 2);
  }
  if (dataset.dim.length === 1) {
    metrics.slicedWasserstein = round(slicedWasserstein(generated, real, { dim: dataset.dim[0] }), 5);
  }
  if (opts.classifier && dataset.name === 'stacked-mnist') {
    const given = opts.classifier === true ? null : opts.classifier;
    const { metrics: stacked, modeCounts } = stackedMnistMetrics(
      generated,
      samples,
      dataset.dim,
      given,
      progress && ((done) => progress('classify', done, samples)),
    );
    Object.assign(metrics, stacked);
    return { metrics, generated, real, modeCounts };
  }
  return { metrics, generated, real };
}

/** A one-line summary, e.g. "modes 8/8, HQ 81.2%, SW 0.0123". */
export function metricsLine(metrics: EvalMetrics): string {
  const parts: string[] = [];
  if (metrics.modes !== undefined) parts.push(`modes ${metrics.modes}/${metrics.totalModes}`);
  if (metrics.hq !== undefined) parts.push(`HQ ${metrics.hq.toFixed(1)}%`);
  if (metrics.slicedWasserstein !== undefined)
    parts.push(`sliced W1 ${metrics.slicedWasserstein.toFixed(4)}`);
  if (metrics.stackedModes !== undefined) {
    parts.push(`modes ${metrics.stackedModes}/1000, KL ${metrics.stackedKl!.toFixed(3)}`);
    if (metrics.stackedModesIfIndependent !== undefined) {
      parts.push(`${Math.round(metrics.stackedModesIfIndependent)} modes if the channels were independent`);
    }
  }
  return parts.join(', ') || 'no metrics for this dataset';
}

/** A picture of generated samples: a scatter over the real data (2-D) or an image grid. */
export function samplesPng(trainer: Trainer, evaluation: Evaluation, title?: string): Buffer | null {
  const { dim, centres, std } = trainer.dataset;
  if (dim.length === 1 && dim[0] === 2) {
    return scatterPlotPng({
      real: evaluation.real,
      generated: evaluation.generated,
      centres,
      std,
      title,
      width: 400,
      height: 400,
    });
  }
  if (dim.length === 3 && (dim[2] === 1 || dim[2] === 3)) {
    const n = Math.min(64, evaluation.metrics.samples);
    return imageGridPng(evaluation.generated, n, dim[0], dim[1], dim[2], { columns: 8, scale: 2 });
  }
  return null;
}

/** Loss curves from the run's log.jsonl. */
export function lossesPng(runDir: string): Buffer | null {
  const log = readLog(join(runDir, 'log.jsonl'));
  if (log.length < 2) return null;
  const series = [
    { name: 'D loss', values: log.map((r) => [r.step, r.dLoss] as [number, number]) },
    { name: 'G adversarial', values: log.map((r) => [r.step, r.gAdversarial] as [number, number]) },
  ];
  if (log.some((r) => r.gdpp !== undefined)) {
    series.push({
      name: 'L_DPP',
      values: log.map((r) => [r.step, r.gdpp ?? Number.NaN] as [number, number]),
    });
  }
  return lineChartPng(series, { title: 'losses per step', width: 600, height: 300 });
}

/** Write samples/final.png, samples/losses.png and report.md / index.html into the run directory. */
export function writeRunArtifacts(trainer: Trainer, runDir: string, evaluation: Evaluation): string[] {
  const images: { title: string; path: string }[] = [];
  const label =
    evaluation.metrics.modes !== undefined
      ? coverageLabel('generated', {
          modes: evaluation.metrics.modes,
          totalModes: evaluation.metrics.totalModes!,
          hq: evaluation.metrics.hq!,
        })
      : `generated, step ${trainer.step}`;
  const samples = samplesPng(trainer, evaluation, label);
  if (samples) {
    writePng(join(runDir, 'samples', 'final.png'), samples);
    const source = trainer.generatorEma ? ' (moving average of G, "generatorEma")' : '';
    images.push({ title: `Samples at step ${trainer.step}${source}`, path: 'samples/final.png' });
  }
  const losses = lossesPng(runDir);
  if (losses) {
    writePng(join(runDir, 'samples', 'losses.png'), losses);
    images.push({ title: 'Losses', path: 'samples/losses.png' });
  }
  const c = trainer.config;
  const report: RunReport = {
    title: `dppgan run: ${c.model} on ${trainer.dataset.name}`,
    summary:
      `${c.loss} loss, lipschitz ${c.lipschitz}, GDPP ${c.gdpp ? `weight ${c.gdpp.weight}` : 'off'}, ` +
      `${c.schedule} updates, ${trainer.step} steps of batch ${c.batchSize}, seed ${c.seed}.`,
    metrics: { ...evaluation.metrics },
    images,
    config: c,
  };
  const written = writeRunReport(runDir, report);
  return [...images.map((i) => join(runDir, i.path)), written.markdown];
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
