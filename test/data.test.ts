import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import {
  createDataset,
  type DataSpec,
  dataSpecSchema,
  gridCentres,
  parseDataSpec,
  ringCentres,
} from '../src/data/index.js';
import { DppganError } from '../src/errors.js';
import { Random } from '../src/random.js';

/** Index of the nearest centre of each sample. */
function assign(x: Float32Array, centres: number[][]): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.length / 2; i++) {
    let best = 0;
    let bestD = Number.POSITIVE_INFINITY;
    centres.forEach(([cx, cy], k) => {
      const dd = (x[2 * i] - cx) ** 2 + (x[2 * i + 1] - cy) ** 2;
      if (dd < bestD) {
        bestD = dd;
        best = k;
      }
    });
    out.push(best);
  }
  return out;
}

describe('synthetic datasets', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('ring has 8 distinct centres on the unit circle at 2πk/8', () => {
    const centres = ringCentres();
    expect(centres).toHaveLength(8);
    for (let k = 0; k < 8; k++) {
      expect(Math.hypot(centres[k][0], centres[k][1])).toBeCloseTo(1, 12);
      expect(Math.atan2(centres[k][1], centres[k][0])).toBeCloseTo(
        Math.atan2(Math.sin((2 * Math.PI * k) / 8), Math.cos((2 * Math.PI * k) / 8)),
        12,
      );
      for (let j = 0; j < k; j++) {
        expect(Math.hypot(centres[k][0] - centres[j][0], centres[k][1] - centres[j][1])).toBeGreaterThan(0.7);
      }
    }
    const ring = createDataset({ kind: 'ring' });
    expect(ring.std).toBe(0.01);
    expect(ring.dim).toEqual([2]);
    expect(ring.name).toBe('ring');
  });

  it('grid has 25 centres at {−4,−2,0,2,4}², std 0.05', () => {
    const grid = createDataset({ kind: 'grid' });
    expect(grid.std).toBe(0.05);
    const keys = new Set(grid.centres!.map(([x, y]) => `${x},${y}`));
    expect(keys.size).toBe(25);
    for (const x of [-4, -2, 0, 2, 4])
      for (const y of [-4, -2, 0, 2, 4]) expect(keys.has(`${x},${y}`)).toBe(true);
    expect(gridCentres(3, 1)).toHaveLength(9);
  });

  it('sampling is deterministic given the Random state, and different for another state', () => {
    const ring = createDataset({ kind: 'ring' });
    const a = ring.sampleArray(64, new Random(5));
    const b = ring.sampleArray(64, new Random(5));
    const c = ring.sampleArray(64, new Random(6));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    // the tensor path consumes the stream identically
    const t = ring.sample(64, new Random(5));
    expect(t.shape).toEqual([64, 2]);
    expect(t.dtype).toBe('float32');
    expect(Array.from(t.dataSync())).toEqual(Array.from(a));
    t.dispose();
    // save/restore mid-stream continues identically
    const random = new Random(9);
    ring.sampleArray(3, random);
    const state = random.getState();
    const next = ring.sampleArray(10, random);
    expect(Array.from(ring.sampleArray(10, Random.fromState(state)))).toEqual(Array.from(next));
  });

  it('component frequencies are uniform and per-component mean/std match the spec (grid)', () => {
    const grid = createDataset({ kind: 'grid' });
    const centres = grid.centres!;
    const n = 50_000;
    const x = grid.sampleArray(n, new Random(1));
    const labels = assign(x, centres);
    const counts = new Array(25).fill(0);
    const sum = centres.map(() => [0, 0]);
    const sq = centres.map(() => [0, 0]);
    labels.forEach((k, i) => {
      counts[k]++;
      for (let j = 0; j < 2; j++) {
        const dev = x[2 * i + j] - centres[k][j];
        sum[k][j] += dev;
        sq[k][j] += dev * dev;
      }
    });
    // chi-square goodness of fit, 24 dof: 99.9% quantile ≈ 51.2
    const expected = n / 25;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(51.2);
    for (let k = 0; k < 25; k++) {
      for (let j = 0; j < 2; j++) {
        const mean = sum[k][j] / counts[k];
        const std = Math.sqrt(sq[k][j] / counts[k] - mean * mean);
        expect(Math.abs(mean)).toBeLessThan(0.005); // ≈ 5 standard errors of 0.05/√2000
        expect(Math.abs(std - 0.05) / 0.05).toBeLessThan(0.08);
      }
    }
  });

  it('ring samples: all 8 components used, std ≈ 0.01', () => {
    const ring = createDataset({ kind: 'ring' });
    const x = ring.sampleArray(16_000, new Random(2));
    const labels = assign(x, ring.centres!);
    const counts = new Array(8).fill(0);
    let sq = 0;
    labels.forEach((k, i) => {
      counts[k]++;
      sq += (x[2 * i] - ring.centres![k][0]) ** 2 + (x[2 * i + 1] - ring.centres![k][1]) ** 2;
    });
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(200);
    expect(Math.sqrt(sq / (2 * 16_000))).toBeCloseTo(0.01, 3);
  });

  it('custom mixtures and spec overrides', () => {
    const spec: DataSpec = {
      kind: 'mixture',
      centres: [
        [0, 0],
        [3, 1],
        [-2, 5],
      ],
      std: 0.2,
    };
    const mixture = createDataset(spec);
    expect(mixture.centres).toEqual(spec.centres);
    expect(mixture.std).toBe(0.2);
    expect(mixture.sampleArray(10, new Random(0))).toHaveLength(20);
    const ring12 = createDataset({ kind: 'ring', modes: 12, radius: 2, std: 0.02 });
    expect(ring12.centres).toHaveLength(12);
    expect(Math.hypot(...ring12.centres![5])).toBeCloseTo(2, 12);
  });

  it('sample(512) is fast enough to call every step and does not leak tensors', () => {
    const ring = createDataset({ kind: 'ring' });
    const random = new Random(3);
    const before = tf.memory().numTensors;
    const start = performance.now();
    for (let i = 0; i < 200; i++) ring.sample(512, random).dispose();
    const perCall = (performance.now() - start) / 200;
    expect(tf.memory().numTensors).toBe(before);
    expect(perCall).toBeLessThan(5); // ms; typically ~0.05 ms
  });
});

