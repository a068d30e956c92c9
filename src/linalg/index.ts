// Public exports of src/linalg/ (re-exports only).
export {};
