// Stacked-MNIST step benchmark: the Trainer's training step (official networks `dcgan-smnist`, B = 64, Adam,
// one D update + one G update) with and without GDPP, beside the step's FLOP count — computed from the layer
// shapes of the built networks — and the machine's measured dense matmul rate (tf.matMul 1024³), so the gap
// to the hardware limit is visible. PyTorch's CPU figure is quoted from issue 9, not measured here.
// Usage: npx tsx bench/stacked-mnist-step.ts [--steps N] [--backend wasm|cpu]   (npm run bench:smnist -- …)
// FLOP accounting (multiply-adds × 2; element-wise ops — BN, activations, Adam — left out): a layer's backward
// is one "dX" pass (same MACs as forward) plus one "dW" pass (same MACs) where tfjs needs them; tfjs prunes the
// gradient tape to the paths from the variables being differentiated, so
//   D update: G fwd (B) + D fwd (real B + fake B) + D dW (2B) + D dX (2B, all layers but the first conv)
//   G update: G fwd (B) + D fwd (B) + D dX (B, all layers, head included) + G dW (B) + G dX (B, all but the first
//             dense); GDPP adds D φ fwd on the real batch (B) and the two B×B kernels φφᵀ (+ their backward).
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/index.js';
import { createDataset } from '../src/data/index.js';
import type { LayerStack } from '../src/nn/index.js';
import { parseConfig, Trainer } from '../src/train/index.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const STEPS = Math.max(1, Number(option('--steps', '5')));
const WARMUP = 2;
const BACKEND = option('--backend', 'wasm') as 'wasm' | 'cpu';
const BATCH = 64;
/** Issue 9: "PyTorch needs ~0.3–0.4 s per step on one core of this machine" (quoted, not measured here). */
const PYTORCH_QUOTE = '0.3–0.4 s/step (PyTorch CPU, one core; quoted from issue 9, not measured)';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const g = (flops: number) => (flops / 1e9).toFixed(2);

/** Wall and CPU (user + system) seconds of f; the wasm backend runs on one thread, so CPU time is what the
 * work would take on a core of its own (less sensitive to other processes than wall time). */
function timed(f: () => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6 };
}

/** Dense matmul rate: median over 10 runs of tf.matMul on 1024×1024 float32 (2·n³ FLOP each), wall and CPU. */
function matmulGflops(n = 1024, reps = 10): { wall: number; cpu: number } {
  const a = tf.randomUniform([n, n], -1, 1, 'float32', 1);
  const b = tf.randomUniform([n, n], -1, 1, 'float32', 2);
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < reps + 2; i++) {
    const t = timed(() => {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
    });
    if (i >= 2) {
      walls.push(t.wall);
      cpus.push(t.cpu);
    }
  }
  tf.dispose([a, b]);
  const flop = 2 * n ** 3;
  return { wall: flop / median(walls) / 1e9, cpu: flop / median(cpus) / 1e9 };
}

interface LayerCost {
  network: string;
  layer: string;
  input: number[];
  output: number[];
  /** Multiply-adds per sample, forward. */
  macs: number;
}

/** Forward MACs per sample of every conv / transposed conv / dense layer, from shapes seen in a forward pass. */
function layerCosts(
  stack: LayerStack,
  input: tf.Tensor,
  network: string,
): { costs: LayerCost[]; output: tf.Tensor } {
  const costs: LayerCost[] = [];
  let h = input;
  for (const layer of stack.layers) {
    const next = layer.apply(h, { training: false }) as tf.Tensor;
    const name =
      layer.getClassName() === 'SpectralNormalization' ? `SN(${innerName(layer)})` : layer.getClassName();
    const kernel = layer.trainableWeights.find((w) => w.name.includes('kernel'))?.shape as
      | number[]
      | undefined;
    const inShape = h.shape.slice(1);
    const outShape = next.shape.slice(1);
    let macs = 0;
    if (kernel && kernel.length === 2) macs = kernel[0] * kernel[1];
    else if (kernel && name.includes('Conv2DTranspose')) {
      // Every input pixel scatters a kh×kw×Cout patch: H_in·W_in·kh·kw·Cin·Cout (kernel [kh, kw, Cout, Cin]).
      macs = inShape[0] * inShape[1] * kernel[0] * kernel[1] * kernel[2] * kernel[3];
    } else if (kernel) {
      // Every output pixel gathers a kh×kw×Cin patch: H_out·W_out·kh·kw·Cin·Cout (kernel [kh, kw, Cin, Cout]).
      macs = outShape[0] * outShape[1] * kernel[0] * kernel[1] * kernel[2] * kernel[3];
    }
    if (macs > 0) costs.push({ network, layer: name, input: inShape, output: outShape, macs });
    if (h !== input) h.dispose();
    h = next;
  }
  return { costs, output: h };
}

