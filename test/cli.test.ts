import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { evaluate } from '../src/cli/artifacts.js';
import { DEMO_ITERATIONS, demoConfigs } from '../src/cli/commands/demo.js';
import { buildProgram } from '../src/cli/run-cli.js';
import { createDataset } from '../src/data/index.js';
import { parseConfig, Trainer } from '../src/train/index.js';
import { cli } from './helpers/cli-in-process.js';

const root = join(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'dppgan-cli-'));
const toy = join(scratch, 'toy.json');
const run = join(scratch, 'run');

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  writeFileSync(
    toy,
    JSON.stringify({
      data: { kind: 'ring' },
      model: 'mlp-gdpp',
      gdpp: { weight: 1 },
      iterations: 12,
      batchSize: 32,
      logEvery: 4,
      checkpointEvery: 8,
      backend: 'wasm',
    }),
  );
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function oneLine(text: string): void {
  expect(text.trim().split('\n')).toHaveLength(1);
  expect(text).not.toMatch(/\n\s+at /);
}

describe('dppgan CLI (in-process)', () => {
  it('train writes a complete run directory', async () => {
    const result = await cli('train', '--config', toy, '--out', run);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/trained mlp-gdpp on ring: 12 steps/);
    for (const file of ['config.json', 'checkpoint/manifest.json', 'log.jsonl', 'eval.json', 'report.md']) {
      expect(existsSync(join(run, file))).toBe(true);
    }
    expect(
      readFileSync(join(run, 'samples', 'final.png'))
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    const log = readFileSync(join(run, 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.map((r) => r.step)).toEqual([4, 8, 12]);
    expect(log[0]).toHaveProperty('gdpp');
    expect(JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')).schedule).toBe('simultaneous');
  });

  it('never overwrites a run without --resume or --force', async () => {
    const result = await cli('train', '--config', toy, '--out', run);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/already exists: use --resume to continue it, --force to overwrite it/);
    oneLine(result.err);
  });

  it('--resume extends a run; a changed config is refused', async () => {
    const other = join(scratch, 'resume');
    expect((await cli('train', '--config', toy, '--out', other, '--iterations', '6')).code).toBe(0);
    const resumed = await cli('train', '--out', other, '--resume', '--iterations', '10');
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(/10 steps \(resumed at step 6\)/);
    const changed = await cli('train', '--config', toy, '--out', other, '--resume', '--seed', '9');
    expect(changed.code).toBe(2);
    expect(changed.err).toMatch(/the config differs/);
    oneLine(changed.err);
    expect((await cli('train', '--config', toy, '--out', other, '--force', '--iterations', '2')).code).toBe(
      0,
    );
  });

  it('sample is deterministic: same run and seed → byte-identical .json, .csv and .png', async () => {
    for (const ext of ['json', 'csv', 'png']) {
      const a = join(scratch, `a.${ext}`);
      const b = join(scratch, `b.${ext}`);
      expect((await cli('sample', '--run', run, '--n', '300', '--out', a)).code).toBe(0);
      expect((await cli('sample', '--run', run, '--n', '300', '--out', b, '--seed', '0')).code).toBe(0);
      expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    }
    const points = JSON.parse(readFileSync(join(scratch, 'a.json'), 'utf8')) as number[][];
    expect(points).toHaveLength(300);
    expect(points.every((p) => p.length === 2 && p.every(Number.isFinite))).toBe(true);
    expect(readFileSync(join(scratch, 'a.csv'), 'utf8').split('\n')[0]).toBe('x,y');
    const seeded = join(scratch, 'seed1.json');
    await cli('sample', '--run', run, '--n', '300', '--out', seeded, '--seed', '1');
    expect(readFileSync(seeded).equals(readFileSync(join(scratch, 'a.json')))).toBe(false);
  });

  it('eval prints the metrics and writes eval.json', async () => {
    const result = await cli('eval', '--run', run, '--samples', '500');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/modes \d+\/8, HQ \d+\.\d%/);
    const metrics = JSON.parse(readFileSync(join(run, 'eval.json'), 'utf8'));
    expect(metrics).toMatchObject({ dataset: 'ring', step: 12, samples: 500, totalModes: 8 });
  });

  it('--weights: a run with a moving average of G samples from it by default; trained gives the trained G', async () => {
    const averagedConfig = join(scratch, 'toy-ema.json');
    const toyConfig = JSON.parse(readFileSync(toy, 'utf8'));
    writeFileSync(averagedConfig, JSON.stringify({ ...toyConfig, generatorEma: { decay: 0.9 } }));
    const averaged = join(scratch, 'run-ema');
    expect((await cli('train', '--config', averagedConfig, '--out', averaged)).code).toBe(0);
    const file = (name: string) => join(scratch, name);
    const sample = async (runDir: string, out: string, ...extra: string[]) => {
      const result = await cli('sample', '--run', runDir, '--n', '200', '--out', file(out), ...extra);
      expect(result.code, result.err).toBe(0);
      return result.out;
    };
    expect(await sample(averaged, 'default.json')).toMatch(/moving average of G/);
    await sample(averaged, 'average.json', '--weights', 'average');
    expect(await sample(averaged, 'trained.json', '--weights', 'trained')).toMatch(/trained G/);
    await sample(run, 'plain.json');
    const bytes = (name: string) => readFileSync(file(name));
    expect(bytes('default.json').equals(bytes('average.json'))).toBe(true);
    expect(bytes('default.json').equals(bytes('trained.json'))).toBe(false);
    // Training never reads the average: the trained G is the one of the same config without "generatorEma".
    expect(bytes('trained.json').equals(bytes('plain.json'))).toBe(true);

    const evalDefault = await cli('eval', '--run', averaged, '--samples', '500');
    expect(evalDefault.out).toMatch(/moving average of G: modes/);
    const evalTrained = await cli('eval', '--run', averaged, '--samples', '500', '--weights', 'trained');
    expect(evalTrained.out).toMatch(/trained G: modes/);
    const averageRecord = JSON.parse(readFileSync(join(averaged, 'eval.json'), 'utf8'));
    const trainedRecord = JSON.parse(readFileSync(join(averaged, 'eval-trained.json'), 'utf8'));
    expect(averageRecord.weights).toBe('average');
    expect(trainedRecord.weights).toBe('trained');
    // eval-trained.json holds the plain run's metrics (same trained G, same samples); eval.json is untouched by it.
    expect((await cli('eval', '--run', run, '--samples', '500')).code).toBe(0);
    const plainRecord = JSON.parse(readFileSync(join(run, 'eval.json'), 'utf8'));
    expect(plainRecord.weights).toBeUndefined();
    expect({ ...trainedRecord, weights: undefined }).toEqual({ ...plainRecord, weights: undefined });
    expect(averageRecord.slicedWasserstein).not.toBe(trainedRecord.slicedWasserstein);

    const exported = await cli(
      'export',
      '--run',
      averaged,
      '--out',
      file('g-trained'),
      '--weights',
      'trained',
    );
    expect(exported.code, exported.err).toBe(0);
    expect(exported.out).toMatch(/\(step 12, trained G\)/);
    expect((await cli('export', '--run', averaged, '--out', file('g-average'))).out).toMatch(
      /\(step 12, moving average of G\)/,
    );

    for (const [args, pattern] of [
      [
        ['sample', '--run', run, '--n', '5', '--out', file('x.json'), '--weights', 'average'],
        /keeps no moving average/,
      ],
      [['eval', '--run', run, '--weights', 'average'], /keeps no moving average/],
      [['eval', '--run', averaged, '--weights', 'best'], /expected average or trained, got "best"/],
      [
        ['eval', '--run', run, '--classifier', '0123456789abcdef'],
        /--classifier applies to Stacked-MNIST runs only/,
      ],
      [
        ['export', '--run', averaged, '--out', file('d'), '--what', 'discriminator', '--weights', 'trained'],
        /--weights picks generator weights; it does not apply to --what discriminator/,
      ],
    ] as [string[], RegExp][]) {
      const result = await cli(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.err).toMatch(pattern);
      oneLine(result.err);
    }
  });

  it('bad input: one line, exit 2 (usage) or 1 (runtime)', async () => {
    const bad = join(scratch, 'bad.json');
    writeFileSync(bad, JSON.stringify({ data: 'ring', model: 'mlp-gdpp', loss: 'hinj' }));
    const cases: [string[], number, RegExp][] = [
      [
        ['train', '--config', bad, '--out', join(scratch, 'x')],
        2,
        /"loss": expected one of minimax.*got "hinj"/,
      ],
      [['train', '--config', join(scratch, 'missing.json')], 2, /cannot read config file/],
      [['train', '--confg', toy], 2, /unknown option '--confg'/],
      [['sample', '--run', run, '--n', 'ten', '--out', 'x.json'], 2, /expected an integer ≥ 1, got "ten"/],
      [
        ['sample', '--run', run, '--n', '5', '--out', join(scratch, 'x.txt')],
        2,
        /expected a file ending in .json/,
      ],
      [
        ['sample', '--run', scratch, '--n', '5', '--out', join(scratch, 'x.json')],
        2,
        /not a dppgan run directory/,
      ],
      [['frobnicate'], 2, /unknown command 'frobnicate'/],
    ];
    for (const [args, code, pattern] of cases) {
      const result = await cli(...args);
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.err).toMatch(pattern);
      oneLine(result.err);
    }
    const broken = join(scratch, 'broken');
    expect((await cli('train', '--config', toy, '--out', broken, '--iterations', '2')).code).toBe(0);
    truncateSync(join(broken, 'checkpoint', 'tensors.bin'), 100);
    const truncated = await cli('sample', '--run', broken, '--n', '5', '--out', join(scratch, 'y.json'));
    expect(truncated.code).toBe(1);
    expect(truncated.err).toMatch(/corrupt checkpoint: .*truncated/);
    oneLine(truncated.err);
  });

  it('image runs: dcgan-smnist on Stacked-MNIST trains, and sample .png writes a deterministic grid', async () => {
    const config = join(scratch, 'smnist.json');
    writeFileSync(
      config,
      JSON.stringify({
        data: { kind: 'stacked-mnist' },
        model: 'dcgan-smnist',
        gdpp: { weight: 1 },
        iterations: 1,
        batchSize: 4,
        backend: 'wasm',
      }),
    );
    const dir = join(scratch, 'smnist');
    expect((await cli('train', '--config', config, '--out', dir)).code).toBe(0);
    const a = join(scratch, 'grid-a.png');
    const b = join(scratch, 'grid-b.png');
    expect((await cli('sample', '--run', dir, '--n', '8', '--out', a)).code).toBe(0);
    expect((await cli('sample', '--run', dir, '--n', '8', '--out', b)).code).toBe(0);
    expect(readFileSync(a).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it('--help works on every command and subcommand', async () => {
    const paths = buildProgram().commands.flatMap((command) => [
      [command.name()],
      ...command.commands.map((sub) => [command.name(), sub.name()]),
    ]);
    expect(paths.length).toBeGreaterThanOrEqual(8); // demo, train, sample, eval, export, bench, classifier, playground
    for (const path of paths) {
      const result = await cli(...path, '--help');
      expect(result.code, path.join(' ')).toBe(0);
      expect(result.out).toContain(`Usage: dppgan ${path.join(' ')}`);
    }
  });

  it('evaluate reports its progress chunk by chunk, up to the sample count (the eval progress bar)', () => {
    const config = parseConfig({ data: 'ring', model: 'mlp-gdpp', batchSize: 16, backend: 'wasm' }, 't');
    const trainer = new Trainer(config, { dataset: createDataset(config.data) });
    const calls: [string, number, number][] = [];
    const evaluation = evaluate(trainer, 2500, 0, { onProgress: (...call) => calls.push(call) });
    expect(calls).toEqual([
      ['generate', 1024, 2500],
      ['generate', 2048, 2500],
      ['generate', 2500, 2500],
    ]);
    // The same samples as without a callback.
    expect(evaluate(trainer, 2500, 0).generated).toEqual(evaluation.generated);
    trainer.dispose();
  });

  it("--version prints package.json's version", async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
    const result = await cli('--version');
    expect(result.code).toBe(0);
    expect(result.out.trim()).toBe(version);
    expect((await cli('train', '--help')).out).toContain('docs/configuration.md');
  });

  it("demo configs: the paper's Grid protocol except batch 64 and length; the two differ only in GDPP", () => {
    const [gan, gdpp] = demoConfigs(DEMO_ITERATIONS, 3);
    expect(gan.config.gdpp).toBeNull();
    expect(gdpp.config.gdpp).toEqual({ weight: 1, magnitudeWeight: 1e-4, signInvariant: false });
    expect({ ...gdpp.config, gdpp: null }).toEqual(gan.config);
    expect(gan.config).toMatchObject({
      data: { kind: 'grid' },
      model: 'mlp-gdpp',
      loss: 'nonsaturating',
      schedule: 'simultaneous',
      batchSize: 64,
      seed: 3,
      optim: { g: { lr: 1e-3, beta1: 0.5 }, d: { lr: 1e-4, beta1: 0.5 } },
    });
  });

  it('demo trains GAN and GDPP-GAN and writes the side-by-side', async () => {
    const out = join(scratch, 'demo');
    const result = await cli('demo', '--out', out, '--iterations', '4');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/GAN\s+\d+\/25/);
    expect(result.out).toMatch(/GDPP-GAN\s+\d+\/25/);
    for (const file of [
      'comparison.png',
      'report.md',
      'demo.json',
      'gan/checkpoint/manifest.json',
      'gdpp/eval.json',
    ]) {
      expect(existsSync(join(out, file))).toBe(true);
    }
    // Running it again replaces its own output; a foreign directory is refused.
    expect((await cli('demo', '--out', out, '--iterations', '2')).code).toBe(0);
    const foreign = await cli('demo', '--out', scratch, '--iterations', '2');
    expect(foreign.code).toBe(2);
    oneLine(foreign.err);
  });
});

