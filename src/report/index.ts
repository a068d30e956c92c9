// Public exports of src/report/ (re-exports only).
export {};
