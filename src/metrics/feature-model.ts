// FID/KID on a user-supplied network's features: a tfjs graph model (e.g. Inception-v3 converted with
// tensorflowjs_converter) or a tfjs LayersModel, loaded from a directory or a model.json path in Node (model.json +
// weight shards read with node:fs: tfjs-core has no file:// handler without tfjs-node).
// Images (flat NHWC in [0, 1], the data space of every dppgan dataset) are resized bilinearly (half-pixel centres,
// as TF2's tf.image.resize) to the model's input H×W, gray → RGB by repetition (RGB → gray by the channel mean),
// mapped affinely to the model's input range, and fed in batches; a rank-4 output is averaged over its spatial
// positions (Inception's pool_3 is 1×1, so this is a plain flatten there), other outputs are flattened.
// Invariant: every tensor a batch creates is disposed before the next batch; only the model's weights persist
// until `dispose()`.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import * as tfc from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { DppganError, runtimeError, usageError } from '../errors.js';
// Registers SpectralNormalization, so an exported dppgan discriminator loads as a feature model.
import '../nn/spectral-norm.js';
import type { Random } from '../random.js';
import { frechetDistance, kernelDistance } from './feature-statistics.js';

/** The two tfjs model formats a feature model may have (model.json "format"). */
export type FeatureModelFormat = 'graph-model' | 'layers-model';

/** The `output` value that selects a LayersModel's penultimate layer (the input of its last layer). */
export const PENULTIMATE = 'penultimate';

/** Options of `loadFeatureModel`. */
export interface FeatureModelOptions {
  /**
   * Where the features come from: a graph node name ("pool_3" or "pool_3:0") for a graph model; a layer name, or
   * "penultimate", for a LayersModel. Default: the model's (single) output.
   */
  output?: string;
  /** Input height and width to resize images to; default the model's input H×W (else the images' own size). */
  inputSize?: [number, number];
  /**
   * Pixel range the model expects: [0, 1] and [−1, 1] are usual, [0, 255] for byte-input models. Default: the
   * model.json's `userDefinedMetadata.inputRange` (or `.dppgan.inputRange`), else [0, 1].
   */
  range?: [number, number];
  /** Images per inference batch (default 50; a model with a fixed batch size uses that). */
  batchSize?: number;
  /** Name shown in metric labels (default: the model's folder name, or the .json file's stem). */
  name?: string;
}

/** A loaded feature model: maps images to feature vectors. Dispose it when done. */
export interface FeatureModel {
  /** Name shown in labels, e.g. "inception-v3". */
  readonly name: string;
  /** The model.json that was loaded. */
  readonly path: string;
  readonly format: FeatureModelFormat;
  /** The node or layer the features are read from. */
  readonly output: string;
  /** The pixel range images are mapped to. */
  readonly range: [number, number];
  /** Where `range` came from. */
  readonly rangeSource: 'option' | 'metadata' | 'default';
  /** The model's input shape without the batch dimension (null = any). */
  readonly inputShape: (number | null)[];
  /**
   * Identity of the features: SHA-256 of model.json and its weight files, the output, the range and the input
   * size. Equal keys give equal features (for caching evaluations).
   */
  readonly key: string;
  /** Throws a one-line usage error when images of `shape` ([h, w, c]) cannot be fed to the model. */
  checkImageShape(shape: readonly number[]): void;
  /** Features of n images (flat NHWC in [0, 1] of `shape`): n × dim row-major. */
  features(images: Float32Array, n: number, shape: readonly number[]): Promise<FeatureSet>;
  /** Free the model's weights. */
  dispose(): void;
}

/** n feature rows of dimension dim, row-major. */
export interface FeatureSet {
  values: Float32Array;
  n: number;
  dim: number;
}

