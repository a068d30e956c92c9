import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { DppganError } from '../src/errors.js';
import { featureModelDistances, loadFeatureModel } from '../src/metrics/feature-model.js';
import { Random } from '../src/random.js';
import { fileSaveHandler } from '../src/train/export.js';
import { parseConfig, trainRun } from '../src/train/index.js';
import { cli } from './helpers/cli-in-process.js';

const scratch = mkdtempSync(join(tmpdir(), 'dppgan-feature-model-'));
const H = 8;
const W = 8;
const C = 3;
const D = 16;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function uniforms(n: number, random: Random, lo = 0, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * random.uniform();
  return out;
}

const dim = (sizes: number[]) => ({ dim: sizes.map((size) => ({ size: String(size) })) });

/**
 * A tfjs graph model written by hand, as tensorflowjs_converter lays it out: Placeholder [-1, 8, 8, 3] → Reshape
 * [-1, 192] → MatMul with a Const kernel [192, 16] (from weights.bin) → Relu.
 */
function writeGraphModel(dir: string, kernel: Float32Array, metadata?: object, batch = -1): void {
  mkdirSync(dir, { recursive: true });
  const float = { type: 'DT_FLOAT' };
  const modelJson = {
    format: 'graph-model',
    generatedBy: 'hand',
    convertedBy: 'test/feature-model.test.ts',
    modelTopology: {
      node: [
        {
          name: 'images',
          op: 'Placeholder',
          attr: { dtype: float, shape: { shape: dim([batch, H, W, C]) } },
        },
        {
          name: 'flat_shape',
          op: 'Const',
          attr: {
            dtype: { type: 'DT_INT32' },
            value: { tensor: { dtype: 'DT_INT32', tensorShape: dim([2]) } },
          },
        },
        {
          name: 'dense/kernel',
          op: 'Const',
          attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dim([H * W * C, D]) } } },
        },
        {
          name: 'flat',
          op: 'Reshape',
          input: ['images', 'flat_shape'],
          attr: { T: float, Tshape: { type: 'DT_INT32' } },
        },
        {
          name: 'dense/MatMul',
          op: 'MatMul',
          input: ['flat', 'dense/kernel'],
          attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } },
        },
        { name: 'features', op: 'Relu', input: ['dense/MatMul'], attr: { T: float } },
      ],
      library: {},
      versions: { producer: 1 },
    },
    weightsManifest: [
      {
        paths: ['weights.bin'],
        weights: [
          { name: 'flat_shape', shape: [2], dtype: 'int32' },
          { name: 'dense/kernel', shape: [H * W * C, D], dtype: 'float32' },
        ],
      },
    ],
    ...(metadata ? { userDefinedMetadata: metadata } : {}),
  };
  const shape = new Int32Array([-1, H * W * C]);
  const bytes = Buffer.concat([
    Buffer.from(shape.buffer),
    Buffer.from(kernel.buffer, kernel.byteOffset, kernel.byteLength),
  ]);
  writeFileSync(join(dir, 'weights.bin'), bytes);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson));
}

/**
 * The layout tensorflowjs_converter gives a Dense layer after graph optimisation: one `_FusedMatMul` node with a
 * transposed kernel [16, 192], a bias and a fused Relu — the fused/transposed path that is silently wrong in stock
 * tfjs-backend-wasm (ENGINE-NOTES), so it is checked here through the whole loader.
 */
function writeFusedGraphModel(dir: string, kernelT: Float32Array, bias: Float32Array): void {
  mkdirSync(dir, { recursive: true });
  const float = { type: 'DT_FLOAT' };
  const constant = (name: string, dtype: string, sizes: number[]) => ({
    name,
    op: 'Const',
    attr: { dtype: { type: dtype }, value: { tensor: { dtype, tensorShape: dim(sizes) } } },
  });
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const modelJson = {
    format: 'graph-model',
    modelTopology: {
      node: [
        { name: 'images', op: 'Placeholder', attr: { dtype: float, shape: { shape: dim([-1, H, W, C]) } } },
        constant('flat_shape', 'DT_INT32', [2]),
        constant('dense/kernel_t', 'DT_FLOAT', [D, H * W * C]),
        constant('dense/bias', 'DT_FLOAT', [D]),
        {
          name: 'flat',
          op: 'Reshape',
          input: ['images', 'flat_shape'],
          attr: { T: float, Tshape: { type: 'DT_INT32' } },
        },
        {
          name: 'dense/Relu',
          op: '_FusedMatMul',
          input: ['flat', 'dense/kernel_t', 'dense/bias'],
          attr: {
            T: float,
            transpose_a: { b: false },
            transpose_b: { b: true },
            num_args: { i: '1' },
            fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu')] } },
            epsilon: { f: 0 },
          },
        },
      ],
      versions: { producer: 1 },
    },
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'flat_shape', shape: [2], dtype: 'int32' },
          { name: 'dense/kernel_t', shape: [D, H * W * C], dtype: 'float32' },
          { name: 'dense/bias', shape: [D], dtype: 'float32' },
        ],
      },
    ],
  };
  const parts = [new Int32Array([-1, H * W * C]), kernelT, bias].map((a) =>
    Buffer.from(a.buffer, a.byteOffset, a.byteLength),
  );
  writeFileSync(join(dir, 'group1-shard1of1.bin'), Buffer.concat(parts));
  writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson));
}

