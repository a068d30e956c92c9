// Public exports of src/train/ (re-exports only).
export {};
