// `dppgan bench synthetic`: GDPP Table 1 (PAPERS.md §4) as a resumable batch. Every (dataset, method, seed) of
// experiments/synthetic/<dataset>-<method>.json is one `dppgan train` child process (up to `jobs` at once);
// each finished run is then evaluated here (2,500 samples, latent seed 0: modes and HQ% within 3σ, sliced W1,
// reverse KL) and the rows (mean ± std over seeds) go to results/synthetic.{json,md,png} (synthetic-results.ts).
// A config with a moving average of G ("generatorEma") gives a second row from the same runs: its trained G
// ("… — trained G, same runs"), which is what the config without the average scores. The rows of (dataset,
// method) pairs an invocation does not run are kept from the last results file of the same protocol, with their
// kept scatter panels, so a new config's row joins the table without retraining the others.
// Invariants: a run directory holding eval.json at the requested step is never retrained; an interrupted one is
// continued with `train --resume` (bit-exact); a row never reads as complete with fewer seeds than asked.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../backend/index.js';
import { runtimeError, usageError } from '../../errors.js';
import { evaluateMixture } from '../../metrics/index.js';
import { Random } from '../../random.js';
import { mixturePanelPng, sideBySidePng, writePng } from '../../report/index.js';
import { type GeneratorWeights, loadConfigFile, openRun } from '../../train/index.js';
import type { CliIo } from '../io.js';
import {
  type BenchTask,
  describeMachine,
  displayPath,
  type Experiment,
  evaluatedWeights,
  fixed,
  isFinished,
  loadAverage,
  METHOD_NAMES,
  methodRank,
  planTasks,
  pm,
  readEvalJson,
  requireExperimentsDirectory,
  resultFiles,
  round,
  roundOrNull,
  runTrainingTasks,
  secPerIterFromLog,
  seedsCell,
  selectMethods,
  TRAINED_ROW_SUFFIX,
  taskState,
  trainSecondsFromLog,
  writeAtomic,
} from './runs.js';
import {
  BENCH_EVAL_SEED,
  BENCH_SAMPLES,
  mergeSyntheticRows,
  previousSyntheticResults,
  SYNTHETIC_DATASETS,
  type SyntheticResults,
  type SyntheticRow,
  type SyntheticSeedResult,
  scatterPanelFile,
  syntheticMarkdown,
  syntheticRow,
} from './synthetic-results.js';

// The shared run machinery, re-exported under its old home.
export {
  type BenchTask,
  childCommand,
  describeMachine,
  displayPath,
  type Experiment,
  METHOD_NAMES,
  STOP_GRACE_MS,
  secPerIterFromLog,
  seedsCell,
  type TaskState,
  taskState,
  trainArgs,
  trainSecondsFromLog,
} from './runs.js';
// Rows, results files and Markdown (moved to their own file).
export * from './synthetic-results.js';

/** Iterations of `--protocol short` unless --iterations says otherwise. */
export const SHORT_ITERATIONS = 5000;

/** The package's experiments/synthetic (this file is src/cli/bench/ or dist/cli/bench/). */
export function defaultExperimentsDir(): string {
  return fileURLToPath(new URL('../../../experiments/synthetic', import.meta.url));
}

/** Every `<dataset>-<method>.json` in `dir` for the synthetic datasets, validated, in table order. */
export function listExperiments(dir: string): Experiment[] {
  requireExperimentsDirectory(dir);
  const experiments: Experiment[] = [];
  for (const name of readdirSync(dir).sort()) {
    const match = /^(ring|grid)-(.+)\.json$/.exec(name);
    if (!match) continue;
    const file = join(dir, name);
    const config = loadConfigFile(file);
    const slug = match[2];
    experiments.push({
      dataset: match[1],
      slug,
      method: METHOD_NAMES[slug] ?? slug,
      file,
      iterations: config.iterations,
    });
  }
  const datasetRank = (d: string) => (SYNTHETIC_DATASETS as readonly string[]).indexOf(d);
  return experiments.sort(
    (a, b) =>
      datasetRank(a.dataset) - datasetRank(b.dataset) ||
      methodRank(a.slug) - methodRank(b.slug) ||
      a.slug.localeCompare(b.slug),
  );
}

