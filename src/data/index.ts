// Public exports of src/data/ (re-exports only).
export {};