function innerName(layer: unknown): string {
  const inner = (layer as { layer?: { getClassName(): string } }).layer;
  return inner ? inner.getClassName() : '?';
}

function makeTrainer(gdpp: boolean): Trainer {
  const config = parseConfig({
    data: { kind: 'stacked-mnist' },
    model: 'dcgan-smnist',
    loss: 'nonsaturating',
    gdpp: gdpp ? { weight: 1 } : null,
    batchSize: BATCH,
    iterations: 15000,
    optim: { g: { lr: 1e-4, beta1: 0.5, beta2: 0.9 }, d: { lr: 1e-4, beta1: 0.5, beta2: 0.9 } },
    backend: BACKEND,
  });
  return new Trainer(config, { dataset: createDataset(config.data) });
}

function timeSteps(trainer: Trainer): { wall: number; cpu: number; min: number; times: number[] } {
  for (let i = 0; i < WARMUP; i++) trainer.trainStep();
  const times: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const t = timed(() => trainer.trainStep());
    times.push(t.wall);
    cpus.push(t.cpu);
  }
  return { wall: median(times), cpu: median(cpus), min: Math.min(...times), times };
}

async function main(): Promise<void> {
  const backend = await initBackend({ backend: BACKEND });
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(
    `Stacked-MNIST step benchmark: ${os.cpus().length}-core ${os.cpus()[0]?.model.trim()}, Node ${process.version}, backend ${backend} (one thread), load average ${load()}`,
  );
  console.log(`B = ${BATCH}, ${WARMUP} warm-up steps, median of ${STEPS} timed steps\n`);

  // FLOPs from the built networks' shapes.
  const plain = makeTrainer(false);
  const { generator, discriminator } = plain.gan;
  const z = tf.randomNormal([1, generator.latentDim], 0, 1, 'float32', 3);
  const gPass = layerCosts(generator.stack, z, 'G');
  const dPass = layerCosts(discriminator.featureStack, gPass.output, 'D');
  const phi = tf.reshape(dPass.output, [1, -1]);
  const headPass = layerCosts(discriminator.headStack, phi, 'D head');
  const phiDim = phi.shape[1] as number;
  tf.dispose([z, gPass.output, dPass.output, phi, headPass.output]);
  const costs = [...gPass.costs, ...dPass.costs, ...headPass.costs];
  console.log('Forward multiply-adds per sample (conv, transposed conv, dense; element-wise ops left out):');
  console.log('| network | layer | input | output | MACs |');
  console.log('|---|---|---|---|---|');
  for (const c of costs) {
    console.log(
      `| ${c.network} | ${c.layer} | ${c.input.join('×')} | ${c.output.join('×')} | ${(c.macs / 1e6).toFixed(2)} M |`,
    );
  }
  const sum = (xs: LayerCost[]) => xs.reduce((s, c) => s + c.macs, 0);
  const gF = sum(gPass.costs);
  const gFirst = gPass.costs[0].macs;
  const phiF = sum(dPass.costs);
  const dF = phiF + sum(headPass.costs);
  const dFirst = dPass.costs[0].macs;
  console.log(
    `G forward ${(gF / 1e6).toFixed(1)} M MACs/sample, D forward ${(dF / 1e6).toFixed(1)} M MACs/sample (φ = ${phiDim}-d)\n`,
  );
  const B = BATCH;
  const phases: [string, number][] = [
    ['D update: G forward (B)', B * gF],
    ['D update: D forward, real + fake (2B)', 2 * B * dF],
    ['D update: D weight gradients (2B)', 2 * B * dF],
    ['D update: D input gradients, all but conv1 (2B)', 2 * B * (dF - dFirst)],
    ['G update: G forward (B)', B * gF],
    ['G update: D forward, fake (B)', B * dF],
    ['G update: D input gradients (B)', B * dF],
    ['G update: G weight gradients (B)', B * gF],
    ['G update: G input gradients, all but the first dense (B)', B * (gF - gFirst)],
  ];
  const plainMacs = phases.reduce((s, [, m]) => s + m, 0);
  // GDPP: φ(real) forward, and φφᵀ for fake and real (B×B×d each) plus the fake kernel's backward (2 products).
  const gdppPhases: [string, number][] = [
    ['GDPP: D φ forward, real (B)', B * phiF],
    ['GDPP: kernels φφᵀ, fake + real, and the fake one backward', 4 * B * B * phiDim],
  ];
  const gdppMacs = plainMacs + gdppPhases.reduce((s, [, m]) => s + m, 0);
  console.log('FLOPs per training step (2 × multiply-adds):');
  console.log('| phase | GFLOP |');
  console.log('|---|---|');
  for (const [name, m] of [...phases, ...gdppPhases]) console.log(`| ${name} | ${g(2 * m)} |`);
  console.log(`| **step without GDPP** | **${g(2 * plainMacs)}** |`);
  console.log(`| **step with GDPP** | **${g(2 * gdppMacs)}** |`);
  console.log('');

  const matmul = matmulGflops();
  console.log(
    `tf.matMul 1024³ on ${backend}: ${matmul.wall.toFixed(1)} GFLOP/s by wall time, ${matmul.cpu.toFixed(1)} GFLOP/s by CPU time (medians of 10)\n`,
  );

  const rows: { name: string; flops: number; wall: number; cpu: number; min: number }[] = [];
  for (const [name, trainer, macs] of [
    ['DCGAN (no GDPP)', plain, plainMacs],
    ['GDPP-GAN', makeTrainer(true), gdppMacs],
  ] as const) {
    const t = timeSteps(trainer);
    trainer.dispose();
    rows.push({ name, flops: 2 * macs, wall: t.wall, cpu: t.cpu, min: t.min });
    console.log(`${name}: steps ${t.times.map((s) => s.toFixed(3)).join(', ')} s (wall)`);
  }
  console.log('');
  console.log(
    "Wall = elapsed time; CPU = this process's CPU time (one thread), each the median over the timed steps.",
  );
  console.log(
    "Bound = the step's FLOPs at the measured matmul rate (same clock: wall with wall, CPU with CPU).",
  );
  console.log(
    '| step | GFLOP | wall s/step | min wall | CPU s/step | achieved GFLOP/s (CPU) | bound (CPU) | gap (CPU / bound) | gap (wall / bound) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const boundCpu = r.flops / 1e9 / matmul.cpu;
    const boundWall = r.flops / 1e9 / matmul.wall;
    console.log(
      `| ${r.name} | ${g(r.flops)} | ${r.wall.toFixed(3)} | ${r.min.toFixed(3)} | ${r.cpu.toFixed(3)} | ${(r.flops / 1e9 / r.cpu).toFixed(1)} | ` +
        `${boundCpu.toFixed(3)} s | ${(r.cpu / boundCpu).toFixed(2)}× | ${(r.wall / boundWall).toFixed(2)}× |`,
    );
  }
  const overhead = 100 * (rows[1].cpu / rows[0].cpu - 1);
  console.log('');
  console.log(`GDPP overhead per step (CPU time): ${overhead >= 0 ? '+' : ''}${overhead.toFixed(1)}%`);
  console.log(`Reference: ${PYTORCH_QUOTE}`);
  console.log(
    `At the DCGAN step's CPU time on a core of its own: 15,000 iterations (paper protocol) ${((rows[0].cpu * 15000) / 3600).toFixed(1)} h, ` +
      `4,000 (short) ${((rows[0].cpu * 4000) / 3600).toFixed(1)} h per run`,
  );
  console.log(
    `load average at the end ${load()} (timings on a shared machine are noisy: rerun on a quiet one)`,
  );
}

await main();
