// Public exports of src/linalg/ (re-exports only).
export { singularValues, singularValuesOf } from './singular-values.js';
export { type EigenResult, type EigenRows, symmetricEigen, symmetricEigenRows } from './symmetric-eigen.js';
