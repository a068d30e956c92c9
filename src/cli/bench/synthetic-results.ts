// Rows, results files and Markdown of `dppgan bench synthetic`. The results outlive their run directories: each
// row records the invocation that measured it, a later invocation keeps the rows of the (dataset, method) pairs
// it does not run, and each row's scatter panel is kept as a file beside the results so the picture keeps it too.
import { type BenchRow, PAPER_SYNTHETIC, type SeedResult } from '../../report/index.js';
import type { GeneratorWeights } from '../../train/index.js';
import type { CliIo } from '../io.js';
import {
  displayPath,
  type Experiment,
  fixed,
  keptPictureFile,
  keptPicturesNote,
  methodRank,
  pm,
  readEarlierResults,
  seedStat,
  seedsCell,
  slugOf,
  TRAINED_ROW_NOTE,
  TRAINED_ROW_SUFFIX,
} from './runs.js';

export const SYNTHETIC_DATASETS = ['ring', 'grid'] as const;

/** Samples per evaluation (GDPP protocol). */
export const BENCH_SAMPLES = 2500;
/** Latent seed of the evaluation samples (the same as `dppgan train`'s eval.json and `dppgan sample`). */
export const BENCH_EVAL_SEED = 0;

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
  /** The invocation that measured the row (absent in results written before rows recorded it). */
  command?: string;
  date?: string;
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

/** The earlier results file of the same protocol and sample count, or null (with a warning when unusable). */
export function previousSyntheticResults(
  path: string,
  protocol: 'paper' | 'short',
  io: CliIo,
): SyntheticResults | null {
  const previous = readEarlierResults<SyntheticResults>(path, io);
  if (previous === null) return null;
  if (previous.protocol !== protocol || previous.samples !== BENCH_SAMPLES || !Array.isArray(previous.rows)) {
    io.err(
      `dppgan bench: warning: ${path} holds other results (protocol ${previous.protocol}, ${previous.samples} samples); its rows are not carried over`,
    );
    return null;
  }
  return previous;
}

const rowKey = (r: SyntheticRow) => `${r.dataset}\u0000${r.method}`;

/** This invocation's rows plus the earlier rows of (dataset, method) pairs it did not run, in table order. */
export function mergeSyntheticRows(
  current: SyntheticRow[],
  earlier: readonly SyntheticRow[],
): SyntheticRow[] {
  const measured = new Set(current.map(rowKey));
  const datasetRank = (d: string) => (SYNTHETIC_DATASETS as readonly string[]).indexOf(d);
  return [...current, ...earlier.filter((r) => !measured.has(rowKey(r)))].sort(
    (a, b) =>
      datasetRank(a.dataset) - datasetRank(b.dataset) ||
      methodRank(slugOf(a.method)) - methodRank(slugOf(b.method)) ||
      a.method.localeCompare(b.method),
  );
}

/**
 * Where a row's scatter panel is kept: <out>/<stem>-samples/<dataset>-<method>[-trained]-s<seed>.png, beside
 * <out>/<stem>.png, so a later invocation can draw a carried-over row whose run directory is gone.
 */
export function scatterPanelFile(png: string, row: SyntheticRow, seed: number): string {
  const weights = row.weights === 'trained' ? '-trained' : '';
  const name = `${row.dataset}-${slugOf(row.method)}${weights}-s${seed}.png`;
  return keptPictureFile(png, name);
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
  const carried = results.rows.filter((r) => r.command !== results.command);
  if (carried.length > 0) {
    lines.push('', '## Rows carried over from earlier invocations', '');
    for (const r of carried) {
      lines.push(
        `- ${r.dataset} ${r.method}: ${r.command ? `\`${r.command}\` (${r.date})` : 'an invocation before rows recorded theirs (see the run directories and Notes)'}`,
      );
    }
  }
  if (pngName) {
    lines.push(
      '',
      '## Samples (first finished seed of each row)',
      '',
      `![scatter panels](${pngName})`,
      '',
      keptPicturesNote(pngName, 'panel'),
    );
  }
  lines.push('');
  return lines.join('\n');
}
