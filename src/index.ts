// dppgan's public API: re-exports only.
export * from './backend/index.js';
export { DppganError } from './errors.js';
