// Worker-thread benchmark (config "workers", src/train/parallel/): the training step with 1 thread (the
// Trainer) and with N worker threads (ParallelTrainer) on the same config, steps interleaved (one of each in
// turn, so a change in the machine's load hits both alike), for
//   - the Stacked-MNIST GDPP-GAN (experiments/stacked-mnist/gdpp-gan.json: dcgan-smnist, B = 64, with GDPP);
//   - the toy Ring GAN and GDPP-GAN (experiments/synthetic/ring-*.json: mlp-gdpp, B = 512), where 'auto' picks 1.
// Wall = elapsed time per step (what a user waits for); CPU = the process's CPU time per step over all threads
// (the work done; with N threads it can exceed wall). On a machine whose cores are busy with other work, wall
// times say little about what N threads gain, so the bench also reads each thread's CPU time (Linux
// /proc/self/task/*/stat, clock ticks) and reports the step's critical path in CPU time: main-thread CPU (draws,
// reductions, Adam, GDPP, waiting is free) + the busiest worker's CPU — what the step takes with a free core per
// thread, up to synchronisation latency (an upper bound: the last D update overlaps the replicas' G(z)). PyTorch's CPU figure is quoted from issue 10, not measured.
// Usage: npx tsx bench/workers.ts [--steps N] [--warmup N] [--workers N] [--only smnist|toy]   (npm run bench:workers -- …)
import { execSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { initBackend } from '../src/backend/index.js';
import { createDataset } from '../src/data/index.js';
import { loadConfigFile, parseConfig, type TrainConfig } from '../src/train/config.js';
import { ParallelTrainer } from '../src/train/parallel/parallel-trainer.js';
import { resolveWorkers } from '../src/train/parallel/workers.js';
import { Trainer } from '../src/train/trainer.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const STEPS = Math.max(1, Number(option('--steps', '6')));
const WORKERS = Math.max(2, Number(option('--workers', String(Math.max(2, os.availableParallelism())))));
const ONLY = option('--only', 'all');
/** Untimed steps first: the main thread's GDPP exchange takes ~2× its steady time over the first ~5 steps (JIT). */
const WARMUP = Math.max(0, Number(option('--warmup', '5')));
/** Issue 10: "PyTorch's native CPU code does the same step in ~0.3–0.4 s on one core" (quoted, not measured). */
const PYTORCH_QUOTE = '~0.3–0.4 s/step (PyTorch CPU, one core; quoted from issue 10, not measured here)';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) of every thread of this process, by thread id (Linux; empty elsewhere). */
function threadCpu(): Map<string, number> {
  const times = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
      times.set(tid, (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND);
    }
  } catch {
    // not Linux: no per-thread times
  }
  return times;
}

interface Timing {
  wall: number;
  cpu: number;
  /** CPU seconds of the main thread. */
  main: number;
  /** CPU seconds of each other thread, largest first. */
  others: number[];
  /** CPU seconds of each other thread, by thread id (to follow one replica across steps). */
  byThread: Map<string, number>;
}

async function timed(f: () => unknown): Promise<Timing> {
  const threads0 = threadCpu();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const threads = threadCpu();
  const main = String(process.pid);
  const others: number[] = [];
  const byThread = new Map<string, number>();
  for (const [tid, t] of threads) {
    if (tid === main) continue;
    const used = t - (threads0.get(tid) ?? 0);
    others.push(used);
    byThread.set(tid, used);
  }
  others.sort((a, b) => b - a);
  return {
    wall,
    cpu: (c.user + c.system) / 1e6,
    main: (threads.get(main) ?? 0) - (threads0.get(main) ?? 0),
    others,
    byThread,
  };
}

interface Summary {
  wall: number;
  cpu: number;
  /** Mean main-thread CPU seconds per step (tick resolution: averaged over the timed steps). */
  main: number;
  /** Mean CPU seconds per step of the busiest `WORKERS` other threads (the replicas), busiest first. */
  workers: number[];
  /**
   * Mean CPU seconds per step of each replica thread followed across steps (the `WORKERS` threads with the most
   * CPU over all steps): near-equal while `workers[0]` is larger → the slower replica changes from step to step
   * (the machine's noise); unequal → one replica is slower throughout.
   */
  replicas: number[];
}

interface Row {
  name: string;
  batch: number;
  auto: number;
  one: Summary;
  many: Summary;
  start: number;
}

/** Mean CPU per step of the WORKERS busiest threads over all steps, each followed by its thread id. */
function replicaMeans(xs: Timing[]): number[] {
  const totals = new Map<string, number>();
  for (const x of xs) for (const [tid, t] of x.byThread) totals.set(tid, (totals.get(tid) ?? 0) + t);
  return [...totals.values()]
    .sort((a, b) => b - a)
    .slice(0, WORKERS)
    .map((total) => total / xs.length);
}

