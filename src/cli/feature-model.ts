// The `--feature-model` option family shared by `dppgan eval` and `dppgan bench stacked-mnist`: FID/KID on a
// user-supplied tfjs graph model or LayersModel (e.g. Inception-v3 converted with tensorflowjs_converter), shown
// under labels naming the model ("FID (user model: inception-v3)") so they are never confused with the FID/KID on
// dppgan's own MNIST-classifier features.
import { type Command, InvalidArgumentError } from 'commander';
import { usageError } from '../errors.js';
import {
  type FeatureModel,
  type FeatureModelDistances,
  type FeatureModelOptions,
  featureModelDistances,
  loadFeatureModel,
} from '../metrics/index.js';
import type { Random } from '../random.js';
import { integerOption } from './options.js';

/** The parsed `--feature-*` options of a command. */
export interface FeatureModelCliOptions {
  featureModel?: string;
  featureOutput?: string;
  featureInputSize?: [number, number];
  featureRange?: [number, number];
  featureBatch?: number;
}

const RANGE_NAMES: Record<string, [number, number]> = { unit: [0, 1], symmetric: [-1, 1], byte: [0, 255] };

function sizeOption(value: string): [number, number] {
  const match = /^\s*(\d+)\s*(?:[x×,]\s*(\d+))?\s*$/.exec(value);
  const h = match ? Number(match[1]) : Number.NaN;
  const w = match?.[2] !== undefined ? Number(match[2]) : h;
  if (!match || !(h >= 1 && w >= 1)) {
    throw new InvalidArgumentError(`expected HxW (e.g. 299x299) or one size for both, got "${value}"`);
  }
  return [h, w];
}

function rangeOption(value: string): [number, number] {
  const named = RANGE_NAMES[value.trim()];
  if (named) return named;
  const parts = value.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 2 || !parts.every(Number.isFinite) || !(parts[0] < parts[1])) {
    throw new InvalidArgumentError(
      `expected "low,high" with low < high (e.g. 0,1 or -1,1) or one of ${Object.keys(RANGE_NAMES).join(', ')}, got "${value}"`,
    );
  }
  return [parts[0], parts[1]];
}

/** Add `--feature-model` and its companions to `command`. */
export function addFeatureModelOptions(command: Command): Command {
  return command
    .option(
      '--feature-model <path>',
      'also compute FID/KID on the features of this tfjs graph model or LayersModel (a directory with model.json, or the model.json), e.g. Inception-v3 converted with tensorflowjs_converter',
    )
    .option(
      '--feature-output <name>',
      'feature-model output: a graph node (e.g. pool_3) or a layer name, or "penultimate" (LayersModel); default the model\'s output',
    )
    .option(
      '--feature-input-size <HxW>',
      "resize images to HxW for the feature model (default: the model's input size, else the images' own)",
      sizeOption,
    )
    .option(
      '--feature-range <low,high>',
      'pixel range the feature model expects: 0,1 | -1,1 | 0,255 (default: model.json userDefinedMetadata.inputRange, else 0,1)',
      rangeOption,
    )
    .option('--feature-batch <n>', 'feature-model inference batch size (default 50)', integerOption(1));
}

/** Load the feature model the options name (null when --feature-model is absent). */
export async function loadCliFeatureModel(opts: FeatureModelCliOptions): Promise<FeatureModel | null> {
  if (opts.featureModel === undefined) {
    const stray = (
      [
        ['--feature-output', opts.featureOutput],
        ['--feature-input-size', opts.featureInputSize],
        ['--feature-range', opts.featureRange],
        ['--feature-batch', opts.featureBatch],
      ] as const
    ).find(([, value]) => value !== undefined);
    if (stray) throw usageError(`${stray[0]} applies only with --feature-model PATH`);
    return null;
  }
  const options: FeatureModelOptions = {
    output: opts.featureOutput,
    inputSize: opts.featureInputSize,
    range: opts.featureRange,
    batchSize: opts.featureBatch,
  };
  return loadFeatureModel(opts.featureModel, options);
}

/** What `dppgan eval` writes to eval.json under "featureModel". */
export interface FeatureModelMetrics extends FeatureModelDistances {
  /** The label the rows carry, "user model: <name>". */
  label: string;
  name: string;
  path: string;
  format: string;
  output: string;
  range: [number, number];
  rangeSource: string;
}

/** FID/KID of generated vs real images on the feature model, with the model's description. */
export async function featureModelMetrics(
  model: FeatureModel,
  generated: Float32Array,
  real: Float32Array,
  n: number,
  shape: readonly number[],
  random: Random,
): Promise<FeatureModelMetrics> {
  const distances = await featureModelDistances(
    model,
    { images: generated, n },
    { images: real, n },
    shape,
    random,
  );
  return {
    label: `user model: ${model.name}`,
    name: model.name,
    path: model.path,
    format: model.format,
    output: model.output,
    range: model.range,
    rangeSource: model.rangeSource,
    fid: round(distances.fid, 4),
    kid: round(distances.kid, 6),
    kidStd: round(distances.kidStd, 6),
    featureDim: distances.featureDim,
  };
}

/** The printed rows: "FID (user model: x) …", "KID (user model: x) …" and one line describing the features. */
export function featureModelLines(m: FeatureModelMetrics): string[] {
  return [
    `FID (${m.label}): ${m.fid.toFixed(4)}`,
    `KID (${m.label}): ${m.kid.toFixed(6)} ± ${m.kidStd.toFixed(6)}`,
    `(${m.featureDim}-d features from ${m.format} output "${m.output}" of ${m.path}; pixels in [${m.range.join(', ')}] (${m.rangeSource}))`,
  ];
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
