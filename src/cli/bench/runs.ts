// The machinery every `dppgan bench <suite>` shares: experiment configs → tasks (one run directory per method ×
// seed), the protocol switch (paper = each config's own iterations, short = fewer), `dppgan train` child
// processes (up to `jobs` at once, Ctrl-C forwarded once so each saves a checkpoint), and timing from run logs.
// Invariants: a run directory holding eval.json at the requested step is never retrained; an interrupted one is
// continued with `train --resume` (bit-exact); a row never reads as complete with fewer seeds than asked.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import cliProgress from 'cli-progress';
import { usageError } from '../../errors.js';
import { meanStd } from '../../report/index.js';
import { type GeneratorWeights, hasCheckpoint, loadConfigFile, readLog } from '../../train/index.js';
import { type CliIo, requireOutputDirectory } from '../io.js';

/** After a stop request, children still running after this long are terminated. */
export const STOP_GRACE_MS = 20_000;

/** Config-file method slug → the method name of results files (DESIGN.md "Results files"). */
export const METHOD_NAMES: Record<string, string> = {
  gan: 'GAN',
  dcgan: 'DCGAN',
  'wgan-gp': 'WGAN-GP',
  'sn-gan': 'SN-GAN',
  'gdpp-gan': 'GDPP-GAN',
  'gdpp-sn-gan': 'GDPP+SN-GAN',
  'gdpp-gan-magnitude1': 'GDPP-GAN, magnitude weight 1 (ours)',
  'gdpp-gan-magnitude1-decay': 'GDPP-GAN, magnitude 1 + lr decay (ours)',
  'gdpp-gan-magnitude1-40k': 'GDPP-GAN, magnitude weight 1, 40,000 iterations (ours)',
  'gdpp-gan-magnitude1-ema': 'GDPP-GAN, magnitude 1 + G moving average (ours)',
  'gdpp-gan-magnitude1-40k-ema': 'GDPP-GAN, magnitude 1, 40,000 iterations + G moving average (ours)',
  'gdpp-gan-magnitude1-40k-ema-signinvariant':
    'GDPP-GAN, magnitude 1, 40,000 iterations + G moving average, sign-invariant structure (ours)',
  'gdpp-gan-magnitude10': 'GDPP-GAN, magnitude weight 10 (ours)',
  'gdpp-gan-magnitude10-ema': 'GDPP-GAN, magnitude 10 + G moving average (ours)',
  'gdpp-gan-magnitude30-ema': 'GDPP-GAN, magnitude 30 + G moving average (ours)',
};
const METHOD_ORDER = Object.keys(METHOD_NAMES);

/**
 * Appended to the results name of a config with a moving average of G ("generatorEma") for the row of its runs'
 * trained G: the benches evaluate both from the same runs, as StudioGAN reports G and G_ema.
 */
export const TRAINED_ROW_SUFFIX = ' — trained G, same runs';

/**
 * The weights a config's runs are evaluated on, a row each: their default ('average', which is the trained G of
 * a config without a moving average), plus the trained G for a config with "generatorEma".
 */
export function evaluatedWeights(configFile: string): GeneratorWeights[] {
  return loadConfigFile(configFile).generatorEma ? ['average', 'trained'] : ['average'];
}

/** The Markdown line that explains the "trained G, same runs" rows. */
export const TRAINED_ROW_NOTE = `- moving average of G: a config with \`"generatorEma"\` samples from the average; the row "…${TRAINED_ROW_SUFFIX}" evaluates the trained G of the very same runs. Training never reads the average, so that row is what the config without \`"generatorEma"\` scores at the same seeds.`;

/** The config slug of a results row's method name (its "trained G" twin included); the name when unknown. */
export function slugOf(method: string): string {
  const name = method.endsWith(TRAINED_ROW_SUFFIX) ? method.slice(0, -TRAINED_ROW_SUFFIX.length) : method;
  return Object.entries(METHOD_NAMES).find(([, n]) => n === name)?.[0] ?? name;
}

