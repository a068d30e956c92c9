// Probe behind the "*-gdpp-gan-magnitude1-decay" configs (experiments/synthetic/README.md): continue a
// finished run for K more steps with both learning rates × (1 − k/K), k = 0 … K − 1 — or, with --constant,
// at the run's own rates (the control arm) — and evaluate every E steps exactly as `dppgan bench synthetic`
// does (2,500 samples from latent seed 0, real reference from its 'real' fork). Works in memory: the run
// directory is only read.
//   npx tsx experiments/synthetic/probes/continue-with-decay.ts RUN_DIR [K = 5000] [E = 1000] [--constant]
import { evaluateMixture } from '../../../src/metrics/index.js';
import { Random } from '../../../src/random.js';
import { learningRateFactor, openRun } from '../../../src/train/index.js';

const args = process.argv.slice(2);
const constant = args.includes('--constant');
const [runDir, stepsArg = '5000', everyArg = '1000'] = args.filter((a) => a !== '--constant');
const steps = Number(stepsArg);
const every = Number(everyArg);
if (!runDir || !Number.isInteger(steps) || steps < 1 || !Number.isInteger(every) || every < 1) {
  console.error('usage: continue-with-decay.ts RUN_DIR [steps ≥ 1] [evaluate-every ≥ 1] [--constant]');
  process.exit(2);
}
const trainer = await openRun(runDir);
const start = trainer.step;
// The Trainer sets its rates before every step; here they fall linearly from the run's (its rollback scale
// included) to 0 over the `steps` steps after the checkpoint (or stay, --constant).
trainer.applyLearningRates = () =>
  trainer.scaleLearningRates(
    constant ? 1 : learningRateFactor(trainer.step - start, steps, { kind: 'linear', from: 0 }),
  );

function evaluate(label: string): void {
  const generated = trainer.generate(2500, new Random(0));
  const m = evaluateMixture(generated, trainer.dataset, { random: new Random(0).fork('real') });
  console.log(
    `${label}\tmodes ${m.modes}/${m.totalModes}\tHQ ${m.hq.toFixed(2)}%\tsliced W1 ${m.slicedWasserstein.toFixed(4)}`,
  );
}

evaluate(`step ${start}${constant ? ' (constant rates)' : ' (rates decaying to 0)'}`);
for (let k = 1; k <= steps; k++) {
  trainer.trainStep();
  if (k % every === 0) evaluate(`+${k}`);
}
trainer.dispose();
