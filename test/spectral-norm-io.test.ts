// Save → load of a spectrally normalised model: the tfjs `file://`-style layout (model.json + weights.bin) in
// Node, the same files read the way a browser reads them (tf.io.http with a fetch), and tf.io.fromMemory.
// u and the wrapped kernels must come back bit-exactly, and the loaded model must behave identically.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { SpectralNormalization, spectralNormalization } from '../src/nn/layers.js';
import { fileLoadHandler } from '../src/train/export.js'; // reads any model.json + weight files in a directory

const here = dirname(fileURLToPath(import.meta.url));
let dir: string;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  dir = mkdtempSync(join(tmpdir(), 'dppgan-sn-io-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes model.json + weights.bin into `directory`, as tfjs-node's file:// handler lays them out. */
function fileSaveHandler(directory: string): tf.io.IOHandler {
  return {
    save: async (artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
      const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData as ArrayBuffer | ArrayBuffer[]);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      writeFileSync(join(directory, 'model.json'), JSON.stringify(modelJson));
      writeFileSync(join(directory, 'weights.bin'), new Uint8Array(weightData));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  };
}

/** A fetch that serves `directory` at http://example.test/model/ — the browser's way in. */
function directoryFetch(directory: string): typeof fetch {
  return async (input: string | URL | Request) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const name = new URL(url).pathname.split('/').pop() as string;
    return new Response(readFileSync(join(directory, name)), { status: 200 });
  };
}

/** A small SN discriminator: conv (stride 2) → LeakyReLU → conv-transpose → flatten → dense. */
function discriminator(): tfl.Sequential {
  return tfl.sequential({
    layers: [
      spectralNormalization({
        layer: tfl.layers.conv2d({
          filters: 6,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          inputShape: [8, 8, 2],
        }),
        seed: 1,
      }),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      spectralNormalization({
        layer: tfl.layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 1, padding: 'valid' }),
        powerIterations: 2,
        seed: 2,
      }),
      tfl.layers.flatten(),
      spectralNormalization({ layer: tfl.layers.dense({ units: 2 }), seed: 3 }),
    ],
  });
}

function weightsOf(m: tfl.LayersModel): Map<string, Float32Array> {
  return new Map(m.weights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]));
}

function snLayers(m: tfl.LayersModel): SpectralNormalization[] {
  return m.layers.filter((l): l is SpectralNormalization => l instanceof SpectralNormalization);
}

describe('SpectralNormalization save → load', () => {
  let original: tfl.Sequential;
  let x: tf.Tensor;
  let expectedOutput: Float32Array;

  beforeAll(async () => {
    original = discriminator();
    x = tf.randomNormal([3, 8, 8, 2], 0, 1, 'float32', 31);
    // Training calls move u away from its initial value; a kernel change makes the weights non-default too.
    for (let i = 0; i < 3; i++) tf.dispose(original.apply(x, { training: true }) as tf.Tensor);
    const k = (snLayers(original)[0].layer as unknown as { kernel: tfl.LayerVariable }).kernel;
    k.write(tf.randomNormal(k.shape as number[], 0, 0.3, 'float32', 32));
    tf.dispose(original.apply(x, { training: true }) as tf.Tensor);
    expectedOutput = (original.predict(x) as tf.Tensor).dataSync() as Float32Array;
    await original.save(fileSaveHandler(dir));
  });

  function expectSameModel(loaded: tfl.LayersModel) {
    const a = weightsOf(original);
    const b = weightsOf(loaded);
    expect([...b.keys()]).toEqual([...a.keys()]);
    expect([...a.keys()].filter((n) => n.endsWith('/sn_u'))).toHaveLength(3);
    for (const [name, values] of a) expect(b.get(name), name).toEqual(values); // bit-exact
    expect(snLayers(loaded).map((l) => l.powerIterations)).toEqual([1, 2, 1]);
    const out = (loaded.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(out)).toEqual(Array.from(expectedOutput));
    // Loading and inference leave u alone; one more training call moves both copies identically.
    tf.dispose(original.apply(x, { training: true }) as tf.Tensor);
    tf.dispose(loaded.apply(x, { training: true }) as tf.Tensor);
    const ua = snLayers(original).map((l) => Array.from(l.u.read().dataSync()));
    const ub = snLayers(loaded).map((l) => Array.from(l.u.read().dataSync()));
    expect(ub).toEqual(ua);
    // Restore the original's state for the next loader.
    for (const l of snLayers(original)) l.u.write(tf.tensor1d(a.get(l.u.originalName) as Float32Array));
  }

  it('model.json names the wrapper and keeps power_iterations; weights.bin holds every sn_u', () => {
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const layers = json.modelTopology.config.layers;
    expect(layers.map((l: { class_name: string }) => l.class_name)).toEqual([
      'SpectralNormalization',
      'LeakyReLU',
      'SpectralNormalization',
      'Flatten',
      'SpectralNormalization',
    ]);
    expect(layers[2].config.power_iterations).toBe(2);
    expect(layers[2].config.format_version).toBe(1);
    expect(layers[2].config.layer.class_name).toBe('Conv2DTranspose');
    const names = json.weightsManifest[0].weights.map((w: { name: string }) => w.name);
    expect(names.filter((n: string) => n.endsWith('/sn_u'))).toHaveLength(3);
  });

  it('restores u and the wrapped kernels bit-exactly (Node file handler)', async () => {
    const loaded = await tfl.loadLayersModel(fileLoadHandler(dir));
    expectSameModel(loaded);
    loaded.dispose();
  });

  it('restores them from the same files read the browser way (tf.io.http + fetch)', async () => {
    const handler = tf.io.http('http://example.test/model/model.json', { fetchFunc: directoryFetch(dir) });
    const loaded = await tfl.loadLayersModel(handler);
    expectSameModel(loaded);
    loaded.dispose();
  });

  it('restores them through tf.io.fromMemory (JSON + weight buffer)', async () => {
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const bytes = readFileSync(join(dir, 'weights.bin'));
    const loaded = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
      }),
    );
    expectSameModel(loaded);
    loaded.dispose();
  });

  it("a fresh process that imports only tfjs and 'dppgan/layers' loads it and predicts the same", () => {
    const script = `
      import * as tf from '@tensorflow/tfjs-core';
      import '@tensorflow/tfjs-backend-wasm';
      import * as tfl from '@tensorflow/tfjs-layers';
      import { readFileSync } from 'node:fs';
      import '${join(here, '..', 'src', 'nn', 'layers.ts')}';
      await tf.setBackend('wasm');
      const dir = ${JSON.stringify(dir)};
      const fetchFunc = async (url) => new Response(readFileSync(dir + '/' + new URL(url).pathname.split('/').pop()));
      const model = await tfl.loadLayersModel(tf.io.http('http://example.test/m/model.json', { fetchFunc }));
      const x = tf.tensor(${JSON.stringify(Array.from(x.dataSync()))}, [3, 8, 8, 2]);
      console.log(JSON.stringify(Array.from(model.predict(x).dataSync())));
    `;
    const tsx = join(here, '..', 'node_modules', '.bin', 'tsx');
    const out = execFileSync(tsx, ['--input-type=module', '-e', script], {
      cwd: join(here, '..'),
      encoding: 'utf8',
    });
    expect(JSON.parse(out.trim().split('\n').pop() as string)).toEqual(Array.from(expectedOutput));
  });
});
