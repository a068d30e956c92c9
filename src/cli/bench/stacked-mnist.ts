// `dppgan bench stacked-mnist`: GDPP Table 3 (PAPERS.md §5) as a resumable batch. Every (method, seed) of
// experiments/stacked-mnist/<method>.json is one `dppgan train` child process (up to `jobs` at once). Each
// finished run is evaluated here with the cached MNIST channel classifier: `samples` generated images (26,000 in
// the paper; latent seed 0) → digit triple per image → modes covered (of 1,000) and KL(generated ‖ uniform);
// classifier score; FID and KID on the classifier's 768-d channel features against `realSamples` real
// Stacked-MNIST images; with --feature-model also FID/KID on that tfjs model's features ("user model" columns).
// Rows (mean ± std over seeds) go to results/stacked-mnist.{json,md,png}; the file keeps the rows of other
// protocols/iteration counts from earlier invocations, so short and paper rows sit together.
// A config with a moving average of G ("generatorEma") gives two rows from the same runs: the average (its
// default weights) and, marked "trained G, same runs", the trained G, which is what the config without the
// average would score (training never reads the average), as StudioGAN reports G and G_ema.
// Invariants: a run's evaluation is cached in its directory (stacked-mnist-eval.json, -eval-trained.json for a
// moving-average run's trained G; keyed by step, sample counts, seeds, classifier and feature model) and
// recomputed only when one of those changes; every row states its protocol, and one with fewer finished seeds
// than asked reads "k/N (incomplete)".
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../backend/index.js';
import { createDataset, type DataSpec, type Dataset } from '../../data/index.js';
import { runtimeError, usageError } from '../../errors.js';
import {
  type FeatureModel,
  type FeatureSet,
  frechetDistance,
  kernelDistance,
  readStackedMnist,
  type StackedMnistMetrics,
  type StackedMnistReadout,
  stackedMnistMetrics,
} from '../../metrics/index.js';
import { Random } from '../../random.js';
import {
  type BenchRow,
  imageGridPng,
  PAPER_STACKED_MNIST,
  type SeedResult,
  sideBySidePng,
  writePng,
} from '../../report/index.js';
import {
  type ClassifierTrainOptions,
  cacheDirectory,
  classifierKey,
  type GeneratorWeights,
  loadCachedClassifier,
  loadConfigFile,
  openRun,
  type TrainedClassifier,
} from '../../train/index.js';
import { type FeatureModelCliOptions, loadCliFeatureModel } from '../feature-model.js';
import type { CliIo } from '../io.js';
import {
  type BenchTask,
  describeMachine,
  displayPath,
  type Experiment,
  fixed,
  isFinished,
  loadAverage,
  METHOD_NAMES,
  methodRank,
  type Protocol,
  planTasks,
  pm,
  requireExperimentsDirectory,
  resultFiles,
  round,
  roundOrNull,
  runTrainingTasks,
  secPerIterFromLog,
  seedStat,
  seedsCell,
  selectMethods,
  TRAINED_ROW_NOTE,
  TRAINED_ROW_SUFFIX,
  taskState,
  trainSecondsFromLog,
  writeAtomic,
} from './runs.js';

/** Generated samples per evaluation (GDPP protocol). */
export const SMNIST_SAMPLES = 26_000;
/** Real Stacked-MNIST images whose classifier features are the FID/KID reference. */
export const SMNIST_REAL_SAMPLES = 10_000;
/** Iterations of `--protocol short` unless --iterations says otherwise (the official networks, 4,000 steps). */
export const SMNIST_SHORT_ITERATIONS = 4000;
/** Latent seed of the evaluation samples (also `Random(seed).fork('real')` for the real ones). */
export const SMNIST_EVAL_SEED = 0;
/** The cached evaluation file inside a run directory. */
export const SMNIST_EVAL_FILE = 'stacked-mnist-eval.json';
/** The cached evaluation of a moving-average run's trained G. */
export const SMNIST_EVAL_TRAINED_FILE = 'stacked-mnist-eval-trained.json';
const CHUNK = 1000;
/** Shape of one Stacked-MNIST image. */
const SMNIST_SHAPE = [28, 28, 3];

