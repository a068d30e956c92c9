// `dppgan bench stacked-mnist`: GDPP Table 3 (PAPERS.md §5) as a resumable batch. Every (method, seed) of
// experiments/stacked-mnist/<method>.json is one `dppgan train` child process (up to `jobs` at once); each
// finished run is evaluated (stacked-mnist-evaluation.ts: modes, KL, FID/KID, classifier score) and the rows
// (mean ± std over seeds) go to results/stacked-mnist.{json,md,png} (stacked-mnist-results.ts), keeping the rows
// of other protocols/iteration counts from earlier invocations, so short and paper rows sit together.
// A config with a moving average of G ("generatorEma") gives two rows from the same runs: the average (its
// default weights) and, marked "trained G, same runs", the trained G, which is what the config without the
// average would score (training never reads the average), as StudioGAN reports G and G_ema.
// Invariants: a finished run is never retrained and its cached evaluation is reused; every row states its
// protocol, and one with fewer finished seeds than asked reads "k/N (incomplete)".
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../backend/index.js';
import { runtimeError, usageError } from '../../errors.js';
import type { FeatureModel } from '../../metrics/index.js';
import { Random } from '../../random.js';
import { imageGridPng, sideBySidePng, writePng } from '../../report/index.js';
import { type GeneratorWeights, loadConfigFile, openRun } from '../../train/index.js';
import { type FeatureModelCliOptions, loadCliFeatureModel } from '../feature-model.js';
import type { CliIo } from '../io.js';
import {
  type BenchTask,
  describeMachine,
  displayPath,
  type Experiment,
  evaluatedWeights,
  fixed,
  isFinished,
  keptPictureFile,
  loadAverage,
  METHOD_NAMES,
  methodRank,
  type Protocol,
  planTasks,
  pm,
  requireExperimentsDirectory,
  resultFiles,
  round,
  runTrainingTasks,
  secPerIterFromLog,
  seedsCell,
  selectMethods,
  slugOf,
  taskState,
  trainSecondsFromLog,
  writeAtomic,
} from './runs.js';
import {
  loadBenchClassifier,
  modeMapFile,
  readCachedEvaluation,
  SMNIST_EVAL_SEED,
  SMNIST_REAL_SAMPLES,
  SMNIST_SAMPLES,
  SMNIST_SHAPE,
  StackedMnistEvaluator,
  type StackedMnistSeedResult,
} from './stacked-mnist-evaluation.js';
import {
  previousResults,
  rowKey,
  type StackedMnistResults,
  type StackedMnistRow,
  stackedMnistMarkdown,
  stackedMnistRow,
  withoutUserMetrics,
} from './stacked-mnist-results.js';

export {
  loadBenchClassifier,
  type RealReference,
  SMNIST_EVAL_FILE,
  SMNIST_EVAL_SEED,
  SMNIST_EVAL_TRAINED_FILE,
  SMNIST_REAL_SAMPLES,
  SMNIST_SAMPLES,
  StackedMnistEvaluator,
  type StackedMnistSeedResult,
} from './stacked-mnist-evaluation.js';
export {
  type StackedMnistResults,
  type StackedMnistRow,
  stackedMnistMarkdown,
  stackedMnistRow,
  trainingSeconds,
  type UserFeatureModel,
} from './stacked-mnist-results.js';

/** Iterations of `--protocol short` unless --iterations says otherwise (the official networks, 4,000 steps). */
export const SMNIST_SHORT_ITERATIONS = 4000;

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

/**
 * Where a row's sample grid is kept: <out>/stacked-mnist-samples/<method>[-trained]-<protocol>-<iterations>-s<seed>.png.
 * The results outlive their run directories; the grid lets the next invocation draw a carried row without them.
 */
export function sampleGridFile(png: string, row: StackedMnistRow, seed: number): string {
  const weights = row.weights === 'trained' ? '-trained' : '';
  const name = `${slugOf(row.method)}${weights}-${row.protocol}-${row.iterations}-s${seed}.png`;
  return keptPictureFile(png, name);
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

  const experiments = [...new Set(tasks.map((t) => t.experiment))];
  const weightsOf = new Map(experiments.map((e) => [e, evaluatedWeights(e.file)]));
  const results: Record<GeneratorWeights, Map<BenchTask, StackedMnistSeedResult>> = {
    average: new Map(),
    trained: new Map(),
  };
  const isEvaluated = (task: BenchTask) =>
    weightsOf.get(task.experiment)!.every((weights) => results[weights].has(task));
  /** Evaluate a finished run on each of its weights; its default's result, or null when aborted. */
  const evaluate = async (task: BenchTask) => {
    for (const weights of weightsOf.get(task.experiment)!) {
      const result = await evaluator.evaluate(task, baseDir, weights);
      if (!result) return null;
      results[weights].set(task, result);
    }
    return results.average.get(task)!;
  };
  const evaluatedText = (task: BenchTask, result: StackedMnistSeedResult) => {
    const trained = results.trained.get(task);
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
      if (isEvaluated(task) || !isFinished(task) || opts.signal?.aborted) continue;
      const fresh = weightsOf.get(task.experiment)!.some((weights) => !evaluator.isCached(task, weights));
      const result = await evaluate(task);
      if (result && fresh)
        io.out(
          `evaluated ${taskName(task)} (${task.protocol} ${task.iterations}): ${evaluatedText(task, result)}`,
        );
    }

    const date = new Date().toISOString();
    const rows: StackedMnistRow[] = [];
    for (const experiment of experiments) {
      const mine = tasks.filter((t) => t.experiment === experiment);
      const context = { baseDir, command: opts.command, date, samples };
      const weightsList = weightsOf.get(experiment)!;
      for (const weights of weightsList) {
        const perSeed = mine.flatMap((t) => {
          const result = results[weights].get(t);
          return result ? [result] : [];
        });
        // Rows name their weights only when the config has both.
        const named = weightsList.length > 1 ? { ...context, weights } : context;
        rows.push(stackedMnistRow(mine[0], seeds.length, perSeed, named));
      }
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
      // Drawn from the run when it is here (and kept beside the results), else the grid kept last time.
      const kept = sampleGridFile(outputs.png, row, first.seed);
      const drawn = await runGrid(resolve(baseDir, first.runDir), row.weights);
      if (drawn) writePng(kept, drawn);
      // The mode map the evaluation drew in the run directory, kept likewise.
      const keptModes = kept.replace(/\.png$/, '-modes.png');
      const runModes = join(resolve(baseDir, first.runDir), modeMapFile(row.weights ?? 'average'));
      if (existsSync(runModes)) writePng(keptModes, readFileSync(runModes));
      if (existsSync(keptModes)) row.modeMap = relative(dirname(outputs.markdown), keptModes);
      else delete row.modeMap;
      const grid = drawn ?? (existsSync(kept) ? readFileSync(kept) : null);
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

    const unevaluated = tasks.filter((t) => !isEvaluated(t)).length;
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
