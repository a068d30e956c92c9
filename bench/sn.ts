// Overhead of spectral normalisation on an MNIST-DCGAN discriminator step (B = 64; D: three 5×5 stride-2 convs
// with 64/128/256 filters and LeakyReLU 0.2, then a dense layer to 1; Adam; non-saturating loss on a real and a
// fake batch, D called twice per step with training: true as in a usual GAN loop). Target: ≤ 15% over no SN.
// Also prints, for the same D, the reshaped-kernel σ that SN divides by beside the exact operator norm of each
// convolution (convOperatorNorm) and what computing the latter costs.
// Usage: npm run bench:sn [-- --steps 30 --backend wasm]
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { type BackendName, initBackend } from '../src/backend/index.js';
import { convOperatorNormDetails } from '../src/linalg/conv-operator-norm.js';
import { singularValues } from '../src/linalg/index.js';
import { SpectralNormalization, spectralNormalization } from '../src/nn/spectral-norm.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const BATCH = 64;
const STEPS = Number(arg('steps', '30'));
const WARMUP = 3;

function discriminator(sn: boolean): tfl.Sequential {
  const wrap = (layer: tfl.layers.Layer, seed: number) =>
    sn ? spectralNormalization({ layer, seed }) : layer;
  const conv = (filters: number, first: boolean) =>
    tfl.layers.conv2d({
      filters,
      kernelSize: 5,
      strides: 2,
      padding: 'same',
      kernelInitializer: tfl.initializers.randomNormal({ stddev: 0.02, seed: filters }),
      ...(first ? { inputShape: [28, 28, 1] } : {}),
    });
  return tfl.sequential({
    layers: [
      wrap(conv(64, true), 1),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      wrap(conv(128, false), 2),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      wrap(conv(256, false), 3),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      tfl.layers.flatten(),
      wrap(
        tfl.layers.dense({
          units: 1,
          kernelInitializer: tfl.initializers.randomNormal({ stddev: 0.02, seed: 4 }),
        }),
        4,
      ),
    ],
  });
}

interface Runner {
  name: string;
  step: () => void;
  times: number[];
}

function runner(name: string, sn: boolean, real: tf.Tensor, fake: tf.Tensor): Runner {
  const d = discriminator(sn);
  const optimizer = tf.train.adam(2e-4, 0.5, 0.999);
  const vars = d.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = () =>
    tf.tidy(() => {
      optimizer.minimize(
        () => {
          const dReal = d.apply(real, { training: true }) as tf.Tensor;
          const dFake = d.apply(fake, { training: true }) as tf.Tensor;
          // −log σ(D(x)) − log(1 − σ(D(G(z)))) = softplus(−D(x)) + softplus(D(G(z)))
          return tf.add(tf.mean(tf.softplus(tf.neg(dReal))), tf.mean(tf.softplus(dFake))) as tf.Scalar;
        },
        false,
        vars,
      );
    });
  return { name, step, times: [] };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main(): Promise<void> {
  const backend = await initBackend({ backend: arg('backend', 'wasm') as BackendName });
  const real = tf.randomUniform([BATCH, 28, 28, 1], -1, 1, 'float32', 1);
  const fake = tf.randomUniform([BATCH, 28, 28, 1], -1, 1, 'float32', 2);
  const runners = [
    runner('D step, no SN', false, real, fake),
    runner('D step, SN on all 4 layers', true, real, fake),
  ];
  for (const r of runners) for (let i = 0; i < WARMUP; i++) r.step();
  // Interleaved, so that load from other processes hits both variants alike.
  for (let i = 0; i < STEPS; i++) {
    for (const r of runners) {
      const t0 = performance.now();
      r.step();
      r.times.push(performance.now() - t0);
    }
  }
  // The SN work alone: σ by power iteration, W/σ and its gradient (through σ), for the 4 kernels, twice per step.
  const snD = discriminator(true);
  tf.dispose(snD.apply(real) as tf.Tensor);
  const snLayers = snD.layers.filter((l): l is SpectralNormalization => l instanceof SpectralNormalization);
  const kernels = snLayers.map(
    (l) => (l.layer as unknown as { kernel: tfl.LayerVariable }).kernel.read() as tf.Variable,
  );
  const snOnly: Runner = {
    name: 'SN ops alone (power iteration, W/σ, backward; 4 kernels × 2 calls)',
    times: [],
    step: () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          let total = tf.scalar(0);
          for (let call = 0; call < 2; call++) {
            for (const l of snLayers) {
              const { normalized } = l.normalizedKernel();
              total = tf.add(total, tf.sum(normalized));
            }
          }
          return total as tf.Scalar;
        }, kernels);
        tf.dispose(grads);
      }),
  };
  for (let i = 0; i < WARMUP; i++) snOnly.step();
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now();
    snOnly.step();
    snOnly.times.push(performance.now() - t0);
  }
  runners.push(snOnly);

  const base = median(runners[0].times);
  console.log(`\nbackend ${backend}, B=${BATCH}, ${STEPS} timed steps after ${WARMUP} warm-up, median (min)`);
  console.log('| variant | ms / step | vs no SN |');
  console.log('|---|---:|---:|');
  for (const r of runners) {
    const m = median(r.times);
    const overhead =
      r === runners[0]
        ? '—'
        : r === snOnly
          ? `${((m / base) * 100).toFixed(1)}% of it`
          : `${(((m - base) / base) * 100).toFixed(1)}%`;
    console.log(`| ${r.name} | ${m.toFixed(1)} (${Math.min(...r.times).toFixed(1)}) | ${overhead} |`);
  }

  // σ as SN sees it vs the exact operator norm of each convolution, for the SN discriminator's current kernels.
  const d = snD;
  const inputs: Array<[number, number, number]> = [
    [28, 28, 1],
    [14, 14, 64],
    [7, 7, 128],
  ];
  console.log('\n| layer | σ reshaped kernel | ‖conv‖₂ exact | ratio | Lanczos steps | ms |');
  console.log('|---|---:|---:|---:|---:|---:|');
  const convs = d.layers
    .filter((l): l is SpectralNormalization => l instanceof SpectralNormalization)
    .slice(0, 3);
  convs.forEach((layer, i) => {
    const kernel = (layer.layer as unknown as { kernel: tfl.LayerVariable }).kernel.read() as tf.Tensor4D;
    const m = tf.reshape(kernel, [-1, kernel.shape[3]]) as tf.Tensor2D;
    const reshaped = singularValues(m)[0];
    m.dispose();
    const t0 = performance.now();
    const exact = convOperatorNormDetails(kernel, inputs[i], 2, 'same');
    const ms = performance.now() - t0;
    console.log(
      `| conv${i + 1} [${kernel.shape}] on [${inputs[i]}] | ${reshaped.toFixed(5)} | ${exact.sigma.toFixed(5)} | ` +
        `${(exact.sigma / reshaped).toFixed(3)} | ${exact.iterations} | ${ms.toFixed(0)} |`,
    );
  });
  console.log('\n(2-core shared machine: timings are noisy; rerun on a quiet machine for final numbers)');
}

await main();
