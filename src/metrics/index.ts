// Public exports of src/metrics/ (re-exports only).

export * from './feature-model.js';
export * from './feature-statistics.js';
export * from './kl.js';
export * from './mixture-evaluation.js';
export * from './mode-coverage.js';
export * from './stacked-mnist-evaluation.js';
export * from './stacked-mnist-modes.js';
export * from './wasserstein.js';