/** An earlier results file of a bench, parsed, or null: absent, or not JSON (with a warning). */
export function readEarlierResults<T>(path: string, io: CliIo): T | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    io.err(`dppgan bench: warning: ${path} is not valid JSON; its rows are not carried over`);
    return null;
  }
}

/** A row's kept picture `name` in <stem>-samples/ beside the results picture <out>/<stem>.png. */
export function keptPictureFile(png: string, name: string): string {
  return join(dirname(png), `${basename(png, '.png')}-samples`, name);
}

/** The Markdown line saying where each row's picture is kept (beside <stem>.png, in <stem>-samples/). */
export function keptPicturesNote(pngName: string, picture: string): string {
  return `Each row's ${picture} is also kept in \`${pngName.replace(/\.png$/, '')}-samples/\`, so rows carried over from runs that are gone keep their picture.`;
}

/** Table order of a method slug (unknown slugs last). */
export function methodRank(slug: string): number {
  const k = METHOD_ORDER.indexOf(slug);
  return k < 0 ? METHOD_ORDER.length : k;
}

export interface Experiment {
  dataset: string;
  /** File-name slug, e.g. 'gdpp-gan'. */
  slug: string;
  /** Results name, e.g. 'GDPP-GAN' (the slug itself for configs without a standard name). */
  method: string;
  file: string;
  /** The config's own iteration count (the paper protocol). */
  iterations: number;
}

export type Protocol = 'paper' | 'short';

export interface BenchTask {
  experiment: Experiment;
  seed: number;
  iterations: number;
  protocol: Protocol;
  runDir: string;
  /** Child output (stdout + stderr). */
  logFile: string;
}

export type TaskState = 'done' | 'resume' | 'restart' | 'fresh';

/** The slugs named by `--methods` (slugs or results names, case-insensitive); all of `slugs` when undefined. */
export function selectMethods(slugs: string[], methods: string[] | undefined, where: string): string[] {
  if (!methods) return slugs;
  return methods.map((m) => {
    const key = m.trim().toLowerCase();
    const slug = slugs.find((s) => s === key || (METHOD_NAMES[s] ?? s).toLowerCase() === key);
    if (!slug) {
      throw usageError(
        `--methods: unknown method "${m}": expected some of ${slugs.join(', ')} (configs in ${where})`,
      );
    }
    return slug;
  });
}

/**
 * The protocol of an invocation and the iterations of each chosen config: `paper` trains each config for its
 * own count (and rejects a different --iterations), `short` for --iterations or `shortIterations`. Without
 * --protocol, --iterations equal to every config's own count means paper, any other count short.
 */
export function resolveProtocol(
  chosen: Experiment[],
  opts: { protocol?: Protocol; iterations?: number },
  shortIterations: number,
): { protocol: Protocol; iterationsOf: (e: Experiment) => number } {
  const paperIterations = new Set(chosen.map((e) => e.iterations));
  let protocol: Protocol = opts.protocol ?? 'paper';
  if (opts.iterations !== undefined && !opts.protocol) {
    protocol = paperIterations.size === 1 && paperIterations.has(opts.iterations) ? 'paper' : 'short';
  }
  if (protocol === 'paper' && opts.iterations !== undefined) {
    const other = chosen.find((e) => e.iterations !== opts.iterations);
    if (other) {
      throw usageError(
        `--protocol paper trains each config for its own ${other.iterations} iterations, got --iterations ${opts.iterations}: drop --iterations or use --protocol short`,
      );
    }
  }
  const iterationsOf = (e: Experiment) =>
    protocol === 'paper' ? e.iterations : (opts.iterations ?? shortIterations);
  return { protocol, iterationsOf };
}

