// Model builders (re-exports only).
export { dcganSmnist } from './dcgan-smnist.js';
export { initializeLayers, type KernelInit, orthogonalMatrix } from './init.js';
export { mlpGdpp } from './mlp-gdpp.js';
export { Discriminator, Generator, LayerStack } from './network.js';
export { type BuildGanOptions, buildGan, type Gan, MODEL_NAMES, type ModelName } from './registry.js';
export { snCnn } from './sn-cnn.js';
export type { ModelSpec, WrapLayer } from './types.js';
