// Paired comparison for runs trained with "generatorEma": evaluate the trained G and its moving average of the
// same run, each exactly as `dppgan bench synthetic` does (2,500 samples from latent seed 0, real reference from
// its 'real' fork). Read-only.
//   npx tsx experiments/synthetic/probes/trained-vs-average.ts RUN_DIR [RUN_DIR ...]
import { evaluateMixture } from '../../../src/metrics/index.js';
import { Random } from '../../../src/random.js';
import { openRun } from '../../../src/train/index.js';

const runDirs = process.argv.slice(2);
if (runDirs.length === 0) {
  console.error('usage: trained-vs-average.ts RUN_DIR [RUN_DIR ...] (runs trained with "generatorEma")');
  process.exit(2);
}
for (const runDir of runDirs) {
  const trainer = await openRun(runDir);
  if (!trainer.generatorEma) {
    console.error(`${runDir}: trained without "generatorEma"; nothing to compare`);
    process.exit(2);
  }
  const evaluate = (weights: 'trained' | 'average') => {
    const generated = trainer.generate(2500, new Random(0), 1024, weights);
    const m = evaluateMixture(generated, trainer.dataset, { random: new Random(0).fork('real') });
    return `${m.modes}/${m.totalModes} HQ ${m.hq.toFixed(2)}% W1 ${m.slicedWasserstein.toFixed(4)}`;
  };
  console.log(
    `${runDir}\tstep ${trainer.step}\ttrained ${evaluate('trained')}\taverage ${evaluate('average')}`,
  );
  trainer.dispose();
}
