// Benchmark results (DESIGN.md "Results files"): aggregate per-seed numbers into mean ± std rows, and render the
// markdown twin of results/*.json with our rows beside the papers' numbers (GDPP Table 1 for Ring/Grid, Table 3
// for Stacked-MNIST; PAPERS.md §4–5). Pure functions; the bench command does the running and the writing.

/** One seed's outcome. */
export interface SeedResult {
  seed: number;
  modes: number;
  hq?: number | null;
  kl?: number | null;
  secPerIter?: number | null;
  [extra: string]: unknown;
}

/** One row of results/*.json. */
export interface BenchRow {
  method: string;
  dataset: string;
  protocol: 'paper' | 'short';
  seeds: number;
  iterations: number;
  modes: number;
  modesStd: number;
  hq: number | null;
  hqStd: number | null;
  kl: number | null;
  secPerIter: number | null;
  perSeed: SeedResult[];
}

/** A results/*.json file: the command, machine, date and rows. */
export interface BenchResults {
  command: string;
  machine: string;
  date: string;
  rows: BenchRow[];
}

/** Published numbers: modes and HQ% (Table 1) or modes and KL (Table 3). */
export interface PaperNumber {
  modes: number;
  hq?: number;
  kl?: number;
}

/** GDPP Table 1 (mean of 5 seeds; 2,500 samples, 3σ). */
export const PAPER_SYNTHETIC: Record<'ring' | 'grid', Record<string, PaperNumber>> = {
  ring: {
    GAN: { modes: 1, hq: 99.3 },
    Unrolled: { modes: 7.6, hq: 35.6 },
    VEEGAN: { modes: 8, hq: 52.9 },
    'WGAN-GP': { modes: 6.8, hq: 59.6 },
    'GDPP-GAN': { modes: 8, hq: 71.7 },
  },
  grid: {
    GAN: { modes: 3.3, hq: 0.5 },
    VEEGAN: { modes: 24.6, hq: 40.0 },
    'WGAN-GP': { modes: 24.2, hq: 28.7 },
    'GDPP-GAN': { modes: 24.8, hq: 68.5 },
  },
};

/** GDPP Table 3 (Stacked-MNIST, 1,000 modes; KL to uniform). */
export const PAPER_STACKED_MNIST: Record<string, PaperNumber> = {
  DCGAN: { modes: 427, kl: 3.163 },
  Unrolled: { modes: 817, kl: 1.43 },
  WGAN: { modes: 961, kl: 0.14 },
  'WGAN-GP': { modes: 995, kl: 0.148 },
  'GDPP-GAN': { modes: 1000, kl: 0.135 },
};

/** Mean and sample standard deviation (n − 1; 0 for a single value) of the finite values. */
export function meanStd(
  values: readonly (number | null | undefined)[],
): { mean: number; std: number } | null {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (finite.length === 0) return null;
  const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
  const variance =
    finite.length > 1 ? finite.reduce((a, b) => a + (b - mean) ** 2, 0) / (finite.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}

/** A results row from per-seed outcomes. */
export function summariseSeeds(
  row: Pick<BenchRow, 'method' | 'dataset' | 'protocol' | 'iterations'>,
  perSeed: SeedResult[],
): BenchRow {
  if (perSeed.length === 0)
    throw new RangeError(`summariseSeeds: no seeds for ${row.method} on ${row.dataset}`);
  const modes = meanStd(perSeed.map((s) => s.modes));
  const hq = meanStd(perSeed.map((s) => s.hq));
  const kl = meanStd(perSeed.map((s) => s.kl));
  const secPerIter = meanStd(perSeed.map((s) => s.secPerIter));
  return {
    ...row,
    seeds: perSeed.length,
    modes: modes?.mean ?? Number.NaN,
    modesStd: modes?.std ?? Number.NaN,
    hq: hq?.mean ?? null,
    hqStd: hq?.std ?? null,
    kl: kl?.mean ?? null,
    secPerIter: secPerIter?.mean ?? null,
    perSeed,
  };
}

function paperNumber(dataset: string, method: string): PaperNumber | undefined {
  if (dataset === 'ring' || dataset === 'grid') return PAPER_SYNTHETIC[dataset][method];
  if (dataset === 'stacked-mnist') return PAPER_STACKED_MNIST[method];
  return undefined;
}

const fixed = (value: number | null | undefined, digits: number) =>
  value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);

const withStd = (mean: number | null, std: number | null, digits: number) =>
  mean === null || !Number.isFinite(mean) ? '–' : `${mean.toFixed(digits)} ± ${fixed(std, digits)}`;

/**
 * The markdown twin of a results file: provenance, one table per dataset with our mean ± std beside the paper's
 * number for the same method (and the paper-only baselines listed for reference), then GDPP's time overhead.
 */
export function benchmarkMarkdown(results: BenchResults, title = 'Benchmark results'): string {
  const lines = [
    `# ${title}`,
    '',
    `- command: \`${results.command}\``,
    `- machine: ${results.machine}`,
    `- date: ${results.date}`,
    '',
  ];
  const datasets = [...new Set(results.rows.map((r) => r.dataset))];
  for (const dataset of datasets) {
    const rows = results.rows.filter((r) => r.dataset === dataset);
    const usesKl = rows.some((r) => r.kl !== null) || dataset === 'stacked-mnist';
    const quality = usesKl ? 'KL' : 'HQ %';
    lines.push(`## ${dataset}`, '');
    lines.push(
      `| method | protocol | seeds | iterations | modes | ${quality} | paper modes | paper ${quality} | s/iter |`,
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const r of rows) {
      const paper = r.protocol === 'paper' ? paperNumber(dataset, r.method) : undefined;
      const ours = usesKl ? fixed(r.kl, 3) : withStd(r.hq, r.hqStd, 1);
      const theirs = usesKl ? fixed(paper?.kl, 3) : fixed(paper?.hq, 1);
      lines.push(
        `| ${r.method} | ${r.protocol} | ${r.seeds} | ${r.iterations} | ${withStd(r.modes, r.modesStd, 1)} | ${ours} | ` +
          `${paper ? String(paper.modes) : '–'} | ${theirs} | ${fixed(r.secPerIter, 4)} |`,
      );
    }
    const published =
      dataset === 'ring' || dataset === 'grid'
        ? PAPER_SYNTHETIC[dataset]
        : dataset === 'stacked-mnist'
          ? PAPER_STACKED_MNIST
          : {};
    const missing = Object.entries(published).filter(([method]) => !rows.some((r) => r.method === method));
    if (missing.length > 0) {
      const text = missing
        .map(([m, p]) => `${m} ${p.modes}/${usesKl ? fixed(p.kl, 3) : fixed(p.hq, 1)}`)
        .join(', ');
      lines.push('', `Paper-only baselines (modes/${quality}): ${text}.`);
    }
    const plain = rows.find((r) => r.method === 'GAN' && r.secPerIter);
    const gdpp = rows.find((r) => r.method === 'GDPP-GAN' && r.secPerIter);
    if (plain?.secPerIter && gdpp?.secPerIter) {
      const overhead = 100 * (gdpp.secPerIter / plain.secPerIter - 1);
      lines.push('', `GDPP time overhead vs GAN: ${overhead.toFixed(1)}% per iteration.`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
