// `dppgan bench stacked-mnist` end to end on a tiny setting (2 iterations, DCGAN and GDPP-GAN, 100 samples, a
// small classifier trained here into a temporary DPPGAN_CACHE), then resumability: a rerun skips finished runs
// and reuses their cached evaluations, an interrupted run continues from its checkpoint, a failed seed leaves
// its row "k/N (incomplete)", and rows of other invocations are kept. Also: a missing classifier is one line.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { runOrder, TRAINED_ROW_SUFFIX } from '../src/cli/bench/runs.js';
import {
  planStackedMnistBench,
  SMNIST_EVAL_FILE,
  SMNIST_EVAL_TRAINED_FILE,
  type StackedMnistResults,
  trainingSeconds,
} from '../src/cli/bench/stacked-mnist.js';
import { SMNIST_MODE_MAP_FILE } from '../src/cli/bench/stacked-mnist-evaluation.js';
import { MISSING_MODE_COLOUR, modeCellOrigin } from '../src/report/index.js';
import { saveClassifier, trainMnistClassifier } from '../src/train/classifier.js';
import { fileSaveHandler } from '../src/train/export.js';
import { loadConfigFile, parseConfig, trainRun } from '../src/train/index.js';
import { cli } from './helpers/cli-in-process.js';

const scratch = mkdtempSync(join(tmpdir(), 'dppgan-smnist-bench-'));
const cache = join(scratch, 'cache');
const out = join(scratch, 'results');
const runs = join(scratch, 'runs');
const runDir = (name: string) => join(runs, 'short-2', name);
const savedCache = process.env.DPPGAN_CACHE;
let key = '';
let accuracy = 0;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  process.env.DPPGAN_CACHE = cache;
  const opts = { epochs: 1, batchSize: 32, trainSubset: 960, testSubset: 500, seed: 2 };
  const trained = trainMnistClassifier(opts);
  saveClassifier(trained, opts);
  trained.model.dispose();
  key = trained.key;
  accuracy = trained.testAccuracy;
});
afterAll(() => {
  if (savedCache === undefined) delete process.env.DPPGAN_CACHE;
  else process.env.DPPGAN_CACHE = savedCache;
  rmSync(scratch, { recursive: true, force: true });
});

const tiny = () => [
  'bench',
  'stacked-mnist',
  '--iterations',
  '2',
  '--samples',
  '100',
  '--real-samples',
  '100',
  '--jobs',
  '2',
  '--classifier',
  key,
  '--out',
  out,
  '--runs',
  runs,
];
/** Modes whose cell in a mode-map PNG is painted as never drawn (red), read back from the pixels. */
function missingModesInMap(file: string): number {
  const png = PNG.sync.read(readFileSync(file));
  let missing = 0;
  for (let mode = 0; mode < 1000; mode++) {
    const { x, y, size } = modeCellOrigin(mode);
    const i = 4 * ((y + (size >> 1)) * png.width + x + (size >> 1));
    const rgb = [png.data[i], png.data[i + 1], png.data[i + 2]];
    if (rgb.every((v, c) => v === MISSING_MODE_COLOUR[c])) missing++;
  }
  return missing;
}

const readResults = (): StackedMnistResults =>
  JSON.parse(readFileSync(join(out, 'stacked-mnist.json'), 'utf8')) as StackedMnistResults;

