export { Adam, adam } from './adam.js';
export { denseLinear } from './dense.js';
export { allFinite } from './finite.js';
export { BACKEND_NAMES, type BackendName, type InitBackendOptions, initBackend } from './init.js';
export { normalSeed } from './seed.js';
