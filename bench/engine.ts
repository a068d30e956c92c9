// Engine benchmark: one GAN training step (D Adam update + G Adam update) on wasm with dppgan's kernel fixes and
// gradient overrides, on stock wasm (--stock), and on the pure-JS cpu backend. Prints the median step time.
// Usage: npm run bench:engine -- [--steps N] [--stock] [--cpu-dcgan] [--profile]
//   --steps N    timed steps per row (default: 50 for the wasm toy rows after 20 warm-up steps, 10 otherwise)
//   --stock      also time stock wasm first (no dppgan kernels; its DCGAN step fails: no Conv2DBackpropFilter)
//   --cpu-dcgan  also time the DCGAN step on cpu (one step, ~2-3 minutes); otherwise it is marked skipped
//   --profile    print the kernels that cost most in one toy step and one DCGAN step on fixed wasm
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src/backend/index.js';
import { type Gan, mnistDcgan, toyGan } from '../test/helpers/gan-models.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
// Sub-10-ms steps need more warm-up (JIT, XNNPACK operator caches, allocator) and more samples for a stable median
// than 1-s steps; --steps sets the timed steps of every row.
const STEPS = Math.max(10, option('--steps', 10));
const TOY_STEPS = Math.max(10, option('--steps', 50));
const WARMUP = 3;
const TOY_WARMUP = 20;
const loadAtStart = os
  .loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');

interface Row {
  workload: string;
  backend: string;
  median: string;
  min: string;
  cpu: string;
  steps: string;
  note: string;
}
const rows: Row[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}

function time(
  workload: string,
  backend: string,
  make: () => Gan,
  steps: number,
  warmup: number,
  note = '',
): void {
  let gan: Gan | null = null;
  try {
    gan = make();
    for (let i = 0; i < warmup; i++) gan.step();
    const times: number[] = [];
    const cpuTimes: number[] = [];
    const tensorsBefore = tf.memory().numTensors;
    for (let i = 0; i < steps; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      gan.step();
      times.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpuTimes.push((c.user + c.system) / 1000);
    }
    const leak = tf.memory().numTensors - tensorsBefore;
    const losses = gan.lastLosses();
    const finite = Number.isFinite(losses.d) && Number.isFinite(losses.g);
    rows.push({
      workload,
      backend,
      median: fmt(median(times)),
      min: fmt(Math.min(...times)),
      cpu: fmt(median(cpuTimes)),
      steps: String(steps),
      note: [note, leak !== 0 ? `tensor count grew by ${leak}` : '', finite ? '' : 'non-finite loss']
        .filter(Boolean)
        .join('; '),
    });
  } catch (e) {
    const message = (e as Error).message.split('\n')[0];
    rows.push({
      workload,
      backend,
      median: 'fails',
      min: '-',
      cpu: '-',
      steps: '-',
      note: message.slice(0, 70),
    });
  } finally {
    gan?.dispose();
  }
  console.error(`  done: ${workload} on ${backend}`);
}

function skipped(workload: string, backend: string, note: string): void {
  rows.push({ workload, backend, median: 'skipped', min: '-', cpu: '-', steps: '-', note });
}

const DCGAN = 'MNIST DCGAN step (B=64, G+D, Adam)';
const TOY = '2-D toy GAN step (MLP 2→128→128→2, B=512)';
const TOY256 = 'toy GAN, paper z=256 (B=512)';

function profileStep(label: string, gan: Gan): Promise<void> {
  gan.step();
  return tf
    .profile(() => gan.step())
    .then((info) => {
      const byKernel = new Map<string, { ms: number; calls: number }>();
      for (const k of info.kernels) {
        const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
        entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
        entry.calls += 1;
        byKernel.set(k.name, entry);
      }
      const top = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12);
      const total = [...byKernel.values()].reduce((a, b) => a + b.ms, 0);
      console.log(
        `\nProfile of one ${label} (kernel time ${fmt(total)}, ${info.kernels.length} kernel calls):`,
      );
      for (const [name, { ms, calls }] of top)
        console.log(`  ${name.padEnd(28)} ${fmt(ms).padStart(10)}  ×${calls}`);
    });
}

async function main(): Promise<void> {
  console.error(
    `engine bench: ${TOY_STEPS} timed steps after ${TOY_WARMUP} warm-up steps for wasm toy rows, ${STEPS} after` +
      ` ${WARMUP} (DCGAN) or 1 (cpu) otherwise`,
  );
  if (flag('--stock')) {
    // Before initBackend: stock wasm kernels and tfjs's stock gradients.
    await tf.setBackend('wasm');
    await tf.ready();
    time(TOY, 'wasm (stock)', () => toyGan(512), TOY_STEPS, TOY_WARMUP);
    time(DCGAN, 'wasm (stock)', () => mnistDcgan(64), STEPS, 1);
  }

  await initBackend({ backend: 'wasm' });
  time(TOY, 'wasm + dppgan', () => toyGan(512), TOY_STEPS, TOY_WARMUP);
  time(TOY256, 'wasm + dppgan', () => toyGan(512, 256), TOY_STEPS, TOY_WARMUP);
  time(DCGAN, 'wasm + dppgan', () => mnistDcgan(64), STEPS, WARMUP);
  if (flag('--profile')) {
    const toy = toyGan(512);
    await profileStep('toy step', toy);
    toy.dispose();
    const dcgan = mnistDcgan(64);
    await profileStep('DCGAN step', dcgan);
    dcgan.dispose();
  }

  await initBackend({ backend: 'cpu' });
  time(TOY, 'cpu', () => toyGan(512), STEPS, 1);
  if (flag('--cpu-dcgan')) time(DCGAN, 'cpu', () => mnistDcgan(64), 1, 0, 'one step only');
  else skipped(DCGAN, 'cpu', 'pass --cpu-dcgan (one step takes minutes)');

  const headers: (keyof Row)[] = ['workload', 'backend', 'median', 'min', 'cpu', 'steps', 'note'];
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => r[h].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(`\nTargets (2-core machine): DCGAN step ≤ 0.45 s, toy step ≤ 10 ms.`);
  console.log(line(headers));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(headers.map((h) => r[h])));
  console.log(
    `\nmedian/min: wall-clock per step; cpu: median process CPU time per step (user+sys; one thread, so on a quiet` +
      ` machine it matches wall-clock and it is less inflated by other processes). Load average at start:` +
      ` ${loadAtStart}; node ${process.version}, ${process.arch}, ${os.cpus().length} cpus.`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
