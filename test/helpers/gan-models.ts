// Raw-op GANs used by the engine test and benchmark (bench/engine.ts): an MNIST DCGAN shaped like the official
// Stacked-MNIST nets (PAPERS.md §5, one channel) and the 2-D toy MLP GAN. One `step()` = one D Adam update and one
// G Adam update with the non-saturating loss; everything runs inside optimizer.minimize, so no tensor outlives it.
import * as tf from '@tensorflow/tfjs-core';
import { adam } from '../../src/backend/adam.js';
import { denseLinear } from '../../src/backend/dense.js';
import { randomNormal, seededUniform } from './numeric.js';

export interface Gan {
  /** One D update then one G update; returns nothing (losses stay on the device). */
  step(): void;
  /** The losses of the last step, read back (a sync point; use sparingly). */
  lastLosses(): { d: number; g: number };
  dispose(): void;
}

let seedCounter = 1;
let nameCounter = 0;
/** Variable names must be unique per process; several models may coexist. */
function variable(value: tf.Tensor, name: string): tf.Variable {
  const v = tf.variable(value, true, `${name}_${nameCounter++}`);
  value.dispose();
  return v;
}
function weight(shape: number[], std: number, name: string): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  return variable(tf.tensor(randomNormal(size, 7919 * seedCounter++, std), shape), name);
}
function zeros(shape: number[], name: string): tf.Variable {
  return variable(tf.zeros(shape), name);
}
function ones(shape: number[], name: string): tf.Variable {
  return variable(tf.ones(shape), name);
}

/** −log σ(t) and −log(1 − σ(t)) as softplus(−t), softplus(t): the non-saturating GAN losses. */
function nonSaturating(
  realLogits: tf.Tensor | null,
  fakeLogits: tf.Tensor,
  forGenerator: boolean,
): tf.Scalar {
  if (forGenerator) return tf.mean(tf.softplus(tf.neg(fakeLogits)));
  return tf.add(tf.mean(tf.softplus(tf.neg(realLogits as tf.Tensor))), tf.mean(tf.softplus(fakeLogits)));
}

class TwoPlayer implements Gan {
  private lossD: tf.Scalar | null = null;
  private lossG: tf.Scalar | null = null;
  constructor(
    private readonly gVars: tf.Variable[],
    private readonly dVars: tf.Variable[],
    private readonly generate: (z: tf.Tensor) => tf.Tensor,
    private readonly discriminate: (x: tf.Tensor) => tf.Tensor,
    private readonly sampleZ: () => tf.Tensor,
    private readonly sampleReal: () => tf.Tensor,
    private readonly optG: tf.Optimizer,
    private readonly optD: tf.Optimizer,
  ) {}

  step(): void {
    for (const t of [this.lossD, this.lossG]) t?.dispose();
    this.lossD = this.optD.minimize(
      () => {
        const fake = this.generate(this.sampleZ());
        return nonSaturating(this.discriminate(this.sampleReal()), this.discriminate(fake), false);
      },
      true,
      this.dVars,
    );
    this.lossG = this.optG.minimize(
      () => nonSaturating(null, this.discriminate(this.generate(this.sampleZ())), true),
      true,
      this.gVars,
    );
  }

  lastLosses(): { d: number; g: number } {
    return { d: this.lossD?.dataSync()[0] ?? Number.NaN, g: this.lossG?.dataSync()[0] ?? Number.NaN };
  }

  dispose(): void {
    for (const t of [this.lossD, this.lossG]) t?.dispose();
    tf.dispose([...this.gVars, ...this.dVars]);
    this.optG.dispose();
    this.optD.dispose();
  }
}

/** A dense layer's linear map, as dppgan's networks compute it (tf.fused.matMul's forward, per-input gradients). */
function dense(x: tf.Tensor, w: tf.Variable, b: tf.Variable): tf.Tensor2D {
  return denseLinear(x as tf.Tensor2D, w as unknown as tf.Tensor2D, b as unknown as tf.Tensor1D);
}

/** Training-mode batch norm over all axes but the last (as tfjs-layers' BatchNormalization does). */
function batchNorm(x: tf.Tensor, gamma: tf.Variable, beta: tf.Variable): tf.Tensor {
  const axes = x.shape.map((_, i) => i).slice(0, -1);
  const { mean, variance } = tf.moments(x, axes);
  return tf.batchNorm(x, mean, variance, beta, gamma, 1e-5);
}

/** Uniform noise → fake "digits": a fixed bank of random 28×28 images in [0, 1], cycled. */
function imageBank(batch: number, seed: number): () => tf.Tensor4D {
  const bank = 4;
  const u = seededUniform(seed);
  const data = Float32Array.from({ length: bank * batch * 28 * 28 }, () => u());
  let k = 0;
  return () => {
    const i = k++ % bank;
    return tf.tensor4d(data.subarray(i * batch * 784, (i + 1) * batch * 784), [batch, 28, 28, 1]);
  };
}

/**
 * MNIST DCGAN after the official Stacked-MNIST code (one channel): G z128 → FC 4·4·256, BN, ReLU → deconv5 128
 * (crop 8→7), BN, ReLU → deconv5 64, BN, ReLU → deconv5 1 → sigmoid; D 3× conv5 stride 2 (64/128/256) with
 * LeakyReLU 0.2, no BN → FC 1. Adam 1e-4 (β 0.5, 0.9). `width` scales every channel count (1 = the paper's).
 */