/** FID and KID of generated vs real images on a feature model's features. */
export interface FeatureModelDistances {
  fid: number;
  /** KID: mean over subsets of the unbiased cubic-kernel MMD². */
  kid: number;
  kidStd: number;
  featureDim: number;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/** model.json inside `path` (a directory) or `path` itself; usage error when neither exists. */
export function resolveModelJson(path: string): string {
  if (!existsSync(path)) {
    throw usageError(
      `feature model ${path}: no such file or directory (expected a tfjs model directory with model.json, or the model.json itself)`,
    );
  }
  if (statSync(path).isDirectory()) {
    const file = join(path, 'model.json');
    if (!existsSync(file)) {
      throw usageError(
        `feature model ${path}: the directory has no model.json (expected a tfjs model as written by tensorflowjs_converter or model.save)`,
      );
    }
    return file;
  }
  return path;
}

/** Parse and sanity-check a tfjs model.json: its format (declared or inferred) and the JSON itself. */
export function readModelJson(file: string): { json: tf.io.ModelJSON; format: FeatureModelFormat } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw usageError(
      `feature model ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? firstLine(error)})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw runtimeError(`feature model ${file}: corrupt model.json, not valid JSON (${firstLine(error)})`);
  }
  const notModel = (got: string): never => {
    throw usageError(
      `feature model ${file}: not a tfjs model (expected a model.json with "modelTopology" and "weightsManifest", got ${got}); convert the model with tensorflowjs_converter first`,
    );
  };
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    notModel(Array.isArray(json) ? 'a JSON array' : `JSON ${json === null ? 'null' : typeof json}`);
  }
  const model = json as Record<string, unknown>;
  const topology = model.modelTopology as Record<string, unknown> | undefined;
  if (!topology || typeof topology !== 'object' || !Array.isArray(model.weightsManifest)) {
    notModel(`a JSON object with keys ${Object.keys(model).slice(0, 6).join(', ') || '(none)'}`);
  }
  const declared = model.format;
  let format: FeatureModelFormat;
  if (declared === 'graph-model' || declared === 'layers-model') format = declared;
  else if (declared === undefined && Array.isArray(topology!.node)) format = 'graph-model';
  else if (declared === undefined && ('model_config' in topology! || 'class_name' in topology!))
    format = 'layers-model';
  else format = notModel(`"format": ${JSON.stringify(declared)}`);
  if (format === 'graph-model' && !Array.isArray(topology!.node)) {
    throw runtimeError(`feature model ${file}: corrupt graph model, "modelTopology" has no "node" list`);
  }
  for (const group of model.weightsManifest as unknown[]) {
    const g = group as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(g?.paths) || !Array.isArray(g?.weights)) {
      throw runtimeError(
        `feature model ${file}: corrupt "weightsManifest" (each group needs "paths" and "weights")`,
      );
    }
  }
  return { json: model as unknown as tf.io.ModelJSON, format };
}

/** Bytes one weight occupies in the shards, or null when unknown (strings). */
function weightBytes(spec: tf.io.WeightsManifestEntry): number | null {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const q = spec.quantization?.dtype;
  if (q) return size * (q === 'uint8' ? 1 : 2);
  const per = DTYPE_BYTES[spec.dtype];
  return per === undefined ? null : size * per;
}

/**
 * A tfjs load handler for `file` (model.json) and the weight shards its manifest names, read with node:fs from the
 * same directory. Checks that every shard exists inside that directory and that the shards hold exactly the bytes
 * the manifest's weights need (a truncated download fails here, not as garbage features). Node only.
 */
export function modelFileHandler(file: string, json?: tf.io.ModelJSON): tf.io.IOHandler {
  const directory = dirname(resolve(file));
  return {
    load: async () => {
      const modelJson = json ?? readModelJson(file).json;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers: ArrayBuffer[] = [];
        let found = 0;
        for (const path of manifest.flatMap((group) => group.paths)) {
          const shard = resolve(directory, path);
          const inside = relative(directory, shard);
          if (inside.startsWith('..') || resolve(directory, inside) !== shard) {
            throw runtimeError(
              `feature model ${file}: weight file "${path}" lies outside the model's directory; refusing to read it`,
            );
          }
          let bytes: Buffer;
          try {
            bytes = readFileSync(shard);
          } catch (error) {
            throw runtimeError(
              `feature model ${file}: weight file ${path} is missing or unreadable (${(error as NodeJS.ErrnoException).code ?? firstLine(error)})`,
            );
          }
          found += bytes.byteLength;
          buffers.push(
            bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
          );
        }
        const sizes = specs.map(weightBytes);
        if (sizes.every((s) => s !== null)) {
          const needed = (sizes as number[]).reduce((a, b) => a + b, 0);
          if (found !== needed) {
            throw runtimeError(
              `feature model ${file}: weight files hold ${found} bytes but the manifest's ${specs.length} weights need ${needed}${found < needed ? ' (truncated download?)' : ''}; re-download or re-convert the model`,
            );
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

function metadataRange(json: tf.io.ModelJSON): [number, number] | null {
  const meta = json.userDefinedMetadata as Record<string, unknown> | undefined;
  const dppgan = meta?.dppgan as Record<string, unknown> | undefined;
  const candidate = meta?.inputRange ?? dppgan?.inputRange;
  if (
    Array.isArray(candidate) &&
    candidate.length === 2 &&
    candidate.every((v) => typeof v === 'number' && Number.isFinite(v)) &&
    candidate[0] < candidate[1]
  ) {
    return [candidate[0], candidate[1]];
  }
  return null;
}

/** SHA-256 (16 hex digits) of model.json and the weight files its manifest names (read after a successful load). */
function fingerprint(file: string, json: tf.io.ModelJSON): string {
  const hash = createHash('sha256').update(readFileSync(file));
  for (const group of json.weightsManifest) {
    for (const path of group.paths) hash.update(readFileSync(resolve(dirname(resolve(file)), path)));
  }
  return hash.digest('hex').slice(0, 16);
}

function defaultName(file: string): string {
  const base = basename(file);
  return base === 'model.json' ? basename(dirname(resolve(file))) : base.replace(/\.json$/, '');
}

/** How one batch of images becomes the model's input tensor. */
interface InputPlan {
  size: [number, number] | null;
  channels: number;
  flatten: boolean;
}

/** What the loader found out about a model (the constructor argument of the extractors). */
interface ModelInfo {
  name: string;
  path: string;
  output: string;
  range: [number, number];
  rangeSource: 'option' | 'metadata' | 'default';
  inputShape: (number | null)[];
  key: string;
  inputSize: [number, number] | undefined;
  batchSize: number;
  fixedBatch: number | null;
}

/** Shared preprocessing, batching and post-processing; subclasses only run the network. */
abstract class BaseFeatureModel implements FeatureModel {
  abstract readonly format: FeatureModelFormat;
  protected abstract readonly inputDtype: tf.DataType;

  readonly name: string;
  readonly path: string;
  readonly output: string;
  readonly range: [number, number];
  readonly rangeSource: 'option' | 'metadata' | 'default';
  readonly inputShape: (number | null)[];
  readonly key: string;
  private readonly inputSize: [number, number] | undefined;
  private readonly batchSize: number;
  /** The model's batch dimension when fixed (e.g. 1), else null. */
  private readonly fixedBatch: number | null;

  constructor(info: ModelInfo) {
    this.name = info.name;
    this.path = info.path;
    this.output = info.output;
    this.range = info.range;
    this.rangeSource = info.rangeSource;
    this.inputShape = info.inputShape;
    this.key = info.key;
    this.inputSize = info.inputSize;
    this.batchSize = info.batchSize;
    this.fixedBatch = info.fixedBatch;
  }

  protected abstract run(batch: tf.Tensor): Promise<tf.Tensor>;
  abstract dispose(): void;

  private incompatible(shape: readonly number[], why: string): DppganError {
    const model = `[${this.inputShape.map((d) => d ?? '?').join(', ')}]`;
    return usageError(
      `feature model ${this.name}: input shape incompatible, images [${shape.join(', ')}] cannot feed input ${model} (${why})`,
    );
  }

  private plan(shape: readonly number[]): InputPlan {
    if (shape.length !== 3 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw usageError(
        `feature model ${this.name}: expected images of shape [height, width, channels], got data of shape [${shape.join(', ')}]`,
      );
    }
    const [h, w, c] = shape;
    const dims = this.inputShape;
    if (dims.length === 1) {
      // Flat input [n, D]: the images as they are (or resized), flattened.
      const size = this.inputSize ?? null;
      const [th, tw] = size ?? [h, w];
      if (dims[0] !== null && dims[0] !== th * tw * c) {
        throw this.incompatible(
          shape,
          `${th}×${tw}×${c} = ${th * tw * c} values per image, the model takes ${dims[0]}`,
        );
      }
      return { size: size && (size[0] !== h || size[1] !== w) ? size : null, channels: c, flatten: true };
    }
    if (dims.length !== 3)
      throw this.incompatible(shape, 'expected an NHWC image input of rank 4 or a flat input');
    const [mh, mw, mc] = dims;
    const th = this.inputSize?.[0] ?? mh ?? h;
    const tw = this.inputSize?.[1] ?? mw ?? w;
    const channels = mc ?? c;
    if (channels !== c && !(channels === 3 && c === 1) && !(channels === 1 && c === 3)) {
      throw this.incompatible(shape, `${c} image channels, the model takes ${channels}`);
    }
    return { size: th !== h || tw !== w ? [th, tw] : null, channels, flatten: false };
  }

  /** Throws a one-line usage error when the requested input size contradicts the model's fixed H×W. */
  checkInputSize(): void {
    const dims = this.inputShape;
    if (!this.inputSize || dims.length !== 3) return;
    const [sh, sw] = this.inputSize;
    const [mh, mw] = dims;
    if ((mh !== null && mh !== sh) || (mw !== null && mw !== sw)) {
      throw usageError(
        `feature model ${this.name}: input shape incompatible, the requested input size ${sh}×${sw} differs from the model's ${mh ?? '?'}×${mw ?? '?'}; leave the input size out to use the model's`,
      );
    }
  }

  checkImageShape(shape: readonly number[]): void {
    this.plan(shape);
  }

  private prepare(images: Float32Array, m: number, shape: readonly number[], plan: InputPlan): tf.Tensor {
    return tf.tidy(() => {
      const [h, w, c] = shape;
      let x: tf.Tensor4D = tf.tensor4d(images, [m, h, w, c]);
      if (plan.size) x = tf.image.resizeBilinear(x, plan.size, false, true);
      if (plan.channels === 3 && c === 1) x = tf.tile(x, [1, 1, 1, 3]);
      else if (plan.channels === 1 && c === 3) x = tf.mean(x, 3, true);
      const [lo, hi] = this.range;
      let y: tf.Tensor = lo === 0 && hi === 1 ? x : tf.add(tf.mul(x, hi - lo), lo);
      if (plan.flatten) y = tf.reshape(y, [m, -1]);
      if (this.inputDtype === 'int32') y = tf.cast(tf.round(y), 'int32');
      return y;
    });
  }

  async features(images: Float32Array, n: number, shape: readonly number[]): Promise<FeatureSet> {
    const plan = this.plan(shape);
    const pixels = shape[0] * shape[1] * shape[2];
    if (images.length < n * pixels) {
      throw usageError(
        `feature model ${this.name}: ${images.length} values cannot hold ${n} images of [${shape.join(', ')}]`,
      );
    }
    const fixedBatch = this.fixedBatch;
    const batch = fixedBatch ?? this.batchSize;
    let values = new Float32Array(0);
    let dim = 0;
    for (let start = 0; start < n; start += batch) {
      const m = Math.min(batch, n - start);
      // A fixed-batch model gets the last partial batch padded with copies of its first image.
      const rows = fixedBatch ?? m;
      const slice = new Float32Array(rows * pixels);
      slice.set(images.subarray(start * pixels, (start + m) * pixels));
      for (let r = m; r < rows; r++) slice.copyWithin(r * pixels, 0, pixels);
      const input = this.prepare(slice, rows, shape, plan);
      let raw: tf.Tensor;
      try {
        raw = await this.run(input);
      } catch (error) {
        if (error instanceof DppganError) throw error;
        throw runtimeError(
          `feature model ${this.name}: inference failed on input [${input.shape.join(', ')}] (${firstLine(error)})`,
        );
      } finally {
        input.dispose();
      }
      if (raw.rank === 0 || raw.shape[0] !== rows) {
        const outShape = raw.shape;
        raw.dispose();
        throw usageError(
          `feature model ${this.name}: output "${this.output}" has shape [${outShape.join(', ')}], which is not one row per image (batch ${rows}); choose another output node or layer`,
        );
      }
      const flat = tf.tidy(() => {
        const y = raw.dtype === 'float32' ? raw : tf.cast(raw, 'float32');
        // Spatial maps [n, h, w, c] → global average over h, w (a flatten for Inception's 1×1 pool_3).
        const pooled = y.rank === 4 ? tf.mean(y, [1, 2]) : y;
        return tf.reshape(pooled, [rows, -1]);
      });
      raw.dispose();
      const data = flat.dataSync() as Float32Array;
      const d = flat.shape[1]!;
      flat.dispose();
      if (dim === 0) {
        dim = d;
        values = new Float32Array(n * dim);
      }
      values.set(data.subarray(0, m * dim), start * dim);
    }
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        throw runtimeError(
          `feature model ${this.name}: output "${this.output}" gave non-finite features (NaN/Inf)`,
        );
      }
    }
    return { values, n, dim };
  }
}

