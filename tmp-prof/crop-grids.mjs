// Cut the per-row sample grids back out of a committed results/stacked-mnist.png (sideBySidePng layout).
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { textWidth, wrapText } from '../dist/report/index.js';
import { sampleGridFile } from '../dist/cli/bench/stacked-mnist.js';
const [jsonPath, pngPath, outPng] = process.argv.slice(2);
const results = JSON.parse(readFileSync(jsonPath, 'utf8'));
const big = PNG.sync.read(readFileSync(pngPath));
const rows = results.rows.filter((r) => r.perSeed.length > 0);
const titles = rows.map((r) => `${r.method} ${r.protocol} ${r.iterations} s${r.perSeed[0].seed}`);
const w = 8 * 28 * 2 + 9 * 2, h = w; // imageGridPng: 8×8 images of 28×28 at scale 2, padding 2
const columns = Math.min(5, rows.length), gap = 8, cellWidth = w;
const t = titles.map((title) => { const scale = textWidth(title, 2) <= cellWidth ? 2 : 1; return { scale, lines: wrapText(title, cellWidth, scale) }; });
const titleHeight = Math.max(0, ...t.map((x) => x.lines.length * (7 * x.scale + 4)));
const cellHeight = h + titleHeight;
const expectW = columns * cellWidth + (columns + 1) * gap, expectH = Math.ceil(rows.length / columns) * cellHeight + (Math.ceil(rows.length / columns) + 1) * gap;
if (big.width !== expectW || big.height !== expectH) throw new Error(`layout mismatch ${big.width}x${big.height} vs ${expectW}x${expectH}`);
rows.forEach((row, k) => {
  const x0 = gap + (k % columns) * (cellWidth + gap), y0 = gap + Math.floor(k / columns) * (cellHeight + gap) + titleHeight;
  const png = new PNG({ width: w, height: h });
  PNG.bitblt(big, png, x0, y0, w, h, 0, 0);
  const file = sampleGridFile(outPng, row, row.perSeed[0].seed);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, PNG.sync.write(png));
  console.log(file);
});
