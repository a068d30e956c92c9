// The `dppgan/layers` entry point: importing it registers dppgan's custom tf.layers classes with
// tf.serialization, so `tf.loadLayersModel` can read models that use them — e.g. a spectrally normalised
// discriminator in a browser. It imports only the layer code (no Node modules, no backend setup).
/**
 * `import 'dppgan/layers'` registers SpectralNormalization with tf.serialization (for `tf.loadLayersModel`).
 * @module dppgan/layers
 */
export {
  SPECTRAL_NORM_OUTPUT_AXIS,
  SpectralNormalization,
  type SpectralNormalizationArgs,
  spectralNormalization,
} from './spectral-norm.js';
