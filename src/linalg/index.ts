// Public exports of src/linalg/ (re-exports only).

export * from './conv-operator-norm.js';
export { broadenedInverse, broadening, type EighOptions, eigh, eighBackward } from './eigh.js';
export { gemmNT, gramCols, gramRows, matmul, matmulTransA, matmulTransB, transposeOf } from './matrix.js';
export * from './power-iteration.js';
export { float32Products, float64Products, type MatrixProducts } from './products.js';
export { singularValues, singularValuesOf } from './singular-values.js';
export {
  type EigenResult,
  type EigenRows,
  fixSign,
  symmetricEigen,
  symmetricEigenRows,
} from './symmetric-eigen.js';