/** The package's experiments/stacked-mnist (this file is src/cli/bench/ or dist/cli/bench/). */
export function defaultStackedMnistExperimentsDir(): string {
  return fileURLToPath(new URL('../../../experiments/stacked-mnist', import.meta.url));
}

/** Every `<method>.json` in `dir` (validated; Stacked-MNIST data only), in table order. */
export function listStackedMnistExperiments(dir: string): Experiment[] {
  requireExperimentsDirectory(dir);
  const experiments: Experiment[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.json')) continue;
    const file = join(dir, name);
    const config = loadConfigFile(file);
    if (config.data.kind !== 'stacked-mnist') {
      throw usageError(`${file}: expected "data": {"kind": "stacked-mnist"}, got kind "${config.data.kind}"`);
    }
    const slug = name.slice(0, -'.json'.length);
    experiments.push({
      dataset: 'stacked-mnist',
      slug,
      method: METHOD_NAMES[slug] ?? slug,
      file,
      iterations: config.iterations,
    });
  }
  return experiments.sort((a, b) => methodRank(a.slug) - methodRank(b.slug) || a.slug.localeCompare(b.slug));
}

/** Options of `runStackedMnistBench`. */
export interface StackedMnistBenchOptions {
  seeds: number;
  iterations?: number;
  protocol?: Protocol;
  /** Method slugs or results names (case-insensitive); default all found. */
  methods?: string[];
  jobs: number;
  /** Generated samples per evaluation (default 26,000). */
  samples?: number;
  /** Real images of the FID/KID reference (default 10,000). */
  realSamples?: number;
  /** Results directory (stacked-mnist.json/.md/.png). */
  out: string;
  /** Root of the run directories. */
  runs: string;
  experiments?: string;
  /** Cache key of the classifier to use (default: the one `dppgan classifier train` caches with its defaults). */
  classifier?: string;
  /** A user-supplied tfjs feature model: FID/KID on its features too (`--feature-model` and companions). */
  featureModel?: FeatureModelCliOptions;
  /** The command line recorded in the results. */
  command: string;
  /** Markdown from `--notes FILE` (provenance the bench cannot know), printed under "Notes". */
  notes?: string;
  io: CliIo;
  signal?: AbortSignal;
}

/** The run directories and output files of one invocation (pure; no training). */
export function planStackedMnistBench(opts: StackedMnistBenchOptions): {
  tasks: BenchTask[];
  seeds: number[];
  protocol: Protocol;
  outputs: { json: string; markdown: string; png: string };
} {
  const dir = resolve(opts.experiments ?? defaultStackedMnistExperimentsDir());
  const experiments = listStackedMnistExperiments(dir);
  const selected = selectMethods(
    experiments.map((e) => e.slug),
    opts.methods,
    dir,
  );
  const chosen = experiments.filter((e) => selected.includes(e.slug));
  if (chosen.length === 0) throw usageError(`no experiment config in ${dir} matches --methods`);
  const { tasks, seeds, protocol } = planTasks(
    chosen,
    opts,
    SMNIST_SHORT_ITERATIONS,
    (e, seed) => `${e.slug}-s${seed}`,
  );
  return { tasks, seeds, protocol, outputs: resultFiles(opts.out, 'stacked-mnist') };
}

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
    if (this.cacheMatches(cached, task.iterations)) {
      metrics = cached.metrics;
      userMetrics = cached.userMetrics ?? null;
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
      };
      writeAtomic(join(task.runDir, evaluationFile(weights)), `${JSON.stringify(record, null, 2)}\n`);
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
    };
  }
}

function evaluationFile(weights: GeneratorWeights): string {
  return weights === 'trained' ? SMNIST_EVAL_TRAINED_FILE : SMNIST_EVAL_FILE;
}

