// Public exports of src/report/ (re-exports only).
export * from './benchmark.js';
export * from './canvas.js';
export * from './compose.js';
export * from './curves.js';
export * from './font.js';
export * from './mixture-panel.js';
export * from './mode-map.js';
export * from './plots.js';
export * from './run-report.js';
