// Spectral normalization (Miyato et al. 2018) in your own tf.layers discriminator: wrap each Dense/Conv layer in
// spectralNormalization({ layer }) and it computes with W / σ(W), where σ(W) — the largest singular value of the
// kernel as a [fan-in, outputs] matrix — is tracked by one power-iteration step per training call (u is a
// non-trainable weight, saved with the model). As the iteration converges, σ(W/σ) → 1: each wrapped layer is
// 1-Lipschitz (w.r.t. that matrix norm). The estimate vᵀWu never exceeds σ(W), so σ(W/σ) ≥ 1 until it converges.
// Run: npx tsx examples/sn-discriminator.ts [steps]        (default 300)
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend, kernelAsMatrix, singularValues, spectralNormalize } from 'dppgan';
import { SPECTRAL_NORM_OUTPUT_AXIS, SpectralNormalization, spectralNormalization } from 'dppgan/layers';

const steps = Number(process.argv[2] ?? 300);
await initBackend();

const sn = (layer: tfl.layers.Layer) => spectralNormalization({ layer });
const discriminator = tfl.sequential({
  layers: [
    sn(
      tfl.layers.conv2d({ filters: 16, kernelSize: 4, strides: 2, padding: 'same', inputShape: [16, 16, 1] }),
    ),
    tfl.layers.leakyReLU({ alpha: 0.1 }),
    sn(tfl.layers.conv2d({ filters: 32, kernelSize: 4, strides: 2, padding: 'same' })),
    tfl.layers.leakyReLU({ alpha: 0.1 }),
    tfl.layers.flatten(),
    sn(tfl.layers.dense({ units: 1 })),
  ],
});
// The SN-GAN paper's hinge loss (labels +1 real, −1 fake) and Adam(2e-4, β1 = 0.5); fit() passes training: true.
discriminator.compile({ optimizer: tf.train.adam(2e-4, 0.5, 0.999), loss: 'hinge' });

// "Real" images: one smooth blob at a random place; "fake": white noise.
function batch(n: number, seed: number): [tf.Tensor4D, tf.Tensor2D] {
  return tf.tidy(() => {
    const grid = tf.linspace(0, 1, 16);
    const [cy, cx] = [0, 1].map((k) => tf.randomUniform([n, 1, 1, 1], 0.2, 0.8, 'float32', seed + k));
    const dy = tf.square(tf.sub(tf.reshape(grid, [1, 16, 1, 1]), cy));
    const dx = tf.square(tf.sub(tf.reshape(grid, [1, 1, 16, 1]), cx));
    const real = tf.exp(tf.div(tf.add(dy, dx), -0.02));
    const fake = tf.randomUniform([n, 16, 16, 1], 0, 1, 'float32', seed + 2);
    const labels = tf.concat([tf.ones([n, 1]), tf.fill([n, 1], -1)]);
    return [tf.concat([real, fake]) as tf.Tensor4D, labels as tf.Tensor2D];
  });
}
for (let step = 0; step < steps; step++) {
  const [x, y] = batch(32, 3 * step);
  await discriminator.trainOnBatch(x, y);
  tf.dispose([x, y]);
}
const [x, y] = batch(200, 1e6);
const correct = tf.tidy(
  () => tf.sum(tf.equal(tf.sign(discriminator.predict(x) as tf.Tensor), y)).dataSync()[0],
);
console.log(`after ${steps} steps: real vs fake accuracy ${((100 * correct) / 400).toFixed(1)}%`);

// σ of each raw kernel (exact SVD), the layer's power-iteration estimate, and σ of W / estimate (→ 1).
for (const layer of discriminator.layers.filter((l) => l instanceof SpectralNormalization)) {
  const kernel = layer.layer.getWeights()[0];
  const axis =
    SPECTRAL_NORM_OUTPUT_AXIS[layer.layer.getClassName() as keyof typeof SPECTRAL_NORM_OUTPUT_AXIS];
  const { normalized, sigma, u } = spectralNormalize(kernel, layer.u.read() as tf.Tensor1D, {
    training: false,
    outputAxis: axis,
  });
  const exact = singularValues(kernelAsMatrix(kernel, axis))[0];
  const after = singularValues(kernelAsMatrix(normalized, axis))[0];
  const estimate = sigma.dataSync()[0];
  console.log(
    `${layer.name}: σ(W) ${exact.toFixed(4)}  estimate ${estimate.toFixed(4)}  σ(W/σ) ${after.toFixed(4)}`,
  );
  tf.dispose([normalized, sigma, u]);
}
tf.dispose([x, y]);
