// Trainer benchmark: median wall and CPU time of Trainer.trainStep for experiment configs (default: the paper's
// Ring GAN and GDPP-GAN, mlp-gdpp z=256, B=512, simultaneous), plus an optional per-kernel profile.
// Usage: npx tsx bench/trainer.ts [--steps N] [--profile] [config.json ...]
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
    if (args.includes('--profile')) {
      const info = await tf.profile(() => {
        trainer.trainStep();
      });
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
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
