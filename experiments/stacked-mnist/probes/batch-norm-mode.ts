// Probe: does it matter how G's batch norm normalises at sampling time? dppgan samples in inference mode (the
// moving statistics gathered in training). The official GDPP Stacked-MNIST script's tflib `Batchnorm` always
// normalises with the statistics of the batch at hand, and it generates its 26,000 evaluation images in batches
// of 64. This evaluates a finished run both ways: the same modes/KL evaluation as `dppgan eval` (26,000 samples,
// latent seed 0), once as is and once with every generator call split into batches of B in training mode. Works
// in memory: the run directory is only read.
//   npx tsx experiments/stacked-mnist/probes/batch-norm-mode.ts RUN_DIR [RUN_DIR ...]
// (B = 64 and 26,000 samples; env BATCH=… and SAMPLES=… change them)
import * as tf from '@tensorflow/tfjs-core';
import { evaluate } from '../../../src/cli/artifacts.js';
import { openRun } from '../../../src/train/index.js';

const batch = Number(process.env.BATCH ?? 64);
const samples = Number(process.env.SAMPLES ?? 26000);
const runDirs = process.argv.slice(2);
if (runDirs.length === 0) {
  console.error('usage: batch-norm-mode.ts RUN_DIR [RUN_DIR ...] (Stacked-MNIST runs)');
  process.exit(2);
}
for (const runDir of runDirs) {
  const trainer = await openRun(runDir);
  const moving = evaluate(trainer, samples, 0, { classifier: true }).metrics;
  const generator = trainer.gan.generator;
  const inference = generator.apply.bind(generator);
  // Training-mode calls also move the (in-memory) moving statistics; nothing is saved.
  generator.apply = (z: tf.Tensor) =>
    tf.tidy(() => {
      const pieces: tf.Tensor[] = [];
      for (let start = 0; start < z.shape[0]; start += batch) {
        const size = Math.min(batch, z.shape[0] - start);
        pieces.push(inference(tf.slice(z, [start, 0], [size, -1]), true));
      }
      return tf.concat(pieces, 0);
    });
  const batchStatistics = evaluate(trainer, samples, 0, { classifier: true }).metrics;
  console.log(
    `${runDir}\tstep ${trainer.step}\tmoving statistics: ${moving.stackedModes} modes, KL ${moving.stackedKl}\t` +
      `batch statistics (B = ${batch}): ${batchStatistics.stackedModes} modes, KL ${batchStatistics.stackedKl}`,
  );
  trainer.dispose();
}
