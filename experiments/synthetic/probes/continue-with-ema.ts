// Probe behind the "*-gdpp-gan-magnitude1-ema" configs (experiments/synthetic/README.md): continue a finished
// run for K more steps at its own rates while keeping a moving average of G's weights (decay β, starting from
// the checkpoint's weights), and evaluate the trained and the averaged G every E steps exactly as
// `dppgan bench synthetic` does (2,500 samples from latent seed 0, real reference from its 'real' fork). Works in
// memory: the run directory is only read.
//   npx tsx experiments/synthetic/probes/continue-with-ema.ts RUN_DIR [K = 4000] [E = 1000] [β = 0.999]
import { evaluateMixture } from '../../../src/metrics/index.js';
import { Random } from '../../../src/random.js';
import { GeneratorEma, openRun } from '../../../src/train/index.js';

const [runDir, stepsArg = '4000', everyArg = '1000', decayArg = '0.999'] = process.argv.slice(2);
const steps = Number(stepsArg);
const every = Number(everyArg);
const decay = Number(decayArg);
if (
  !runDir ||
  !Number.isInteger(steps) ||
  steps < 1 ||
  !Number.isInteger(every) ||
  every < 1 ||
  !(decay > 0 && decay < 1)
) {
  console.error('usage: continue-with-ema.ts RUN_DIR [steps ≥ 1] [evaluate-every ≥ 1] [0 < decay < 1]');
  process.exit(2);
}
const trainer = await openRun(runDir);
const start = trainer.step;
const average = new GeneratorEma(trainer.gan.generator.stack.weights(), { decay, start: 0 });

function evaluate(): string {
  const generated = trainer.generate(2500, new Random(0), 1024, 'trained');
  const m = evaluateMixture(generated, trainer.dataset, { random: new Random(0).fork('real') });
  return `modes ${m.modes}/${m.totalModes} HQ ${m.hq.toFixed(2)}% sliced W1 ${m.slicedWasserstein.toFixed(4)}`;
}

console.log(`step ${start}\ttrained: ${evaluate()}`);
for (let k = 1; k <= steps; k++) {
  trainer.trainStep();
  average.update(k);
  if (k % every === 0) console.log(`+${k}\ttrained: ${evaluate()}\taverage: ${average.use(evaluate)}`);
}
average.dispose();
trainer.dispose();
