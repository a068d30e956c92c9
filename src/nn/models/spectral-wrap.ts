// Spectral normalization of discriminator layers (Miyato et al. 2018): every Dense/Conv is wrapped.
import type * as tfl from '@tensorflow/tfjs-layers';
import { SpectralNormalization } from '../spectral-norm.js';
import type { WrapLayer } from './types.js';

export function spectralNormWrapper(powerIterations: number): WrapLayer {
  return (layer: tfl.layers.Layer) => new SpectralNormalization({ layer, powerIterations });
}
