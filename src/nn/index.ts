// Public exports of src/nn/ (re-exports only).
export {};