describe('dppgan CLI (real process, dist/cli/main.js)', () => {
  const main = join(root, 'dist', 'cli', 'main.js');
  beforeAll(() => {
    // `npm test` builds first; a bare `vitest` run rebuilds when any source is newer than the binary.
    const newestSource = (dir: string): number =>
      readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
        const path = join(dir, entry.name);
        return Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
      }, 0);
    if (!existsSync(main) || statSync(main).mtimeMs < newestSource(join(root, 'src'))) {
      execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
    }
  }, 300_000);

  it('a config error exits 2 with one line on stderr and no stack trace', () => {
    const bad = join(scratch, 'bad-process.json');
    writeFileSync(bad, JSON.stringify({ data: 'ring', model: 'mlp-gdpp', batchSize: 'big' }));
    const result = spawnSync(
      process.execPath,
      [main, 'train', '--config', bad, '--out', join(scratch, 'p')],
      {
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^dppgan: .*bad-process\.json: "batchSize": expected number, got "big"\n$/);
    expect(result.stdout).toBe('');
  });

  it('a reader that closes the pipe early ends it quietly (no EPIPE crash, no stack trace)', async () => {
    const child = spawn(process.execPath, [main, 'train', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // like `dppgan train --help | head -0`
    let err = '';
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    expect(err).toBe('');
    expect(code).toBe(0);
  });

  it('--help exits 0 and lists the commands', () => {
    const result = spawnSync(process.execPath, [main, '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/demo[\s\S]*train[\s\S]*sample[\s\S]*eval/);
  });
});
