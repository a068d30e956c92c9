// Public exports of src/data/ (re-exports only).
export * from './dataset.js';
export * from './synthetic.js';
