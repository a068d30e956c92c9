import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { createDataset, parseDataSpec } from '../src/data/index.js';
import { Random } from '../src/random.js';

function writePng(
  path: string,
  width: number,
  height: number,
  rgb: (x: number, y: number) => number[],
): void {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = rgb(x, y);
      png.data.set([r, g, b, 255], 4 * (y * width + x));
    }
  }
  writeFileSync(path, PNG.sync.write(png));
}

describe('image datasets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dppgan-images-'));
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('MNIST (bundled test split): [28, 28, 1] in [0, 1], deterministic, real digits', () => {
    const mnist = createDataset({ kind: 'mnist', split: 'test' });
    expect(mnist.dim).toEqual([28, 28, 1]);
    const a = mnist.sampleArray(16, new Random(1));
    expect(a).toHaveLength(16 * 784);
    expect(Array.from(a)).toEqual(Array.from(mnist.sampleArray(16, new Random(1))));
    expect(Math.min(...a)).toBe(0);
    expect(Math.max(...a)).toBe(1);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean).toBeGreaterThan(0.05); // MNIST mean pixel ≈ 0.13
    expect(mean).toBeLessThan(0.25);
    const t = mnist.sample(4, new Random(2));
    expect(t.shape).toEqual([4, 784]);
    t.dispose();
  });

  it('Stacked-MNIST through createDataset: [28, 28, 3], flat tensors', () => {
    const stacked = createDataset('stacked-mnist');
    expect(stacked.name).toBe('stacked-mnist');
    expect(stacked.dim).toEqual([28, 28, 3]);
    const t = stacked.sample(3, new Random(3));
    expect(t.shape).toEqual([3, 28 * 28 * 3]);
    t.dispose();
  });

  it('a PNG folder: RGB or grey, sorted by name, sizes checked', () => {
    const folder = join(dir, 'ok');
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder);
    writePng(join(folder, 'a.png'), 4, 3, (x, y) => [x * 60, y * 100, 255]);
    writePng(join(folder, 'b.png'), 4, 3, () => [0, 0, 0]);
    writeFileSync(join(folder, 'notes.txt'), 'ignored');
    const rgb = createDataset({ kind: 'images', dir: folder });
    expect(rgb.dim).toEqual([3, 4, 3]);
    // draw until both images have been seen; every sample equals one of the two
    const samples = rgb.sampleArray(20, new Random(4));
    let seenA = false;
    let seenB = false;
    for (let i = 0; i < 20; i++) {
      const image = samples.subarray(i * 36, (i + 1) * 36);
      if (image[2] === 1) {
        seenA = true;
        // pixel (x=2, y=1): [120, 100, 255] / 255
        const p = (1 * 4 + 2) * 3;
        expect([image[p], image[p + 1], image[p + 2]]).toEqual([120 / 255, 100 / 255, 1].map(Math.fround));
      } else {
        seenB = true;
        expect(image.every((v) => v === 0)).toBe(true);
      }
    }
    expect(seenA && seenB).toBe(true);
    const grey = createDataset({ kind: 'images', dir: folder, channels: 1 });
    expect(grey.dim).toEqual([3, 4, 1]);
    writePng(join(folder, 'c.png'), 5, 3, () => [0, 0, 0]);
    expect(() => createDataset({ kind: 'images', dir: folder })).toThrow(/c\.png is 5×3 but a\.png is 4×3/);
    expect(() => createDataset({ kind: 'images', dir: join(dir, 'missing') })).toThrow(
      /cannot read image folder/,
    );
  });

  it('spec errors name the field', () => {
    expect(() => parseDataSpec({ kind: 'mnist', images: 'x.idx' })).toThrow(/data\.labels: expected both/);
    expect(() => parseDataSpec({ kind: 'stacked-mnist', split: 'validation' })).toThrow(/data\.split: /);
    expect(() => parseDataSpec({ kind: 'images' })).toThrow(/data\.dir: /);
    expect(() => parseDataSpec({ kind: 'images', dir: 'x', channels: 2 })).toThrow(/data\.channels: /);
  });
});