/**
 * The tasks of an invocation: its protocol (see `resolveProtocol`) and one task per chosen config × seed
 * 1..opts.seeds, run directory <runs>/<protocol>-<iterations>/<name> with the child's log in logs/<name>.log there.
 */
export function planTasks(
  chosen: Experiment[],
  opts: { protocol?: Protocol; iterations?: number; seeds: number; runs: string },
  shortIterations: number,
  nameOf: (experiment: Experiment, seed: number) => string,
): { tasks: BenchTask[]; seeds: number[]; protocol: Protocol } {
  const { protocol, iterationsOf } = resolveProtocol(chosen, opts, shortIterations);
  const seeds = Array.from({ length: opts.seeds }, (_, k) => k + 1);
  const runs = resolve(opts.runs);
  const tasks: BenchTask[] = [];
  for (const experiment of chosen) {
    const iterations = iterationsOf(experiment);
    const group = join(runs, `${protocol}-${iterations}`);
    for (const seed of seeds) {
      const name = nameOf(experiment, seed);
      tasks.push({
        experiment,
        seed,
        iterations,
        protocol,
        runDir: join(group, name),
        logFile: join(group, 'logs', `${name}.log`),
      });
    }
  }
  return { tasks, seeds, protocol };
}

/**
 * The order tasks are started in: seed-major (seed 1 of every method, then seed 2, …; table order within a seed),
 * so that an invocation cut short still leaves comparable rows rather than every seed of the first method.
 */
export function runOrder(tasks: BenchTask[]): BenchTask[] {
  return [...tasks].sort((a, b) => a.seed - b.seed); // stable: keeps the planned (table) order within a seed
}

/** The results files <out>/<stem>.{json,md,png}. */
export function resultFiles(out: string, stem: string): { json: string; markdown: string; png: string } {
  const dir = resolve(out);
  requireOutputDirectory(dir, out);
  return {
    json: join(dir, `${stem}.json`),
    markdown: join(dir, `${stem}.md`),
    png: join(dir, `${stem}.png`),
  };
}

/** A run's eval.json (written by `dppgan train` at its last step), or null. */
export function readEvalJson(runDir: string): Record<string, number | string | undefined> | null {
  try {
    return JSON.parse(readFileSync(join(runDir, 'eval.json'), 'utf8')) as Record<
      string,
      number | string | undefined
    >;
  } catch {
    return null;
  }
}

/** Whether the task's run directory is trained to its iteration count (eval.json at that step). */
export function isFinished(task: BenchTask): boolean {
  return readEvalJson(task.runDir)?.step === task.iterations;
}

/** What a run directory needs: nothing (finished), a resume, a forced restart (no checkpoint yet) or a fresh start. */
export function taskState(task: BenchTask): TaskState {
  const { runDir, iterations } = task;
  if (!existsSync(runDir) || readdirSync(runDir).length === 0) return 'fresh';
  if (!hasCheckpoint(runDir)) return 'restart';
  const evaluation = readEvalJson(runDir);
  if (evaluation?.step === iterations) return 'done';
  if (typeof evaluation?.step === 'number' && evaluation.step > iterations) {
    throw usageError(
      `${runDir} was trained for ${evaluation.step} steps, more than the ${iterations} asked: use another --runs`,
    );
  }
  return 'resume';
}

/** The `dppgan train` arguments that bring a task's run directory to its iteration count. */
export function trainArgs(task: BenchTask, state: Exclude<TaskState, 'done'>): string[] {
  const args = [
    'train',
    '--config',
    task.experiment.file,
    '--out',
    task.runDir,
    '--seed',
    String(task.seed),
    '--iterations',
    String(task.iterations),
    // One thread per run: a row's numbers must not depend on --jobs (with batch norm, N worker threads
    // normalise per shard and train slightly differently); the bench gets its parallelism from its runs.
    '--workers',
    '1',
  ];
  if (state === 'resume') args.push('--resume');
  if (state === 'restart') args.push('--force');
  return args;
}

