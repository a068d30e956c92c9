// One-off migration for results written before the benches kept each row's picture: cuts the pictures back out
// of a composite the bench drew, named as the bench names its kept files, so carried-over rows whose runs are
// gone keep their picture. Pixel for pixel: PNG is lossless and nothing is redrawn. Needs `npm run build`.
// - stacked-mnist.png (`sideBySidePng` as that bench calls it: 8×8 images of 28×28 at scale 2, five columns,
//   titles "<method> <protocol> <iterations> s<seed>") → <out>/stacked-mnist-samples/ (sampleGridFile);
// - synthetic*.png (320×320 scatter panels, one row per dataset, no titles) → <out>/<stem>-samples/
//   (scatterPanelFile).
//   node scripts/crop-sample-grids.mjs RESULTS.json RESULTS.png OUT_DIR/<stem>.png
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';
import { sampleGridFile } from '../dist/cli/bench/stacked-mnist.js';
import { scatterPanelFile } from '../dist/cli/bench/synthetic.js';
import { textWidth, wrapText } from '../dist/report/index.js';

const [jsonPath, pngPath, outPng] = process.argv.slice(2);
if (!outPng) {
  console.error('usage: node scripts/crop-sample-grids.mjs RESULTS.json RESULTS.png OUT_DIR/stacked-mnist.png');
  process.exit(2);
}
const rows = JSON.parse(readFileSync(jsonPath, 'utf8')).rows.filter((row) => row.perSeed.length > 0);
const composite = PNG.sync.read(readFileSync(pngPath));
const gap = 8;

/** Copy a side × side cell at (x, y) of the composite to `file`. */
function cut(x, y, side, file) {
  const cell = new PNG({ width: side, height: side });
  PNG.bitblt(composite, cell, x, y, side, side, 0, 0);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, PNG.sync.write(cell));
  console.log(file);
}

if (rows.every((row) => row.dataset === 'ring' || row.dataset === 'grid')) {
  const datasets = [...new Set(rows.map((row) => row.dataset))];
  const perDataset = datasets.map((d) => rows.filter((row) => row.dataset === d));
  const side = 320;
  const columns = Math.max(...perDataset.map((r) => r.length));
  const expected = [columns * side + (columns + 1) * gap, datasets.length * side + (datasets.length + 1) * gap];
  if (composite.width !== expected[0] || composite.height !== expected[1]) {
    console.error(`layout mismatch: ${composite.width}×${composite.height}, expected ${expected.join('×')}`);
    process.exit(1);
  }
  perDataset.forEach((datasetRows, r) => {
    datasetRows.forEach((row, c) => {
      cut(gap + c * (side + gap), gap + r * (side + gap), side, scatterPanelFile(outPng, row, row.perSeed[0].seed));
    });
  });
  process.exit(0);
}

const side = 8 * 28 * 2 + 9 * 2; // imageGridPng: 8 columns of 56 px with 2 px padding
const columns = Math.min(5, rows.length);
const titles = rows.map((row) => {
  const title = `${row.method} ${row.protocol} ${row.iterations} s${row.perSeed[0].seed}`;
  const scale = textWidth(title, 2) <= side ? 2 : 1;
  return wrapText(title, side, scale).length * (7 * scale + 4);
});
const titleHeight = Math.max(0, ...titles);
const cellHeight = side + titleHeight;
const gridRows = Math.ceil(rows.length / columns);
const expected = [columns * side + (columns + 1) * gap, gridRows * cellHeight + (gridRows + 1) * gap];
if (composite.width !== expected[0] || composite.height !== expected[1]) {
  console.error(`layout mismatch: ${composite.width}×${composite.height}, expected ${expected.join('×')}`);
  process.exit(1);
}
rows.forEach((row, k) => {
  const x = gap + (k % columns) * (side + gap);
  const y = gap + Math.floor(k / columns) * (cellHeight + gap) + titleHeight;
  cut(x, y, side, sampleGridFile(outPng, row, row.perSeed[0].seed));
});
