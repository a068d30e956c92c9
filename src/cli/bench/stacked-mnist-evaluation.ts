// Evaluation of finished Stacked-MNIST runs for `dppgan bench stacked-mnist` (GDPP Table 3, PAPERS.md §5):
// `samples` generated images (26,000 in the paper; latent seed 0) → the cached MNIST classifier labels each
// channel → digit triple per image → modes covered (of 1,000) and KL(generated ‖ uniform); classifier score;
// FID and KID on the classifier's 768-d channel features against `realSamples` real Stacked-MNIST images; with a
// user feature model also FID/KID on its features. A run with a moving average of G is evaluated on the average
// (its default) or, asked for, on its trained G.
// Each evaluation also keeps its mode histogram and draws the run's mode map (report/mode-map.ts) to
// stacked-mnist-modes.png (-modes-trained.png for the trained G) in the run directory; a cached evaluation that
// kept its histogram redraws the map from it (older caches leave their map as it is).
// Invariant: an evaluation is cached in the run directory (stacked-mnist-eval.json; -eval-trained.json for a
// moving-average run's trained G), keyed by step, sample counts, seeds, classifier and feature model, and
// recomputed only when one of those changes.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDataset, type DataSpec, type Dataset } from '../../data/index.js';
import { runtimeError, usageError } from '../../errors.js';
import {
  type FeatureModel,
  type FeatureSet,
  frechetDistance,
  kernelDistance,
  modeHistogram,
  modesIfChannelsIndependent,
  readStackedMnist,
  type StackedMnistMetrics,
  type StackedMnistReadout,
  stackedMnistMetrics,
} from '../../metrics/index.js';
import { Random } from '../../random.js';
import { modeMapPng, type SeedResult, writePng } from '../../report/index.js';
import {
  type ClassifierTrainOptions,
  cacheDirectory,
  classifierKey,
  type GeneratorWeights,
  loadCachedClassifier,
  openRun,
  type TrainedClassifier,
} from '../../train/index.js';
import {
  type BenchTask,
  displayPath,
  round,
  roundOrNull,
  secPerIterFromLog,
  trainSecondsFromLog,
  writeAtomic,
} from './runs.js';

/** Generated samples per evaluation (GDPP protocol). */
export const SMNIST_SAMPLES = 26_000;
/** Real Stacked-MNIST images whose classifier features are the FID/KID reference. */
export const SMNIST_REAL_SAMPLES = 10_000;
/** Latent seed of the evaluation samples (also `Random(seed).fork('real')` for the real ones). */
export const SMNIST_EVAL_SEED = 0;
/** The cached evaluation file inside a run directory. */
export const SMNIST_EVAL_FILE = 'stacked-mnist-eval.json';
/** The cached evaluation of a moving-average run's trained G. */
export const SMNIST_EVAL_TRAINED_FILE = 'stacked-mnist-eval-trained.json';
/** The mode map an evaluation draws in the run directory (of the trained G: SMNIST_MODE_MAP_TRAINED_FILE). */
export const SMNIST_MODE_MAP_FILE = 'stacked-mnist-modes.png';
/** The mode map of a moving-average run's trained G. */
export const SMNIST_MODE_MAP_TRAINED_FILE = 'stacked-mnist-modes-trained.png';
const CHUNK = 1000;
/** Shape of one Stacked-MNIST image. */
export const SMNIST_SHAPE = [28, 28, 3];

/** The classifier-training options behind a cache key (read from its metadata file), or null. */
function optionsOfCachedKey(key: string, directory: string): ClassifierTrainOptions | null {
  const file = join(directory, `mnist-classifier-${key}.json`);
  if (!existsSync(file)) return null;
  try {
    const { settings } = JSON.parse(readFileSync(file, 'utf8')) as {
      settings: {
        epochs: number;
        batchSize: number;
        learningRate: number;
        seed: number;
        subset: number | null;
      };
    };
    return {
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      learningRate: settings.learningRate,
      seed: settings.seed,
      trainSubset: settings.subset ?? undefined,
    };
  } catch {
    throw runtimeError(
      `cached classifier ${file} is not valid JSON: delete it and retrain with \`dppgan classifier train\``,
    );
  }
}