/** How to start the CLI in a child process: dist/cli/main.js, or src/cli/main.ts through tsx (tests, dev). */
export function childCommand(): { command: string; args: string[] } {
  const js = fileURLToPath(new URL('../main.js', import.meta.url));
  if (existsSync(js)) return { command: process.execPath, args: [js] };
  const ts = fileURLToPath(new URL('../main.ts', import.meta.url));
  // tsx resolved from this package, not from the working directory (a bench may run anywhere).
  let tsx = 'tsx';
  try {
    tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  } catch {
    // not installed next to the sources: leave it to the child's own resolution
  }
  return { command: process.execPath, args: ['--import', tsx, ts] };
}

/**
 * Seconds per training step from a run's log.jsonl: the median of the records' `secPerStep`, leaving out the
 * first record of each process (start-up, JIT and wasm warm-up) when later ones exist.
 */
export function secPerIterFromLog(runDir: string): number | null {
  const log = readLog(join(runDir, 'log.jsonl'));
  const steady: number[] = [];
  const all: number[] = [];
  let previousTime = Number.POSITIVE_INFINITY;
  for (const record of log) {
    const value = record.secPerStep;
    const firstOfProcess = record.time < previousTime;
    previousTime = record.time;
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    all.push(value);
    if (!firstOfProcess) steady.push(value);
  }
  const values = steady.length > 0 ? steady : all;
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

/** Training seconds of a run summed over its processes (the last `time` of each). */
export function trainSecondsFromLog(runDir: string): number {
  let total = 0;
  let previous = 0;
  for (const record of readLog(join(runDir, 'log.jsonl'))) {
    if (record.time < previous) total += previous;
    previous = record.time;
  }
  return total + previous;
}

/** The last step a run's log.jsonl records (0 without a log). */
export function lastLoggedStep(runDir: string): number {
  const log = readLog(join(runDir, 'log.jsonl'));
  return log.length > 0 ? log[log.length - 1].step : 0;
}

interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  lastLine: string;
}

/** Start one `dppgan train` child; output goes to task.logFile. */
function startChild(task: BenchTask, state: Exclude<TaskState, 'done'>, running: Set<ChildProcess>) {
  mkdirSync(dirname(task.logFile), { recursive: true });
  const log = createWriteStream(task.logFile, { flags: 'a' });
  const { command, args } = childCommand();
  const argv = [...args, ...trainArgs(task, state)];
  log.write(`$ ${[command, ...argv].join(' ')}\n`);
  // Own process group: a terminal Ctrl-C reaches only the bench, which forwards exactly one SIGINT (a second
  // one would kill a child before it saves its checkpoint).
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child);
  let lastLine = '';
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    const lines = chunk.toString('utf8').trim().split('\n');
    const line = lines[lines.length - 1]?.trim();
    if (line) lastLine = line;
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return new Promise<ChildOutcome>((resolveOutcome) => {
    child.on('error', (error) => {
      lastLine = error.message;
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      log.end(`[exit ${code ?? signal}]\n`, () => resolveOutcome({ code, signal, lastLine }));
    });
  });
}

/** "5", or "3/5 (incomplete)" — a partial row never reads as complete. */
export function seedsCell(row: { seeds: number; seedsAsked: number }): string {
  return row.seeds === row.seedsAsked ? String(row.seeds) : `${row.seeds}/${row.seedsAsked} (incomplete)`;
}

/** "2-core AMD EPYC … (x64 linux), Node v20.x, backend wasm, …" plus the same as fields. */
export function describeMachine(
  backend: string,
  jobs: number,
): { text: string; info: Record<string, string | number> } {
  const cpus = os.cpus();
  const model = (cpus[0]?.model ?? 'unknown CPU').trim().replace(/\s+/g, ' ');
  const load = loadAverage();
  const info = {
    cores: cpus.length,
    cpuModel: model,
    arch: os.arch(),
    platform: os.platform(),
    node: process.version,
    backend,
    jobs,
    loadAverageAtStart: load,
  };
  return {
    text: `${cpus.length}-core ${model} (${os.arch()} ${os.platform()}), Node ${process.version}, backend ${backend}, ${jobs} runs in parallel, load average at start ${load} (1/5/15 min)`,
    info,
  };
}