export interface SyntheticBenchOptions {
  seeds: number;
  iterations?: number;
  protocol?: 'paper' | 'short';
  /** Method slugs or results names (case-insensitive); default all found. */
  methods?: string[];
  datasets?: string[];
  jobs: number;
  /** Results directory (synthetic.json/.md/.png). */
  out: string;
  /** Root of the run directories. */
  runs: string;
  experiments?: string;
  /** The command line recorded in the results. */
  command: string;
  /** Markdown from `--notes FILE` (provenance the bench cannot know), printed under "Notes". */
  notes?: string;
  io: CliIo;
  signal?: AbortSignal;
}

/** The run directories and output files of one invocation (pure; no training). */
export function planBench(opts: SyntheticBenchOptions): {
  tasks: BenchTask[];
  seeds: number[];
  protocol: 'paper' | 'short';
  outputs: { json: string; markdown: string; png: string };
} {
  const dir = resolve(opts.experiments ?? defaultExperimentsDir());
  const experiments = listExperiments(dir);
  const datasets = opts.datasets ?? [...SYNTHETIC_DATASETS];
  for (const d of datasets) {
    if (!(SYNTHETIC_DATASETS as readonly string[]).includes(d)) {
      throw usageError(`--datasets: unknown dataset "${d}": expected ${SYNTHETIC_DATASETS.join(', ')}`);
    }
  }
  if (experiments.length === 0) {
    throw usageError(
      `${dir} holds no synthetic experiment configs (ring-*.json, grid-*.json): check --experiments`,
    );
  }
  const slugs = [...new Set(experiments.map((e) => e.slug))];
  const selected = selectMethods(slugs, opts.methods, dir);
  const chosen = experiments.filter((e) => datasets.includes(e.dataset) && selected.includes(e.slug));
  if (chosen.length === 0) throw usageError('no experiment config matches --methods and --datasets');

  const { tasks, seeds, protocol } = planTasks(
    chosen,
    opts,
    SHORT_ITERATIONS,
    (e, seed) => `${e.dataset}-${e.slug}-s${seed}`,
  );
  const stem = protocol === 'paper' ? 'synthetic' : 'synthetic-short';
  return { tasks, seeds, protocol, outputs: resultFiles(opts.out, stem) };
}

/**
 * Evaluate a finished run the GDPP way (PAPERS.md §4); also returns its samples for the panel. `weights`: the
 * run's default ('average': its moving average of G if it keeps one, else its trained G) or its trained G.
 */
export async function evaluateRun(
  task: BenchTask,
  baseDir: string,
  weights: GeneratorWeights = 'average',
): Promise<{
  result: SyntheticSeedResult;
  generated: Float32Array;
  real: Float32Array;
  dataset: { name: string; centres?: number[][]; std?: number };
  mismatch?: string;
}> {
  const trainer = await openRun(task.runDir);
  try {
    const generated = trainer.generate(BENCH_SAMPLES, new Random(BENCH_EVAL_SEED), undefined, weights);
    const realRandom = new Random(BENCH_EVAL_SEED).fork('real');
    const real = trainer.dataset.sampleArray(BENCH_SAMPLES, new Random(BENCH_EVAL_SEED).fork('real'));
    const m = evaluateMixture(generated, trainer.dataset, { random: realRandom });
    const result: SyntheticSeedResult = {
      seed: task.seed,
      modes: m.modes,
      totalModes: m.totalModes,
      hq: round(m.hq, 2),
      slicedWasserstein: round(m.slicedWasserstein, 5),
      reverseKl: round(m.reverseKl, 4),
      modeKl: round(m.modeKl, 4),
      secPerIter: roundOrNull(secPerIterFromLog(task.runDir), 5),
      step: trainer.step,
      trainSeconds: round(trainSecondsFromLog(task.runDir), 1),
      runDir: displayPath(baseDir, task.runDir),
    };
    // The child's eval.json used the same samples: any disagreement means a non-deterministic evaluation.
    const child = weights === 'average' ? readEvalJson(task.runDir) : null;
    let mismatch: string | undefined;
    if (
      child &&
      (child.modes !== result.modes || Math.abs(Number(child.hq ?? Number.NaN) - result.hq) > 0.01)
    ) {
      mismatch = `eval.json says ${child.modes} modes / HQ ${child.hq}%, re-evaluation ${result.modes} / ${result.hq}%`;
    }
    const { name, centres, std } = trainer.dataset;
    return { result, generated, real, dataset: { name, centres, std }, mismatch };
  } finally {
    trainer.dispose();
  }
}

