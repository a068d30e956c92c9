// Shared types of the model builders.
import type * as tfl from '@tensorflow/tfjs-layers';
import type { KernelInit } from './init.js';
import type { Discriminator, Generator } from './network.js';

/** Wraps a discriminator layer (identity, or spectral normalization). */
export type WrapLayer = (layer: tfl.layers.Layer) => tfl.layers.Layer;

/**
 * What a builder returns: the two networks, how their kernels are initialised, and the pixel range the
 * generator produces ('unit' = [0, 1], 'symmetric' = [−1, 1], null = not images).
 */
export interface ModelSpec {
  generator: Generator;
  discriminator: Discriminator;
  init: KernelInit;
  pixelRange: 'unit' | 'symmetric' | null;
}