/** The 1/5/15-minute load averages as "a b c". */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
}

/** `path` relative to `base` when inside it, else absolute. */
export function displayPath(base: string, path: string): string {
  const rel = relative(base, path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

/** Write through a temporary file and a rename, so readers never see half a file. */
export function writeAtomic(path: string, text: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function roundOrNull(value: number | null | undefined, digits: number): number | null {
  return value === null || value === undefined ? null : round(value, digits);
}

/**
 * Mean and sample std (n − 1) of one field over the finished seeds, unrounded; null if none has it. The std of
 * a single seed is null, not 0: one run has no measured spread.
 * Tables round once, when they print (rounding here first and again there turned a std of 1.1547 into "1.1").
 */
export function seedStat<T>(
  perSeed: readonly T[],
  key: keyof T,
): { mean: number; std: number | null } | null {
  const values = perSeed.map((r) => r[key] as number | null);
  const stat = meanStd(values);
  if (!stat) return null;
  const measured = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).length;
  return { mean: stat.mean, std: measured > 1 ? stat.std : null };
}

/** A table cell: `v` with `digits` decimals; '–' for null, undefined or non-finite. */
export function fixed(v: number | null | undefined, digits: number): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

/**
 * A table cell "mean ± std" with `digits` decimals; the mean alone without a finite std (one seed); '–' without
 * a finite mean.
 */
export function pm(mean: number | null, std: number | null, digits: number): string {
  if (mean === null || !Number.isFinite(mean)) return '–';
  return std === null || !Number.isFinite(std)
    ? mean.toFixed(digits)
    : `${mean.toFixed(digits)} ± ${std.toFixed(digits)}`;
}

/** A progress bar over all training steps still to run (TTY only); lines printed above it. */
function createBenchProgress(io: CliIo, total: number) {
  if (!io.isTTY || total === 0) {
    return { update(_done: number) {}, line: (text: string) => io.out(text), stop() {} };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'bench {bar} {percentage}% | {value}/{total} steps | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 50,
      fps: 2,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  let stopped = false;
  return {
    update(done: number) {
      if (!stopped) bar.update(Math.min(done, total));
    },
    line(text: string) {
      if (!stopped) process.stderr.write('\r\x1b[2K');
      io.out(text);
      if (!stopped) bar.render();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}

/** What `runTrainingTasks` needs besides the tasks. */
export interface RunTasksOptions {
  tasks: BenchTask[];
  jobs: number;
  io: CliIo;
  signal?: AbortSignal;
  /** Directory paths are shown relative to. */
  baseDir: string;
  /** "ring GAN seed 1". */
  name(task: BenchTask): string;
  /** The report line of a run finished by an earlier invocation (after "finished earlier, skipped"). */
  describeSkipped(task: BenchTask): string;
  /**
   * Called in the worker's slot once a child has trained a task to its end (so an evaluation here overlaps the
   * other children's training); returns the report line. A throw marks the task failed.
   */
  onTrained(task: BenchTask, resumed: boolean): Promise<string> | string;
}

/**
 * Bring every task to its iteration count with `dppgan train` children, `jobs` at once, reporting one line
 * per task ("[k/N] …"). Resolves to the failures (one text each); an abort stops the queue and asks each running
 * child to save a checkpoint (terminated after STOP_GRACE_MS).
 */
export async function runTrainingTasks(opts: RunTasksOptions): Promise<string[]> {
  const { tasks, io, baseDir } = opts;
  const states = new Map(tasks.map((t) => [t, taskState(t)] as const));
  const todo = tasks.filter((t) => states.get(t) !== 'done');
  // Steps still to train, for the progress bar (a resumed run counts from its last logged step).
  const startStep = new Map(todo.map((t) => [t, states.get(t) === 'resume' ? lastLoggedStep(t.runDir) : 0]));
  const total = todo.reduce((sum, t) => sum + t.iterations - (startStep.get(t) ?? 0), 0);
  const progress = createBenchProgress(io, total);
  const running = new Set<ChildProcess>();
  const active = new Set<BenchTask>();
  let finishedSteps = 0;
  const poll = setInterval(() => {
    let steps = finishedSteps;
    for (const t of active) steps += Math.max(0, lastLoggedStep(t.runDir) - (startStep.get(t) ?? 0));
    progress.update(steps);
  }, 2000);
  const killAll = () => {
    for (const child of running) child.kill('SIGTERM');
  };
  process.once('exit', killAll);
  // Stop: SIGINT asks each child to save a checkpoint and exit; one still running after the grace period is
  // terminated (it then resumes from its last periodic checkpoint).
  let graceTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    progress.line(
      `stopping: asking ${running.size} running run(s) to save a checkpoint (terminated after ${STOP_GRACE_MS / 1000} s)`,
    );
    for (const child of running) child.kill('SIGINT');
    graceTimer = setTimeout(killAll, STOP_GRACE_MS);
    graceTimer.unref();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  let reported = 0;
  const failures: string[] = [];
  const report = (text: string) => {
    reported++;
    progress.line(`[${reported}/${tasks.length}] ${text}`);
  };
  for (const t of tasks) {
    if (states.get(t) === 'done')
      report(`${opts.name(t)}: finished earlier, skipped (${opts.describeSkipped(t)})`);
  }

  const queue = runOrder(todo);
  const worker = async () => {
    for (;;) {
      if (opts.signal?.aborted) return;
      const task = queue.shift();
      if (!task) return;
      const state = states.get(task) as Exclude<TaskState, 'done'>;
      active.add(task);
      const outcome = await startChild(task, state, running);
      active.delete(task);
      finishedSteps += task.iterations - (startStep.get(task) ?? 0);
      if (outcome.code === 0 && isFinished(task)) {
        try {
          report(`${opts.name(task)}: ${await opts.onTrained(task, state === 'resume')}`);
        } catch (error) {
          const message = (error as Error).message.split('\n')[0];
          failures.push(`${opts.name(task)} (evaluation: ${message})`);
          report(`${opts.name(task)}: trained, but its evaluation FAILED: ${message}`);
        }
      } else if (opts.signal?.aborted) {
        report(`${opts.name(task)}: stopped before the end (rerun the same command to continue it)`);
      } else {
        const why = outcome.code !== null ? `exit ${outcome.code}` : `signal ${outcome.signal}`;
        failures.push(`${opts.name(task)} (${why}; ${displayPath(baseDir, task.logFile)})`);
        report(
          `${opts.name(task)}: FAILED (${why}): ${outcome.lastLine}; log ${displayPath(baseDir, task.logFile)}`,
        );
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, todo.length)) }, worker));
  } finally {
    clearInterval(poll);
    clearTimeout(graceTimer);
    progress.stop();
    process.removeListener('exit', killAll);
    opts.signal?.removeEventListener('abort', onAbort);
  }
  return failures;
}

/** Fail with a usage error that says where the experiment configs live when `dir` is missing. */
export function requireExperimentsDirectory(dir: string): void {
  if (!existsSync(dir)) {
    throw usageError(
      `experiments directory ${dir} does not exist: run the bench from a clone of the dppgan repository, or pass --experiments DIR`,
    );
  }
  if (!statSync(dir).isDirectory()) {
    throw usageError(`--experiments ${dir} is a file, not a directory of experiment configs`);
  }
}