function normalizeShape(shape: readonly (number | null | undefined)[] | undefined): (number | null)[] | null {
  if (!shape) return null;
  return shape.map((d) => (d === null || d === undefined || d < 0 ? null : d));
}

class GraphFeatureModel extends BaseFeatureModel {
  readonly format = 'graph-model' as const;
  protected readonly inputDtype: tf.DataType;
  private async = false;

  constructor(
    private readonly model: tfc.GraphModel,
    private readonly inputName: string,
    inputDtype: tf.DataType,
    info: ModelInfo,
  ) {
    super(info);
    this.inputDtype = inputDtype;
  }

  protected async run(batch: tf.Tensor): Promise<tf.Tensor> {
    const feed = { [this.inputName]: batch };
    if (!this.async) {
      try {
        return tf.tidy(() => this.model.execute(feed, this.output) as tf.Tensor);
      } catch (error) {
        // Control-flow graphs (While/If) only run asynchronously.
        if (!/executeAsync/.test(firstLine(error))) throw error;
        this.async = true;
      }
    }
    return (await this.model.executeAsync(feed, this.output)) as tf.Tensor;
  }

  dispose(): void {
    this.model.dispose();
  }
}

class LayersFeatureModel extends BaseFeatureModel {
  readonly format = 'layers-model' as const;
  protected readonly inputDtype: tf.DataType;

