import { readFileSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
const src = PNG.sync.read(readFileSync(process.argv[2]));
const [x0, y0, w, h, k] = [0, 280, 496, src.height - 280, 3];
const out = new PNG({ width: w * k, height: h * k });
for (let y = 0; y < h * k; y++) for (let x = 0; x < w * k; x++) {
  const si = 4 * ((y0 + Math.floor(y / k)) * src.width + x0 + Math.floor(x / k)); const di = 4 * (y * w * k + x);
  for (let c = 0; c < 4; c++) out.data[di + c] = src.data[si + c];
}
writeFileSync('tmp-prof/zoom.png', PNG.sync.write(out));
