// Export a trained network as a standard tfjs LayersModel (model.json + binary weight shards, the layout of
// tensorflowjs_converter and tfjs-node's file:// handler), loadable with plain `tf.loadLayersModel`.
// The exported generator maps latent codes z ~ N(0, I) [n, latentDim] to samples in DATA space — the same numbers
// `Trainer.generate` / `dppgan sample` give (a tanh image generator gets a Rescaling x ↦ 0.5·x + 0.5 appended);
// the exported discriminator maps data-space samples [n, prod(dim)] to logits [n, 1].
// Invariant: the model is built from the trainer's own layer objects (no copy), so it holds exactly the trained
// weights — for a generator trained with "generatorEma", the moving average (unless `weights` is 'trained'),
// swapped in while it is saved, as Trainer.generate samples from it; `exportNetwork` disposes it afterwards,
// leaving the trainer's layers as they were.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { usageError } from '../errors.js';
import type { GeneratorWeights } from './generator-ema.js';
import type { Trainer } from './trainer.js';

/** Which network `exportNetwork` writes. */
export type ExportedNetwork = 'generator' | 'discriminator';

/** The networks `exportNetwork` can write. */
export const EXPORTED_NETWORKS: readonly ExportedNetwork[] = ['generator', 'discriminator'];

/** Size of one weight shard file, as tensorflowjs_converter writes them (4 MiB). */
export const WEIGHT_SHARD_BYTES = 4 * 1024 * 1024;

/**
 * What an exported model.json carries under `userDefinedMetadata.dppgan` (read it back with
 * `model.getUserDefinedMetadata()`): enough to sample from and draw the model without dppgan.
 */
export interface ExportMetadata {
  /** Version of this metadata layout. */
  format: 1;
  /** Which network the model is. */
  network: ExportedNetwork;
  /** The run's model builder name, e.g. "mlp-gdpp". */
  model: string;
  /** Training steps the weights have seen. */
  step: number;
  /** Latent code size (the generator's input is [n, latentDim]). */
  latentDim: number;
  /** How to draw latent codes: every entry i.i.d. N(0, 1). */
  latentDistribution: 'standard-normal';
  /** The dataset the run trained on. */
  data: {
    name: string;
    /** Shape of one sample; model inputs/outputs are flattened to [n, prod(shape)]. */
    shape: number[];
    /** Value range of image samples ([0, 1]) or null for vector data. */
    range: [number, number] | null;
    /** Mixture centres (synthetic data only). */
    centres?: number[][];
    /** Mixture component standard deviation (synthetic data only). */
    std?: number;
  };
  /** A generator exported from a run with "generatorEma": its weights are the moving average (decay, start). */
  generatorEma?: { decay: number; start: number };
}

/** The result of `exportNetwork`. */
export interface ExportResult {
  /** Absolute or relative path of the written model.json. */
  modelJson: string;
  /** Weight shard files written beside it (file names). */
  weightFiles: string[];
  /** Total weight bytes. */
  weightBytes: number;
  /** The metadata stored in model.json. */
  metadata: ExportMetadata;
}

/** The dppgan metadata an export of `trainer`'s `network` (from `weights`, for a generator) carries. */
export function exportMetadata(
  trainer: Trainer,
  network: ExportedNetwork,
  weights: GeneratorWeights = 'average',
): ExportMetadata {
  const { dataset, gan } = trainer;
  const data: ExportMetadata['data'] = {
    name: dataset.name,
    shape: [...dataset.dim],
    range: gan.pixelRange === null ? null : [0, 1],
  };
  if (dataset.centres) data.centres = dataset.centres.map((c) => [...c]);
  if (dataset.std !== undefined) data.std = dataset.std;
  return {
    format: 1,
    network,
    model: trainer.config.model,
    step: trainer.step,
    latentDim: trainer.latentDim,
    latentDistribution: 'standard-normal',
    data,
    ...(network === 'generator' && weights === 'average' && trainer.config.generatorEma
      ? { generatorEma: { ...trainer.config.generatorEma } }
      : {}),
  };
}

/**
 * A tfjs LayersModel over the trainer's own layers (shared, not copied) for `network`, in data space.
 * The caller disposes it (that leaves the trainer's weights alive); do not train it.
 */
