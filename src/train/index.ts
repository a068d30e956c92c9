// Public exports of src/train/ (re-exports only).
export {};
export * from './checkpoint.js';
export * from './config.js';
export * from './logger.js';
export * from './run.js';
export * from './trainer.js';
