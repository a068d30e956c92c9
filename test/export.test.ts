// `dppgan export`: the written model.json + weight shards load with stock tfjs (a fresh Node process importing
// only @tensorflow/tfjs-core, -layers and -backend-cpu: no dppgan) and give the same samples as `dppgan sample`
// for the same latent codes; in-process on the same backend the numbers are bit-identical. A spectrally
// normalised discriminator loads once `dppgan/layers` is imported, and a tanh image generator is exported in data
// space ([0, 1], as `dppgan sample` writes it).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { Random } from '../src/random.js';
import {
  type ExportMetadata,
  fileLoadHandler,
  fileSaveHandler,
  openRun,
  parseConfig,
  trainRun,
} from '../src/train/index.js';
import { cli } from './helpers/cli-in-process.js';

const root = join(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'dppgan-export-'));
const SEED = 7;
const N = 50;

async function train(name: string, config: object): Promise<string> {
  const file = join(scratch, `${name}.json`);
  writeFileSync(file, JSON.stringify({ logEvery: 100, checkpointEvery: 100, backend: 'wasm', ...config }));
  const run = join(scratch, name);
  const result = await cli('train', '--config', file, '--out', run);
  expect(result.err).toBe('');
  expect(result.code).toBe(0);
  return run;
}

/** The latent codes `dppgan sample --seed SEED --n N` draws (one chunk: Random(seed).normalTensor([n, d])). */
function latentCodes(latentDim: number): Float32Array {
  return new Random(SEED).normalArray(N * latentDim);
}

/** `dppgan sample` output as one flat array. */
async function sampled(run: string): Promise<number[]> {
  const file = join(run, 'sample.json');
  const result = await cli('sample', '--run', run, '--n', String(N), '--seed', String(SEED), '--out', file);
  expect(result.code).toBe(0);
  return (JSON.parse(readFileSync(file, 'utf8')) as number[][]).flat();
}

