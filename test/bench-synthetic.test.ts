// `dppgan bench synthetic` end to end on a tiny setting (20 iterations, 2 seeds, GAN and GDPP-GAN on the Ring,
// 2 child processes at once), then resumability: a rerun skips finished runs, a run without eval.json is resumed,
// and a run that fails leaves its row marked "k/N seeds (incomplete)". Plus the pure helpers.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { TRAINED_ROW_NOTE, TRAINED_ROW_SUFFIX } from '../src/cli/bench/runs.js';
import {
  type BenchTask,
  planBench,
  type SyntheticResults,
  type SyntheticSeedResult,
  secPerIterFromLog,
  seedsCell,
  syntheticMarkdown,
  syntheticRow,
  taskState,
  trainArgs,
} from '../src/cli/bench/synthetic.js';
import { cli } from './helpers/cli-in-process.js';

const scratch = mkdtempSync(join(tmpdir(), 'dppgan-bench-'));
const out = join(scratch, 'results');
const runs = join(scratch, 'runs');
const runDir = (name: string) => join(runs, 'short-20', name);

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const tiny = ['bench', 'synthetic', '--iterations', '20', '--datasets', 'ring', '--jobs', '2'];
/** The first test's invocation; the rerun test repeats it. */
const twoMethods = [...tiny, '--seeds', '2', '--methods', 'gan,gdpp-gan', '--out', out, '--runs', runs];
const readResults = (): SyntheticResults =>
  JSON.parse(readFileSync(join(out, 'synthetic-short.json'), 'utf8')) as SyntheticResults;