export function mnistDcgan(batch: number, width = 1): Gan {
  const c1 = 256 * width;
  const c2 = 128 * width;
  const c3 = 64 * width;
  const zDim = 128;
  const g = {
    fc: weight([zDim, 16 * c1], 0.02, 'g_fc'),
    fcB: zeros([16 * c1], 'g_fc_b'),
    bn0g: ones([c1], 'g_bn0_g'),
    bn0b: zeros([c1], 'g_bn0_b'),
    up1: weight([5, 5, c2, c1], 0.02, 'g_up1'),
    bn1g: ones([c2], 'g_bn1_g'),
    bn1b: zeros([c2], 'g_bn1_b'),
    up2: weight([5, 5, c3, c2], 0.02, 'g_up2'),
    bn2g: ones([c3], 'g_bn2_g'),
    bn2b: zeros([c3], 'g_bn2_b'),
    up3: weight([5, 5, 1, c3], 0.02, 'g_up3'),
    up3B: zeros([1], 'g_up3_b'),
  };
  const d = {
    k1: weight([5, 5, 1, c3], 0.02, 'd_k1'),
    b1: zeros([c3], 'd_b1'),
    k2: weight([5, 5, c3, c2], 0.02, 'd_k2'),
    b2: zeros([c2], 'd_b2'),
    k3: weight([5, 5, c2, c1], 0.02, 'd_k3'),
    b3: zeros([c1], 'd_b3'),
    fc: weight([16 * c1, 1], 0.02, 'd_fc'),
    fcB: zeros([1], 'd_fc_b'),
  };
  const generate = (z: tf.Tensor) => {
    let h: tf.Tensor = tf.reshape(dense(z, g.fc, g.fcB), [batch, 4, 4, c1]);
    h = tf.relu(batchNorm(h, g.bn0g, g.bn0b));
    h = tf.conv2dTranspose(h as tf.Tensor4D, g.up1 as unknown as tf.Tensor4D, [batch, 8, 8, c2], 2, 'same');
    h = tf.slice(h, [0, 0, 0, 0], [batch, 7, 7, c2]);
    h = tf.relu(batchNorm(h, g.bn1g, g.bn1b));
    h = tf.conv2dTranspose(h as tf.Tensor4D, g.up2 as unknown as tf.Tensor4D, [batch, 14, 14, c3], 2, 'same');
    h = tf.relu(batchNorm(h, g.bn2g, g.bn2b));
    h = tf.conv2dTranspose(h as tf.Tensor4D, g.up3 as unknown as tf.Tensor4D, [batch, 28, 28, 1], 2, 'same');
    return tf.sigmoid(tf.add(h, g.up3B));
  };
  const conv = (x: tf.Tensor, k: tf.Variable, b: tf.Variable) =>
    tf.leakyRelu(tf.add(tf.conv2d(x as tf.Tensor4D, k as unknown as tf.Tensor4D, 2, 'same'), b), 0.2);
  const discriminate = (x: tf.Tensor) => {
    const h = conv(conv(conv(x, d.k1, d.b1), d.k2, d.b2), d.k3, d.b3);
    return dense(tf.reshape(h, [batch, 16 * c1]), d.fc, d.fcB);
  };
  let zSeed = 1;
  const sampleZ = () => tf.randomNormal([batch, zDim], 0, 1, 'float32', zSeed++);
  return new TwoPlayer(
    Object.values(g),
    Object.values(d),
    generate,
    discriminate,
    sampleZ,
    imageBank(batch, 5),
    adam(1e-4, 0.5, 0.9),
    adam(1e-4, 0.5, 0.9),
  );
}

/**
 * The 2-D toy GAN: G z → FC128-tanh → FC128-tanh → FC2, D 2 → FC128-tanh → FC128-tanh → FC1 (PAPERS.md §4 nets;
 * zDim 2 as in the engine issue, 256 in the paper). Real data: 8 Gaussians on the unit circle, σ 0.01.
 * Adam β1 0.5: G 1e-3, D 1e-4.
 */
export function toyGan(batch: number, zDim = 2): Gan {
  const h = 128;
  const g = [
    weight([zDim, h], 1 / Math.sqrt(zDim), 'g_w1'),
    zeros([h], 'g_b1'),
    weight([h, h], 1 / Math.sqrt(h), 'g_w2'),
    zeros([h], 'g_b2'),
    weight([h, 2], 1 / Math.sqrt(h), 'g_w3'),
    zeros([2], 'g_b3'),
  ];
  const d = [
    weight([2, h], 1 / Math.sqrt(2), 'd_w1'),
    zeros([h], 'd_b1'),
    weight([h, h], 1 / Math.sqrt(h), 'd_w2'),
    zeros([h], 'd_b2'),
    weight([h, 1], 1 / Math.sqrt(h), 'd_w3'),
    zeros([1], 'd_b3'),
  ];
  const mlp = (x: tf.Tensor, p: tf.Variable[]) =>
    dense(tf.tanh(dense(tf.tanh(dense(x, p[0], p[1])), p[2], p[3])), p[4], p[5]);
  const u = seededUniform(3);
  const real = new Float32Array(batch * 2);
  const sampleReal = () => {
    for (let i = 0; i < batch; i++) {
      const angle = (2 * Math.PI * Math.floor(u() * 8)) / 8;
      real[2 * i] = Math.cos(angle) + 0.01 * (u() - 0.5) * 3.46;
      real[2 * i + 1] = Math.sin(angle) + 0.01 * (u() - 0.5) * 3.46;
    }
    return tf.tensor2d(real, [batch, 2]);
  };
  let zSeed = 1;
  return new TwoPlayer(
    g,
    d,
    (z) => mlp(z, g),
    (x) => mlp(x, d),
    () => tf.randomNormal([batch, zDim], 0, 1, 'float32', zSeed++),
    sampleReal,
    adam(1e-3, 0.5),
    adam(1e-4, 0.5),
  );
}
