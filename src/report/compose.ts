// Put several PNG panels (scatter plots, grids, charts) into one picture: a row by default, or a grid with
// `columns`, each panel optionally under a title line. Used for "GAN vs GDPP" side-by-sides and benchmark panels.
import { PNG } from 'pngjs';
import { Canvas, COLOURS, type Rgb } from './canvas.js';
import { textWidth, wrapText } from './font.js';

/** Options of the panel composer. */
export interface ComposeOptions {
  /** One title per panel (drawn above it). */
  titles?: string[];
  /** Panels per row (default: all in one row). */
  columns?: number;
  /** Pixels between panels and around the edge (default 8). */
  gap?: number;
  background?: Rgb;
}

/**
 * Compose PNG buffers into one PNG, left to right then top to bottom. A null panel leaves its cell empty (to
 * start a new row of the grid at a chosen place).
 */
export function sideBySidePng(panels: (Buffer | null)[], opts: ComposeOptions = {}): Buffer {
  if (!panels.some((p) => p !== null)) throw new RangeError('sideBySidePng: expected at least one panel');
  const images = panels.map((buffer) => (buffer === null ? null : PNG.sync.read(buffer)));
  const drawn = images.filter((p) => p !== null);
  const columns = Math.max(1, Math.min(opts.columns ?? images.length, images.length));
  const rows = Math.ceil(images.length / columns);
  const gap = opts.gap ?? 8;
  const cellWidth = Math.max(...drawn.map((p) => p.width));
  // Titles: scale 2 when the line fits the cell, else scale 1, wrapped onto as many lines as it takes.
  const titles = (opts.titles ?? []).map((title) => {
    const scale = textWidth(title, 2) <= cellWidth ? 2 : 1;
    return { scale, lines: wrapText(title, cellWidth, scale) };
  });
  const lineHeight = (scale: number) => 7 * scale + 4;
  const titleHeight = Math.max(0, ...titles.map((t) => t.lines.length * lineHeight(t.scale)));
  const cellHeight = Math.max(...drawn.map((p) => p.height)) + titleHeight;
  const canvas = new Canvas(
    columns * cellWidth + (columns + 1) * gap,
    rows * cellHeight + (rows + 1) * gap,
    opts.background ?? COLOURS.white,
  );
  images.forEach((image, k) => {
    if (image === null) return;
    const x = gap + (k % columns) * (cellWidth + gap);
    const y = gap + Math.floor(k / columns) * (cellHeight + gap);
    const title = titles[k];
    title?.lines.forEach((line, n) => {
      const top = y + n * lineHeight(title.scale) + 2;
      canvas.text(x + cellWidth / 2, top, line, COLOURS.black, { scale: title.scale, align: 'centre' });
    });
    canvas.draw(image, x + Math.floor((cellWidth - image.width) / 2), y + titleHeight);
  });
  return canvas.toPng();
}
