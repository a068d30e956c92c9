// Public exports of src/metrics/ (re-exports only).
export {};