/** Median step times of the Trainer and of a ParallelTrainer with WORKERS threads, steps interleaved. */
async function compare(name: string, config: TrainConfig, backend: string): Promise<Row> {
  const single = new Trainer(config, { dataset: createDataset(config.data) });
  const split = new Trainer(config, { dataset: createDataset(config.data) });
  const t0 = performance.now();
  const parallel = await ParallelTrainer.start(split, WORKERS);
  const start = (performance.now() - t0) / 1000;
  const one: Timing[] = [];
  const many: Timing[] = [];
  try {
    for (let i = 0; i < WARMUP + STEPS; i++) {
      const a = await timed(() => single.trainStep());
      const b = await timed(() => parallel.trainStep());
      if (i >= WARMUP) {
        one.push(a);
        many.push(b);
      }
    }
  } finally {
    await parallel.close();
    single.dispose();
    split.dispose();
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const summary = (xs: Timing[]): Summary => ({
    wall: median(xs.map((x) => x.wall)),
    cpu: median(xs.map((x) => x.cpu)),
    main: mean(xs.map((x) => x.main)),
    workers: Array.from({ length: WORKERS }, (_, k) => mean(xs.map((x) => x.others[k] ?? 0))),
    replicas: replicaMeans(xs),
  });
  const row = {
    name,
    batch: config.batchSize,
    auto: resolveWorkers({ ...config, workers: 'auto' }, backend),
    one: summary(one),
    many: summary(many),
    start,
  };
  console.log(
    `${name}: 1 thread ${one.map((x) => x.wall.toFixed(3)).join(', ')} s; ${WORKERS} workers ${many.map((x) => x.wall.toFixed(3)).join(', ')} s (wall; load ${load()})`,
  );
  return row;
}

async function main(): Promise<void> {
  const backend = await initBackend({ backend: 'wasm' });
  console.log(
    `Worker-thread benchmark: ${os.cpus().length}-core ${os.cpus()[0]?.model.trim()}, Node ${process.version}, backend ${backend} (one thread per worker), ${WORKERS} workers, load average ${load()}`,
  );
  console.log(
    `${WARMUP} warm-up steps, median of ${STEPS} timed steps, 1-thread and N-worker steps interleaved\n`,
  );
  const rows: Row[] = [];
  if (ONLY !== 'toy') {
    const smnist = loadConfigFile('experiments/stacked-mnist/gdpp-gan.json');
    rows.push(
      await compare(
        'Stacked-MNIST GDPP-GAN (dcgan-smnist)',
        parseConfig({ ...smnist, backend: 'wasm' }),
        backend,
      ),
    );
  }
  if (ONLY !== 'smnist') {
    for (const [name, file] of [
      ['Ring GAN (mlp-gdpp)', 'experiments/synthetic/ring-gan.json'],
      ['Ring GDPP-GAN (mlp-gdpp)', 'experiments/synthetic/ring-gdpp-gan.json'],
    ]) {
      rows.push(await compare(name, parseConfig({ ...loadConfigFile(file), backend: 'wasm' }), backend));
    }
  }
  console.log('');
  console.log('Measured (medians; wall is pessimistic for N workers while other processes hold the cores):');
  console.log(
    `| step | B | 1 thread: wall s | CPU s | ${WORKERS} workers: wall s | CPU s (all threads) | wall ratio | 'auto' picks | worker start s |`,
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.batch} | ${r.one.wall.toFixed(3)} | ${r.one.cpu.toFixed(3)} | ${r.many.wall.toFixed(3)} | ${r.many.cpu.toFixed(3)} | ` +
        `${(r.many.wall / r.one.wall).toFixed(2)}× | ${r.auto} | ${r.start.toFixed(1)} |`,
    );
  }
  console.log('');
  console.log(
    'Per-thread CPU time (means per step; the critical path = main thread + busiest worker is the step time with a free core per thread):',
  );
  console.log(
    `| step | 1 thread: main-thread CPU s | ${WORKERS} workers: main-thread CPU s | each worker CPU s (per step, busiest first) | each worker CPU s (per thread) | critical path s | critical path / 1 thread |`,
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const critical = r.many.main + r.many.workers[0];
    console.log(
      `| ${r.name} | ${r.one.main.toFixed(3)} | ${r.many.main.toFixed(3)} | ${r.many.workers.map((w) => w.toFixed(3)).join(', ')} | ` +
        `${r.many.replicas.map((w) => w.toFixed(3)).join(', ')} | ` +
        `${critical.toFixed(3)} | ${(critical / r.one.main).toFixed(2)}× |`,
    );
  }
  console.log('');
  console.log(`Reference (Stacked-MNIST step): ${PYTORCH_QUOTE}`);
  console.log(
    `Issue 10 target: ${WORKERS === 2 ? '2 workers' : `${WORKERS} workers (the target is stated for 2)`} ≤ 0.55× the 1-thread wall time on the Stacked-MNIST step; the toy steps no slower with 'auto' (which picks 1 there: same code path as 1 thread).`,
  );
  console.log(
    `load average at the end ${load()}: with other processes on the cores the N-worker wall time is pessimistic (its threads compete for them); rerun on a quiet machine`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