describe('dppgan bench stacked-mnist', () => {
  it('without a cached classifier: one line saying to run `dppgan classifier train`, nothing trained', async () => {
    process.env.DPPGAN_CACHE = join(scratch, 'empty-cache');
    try {
      const result = await cli('bench', 'stacked-mnist', '--iterations', '2', '--out', out, '--runs', runs);
      expect(result.code).toBe(2);
      expect(result.err.trim().split('\n')).toHaveLength(1);
      expect(result.err).toMatch(
        /^dppgan: no cached MNIST classifier in .*run `dppgan classifier train` first/,
      );
    } finally {
      process.env.DPPGAN_CACHE = cache;
    }
    const unknown = await cli(
      ...['bench', 'stacked-mnist', '--iterations', '2', '--out', out, '--runs', runs],
      ...['--classifier', '0123456789abcdef'],
    );
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--classifier 0123456789abcdef: no cached classifier with that key/);
    expect(() => statSync(runs)).toThrow();
  });

  it('trains, evaluates and writes rows with protocol, seeds and metrics', async () => {
    const result = await cli(...tiny(), '--seeds', '1', '--methods', 'dcgan,gdpp-gan');
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(new RegExp(`classifier ${key}`));
    expect(result.out.match(/^\[\d\/2\] (DCGAN|GDPP-GAN) seed 1: \d+\/1000 modes, KL /gm)).toHaveLength(2);

    const results = readResults();
    expect(results.command).toBe(`dppgan ${tiny().join(' ')} --seeds 1 --methods dcgan,gdpp-gan`);
    expect(results.classifier).toEqual({ key, testAccuracy: accuracy });
    expect([results.samples, results.realSamples]).toEqual([100, 100]);
    expect(results.machineInfo.backend).toBe('wasm');
    expect(results.realReference?.samples).toBe(100);
    // 100 real images drawn uniformly over 1,000 modes: ~95 distinct triples expected.
    expect(results.realReference?.modes).toBeGreaterThan(85);
    expect(
      results.rows.map((r) => [
        r.method,
        r.dataset,
        r.protocol,
        r.iterations,
        r.seeds,
        r.seedsAsked,
        r.complete,
      ]),
    ).toEqual([
      ['DCGAN', 'stacked-mnist', 'short', 2, 1, 1, true],
      ['GDPP-GAN', 'stacked-mnist', 'short', 2, 1, 1, true],
    ]);
    for (const row of results.rows) {
      const [seed] = row.perSeed;
      expect(seed.step).toBe(2);
      expect(seed.samples).toBe(100);
      expect(seed.modes).toBeGreaterThanOrEqual(1);
      expect(seed.modes).toBeLessThanOrEqual(100);
      // KL(p ‖ uniform) = log 1000 − H(p) ∈ [log(1000/100), log 1000] for 100 samples (rounded to 4 digits).
      expect(seed.kl).toBeGreaterThanOrEqual(Math.log(1000 / 100) - 1e-4);
      expect(seed.kl).toBeLessThanOrEqual(Math.log(1000) + 1e-4);
      expect(seed.fid).toBeGreaterThan(0);
      expect(Number.isFinite(seed.kid)).toBe(true);
      expect(seed.classifierScore).toBeGreaterThanOrEqual(1 - 1e-9);
      expect(seed.classifierScore).toBeLessThanOrEqual(10 + 1e-9);
      expect(seed.secPerIter).toBeGreaterThan(0);
      expect([row.modes, row.kl, row.fid]).toEqual([seed.modes, seed.kl, seed.fid]);
      const cached = JSON.parse(readFileSync(join(seed.runDir, SMNIST_EVAL_FILE), 'utf8'));
      expect(cached).toMatchObject({ step: 2, samples: 100, realSamples: 100, classifier: key });
      expect(cached.metrics.modes).toBe(seed.modes);
      // It keeps the mode histogram: 100 samples over the covered modes.
      expect(cached.modeCounts.reduce((a: number, b: number) => a + b, 0)).toBe(100);
      expect(cached.modeCounts.filter((c: number) => c > 0)).toHaveLength(seed.modes);
      // The evaluation's mode map: exactly the modes it did not cover are red; kept beside the results.
      expect(missingModesInMap(join(seed.runDir, SMNIST_MODE_MAP_FILE))).toBe(1000 - seed.modes);
      const slug = row.method === 'DCGAN' ? 'dcgan' : 'gdpp-gan';
      expect(row.modeMap).toBe(`stacked-mnist-samples/${slug}-short-2-s1-modes.png`);
      expect(missingModesInMap(join(out, row.modeMap!))).toBe(1000 - seed.modes);
      expect(seed.modesIfIndependent).toBeGreaterThanOrEqual(1);
      expect(seed.modesIfIndependent).toBeLessThanOrEqual(100);
    }
    const md = readFileSync(join(out, 'stacked-mnist.md'), 'utf8');
    expect(md).toContain(`command (latest invocation): \`${results.command}\``);
    expect(md).toMatch(/\| DCGAN \| short \| 1 \| 2 \| 100 \| .* \| 427 \| 3\.163 \|/);
    expect(md).toMatch(/\| GDPP-GAN \| short \| 1 \| 2 \| 100 \| .* \| 1000 \| 0\.135 \|/);
    expect(md).toMatch(/test accuracy \d+\.\d\d% \(\*\*below the 99%/);
    expect(md).toMatch(
      /Paper-only baselines \(modes \/ KL\): Unrolled 817 \/ 1\.430, WGAN 961 \/ 0\.140, WGAN-GP 995/,
    );
    expect(readFileSync(join(out, 'stacked-mnist.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(md).toContain('## Mode maps');
    expect(md).toMatch(
      /- \[DCGAN, short 2, seed 1\]\(stacked-mnist-samples\/dcgan-short-2-s1-modes\.png\): \d+ modes \(\d+ if its digits were independent across channels\)/,
    );
    // The per-seed table gives each seed's prediction beside its modes.
    for (const row of results.rows) {
      const seed = row.perSeed[0];
      expect(md).toContain(
        `| ${row.method} | short | 1 | 2 | ${seed.modes} | ${seed.modesIfIndependent!.toFixed(0)} | ${seed.kl.toFixed(3)} |`,
      );
    }
  });

  it('dppgan eval --classifier KEY: Stacked-MNIST modes with that classifier, and the mode map in modes.png', async () => {
    const run = runDir('dcgan-s1');
    const result = await cli('eval', '--run', run, '--samples', '200', '--classifier', key);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/mode map .*modes\.png\)/);
    const record = JSON.parse(readFileSync(join(run, 'eval.json'), 'utf8'));
    expect(record.classifierAccuracy).toBe(accuracy);
    expect(record.stackedModes).toBeGreaterThanOrEqual(1);
    expect(missingModesInMap(join(run, 'modes.png'))).toBe(1000 - record.stackedModes);
    // What the digit frequencies alone predict: at least 1 mode, at most what 200 samples can cover.
    expect(record.stackedModesIfIndependent).toBeGreaterThanOrEqual(1);
    expect(record.stackedModesIfIndependent).toBeLessThanOrEqual(200);
    expect(result.out).toMatch(
      new RegExp(
        `modes ${record.stackedModes}/1000, KL [0-9.]+, ${Math.round(record.stackedModesIfIndependent)} modes if the channels were independent`,
      ),
    );
    const unknown = await cli('eval', '--run', run, '--classifier', '0123456789abcdef');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^dppgan: --classifier 0123456789abcdef: no cached classifier with that key/);
  });

  it('skips finished runs and reuses their cached evaluations on a rerun', async () => {
    const log = join(runDir('dcgan-s1'), 'log.jsonl');
    const evaluation = join(runDir('dcgan-s1'), SMNIST_EVAL_FILE);
    const before = [statSync(log).mtimeMs, statSync(evaluation).mtimeMs];
    const first = readResults();
    // The map is redrawn from the histogram the cached evaluation keeps, without generating anything.
    const modeMap = join(runDir('dcgan-s1'), SMNIST_MODE_MAP_FILE);
    const drawn = readFileSync(modeMap);
    rmSync(modeMap);
    const notes = join(scratch, 'notes.md');
    writeFileSync(notes, '- dcgan seed 1: trained on machine X at commit abc\n');
    const result = await cli(...tiny(), '--seeds', '1', '--methods', 'dcgan,gdpp-gan', '--notes', notes);
    expect(result.code).toBe(0);
    expect(result.out.match(/finished earlier, skipped \(\d+\/1000 modes, KL /g)).toHaveLength(2);
    expect([statSync(log).mtimeMs, statSync(evaluation).mtimeMs]).toEqual(before);
    expect(readFileSync(modeMap).equals(drawn)).toBe(true);
    expect(readResults().rows.map((r) => r.perSeed)).toEqual(first.rows.map((r) => r.perSeed));
    expect(readResults().notes).toBe('- dcgan seed 1: trained on machine X at commit abc\n');
    expect(readFileSync(join(out, 'stacked-mnist.md'), 'utf8')).toContain(
      '## Notes\n\n- dcgan seed 1: trained on machine X at commit abc\n\n## Results\n\n| method |',
    );
  });

  it('continues an interrupted run from its checkpoint, marks a row with a failed seed incomplete, keeps other rows', async () => {
    const gdppRow = readResults().rows[1];
    // Seed 3 was stopped after 1 of its 2 steps (checkpoint and log, no eval.json), as an interrupted child.
    const config = loadConfigFile(
      join(import.meta.dirname, '..', 'experiments', 'stacked-mnist', 'dcgan.json'),
    );
    const partial = await trainRun(parseConfig({ ...config, seed: 3, iterations: 1 }), {
      runDir: runDir('dcgan-s3'),
    });
    partial.trainer.dispose();
    expect(existsSync(join(runDir('dcgan-s3'), 'eval.json'))).toBe(false);
    // Seed 2's directory holds something that is not a run: `train --force` refuses it, so the seed fails.
    mkdirSync(runDir('dcgan-s2'), { recursive: true });
    writeFileSync(join(runDir('dcgan-s2'), 'notes.txt'), 'not a run\n');
    const result = await cli(...tiny(), '--seeds', '3', '--methods', 'dcgan');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/1 run\(s\) failed: DCGAN seed 2/);
    expect(result.out).toMatch(/DCGAN seed 1: finished earlier, skipped/);
    expect(result.out).toMatch(/DCGAN seed 2: FAILED \(exit 2\)/);
    expect(result.out).toMatch(/DCGAN seed 3: \d+\/1000 modes, .* \(resumed\)/);
    // Step 1 logged by the first process, step 2 by the resumed one (its clock restarts).
    const log = readFileSync(join(runDir('dcgan-s3'), 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { step: number; time: number });
    expect(log.map((r) => r.step)).toEqual([1, 2]);
    expect(readFileSync(join(runs, 'short-2', 'logs', 'dcgan-s3.log'), 'utf8')).toMatch(
      /--iterations 2 --workers 1 --resume/,
    );
    const results = readResults();
    expect(results.rows.map((r) => [r.method, r.seeds, r.seedsAsked, r.complete])).toEqual([
      ['DCGAN', 2, 3, false],
      ['GDPP-GAN', 1, 1, true],
    ]);
    expect(results.rows[0].perSeed.map((s) => [s.seed, s.step])).toEqual([
      [1, 2],
      [3, 2],
    ]);
    // The GDPP-GAN row is the earlier invocation's, with its own command line.
    expect(results.rows[1]).toEqual(gdppRow);
    expect(results.rows[1].command).not.toBe(results.command);
    expect(readFileSync(join(out, 'stacked-mnist.md'), 'utf8')).toMatch(
      /\| DCGAN \| short \| 2\/3 \(incomplete\) \| 2 \|/,
    );
  });

  it('--feature-model adds "user model" FID/KID columns, re-evaluates once, and drops them again without it', async () => {
    // A small LayersModel on 14×14 gray input: Stacked-MNIST's 28×28×3 images are resized and averaged to gray.
    const model = tfl.sequential({
      layers: [
        tfl.layers.flatten({ inputShape: [14, 14, 1] }),
        tfl.layers.dense({ units: 12, activation: 'relu', name: 'features' }),
        tfl.layers.dense({ units: 2, name: 'head' }),
      ],
    });
    const modelDir = join(scratch, 'digit-features');
    await model.save(fileSaveHandler(modelDir));
    model.dispose();
    const evaluation = join(runDir('gdpp-gan-s1'), SMNIST_EVAL_FILE);
    const args = [...tiny(), '--seeds', '1', '--methods', 'gdpp-gan'];
    const withModel = [...args, '--feature-model', modelDir, '--feature-output', 'penultimate'];

    const result = await cli(...withModel);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(
      /GDPP-GAN seed 1 \(short 2\): \d+\/1000 modes, .*FID \(user model: digit-features\) \d+\.\d\d, KID \(user model: digit-features\) -?\d/,
    );
    const results = readResults();
    expect(results.featureModel).toMatchObject({
      name: 'digit-features',
      format: 'layers-model',
      output: 'penultimate (input of head)',
      range: [0, 1],
    });
    const row = results.rows.find((r) => r.method === 'GDPP-GAN')!;
    expect(row.userFid).toBeGreaterThan(0);
    expect(Number.isFinite(row.userKid)).toBe(true);
    expect(row.perSeed[0].userFid).toBe(row.userFid);
    // The DCGAN row was measured without the model: its user cells are empty, its own metrics kept.
    const dcgan = results.rows.find((r) => r.method === 'DCGAN')!;
    expect([dcgan.userFid, dcgan.perSeed[0].userFid, dcgan.fid === null]).toEqual([null, null, false]);
    const cached = JSON.parse(readFileSync(evaluation, 'utf8'));
    expect(cached.featureModel).toBe(results.featureModel?.key);
    expect(cached.userMetrics.fid).toBe(row.userFid);
    const md = readFileSync(join(out, 'stacked-mnist.md'), 'utf8');
    expect(md).toContain(
      '| KID | FID (user model: digit-features) | KID (user model: digit-features) | classifier score |',
    );
    expect(md).toMatch(/\| DCGAN \| short \| 2\/3 \(incomplete\) \| 2 \| .* \| – \| – \|/);

    // Same model again: the cached evaluation is reused.
    const before = statSync(evaluation).mtimeMs;
    const again = await cli(...withModel);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/GDPP-GAN seed 1: finished earlier, skipped/);
    expect(statSync(evaluation).mtimeMs).toBe(before);
    expect(readResults().rows.find((r) => r.method === 'GDPP-GAN')?.userFid).toBe(row.userFid);

    // Without it: re-evaluated, no user columns, the classifier metrics unchanged (same samples and seed).
    const plain = await cli(...args);
    expect(plain.code).toBe(0);
    const after = readResults();
    expect(after.featureModel).toBeNull();
    const plainRow = after.rows.find((r) => r.method === 'GDPP-GAN')!;
    expect([plainRow.userFid, plainRow.fid, plainRow.modes]).toEqual([null, row.fid, row.modes]);
    expect(readFileSync(join(out, 'stacked-mnist.md'), 'utf8')).not.toContain('user model');
  });

  it('a moving-average config gives two rows from the same runs; the trained G row equals the config without it', async () => {
    const averagedOut = join(scratch, 'results-average');
    const args = [...tiny(), '--seeds', '1', '--methods', 'gdpp-gan-magnitude10,gdpp-gan-magnitude10-ema'];
    args[args.indexOf(out)] = averagedOut;
    const result = await cli(...args);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/moving average: \d+\/1000 modes, .*; trained G: \d+\/1000 modes/);
    const results = JSON.parse(
      readFileSync(join(averagedOut, 'stacked-mnist.json'), 'utf8'),
    ) as StackedMnistResults;
    const averageName = 'GDPP-GAN, magnitude 10 + G moving average (ours)';
    expect(results.rows.map((r) => [r.method, r.weights])).toEqual([
      ['GDPP-GAN, magnitude weight 10 (ours)', undefined],
      [averageName, 'average'],
      [`${averageName}${TRAINED_ROW_SUFFIX}`, 'trained'],
    ]);
    const [plain, average, trained] = results.rows.map((r) => r.perSeed[0]);
    const metrics = (r: typeof plain) => [r.modes, r.kl, r.fid, r.kid, r.classifierScore];
    // Training never reads the average: the trained G of the averaged run is the plain config's G.
    expect(metrics(trained)).toEqual(metrics(plain));
    expect(trained.runDir).toBe(average.runDir);
    expect(average.fid).not.toBe(trained.fid);
    expect(existsSync(join(runDir('gdpp-gan-magnitude10-ema-s1'), SMNIST_EVAL_TRAINED_FILE))).toBe(true);
    expect(existsSync(join(runDir('gdpp-gan-magnitude10-s1'), SMNIST_EVAL_TRAINED_FILE))).toBe(false);
    const md = readFileSync(join(averagedOut, 'stacked-mnist.md'), 'utf8');
    expect(md).toContain(`| ${averageName}${TRAINED_ROW_SUFFIX} | short | 1 | 2 |`);
    expect(md).toMatch(/- moving average of G: .*evaluates the trained G of the very same runs/);
    // The header's training time counts the two rows' shared runs once.
    expect(plain.trainSeconds).toBeGreaterThan(0);
    expect(trainingSeconds(results.rows)).toBeCloseTo(plain.trainSeconds + average.trainSeconds, 6);
    expect(md).toContain(
      `training time summed over the rows' runs (from their logs, each run once, earlier invocations and machines included): ${(plain.trainSeconds + average.trainSeconds).toFixed(0)} s`,
    );
    // Each row's grid is kept beside the results; the trained G's is the plain config's, pixel for pixel.
    const grid = (name: string) =>
      readFileSync(join(averagedOut, 'stacked-mnist-samples', `${name}-short-2-s1.png`));
    expect(grid('gdpp-gan-magnitude10-ema-trained').equals(grid('gdpp-gan-magnitude10'))).toBe(true);
    expect(grid('gdpp-gan-magnitude10-ema').equals(grid('gdpp-gan-magnitude10'))).toBe(false);

    // A rerun reads both cached evaluations back.
    const trainedCache = join(runDir('gdpp-gan-magnitude10-ema-s1'), SMNIST_EVAL_TRAINED_FILE);
    const before = statSync(trainedCache).mtimeMs;
    const again = await cli(...args);
    expect(again.code).toBe(0);
    expect(again.out).not.toMatch(/^evaluated /m);
    expect(statSync(trainedCache).mtimeMs).toBe(before);
  }, 300_000); // 2 trainings, 3 evaluations and a rerun: 73–125 s on our 2 cores with a training beside it

  it('a carried-over row whose run directory is gone keeps its sample grid in the picture', async () => {
    const keptOut = join(scratch, 'results-kept');
    const keptRuns = join(scratch, 'runs-kept');
    const args = (method: string) => {
      const a = [...tiny(), '--seeds', '1', '--methods', method];
      a[a.indexOf(out)] = keptOut;
      a[a.indexOf(runs)] = keptRuns;
      return a;
    };
    expect((await cli(...args('dcgan'))).code).toBe(0);
    const kept = join(keptOut, 'stacked-mnist-samples', 'dcgan-short-2-s1.png');
    const dcganGrid = readFileSync(kept);
    const alone = PNG.sync.read(readFileSync(join(keptOut, 'stacked-mnist.png')));
    rmSync(join(keptRuns, 'short-2', 'dcgan-s1'), { recursive: true });

    const result = await cli(...args('gdpp-gan'));
    expect(result.code).toBe(0);
    const rows = (
      JSON.parse(readFileSync(join(keptOut, 'stacked-mnist.json'), 'utf8')) as StackedMnistResults
    ).rows;
    expect(rows.map((r) => r.method)).toEqual(['DCGAN', 'GDPP-GAN']);
    // Two panels side by side: the carried DCGAN grid (unchanged file) and the new GDPP-GAN one.
    const both = PNG.sync.read(readFileSync(join(keptOut, 'stacked-mnist.png')));
    expect(both.width).toBeGreaterThan(1.8 * alone.width);
    expect(readFileSync(kept).equals(dcganGrid)).toBe(true);
    // Its mode map is kept too, and still listed.
    expect(existsSync(join(keptOut, 'stacked-mnist-samples', 'dcgan-short-2-s1-modes.png'))).toBe(true);
    expect(rows[0].modeMap).toBe('stacked-mnist-samples/dcgan-short-2-s1-modes.png');
    expect(rows[0].perSeed[0].modesIfIndependent).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(keptOut, 'stacked-mnist-samples', 'gdpp-gan-short-2-s1.png'))).toBe(true);
    expect(readFileSync(join(keptOut, 'stacked-mnist.md'), 'utf8')).toContain(
      'also kept in `stacked-mnist-samples/`',
    );
  });
});

