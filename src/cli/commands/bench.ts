// `dppgan bench <suite> [options]`: benchmark batches whose results go to results/<suite>.{json,md,png}
// (DESIGN.md "Results files"). Suites: `synthetic` (GDPP Table 1 on Ring and Grid; see ../bench/synthetic.ts) and
// `stacked-mnist` (GDPP Table 3; see ../bench/stacked-mnist.ts); both share ../bench/runs.ts. Another suite adds
// its name to SUITES and one branch in the action.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Argument, Command, InvalidArgumentError } from 'commander';
import { usageError } from '../../errors.js';
import { runStackedMnistBench, SMNIST_REAL_SAMPLES, SMNIST_SAMPLES } from '../bench/stacked-mnist.js';
import { runSyntheticBench } from '../bench/synthetic.js';
import { addFeatureModelOptions, type FeatureModelCliOptions } from '../feature-model.js';
import type { CliIo } from '../io.js';
import { integerOption } from '../options.js';

const SUITES = ['synthetic', 'stacked-mnist'] as const;
/** Seeds per method when --seeds is not given. */
const DEFAULT_SEEDS: Record<(typeof SUITES)[number], number> = { synthetic: 5, 'stacked-mnist': 2 };

interface BenchOptions extends FeatureModelCliOptions {
  seeds?: number;
  iterations?: number;
  protocol?: 'paper' | 'short';
  methods?: string[];
  datasets?: string[];
  jobs?: number;
  out: string;
  runs?: string;
  experiments?: string;
  samples?: number;
  realSamples?: number;
  classifier?: string;
  notes?: string;
}

function listOption(value: string): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw new InvalidArgumentError(`expected a comma-separated list, got "${value}"`);
  return items;
}

function protocolOption(value: string): 'paper' | 'short' {
  if (value !== 'paper' && value !== 'short') {
    throw new InvalidArgumentError(`expected paper or short, got "${value}"`);
  }
  return value;
}

/** The command line as typed, for the results file ("dppgan bench synthetic --seeds 5"). */
function commandLine(command: Command): string {
  const raw = (command.parent as (Command & { rawArgs?: string[] }) | null)?.rawArgs ?? [];
  const args = raw.slice(2).map((a) => (/^[\w./:=,+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  return ['dppgan', ...args].join(' ');
}

/** The text of `--notes FILE`; a missing or empty file is a usage error (before any run starts). */
function readNotes(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw usageError(
      `cannot read --notes file "${file}": ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  if (text.trim() === '') throw usageError(`--notes file "${file}" is empty`);
  return text;
}

export function benchCommand(io: CliIo): Command {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const bench = new Command('bench')
    .description(
      'run a benchmark suite (synthetic: GDPP Table 1 on Ring and Grid; stacked-mnist: GDPP Table 3), every method × seed as its own `dppgan train` process; resumable; writes results/<suite>.json, .md and .png',
    )
    .addArgument(new Argument('<suite>', 'which benchmark').choices(SUITES))
    .option(
      '--seeds <n>',
      'seeds 1..N per method and dataset (default: 5 for synthetic, 2 for stacked-mnist)',
      integerOption(1),
    )
    .option(
      '--iterations <n>',
      "training steps per run (default: the configs' own: 25000 synthetic, 15000 stacked-mnist)",
      integerOption(1),
    )
    .option(
      '--protocol <name>',
      "paper (the configs' iterations) or short (5000 synthetic / 4000 stacked-mnist, or --iterations)",
      protocolOption,
    )
    .option(
      '--methods <list>',
      'comma-separated config methods, e.g. gan,gdpp-gan (default: all)',
      listOption,
    )
    .option('--datasets <list>', 'synthetic: comma-separated ring,grid (default: both)', listOption)
    .option('--jobs <n>', `runs in parallel (default: the core count, ${cores})`, integerOption(1))
    .option(
      '--out <dir>',
      'results directory: synthetic.json/.md/.png (synthetic-short.* for the short protocol); stacked-mnist.json/.md/.png (all protocols)',
      'results',
    )
    .option(
      '--runs <dir>',
      'root of the run directories (finished runs there are reused; default runs/bench-<suite>)',
    )
    .option('--experiments <dir>', "config directory (default: the package's experiments/<suite>)")
    .option(
      '--samples <n>',
      `stacked-mnist: generated images per evaluation (default ${SMNIST_SAMPLES})`,
      integerOption(10),
    )
    .option(
      '--real-samples <n>',
      `stacked-mnist: real images of the FID/KID reference (default ${SMNIST_REAL_SAMPLES})`,
      integerOption(10),
    )
    .option(
      '--notes <file>',
      'Markdown printed under "Notes" in the results (and kept in the JSON): what the bench cannot know, e.g. which code or machine trained reused runs',
    )
    .option(
      '--classifier <key>',
      'stacked-mnist: cache key of the MNIST classifier (default: the one `dppgan classifier train` caches)',
    );
  // stacked-mnist: FID/KID on a user-supplied tfjs model's features too ("user model" columns).
  return addFeatureModelOptions(bench).action(
    async (suite: (typeof SUITES)[number], opts: BenchOptions, command: Command) => {
      if (!SUITES.includes(suite)) throw usageError(`unknown bench suite "${suite}"`);
      const only = (flag: string, value: unknown, owner: (typeof SUITES)[number]) => {
        if (value !== undefined && suite !== owner) {
          throw usageError(`${flag} applies to \`dppgan bench ${owner}\` only, not ${suite}`);
        }
      };
      only('--datasets', opts.datasets, 'synthetic');
      only('--samples', opts.samples, 'stacked-mnist');
      only('--real-samples', opts.realSamples, 'stacked-mnist');
      only('--classifier', opts.classifier, 'stacked-mnist');
      only('--feature-model', opts.featureModel, 'stacked-mnist');
      only('--feature-output', opts.featureOutput, 'stacked-mnist');
      only('--feature-input-size', opts.featureInputSize, 'stacked-mnist');
      only('--feature-range', opts.featureRange, 'stacked-mnist');
      only('--feature-batch', opts.featureBatch, 'stacked-mnist');
      const notes = opts.notes === undefined ? undefined : readNotes(opts.notes);
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      // `on`, not `once`: a second Ctrl-C must not kill the bench before its runs have stopped.
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const common = {
        seeds: opts.seeds ?? DEFAULT_SEEDS[suite],
        iterations: opts.iterations,
        protocol: opts.protocol,
        methods: opts.methods,
        jobs: opts.jobs ?? cores,
        out: opts.out,
        runs: opts.runs ?? `runs/bench-${suite}`,
        experiments: opts.experiments,
        command: commandLine(command),
        notes,
        io,
        signal: controller.signal,
      };
      try {
        if (suite === 'stacked-mnist') {
          await runStackedMnistBench({
            ...common,
            samples: opts.samples,
            realSamples: opts.realSamples,
            classifier: opts.classifier,
            featureModel: opts,
          });
          return;
        }
        await runSyntheticBench({ ...common, datasets: opts.datasets });
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
    },
  );
}