/**
 * The cached MNIST classifier (the default `dppgan classifier train` one, or the one with cache key `key`).
 * Missing: a one-line usage error saying how to train it. The bench never trains it itself (~minutes, and the
 * ≥ 99% figure belongs to an explicit, logged command).
 */
export function loadBenchClassifier(key?: string): TrainedClassifier {
  const directory = cacheDirectory();
  if (key === undefined) {
    const classifier = loadCachedClassifier({}, directory);
    if (!classifier) {
      throw usageError(
        `no cached MNIST classifier in ${directory} (needed to label Stacked-MNIST channels): run \`dppgan classifier train\` first (a few minutes), then rerun this command`,
      );
    }
    return classifier;
  }
  const opts = optionsOfCachedKey(key, directory);
  const classifier = opts && classifierKey(opts) === key ? loadCachedClassifier(opts, directory) : null;
  if (!classifier) {
    throw usageError(
      `--classifier ${key}: no cached classifier with that key in ${directory} (\`dppgan classifier train\` prints the key of the one it caches)`,
    );
  }
  return classifier;
}

/** One evaluated run (seed) of a row. */
export interface StackedMnistSeedResult extends SeedResult {
  modes: number;
  kl: number;
  fid: number | null;
  kid: number | null;
  /** FID / KID on the user feature model's features (null without --feature-model). */
  userFid: number | null;
  userKid: number | null;
  classifierScore: number;
  step: number;
  samples: number;
  trainSeconds: number;
  runDir: string;
  /** Modes the samples would cover if their digits were independent across channels (absent for evaluations cached before mode counts were kept). */
  modesIfIndependent?: number;
}

/** What a run directory caches about its evaluation (recomputed when any field but `metrics` differs). */
interface CachedEvaluation {
  step: number;
  samples: number;
  latentSeed: number;
  realSamples: number;
  realSeed: string;
  classifier: string;
  /** FeatureModel.key of the user feature model, or null (absent in files written before it existed). */
  featureModel?: string | null;
  metrics: StackedMnistMetrics;
  /** FID / KID on the user feature model's features. */
  userMetrics?: { fid: number; kid: number } | null;
  /** Samples per mode (1,000 counts; absent in files written before it was kept). */
  modeCounts?: number[];
}

/** Let signal handlers and child-process pipes run between chunks of a long synchronous computation. */
const breathe = () => new Promise<void>((done) => setImmediate(done));

/** Classifier readout (and user feature-model features) of n images drawn chunk by chunk (null when aborted). */
async function readInChunks(
  n: number,
  draw: (m: number) => Float32Array,
  classifier: TrainedClassifier,
  signal?: AbortSignal,
  featureModel?: FeatureModel | null,
): Promise<Readouts | null> {
  let all: StackedMnistReadout | null = null;
  let user: FeatureSet | null = null;
  for (let start = 0; start < n; start += CHUNK) {
    if (signal?.aborted) return null;
    const m = Math.min(CHUNK, n - start);
    const images = draw(m);
    if (featureModel) {
      const part = await featureModel.features(images, m, SMNIST_SHAPE);
      user ??= { values: new Float32Array(n * part.dim), n, dim: part.dim };
      user.values.set(part.values, start * part.dim);
    }
    const part = readStackedMnist(classifier.model, images, m);
    const d = part.featureDim;
    all ??= {
      modes: new Int32Array(n),
      features: new Float32Array(n * d),
      probabilities: new Float32Array(n * 30),
      featureDim: d,
    };
    all.modes.set(part.modes, start);
    all.features.set(part.features, start * d);
    all.probabilities.set(part.probabilities, start * 30);
    await breathe();
  }
  return all ? { classifier: all, user } : null;
}

