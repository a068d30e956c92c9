// Public exports of src/nn/ (re-exports only).
export {};
export * from './spectral-norm.js';
