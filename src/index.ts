// dppgan's public API: re-exports only.
/**
 * dppgan: diverse and stable GANs on TensorFlow.js — the GDPP loss, spectral normalization, and the trainer,
 * data, metrics and reports around them. Import from `'dppgan'`; see also {@link dppgan/layers}.
 * @module dppgan
 */
export * from './backend/index.js';
export * from './data/index.js';
export { DppganError, runtimeError, usageError } from './errors.js';
export * from './linalg/index.js';
export * from './losses/index.js';
export * from './metrics/index.js';
export * from './nn/index.js';
export { Random, type RandomState } from './random.js';
export * from './report/index.js';
export * from './train/index.js';
