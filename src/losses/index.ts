// Public exports of src/losses/ (re-exports only).
export * from './adversarial.js';
export * from './gdpp.js';
export * from './gradient-penalty.js';
