// A minimal RGBA raster for plots: alpha-blended pixels, lines, rectangles, circles, crosses and 5×7 bitmap text,
// encoded to PNG with pngjs. Pure TypeScript over a Uint8Array (no tfjs), so it works in Node and browsers.
// Invariant: `data` is width·height·4 bytes, row-major RGBA, always fully opaque after `fill`.
import { PNG } from 'pngjs';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyph, textWidth } from './font.js';

/** An RGB colour, 0–255 per channel. */
export type Rgb = readonly [number, number, number];

/** The palette of every report picture (real data blue, generated orange, …). */
export const COLOURS = {
  white: [255, 255, 255] as Rgb,
  black: [0, 0, 0] as Rgb,
  grey: [128, 128, 128] as Rgb,
  lightGrey: [225, 225, 225] as Rgb,
  real: [31, 119, 180] as Rgb, // blue
  generated: [255, 127, 14] as Rgb, // orange
  centre: [40, 40, 40] as Rgb,
  ring: [214, 39, 40] as Rgb, // red 3σ rings
};

/** Distinct line colours (the matplotlib "tab10" cycle). */
export const PALETTE: Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

/** An RGBA pixel canvas with alpha blending, lines, rectangles and text (PNG via pngjs). */
export class Canvas {
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = COLOURS.white,
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`Canvas: expected positive integer width and height, got ${width}×${height}`);
    }
    this.data = new Uint8Array(width * height * 4);
    this.fill(background);
  }

  /** Paint every pixel, opaque. */
  fill(colour: Rgb): void {
    for (let i = 0; i < this.width * this.height; i++) {
      this.data[4 * i] = colour[0];
      this.data[4 * i + 1] = colour[1];
      this.data[4 * i + 2] = colour[2];
      this.data[4 * i + 3] = 255;
    }
  }

  /** Blend `colour` over pixel (x, y) with opacity alpha ∈ [0, 1]; outside pixels are ignored. */
  blend(x: number, y: number, colour: Rgb, alpha = 1): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = 4 * (y * this.width + x);
    for (let c = 0; c < 3; c++) {
      this.data[i + c] = Math.round(this.data[i + c] * (1 - alpha) + colour[c] * alpha);
    }
    this.data[i + 3] = 255;
  }

  /** The RGB colour at (x, y). */
  pixel(x: number, y: number): Rgb {
    const i = 4 * (y * this.width + x);
    return [this.data[i], this.data[i + 1], this.data[i + 2]];
  }

  /** Blend a filled rectangle (alpha in [0, 1]). */
  fillRect(x: number, y: number, w: number, h: number, colour: Rgb, alpha = 1): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) this.blend(px, py, colour, alpha);
  }

  /** Draw a 1-pixel rectangle outline. */
  strokeRect(x: number, y: number, w: number, h: number, colour: Rgb): void {
    this.line(x, y, x + w - 1, y, colour);
    this.line(x, y + h - 1, x + w - 1, y + h - 1, colour);
    this.line(x, y, x, y + h - 1, colour);
    this.line(x + w - 1, y, x + w - 1, y + h - 1, colour);
  }

  /** A 1-pixel line (Bresenham) between two points, rounded to pixel centres. */
  line(x0: number, y0: number, x1: number, y1: number, colour: Rgb, alpha = 1): void {
    let x = Math.round(x0);
    let y = Math.round(y0);
    const xe = Math.round(x1);
    const ye = Math.round(y1);
    // guard against absurd coordinates (e.g. from NaN-free but huge values): clip the walk length
    if (Math.abs(xe - x) + Math.abs(ye - y) > 4 * (this.width + this.height)) return;
    const dx = Math.abs(xe - x);
    const dy = -Math.abs(ye - y);
    const sx = x < xe ? 1 : -1;
    const sy = y < ye ? 1 : -1;
    let error = dx + dy;
    for (;;) {
      this.blend(x, y, colour, alpha);
      if (x === xe && y === ye) return;
      const e2 = 2 * error;
      if (e2 >= dy) {
        error += dy;
        x += sx;
      }
      if (e2 <= dx) {
        error += dx;
        y += sy;
      }
    }
  }

  /** A filled disc of radius r (in pixels) centred on (cx, cy). */
  disc(cx: number, cy: number, r: number, colour: Rgb, alpha = 1): void {
    const r2 = r * r;
    for (let y = Math.floor(cy - r); y <= Math.ceil(cy + r); y++) {
      for (let x = Math.floor(cx - r); x <= Math.ceil(cx + r); x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 <= r2) this.blend(x, y, colour, alpha);
      }
    }
  }

  /** A 1-pixel circle outline of radius r centred on (cx, cy). */
  circle(cx: number, cy: number, r: number, colour: Rgb, alpha = 1): void {
    const steps = Math.max(16, Math.ceil(2 * Math.PI * r));
    let px = cx + r;
    let py = cy;
    for (let k = 1; k <= steps; k++) {
      const angle = (2 * Math.PI * k) / steps;
      const nx = cx + r * Math.cos(angle);
      const ny = cy + r * Math.sin(angle);
      this.line(px, py, nx, ny, colour, alpha);
      px = nx;
      py = ny;
    }
  }

  /** An "×"-free plus-shaped cross of half-size s. */
  cross(cx: number, cy: number, s: number, colour: Rgb): void {
    this.line(cx - s, cy, cx + s, cy, colour);
    this.line(cx, cy - s, cx, cy + s, colour);
  }

  /** Draw text with its top-left corner at (x, y); `align` places x at the left, centre or right end. */
  text(
    x: number,
    y: number,
    text: string,
    colour: Rgb = COLOURS.black,
    opts: { scale?: number; align?: 'left' | 'centre' | 'right' } = {},
  ): void {
    const scale = opts.scale ?? 1;
    const width = textWidth(text, scale);
    let left = Math.round(opts.align === 'centre' ? x - width / 2 : opts.align === 'right' ? x - width : x);
    const top = Math.round(y);
    for (const character of text) {
      const mask = glyph(character);
      for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
        for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
          if (mask[gy * GLYPH_WIDTH + gx])
            this.fillRect(left + gx * scale, top + gy * scale, scale, scale, colour);
        }
      }
      left += GLYPH_ADVANCE * scale;
    }
  }

  /** Copy another canvas (or decoded PNG) onto this one with its top-left at (x, y). */
  draw(source: { width: number; height: number; data: Uint8Array | Buffer }, x: number, y: number): void {
    for (let sy = 0; sy < source.height; sy++) {
      const ty = y + sy;
      if (ty < 0 || ty >= this.height) continue;
      for (let sx = 0; sx < source.width; sx++) {
        const tx = x + sx;
        if (tx < 0 || tx >= this.width) continue;
        const si = 4 * (sy * source.width + sx);
        const alpha = source.data[si + 3] / 255;
        this.blend(tx, ty, [source.data[si], source.data[si + 1], source.data[si + 2]], alpha);
      }
    }
  }

  /** Encode as an 8-bit RGBA PNG. */
  toPng(): Buffer {
    const png = new PNG({ width: this.width, height: this.height });
    png.data = Buffer.from(this.data.buffer, this.data.byteOffset, this.data.byteLength);
    return PNG.sync.write(png);
  }

  /** Decode a PNG buffer into a canvas. */
  static fromPng(buffer: Buffer): Canvas {
    const png = PNG.sync.read(buffer);
    const canvas = new Canvas(png.width, png.height);
    canvas.data.set(png.data);
    return canvas;
  }
}
