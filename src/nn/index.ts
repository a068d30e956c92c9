// Public exports of src/nn/ (re-exports only).

export * from './mnist-classifier.js';
export * from './models/index.js';
export * from './spectral-norm.js';
export * from './weight-clip.js';