/** What one image set gives: the classifier readout and, with a feature model, its features. */
interface Readouts {
  classifier: StackedMnistReadout;
  user: FeatureSet | null;
}

/** The metrics of the real reference images themselves. */
export interface RealReference {
  samples: number;
  modes: number;
  kl: number;
  classifierScore: number;
}

/** The shared pieces of the evaluations of one invocation: classifier and (lazily) the real reference. */
export class StackedMnistEvaluator {
  private real: Readouts | null = null;
  private dataset: Dataset | null = null;
  /** The data spec of the runs (the first one opened); the default Stacked-MNIST until then. */
  private dataSpec: DataSpec = { kind: 'stacked-mnist' };

  constructor(
    readonly classifier: TrainedClassifier,
    readonly samples: number,
    readonly realSamples: number,
    readonly signal?: AbortSignal,
    /** A user-supplied feature model: FID/KID on its features too. */
    readonly featureModel: FeatureModel | null = null,
  ) {}

  /** Classifier readout (and user features) of the real reference images (computed once; null when aborted). */
  async realReadout(): Promise<Readouts | null> {
    if (this.real) return this.real;
    this.dataset ??= createDataset(this.dataSpec);
    const dataset = this.dataset;
    const random = new Random(SMNIST_EVAL_SEED).fork('real');
    this.real = await readInChunks(
      this.realSamples,
      (m) => dataset.sampleArray(m, random),
      this.classifier,
      this.signal,
      this.featureModel,
    );
    return this.real;
  }

  /** Whether the real readout has been computed in this invocation. */
  get hasRealReadout(): boolean {
    return this.real !== null;
  }

  /** Modes, KL and classifier score of the real reference itself (what a perfect generator would score). */
  async realReference(): Promise<RealReference | null> {
    const real = await this.realReadout();
    if (!real) return null;
    const m = stackedMnistMetrics(real.classifier, this.realSamples);
    return {
      samples: this.realSamples,
      modes: m.modes,
      kl: round(m.kl, 4),
      classifierScore: round(m.classifierScore, 4),
    };
  }

  private cacheMatches(cached: CachedEvaluation | null, step: number): cached is CachedEvaluation {
    return (
      cached !== null &&
      cached.step === step &&
      cached.samples === this.samples &&
      cached.latentSeed === SMNIST_EVAL_SEED &&
      cached.realSamples === this.realSamples &&
      cached.realSeed === `${SMNIST_EVAL_SEED}/real` &&
      cached.classifier === this.classifier.key &&
      (cached.featureModel ?? null) === (this.featureModel?.key ?? null)
    );
  }

  /** Whether the run's cached evaluation (of `weights`) is current (no generation needed). */
  isCached(task: BenchTask, weights: GeneratorWeights = 'average'): boolean {
    return this.cacheMatches(readCachedEvaluation(task.runDir, weights), task.iterations);
  }

