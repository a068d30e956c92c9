// Public exports of src/train/ (re-exports only).

export * from './checkpoint.js';
export * from './classifier.js';
export * from './config.js';
export * from './export.js';
export * from './generator-ema.js';
export * from './learning-rate.js';
export * from './logger.js';
export * from './run.js';
export * from './sample-forces.js';
export * from './standing-statistics.js';
export * from './trainer.js';