describe('dataSpecSchema', () => {
  it('accepts valid specs and the string shorthands', () => {
    expect(dataSpecSchema.parse({ kind: 'ring' })).toEqual({ kind: 'ring' });
    expect(dataSpecSchema.parse('grid')).toEqual({ kind: 'grid' });
    expect(parseDataSpec({ kind: 'mixture', centres: [[1, 2]], std: 0.1 })).toEqual({
      kind: 'mixture',
      centres: [[1, 2]],
      std: 0.1,
    });
  });

  const bad: [unknown, RegExp][] = [
    [{ kind: 'ring', colour: 'red' }, /data: .*colour/i],
    [{ kind: 'rings' }, /data\.kind: /],
    [
      {
        kind: 'mixture',
        centres: [
          [0, 0],
          [1, Number.NaN],
        ],
        std: 0.1,
      },
      /data\.centres\[1\]\[1\]: /,
    ],
    [{ kind: 'mixture', centres: [[0, Number.POSITIVE_INFINITY]], std: 0.1 }, /data\.centres\[0\]\[1\]: /],
    [{ kind: 'mixture', centres: [[0, 0]], std: 0 }, /data\.std: expected a number > 0/],
    [{ kind: 'mixture', centres: [[0, 0]], std: -1 }, /data\.std: /],
    [{ kind: 'mixture', centres: [], std: 0.1 }, /data\.centres: expected at least one centre/],
    [{ kind: 'mixture', centres: [[0, 0], [1]], std: 0.1 }, /data\.centres\[1\]: expected 2 coordinates/],
    [{ kind: 'mixture', std: 0.1 }, /data\.centres: /],
    [{ kind: 'grid', size: 2.5 }, /data\.size: /],
    [42, /data: /],
  ];
  for (const [value, message] of bad) {
    it(`rejects ${JSON.stringify(value)} with a readable message`, () => {
      expect(dataSpecSchema.safeParse(value).success).toBe(false);
      let error: unknown;
      try {
        parseDataSpec(value);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DppganError);
      expect((error as DppganError).exitCode).toBe(2);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
    });
  }
});