  constructor(
    private readonly model: tfl.LayersModel,
    private readonly features_: tfl.LayersModel,
    inputDtype: tf.DataType,
    info: ModelInfo,
  ) {
    super(info);
    this.inputDtype = inputDtype;
  }

  protected async run(batch: tf.Tensor): Promise<tf.Tensor> {
    return tf.tidy(() => this.features_.predict(batch) as tf.Tensor);
  }

  dispose(): void {
    // `features_` is a view over the same layers; disposing the full model frees their weights.
    this.model.dispose();
  }
}

function graphNodeNames(json: tf.io.ModelJSON): Set<string> {
  const nodes = (json.modelTopology as { node?: { name?: string }[] }).node ?? [];
  return new Set(nodes.map((n) => n.name ?? ''));
}

function listing(names: string[], max = 12): string {
  return names.length <= max
    ? names.join(', ')
    : `${names.slice(0, max).join(', ')}, … (${names.length} in all)`;
}

async function loadGraph(
  file: string,
  json: tf.io.ModelJSON,
  opts: FeatureModelOptions,
): Promise<{
  model: tfc.GraphModel;
  inputName: string;
  dtype: tf.DataType;
  shape: (number | null)[];
  batch: number | null;
  output: string;
}> {
  const model = await tfc.loadGraphModel(modelFileHandler(file, json));
  try {
    const inputs = model.inputs;
    if (inputs.length !== 1) {
      throw usageError(
        `feature model ${file}: the graph has ${inputs.length} inputs (${listing(inputs.map((i) => i.name))}); a feature model takes one image input`,
      );
    }
    let output = opts.output;
    if (output === undefined) {
      const outputs = model.outputNodes;
      if (outputs.length !== 1) {
        throw usageError(
          `feature model ${file}: the graph has ${outputs.length} outputs (${listing(outputs)}); choose one with the output option (--feature-output)`,
        );
      }
      output = outputs[0];
    } else {
      const nodes = graphNodeNames(json);
      const base = output.replace(/:\d+$/, '');
      if (output === PENULTIMATE || !nodes.has(base)) {
        throw usageError(
          `feature model ${file}: output node "${output}" not found in the graph (its outputs: ${listing(model.outputNodes)}; ${nodes.size} nodes in all)`,
        );
      }
    }
    const shape = normalizeShape(inputs[0].shape);
    return {
      model,
      inputName: inputs[0].name,
      dtype: inputs[0].dtype,
      shape: shape ? shape.slice(1) : [null, null, null],
      batch: shape?.[0] ?? null,
      output,
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

function symbolicOutput(model: tfl.LayersModel, file: string, output: string | undefined) {
  if (output === undefined) {
    if (model.outputs.length !== 1) {
      throw usageError(
        `feature model ${file}: the model has ${model.outputs.length} outputs; choose a layer with the output option (--feature-output)`,
      );
    }
    return { tensor: model.outputs[0], name: model.outputs[0].sourceLayer.name };
  }
  if (output === PENULTIMATE) {
    const last = model.layers[model.layers.length - 1];
    const input = model.layers.length > 1 ? last.input : null;
    if (!input || Array.isArray(input)) {
      throw usageError(
        `feature model ${file}: no single penultimate layer (last layer "${last?.name}" has ${Array.isArray(input) ? input.length : 0} inputs); name a layer with --feature-output`,
      );
    }
    return { tensor: input, name: `${PENULTIMATE} (input of ${last.name})` };
  }
  const layer = model.layers.find((l) => l.name === output);
  if (!layer) {
    throw usageError(
      `feature model ${file}: output layer "${output}" not found (layers: ${listing(model.layers.map((l) => l.name))})`,
    );
  }
  const tensor = layer.output;
  if (Array.isArray(tensor)) {
    throw usageError(
      `feature model ${file}: layer "${output}" has ${tensor.length} outputs; choose a single-output layer`,
    );
  }
  return { tensor, name: output };
}

/**
 * Load a feature extractor from `path` (a directory holding model.json, or a model.json file): a tfjs graph model
 * (tfjs-converter) or LayersModel. Errors a user can cause (missing path, not a tfjs model, corrupt model.json,
 * missing/truncated weights, unknown output node or layer) are one-line DppganErrors.
 *
 * @example
 * const model = await loadFeatureModel('models/inception-v3', { output: 'pool_3', range: [-1, 1] });
 * const { values, dim } = await model.features(images, n, [28, 28, 3]);
 * model.dispose();
 */
export async function loadFeatureModel(path: string, opts: FeatureModelOptions = {}): Promise<FeatureModel> {
  const batchSize = opts.batchSize ?? 50;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw usageError(`feature model batch size: expected an integer ≥ 1, got ${batchSize}`);
  }
  if (opts.range && !(opts.range[0] < opts.range[1])) {
    throw usageError(`feature model range: expected low < high, got [${opts.range.join(', ')}]`);
  }
  if (opts.inputSize?.some((d) => !Number.isInteger(d) || d < 1)) {
    throw usageError(`feature model input size: expected two integers ≥ 1, got ${opts.inputSize.join('×')}`);
  }
  const file = resolveModelJson(path);
  const { json, format } = readModelJson(file);
  const name = opts.name ?? defaultName(file);
  const fromMetadata = metadataRange(json);
  const range = opts.range ?? fromMetadata ?? [0, 1];
  const rangeSource = opts.range ? 'option' : fromMetadata ? 'metadata' : 'default';
  const checked = <T extends BaseFeatureModel>(model: T): T => {
    try {
      model.checkInputSize();
      return model;
    } catch (error) {
      model.dispose();
      throw error;
    }
  };
  const common = (output: string, inputShape: (number | null)[], fixedBatch: number | null): ModelInfo => ({
    name,
    path: file,
    output,
    range,
    rangeSource,
    inputShape,
    key: [fingerprint(file, json), output, range.join(','), opts.inputSize?.join('x') ?? 'model'].join('|'),
    inputSize: opts.inputSize,
    batchSize,
    fixedBatch,
  });
  try {
    if (format === 'graph-model') {
      const g = await loadGraph(file, json, opts);
      return checked(
        new GraphFeatureModel(g.model, g.inputName, g.dtype, common(g.output, g.shape, g.batch)),
      );
    }
    const model = await tfl.loadLayersModel(modelFileHandler(file, json));
    try {
      if (model.inputs.length !== 1) {
        throw usageError(
          `feature model ${file}: the model has ${model.inputs.length} inputs; a feature model takes one image input`,
        );
      }
      const { tensor, name: output } = symbolicOutput(model, file, opts.output);
      const view = tensor === model.outputs[0] ? model : tfl.model({ inputs: model.inputs, outputs: tensor });
      const full = normalizeShape(model.inputs[0].shape)!;
      const extractor = new LayersFeatureModel(
        model,
        view,
        model.inputs[0].dtype,
        common(output, full.slice(1), full[0]),
      );
      extractor.checkInputSize();
      return extractor;
    } catch (error) {
      model.dispose();
      throw error;
    }
  } catch (error) {
    if (error instanceof DppganError) throw error;
    throw runtimeError(`feature model ${file}: cannot load the ${format} (${firstLine(error)})`);
  }
}

/**
 * FID and KID between generated and real images (flat NHWC in [0, 1] of `shape`) on `model`'s features.
 * KID uses `subsets` random subsets of min(1000, n) rows each, drawn from `random`.
 */
export async function featureModelDistances(
  model: FeatureModel,
  generated: { images: Float32Array; n: number },
  real: { images: Float32Array; n: number },
  shape: readonly number[],
  random: Random,
  opts: { subsets?: number; subsetSize?: number } = {},
): Promise<FeatureModelDistances> {
  const a = await model.features(generated.images, generated.n, shape);
  const b = await model.features(real.images, real.n, shape);
  const fid = frechetDistance(a.values, a.n, b.values, b.n, a.dim);
  const kid = kernelDistance(a.values, a.n, b.values, b.n, a.dim, random, {
    subsets: opts.subsets ?? 10,
    subsetSize: opts.subsetSize ?? Math.min(1000, a.n, b.n),
  });
  return { fid, kid: kid.mean, kidStd: kid.std, featureDim: a.dim };
}