/** Run an ES module in a fresh `node` with the repository's node_modules; returns its last stdout line. */
function freshNode(script: string, runner = 'node'): string {
  const bin = runner === 'node' ? process.execPath : join(root, 'node_modules', '.bin', runner);
  const out = execFileSync(bin, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return out.trim().split('\n').pop() as string;
}

/** A stock-tfjs script: load DIR/model.json as a browser would (tf.io.http), predict on INPUT, print JSON. */
function stockPredictScript(dir: string, input: Float32Array, shape: number[], preamble = ''): string {
  const inputFile = join(dir, '..', `${dir.split('/').pop()}-input.json`);
  writeFileSync(inputFile, JSON.stringify(Array.from(input)));
  return `
    import * as tf from '@tensorflow/tfjs-core';
    import '@tensorflow/tfjs-backend-cpu';
    import * as tfl from '@tensorflow/tfjs-layers';
    import { readFileSync } from 'node:fs';
    ${preamble}
    await tf.setBackend('cpu');
    const dir = ${JSON.stringify(dir)};
    const fetchFunc = async (url) => new Response(readFileSync(dir + '/' + new URL(url).pathname.split('/').pop()));
    const model = await tfl.loadLayersModel(tf.io.http('http://example.test/model/model.json', { fetchFunc }));
    const input = tf.tensor(JSON.parse(readFileSync(${JSON.stringify(inputFile)}, 'utf8')), ${JSON.stringify(shape)});
    const meta = model.getUserDefinedMetadata();
    console.log(JSON.stringify({ values: Array.from(model.predict(input).dataSync()), meta }));
  `;
}

let ring: string;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  ring = await train('ring', {
    data: { kind: 'ring' },
    model: 'mlp-gdpp',
    gdpp: { weight: 1 },
    iterations: 10,
    batchSize: 32,
  });
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('dppgan export (generator of a 2-D mixture run)', () => {
  let out: string;
  let expected: number[];

  beforeAll(async () => {
    out = join(scratch, 'ring-generator');
    const result = await cli('export', '--run', ring, '--out', out);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/exported the generator of mlp-gdpp on ring \(step 10\): z \[n, 256\]/);
    expected = await sampled(ring);
  });

  it('writes model.json + one weight shard in the tensorflowjs_converter layout, with dppgan metadata', () => {
    expect(readdirSync(out).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.modelTopology.class_name).toBe('Model');
    expect(json.weightsManifest[0].paths).toEqual(['group1-shard1of1.bin']);
    // 256·128 + 128 + 128·128 + 128 + 128·2 + 2 float32 weights.
    const weights = 256 * 128 + 128 + 128 * 128 + 128 + 128 * 2 + 2;
    expect(readFileSync(join(out, 'group1-shard1of1.bin')).byteLength).toBe(4 * weights);
    const meta = json.userDefinedMetadata.dppgan as ExportMetadata;
    expect(meta).toMatchObject({ network: 'generator', model: 'mlp-gdpp', step: 10, latentDim: 256 });
    expect(meta.data.shape).toEqual([2]);
    expect(meta.data.centres).toHaveLength(8);
    expect(meta.data.range).toBeNull();
  });

  it('loads in-process with tf.loadLayersModel and reproduces `dppgan sample` bit for bit', async () => {
    const model = await tfl.loadLayersModel(fileLoadHandler(out));
    const z = tf.tensor(latentCodes(256), [N, 256]);
    const x = model.predict(z) as tf.Tensor;
    expect(x.shape).toEqual([N, 2]);
    expect(Array.from(x.dataSync())).toEqual(expected);
    tf.dispose([z, x]);
    model.dispose();
  });

  it('loads in a fresh Node process with stock tfjs only (no dppgan) and gives the same samples', () => {
    const script = stockPredictScript(out, latentCodes(256), [N, 256]);
    const imports = script.match(/import .*/g) ?? [];
    expect(imports.filter((line) => /dppgan|src\//.test(line))).toEqual([]);
    const result = JSON.parse(freshNode(script)) as { values: number[]; meta: { dppgan: ExportMetadata } };
    expect(result.meta.dppgan.latentDim).toBe(256);
    expect(result.values).toHaveLength(N * 2);
    // cpu backend there, wasm here: float32 rounding differs, nothing else.
    const worst = Math.max(...result.values.map((v, i) => Math.abs(v - expected[i])));
    expect(worst).toBeLessThan(1e-5);
    // and the samples are not trivial: they spread over the plane.
    expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.1);
  });

  it('explains bad input: unknown --what, a directory that is not a run', async () => {
    const what = await cli('export', '--run', ring, '--out', join(scratch, 'x'), '--what', 'critic');
    expect(what.code).toBe(2);
    expect(what.err).toMatch(/argument 'critic' is invalid\. Allowed choices are generator, discriminator/);
    const notRun = await cli('export', '--run', scratch, '--out', join(scratch, 'y'));
    expect(notRun.code).toBe(2);
    expect(notRun.err).toMatch(/is not a dppgan run directory/);
  });
});

describe('dppgan export --what discriminator (spectral norm)', () => {
  it("loads only after `import 'dppgan/layers'`, and gives the trainer's logits", async () => {
    const run = await train('ring-sn', {
      data: { kind: 'ring' },
      model: 'mlp-gdpp',
      lipschitz: 'spectral-norm',
      iterations: 6,
      batchSize: 32,
    });
    const out = join(scratch, 'ring-discriminator');
    const result = await cli('export', '--run', run, '--out', out, '--what', 'discriminator');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/import 'dppgan\/layers'/);
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    const classes = json.modelTopology.config.layers.map((l: { class_name: string }) => l.class_name);
    expect(classes.filter((c: string) => c === 'SpectralNormalization')).toHaveLength(3);

    const x = new Random(3).normalArray(N * 2);
    const trainer = await openRun(run);
    const logits = tf.tidy(() =>
      Array.from(trainer.gan.discriminator.apply(tf.tensor(x, [N, 2]), false).dataSync()),
    );
    trainer.dispose();

    const stock = stockPredictScript(out, x, [N, 2]);
    expect(() => freshNode(stock)).toThrow(/Unknown layer: SpectralNormalization/);
    const layers = join(root, 'src', 'nn', 'layers.ts');
    const withLayers = stockPredictScript(out, x, [N, 2], `import '${layers}';`);
    const loaded = JSON.parse(freshNode(withLayers, 'tsx')) as { values: number[] };
    const worst = Math.max(...loaded.values.map((v, i) => Math.abs(v - logits[i])));
    expect(worst).toBeLessThan(1e-5);
    expect(new Set(logits.map((v) => v.toFixed(4))).size).toBeGreaterThan(N / 2);
  });
});

