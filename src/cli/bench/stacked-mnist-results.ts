// Rows and results files of `dppgan bench stacked-mnist`: mean ± std over seeds per (method, protocol,
// iterations), results/stacked-mnist.json and its Markdown twin, and the rows carried over from an earlier
// invocation's file (same classifier, same sample counts). A row with fewer finished seeds than asked reads
// "k/N (incomplete)"; a moving-average config's second row is named "… — trained G, same runs".
import { type BenchRow, PAPER_STACKED_MNIST } from '../../report/index.js';
import type { GeneratorWeights } from '../../train/index.js';
import type { CliIo } from '../io.js';
import {
  type BenchTask,
  displayPath,
  fixed,
  keptPicturesNote,
  pm,
  readEarlierResults,
  seedStat,
  seedsCell,
  TRAINED_ROW_NOTE,
  TRAINED_ROW_SUFFIX,
} from './runs.js';
import {
  type RealReference,
  SMNIST_EVAL_SEED,
  type StackedMnistSeedResult,
} from './stacked-mnist-evaluation.js';

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
  /** The kept mode map of the row's first seed, relative to the results file (absent when none was drawn). */
  modeMap?: string;
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

export const rowKey = (r: Pick<StackedMnistRow, 'method' | 'protocol' | 'iterations'>) =>
  `${r.method}|${r.protocol}|${r.iterations}`;

/** Training seconds summed over the distinct runs behind `rows` (a run shared by two rows counts once). */
export function trainingSeconds(rows: StackedMnistRow[]): number {
  const seconds = new Map<string, number>();
  for (const row of rows) for (const s of row.perSeed) seconds.set(s.runDir, s.trainSeconds);
  return [...seconds.values()].reduce((sum, t) => sum + t, 0);
}

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
    `- date: ${results.date}; wall time of this invocation ${fixed(results.wallSeconds, 0)} s (evaluations cached in the run directories are reused, not redone); training time summed over the rows' runs (from their logs, each run once, earlier invocations and machines included): ${fixed(trainingSeconds(results.rows), 0)} s`,
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
    '"modes if digits independent": the modes the same number of samples would cover if each channel\'s digit were drawn independently with the frequencies this seed\'s samples show (Σ 1 − (1 − p₁p₂p₃)^N over the 1,000 triples). Observed modes near it: the missing ones come from unequal digit frequencies per channel, not from dropped combinations. – where the cached evaluation predates the mode counts.',
    '',
    `| method | protocol | seed | step | modes | modes if digits independent | KL | FID | KID |${userHead} classifier score | s/iter | train s | run |`,
    `|---|---|---|---|---|---|---|---|---|${userRule}---|---|---|---|`,
  );
  for (const r of results.rows) {
    for (const s of r.perSeed) {
      lines.push(
        `| ${r.method} | ${r.protocol} | ${s.seed} | ${s.step} | ${s.modes} | ${fixed(s.modesIfIndependent, 0)} | ${fixed(s.kl, 3)} | ${fixed(s.fid, 2)} | ${fixed(s.kid, 4)} |` +
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
      '',
      keptPicturesNote(pngName, 'grid'),
    );
  }
  const maps = results.rows.filter((r) => r.modeMap);
  if (maps.length > 0) {
    lines.push(
      '',
      '## Mode maps',
      '',
      "Which of the 1,000 digit triples the evaluation samples of the first seed hit, and how often (red: never; blue: light to dark from 1/8× to 8× the uniform share), with each channel's digit frequencies; in brackets the modes those frequencies alone would cover:",
      '',
      ...maps.map(
        (r) =>
          `- [${r.method}, ${r.protocol} ${r.iterations}, seed ${r.perSeed[0]?.seed}](${r.modeMap}): ${r.perSeed[0]?.modes} modes` +
          (r.perSeed[0]?.modesIfIndependent === undefined
            ? ''
            : ` (${Math.round(r.perSeed[0].modesIfIndependent)} if its digits were independent across channels)`),
      ),
    );
  }
  lines.push('');
  return lines.join('\n');
}

/** The earlier results/stacked-mnist.json made with the same classifier, or null. */
export function previousResults(path: string, classifier: string, io: CliIo): StackedMnistResults | null {
  const previous = readEarlierResults<StackedMnistResults>(path, io);
  if (previous === null) return null;
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

/** A row from earlier results without its "user model" cells (measured with another feature model). */
export function withoutUserMetrics(row: StackedMnistRow): StackedMnistRow {
  return {
    ...row,
    userFid: null,
    userFidStd: null,
    userKid: null,
    userKidStd: null,
    perSeed: row.perSeed.map((s) => ({ ...s, userFid: null, userKid: null })),
  };
}
