// `dppgan bench synthetic`: GDPP Table 1 (PAPERS.md §4) as a resumable batch. Every (dataset, method, seed) of
// experiments/synthetic/<dataset>-<method>.json is one `dppgan train` child process (up to `jobs` at once);
// each finished run is then evaluated here (2,500 samples, latent seed 0: modes and HQ% within 3σ, sliced W1,
// reverse KL) and the rows (mean ± std over seeds) go to results/synthetic.{json,md,png}.
// A config with a moving average of G ("generatorEma") gives a second row from the same runs: its trained G
// ("… — trained G, same runs"), which is what the config without the average scores.
// Invariants: a run directory holding eval.json at the requested step is never retrained; an interrupted one is
// continued with `train --resume` (bit-exact); a row never reads as complete with fewer seeds than asked.
import { readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../backend/index.js';
import { runtimeError, usageError } from '../../errors.js';
import { evaluateMixture } from '../../metrics/index.js';
import { Random } from '../../random.js';
import {
  type BenchRow,
  mixturePanelPng,
  PAPER_SYNTHETIC,
  type SeedResult,
  sideBySidePng,
  writePng,
} from '../../report/index.js';
import { type GeneratorWeights, loadConfigFile, openRun } from '../../train/index.js';
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
  planTasks,
  pm,
  readEvalJson,
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

/** Samples per evaluation (GDPP protocol). */
export const BENCH_SAMPLES = 2500;
/** Latent seed of the evaluation samples (the same as `dppgan train`'s eval.json and `dppgan sample`). */
export const BENCH_EVAL_SEED = 0;
/** Iterations of `--protocol short` unless --iterations says otherwise. */
export const SHORT_ITERATIONS = 5000;
export const SYNTHETIC_DATASETS = ['ring', 'grid'] as const;

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
  const experiments = listExperiments(resolve(opts.experiments ?? defaultExperimentsDir()));
  const datasets = opts.datasets ?? [...SYNTHETIC_DATASETS];
  for (const d of datasets) {
    if (!(SYNTHETIC_DATASETS as readonly string[]).includes(d)) {
      throw usageError(`--datasets: unknown dataset "${d}": expected ${SYNTHETIC_DATASETS.join(', ')}`);
    }
  }
  const slugs = [...new Set(experiments.map((e) => e.slug))];
  const selected = selectMethods(slugs, opts.methods, opts.experiments ?? defaultExperimentsDir());
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

/** One evaluated run (seed) of a row. */
export interface SyntheticSeedResult extends SeedResult {
  hq: number;
  totalModes: number;
  slicedWasserstein: number;
  reverseKl: number;
  modeKl: number;
  step: number;
  trainSeconds: number;
  runDir: string;
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

/** A results row (DESIGN.md "Results files") with the seeds asked for, sliced W1 and reverse KL. */
export interface SyntheticRow extends BenchRow {
  /** Seeds requested; `seeds` counts the finished ones. */
  seedsAsked: number;
  complete: boolean;
  config: string;
  slicedWasserstein: number | null;
  slicedWassersteinStd: number | null;
  reverseKl: number | null;
  secPerIterStd: number | null;
  /** Rows of a config with a moving average of G: which weights generated (absent for other configs). */
  weights?: GeneratorWeights;
  perSeed: SyntheticSeedResult[];
}

export interface SyntheticResults {
  command: string;
  machine: string;
  machineInfo: Record<string, string | number>;
  date: string;
  protocol: 'paper' | 'short';
  samples: number;
  wallSeconds: number;
  trainSeconds: number;
  gdppOverhead: { dataset: string; gan: number; gdpp: number; percent: number }[];
  /** `--notes FILE`'s Markdown, or null. */
  notes?: string | null;
  rows: SyntheticRow[];
}

/** Mean ± std (sample std, n − 1) of the finished seeds; nulls where no seed finished. */
export function syntheticRow(
  experiment: Experiment,
  protocol: 'paper' | 'short',
  iterations: number,
  seedsAsked: number,
  perSeed: SyntheticSeedResult[],
  baseDir: string,
  weights?: GeneratorWeights,
): SyntheticRow {
  const modes = seedStat(perSeed, 'modes');
  const hq = seedStat(perSeed, 'hq');
  const sw = seedStat(perSeed, 'slicedWasserstein');
  const rkl = seedStat(perSeed, 'reverseKl');
  const spi = seedStat(perSeed, 'secPerIter');
  return {
    method: weights === 'trained' ? `${experiment.method}${TRAINED_ROW_SUFFIX}` : experiment.method,
    dataset: experiment.dataset,
    protocol,
    seeds: perSeed.length,
    seedsAsked,
    complete: perSeed.length === seedsAsked,
    iterations,
    config: displayPath(baseDir, experiment.file),
    modes: modes?.mean ?? Number.NaN,
    modesStd: modes?.std ?? Number.NaN,
    hq: hq?.mean ?? null,
    hqStd: hq?.std ?? null,
    kl: null,
    slicedWasserstein: sw?.mean ?? null,
    slicedWassersteinStd: sw?.std ?? null,
    reverseKl: rkl?.mean ?? null,
    secPerIter: spi?.mean ?? null,
    secPerIterStd: spi?.std ?? null,
    ...(weights ? { weights } : {}),
    perSeed,
  };
}

/** The paper's training budget on Ring and Grid (PAPERS.md §4). */
export const PAPER_SYNTHETIC_ITERATIONS = 25000;

/** "; the rows of N iterations train k× the paper's budget …", when a row trains longer than the paper. */
function longerBudgetNote(rows: readonly SyntheticRow[]): string {
  const longer = [...new Set(rows.map((r) => r.iterations).filter((n) => n > PAPER_SYNTHETIC_ITERATIONS))];
  if (longer.length === 0) return '';
  const budgets = longer
    .sort((a, b) => a - b)
    .map((n) => `${n.toLocaleString('en')} (${+(n / PAPER_SYNTHETIC_ITERATIONS).toFixed(2)}×)`)
    .join(', ');
  return `; rows of ${budgets} iterations train longer than the paper's budget and are not like-for-like with its numbers`;
}

/** The markdown twin of results/synthetic.json. */
export function syntheticMarkdown(results: SyntheticResults, pngName: string | null): string {
  const lines = [
    '# Synthetic benchmark: GDPP Table 1 (Ring and Grid)',
    '',
    `- command: \`${results.command}\``,
    `- machine: ${results.machine}`,
    `- date: ${results.date}`,
    `- wall time of this invocation: ${fixed(results.wallSeconds, 0)} s; training time summed over all runs (from their logs, earlier invocations included): ${fixed(results.trainSeconds, 0)} s`,
    `- protocol: ${
      results.protocol === 'paper'
        ? `**paper** — each config's own iteration count (${PAPER_SYNTHETIC_ITERATIONS.toLocaleString('en')} for the faithful configs${longerBudgetNote(results.rows)})`
        : '**short** — fewer iterations than the paper; not comparable to the paper numbers'
    }`,
    `- evaluation: ${results.samples} generated samples per run (latent seed ${BENCH_EVAL_SEED}); each assigned to its nearest centre, high-quality (HQ) when within 3σ of it; modes = centres with ≥ 1 HQ sample; sliced W1 (256 directions) and reverse KL (100×100 histogram) against ${results.samples} fresh real samples. Mean ± sample std over seeds. s/iter = median seconds per training step from each run's log (first record of each process left out), then the mean over seeds.`,
    ...(results.rows.some((r) => r.weights === 'trained') ? [TRAINED_ROW_NOTE] : []),
    '',
  ];
  if (results.notes) lines.push('## Notes', '', results.notes.trim(), '');
  for (const dataset of [...new Set(results.rows.map((r) => r.dataset))]) {
    const rows = results.rows.filter((r) => r.dataset === dataset);
    const paper = PAPER_SYNTHETIC[dataset as 'ring' | 'grid'] ?? {};
    lines.push(
      `## ${dataset === 'ring' ? 'Ring (8 modes)' : dataset === 'grid' ? 'Grid (25 modes)' : dataset}`,
      '',
    );
    lines.push(
      '| method | protocol | seeds | iterations | modes | HQ % | sliced W1 | reverse KL | s/iter | paper modes | paper HQ % |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const r of rows) {
      const p = paper[r.method];
      lines.push(
        `| ${r.method} | ${r.protocol} | ${seedsCell(r)} | ${r.iterations} | ${pm(r.modes, r.modesStd, 1)} | ${pm(r.hq, r.hqStd, 1)} | ` +
          `${pm(r.slicedWasserstein, r.slicedWassersteinStd, 4)} | ${fixed(r.reverseKl, 3)} | ${fixed(r.secPerIter, 4)} | ` +
          `${p ? p.modes : '–'} | ${p ? fixed(p.hq, 1) : '–'} |`,
      );
    }
    const missing = Object.entries(paper).filter(([m]) => !rows.some((r) => r.method === m));
    if (missing.length > 0) {
      lines.push(
        '',
        `Paper-only baselines (modes / HQ %, 25,000 iterations, 5 seeds): ${missing.map(([m, p]) => `${m} ${p.modes} / ${fixed(p.hq, 1)}`).join(', ')}.`,
      );
    }
    const overhead = results.gdppOverhead.find((o) => o.dataset === dataset);
    if (overhead) {
      lines.push(
        '',
        `GDPP time overhead: GDPP-GAN ${overhead.gdpp.toFixed(4)} s/iter vs GAN ${overhead.gan.toFixed(4)} s/iter = ` +
          `${overhead.percent >= 0 ? '+' : ''}${overhead.percent.toFixed(1)}% per iteration (target ≤ 15%; the paper: eigendecomposition 8–12% of an iteration). ` +
          'Timings are from runs sharing the machine with each other (see machine above), so treat them as indicative.',
      );
    }
    if (rows.some((r) => r.protocol === 'short')) {
      lines.push(
        '',
        'Rows marked **short** ran fewer iterations than the paper: paper numbers shown for orientation only.',
      );
    }
    lines.push('');
  }
  lines.push(
    '## Per seed',
    '',
    '| dataset | method | seed | step | modes | HQ % | sliced W1 | s/iter | run |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const r of results.rows) {
    for (const s of r.perSeed) {
      lines.push(
        `| ${r.dataset} | ${r.method} | ${s.seed} | ${s.step} | ${s.modes}/${s.totalModes} | ${fixed(s.hq, 2)} | ${fixed(s.slicedWasserstein, 4)} | ${fixed(s.secPerIter, 4)} | \`${s.runDir}\` |`,
      );
    }
  }
  lines.push('', '## Configs', '');
  for (const r of results.rows) lines.push(`- ${r.dataset} ${r.method}: \`${r.config}\``);
  if (pngName) {
    lines.push('', '## Samples (first finished seed of each row)', '', `![scatter panels](${pngName})`);
  }
  lines.push('');
  return lines.join('\n');
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
  const rows: SyntheticRow[] = [];
  const panels: Buffer[] = [];
  const experiments = [...new Set(tasks.map((t) => t.experiment))];
  for (const experiment of experiments) {
    const mine = tasks.filter((t) => t.experiment === experiment);
    // A config with a moving average of G: the average's row, then its runs' trained G.
    const averaged = loadConfigFile(experiment.file).generatorEma !== undefined;
    for (const weights of averaged ? (['average', 'trained'] as const) : [undefined]) {
      const perSeed: SyntheticSeedResult[] = [];
      for (const task of mine) {
        if (!isFinished(task)) continue;
        const { result, generated, real, dataset, mismatch } = await evaluateRun(task, baseDir, weights);
        if (mismatch) io.err(`dppgan bench: warning: ${taskName(task)}: ${mismatch}`);
        perSeed.push(result);
        if (perSeed.length === 1) {
          const trained = weights === 'trained' ? TRAINED_ROW_SUFFIX : '';
          const panel = mixturePanelPng({
            name: `${experiment.dataset} ${experiment.method}${trained} (seed ${task.seed})`,
            generated,
            real,
            dataset,
            width: 320,
            height: 320,
          });
          panels.push(panel.png);
        }
      }
      rows.push(
        syntheticRow(experiment, protocol, mine[0].iterations, seeds.length, perSeed, baseDir, weights),
      );
    }
  }

  const gdppOverhead: SyntheticResults['gdppOverhead'] = [];
  for (const dataset of SYNTHETIC_DATASETS) {
    const gan = rows.find((r) => r.dataset === dataset && r.method === 'GAN')?.secPerIter;
    const gdpp = rows.find((r) => r.dataset === dataset && r.method === 'GDPP-GAN')?.secPerIter;
    if (gan && gdpp) {
      gdppOverhead.push({ dataset, gan, gdpp, percent: round(100 * (gdpp / gan - 1), 1) });
    }
  }
  machine.info.loadAverageAtEnd = loadAverage();
  const results: SyntheticResults = {
    command: opts.command,
    machine: machine.text,
    machineInfo: machine.info,
    date: new Date().toISOString(),
    protocol,
    samples: BENCH_SAMPLES,
    wallSeconds: round((performance.now() - started) / 1000, 1),
    trainSeconds: round(
      rows
        .filter((r) => r.weights !== 'trained') // the same runs as the row before it
        .reduce((sum, r) => sum + r.perSeed.reduce((s, p) => s + p.trainSeconds, 0), 0),
      1,
    ),
    gdppOverhead,
    notes: opts.notes ?? null,
    rows,
  };
  let pngName: string | null = null;
  if (panels.length > 0) {
    const columns = Math.max(1, ...SYNTHETIC_DATASETS.map((d) => rows.filter((r) => r.dataset === d).length));
    writePng(outputs.png, sideBySidePng(panels, { columns }));
    pngName = basename(outputs.png);
  }
  writeAtomic(outputs.json, `${JSON.stringify(results, null, 2)}\n`);
  writeAtomic(outputs.markdown, syntheticMarkdown(results, pngName));

  io.out('');
  for (const r of rows) {
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
