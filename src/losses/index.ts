// Public exports of src/losses/ (re-exports only).
export {};
