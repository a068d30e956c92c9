import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { createDataset } from '../src/data/index.js';
import { modeCoverage } from '../src/metrics/index.js';
import { Random } from '../src/random.js';
import {
  Canvas,
  COLOURS,
  coverageLabel,
  glyph,
  hasGlyph,
  imageGridPng,
  lineChartPng,
  lossCurvesPng,
  mixturePanelPng,
  niceTicks,
  renderMarkdown,
  scatterPlotPng,
  seriesFromRecords,
  sideBySidePng,
  textWidth,
  wrapText,
  writeRunReport,
} from '../src/report/index.js';

function rgbAt(png: PNG, x: number, y: number): [number, number, number] {
  const i = 4 * (y * png.width + x);
  return [png.data[i], png.data[i + 1], png.data[i + 2]];
}

function countColour(png: PNG, test: (rgb: [number, number, number]) => boolean): number {
  let n = 0;
  for (let y = 0; y < png.height; y++) for (let x = 0; x < png.width; x++) if (test(rgbAt(png, x, y))) n++;
  return n;
}

const isOrange = ([r, g, b]: [number, number, number]) => r > 200 && g > 100 && g < 200 && b < 120;
const isBlue = ([r, g, b]: [number, number, number]) => b > 150 && r < 100 && g < 160;

describe('bitmap font and canvas', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('has distinct glyphs for the characters a panel title needs', () => {
    const needed =
      'GDPP: 8/8 modes, HQ 81.2% 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ -±σ×';
    const seen = new Map<string, string>();
    for (const character of new Set(needed)) {
      expect(hasGlyph(character), character).toBe(true);
      const key = glyph(character).join('');
      if (character !== ' ') expect(key).not.toBe('0'.repeat(35));
      const clash = seen.get(key);
      expect(clash, `${character} looks like ${clash}`).toBeUndefined();
      seen.set(key, character);
    }
    expect(textWidth('ab', 2)).toBe(22);
    for (let code = 32; code < 127; code++) expect(hasGlyph(String.fromCharCode(code))).toBe(true);
  });

  it('draws text pixels in the requested colour and round-trips through PNG', () => {
    const canvas = new Canvas(40, 12);
    canvas.text(1, 1, 'I', COLOURS.real);
    // 'I' = '.###.' on its first row → pixels x = 2..4, y = 1
    expect(canvas.pixel(3, 1)).toEqual(COLOURS.real);
    expect(canvas.pixel(1, 1)).toEqual(COLOURS.white);
    const decoded = Canvas.fromPng(canvas.toPng());
    expect(Array.from(decoded.data)).toEqual(Array.from(canvas.data));
  });
});

describe('scatterPlotPng', () => {
  it('decodes to the requested size; generated points orange, real points blue, at their positions', () => {
    const centres = [
      [-1, 0],
      [1, 0],
    ];
    const png = PNG.sync.read(
      scatterPlotPng({
        real: [[-1, 0]],
        generated: Float32Array.of(1, 0),
        centres,
        width: 320,
        height: 240,
        bounds: [-2, 2, -1.5, 1.5],
        pointRadius: 3,
        alpha: 1,
      }),
    );
    expect([png.width, png.height]).toEqual([320, 240]);
    // Plot area: left 44, right 10, top 8, bottom 20 → x ∈ [44, 309], y ∈ [8, 219].
    const toX = (x: number) => Math.round(44 + ((x + 2) / 4) * 265);
    const toY = (y: number) => Math.round(8 + (1 - (y + 1.5) / 3) * 211);
    // just off the centre cross, inside the disc of radius 3
    expect(isOrange(rgbAt(png, toX(1) + 1, toY(0) - 1))).toBe(true);
    expect(isBlue(rgbAt(png, toX(-1) + 1, toY(0) - 1))).toBe(true);
    expect(isOrange(rgbAt(png, toX(-1) + 1, toY(0) - 1))).toBe(false);
    // an empty spot of the plot stays white
    expect(rgbAt(png, toX(0.5), toY(0.5))).toEqual([255, 255, 255]);
  });

  it('a Ring panel: orange only where generated samples are, a readable title', () => {
    const ring = createDataset({ kind: 'ring' });
    const generated = ring.sampleArray(500, new Random(1));
    const coverage = modeCoverage(generated, ring.centres!, ring.std!);
    const title = coverageLabel('GDPP', coverage);
    expect(title).toMatch(/^GDPP: 8\/8 modes, HQ \d+\.\d%$/);
    const withTitle = PNG.sync.read(
      scatterPlotPng({ generated, centres: ring.centres, std: ring.std, title }),
    );
    const without = PNG.sync.read(scatterPlotPng({ generated: [[0, 0]], centres: ring.centres }));
    // `without` holds one generated point (plus the legend swatch, also in `withTitle`)
    expect(countColour(withTitle, isOrange)).toBeGreaterThan(countColour(without, isOrange) + 8 * 9);
    // the title row has black text pixels
    let dark = 0;
    for (let y = 4; y < 20; y++) for (let x = 0; x < 400; x++) if (rgbAt(withTitle, x, y)[0] < 60) dark++;
    expect(dark).toBeGreaterThan(100);
  });
});