function readCachedEvaluation(
  runDir: string,
  weights: GeneratorWeights = 'average',
): CachedEvaluation | null {
  try {
    return JSON.parse(readFileSync(join(runDir, evaluationFile(weights)), 'utf8')) as CachedEvaluation;
  } catch {
    return null;
  }
}

/** A results row (DESIGN.md "Results files") of Stacked-MNIST: modes/KL plus FID, KID and classifier score. */
export interface StackedMnistRow extends BenchRow {
  /** Seeds requested; `seeds` counts the finished (evaluated) ones. */
  seedsAsked: number;
  complete: boolean;
  config: string;
  samples: number;
  klStd: number | null;
  fid: number | null;
  fidStd: number | null;
  kid: number | null;
  kidStd: number | null;
  /** FID / KID on the user feature model's features (null without --feature-model). */
  userFid: number | null;
  userFidStd: number | null;
  userKid: number | null;
  userKidStd: number | null;
  classifierScore: number | null;
  classifierScoreStd: number | null;
  secPerIterStd: number | null;
  /** The invocation that produced the row (rows of other protocols are kept from earlier invocations). */
  command: string;
  date: string;
  /** Rows of a config with a moving average of G: which weights generated (absent for other configs). */
  weights?: GeneratorWeights;
  perSeed: StackedMnistSeedResult[];
}

/** results/stacked-mnist.json. */
export interface StackedMnistResults {
  command: string;
  machine: string;
  machineInfo: Record<string, string | number>;
  date: string;
  samples: number;
  realSamples: number;
  classifier: { key: string; testAccuracy: number };
  /** The user feature model behind the rows' userFid/userKid (`--feature-model`), or null. */
  featureModel?: UserFeatureModel | null;
  /** The metrics of the real reference images themselves. */
  realReference: RealReference | null;
  wallSeconds: number;
  /** `--notes FILE`'s Markdown, or null. */
  notes?: string | null;
  rows: StackedMnistRow[];
}

/** How results name and identify the `--feature-model` behind their "user model" columns. */
export interface UserFeatureModel {
  name: string;
  key: string;
  path: string;
  format: string;
  output: string;
  range: [number, number];
}

/** Mean ± std (sample std) of the finished seeds; nulls where no seed finished. */
export function stackedMnistRow(
  task: Pick<BenchTask, 'experiment' | 'protocol' | 'iterations'>,
  seedsAsked: number,
  perSeed: StackedMnistSeedResult[],
  context: { baseDir: string; command: string; date: string; samples: number; weights?: GeneratorWeights },
): StackedMnistRow {
  const modes = seedStat(perSeed, 'modes');
  const kl = seedStat(perSeed, 'kl');
  const fid = seedStat(perSeed, 'fid');
  const kid = seedStat(perSeed, 'kid');
  const userFid = seedStat(perSeed, 'userFid');
  const userKid = seedStat(perSeed, 'userKid');
  const score = seedStat(perSeed, 'classifierScore');
  const spi = seedStat(perSeed, 'secPerIter');
  const trained = context.weights === 'trained';
  return {
    method: trained ? `${task.experiment.method}${TRAINED_ROW_SUFFIX}` : task.experiment.method,
    dataset: 'stacked-mnist',
    protocol: task.protocol,
    seeds: perSeed.length,
    seedsAsked,
    complete: perSeed.length === seedsAsked,
    iterations: task.iterations,
    config: displayPath(context.baseDir, task.experiment.file),
    samples: context.samples,
    modes: modes?.mean ?? Number.NaN,
    modesStd: modes?.std ?? Number.NaN,
    hq: null,
    hqStd: null,
    kl: kl?.mean ?? null,
    klStd: kl?.std ?? null,
    fid: fid?.mean ?? null,
    fidStd: fid?.std ?? null,
    kid: kid?.mean ?? null,
    kidStd: kid?.std ?? null,
    userFid: userFid?.mean ?? null,
    userFidStd: userFid?.std ?? null,
    userKid: userKid?.mean ?? null,
    userKidStd: userKid?.std ?? null,
    classifierScore: score?.mean ?? null,
    classifierScoreStd: score?.std ?? null,
    secPerIter: spi?.mean ?? null,
    secPerIterStd: spi?.std ?? null,
    command: context.command,
    date: context.date,
    ...(context.weights ? { weights: context.weights } : {}),
    perSeed,
  };
}