export function networkModel(trainer: Trainer, network: ExportedNetwork): tfl.LayersModel {
  const { generator, discriminator, pixelRange } = trainer.gan;
  const symmetric = pixelRange === 'symmetric';
  const apply = (layers: tfl.layers.Layer[], input: tfl.SymbolicTensor) =>
    layers.reduce((h, layer) => layer.apply(h) as tfl.SymbolicTensor, input);
  if (network === 'generator') {
    const z = tfl.input({ shape: [generator.latentDim], name: 'z' });
    let x = apply(generator.stack.layers, z);
    if (x.shape.length !== 2) x = tfl.layers.flatten({ name: 'samples' }).apply(x) as tfl.SymbolicTensor;
    if (symmetric) {
      // tanh output in [−1, 1] → data space [0, 1], exactly as Trainer.generate maps it.
      x = tfl.layers
        .rescaling({ scale: 0.5, offset: 0.5, name: 'to_unit_range' })
        .apply(x) as tfl.SymbolicTensor;
    }
    return tfl.model({ inputs: z, outputs: x, name: 'generator' });
  }
  const size = discriminator.dataShape.reduce((a, b) => a * b, 1);
  const x = tfl.input({ shape: [size], name: 'x' });
  let h: tfl.SymbolicTensor = x;
  if (symmetric) {
    // data space [0, 1] → the [−1, 1] range the discriminator was trained on.
    h = tfl.layers
      .rescaling({ scale: 2, offset: -1, name: 'to_symmetric_range' })
      .apply(h) as tfl.SymbolicTensor;
  }
  let phi = apply(discriminator.featureStack.layers, h);
  if (phi.shape.length !== 2) phi = tfl.layers.flatten({ name: 'features' }).apply(phi) as tfl.SymbolicTensor;
  const logits = apply(discriminator.headStack.layers, phi);
  return tfl.model({ inputs: x, outputs: logits, name: 'discriminator' });
}

/**
 * A tfjs save handler writing `directory/model.json` and `group1-shard{i}of{n}.bin` weight shards (at most
 * `shardBytes` each) — the layout `tf.loadLayersModel('…/model.json')` reads over HTTP. Node only.
 */
export function fileSaveHandler(directory: string, shardBytes = WEIGHT_SHARD_BYTES): tf.io.IOHandler {
  return {
    save: async (artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
      const weights = new Uint8Array(
        tf.io.CompositeArrayBuffer.join(artifacts.weightData as ArrayBuffer | ArrayBuffer[]),
      );
      const shards = Math.max(1, Math.ceil(weights.byteLength / shardBytes));
      const paths = Array.from({ length: shards }, (_, i) => `group1-shard${i + 1}of${shards}.bin`);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths, weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      mkdirSync(directory, { recursive: true });
      paths.forEach((path, i) => {
        writeFileSync(join(directory, path), weights.subarray(i * shardBytes, (i + 1) * shardBytes));
      });
      writeFileSync(join(directory, 'model.json'), `${JSON.stringify(modelJson)}\n`);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** A tfjs load handler reading what `fileSaveHandler` (or tensorflowjs_converter) wrote in `directory`. Node only. */
export function fileLoadHandler(directory: string): tf.io.IOHandler {
  return {
    load: async () => {
      const modelJson = JSON.parse(readFileSync(join(directory, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = manifest.flatMap((group) =>
          group.paths.map((path) => {
            const bytes = readFileSync(join(directory, path));
            return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
          }),
        );
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

/**
 * Write `trainer`'s generator (default) or discriminator into `directory` as a tfjs LayersModel with dppgan
 * metadata (see ExportMetadata). A generator loads with plain tfjs; a spectrally normalised discriminator needs
 * `import 'dppgan/layers'` first. `weights` picks a generator's moving average (default, when the run keeps one)
 * or its trained weights.
 */
export async function exportNetwork(
  trainer: Trainer,
  directory: string,
  network: ExportedNetwork = 'generator',
  weights: GeneratorWeights = 'average',
): Promise<ExportResult> {
  if (!EXPORTED_NETWORKS.includes(network)) {
    throw usageError(`cannot export "${network}": expected one of ${EXPORTED_NETWORKS.join(', ')}`);
  }
  const metadata = exportMetadata(trainer, network, weights);
  const model = networkModel(trainer, network);
  try {
    model.setUserDefinedMetadata({ dppgan: metadata });
    let weightBytes = 0;
    let weightFiles: string[] = [];
    const save = fileSaveHandler(directory);
    const ema = network === 'generator' && weights === 'average' ? trainer.generatorEma : null;
    const write = (): Promise<unknown> =>
      model.save({
        save: async (artifacts) => {
          const result = await save.save!(artifacts);
          weightBytes = result.modelArtifactsInfo.weightDataBytes ?? 0;
          const shards = Math.max(1, Math.ceil(weightBytes / WEIGHT_SHARD_BYTES));
          weightFiles = Array.from({ length: shards }, (_, i) => `group1-shard${i + 1}of${shards}.bin`);
          return result;
        },
      });
    await (ema ? ema.useAsync(write) : write());
    return { modelJson: join(directory, 'model.json'), weightFiles, weightBytes, metadata };
  } finally {
    model.dispose();
  }
}