describe('lineChartPng, imageGridPng, sideBySidePng', () => {
  it('draws each series in its own colour, skipping NaN', () => {
    const values = Array.from({ length: 100 }, (_, i) => Math.sin(i / 10));
    values[50] = Number.NaN;
    const png = PNG.sync.read(
      lineChartPng(
        [
          { name: 'G', values },
          { name: 'D', values: values.map((v, i): [number, number] => [i, v + 2]) },
        ],
        { width: 300, height: 200, title: 'losses' },
      ),
    );
    expect([png.width, png.height]).toEqual([300, 200]);
    expect(countColour(png, isBlue)).toBeGreaterThan(100);
    expect(countColour(png, isOrange)).toBeGreaterThan(100);
  });

  it('image grid places each image at its cell with its colours', () => {
    const n = 6;
    const images = new Float32Array(n * 4 * 4 * 3);
    for (let k = 0; k < n; k++) {
      for (let p = 0; p < 16; p++) {
        images[(k * 16 + p) * 3] = k / 5; // red channel encodes the index
        images[(k * 16 + p) * 3 + 2] = 1;
      }
    }
    const png = PNG.sync.read(imageGridPng(images, n, 4, 4, 3, { columns: 3, padding: 1, scale: 2 }));
    expect([png.width, png.height]).toEqual([3 * 8 + 4, 2 * 8 + 3]);
    for (let k = 0; k < n; k++) {
      const x = 1 + (k % 3) * 9 + 3;
      const y = 1 + Math.floor(k / 3) * 9 + 3;
      expect(rgbAt(png, x, y)).toEqual([Math.round((255 * k) / 5), 0, 255]);
    }
    const grey = PNG.sync.read(imageGridPng(Float32Array.of(0, 0.5, 1, 2), 1, 2, 2, 1));
    expect(rgbAt(grey, 2 + 1, 2 + 1)).toEqual([255, 255, 255]); // 2 clamps to 1
    expect(rgbAt(grey, 2 + 1, 2)).toEqual([128, 128, 128]);
    expect(() => imageGridPng(new Float32Array(3), 1, 2, 2, 1)).toThrow(/expected 1×2×2×1/);
  });

  it('side by side keeps each panel intact', () => {
    const a = new Canvas(30, 20, COLOURS.real).toPng();
    const b = new Canvas(40, 10, COLOURS.generated).toPng();
    const png = PNG.sync.read(sideBySidePng([a, b], { gap: 5 }));
    expect([png.width, png.height]).toEqual([5 + 40 + 5 + 40 + 5, 5 + 20 + 5]);
    expect(rgbAt(png, 5 + 5 + 15, 15)).toEqual([...COLOURS.real]); // centred in a 40-wide cell
    expect(rgbAt(png, 50 + 20, 8)).toEqual([...COLOURS.generated]);
    const titled = PNG.sync.read(sideBySidePng([a, b], { titles: ['A', 'B'], columns: 1 }));
    expect([titled.width, titled.height]).toEqual([8 + 40 + 8, 8 + (18 + 20) + 8 + (18 + 20) + 8]);
    // A title wider than its cell wraps at scale 1 (11 px per line) instead of running into the next cell.
    const wrapped = PNG.sync.read(sideBySidePng([a, b], { titles: ['AAA BBB CCC', 'B'], columns: 2 }));
    expect(wrapText('AAA BBB CCC', 40, 1)).toEqual(['AAA', 'BBB', 'CCC']);
    expect([wrapped.width, wrapped.height]).toEqual([8 + 40 + 8 + 40 + 8, 8 + (3 * 11 + 20) + 8]);
  });

  it('a null panel leaves its cell empty, so a grid row can end early', () => {
    const a = new Canvas(30, 20, COLOURS.real).toPng();
    const b = new Canvas(30, 20, COLOURS.generated).toPng();
    const png = PNG.sync.read(sideBySidePng([a, null, b, a], { gap: 5, columns: 2 }));
    expect([png.width, png.height]).toEqual([5 + 30 + 5 + 30 + 5, 5 + 20 + 5 + 20 + 5]);
    expect(rgbAt(png, 5 + 30 + 5 + 15, 5 + 10)).toEqual([...COLOURS.white]); // the empty cell
    expect(rgbAt(png, 5 + 15, 5 + 20 + 5 + 10)).toEqual([...COLOURS.generated]); // b starts row 2
    expect(() => sideBySidePng([null])).toThrow(/at least one panel/);
  });

  it('wrapText breaks a long title at spaces into lines that fit', () => {
    const title =
      'grid GDPP-GAN, magnitude 1, 40,000 iterations + G moving average (ours) (seed 1) 25/25 modes';
    const lines = wrapText(title, 200);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join(' ')).toBe(title);
    for (const line of lines) expect(textWidth(line)).toBeLessThanOrEqual(200);
    expect(wrapText('short', 200)).toEqual(['short']);
    expect(wrapText('averyveryverylongword next', 20)).toEqual(['averyveryverylongword', 'next']);
  });

  it('niceTicks gives round steps inside the range', () => {
    expect(niceTicks(-1.5, 1.5)).toEqual([-1, 0, 1]);
    expect(niceTicks(-1.5, 1.5, 6)).toEqual([-1.5, -1, -0.5, 0, 0.5, 1, 1.5]);
    expect(niceTicks(0, 4999, 5)).toEqual([0, 1000, 2000, 3000, 4000]);
  });
});