describe('bench stacked-mnist planning', () => {
  const base = { seeds: 2, jobs: 1, out, runs, command: 'x', io: { out() {}, err() {}, isTTY: false } };

  it('plans paper (15,000) and short (4,000) protocols in table order and rejects contradictions', () => {
    const paper = planStackedMnistBench({ ...base, methods: ['GDPP-GAN', 'dcgan'] });
    expect(paper.protocol).toBe('paper');
    expect(paper.tasks.map((t) => [t.experiment.method, t.seed, t.iterations])).toEqual([
      ['DCGAN', 1, 15000],
      ['DCGAN', 2, 15000],
      ['GDPP-GAN', 1, 15000],
      ['GDPP-GAN', 2, 15000],
    ]);
    expect(paper.tasks[2].runDir).toBe(join(runs, 'paper-15000', 'gdpp-gan-s1'));
    // started seed-major, so a cut-short invocation leaves seed 1 of every method
    expect(runOrder(paper.tasks).map((t) => [t.experiment.method, t.seed])).toEqual([
      ['DCGAN', 1],
      ['GDPP-GAN', 1],
      ['DCGAN', 2],
      ['GDPP-GAN', 2],
    ]);
    const short = planStackedMnistBench({ ...base, protocol: 'short' });
    expect(new Set(short.tasks.map((t) => t.iterations))).toEqual(new Set([4000]));
    expect(short.tasks.map((t) => t.experiment.method).filter((_, i) => i % 2 === 0)).toEqual([
      'DCGAN',
      'WGAN-GP',
      'SN-GAN',
      'GDPP-GAN',
      'GDPP+SN-GAN',
      'GDPP-GAN, magnitude weight 1 (ours)',
      'GDPP-GAN, magnitude weight 10 (ours)',
      'GDPP-GAN, magnitude 10 + G moving average (ours)',
      'GDPP-GAN, magnitude 30 + G moving average (ours)',
    ]);
    expect(short.outputs.json).toBe(paper.outputs.json);
    expect(() => planStackedMnistBench({ ...base, protocol: 'paper', iterations: 20 })).toThrow(
      /--protocol paper/,
    );
    expect(() => planStackedMnistBench({ ...base, methods: ['gdpp'] })).toThrow(/unknown method "gdpp"/);
  });

  it('rejects options of the other suite', async () => {
    const result = await cli('bench', 'synthetic', '--samples', '300');
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/--samples applies to `dppgan bench stacked-mnist` only/);
  });

  it('rejects a missing or empty --notes file in one line, before any run', async () => {
    const missing = await cli('bench', 'synthetic', '--notes', join(scratch, 'no-such-notes.md'));
    expect(missing.code).toBe(2);
    expect(missing.err.trim()).toMatch(/^dppgan: cannot read --notes file ".*no-such-notes\.md": ENOENT$/);
    const empty = join(scratch, 'empty-notes.md');
    writeFileSync(empty, ' \n');
    const blank = await cli('bench', 'stacked-mnist', '--notes', empty);
    expect(blank.code).toBe(2);
    expect(blank.err.trim()).toMatch(/^dppgan: --notes file ".*empty-notes\.md" is empty$/);
  });
});
