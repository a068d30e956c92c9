// Probe behind the "*-gdpp-gan-magnitude1-decay" configs (experiments/synthetic/README.md): continue a
// finished run for K more steps with both learning rates × (1 − k/K), k = 0 … K − 1, and evaluate every E steps
// exactly as `dppgan bench synthetic` does (2,500 samples from latent seed 0, real reference from its 'real'
// fork). Works on a copy in memory: the run directory is only read.
//   npx tsx experiments/synthetic/probes/continue-with-decay.ts RUN_DIR [K = 5000] [E = 1000]
import { evaluateMixture } from '../../../src/metrics/index.js';
import { Random } from '../../../src/random.js';
import { learningRateFactor, openRun } from '../../../src/train/index.js';

const [runDir, stepsArg = '5000', everyArg = '1000'] = process.argv.slice(2);
if (!runDir) {
  console.error('usage: continue-with-decay.ts RUN_DIR [steps] [evaluate-every]');
  process.exit(2);
}
const steps = Number(stepsArg);
const every = Number(everyArg);
const trainer = await openRun(runDir);
const start = trainer.step;
const { g, d } = trainer.config.optim;
// The Trainer sets its rates before every step; here they fall linearly from the config's to 0 over the `steps`
// steps after the checkpoint (the run's own config.json and checkpoint are not touched).
trainer.applyLearningRates = () => {
  const factor = learningRateFactor(trainer.step - start, steps, { kind: 'linear', from: 0 });
  (trainer.optimizerG as unknown as { learningRate: number }).learningRate = g.lr * factor;
  (trainer.optimizerD as unknown as { learningRate: number }).learningRate = d.lr * factor;
};

function evaluate(label: string): void {
  const generated = trainer.generate(2500, new Random(0));
  const m = evaluateMixture(generated, trainer.dataset, { random: new Random(0).fork('real') });
  console.log(
    `${label}\tmodes ${m.modes}/${m.totalModes}\tHQ ${m.hq.toFixed(2)}%\tsliced W1 ${m.slicedWasserstein.toFixed(4)}`,
  );
}

evaluate(`step ${start}`);
for (let k = 1; k <= steps; k++) {
  trainer.trainStep();
  if (k % every === 0) evaluate(`+${k}`);
}
trainer.dispose();