describe('dppgan bench synthetic (child processes)', () => {
  it('runs every method × seed, evaluates and writes json, md and png', async () => {
    const result = await cli(...twoMethods);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out.match(/^\[\d\/4\] ring (GAN|GDPP-GAN) seed [12]: \d\/8 modes, HQ/gm)).toHaveLength(4);

    const results = readResults();
    expect(results.command).toBe(
      `dppgan bench synthetic --iterations 20 --datasets ring --jobs 2 --seeds 2 --methods gan,gdpp-gan --out ${out} --runs ${runs}`,
    );
    expect(results.machineInfo.backend).toBe('wasm');
    expect(results.machineInfo.cores).toBeGreaterThan(0);
    expect(
      results.rows.map((r) => [r.method, r.dataset, r.protocol, r.seeds, r.seedsAsked, r.complete]),
    ).toEqual([
      ['GAN', 'ring', 'short', 2, 2, true],
      ['GDPP-GAN', 'ring', 'short', 2, 2, true],
    ]);
    for (const row of results.rows) {
      expect(row.iterations).toBe(20);
      expect(row.perSeed.map((s) => s.seed)).toEqual([1, 2]);
      for (const seed of row.perSeed) {
        // The re-evaluation here agrees with the child's own eval.json (same latent seed, same samples).
        const slug = row.method === 'GAN' ? 'gan' : 'gdpp-gan';
        const child = JSON.parse(
          readFileSync(join(runDir(`ring-${slug}-s${seed.seed}`), 'eval.json'), 'utf8'),
        );
        expect(seed.step).toBe(20);
        expect(seed.modes).toBe(child.modes);
        expect(seed.hq).toBeCloseTo(child.hq, 2);
        expect(seed.slicedWasserstein).toBeCloseTo(child.slicedWasserstein, 4);
        expect(seed.secPerIter).toBeGreaterThan(0);
      }
      const mean = (row.perSeed[0].modes + row.perSeed[1].modes) / 2;
      expect(row.modes).toBeCloseTo(mean, 2);
      expect(row.modesStd).toBeCloseTo(Math.abs(row.perSeed[0].modes - row.perSeed[1].modes) / Math.SQRT2, 2);
    }
    // The two methods differ only by the GDPP term, so their seed-1 samples differ.
    expect(results.rows[0].perSeed[0].slicedWasserstein).not.toBe(
      results.rows[1].perSeed[0].slicedWasserstein,
    );
    expect(results.gdppOverhead).toHaveLength(1);

    const md = readFileSync(join(out, 'synthetic-short.md'), 'utf8');
    expect(md).toContain(`command: \`${results.command}\``);
    expect(md).toMatch(/\| GAN \| short \| 2 \| 20 \| .* \| 1 \| 99\.3 \|/);
    expect(md).toMatch(/\| GDPP-GAN \| short \| 2 \| 20 \| .* \| 8 \| 71\.7 \|/);
    expect(md).toMatch(/GDPP time overhead: GDPP-GAN .* s\/iter vs GAN .* s\/iter/);
    expect(readFileSync(join(out, 'synthetic-short.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('skips finished runs on a rerun', async () => {
    const log = join(runDir('ring-gan-s1'), 'log.jsonl');
    const before = statSync(log).mtimeMs;
    const first = readResults();
    const result = await cli(...twoMethods);
    expect(result.code).toBe(0);
    expect(result.out.match(/finished earlier, skipped/g)).toHaveLength(4);
    expect(statSync(log).mtimeMs).toBe(before);
    const again = readResults();
    expect(again.rows.map((r) => r.perSeed)).toEqual(first.rows.map((r) => r.perSeed));
  });

  it('resumes a run without eval.json and marks a row with a failed seed incomplete', async () => {
    rmSync(join(runDir('ring-gan-s2'), 'eval.json'));
    // Seed 3's directory holds something that is not a run: `train --force` refuses it, so the seed fails.
    mkdirSync(runDir('ring-gan-s3'), { recursive: true });
    writeFileSync(join(runDir('ring-gan-s3'), 'notes.txt'), 'not a run\n');
    const result = await cli(...tiny, '--seeds', '3', '--methods', 'gan', '--out', out, '--runs', runs);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/1 run\(s\) failed: ring GAN seed 3/);
    expect(result.out).toMatch(/ring GAN seed 1: finished earlier, skipped/);
    expect(result.out).toMatch(/ring GAN seed 2: .* \(resumed\)/);
    expect(result.out).toMatch(/ring GAN seed 3: FAILED \(exit 2\)/);
    expect(existsSync(join(runDir('ring-gan-s2'), 'eval.json'))).toBe(true);
    const [row] = readResults().rows;
    expect([row.method, row.seeds, row.seedsAsked, row.complete]).toEqual(['GAN', 2, 3, false]);
    expect(readFileSync(join(out, 'synthetic-short.md'), 'utf8')).toMatch(
      /\| GAN \| short \| 2\/3 \(incomplete\) \|/,
    );
  });

  it('a moving-average config gives a second row from the same runs: its trained G, equal to the config without the average', async () => {
    const averagedOut = join(scratch, 'results-average');
    const args = [...tiny, '--seeds', '1', '--methods', 'gdpp-gan-magnitude1,gdpp-gan-magnitude1-ema'];
    const result = await cli(...args, '--out', averagedOut, '--runs', runs);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const results = JSON.parse(
      readFileSync(join(averagedOut, 'synthetic-short.json'), 'utf8'),
    ) as SyntheticResults;
    const averageName = 'GDPP-GAN, magnitude 1 + G moving average (ours)';
    expect(results.rows.map((r) => [r.method, r.weights])).toEqual([
      ['GDPP-GAN, magnitude weight 1 (ours)', undefined],
      [averageName, 'average'],
      [`${averageName}${TRAINED_ROW_SUFFIX}`, 'trained'],
    ]);
    const [plain, average, trained] = results.rows.map((r) => r.perSeed[0]);
    const metrics = (r: SyntheticSeedResult) => [r.modes, r.hq, r.slicedWasserstein, r.reverseKl, r.modeKl];
    // Training never reads the average: the averaged run's trained G is the plain config's G.
    expect(metrics(trained)).toEqual(metrics(plain));
    expect(trained.runDir).toBe(average.runDir);
    expect(average.slicedWasserstein).not.toBe(trained.slicedWasserstein);
    // The twin row's runs are counted once in the summed training time.
    expect(results.trainSeconds).toBeCloseTo(plain.trainSeconds + average.trainSeconds, 1);
    const md = readFileSync(join(averagedOut, 'synthetic-short.md'), 'utf8');
    expect(md).toContain(`| ${averageName}${TRAINED_ROW_SUFFIX} | short | 1 | 20 |`);
    expect(md).toContain(TRAINED_ROW_NOTE);
  });

  it('keeps the rows (and scatter panels) of methods an invocation does not run, even when their runs are gone', async () => {
    const keptOut = join(scratch, 'results-kept');
    const keptRuns = join(scratch, 'runs-kept');
    const args = (method: string) => [
      ...tiny,
      '--seeds',
      '1',
      '--methods',
      method,
      '--out',
      keptOut,
      '--runs',
      keptRuns,
    ];
    const first = await cli(...args('gdpp-gan'));
    expect(first.code).toBe(0);
    const panel = join(keptOut, 'synthetic-short-samples', 'ring-gdpp-gan-s1.png');
    const gdppPanel = readFileSync(panel);
    const alone = PNG.sync.read(readFileSync(join(keptOut, 'synthetic-short.png')));
    const gdppRow = (
      JSON.parse(readFileSync(join(keptOut, 'synthetic-short.json'), 'utf8')) as SyntheticResults
    ).rows[0];
    rmSync(join(keptRuns, 'short-20', 'ring-gdpp-gan-s1'), { recursive: true });

    const second = await cli(...args('gan'));
    expect(second.code).toBe(0);
    const results = JSON.parse(
      readFileSync(join(keptOut, 'synthetic-short.json'), 'utf8'),
    ) as SyntheticResults;
    // Table order, the GDPP-GAN row exactly as the first invocation measured it (its own command line).
    expect(results.rows.map((r) => r.method)).toEqual(['GAN', 'GDPP-GAN']);
    expect(results.rows[1]).toEqual(gdppRow);
    expect(results.rows[1].command).toBe(`dppgan ${args('gdpp-gan').join(' ')}`);
    expect(results.rows[0].command).toBe(results.command);
    // Both rows' seconds count, and the overhead line compares the carried GDPP-GAN row with the new GAN row.
    expect(results.trainSeconds).toBeCloseTo(
      results.rows[0].perSeed[0].trainSeconds + gdppRow.perSeed[0].trainSeconds,
      1,
    );
    expect(results.gdppOverhead.map((o) => [o.dataset, o.gan, o.gdpp])).toEqual([
      ['ring', results.rows[0].secPerIter, gdppRow.secPerIter],
    ]);
    // Two panels side by side: the new GAN one and the kept GDPP-GAN one (its file unchanged).
    const both = PNG.sync.read(readFileSync(join(keptOut, 'synthetic-short.png')));
    expect(both.width).toBeGreaterThan(1.8 * alone.width);
    expect(readFileSync(panel).equals(gdppPanel)).toBe(true);
    const md = readFileSync(join(keptOut, 'synthetic-short.md'), 'utf8');
    expect(md).toContain(
      `## Rows carried over from earlier invocations\n\n- ring GDPP-GAN: \`dppgan ${args('gdpp-gan').join(' ')}\``,
    );
    expect(md).toMatch(/\| GDPP-GAN \| short \| 1 \| 20 \|/);

    // Results of another sample count or protocol are not mixed in.
    writeFileSync(join(keptOut, 'synthetic-short.json'), JSON.stringify({ ...results, samples: 1000 }));
    const third = await cli(...args('gan'));
    expect(third.code).toBe(0);
    expect(third.err).toMatch(
      /holds other results \(protocol short, 1000 samples\); its rows are not carried over/,
    );
    expect(
      (JSON.parse(readFileSync(join(keptOut, 'synthetic-short.json'), 'utf8')) as SyntheticResults).rows.map(
        (r) => r.method,
      ),
    ).toEqual(['GAN']);
  });
});

describe('bench helpers', () => {
  const base = { seeds: 2, jobs: 1, out, runs, command: 'x', io: { out() {}, err() {}, isTTY: false } };

  it('plans paper and short protocols and rejects contradictions', () => {
    const paper = planBench({ ...base, datasets: ['grid'], methods: ['GDPP-GAN'] });
    expect(paper.protocol).toBe('paper');
    expect(
      paper.tasks.map((t) => [t.iterations, t.runDir.endsWith(join('paper-25000', 'grid-gdpp-gan-s2'))]),
    ).toEqual([
      [25000, false],
      [25000, true],
    ]);
    expect(paper.outputs.json.endsWith('synthetic.json')).toBe(true);
    expect(planBench({ ...base, protocol: 'short' }).tasks.every((t) => t.iterations === 5000)).toBe(true);
    expect(() => planBench({ ...base, protocol: 'paper', iterations: 20 })).toThrow(/--protocol paper/);
    expect(() => planBench({ ...base, methods: ['gdpp-gna'] })).toThrow(/unknown method "gdpp-gna"/);
    expect(() => planBench({ ...base, datasets: ['rings'] })).toThrow(/unknown dataset "rings"/);
    // Every faithful config is found, in table order, for both datasets.
    const all = planBench({ ...base, seeds: 1 });
    expect(all.tasks.filter((t) => t.experiment.dataset === 'ring').map((t) => t.experiment.method)).toEqual(
      expect.arrayContaining(['GAN', 'WGAN-GP', 'SN-GAN', 'GDPP-GAN', 'GDPP+SN-GAN']),
    );
  });

  it('builds train arguments from the run state', () => {
    const [task] = planBench({ ...base, seeds: 1, methods: ['gan'], datasets: ['ring'], iterations: 7 })
      .tasks as BenchTask[];
    expect(taskState({ ...task, runDir: join(scratch, 'nowhere') })).toBe('fresh');
    expect(trainArgs(task, 'fresh')).toEqual([
      'train',
      '--config',
      task.experiment.file,
      '--out',
      task.runDir,
      '--seed',
      '1',
      '--iterations',
      '7',
      '--workers',
      '1',
    ]);
    expect(trainArgs(task, 'resume').at(-1)).toBe('--resume');
    expect(trainArgs(task, 'restart').at(-1)).toBe('--force');
  });

  it('rounds a mean ± std once, when the table prints it', () => {
    // Modes 25, 23, 25: std = 1.1547. Rounding it to 2 decimals first (1.15, stored as 1.1499…) printed "1.1".
    const seed = (n: number, modes: number): SyntheticSeedResult => ({
      seed: n,
      modes,
      hq: 80 + n,
      secPerIter: 0.01,
      totalModes: 25,
      slicedWasserstein: 0.1,
      reverseKl: 1,
      modeKl: 0,
      step: 20,
      trainSeconds: 1,
      runDir: `r${n}`,
    });
    const experiment = {
      dataset: 'grid',
      slug: 'gan',
      method: 'GAN',
      file: join(scratch, 'grid-gan.json'),
      iterations: 20,
    };
    const row = syntheticRow(experiment, 'short', 20, 3, [seed(1, 25), seed(2, 23), seed(3, 25)], scratch);
    expect(row.modesStd).toBeCloseTo(2 / Math.sqrt(3), 12);
    // The Markdown of a results file holding just these rows.
    const markdownOf = (rows: SyntheticResults['rows']) =>
      syntheticMarkdown(
        {
          command: 'x',
          machine: 'm',
          machineInfo: {},
          date: 'd',
          protocol: 'short',
          samples: 2500,
          wallSeconds: 1,
          trainSeconds: 1,
          gdppOverhead: [],
          rows,
        },
        null,
      );
    const md = markdownOf([row]);
    expect(md).toContain('| 24.3 ± 1.2 |');
    expect(md).not.toContain('± 1.1 |');

    // One seed has no measured spread: the cell is the value alone, not "± 0".
    const single = syntheticRow(experiment, 'short', 20, 3, [seed(1, 23)], scratch);
    expect([single.modesStd, single.hqStd]).toEqual([Number.NaN, null]);
    expect(markdownOf([single])).toContain('| 1/3 (incomplete) | 20 | 23.0 | 81.0 | 0.1000 |');
  });

  it('prints --notes under "Notes" and flags rows that train longer than the paper', () => {
    const seed: SyntheticSeedResult = {
      seed: 1,
      modes: 8,
      hq: 90,
      secPerIter: 0.01,
      totalModes: 8,
      slicedWasserstein: 0.1,
      reverseKl: 1,
      modeKl: 0,
      step: 20,
      trainSeconds: 1,
      runDir: 'r1',
    };
    const row = (iterations: number) =>
      syntheticRow(
        { dataset: 'ring', slug: 'gan', method: 'GAN', file: join(scratch, 'ring-gan.json'), iterations },
        'paper',
        iterations,
        1,
        [{ ...seed, step: iterations }],
        scratch,
      );
    const results = {
      command: 'x',
      machine: 'm',
      machineInfo: {},
      date: 'd',
      protocol: 'paper' as const,
      samples: 2500,
      wallSeconds: 1,
      trainSeconds: 1,
      gdppOverhead: [],
    };
    const plain = syntheticMarkdown({ ...results, rows: [row(25000)] }, null);
    expect(plain).not.toContain('## Notes');
    expect(plain).not.toContain('longer than');
    const longer = syntheticMarkdown(
      { ...results, notes: '- runs 1–3: commit abc, machine X\n', rows: [row(25000), row(40000)] },
      null,
    );
    expect(longer).toContain('## Notes\n\n- runs 1–3: commit abc, machine X\n\n## Ring');
    expect(longer).toContain(
      "rows of 40,000 (1.6×) iterations train longer than the paper's budget and are not like-for-like",
    );
  });

  it('takes seconds per iteration as the median past each process warm-up', () => {
    const dir = join(scratch, 'log-only');
    mkdirSync(dir, { recursive: true });
    const records = [
      { step: 50, time: 5, secPerStep: 0.1 }, // first of process 1: warm-up, left out
      { step: 100, time: 6, secPerStep: 0.02 },
      { step: 150, time: 7, secPerStep: 0.03 },
      { step: 200, time: 4, secPerStep: 0.08 }, // first of process 2 (resumed): left out
      { step: 250, time: 5, secPerStep: 0.025 },
    ];
    writeFileSync(join(dir, 'log.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    expect(secPerIterFromLog(dir)).toBeCloseTo(0.025, 12);
    expect(seedsCell({ seeds: 5, seedsAsked: 5 })).toBe('5');
    expect(seedsCell({ seeds: 3, seedsAsked: 5 })).toBe('3/5 (incomplete)');
  });
});
