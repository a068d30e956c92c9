// The Stacked-MNIST mode map (src/report/mode-map.ts), read back from its pixels: mode 100a + 10b + c sits in
// block a, row b, column c; a mode never drawn is red; a covered one is blue, darker the more it is over-drawn
// relative to the uniform share, clamped at 1/8× and 8×.
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import {
  digitMarginals,
  independentChannelsCoverage,
  modesIfChannelsIndependent,
} from '../src/metrics/index.js';
import { Random } from '../src/random.js';
import { MISSING_MODE_COLOUR, modeCellOrigin, modeMapPng, modeShareColour } from '../src/report/index.js';

function cellColour(png: PNG, mode: number): number[] {
  const { x, y, size } = modeCellOrigin(mode);
  const i = 4 * ((y + (size >> 1)) * png.width + x + (size >> 1));
  return [png.data[i], png.data[i + 1], png.data[i + 2]];
}

describe('modeMapPng', () => {
  it('paints each mode by its count: red when never drawn, blue by its share of the uniform expectation', () => {
    const counts = new Float64Array(1000).fill(20); // 20 per mode: the uniform share of 20,000 samples
    counts[0] = 0;
    counts[457] = 0;
    counts[123] = 20 * 8; // 8× its share: the dark end
    counts[999] = 1; // 1/20: clamped to the light end
    counts[500] = 40; // 2×
    // The total changes the share: recompute what each colour means.
    const total = counts.reduce((a, b) => a + b, 0);
    const share = (m: number) => counts[m] / (total / 1000);
    const png = PNG.sync.read(modeMapPng(counts, { title: 'test' }));
    expect(cellColour(png, 0)).toEqual([...MISSING_MODE_COLOUR]);
    expect(cellColour(png, 457)).toEqual([...MISSING_MODE_COLOUR]);
    for (const m of [123, 999, 500, 1, 456, 998])
      expect(cellColour(png, m)).toEqual([...modeShareColour(share(m))]);
    let red = 0;
    for (let m = 0; m < 1000; m++)
      if (cellColour(png, m).every((v, c) => v === MISSING_MODE_COLOUR[c])) red++;
    expect(red).toBe(2);
  });

  it('shades monotonically from light (≤ 1/8×) to dark (≥ 8×), distinct from the missing colour', () => {
    const darkness = (s: number) => modeShareColour(s).reduce((a, b) => a + b, 0);
    const shares = [1 / 16, 1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8, 16];
    const values = shares.map(darkness);
    expect(values[0]).toBe(values[1]); // clamped
    expect(values[7]).toBe(values[8]);
    for (let k = 1; k < 7; k++) expect(values[k + 1]).toBeLessThan(values[k]);
    for (const s of shares) expect(modeShareColour(s)).not.toEqual(MISSING_MODE_COLOUR);
  });

  it('lays mode abc out as block a, row b, column c, with no two cells overlapping, inside the picture', () => {
    const png = PNG.sync.read(modeMapPng(new Float64Array(1000).fill(1)));
    const { size } = modeCellOrigin(0);
    const seen = new Set<string>();
    for (let m = 0; m < 1000; m++) {
      const { x, y } = modeCellOrigin(m);
      const base = modeCellOrigin(100 * Math.floor(m / 100));
      expect([x - base.x, y - base.y]).toEqual([(m % 10) * size, (Math.floor(m / 10) % 10) * size]);
      expect(x + size).toBeLessThanOrEqual(png.width);
      expect(y + size).toBeLessThanOrEqual(png.height);
      seen.add(`${x},${y}`);
    }
    expect(seen.size).toBe(1000);
    // Blocks 0–4 on the first line, 5–9 below, left to right.
    expect(modeCellOrigin(100).x).toBeGreaterThan(modeCellOrigin(99).x);
    expect(modeCellOrigin(500).y).toBeGreaterThan(modeCellOrigin(499).y);
    expect(modeCellOrigin(500).x).toBe(modeCellOrigin(0).x);
  });

  it("digitMarginals: each channel's digit frequencies, summing to 1 per channel", () => {
    const one = new Float64Array(1000);
    one[123] = 5;
    const unit = (d: number) => Array.from({ length: 10 }, (_, k) => (k === d ? 1 : 0));
    expect(digitMarginals(one)).toEqual([unit(1), unit(2), unit(3)]);
    const mixed = new Float64Array(1000);
    mixed[907] = 3; // digits 9, 0, 7
    mixed[7] = 1; // digits 0, 0, 7
    expect(digitMarginals(mixed)[0][9]).toBeCloseTo(0.75, 12);
    expect(digitMarginals(mixed)[0][0]).toBeCloseTo(0.25, 12);
    expect(digitMarginals(mixed)[1][0]).toBe(1);
    expect(digitMarginals(mixed)[2][7]).toBe(1);
    for (const channel of digitMarginals(new Float64Array(1000).fill(3))) {
      for (const share of channel) expect(share).toBeCloseTo(0.1, 12);
    }
    // No samples: all-zero frequencies and a picture with every mode red.
    expect(
      digitMarginals(new Float64Array(1000))
        .flat()
        .every((v) => v === 0),
    ).toBe(true);
    const empty = PNG.sync.read(modeMapPng(new Float64Array(1000)));
    expect(cellColour(empty, 555)).toEqual([...MISSING_MODE_COLOUR]);
  });

  it('independentChannelsCoverage: the modes n samples cover when their three digits are independent', () => {
    const uniform = [0, 1, 2].map(() => new Array<number>(10).fill(0.1));
    // Each mode has p = 1/1000: 1000 · (1 − 0.999^n).
    expect(independentChannelsCoverage(uniform, 1000)).toBeCloseTo(1000 * (1 - 0.999 ** 1000), 8);
    expect(independentChannelsCoverage(uniform, 26000)).toBeCloseTo(1000, 6);
    // A digit never drawn in the second channel removes its 100 modes.
    const skewed = [uniform[0], [0, ...new Array<number>(9).fill(1 / 9)], uniform[2]];
    expect(independentChannelsCoverage(skewed, 1e6)).toBeCloseTo(900, 6);
    // One triple only: exactly one mode, whatever n.
    const unit = (d: number) => Array.from({ length: 10 }, (_, k) => (k === d ? 1 : 0));
    expect(independentChannelsCoverage([unit(1), unit(2), unit(3)], 50)).toBe(1);
    // Matches a simulation of independent digits (the map's subtitle quotes it).
    const counts = new Float64Array(1000);
    const random = new Random(4);
    const marginal = [0.3, 0.2, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.03, 0.02];
    const draw = () => {
      let u = random.uniform();
      for (let d = 0; d < 10; d++) {
        u -= marginal[d];
        if (u < 0) return d;
      }
      return 9;
    };
    let total = 0;
    for (let trial = 0; trial < 80; trial++) {
      counts.fill(0);
      for (let i = 0; i < 2000; i++) counts[100 * draw() + 10 * draw() + draw()]++;
      total += counts.filter((c) => c > 0).length;
    }
    const expected = independentChannelsCoverage([marginal, marginal, marginal], 2000);
    // From a histogram: its own frequencies and sample count (the last trial's 2,000 samples).
    expect(modesIfChannelsIndependent(counts)).toBeCloseTo(
      independentChannelsCoverage(digitMarginals(counts), 2000),
      9,
    );
    expect(Math.abs(total / 80 - expected)).toBeLessThan(5);
  });

  it('rejects a histogram that is not 1,000 finite non-negative counts', () => {
    expect(() => modeMapPng(new Float64Array(999))).toThrow(/expected 1000 mode counts, got 999/);
    const negative = new Float64Array(1000);
    negative[7] = -1;
    expect(() => modeMapPng(negative)).toThrow(/mode 7 has count -1/);
    const nan = new Float64Array(1000);
    nan[3] = Number.NaN;
    expect(() => modeMapPng(nan)).toThrow(/mode 3 has count NaN/);
    expect(() => modeCellOrigin(1000)).toThrow(RangeError);
  });
});