describe('dppgan export of a tanh image GAN (sn-cnn on 8×8 RGB PNGs)', () => {
  it('generator: data-space pixels in [0, 1] equal to `dppgan sample`; discriminator: data-space input', async () => {
    const images = join(scratch, 'pngs');
    mkdirSync(images);
    const random = new Random(11);
    for (let k = 0; k < 6; k++) {
      const png = new PNG({ width: 8, height: 8 });
      for (let i = 0; i < png.data.length; i++) png.data[i] = i % 4 === 3 ? 255 : random.integer(256);
      writeFileSync(join(images, `${k}.png`), PNG.sync.write(png));
    }
    // Through the library (no end-of-training evaluation on 2,500 samples, which `dppgan train` adds).
    const run = join(scratch, 'images');
    const config = parseConfig({
      data: { kind: 'images', dir: images },
      model: 'sn-cnn',
      iterations: 2,
      batchSize: 4,
      backend: 'wasm',
    });
    (await trainRun(config, { runDir: run })).trainer.dispose();
    const out = join(scratch, 'image-generator');
    expect((await cli('export', '--run', run, '--out', out)).code).toBe(0);
    const expected = await sampled(run);
    const model = await tfl.loadLayersModel(fileLoadHandler(out));
    expect(model.getUserDefinedMetadata()).toMatchObject({
      dppgan: { data: { shape: [8, 8, 3], range: [0, 1] } },
    });
    const z = tf.tensor(latentCodes(128), [N, 128]);
    const x = model.predict(z) as tf.Tensor;
    expect(x.shape).toEqual([N, 8 * 8 * 3]);
    const values = Array.from(x.dataSync());
    tf.dispose([z, x]);
    model.dispose();
    expect(values).toEqual(expected);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);
    expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(0.01);

    // The discriminator export takes data-space images too: D(2x − 1) as the trainer applies it.
    const dOut = join(scratch, 'image-discriminator');
    expect((await cli('export', '--run', run, '--out', dOut, '--what', 'discriminator')).code).toBe(0);
    const discriminator = await tfl.loadLayersModel(fileLoadHandler(dOut));
    const batch = tf.tensor(values.slice(0, 4 * 192), [4, 192]);
    const exported = Array.from((discriminator.predict(batch) as tf.Tensor).dataSync());
    const trainer = await openRun(run);
    const direct = tf.tidy(() =>
      Array.from(trainer.gan.discriminator.apply(tf.sub(tf.mul(batch, 2), 1), false).dataSync()),
    );
    trainer.dispose();
    discriminator.dispose();
    batch.dispose();
    expect(exported).toHaveLength(4);
    expect(Math.max(...exported.map((v, i) => Math.abs(v - direct[i])))).toBeLessThan(1e-5);
  });
});

describe('fileSaveHandler', () => {
  it('splits weights into shards of at most shardBytes that load back exactly', async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ units: 40, inputShape: [30] }), tfl.layers.dense({ units: 3 })],
    });
    const dir = join(scratch, 'sharded');
    await model.save(fileSaveHandler(dir, 2000));
    const bytes = 4 * (30 * 40 + 40 + 40 * 3 + 3);
    const shards = Math.ceil(bytes / 2000);
    const files = readdirSync(dir).filter((f) => f.endsWith('.bin'));
    expect(files.sort()).toEqual(
      Array.from({ length: shards }, (_, i) => `group1-shard${i + 1}of${shards}.bin`).sort(),
    );
    const loaded = await tfl.loadLayersModel(fileLoadHandler(dir));
    const original = model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(loaded.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(original);
    model.dispose();
    loaded.dispose();
  });
});
