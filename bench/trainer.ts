// Trainer benchmark: median wall and CPU time of Trainer.trainStep for experiment configs (default: the paper's
// Ring GAN and GDPP-GAN, mlp-gdpp z=256, B=512, simultaneous), plus an optional per-kernel profile.
// Usage: npx tsx bench/trainer.ts [--steps N] [--profile] [config.json ...]
// Also counts the multiply-accumulates of one step's matrix-product kernels (convolutions are not counted): with
// the default pair this shows how much arithmetic GDPP's B·d² products add to the plain step, beside the time.
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/index.js';
import { createDataset } from '../src/data/index.js';
import { loadConfigFile } from '../src/train/config.js';
import { Trainer } from '../src/train/trainer.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const STEPS = option('--steps', 40);
const WARMUP = option('--warmup', 10);
const files = args.filter((a) => a.endsWith('.json'));
if (files.length === 0)
  files.push('experiments/synthetic/ring-gan.json', 'experiments/synthetic/ring-gdpp-gan.json');

type KernelRecord = { name: string; inputShapes: number[][]; outputShapes: number[][] };

/**
 * Multiply-accumulates of a matrix-product kernel from its shapes alone (transposes need no attributes): per batch
 * a holds m·k, b holds k·n and the output m·n numbers, so k² = (m·k)(k·n)/(m·n). 0 for other kernels.
 */
function matmulMacs(kernel: KernelRecord): number {
  if (kernel.name !== 'BatchMatMul' && kernel.name !== '_FusedMatMul' && kernel.name !== 'MatMul') return 0;
  const [a, b] = kernel.inputShapes;
  const out = kernel.outputShapes[0];
  const perBatch = (shape: number[]) => tf.util.sizeFromShape(shape.slice(-2));
  const inner = Math.sqrt((perBatch(a) * perBatch(b)) / perBatch(out));
  return tf.util.sizeFromShape(out) * inner;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main(): Promise<void> {
  await initBackend({ backend: 'wasm' });
  console.log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const work: { file: string; macs: number; cpu: number; gdpp: boolean; batch: number }[] = [];
  for (const file of files) {
    const config = loadConfigFile(file);
    const trainer = new Trainer(config, { dataset: createDataset(config.data) });
    for (let i = 0; i < WARMUP; i++) trainer.trainStep();
    const wall: number[] = [];
    const cpu: number[] = [];
    const before = tf.memory().numTensors;
    let last = trainer.trainStep();
    for (let i = 0; i < STEPS; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      last = trainer.trainStep();
      wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
    const leak = tf.memory().numTensors - before;
    console.log(
      `${file}: median wall ${median(wall).toFixed(2)} ms, min ${Math.min(...wall).toFixed(2)} ms, median cpu ` +
        `${median(cpu).toFixed(2)} ms (${STEPS} steps; schedule ${config.schedule}; tensors +${leak}; ` +
        `dLoss ${last.dLoss.toFixed(6)} gLoss ${last.gLoss.toFixed(6)})`,
    );
    const info = await tf.profile(() => {
      trainer.trainStep();
    });
    const macs = info.kernels.reduce((sum, k) => sum + matmulMacs(k as KernelRecord), 0);
    work.push({ file, macs, cpu: median(cpu), gdpp: config.gdpp !== null, batch: config.batchSize });
    console.log(`  matrix products: ${(macs / 1e6).toFixed(1)} M multiply-accumulates per step`);
    if (args.includes('--profile')) {
      const byKernel = new Map<string, { ms: number; calls: number }>();
      for (const k of info.kernels) {
        const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
        e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
        e.calls++;
        byKernel.set(k.name, e);
      }
      const total = [...byKernel.values()].reduce((a, b) => a + b.ms, 0);
      console.log(`  kernel time ${total.toFixed(2)} ms in ${info.kernels.length} calls`);
      for (const [name, { ms, calls }] of [...byKernel.entries()]
        .sort((a, b) => b[1].ms - a[1].ms)
        .slice(0, 25))
        console.log(`    ${name.padEnd(24)} ${ms.toFixed(2).padStart(8)} ms ×${calls}`);
    }
    trainer.dispose();
  }
  // With one plain and one GDPP config of the same batch (the default pair): GDPP's share of the arithmetic.
  const plain = work.find((w) => !w.gdpp);
  const withGdpp = work.find((w) => w.gdpp && w.batch === plain?.batch);
  if (plain && withGdpp) {
    const extra = withGdpp.macs - plain.macs;
    const percent = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
    console.log(
      `GDPP adds ${(extra / 1e6).toFixed(1)} M multiply-accumulates (${percent(extra / plain.macs)} of the plain ` +
        `step's matrix products) and ${percent(withGdpp.cpu / plain.cpu - 1)} CPU time per step`,
    );
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
