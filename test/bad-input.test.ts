// Bad inputs, table-driven: every mistake a user can make with the CLI — malformed or mistyped config, bad
// sizes, unknown names, non-finite mixture centres, broken image folders and IDX files, foreign or damaged
// checkpoints, unknown options, missing flags, unwritable outputs — ends with exit code 2 (usage/config) or 1
// (runtime) and exactly ONE stderr line `dppgan: …` that names the field or file and says how to fix it; no
// stack trace unless --debug. Most cases run in-process through runCli (fast); a few through a real process.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { createDataset } from '../src/data/index.js';
import { saveCheckpoint } from '../src/train/checkpoint.js';
import { parseConfig, Trainer, withAbsoluteDataPaths } from '../src/train/index.js';
import { cli } from './helpers/cli-in-process.js';
import { runCliProcess } from './helpers/cli-process.js';

const scratch = mkdtempSync(join(tmpdir(), 'dppgan-bad-'));
const path = (...parts: string[]) => join(scratch, ...parts);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const base = { data: 'ring', model: 'mlp-gdpp', iterations: 2, batchSize: 8, backend: 'wasm' };
/** Write a config file (object → JSON; string → raw text) and return its path. */
function config(name: string, content: Record<string, unknown> | string): string {
  const file = path(`${name}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}
const withBase = (name: string, extra: Record<string, unknown>) => config(name, { ...base, ...extra });

function pngBytes(width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 37) % 256;
  return PNG.sync.write(png);
}

function idx(dims: number[], body: number, magic = [0, 0, 8, dims.length]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.set(magic, 0);
  dims.forEach((d, i) => {
    header.writeUInt32BE(d, 4 + 4 * i);
  });
  return Buffer.concat([header, Buffer.alloc(body, 3)]);
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  // Fixtures: image folders, IDX files, and two trained runs with different configs.
  mkdirSync(path('empty-images'));
  mkdirSync(path('corrupt-images'));
  writeFileSync(path('corrupt-images', 'a.png'), pngBytes(4, 4).subarray(0, 30));
  mkdirSync(path('mixed-images'));
  writeFileSync(path('mixed-images', 'a.png'), pngBytes(4, 4));
  writeFileSync(path('mixed-images', 'b.png'), pngBytes(5, 4));
  writeFileSync(path('labels.idx'), idx([3], 3, [0, 0, 8, 1]));
  writeFileSync(path('images.idx'), idx([3, 28, 28], 3 * 28 * 28));
  writeFileSync(path('magic.idx'), idx([3, 28, 28], 3 * 28 * 28, [0x50, 0x4b, 3, 4]));
  writeFileSync(path('short.idx'), idx([3, 28, 28], 100));
  writeFileSync(path('labels4.idx'), idx([4], 4, [0, 0, 8, 1]));
  writeFileSync(path('a-file'), 'not a directory');
  for (const [name, data] of [
    ['run-ring', 'ring'],
    ['run-grid', 'grid'],
  ]) {
    const result = await cli('train', '--config', withBase(name, { data }), '--out', path(name));
    expect(result.code, result.err).toBe(0);
  }
  cpSync(path('run-ring'), path('run-foreign'), { recursive: true });
  rmSync(path('run-foreign', 'checkpoint'), { recursive: true });
  cpSync(path('run-grid', 'checkpoint'), path('run-foreign', 'checkpoint'), { recursive: true });
  cpSync(path('run-ring'), path('run-truncated'), { recursive: true });
  truncateSync(path('run-truncated', 'checkpoint', 'tensors.bin'), 64);
  cpSync(path('run-ring'), path('run-edited'), { recursive: true });
  const state = path('run-edited', 'checkpoint', 'state.json');
  writeFileSync(state, readFileSync(state, 'utf8').replace('"step": 2', '"step": 3'));
  cpSync(path('run-ring'), path('run-badconfig'), { recursive: true });
  writeFileSync(path('run-badconfig', 'config.json'), '{"data": "ring", "model": ');
  cpSync(path('run-ring'), path('run-nomanifest'), { recursive: true });
  writeFileSync(path('run-nomanifest', 'checkpoint', 'manifest.json'), '{"format": "zip"}');
  cpSync(path('run-ring'), path('run-lostmanifest'), { recursive: true });
  rmSync(path('run-lostmanifest', 'checkpoint', 'manifest.json'));
  writeFileSync(path('zero-images.idx'), idx([0, 28, 28], 0));
  writeFileSync(path('zero-labels.idx'), idx([0], 0, [0, 0, 8, 1]));
}, 120_000);

let counter = 0;
const out = () => path(`out-${++counter}`);

/** [description, argv (built lazily, after the fixtures exist), exit code, what the one line must say]. */
type Case = [string, () => string[], 1 | 2, RegExp];
const train = (file: () => string) => () => ['train', '--config', file(), '--out', out()];

const cases: Case[] = [
  // Malformed config files.
  [
    'malformed JSON',
    train(() => config('malformed', '{"data": "ring",')),
    2,
    /malformed\.json: not valid JSON at line 1, column 17 .*: fix the syntax/,
  ],
  ['empty config file', train(() => config('empty', '')), 2, /empty\.json: not valid JSON/],
  [
    'NaN literal in mixture centres (not JSON)',
    train(() =>
      config(
        'nan-literal',
        '{"data": {"kind": "mixture", "centres": [[NaN, 0]], "std": 0.1}, "model": "mlp-gdpp"}',
      ),
    ),
    2,
    /nan-literal\.json: not valid JSON .*JSON has no comments, trailing commas, NaN or Infinity/,
  ],
  [
    'config is an array',
    train(() => config('array', '[1, 2]')),
    2,
    /array\.json: expected object, got an array/,
  ],
  ['config is null', train(() => config('null', 'null')), 2, /null\.json: expected object, got null/],
  [
    'config is a directory',
    () => ['train', '--config', scratch, '--out', out()],
    2,
    /cannot read config file .*: EISDIR, a directory: pass the path of a JSON config file/,
  ],
  [
    'config file missing',
    () => ['train', '--config', path('nope.json')],
    2,
    /cannot read config file .*nope\.json: no such file/,
  ],
  // Wrong types.
  [
    'batchSize is a string',
    train(() => withBase('t1', { batchSize: 'big' })),
    2,
    /"batchSize": expected number, got "big"/,
  ],
  [
    'iterations is fractional',
    train(() => withBase('t2', { iterations: 1.5 })),
    2,
    /"iterations": expected int, got number 1\.5/,
  ],
  ['gdpp is a string', train(() => withBase('t3', { gdpp: 'yes' })), 2, /"gdpp": expected object, got "yes"/],
  [
    'signInvariant is a number',
    train(() => withBase('t4', { gdpp: { signInvariant: 1 } })),
    2,
    /"gdpp\.signInvariant": expected boolean, got number 1/,
  ],
  [
    'optim.g is an array',
    train(() => withBase('t5', { optim: { g: [] } })),
    2,
    /"optim\.g": expected object, got an array/,
  ],
  ['seed is a string', train(() => withBase('t6', { seed: '7' })), 2, /"seed": expected number, got "7"/],
  // Negative / zero sizes.
  [
    'batchSize negative',
    train(() => withBase('s1', { batchSize: -4 })),
    2,
    /"batchSize": expected number to be >=2, got number -4/,
  ],
  [
    'iterations zero',
    train(() => withBase('s2', { iterations: 0 })),
    2,
    /"iterations": expected number to be >=1, got number 0/,
  ],
  [
    'nDis zero',
    train(() => withBase('s3', { nDis: 0, schedule: 'alternating' })),
    2,
    /"nDis": expected number to be >=1/,
  ],
  [
    'd lr zero',
    train(() => withBase('s4', { optim: { d: { lr: 0 } } })),
    2,
    /"optim\.d\.lr": expected a number > 0, got number 0/,
  ],
  [
    'gdpp weight negative',
    train(() => withBase('s5', { gdpp: { weight: -1 } })),
    2,
    /"gdpp\.weight": expected a number > 0, got number -1/,
  ],
  [
    'beta1 out of range',
    train(() => withBase('s6', { optim: { g: { beta1: 1.5 } } })),
    2,
    /"optim\.g\.beta1": expected a number in \[0, 1\)/,
  ],
  [
    'ring modes zero',
    train(() => withBase('s7', { data: { kind: 'ring', modes: 0 } })),
    2,
    /"data\.modes": expected number to be >=1, got number 0/,
  ],
  [
    'grid size negative',
    train(() => withBase('s8', { data: { kind: 'grid', size: -1 } })),
    2,
    /"data\.size": expected number to be >=1/,
  ],
  [
    'checkpointEvery zero',
    train(() => withBase('s9', { checkpointEvery: 0 })),
    2,
    /"checkpointEvery": expected number to be >=1/,
  ],
  [
    'nanLimit zero',
    train(() => withBase('s10', { nanLimit: 0 })),
    2,
    /"nanLimit": expected number to be >=1/,
  ],
  // Unknown names.
  [
    'unknown loss',
    train(() => withBase('u1', { loss: 'hinj' })),
    2,
    /"loss": expected one of minimax, .*got "hinj"/,
  ],
  [
    'unknown model',
    train(() => withBase('u2', { model: 'resnet' })),
    2,
    /"model": expected one of mlp-gdpp, .*got "resnet"/,
  ],
  [
    'unknown lipschitz',
    train(() => withBase('u3', { lipschitz: 'sn' })),
    2,
    /"lipschitz": expected one of none, .*got "sn"/,
  ],
  [
    'unknown data kind',
    train(() => withBase('u4', { data: { kind: 'rng' } })),
    2,
    /"data\.kind": expected one of ring, grid.*got "rng"/,
  ],
  [
    'unknown data shorthand',
    train(() => withBase('u5', { data: 'cifar' })),
    2,
    /"data\.kind": expected one of ring, .*got "cifar"/,
  ],
  [
    'unknown nanPolicy',
    train(() => withBase('u6', { nanPolicy: 'ignore' })),
    2,
    /"nanPolicy": expected one of skip, rollback, stop, got "ignore"/,
  ],
  [
    'unknown backend',
    train(() => withBase('u7', { backend: 'cuda' })),
    2,
    /"backend": expected one of .*got "cuda"/,
  ],
  [
    'unknown top-level key',
    train(() => withBase('u8', { learningRate: 1 })),
    2,
    /unknown key "learningRate" \(remove it/,
  ],
  [
    'unknown nested key',
    train(() => withBase('u9', { optim: { g: { lrr: 1 } } })),
    2,
    /"optim\.g": unknown key "lrr"/,
  ],
  [
    'model does not fit the data',
    train(() => withBase('u10', { model: 'dcgan-smnist' })),
    2,
    /dcgan-smnist.*\[2\]/,
  ],
  // Custom mixtures.
  [
    'Infinity in mixture centres (1e999)',
    train(() =>
      config(
        'inf',
        '{"data": {"kind": "mixture", "centres": [[1e999, 0]], "std": 0.1}, "model": "mlp-gdpp"}',
      ),
    ),
    2,
    /"data\.centres\[0\]\[0\]": expected a finite number, got Infinity/,
  ],
  [
    '"NaN" string in mixture centres',
    train(() => withBase('m1', { data: { kind: 'mixture', centres: [['NaN', 0]], std: 0.1 } })),
    2,
    /"data\.centres\[0\]\[0\]": expected number, got "NaN"/,
  ],
  [
    'ragged mixture centres',
    train(() => withBase('m2', { data: { kind: 'mixture', centres: [[0, 0], [1]], std: 0.1 } })),
    2,
    /"data\.centres\[1\]": expected 2 coordinates like centres\[0\], got 1/,
  ],
  [
    'no mixture centres',
    train(() => withBase('m3', { data: { kind: 'mixture', centres: [], std: 0.1 } })),
    2,
    /"data\.centres": expected at least one centre/,
  ],
  [
    'mixture std zero',
    train(() => withBase('m4', { data: { kind: 'mixture', centres: [[0, 0]], std: 0 } })),
    2,
    /"data\.std": expected a number > 0, got number 0/,
  ],
  [
    'mixture std missing',
    train(() => withBase('m5', { data: { kind: 'mixture', centres: [[0, 0]] } })),
    2,
    /"data\.std": required, but missing/,
  ],
  [
    'simultaneous with nDis 5',
    train(() => withBase('m6', { schedule: 'simultaneous', nDis: 5 })),
    2,
    /"nDis": expected 1 with "schedule": "simultaneous"/,
  ],
  // Image folders and IDX files.
  [
    'image folder missing',
    train(() => withBase('i1', { data: { kind: 'images', dir: path('no-such-dir') }, model: 'sn-cnn' })),
    2,
    /cannot read image folder .*no-such-dir \(ENOENT\): check data\.dir/,
  ],
  [
    'empty image folder',
    train(() => withBase('i2', { data: { kind: 'images', dir: path('empty-images') }, model: 'sn-cnn' })),
    2,
    /image folder .*empty-images holds no \.png files/,
  ],
  [
    'corrupt PNG',
    train(() => withBase('i3', { data: { kind: 'images', dir: path('corrupt-images') }, model: 'sn-cnn' })),
    1,
    /corrupt PNG file .*corrupt-images\/a\.png \(.*\): re-save it as a PNG or remove it from data\.dir/,
  ],
  [
    'PNGs of different sizes',
    train(() => withBase('i4', { data: { kind: 'images', dir: path('mixed-images') }, model: 'sn-cnn' })),
    2,
    /b\.png is 5×4 but a\.png is 4×4; resize all images to one size/,
  ],
  [
    'images channels 2',
    train(() =>
      withBase('i5', { data: { kind: 'images', dir: path('mixed-images'), channels: 2 }, model: 'sn-cnn' }),
    ),
    2,
    /"data\.channels": expected one of 1, 3, got number 2/,
  ],
  [
    'IDX images without labels',
    train(() =>
      withBase('x1', { data: { kind: 'mnist', images: path('images.idx') }, model: 'dcgan-smnist' }),
    ),
    2,
    /"data\.labels": expected both "images" and "labels" IDX paths, or neither/,
  ],
  [
    'IDX wrong magic',
    train(() =>
      withBase('x2', {
        data: { kind: 'mnist', images: path('magic.idx'), labels: path('labels.idx') },
        model: 'dcgan-smnist',
      }),
    ),
    1,
    /corrupt IDX file .*magic\.idx: bad magic number 0x504b0304 .*is this an MNIST IDX file\?/,
  ],
  [
    'IDX short body',
    train(() =>
      withBase('x3', {
        data: { kind: 'mnist', images: path('short.idx'), labels: path('labels.idx') },
        model: 'dcgan-smnist',
      }),
    ),
    1,
    /corrupt IDX file .*short\.idx: shape \[3, 28, 28\] needs 2352 data bytes, found 100 \(truncated\)/,
  ],
  [
    'IDX file missing',
    train(() =>
      withBase('x4', {
        data: { kind: 'mnist', images: path('none.idx'), labels: path('labels.idx') },
        model: 'dcgan-smnist',
      }),
    ),
    1,
    /cannot read IDX file .*none\.idx \(ENOENT\): check the path/,
  ],
  [
    'IDX images and labels disagree',
    train(() =>
      withBase('x5', {
        data: { kind: 'mnist', images: path('images.idx'), labels: path('labels4.idx') },
        model: 'dcgan-smnist',
      }),
    ),
    1,
    /MNIST files disagree: .*images\.idx holds 3 images but .*labels4\.idx holds 4 labels/,
  ],
  // Checkpoints and run directories.
  [
    'checkpoint from a different model',
    () => ['sample', '--run', path('run-foreign'), '--n', '4', '--out', `${out()}.json`],
    2,
    /checkpoint .*run-foreign\/checkpoint was written for a different config .*resume with the run's own config\.json/,
  ],
  [
    'truncated checkpoint',
    () => ['sample', '--run', path('run-truncated'), '--n', '4', '--out', `${out()}.json`],
    1,
    /corrupt checkpoint: .*run-truncated\/checkpoint\/tensors\.bin has 64 bytes, the manifest expects \d+ \(truncated\?\)/,
  ],
  [
    'edited checkpoint',
    () => ['eval', '--run', path('run-edited')],
    1,
    /corrupt checkpoint: .*run-edited\/checkpoint\/state\.json does not match its SHA-256 checksum/,
  ],
  [
    'foreign manifest',
    () => ['eval', '--run', path('run-nomanifest')],
    1,
    /run-nomanifest\/checkpoint\/manifest\.json is not a dppgan checkpoint manifest/,
  ],
  [
    'corrupt config.json in a run',
    () => ['eval', '--run', path('run-badconfig')],
    2,
    /run-badconfig\/config\.json: not valid JSON/,
  ],
  [
    'not a run directory',
    () => ['eval', '--run', path('empty-images')],
    2,
    /empty-images is not a dppgan run directory \(no config\.json\): pass the --out of a train run/,
  ],
  [
    'resume a directory without a run',
    () => ['train', '--resume', '--out', path('empty-images')],
    2,
    /--resume: .*empty-images holds no run to resume \(start it without --resume\)/,
  ],
  [
    'resume with a changed config',
    () => ['train', '--resume', '--config', withBase('r1', { seed: 9 }), '--out', path('run-ring')],
    2,
    /--resume: the config differs .*use --force to start over/,
  ],
  [
    'existing run without --force',
    () => ['train', '--config', withBase('r2', {}), '--out', path('run-ring')],
    2,
    /already exists: use --resume to continue it, --force to overwrite it, or another --out/,
  ],
  [
    '--force on a foreign directory',
    () => ['train', '--config', withBase('r3', {}), '--out', path('mixed-images'), '--force'],
    2,
    /--force: refusing to delete .*mixed-images, which is not a dppgan run directory/,
  ],
  // Unwritable outputs.
  [
    'train --out under a file',
    () => ['train', '--config', withBase('w1', {}), '--out', path('a-file', 'run')],
    2,
    /cannot write to run directory .*a-file\/run \(ENOTDIR\): choose another --out/,
  ],
  [
    'sample --out under a file',
    () => ['sample', '--run', path('run-ring'), '--n', '4', '--out', path('a-file', 'x.json')],
    2,
    /cannot write .*a-file\/x\.json \(E[A-Z]+\): choose another --out/,
  ],
  [
    'export --out under a file',
    () => ['export', '--run', path('run-ring'), '--out', path('a-file', 'model')],
    2,
    /cannot write .*a-file\/model \(E[A-Z]+\): choose another --out/,
  ],
  [
    'playground --port beyond 65535',
    () => ['playground', '--port', '70000'],
    2,
    /expected an integer in 0…65535, got "70000"/,
  ],
  [
    'train --out is a file',
    () => ['train', '--config', withBase('w2', {}), '--out', path('a-file')],
    2,
    /a-file is a file, not a run directory: choose another --out/,
  ],
  [
    'demo --out is a file',
    () => ['demo', '--out', path('a-file'), '--iterations', '1'],
    2,
    /--out .*a-file is a file, not a directory: choose another --out/,
  ],
  [
    'bench --out is a file',
    () => [
      'bench',
      'synthetic',
      '--out',
      path('a-file'),
      '--runs',
      out(),
      '--seeds',
      '1',
      '--iterations',
      '1',
    ],
    2,
    /--out .*a-file is a file, not a directory: choose another --out/,
  ],
  [
    'bench --experiments is an empty directory',
    () => ['bench', 'synthetic', '--experiments', path('empty-images'), '--out', out()],
    2,
    /empty-images holds no synthetic experiment configs \(ring-\*\.json, grid-\*\.json\): check --experiments/,
  ],
  [
    'bench --experiments is a file',
    () => ['bench', 'synthetic', '--experiments', path('a-file'), '--out', out()],
    2,
    /--experiments .*a-file is a file, not a directory of experiment configs/,
  ],
  // Outputs that would replace what a run needs, or could never fit.
  [
    "sample --out is the run's own config",
    () => ['sample', '--run', path('run-ring'), '--n', '4', '--out', path('run-ring', 'config.json')],
    2,
    /--out .*run-ring\/config\.json would replace a file the run .*run-ring needs .*: choose another --out/,
  ],
  [
    "export --out is the run's checkpoint",
    () => ['export', '--run', path('run-ring'), '--out', path('run-ring', 'checkpoint')],
    2,
    /--out .*run-ring\/checkpoint is inside the checkpoints of the run .*: choose another --out/,
  ],
  [
    'sample --n beyond memory',
    () => ['sample', '--run', path('run-ring'), '--n', '999999999999', '--out', `${out()}.json`],
    2,
    /--n 999999999999: 999999999999 samples of 2 values need 7450\.6 GiB as float32; at most 268435456 fit in 2 GiB/,
  ],
  [
    'eval --samples beyond memory',
    () => ['eval', '--run', path('run-ring'), '--samples', '999999999999'],
    2,
    /--samples 999999999999: .* GiB as float32; at most 268435456 fit in 2 GiB/,
  ],
  // Resuming.
  [
    'resume with --iterations below the step reached',
    () => ['train', '--resume', '--out', path('run-ring'), '--iterations', '1'],
    2,
    /--resume: .*run-ring has reached step 2, past --iterations 1: pass at least 2/,
  ],
  [
    'resume a missing directory with --iterations',
    () => ['train', '--resume', '--out', path('no-such-run'), '--iterations', '5'],
    2,
    /--resume: .*no-such-run holds no run to resume \(start it without --resume\)/,
  ],
  [
    'resume a checkpoint that lost its manifest',
    () => ['train', '--resume', '--out', path('run-lostmanifest')],
    1,
    /corrupt checkpoint: .*run-lostmanifest\/checkpoint\/ holds files but no manifest\.json: refusing to start .* over from step 0 \(restore the checkpoint, or use --force to start over\)/,
  ],
  [
    'IDX files with no images',
    train(() =>
      withBase('x6', {
        data: { kind: 'mnist', images: path('zero-images.idx'), labels: path('zero-labels.idx') },
        model: 'dcgan-smnist',
      }),
    ),
    1,
    /: holds no images \(an image count of 0\)/,
  ],
  // Command line.
  [
    'unknown option',
    () => ['train', '--confg', 'x.json'],
    2,
    /unknown option '--confg'.*\(see dppgan train --help\)/,
  ],
  ['unknown command', () => ['frobnicate'], 2, /unknown command 'frobnicate'/],
  [
    'help on an unknown command',
    () => ['help', 'frobnicate'],
    2,
    /unknown command 'frobnicate' \(see dppgan --help\)/,
  ],
  ['train without --config', () => ['train'], 2, /missing --config FILE \(required unless --resume\)/],
  ['--resume without --out', () => ['train', '--resume'], 2, /--resume needs --out DIR/],
  [
    '--resume with --force',
    () => ['train', '--resume', '--force', '--out', out()],
    2,
    /--resume and --force exclude each other: pick one/,
  ],
  [
    '--iterations zero',
    () => ['train', '--config', withBase('c1', {}), '--iterations', '0'],
    2,
    /--iterations.*expected an integer ≥ 1, got "0"/,
  ],
  [
    '--seed negative',
    () => ['train', '--config', withBase('c2', {}), '--seed', '-1'],
    2,
    /--seed.*expected an integer ≥ 0, got "-1"/,
  ],
  [
    'sample without --run',
    () => ['sample', '--n', '4', '--out', 'x.json'],
    2,
    /required option '--run <dir>' not specified/,
  ],
  [
    'sample --n not a number',
    () => ['sample', '--run', path('run-ring'), '--n', 'ten', '--out', 'x.json'],
    2,
    /--n.*expected an integer ≥ 1, got "ten"/,
  ],
  [
    'sample --out with a wrong extension',
    () => ['sample', '--run', path('run-ring'), '--n', '4', '--out', path('x.txt')],
    2,
    /--out .*x\.txt: expected a file ending in \.json, \.csv, \.png/,
  ],
  [
    'eval --samples zero',
    () => ['eval', '--run', path('run-ring'), '--samples', '0'],
    2,
    /--samples.*expected an integer ≥ 1, got "0"/,
  ],
];

describe('bad inputs: exit 2 or 1 and one line naming the field or file', () => {
  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('%s', async (_name, argv, code, pattern) => {
    const result = await cli(...argv());
    expect(result.err).toMatch(pattern);
    expect(result.err).toMatch(/^dppgan: [^\n]+\n$/);
    expect(result.err).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(code);
    expect(result.out).toBe('');
  });
});

describe('a mistake loses nothing', () => {
  /** Every file under `dir` with its bytes (what must survive a refused command unchanged). */
  const snapshot = (dir: string) =>
    Object.fromEntries(
      (readdirSync(dir, { recursive: true }) as string[])
        .filter((name) => statSync(join(dir, name)).isFile())
        .map((name) => [name, readFileSync(join(dir, name)).toString('base64')]),
    );
  const copyOfRun = (name: string) => {
    cpSync(path('run-ring'), path(name), { recursive: true });
    return path(name);
  };

  it('train --force with a config that cannot start keeps the old run (checked before anything is deleted)', async () => {
    const run = copyOfRun('keep-force');
    const before = snapshot(run);
    const missingData = withBase('k1', {
      data: { kind: 'images', dir: path('no-such-dir') },
      model: 'sn-cnn',
    });
    const wrongModel = withBase('k2', { model: 'dcgan-smnist' });
    for (const file of [missingData, wrongModel]) {
      const result = await cli('train', '--config', file, '--out', run, '--force');
      expect(result.code).toBe(2);
      expect(result.err).toMatch(/^dppgan: [^\n]+\n$/);
      expect(snapshot(run)).toEqual(before);
    }
  });

  it('a new run that cannot start leaves no directory behind', async () => {
    const run = path('never-made');
    const result = await cli('train', '--config', withBase('k3', { model: 'dcgan-smnist' }), '--out', run);
    expect(result.code).toBe(2);
    expect(existsSync(run)).toBe(false);
  });

  it('refused resumes leave the run as it was', async () => {
    const early = copyOfRun('keep-iterations');
    const before = snapshot(early);
    expect((await cli('train', '--resume', '--out', early, '--iterations', '1')).code).toBe(2);
    expect(snapshot(early)).toEqual(before);

    const lost = copyOfRun('keep-lost');
    rmSync(join(lost, 'checkpoint', 'manifest.json'));
    const damaged = snapshot(lost);
    expect((await cli('train', '--resume', '--out', lost)).code).toBe(1);
    expect(snapshot(lost)).toEqual(damaged);
  });

  it("sample and export refuse outputs that would replace the run's own files", async () => {
    const run = copyOfRun('keep-outputs');
    const before = snapshot(run);
    for (const argv of [
      ['sample', '--run', run, '--n', '4', '--out', join(run, 'config.json')],
      ['sample', '--run', run, '--n', '4', '--out', join(run, 'checkpoint', 'x.json')],
      ['export', '--run', run, '--out', join(run, 'checkpoint.prev')],
    ]) {
      expect((await cli(...argv)).code).toBe(2);
      expect(snapshot(run)).toEqual(before);
    }
    // Beside them is fine: a samples file in the run directory itself.
    const beside = await cli('sample', '--run', run, '--n', '4', '--out', join(run, 'mine.json'));
    expect(beside.code, beside.err).toBe(0);
    expect(JSON.parse(readFileSync(join(run, 'mine.json'), 'utf8'))).toHaveLength(4);
  });
});

describe("a run's config.json keeps its data files' paths absolute", () => {
  it('relative paths are resolved against the working directory, where they were read', () => {
    const config = parseConfig({
      ...base,
      model: 'sn-cnn',
      data: { kind: 'images', dir: join('some', 'images') },
    });
    expect(withAbsoluteDataPaths(config).data).toEqual({ kind: 'images', dir: resolve('some', 'images') });
    const idxConfig = parseConfig({
      ...base,
      model: 'dcgan-smnist',
      data: { kind: 'stacked-mnist', images: 'a.idx', labels: join('..', 'b.idx') },
    });
    expect(withAbsoluteDataPaths(idxConfig).data).toMatchObject({
      images: resolve('a.idx'),
      labels: resolve('..', 'b.idx'),
    });
    // Absolute paths and path-free data are left alone.
    expect(withAbsoluteDataPaths(withAbsoluteDataPaths(config))).toEqual(withAbsoluteDataPaths(config));
    const ring = parseConfig(base);
    expect(withAbsoluteDataPaths(ring)).toEqual(ring);
  });

  it('a run made before paths were stored absolute (relative path in config.json and checkpoint) still resumes', async () => {
    const folder = path('old-relative');
    mkdirSync(join(folder, 'images'), { recursive: true });
    for (const name of ['a', 'b']) writeFileSync(join(folder, 'images', `${name}.png`), pngBytes(8, 8));
    const relativeConfig = parseConfig({
      ...base,
      model: 'sn-cnn',
      data: { kind: 'images', dir: relative(process.cwd(), join(folder, 'images')) },
    });
    const run = join(folder, 'run');
    mkdirSync(run);
    writeFileSync(join(run, 'config.json'), JSON.stringify(relativeConfig));
    const trainer = new Trainer(relativeConfig, { dataset: createDataset(relativeConfig.data) });
    saveCheckpoint(run, await trainer.captureCheckpoint());
    trainer.dispose();
    const file = config('old-relative', relativeConfig as unknown as Record<string, unknown>);
    for (const argv of [
      ['train', '--resume', '--out', run, '--iterations', '1'],
      ['train', '--resume', '--out', run, '--config', file, '--iterations', '2'],
    ]) {
      const result = await cli(...argv);
      expect(result.code, result.err).toBe(0);
    }
  });

  it('a run trained from another directory is sampled from the repository root', () => {
    const folder = path('relative-run');
    mkdirSync(join(folder, 'images'), { recursive: true });
    for (const name of ['a', 'b']) writeFileSync(join(folder, 'images', `${name}.png`), pngBytes(8, 8));
    writeFileSync(
      join(folder, 'c.json'),
      JSON.stringify({
        ...base,
        model: 'sn-cnn',
        data: { kind: 'images', dir: 'images', channels: 3 },
        iterations: 1,
      }),
    );
    const trained = runCliProcess(['train', '--config', 'c.json', '--out', 'run'], 120_000, folder);
    expect(trained.status, trained.stderr).toBe(0);
    const saved = JSON.parse(readFileSync(join(folder, 'run', 'config.json'), 'utf8'));
    expect(saved.data.dir).toBe(join(folder, 'images'));
    const sampled = runCliProcess([
      'sample',
      '--run',
      join(folder, 'run'),
      '--n',
      '2',
      '--out',
      join(folder, 's.json'),
    ]);
    expect(sampled.status, sampled.stderr).toBe(0);
  });
});

describe('bad inputs in a real process', () => {
  it.each([
    [
      'a config error',
      () => ['train', '--config', withBase('p1', { batchSize: 'big' }), '--out', out()],
      2,
      /"batchSize": expected number, got "big"/,
    ],
    [
      'a corrupt PNG',
      train(() => withBase('p2', { data: { kind: 'images', dir: path('corrupt-images') }, model: 'sn-cnn' })),
      1,
      /corrupt PNG file .*a\.png/,
    ],
    [
      'an IDX file with a wrong magic number',
      train(() =>
        withBase('p3', {
          data: { kind: 'mnist', images: path('magic.idx'), labels: path('labels.idx') },
          model: 'dcgan-smnist',
        }),
      ),
      1,
      /bad magic number/,
    ],
  ] as Case[])('%s: exit code and exactly one stderr line', (_name, argv, code, pattern) => {
    const result = runCliProcess(argv());
    expect(result.stderr).toMatch(pattern);
    expect(result.stderr).toMatch(/^dppgan: [^\n]+\n$/);
    expect(result.status).toBe(code);
    expect(result.stdout).toBe('');
  });

  it('--debug adds the stack trace', async () => {
    const result = await cli(
      'train',
      '--config',
      withBase('d1', { batchSize: 'big' }),
      '--out',
      out(),
      '--debug',
    );
    expect(result.code).toBe(2);
    expect(result.err.split('\n')[0]).toMatch(/^dppgan: .*"batchSize": expected number/);
    expect(result.err).toMatch(/\n\s+at /);
  });
});
