// Public exports of src/linalg/ (re-exports only).
export { broadenedInverse, broadening, type EighOptions, eigh, eighBackward } from './eigh.js';
export { gramCols, gramRows, matmul, matmulTransA, matmulTransB } from './matrix.js';
export * from './power-iteration.js';
export { singularValues, singularValuesOf } from './singular-values.js';
export {
  type EigenResult,
  type EigenRows,
  fixSign,
  symmetricEigen,
  symmetricEigenRows,
} from './symmetric-eigen.js';
export * from './conv-operator-norm.js';