describe('writeRunReport', () => {
  it('writes report.md and index.html with the metrics table, images by relative path and escaped text', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dppgan-report-'));
    try {
      const { markdown, html } = writeRunReport(dir, {
        title: 'Ring <GDPP>',
        metrics: { modes: 8, 'HQ %': 81.234567, 'W1 (sliced)': 0.00012345, note: 'a|b' },
        tables: [
          {
            title: 'Runs',
            columns: ['method', 'modes'],
            rows: [
              ['GAN', 1],
              ['GDPP-GAN', null],
            ],
          },
        ],
        images: [{ title: 'final samples', path: 'samples/final step.png' }],
        config: { data: { kind: 'ring' } },
      });
      const md = readFileSync(markdown, 'utf8');
      expect(md).toContain('| modes | 8 |');
      expect(md).toContain('| HQ % | 81.23 |');
      expect(md).toContain('| W1 (sliced) | 1.234e-4 |');
      expect(md).toContain('| note | a\\|b |');
      expect(md).toContain('| GDPP-GAN | – |');
      expect(md).toContain('![final samples](samples/final%20step.png)');
      expect(md).toContain('"kind": "ring"');
      const page = readFileSync(html, 'utf8');
      expect(page).toContain('<title>Ring &lt;GDPP&gt;</title>');
      expect(page).toContain('<img src="samples/final%20step.png"');
      expect(page).toContain('<td class="n">81.23</td>');
      expect(renderMarkdown({ title: 't' })).toBe('# t\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('loss curves from log records', () => {
  const records = [
    { step: 0, time: 0.1, dLoss: 1, gLoss: 2, sigma: [1, 2] },
    { step: 50, time: 0.2, dLoss: 3, gLoss: Number.NaN, secPerStep: 0.01 },
    { step: 100, time: 0.3, dLoss: 5, gLoss: 4, gdpp: -0.5 },
  ];

  it('turns every numeric field except bookkeeping into a [step, value] series', () => {
    const series = seriesFromRecords(records);
    expect(series.map((s) => s.name)).toEqual(['dLoss', 'gLoss', 'gdpp']);
    expect(series[0].values).toEqual([
      [0, 1],
      [50, 3],
      [100, 5],
    ]);
    expect(series[1].values).toEqual([
      [0, 2],
      [100, 4],
    ]);
    // EMA smoothing 0.5: 1, 0.5·1 + 0.5·3 = 2, 0.5·2 + 0.5·5 = 3.5
    expect(seriesFromRecords(records, ['dLoss'], 0.5)[0].values).toEqual([
      [0, 1],
      [50, 2],
      [100, 3.5],
    ]);
    expect(() => seriesFromRecords(records, undefined, 1)).toThrow(/smoothing/);
  });

  it('draws a PNG of the requested size', () => {
    const png = PNG.sync.read(lossCurvesPng(records, { width: 200, height: 120 }));
    expect([png.width, png.height]).toEqual([200, 120]);
    expect(countColour(png, isBlue)).toBeGreaterThan(20);
  });
});

describe('mixturePanelPng', () => {
  it('titles the panel with the coverage it computes', () => {
    const grid = createDataset({ kind: 'grid' });
    const generated = grid.sampleArray(300, new Random(5)).subarray(0, 20); // 10 samples
    const { png, coverage, title } = mixturePanelPng({
      name: 'GAN',
      generated,
      dataset: grid,
      width: 300,
      height: 300,
    });
    expect(coverage.total).toBe(10);
    expect(title).toBe(`GAN: ${coverage.modes}/25 modes, HQ ${coverage.hq.toFixed(1)}%`);
    expect(PNG.sync.read(png).width).toBe(300);
    expect(() => mixturePanelPng({ name: 'x', generated, dataset: { name: 'mnist' } })).toThrow(/no centres/);
  });
});