  /**
   * Evaluate a finished run (or read its cached evaluation); null when aborted. `weights`: the run's default
   * ('average', which is the trained G of a run without a moving average) or its trained G.
   */
  async evaluate(
    task: BenchTask,
    baseDir: string,
    weights: GeneratorWeights = 'average',
  ): Promise<StackedMnistSeedResult | null> {
    const cached = readCachedEvaluation(task.runDir, weights);
    let metrics: StackedMnistMetrics;
    let userMetrics: CachedEvaluation['userMetrics'] = null;
    let modeCounts: number[] | null = null;
    if (this.cacheMatches(cached, task.iterations)) {
      metrics = cached.metrics;
      userMetrics = cached.userMetrics ?? null;
      modeCounts = cached.modeCounts?.length === 1000 ? cached.modeCounts : null;
    } else {
      const trainer = await openRun(task.runDir);
      let generated: Readouts | null;
      let step: number;
      try {
        step = trainer.step;
        if (!this.dataset) this.dataSpec = trainer.config.data;
        const random = new Random(SMNIST_EVAL_SEED);
        generated = await readInChunks(
          this.samples,
          (m) => trainer.generate(m, random, undefined, weights),
          this.classifier,
          this.signal,
          this.featureModel,
        );
      } finally {
        trainer.dispose();
      }
      const real = generated ? await this.realReadout() : null;
      if (!generated || !real) return null;
      const m = stackedMnistMetrics(generated.classifier, this.samples, {
        readout: real.classifier,
        n: this.realSamples,
        random: new Random(SMNIST_EVAL_SEED).fork('kid'),
      });
      metrics = {
        samples: m.samples,
        modes: m.modes,
        kl: round(m.kl, 4),
        classifierScore: round(m.classifierScore, 4),
        fid: roundOrNull(m.fid, 4) ?? undefined,
        kid: roundOrNull(m.kid, 6) ?? undefined,
      };
      if (generated.user && real.user) {
        const [a, b] = [generated.user, real.user];
        const kid = kernelDistance(
          a.values,
          a.n,
          b.values,
          b.n,
          a.dim,
          new Random(SMNIST_EVAL_SEED).fork('kid'),
          {
            subsets: 10,
            subsetSize: Math.min(1000, a.n, b.n),
          },
        );
        userMetrics = {
          fid: round(frechetDistance(a.values, a.n, b.values, b.n, a.dim), 4),
          kid: round(kid.mean, 6),
        };
      }
      const record: CachedEvaluation = {
        step,
        samples: this.samples,
        latentSeed: SMNIST_EVAL_SEED,
        realSamples: this.realSamples,
        realSeed: `${SMNIST_EVAL_SEED}/real`,
        classifier: this.classifier.key,
        featureModel: this.featureModel?.key ?? null,
        metrics,
        userMetrics,
        modeCounts: Array.from(modeHistogram(generated.classifier.modes, 1000)),
      };
      writeAtomic(join(task.runDir, evaluationFile(weights)), `${JSON.stringify(record, null, 2)}\n`);
      modeCounts = record.modeCounts ?? null;
    }
    if (modeCounts) {
      const which = weights === 'trained' ? ', trained G' : '';
      writePng(
        join(task.runDir, modeMapFile(weights)),
        modeMapPng(modeCounts, {
          title: `${task.experiment.method}${which}, seed ${task.seed}, step ${task.iterations}, latent seed ${SMNIST_EVAL_SEED}`,
        }),
      );
    }
    return {
      seed: task.seed,
      modes: metrics.modes,
      kl: metrics.kl,
      fid: metrics.fid ?? null,
      kid: metrics.kid ?? null,
      userFid: userMetrics?.fid ?? null,
      userKid: userMetrics?.kid ?? null,
      classifierScore: metrics.classifierScore,
      secPerIter: roundOrNull(secPerIterFromLog(task.runDir), 5),
      step: task.iterations,
      samples: metrics.samples,
      trainSeconds: round(trainSecondsFromLog(task.runDir), 1),
      runDir: displayPath(baseDir, task.runDir),
      ...(modeCounts ? { modesIfIndependent: round(modesIfChannelsIndependent(modeCounts), 1) } : {}),
    };
  }
}

/** The mode map of a run's evaluation of `weights` (in its run directory). */
export function modeMapFile(weights: GeneratorWeights): string {
  return weights === 'trained' ? SMNIST_MODE_MAP_TRAINED_FILE : SMNIST_MODE_MAP_FILE;
}

function evaluationFile(weights: GeneratorWeights): string {
  return weights === 'trained' ? SMNIST_EVAL_TRAINED_FILE : SMNIST_EVAL_FILE;
}

export function readCachedEvaluation(
  runDir: string,
  weights: GeneratorWeights = 'average',
): CachedEvaluation | null {
  try {
    return JSON.parse(readFileSync(join(runDir, evaluationFile(weights)), 'utf8')) as CachedEvaluation;
  } catch {
    return null;
  }
}
