// Public exports of src/metrics/ (re-exports only).
export * from './kl.js';
export * from './mode-coverage.js';
export * from './wasserstein.js';
