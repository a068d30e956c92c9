// Public exports of src/data/ (re-exports only).
export * from './dataset.js';
export * from './idx.js';
export * from './images.js';
export * from './mnist.js';
export * from './stacked-mnist.js';
export * from './synthetic.js';