const kernel = uniforms(H * W * C * D, new Random(3), -0.2, 0.2);
const graphDir = join(scratch, 'tiny-graph');
beforeAll(() => writeGraphModel(graphDir, kernel));

/** relu(x·W) computed directly (x already in the model's input layout [n, 8, 8, 3]). */
function direct(x: tf.Tensor, preActivation = false): Float32Array {
  return tf.tidy(() => {
    const y = tf.matMul(tf.reshape(x, [x.shape[0], -1]), tf.tensor2d(kernel, [H * W * C, D]));
    return (preActivation ? y : tf.relu(y)).dataSync() as Float32Array;
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('graph-model feature extractor (hand-written GraphDef)', () => {
  it('features equal relu(reshape(x)·W) for random images, across batches; an inner node is selectable', async () => {
    const n = 23;
    const images = uniforms(n * H * W * C, new Random(5));
    const model = await loadFeatureModel(graphDir, { batchSize: 5 });
    expect(model.format).toBe('graph-model');
    expect(model.name).toBe('tiny-graph');
    expect(model.output).toBe('features');
    expect(model.inputShape).toEqual([H, W, C]);
    const { values, dim } = await model.features(images, n, [H, W, C]);
    model.dispose();
    expect(dim).toBe(D);
    const x = tf.tensor4d(images, [n, H, W, C]);
    const expected = direct(x);
    expect(maxAbsDiff(values, expected)).toBeLessThan(1e-5);
    // Not trivially zero: relu leaves a good share of positive features.
    expect(values.filter((v) => v > 0).length).toBeGreaterThan(n * D * 0.2);

    const inner = await loadFeatureModel(join(graphDir, 'model.json'), { output: 'dense/MatMul' });
    const pre = await inner.features(images, n, [H, W, C]);
    inner.dispose();
    expect(maxAbsDiff(pre.values, direct(x, true))).toBeLessThan(1e-5);
    expect(pre.values.some((v) => v < 0)).toBe(true);
    x.dispose();
  });

  it('resizes (bilinear, half-pixel) 4×4 gray images to 8×8 RGB and maps [0, 1] to the requested range', async () => {
    const n = 6;
    const images = uniforms(n * 4 * 4, new Random(6));
    const model = await loadFeatureModel(graphDir, { range: [-1, 1] });
    expect(model.rangeSource).toBe('option');
    const { values } = await model.features(images, n, [4, 4, 1]);
    model.dispose();
    const x = tf.tidy(() => {
      const small = tf.tensor4d(images, [n, 4, 4, 1]);
      const big = tf.image.resizeBilinear(small, [H, W], false, true);
      return tf.sub(tf.mul(tf.tile(big, [1, 1, 1, 3]), 2), 1);
    });
    expect(maxAbsDiff(values, direct(x))).toBeLessThan(1e-5);
    x.dispose();
  });

  it('a converter-style _FusedMatMul (transposed kernel, bias, Relu) gives relu(x·Kᵀ + b)', async () => {
    const kernelT = uniforms(D * H * W * C, new Random(12), -0.2, 0.2);
    const bias = uniforms(D, new Random(13), -0.5, 0.5);
    const dir = join(scratch, 'fused');
    writeFusedGraphModel(dir, kernelT, bias);
    const n = 10;
    const images = uniforms(n * H * W * C, new Random(14));
    const model = await loadFeatureModel(dir);
    expect(model.output).toBe('dense/Relu');
    const { values } = await model.features(images, n, [H, W, C]);
    model.dispose();
    // Reference in plain JS (Float64), independent of any tfjs kernel.
    const expected = new Float64Array(n * D);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < D; j++) {
        let sum = bias[j];
        for (let k = 0; k < H * W * C; k++) sum += images[i * H * W * C + k] * kernelT[j * H * W * C + k];
        expected[i * D + j] = Math.max(sum, 0);
      }
    }
    expect(maxAbsDiff(values, expected)).toBeLessThan(1e-4);
    expect(values.filter((v) => v > 0).length).toBeGreaterThan(n * D * 0.2);
  });

  it('a model with a fixed batch size (4) gets padded batches; the padding rows are dropped', async () => {
    const dir = join(scratch, 'fixed-batch');
    writeGraphModel(dir, kernel, undefined, 4);
    const n = 7;
    const images = uniforms(n * H * W * C, new Random(15));
    const model = await loadFeatureModel(dir, { batchSize: 3 });
    const { values } = await model.features(images, n, [H, W, C]);
    model.dispose();
    const x = tf.tensor4d(images, [n, H, W, C]);
    expect(maxAbsDiff(values, direct(x))).toBeLessThan(1e-5);
    x.dispose();
  });

  it('key: equal for the same files and options, different for other weights, output or range', async () => {
    const keyOf = async (dir: string, opts = {}) => {
      const model = await loadFeatureModel(dir, opts);
      model.dispose();
      return model.key;
    };
    const dir = join(scratch, 'key-check');
    writeGraphModel(dir, kernel);
    const base = await keyOf(dir);
    expect(await keyOf(join(dir, 'model.json'))).toBe(base);
    expect(await keyOf(dir, { output: 'dense/MatMul' })).not.toBe(base);
    expect(await keyOf(dir, { range: [-1, 1] })).not.toBe(base);
    const changed = kernel.slice();
    changed[0] += 1;
    writeGraphModel(dir, changed);
    expect(await keyOf(dir)).not.toBe(base);
  });

  it('takes the input range from userDefinedMetadata.inputRange', async () => {
    const dir = join(scratch, 'with-metadata');
    writeGraphModel(dir, kernel, { inputRange: [-1, 1] });
    const model = await loadFeatureModel(dir);
    expect(model.range).toEqual([-1, 1]);
    expect(model.rangeSource).toBe('metadata');
    model.dispose();
  });

  it('FID of a set vs itself ≈ 0 and grows with added noise; KID ≈ 0 between two draws, grows with noise; memory flat', async () => {
    const n = 150;
    const random = new Random(7);
    const real = uniforms(n * H * W * C, random);
    const other = uniforms(n * H * W * C, random);
    const noisy = (sigma: number) => real.map((v) => Math.min(1, Math.max(0, v + sigma * random.normal())));
    const model = await loadFeatureModel(graphDir);
    const shape = [H, W, C];
    const versus = (images: Float32Array) =>
      featureModelDistances(model, { images, n }, { images: real, n }, shape, new Random(1));
    const before = tf.memory().numTensors;
    const same = await versus(real);
    const afterOne = tf.memory().numTensors;
    const draw = await versus(other);
    const small = await versus(noisy(0.1));
    const large = await versus(noisy(0.4));
    expect(tf.memory().numTensors).toBe(afterOne);
    expect(afterOne).toBe(before);
    model.dispose();
    expect(same.featureDim).toBe(D);
    expect(same.fid).toBeLessThan(1e-6);
    expect(small.fid).toBeGreaterThan(1e-3);
    expect(large.fid).toBeGreaterThan(4 * small.fid);
    // KID is unbiased: two draws of one distribution score ≈ 0, far below the noisy set.
    expect(Math.abs(draw.kid)).toBeLessThan(large.kid / 3);
    expect(large.kid).toBeGreaterThan(small.kid);
  });

  it('dispose frees every weight tensor', async () => {
    const before = tf.memory().numTensors;
    const model = await loadFeatureModel(graphDir);
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    await model.features(uniforms(2 * H * W * C, new Random(1)), 2, [H, W, C]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('layers-model feature extractor', () => {
  const layersDir = join(scratch, 'tiny-layers');
  let reference: tfl.LayersModel;

  beforeAll(async () => {
    const input = tfl.input({ shape: [6, 6, 1] });
    const conv = tfl.layers
      .conv2d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'conv' })
      .apply(input);
    const flat = tfl.layers.flatten({ name: 'flat' }).apply(conv);
    const hidden = tfl.layers.dense({ units: 8, activation: 'tanh', name: 'hidden' }).apply(flat);
    const logits = tfl.layers.dense({ units: 3, name: 'logits' }).apply(hidden) as tfl.SymbolicTensor;
    reference = tfl.model({ inputs: input, outputs: logits });
    await reference.save(fileSaveHandler(layersDir));
  });
  afterAll(() => reference.dispose());

  it('default output, "penultimate" and a named layer give the same numbers as the saved model', async () => {
    const n = 9;
    const images = uniforms(n * 36, new Random(8));
    const x = tf.tensor4d(images, [n, 6, 6, 1]);
    const sub = (layer: string) =>
      tfl.model({ inputs: reference.inputs, outputs: reference.getLayer(layer).output });
    const expectFor = async (output: string | undefined, layer: string, dim: number) => {
      const tensors = tf.memory().numTensors;
      const model = await loadFeatureModel(layersDir, { output, batchSize: 4 });
      expect(model.format).toBe('layers-model');
      const got = await model.features(images, n, [6, 6, 1]);
      model.dispose();
      expect(tf.memory().numTensors).toBe(tensors);
      expect(got.dim).toBe(dim);
      const want = tf.tidy(() => (sub(layer).predict(x) as tf.Tensor).dataSync() as Float32Array);
      expect(maxAbsDiff(got.values, want)).toBeLessThan(1e-5);
    };
    await expectFor(undefined, 'logits', 3);
    await expectFor('penultimate', 'hidden', 8);
    await expectFor('flat', 'flat', 64);
    // conv output is [n, 4, 4, 4]: averaged over the 4×4 positions.
    const model = await loadFeatureModel(layersDir, { output: 'conv' });
    const pooled = await model.features(images, n, [6, 6, 1]);
    model.dispose();
    const want = tf.tidy(
      () => tf.mean(sub('conv').predict(x) as tf.Tensor, [1, 2]).dataSync() as Float32Array,
    );
    expect(pooled.dim).toBe(4);
    expect(maxAbsDiff(pooled.values, want)).toBeLessThan(1e-5);
    x.dispose();
  });
});

/** The one-line DppganError `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<DppganError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DppganError);
  const message = (error as DppganError).message;
  expect(message).not.toContain('\n');
  return error as DppganError;
}

describe('bad feature models: one clear line each', () => {
  const bad = (name: string) => join(scratch, 'bad', name);

  it('missing path, no model.json, not a tfjs model → usage errors (exit 2)', async () => {
    let e = await failure(loadFeatureModel(join(scratch, 'nowhere')));
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/no such file or directory/);
    mkdirSync(bad('empty'), { recursive: true });
    e = await failure(loadFeatureModel(bad('empty')));
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/has no model\.json/);
    mkdirSync(bad('other'), { recursive: true });
    writeFileSync(join(bad('other'), 'model.json'), JSON.stringify({ name: 'config', layers: 3 }));
    e = await failure(loadFeatureModel(bad('other')));
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/not a tfjs model .*got a JSON object with keys name, layers/);
  });

  it('corrupt model.json, truncated or missing weights → runtime errors (exit 1)', async () => {
    mkdirSync(bad('corrupt'), { recursive: true });
    writeFileSync(join(bad('corrupt'), 'model.json'), '{"format": "graph-model", "modelTop');
    let e = await failure(loadFeatureModel(bad('corrupt')));
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(/corrupt model\.json, not valid JSON/);

    writeGraphModel(bad('truncated'), kernel);
    const size = readFileSync(join(bad('truncated'), 'weights.bin')).byteLength;
    truncateSync(join(bad('truncated'), 'weights.bin'), size - 100);
    e = await failure(loadFeatureModel(bad('truncated')));
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(new RegExp(`hold ${size - 100} bytes but .* need ${size} .*truncated`));

    writeGraphModel(bad('no-shard'), kernel);
    rmSync(join(bad('no-shard'), 'weights.bin'));
    e = await failure(loadFeatureModel(bad('no-shard')));
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(/weight file weights\.bin is missing or unreadable \(ENOENT\)/);
  });

  it('unknown output node or layer, and incompatible input shapes → usage errors (exit 2)', async () => {
    let e = await failure(loadFeatureModel(graphDir, { output: 'pool_3' }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/output node "pool_3" not found in the graph \(its outputs: features; 6 nodes/);
    e = await failure(loadFeatureModel(join(scratch, 'tiny-layers'), { output: 'nope' }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/output layer "nope" not found \(layers: .*hidden, logits\)/);

    const model = await loadFeatureModel(graphDir);
    try {
      e = await failure(model.features(uniforms(2 * 64 * 2, new Random(1)), 2, [8, 8, 2]));
      expect(e.exitCode).toBe(2);
      expect(e.message).toMatch(/input shape incompatible, images \[8, 8, 2\] cannot feed input \[8, 8, 3\]/);
      expect(() => model.checkImageShape([64])).toThrow(
        /expected images of shape \[height, width, channels\]/,
      );
    } finally {
      model.dispose();
    }
    e = await failure(loadFeatureModel(graphDir, { inputSize: [16, 16] }));
    // Loading succeeds lazily only if the size fits; a fixed 8×8 input with a 16×16 request is refused on use.
    expect(e.message).toMatch(/requested input size 16×16 differs/);
  });
});

describe('dppgan eval --feature-model (in-process CLI)', () => {
  const run = join(scratch, 'image-run');

  beforeAll(async () => {
    const pngs = join(scratch, 'pngs');
    mkdirSync(pngs, { recursive: true });
    const random = new Random(11);
    for (let k = 0; k < 6; k++) {
      const png = new PNG({ width: W, height: H });
      for (let i = 0; i < png.data.length; i++) png.data[i] = i % 4 === 3 ? 255 : random.integer(256);
      writeFileSync(join(pngs, `${k}.png`), PNG.sync.write(png));
    }
    const config = parseConfig({
      data: { kind: 'images', dir: pngs },
      model: 'sn-cnn',
      iterations: 2,
      batchSize: 4,
      backend: 'wasm',
    });
    (await trainRun(config, { runDir: run })).trainer.dispose();
    mkdirSync(join(scratch, 'cli-corrupt'), { recursive: true });
    writeFileSync(join(scratch, 'cli-corrupt', 'model.json'), '{"format": "graph-model", "modelTop');
    writeGraphModel(join(scratch, 'cli-truncated'), kernel);
    truncateSync(join(scratch, 'cli-truncated', 'weights.bin'), 1000);
    const ring = parseConfig({
      data: { kind: 'ring' },
      model: 'mlp-gdpp',
      iterations: 2,
      batchSize: 16,
      backend: 'wasm',
    });
    (await trainRun(ring, { runDir: join(scratch, 'ring-run') })).trainer.dispose();
    const flat = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [10] })] });
    await flat.save(fileSaveHandler(join(scratch, 'flat-10')));
    flat.dispose();
  });

  it('adds FID/KID rows labelled with the user model and writes them to eval.json', async () => {
    const result = await cli('eval', '--run', run, '--samples', '40', '--feature-model', graphDir);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^FID \(user model: tiny-graph\): \d+\.\d{4}$/m);
    expect(result.out).toMatch(/^KID \(user model: tiny-graph\): -?\d+\.\d{6} ± \d+\.\d{6}$/m);
    expect(result.out).toMatch(/16-d features from graph-model output "features"/);
    const record = JSON.parse(readFileSync(join(run, 'eval.json'), 'utf8'));
    expect(record.featureModel).toMatchObject({
      label: 'user model: tiny-graph',
      featureDim: 16,
      range: [0, 1],
    });
    // The generator after 2 steps is far from the data: a clearly positive FID, equal to the printed one.
    expect(record.featureModel.fid).toBeGreaterThan(0.01);
    expect(result.out).toContain(`FID (user model: tiny-graph): ${record.featureModel.fid.toFixed(4)}`);
  });

  it('bad --feature-model input: one line, exit 2 or 1, no stack', async () => {
    const cases: [string[], number, RegExp][] = [
      [['--feature-model', join(scratch, 'nowhere')], 2, /no such file or directory/],
      [['--feature-model', join(scratch, 'cli-corrupt')], 1, /corrupt model\.json/],
      [['--feature-model', join(scratch, 'cli-truncated')], 1, /truncated/],
      [['--feature-model', graphDir, '--feature-output', 'pool_3'], 2, /output node "pool_3" not found/],
      [
        ['--feature-model', join(scratch, 'flat-10')],
        2,
        /input shape incompatible.*8×8×3 = 192 values per image, the model takes 10/,
      ],
      [['--feature-model', graphDir, '--feature-range', '1,0'], 2, /expected "low,high" with low < high/],
      [['--feature-output', 'pool_3'], 2, /--feature-output applies only with --feature-model PATH/],
      [['--feature-model', graphDir, '--samples', '1'], 2, /--feature-model needs --samples ≥ 2 .*got 1/],
      [
        [join(scratch, 'ring-run'), '--feature-model', graphDir],
        2,
        /--feature-model needs image data, but run .* is on ring \(samples of shape \[2\]\)/,
      ],
    ];
    const ring = join(scratch, 'ring-run');
    for (const [args, code, pattern] of cases) {
      const result = await cli(
        'eval',
        '--run',
        args[0] === ring ? args.shift()! : run,
        '--samples',
        '8',
        ...args,
      );
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.out).toBe('');
      expect(result.err.trim().split('\n')).toHaveLength(1);
      expect(result.err).toMatch(pattern);
      expect(result.err).not.toMatch(/\n\s+at /);
    }
  });
});