function taskName(task: BenchTask): string {
  return `${task.experiment.dataset} ${task.experiment.method} seed ${task.seed}`;
}

/** Run (or resume) every task, evaluate, and write the results files. Throws after writing when runs failed. */
export async function runSyntheticBench(opts: SyntheticBenchOptions): Promise<SyntheticResults> {
  const started = performance.now();
  const { tasks, seeds, protocol, outputs } = planBench(opts);
  const io = opts.io;
  const baseDir = process.cwd();
  const finishedBefore = tasks.filter((t) => taskState(t) === 'done').length;
  const backend = await initBackend({ backend: 'auto' });
  const machine = describeMachine(backend, opts.jobs);
  io.out(
    `dppgan bench synthetic: ${tasks.length} runs (${finishedBefore} finished earlier), protocol ${protocol}, ` +
      `${opts.jobs} in parallel; run directories under ${displayPath(baseDir, resolve(opts.runs))}`,
  );
  const failures = await runTrainingTasks({
    tasks,
    jobs: opts.jobs,
    io,
    signal: opts.signal,
    baseDir,
    name: taskName,
    describeSkipped: (t) => {
      const e = readEvalJson(t.runDir);
      return `${e?.modes}/${e?.totalModes} modes, HQ ${fixed(e?.hq as number | undefined, 1)}%`;
    },
    onTrained: (task, resumed) => {
      const e = readEvalJson(task.runDir);
      return (
        `${e?.modes}/${e?.totalModes} modes, HQ ${fixed(e?.hq as number | undefined, 1)}%, ` +
        `sliced W1 ${fixed(e?.slicedWasserstein as number | undefined, 4)}, ${fixed(secPerIterFromLog(task.runDir), 4)} s/iter, ` +
        `${trainSecondsFromLog(task.runDir).toFixed(0)} s${resumed ? ' (resumed)' : ''}`
      );
    },
  });

  // Evaluate every finished run (also those skipped) and assemble the rows.
  const date = new Date().toISOString();
  const rows: SyntheticRow[] = [];
  // The scatter panel of each row's first finished seed, kept beside the results (scatterPanelFile).
  const panelFiles = new Map<SyntheticRow, string>();
  const experiments = [...new Set(tasks.map((t) => t.experiment))];
  for (const experiment of experiments) {
    const mine = tasks.filter((t) => t.experiment === experiment);
    // A config with a moving average of G: the average's row, then its runs' trained G.
    const weightsList = evaluatedWeights(experiment.file);
    for (const weights of weightsList) {
      const perSeed: SyntheticSeedResult[] = [];
      let panel: Buffer | null = null;
      for (const task of mine) {
        if (!isFinished(task)) continue;
        const { result, generated, real, dataset, mismatch } = await evaluateRun(task, baseDir, weights);
        if (mismatch) io.err(`dppgan bench: warning: ${taskName(task)}: ${mismatch}`);
        perSeed.push(result);
        if (perSeed.length === 1) {
          const trained = weights === 'trained' ? TRAINED_ROW_SUFFIX : '';
          panel = mixturePanelPng({
            name: `${experiment.dataset} ${experiment.method}${trained} (seed ${task.seed})`,
            generated,
            real,
            dataset,
            width: 320,
            height: 320,
          }).png;
        }
      }
      // Rows name their weights only when the config has both.
      const row: SyntheticRow = {
        ...syntheticRow(
          experiment,
          protocol,
          mine[0].iterations,
          seeds.length,
          perSeed,
          baseDir,
          weightsList.length > 1 ? weights : undefined,
        ),
        command: opts.command,
        date,
      };
      rows.push(row);
      if (panel) {
        const file = scatterPanelFile(outputs.png, row, perSeed[0].seed);
        writePng(file, panel);
        panelFiles.set(row, file);
      }
    }
  }
  // Rows of (dataset, method) pairs this invocation did not run, as an earlier one measured them.
  const previous = previousSyntheticResults(outputs.json, protocol, io);
  const allRows = mergeSyntheticRows(rows, previous?.rows ?? []);
  // One row of scatter panels per dataset, in table order; a carried-over row's panel is its kept file.
  const panels = new Map<string, Buffer[]>();
  for (const row of allRows) {
    const first = row.perSeed[0];
    const file = panelFiles.get(row) ?? (first ? scatterPanelFile(outputs.png, row, first.seed) : null);
    if (!file || !existsSync(file)) continue;
    panels.set(row.dataset, [...(panels.get(row.dataset) ?? []), readFileSync(file)]);
  }

  const gdppOverhead: SyntheticResults['gdppOverhead'] = [];
  for (const dataset of SYNTHETIC_DATASETS) {
    const gan = allRows.find((r) => r.dataset === dataset && r.method === 'GAN')?.secPerIter;
    const gdpp = allRows.find((r) => r.dataset === dataset && r.method === 'GDPP-GAN')?.secPerIter;
    if (gan && gdpp) {
      gdppOverhead.push({ dataset, gan, gdpp, percent: round(100 * (gdpp / gan - 1), 1) });
    }
  }
  machine.info.loadAverageAtEnd = loadAverage();
  const results: SyntheticResults = {
    command: opts.command,
    machine: machine.text,
    machineInfo: machine.info,
    date,
    protocol,
    samples: BENCH_SAMPLES,
    wallSeconds: round((performance.now() - started) / 1000, 1),
    trainSeconds: round(
      allRows
        .filter((r) => r.weights !== 'trained') // the same runs as the row before it
        .reduce((sum, r) => sum + r.perSeed.reduce((s, p) => s + p.trainSeconds, 0), 0),
      1,
    ),
    gdppOverhead,
    notes: opts.notes ?? null,
    rows: allRows,
  };
  let pngName: string | null = null;
  if (panels.size > 0) {
    const columns = Math.max(...[...panels.values()].map((row) => row.length));
    const grid = [...panels.values()].flatMap((row) => [
      ...row,
      ...Array<null>(columns - row.length).fill(null),
    ]);
    writePng(outputs.png, sideBySidePng(grid, { columns }));
    pngName = basename(outputs.png);
  }
  writeAtomic(outputs.json, `${JSON.stringify(results, null, 2)}\n`);
  writeAtomic(outputs.markdown, syntheticMarkdown(results, pngName));

  io.out('');
  for (const r of allRows) {
    io.out(
      `${r.dataset.padEnd(5)} ${r.method.padEnd(12)} seeds ${seedsCell(r).padEnd(5)} modes ${pm(r.modes, r.modesStd, 1).padEnd(11)} ` +
        `HQ ${pm(r.hq, r.hqStd, 1).padEnd(12)} s/iter ${fixed(r.secPerIter, 4)}`,
    );
  }
  for (const o of gdppOverhead) {
    io.out(
      `${o.dataset}: GDPP-GAN per-iteration time ${o.percent >= 0 ? '+' : ''}${o.percent.toFixed(1)}% vs GAN`,
    );
  }
  const written = [outputs.json, outputs.markdown, ...(pngName ? [outputs.png] : [])];
  io.out(
    `wrote ${written.map((p) => displayPath(baseDir, p)).join(', ')} in ${results.wallSeconds.toFixed(0)} s`,
  );

  const unfinished = tasks.filter((t) => !isFinished(t)).length;
  if (opts.signal?.aborted && unfinished > 0) {
    throw runtimeError(
      `interrupted: ${unfinished} of ${tasks.length} runs unfinished (results written as partial rows); rerun the same command to continue`,
    );
  }
  if (failures.length > 0) {
    throw runtimeError(`${failures.length} run(s) failed: ${failures.join('; ')}`);
  }
  return results;
}
