// Half-batch benchmark (issue 10): one thread's training-step CPU time at the full batch B and at B/2, steps
// interleaved (one of each in turn, so a change in the machine's load hits both alike). Two workers each
// compute half of the batch; if a B/2 step costs more than half a B step on one thread, part of the workers'
// shortfall from 0.5× is the kernels' small-batch efficiency, not the two threads running at once.
// Measured 2026-11-28 on the 2-core Intel VM, the GDPP-GAN config, 12 pairs, nothing else running: median ratio
// 0.508, ratio of the medians 0.555 (B = 64: 2.32–3.69 s, B = 32: 1.18–1.90 s CPU per step).
// Usage: npx tsx bench/half-batch.ts [--config FILE] [--pairs N]   (default experiments/stacked-mnist/gdpp-gan.json, 10)
import { initBackend } from '../src/backend/index.js';
import { createDataset } from '../src/data/index.js';
import { loadConfigFile, parseConfig } from '../src/train/config.js';
import { Trainer } from '../src/train/trainer.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const CONFIG = option('--config', 'experiments/stacked-mnist/gdpp-gan.json');
const PAIRS = Math.max(1, Number(option('--pairs', '10')));

await initBackend({ backend: 'wasm' });
const base = loadConfigFile(CONFIG);
const trainerWithBatch = (batchSize: number) => {
  const config = parseConfig({ ...base, batchSize, backend: 'wasm', workers: 1 });
  return new Trainer(config, { dataset: createDataset(config.data) });
};
const full = trainerWithBatch(base.batchSize);
const half = trainerWithBatch(Math.floor(base.batchSize / 2));

/** CPU seconds (user + system, this process) of one training step. */
function stepCpuSeconds(trainer: Trainer): number {
  const before = process.cpuUsage();
  trainer.trainStep();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

for (let i = 0; i < 2; i++) {
  stepCpuSeconds(full); // warm-up: kernels, Adam's moments
  stepCpuSeconds(half);
}
const fullTimes: number[] = [];
const halfTimes: number[] = [];
const ratios: number[] = [];
for (let i = 0; i < PAIRS; i++) {
  // Alternate which one goes first.
  let fullTime: number;
  let halfTime: number;
  if (i % 2 === 0) {
    fullTime = stepCpuSeconds(full);
    halfTime = stepCpuSeconds(half);
  } else {
    halfTime = stepCpuSeconds(half);
    fullTime = stepCpuSeconds(full);
  }
  fullTimes.push(fullTime);
  halfTimes.push(halfTime);
  ratios.push(halfTime / fullTime);
  console.log(
    `pair ${i + 1}: B=${full.config.batchSize} ${fullTime.toFixed(3)} s, B=${half.config.batchSize} ${halfTime.toFixed(3)} s, ratio ${(halfTime / fullTime).toFixed(3)}`,
  );
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
console.log(
  `${CONFIG}: median CPU s/step B=${full.config.batchSize} ${median(fullTimes).toFixed(3)}, B=${half.config.batchSize} ${median(halfTimes).toFixed(3)}; median ratio ${median(ratios).toFixed(3)}, ratio of medians ${(median(halfTimes) / median(fullTimes)).toFixed(3)} (0.5 = a half batch costs half a step)`,
);
full.dispose();
half.dispose();
