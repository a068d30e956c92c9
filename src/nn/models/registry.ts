// Model registry: name → builder. `buildGan` builds both networks for a data shape, wraps every discriminator
// Dense/Conv in spectral normalization when asked, creates the weights, and initialises them from the seeded
// Random (so the same seed gives the same networks on every run).
import type * as tfl from '@tensorflow/tfjs-layers';
import { usageError } from '../../errors.js';
import type { Random } from '../../random.js';
import { dcganSmnist } from './dcgan-smnist.js';
import { initializeLayers } from './init.js';
import { mlpGdpp } from './mlp-gdpp.js';
import { buildNetworks, type Discriminator, type Generator } from './network.js';
import { snCnn } from './sn-cnn.js';
import { spectralNormWrapper } from './spectral-wrap.js';
import type { ModelSpec, WrapLayer } from './types.js';

/** The model builders a config may name (`"model"`). */
export const MODEL_NAMES = ['mlp-gdpp', 'dcgan-smnist', 'sn-cnn'] as const;
/** One of MODEL_NAMES. */
export type ModelName = (typeof MODEL_NAMES)[number];

const BUILDERS: Record<ModelName, (dataShape: number[], wrap: WrapLayer) => ModelSpec> = {
  'mlp-gdpp': mlpGdpp,
  'dcgan-smnist': dcganSmnist,
  'sn-cnn': snCnn,
};

/** Options of `buildGan`. */
export interface BuildGanOptions {
  /** Shape of one data sample, e.g. [2] or [28, 28, 3]. */
  dataShape: number[];
  /** Wrap every discriminator Dense/Conv layer in SpectralNormalization. */
  spectralNorm?: boolean;
  /** Power iterations per training step of each spectral-norm layer (default 1). */
  powerIterations?: number;
  /** The 'init' stream: every initial weight (and SN u vector) is drawn from it. */
  random: Random;
}

/** A generator and discriminator built for one data shape. */
export interface Gan {
  name: ModelName;
  generator: Generator;
  discriminator: Discriminator;
  /** Pixel range of generated images ('unit' [0,1], 'symmetric' [−1,1]) or null for vector data. */
  pixelRange: 'unit' | 'symmetric' | null;
  /** Dispose both networks. */
  dispose(): void;
}

/** Build, create and initialise (from the seeded Random) the named model's two networks for a data shape. */
export function buildGan(name: string, opts: BuildGanOptions): Gan {
  if (!(MODEL_NAMES as readonly string[]).includes(name)) {
    throw usageError(`unknown model "${name}": expected one of ${MODEL_NAMES.join(', ')}`);
  }
  const wrap: WrapLayer = opts.spectralNorm
    ? spectralNormWrapper(opts.powerIterations ?? 1)
    : (layer: tfl.layers.Layer) => layer;
  const spec = BUILDERS[name as ModelName](opts.dataShape, wrap);
  buildNetworks(spec.generator, spec.discriminator);
  initializeLayers(spec.generator.stack.layers, spec.init, opts.random);
  initializeLayers(spec.discriminator.layers, spec.init, opts.random);
  return {
    name: name as ModelName,
    generator: spec.generator,
    discriminator: spec.discriminator,
    pixelRange: spec.pixelRange,
    dispose() {
      spec.generator.stack.dispose();
      spec.discriminator.dispose();
    },
  };
}