const rowKey = (r: Pick<StackedMnistRow, 'method' | 'protocol' | 'iterations'>) =>
  `${r.method}|${r.protocol}|${r.iterations}`;

/** The markdown twin of results/stacked-mnist.json. */
export function stackedMnistMarkdown(results: StackedMnistResults, pngName: string | null): string {
  const ref = results.realReference;
  const user = results.featureModel ?? null;
  // With a user feature model: two more columns after KID, headed with its name.
  const userHead = user ? ` FID (user model: ${user.name}) | KID (user model: ${user.name}) |` : '';
  const userRule = user ? '---|---|' : '';
  const userCells = (fid: string, kid: string) => (user ? ` ${fid} | ${kid} |` : '');
  const lines = [
    '# Stacked-MNIST benchmark: GDPP Table 3 (1,000 modes)',
    '',
    `- command (latest invocation): \`${results.command}\``,
    `- machine: ${results.machine}`,
    `- date: ${results.date}; wall time of this invocation ${fixed(results.wallSeconds, 0)} s`,
    `- classifier: MNIST channel classifier \`${results.classifier.key}\`, test accuracy ${fixed(100 * results.classifier.testAccuracy, 2)}%${results.classifier.testAccuracy < 0.99 ? ' (**below the 99% the protocol assumes: not comparable to the paper**)' : ''}`,
    `- evaluation: N generated images per run (latent seed ${SMNIST_EVAL_SEED}; N is the row's "samples", the paper uses 26,000); each channel classified → digit triple; modes = distinct triples (of 1,000); KL = KL(generated ‖ uniform over 1,000). FID and KID (cubic kernel, 10 subsets) on the classifier's penultimate features (3 × 256 = 768-d per image) against ${results.realSamples} real Stacked-MNIST images; classifier score = exp(E KL(p(y|x) ‖ p(y))) per channel (≤ 10). Mean ± sample std over seeds. s/iter = median seconds per training step from each run's log (first record of each process left out), mean over seeds.`,
    ref
      ? `- real reference (${ref.samples} real images through the same classifier): ${ref.modes} modes, KL ${fixed(ref.kl, 4)}, classifier score ${fixed(ref.classifierScore, 3)} — even a sample of the true distribution has KL > 0 (≈ 999 / (2N) for N ≫ 1,000).`
      : '- real reference: not computed in this invocation',
    ...(user
      ? [
          `- user model \`${user.name}\`: FID and KID (same protocol) on the features of the ${user.format} \`${user.path}\`, output \`${user.output}\`, pixels mapped to [${user.range.join(', ')}] (key ${user.key}).`,
        ]
      : []),
    "- protocols: **paper** = each config's own 15,000 iterations (official networks, batch 64, Adam 1e-4 β (0.5, 0.9)); **short** = the same networks for fewer iterations (4,000 unless stated): paper numbers shown for orientation only. One iteration = the config's D updates (5 for WGAN-GP, else 1) + one G update.",
    ...(results.rows.some((r) => r.weights === 'trained') ? [TRAINED_ROW_NOTE] : []),
    '',
    ...(results.notes ? ['## Notes', '', results.notes.trim(), '', '## Results', ''] : []),
    `| method | protocol | seeds | iterations | samples | modes | KL | FID | KID |${userHead} classifier score | s/iter | paper modes | paper KL |`,
    `|---|---|---|---|---|---|---|---|---|${userRule}---|---|---|---|`,
  ];
  for (const r of results.rows) {
    const p = PAPER_STACKED_MNIST[r.method];
    lines.push(
      `| ${r.method} | ${r.protocol} | ${seedsCell(r)} | ${r.iterations} | ${r.samples} | ${pm(r.modes, r.modesStd, 1)} | ${pm(r.kl, r.klStd, 3)} | ` +
        `${pm(r.fid, r.fidStd, 2)} | ${pm(r.kid, r.kidStd, 4)} |${userCells(pm(r.userFid ?? null, r.userFidStd ?? null, 2), pm(r.userKid ?? null, r.userKidStd ?? null, 4))} ${pm(r.classifierScore, r.classifierScoreStd, 2)} | ${fixed(r.secPerIter, 3)} | ` +
        `${p ? p.modes : '–'} | ${p ? fixed(p.kl, 3) : '–'} |`,
    );
  }
  const missing = Object.entries(PAPER_STACKED_MNIST).filter(
    ([m]) => !results.rows.some((r) => r.method === m),
  );
  if (missing.length > 0) {
    lines.push(
      '',
      `Paper-only baselines (modes / KL): ${missing.map(([m, p]) => `${m} ${p.modes} / ${fixed(p.kl, 3)}`).join(', ')}.`,
    );
  }
  for (const protocol of ['short', 'paper'] as const) {
    const dcgan = results.rows.find((r) => r.protocol === protocol && r.method === 'DCGAN' && r.secPerIter);
    const gdpp = results.rows.find(
      (r) =>
        r.protocol === protocol &&
        r.method === 'GDPP-GAN' &&
        r.secPerIter &&
        r.iterations === dcgan?.iterations,
    );
    if (dcgan?.secPerIter && gdpp?.secPerIter) {
      const percent = 100 * (gdpp.secPerIter / dcgan.secPerIter - 1);
      lines.push(
        '',
        `GDPP time overhead (${protocol}): GDPP-GAN ${gdpp.secPerIter.toFixed(3)} s/iter vs DCGAN ${dcgan.secPerIter.toFixed(3)} s/iter = ${percent >= 0 ? '+' : ''}${percent.toFixed(1)}% per iteration (runs sharing the machine: indicative).`,
      );
    }
  }
  lines.push(
    '',
    '## Per seed',
    '',
    `| method | protocol | seed | step | modes | KL | FID | KID |${userHead} classifier score | s/iter | train s | run |`,
    `|---|---|---|---|---|---|---|---|${userRule}---|---|---|---|`,
  );
  for (const r of results.rows) {
    for (const s of r.perSeed) {
      lines.push(
        `| ${r.method} | ${r.protocol} | ${s.seed} | ${s.step} | ${s.modes} | ${fixed(s.kl, 3)} | ${fixed(s.fid, 2)} | ${fixed(s.kid, 4)} |` +
          `${userCells(fixed(s.userFid, 2), fixed(s.userKid, 4))} ${fixed(s.classifierScore, 2)} | ${fixed(s.secPerIter, 3)} | ${fixed(s.trainSeconds, 0)} | \`${s.runDir}\` |`,
      );
    }
  }
  lines.push('', '## Rows and their invocations', '');
  for (const r of results.rows) {
    lines.push(
      `- ${r.method} (${r.protocol}, ${r.iterations} iterations): \`${r.config}\`; \`${r.command}\` (${r.date})`,
    );
  }
  if (pngName) {
    lines.push(
      '',
      '## Samples (64 images of the first finished seed of each row, latent seed 0)',
      '',
      `![sample grids](${pngName})`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

/** The earlier results/stacked-mnist.json made with the same classifier, or null. */
function previousResults(path: string, classifier: string, io: CliIo): StackedMnistResults | null {
  if (!existsSync(path)) return null;
  let previous: StackedMnistResults;
  try {
    previous = JSON.parse(readFileSync(path, 'utf8')) as StackedMnistResults;
  } catch {
    io.err(`dppgan bench: warning: ${path} is not valid JSON; its rows are not carried over`);
    return null;
  }
  if (previous.classifier?.key !== classifier) {
    if (previous.rows?.length) {
      io.err(
        `dppgan bench: warning: ${path} was made with classifier ${previous.classifier?.key}; its rows are dropped`,
      );
    }
    return null;
  }
  return previous;
}

/** 64 samples of a run as an 8×8 grid (null when the run cannot be opened). */
async function runGrid(runDir: string, weights: GeneratorWeights = 'average'): Promise<Buffer | null> {
  if (!existsSync(runDir)) return null;
  const trainer = await openRun(runDir);
  try {
    const [h, w, c] = trainer.dataset.dim;
    const images = trainer.generate(64, new Random(SMNIST_EVAL_SEED), undefined, weights);
    return imageGridPng(images, 64, h, w, c, {
      columns: 8,
      scale: 2,
    });
  } finally {
    trainer.dispose();
  }
}

function taskName(task: BenchTask): string {
  return `${task.experiment.method} seed ${task.seed}`;
}

function metricsText(r: StackedMnistSeedResult, user: FeatureModel | null): string {
  const userText = user
    ? `, FID (user model: ${user.name}) ${fixed(r.userFid, 2)}, KID (user model: ${user.name}) ${fixed(r.userKid, 4)}`
    : '';
  return `${r.modes}/1000 modes, KL ${fixed(r.kl, 3)}, FID ${fixed(r.fid, 2)}, KID ${fixed(r.kid, 4)}${userText}, score ${fixed(r.classifierScore, 2)}`;
}

/** Run (or resume) every task, evaluate, and write the results files. Throws after writing when runs failed. */
export async function runStackedMnistBench(opts: StackedMnistBenchOptions): Promise<StackedMnistResults> {
  const started = performance.now();
  const samples = opts.samples ?? SMNIST_SAMPLES;
  const realSamples = opts.realSamples ?? SMNIST_REAL_SAMPLES;
  const { tasks, seeds, protocol, outputs } = planStackedMnistBench(opts);
  const io = opts.io;
  const baseDir = process.cwd();
  const finishedBefore = tasks.filter((t) => taskState(t) === 'done').length;
  const backend = await initBackend({ backend: 'auto' });
  // Before any training: the metrics need the classifier.
  const classifier = loadBenchClassifier(opts.classifier);
  let featureModel: FeatureModel | null = null;
  try {
    featureModel = await loadCliFeatureModel(opts.featureModel ?? {});
    featureModel?.checkImageShape(SMNIST_SHAPE);
  } catch (error) {
    featureModel?.dispose();
    classifier.model.dispose();
    throw error;
  }
  const evaluator = new StackedMnistEvaluator(classifier, samples, realSamples, opts.signal, featureModel);
  const machine = describeMachine(backend, opts.jobs);
  io.out(
    `dppgan bench stacked-mnist: ${tasks.length} runs (${finishedBefore} finished earlier), protocol ${protocol}, ` +
      `${opts.jobs} in parallel; run directories under ${displayPath(baseDir, resolve(opts.runs))}; ` +
      `classifier ${classifier.key} (test accuracy ${(100 * classifier.testAccuracy).toFixed(2)}%)`,
  );

  const results = new Map<BenchTask, StackedMnistSeedResult>();
  // Configs with a moving average of G: their runs' trained G is evaluated too (a row of its own).
  const averaged = new Set(
    [...new Set(tasks.map((t) => t.experiment))].filter((e) => loadConfigFile(e.file).generatorEma),
  );
  const trainedResults = new Map<BenchTask, StackedMnistSeedResult>();
  const evaluate = async (task: BenchTask) => {
    const result = await evaluator.evaluate(task, baseDir);
    if (!result) return null;
    results.set(task, result);
    if (averaged.has(task.experiment)) {
      const trained = await evaluator.evaluate(task, baseDir, 'trained');
      if (!trained) return null;
      trainedResults.set(task, trained);
    }
    return result;
  };
  const evaluatedText = (task: BenchTask, result: StackedMnistSeedResult) => {
    const trained = trainedResults.get(task);
    return trained
      ? `moving average: ${metricsText(result, featureModel)}; trained G: ${metricsText(trained, featureModel)}`
      : metricsText(result, featureModel);
  };
  try {
    const failures = await runTrainingTasks({
      tasks,
      jobs: opts.jobs,
      io,
      signal: opts.signal,
      baseDir,
      name: taskName,
      describeSkipped: (t) => {
        const cached = readCachedEvaluation(t.runDir);
        return evaluator.isCached(t) && cached
          ? `${cached.metrics.modes}/1000 modes, KL ${fixed(cached.metrics.kl, 3)}`
          : 'evaluated below';
      },
      onTrained: async (task, resumed) => {
        const result = await evaluate(task);
        const timing = `${fixed(secPerIterFromLog(task.runDir), 3)} s/iter, ${trainSecondsFromLog(task.runDir).toFixed(0)} s${resumed ? ' (resumed)' : ''}`;
        return result
          ? `${evaluatedText(task, result)}, ${timing}`
          : `trained (${timing}); evaluation left for the next invocation`;
      },
    });

    // Evaluate finished runs not evaluated above (finished earlier; cached evaluations are read back).
    for (const task of tasks) {
      const evaluated = results.has(task) && (!averaged.has(task.experiment) || trainedResults.has(task));
      if (evaluated || !isFinished(task) || opts.signal?.aborted) continue;
      const fresh =
        !evaluator.isCached(task) || (averaged.has(task.experiment) && !evaluator.isCached(task, 'trained'));
      const result = await evaluate(task);
      if (result && fresh)
        io.out(
          `evaluated ${taskName(task)} (${task.protocol} ${task.iterations}): ${evaluatedText(task, result)}`,
        );
    }

    const date = new Date().toISOString();
    const rows: StackedMnistRow[] = [];
    for (const experiment of [...new Set(tasks.map((t) => t.experiment))]) {
      const mine = tasks.filter((t) => t.experiment === experiment);
      const seedResults = (from: Map<BenchTask, StackedMnistSeedResult>) =>
        mine.flatMap((t) => (from.has(t) ? [from.get(t) as StackedMnistSeedResult] : []));
      const context = { baseDir, command: opts.command, date, samples };
      if (!averaged.has(experiment)) {
        rows.push(stackedMnistRow(mine[0], seeds.length, seedResults(results), context));
        continue;
      }
      rows.push(
        stackedMnistRow(mine[0], seeds.length, seedResults(results), { ...context, weights: 'average' }),
      );
      rows.push(
        stackedMnistRow(mine[0], seeds.length, seedResults(trainedResults), {
          ...context,
          weights: 'trained',
        }),
      );
    }
    const previous = previousResults(outputs.json, classifier.key, io);
    const current = new Set(rows.map(rowKey));
    // Rows of other protocols / iteration counts from earlier invocations, when measured the same way.
    const earlier = (previous?.rows ?? []).filter((r) => !current.has(rowKey(r)));
    const comparable = (r: StackedMnistRow) => r.samples === samples && previous?.realSamples === realSamples;
    // Their "user model" cells stay only when measured with this invocation's feature model (or none).
    const sameUser = (previous?.featureModel?.key ?? null) === (featureModel?.key ?? null);
    const kept = earlier.filter(comparable).map((r) => (sameUser ? r : withoutUserMetrics(r)));
    if (kept.length < earlier.length) {
      io.err(
        `dppgan bench: warning: dropped ${earlier.length - kept.length} earlier row(s) of ${displayPath(baseDir, outputs.json)} measured with other --samples/--real-samples (rerun them with these settings; their runs are reused)`,
      );
    }
    const allRows = [...rows, ...kept].sort(
      (a, b) =>
        (a.protocol === b.protocol ? 0 : a.protocol === 'short' ? -1 : 1) ||
        a.iterations - b.iterations ||
        methodRank(slugOf(a.method)) - methodRank(slugOf(b.method)) ||
        a.method.localeCompare(b.method),
    );

    // The real reference is computed once per classifier and real-sample count (reused from the last results).
    const reusable = previous?.realReference?.samples === realSamples ? previous.realReference : null;
    const realReference =
      reusable && !evaluator.hasRealReadout
        ? reusable
        : opts.signal?.aborted
          ? null
          : await evaluator.realReference();
    machine.info.loadAverageAtEnd = loadAverage();
    const summary: StackedMnistResults = {
      command: opts.command,
      machine: machine.text,
      machineInfo: machine.info,
      date,
      samples,
      realSamples,
      classifier: { key: classifier.key, testAccuracy: classifier.testAccuracy },
      featureModel: featureModel
        ? {
            name: featureModel.name,
            key: featureModel.key,
            path: displayPath(baseDir, featureModel.path),
            format: featureModel.format,
            output: featureModel.output,
            range: featureModel.range,
          }
        : null,
      realReference,
      wallSeconds: round((performance.now() - started) / 1000, 1),
      notes: opts.notes ?? null,
      rows: allRows,
    };

    const panels: Buffer[] = [];
    const titles: string[] = [];
    for (const row of allRows) {
      const first = row.perSeed[0];
      if (!first) continue;
      const grid = await runGrid(resolve(baseDir, first.runDir), row.weights);
      if (!grid) continue;
      panels.push(grid);
      titles.push(`${row.method} ${row.protocol} ${row.iterations} s${first.seed}`);
    }
    let pngName: string | null = null;
    if (panels.length > 0) {
      writePng(outputs.png, sideBySidePng(panels, { titles, columns: Math.min(5, panels.length) }));
      pngName = basename(outputs.png);
    }
    writeAtomic(outputs.json, `${JSON.stringify(summary, null, 2)}\n`);
    writeAtomic(outputs.markdown, stackedMnistMarkdown(summary, pngName));

    io.out('');
    for (const r of allRows) {
      io.out(
        `${r.method.padEnd(12)} ${r.protocol.padEnd(5)} ${String(r.iterations).padStart(5)} it  seeds ${seedsCell(r).padEnd(5)} ` +
          `modes ${pm(r.modes, r.modesStd, 1).padEnd(14)} KL ${pm(r.kl, r.klStd, 3).padEnd(15)} FID ${fixed(r.fid, 2).padEnd(8)} ` +
          `${featureModel ? `FID (user model: ${featureModel.name}) ${fixed(r.userFid, 2).padEnd(8)} ` : ''}s/iter ${fixed(r.secPerIter, 3)}`,
      );
    }
    const written = [outputs.json, outputs.markdown, ...(pngName ? [outputs.png] : [])];
    io.out(
      `wrote ${written.map((p) => displayPath(baseDir, p)).join(', ')} in ${summary.wallSeconds.toFixed(0)} s`,
    );

    const unevaluated = tasks.filter(
      (t) => !results.has(t) || (averaged.has(t.experiment) && !trainedResults.has(t)),
    ).length;
    if (opts.signal?.aborted && unevaluated > 0) {
      throw runtimeError(
        `interrupted: ${unevaluated} of ${tasks.length} runs unfinished or unevaluated (results written as partial rows); rerun the same command to continue`,
      );
    }
    if (failures.length > 0) throw runtimeError(`${failures.length} run(s) failed: ${failures.join('; ')}`);
    return summary;
  } finally {
    featureModel?.dispose();
    classifier.model.dispose();
  }
}

/** A row from earlier results without its "user model" cells (measured with another feature model). */
function withoutUserMetrics(row: StackedMnistRow): StackedMnistRow {
  return {
    ...row,
    userFid: null,
    userFidStd: null,
    userKid: null,
    userKidStd: null,
    perSeed: row.perSeed.map((s) => ({ ...s, userFid: null, userKid: null })),
  };
}

function slugOf(method: string): string {
  const name = method.endsWith(TRAINED_ROW_SUFFIX) ? method.slice(0, -TRAINED_ROW_SUFFIX.length) : method;
  return Object.entries(METHOD_NAMES).find(([, n]) => n === name)?.[0] ?? name;
}
