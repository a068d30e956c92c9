// `dppgan bench <suite> [options]`: benchmark batches whose results go to results/<suite>.{json,md,png}
// (DESIGN.md "Results files"). Suites: `synthetic` (GDPP Table 1 on Ring and Grid; see ../bench/synthetic.ts).
// Another suite adds its name to SUITES and one branch in the action.
import os from 'node:os';
import { Argument, Command, InvalidArgumentError } from 'commander';
import { usageError } from '../../errors.js';
import { runSyntheticBench } from '../bench/synthetic.js';
import type { CliIo } from '../io.js';
import { integerOption } from '../options.js';

const SUITES = ['synthetic'] as const;

interface BenchOptions {
  seeds: number;
  iterations?: number;
  protocol?: 'paper' | 'short';
  methods?: string[];
  datasets?: string[];
  jobs?: number;
  out: string;
  runs: string;
  experiments?: string;
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

export function benchCommand(io: CliIo): Command {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  return new Command('bench')
    .description(
      'run a benchmark suite (synthetic: GDPP Table 1 on Ring and Grid, every method × seed as its own `dppgan train` process); resumable; writes results/<suite>.json, .md and .png',
    )
    .addArgument(new Argument('<suite>', 'which benchmark').choices(SUITES))
    .option('--seeds <n>', 'seeds 1..N per method and dataset', integerOption(1), 5)
    .option('--iterations <n>', "training steps per run (default: the configs' own, 25000)", integerOption(1))
    .option(
      '--protocol <name>',
      "paper (the configs' iterations) or short (5000, or --iterations)",
      protocolOption,
    )
    .option(
      '--methods <list>',
      'comma-separated config methods, e.g. gan,gdpp-gan (default: all)',
      listOption,
    )
    .option('--datasets <list>', 'comma-separated: ring,grid (default: both)', listOption)
    .option('--jobs <n>', `runs in parallel (default: the core count, ${cores})`, integerOption(1))
    .option(
      '--out <dir>',
      'results directory: synthetic.json/.md/.png (synthetic-short.* for the short protocol)',
      'results',
    )
    .option(
      '--runs <dir>',
      'root of the run directories (finished runs there are reused)',
      'runs/bench-synthetic',
    )
    .option('--experiments <dir>', "config directory (default: the package's experiments/synthetic)")
    .action(async (suite: (typeof SUITES)[number], opts: BenchOptions, command: Command) => {
      if (suite !== 'synthetic') throw usageError(`unknown bench suite "${suite}"`);
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      // `on`, not `once`: a second Ctrl-C must not kill the bench before its runs have stopped.
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        await runSyntheticBench({
          seeds: opts.seeds,
          iterations: opts.iterations,
          protocol: opts.protocol,
          methods: opts.methods,
          datasets: opts.datasets,
          jobs: opts.jobs ?? cores,
          out: opts.out,
          runs: opts.runs,
          experiments: opts.experiments,
          command: commandLine(command),
          io,
          signal: controller.signal,
        });
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
    });
}
