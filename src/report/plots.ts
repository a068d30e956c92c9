// PNG plots for runs and benchmarks: 2-D scatter plots (real vs generated samples with the mixture centres and
// their HQ rings — the GDPP Table 1 picture), line charts (loss curves) and image sample grids.
// Pure functions over plain/typed arrays → PNG Buffers; no tfjs.
import { Canvas, COLOURS, PALETTE, type Rgb } from './canvas.js';
import { textWidth, wrapText } from './font.js';

/** Points as a flat row-major [N × 2] array or as [x, y] rows. */
export type Points2d = Float32Array | Float64Array | number[][];
/** [xmin, xmax, ymin, ymax]. */
export type Bounds = [number, number, number, number];

function pointCount(points: Points2d): number {
  return Array.isArray(points) ? points.length : points.length / 2;
}

function forEachPoint(points: Points2d, f: (x: number, y: number) => void): void {
  if (Array.isArray(points)) for (const p of points) f(p[0], p[1]);
  else for (let i = 0; i + 1 < points.length; i += 2) f(points[i], points[i + 1]);
}

/** Up to about `count` round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min) || !Number.isFinite(min) || !Number.isFinite(max))
    return Number.isFinite(min) ? [min] : [];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return ticks;
}

/** A short label for a number: 3 significant digits, exponent form for very large/small magnitudes. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) {
    const [mantissa, exponent] = value.toExponential(1).split('e');
    return `${mantissa.replace(/\.0$/, '')}e${Number(exponent)}`;
  }
  return String(Number(value.toPrecision(3)));
}

/** Options of `scatterPlotPng`. */
export interface ScatterPlotOptions {
  /** Samples from the data distribution (drawn first, blue). */
  real?: Points2d;
  /** Generated samples (drawn on top, orange). */
  generated?: Points2d;
  /** Mixture centres, drawn as crosses. */
  centres?: number[][];
  /** Mixture std: with `centres`, draws each centre's HQ ring of radius threshold·std. */
  std?: number;
  /** HQ ring radius in units of std (default 3). */
  threshold?: number;
  width?: number;
  height?: number;
  /** Plotted region; default: the centres (or the samples) padded, with equal x and y scales. */
  bounds?: Bounds;
  title?: string;
  /** Point radius in pixels (default 1.2). */
  pointRadius?: number;
  /** Point opacity (default 0.5). */
  alpha?: number;
}

function defaultBounds(opts: ScatterPlotOptions): Bounds {
  const box: Bounds = [Infinity, -Infinity, Infinity, -Infinity];
  const include = (x: number, y: number) => {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    box[0] = Math.min(box[0], x);
    box[1] = Math.max(box[1], x);
    box[2] = Math.min(box[2], y);
    box[3] = Math.max(box[3], y);
  };
  if (opts.centres && opts.centres.length > 0) {
    for (const c of opts.centres) include(c[0], c[1]);
    const extent = Math.max(box[1] - box[0], box[3] - box[2]);
    const pad = Math.max(0.25 * extent, 10 * (opts.std ?? 0), 0.5);
    return [box[0] - pad, box[1] + pad, box[2] - pad, box[3] + pad];
  }
  const source = opts.real && pointCount(opts.real) > 0 ? opts.real : opts.generated;
  if (source) forEachPoint(source, include);
  if (!Number.isFinite(box[0])) return [-1, 1, -1, 1];
  const pad = 0.1 * Math.max(box[1] - box[0], box[3] - box[2], 1e-3);
  return [box[0] - pad, box[1] + pad, box[2] - pad, box[3] + pad];
}

/** Widen the shorter side so one unit is the same number of pixels on both axes. */
function equalAspect(bounds: Bounds, plotWidth: number, plotHeight: number): Bounds {
  const [x0, x1, y0, y1] = bounds;
  const perPixel = Math.max((x1 - x0) / plotWidth, (y1 - y0) / plotHeight);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  return [
    cx - (perPixel * plotWidth) / 2,
    cx + (perPixel * plotWidth) / 2,
    cy - (perPixel * plotHeight) / 2,
    cy + (perPixel * plotHeight) / 2,
  ];
}

interface Frame {
  canvas: Canvas;
  left: number;
  top: number;
  plotWidth: number;
  plotHeight: number;
  bounds: Bounds;
  toX: (x: number) => number;
  toY: (y: number) => number;
}

/** Title, axes box, ticks and tick labels; `fitBounds` picks the data region for the plot area's size. */
function frame(
  width: number,
  height: number,
  title: string | undefined,
  fitBounds: (plotW: number, plotH: number) => Bounds,
): Frame {
  const canvas = new Canvas(width, height);
  const titleScale = title !== undefined && textWidth(title, 2) <= width - 8 ? 2 : 1;
  const titleLines = title === undefined ? [] : wrapText(title, width - 8, titleScale);
  const lineHeight = 7 * titleScale + 3;
  const top = titleLines.length > 0 ? titleLines.length * lineHeight + 7 : 8;
  const left = 44;
  const right = 10;
  const bottom = 20;
  const plotWidth = Math.max(10, width - left - right);
  const plotHeight = Math.max(10, height - top - bottom);
  const b = fitBounds(plotWidth, plotHeight);
  const toX = (x: number) => left + ((x - b[0]) / (b[1] - b[0])) * (plotWidth - 1);
  const toY = (y: number) => top + (1 - (y - b[2]) / (b[3] - b[2])) * (plotHeight - 1);
  titleLines.forEach((line, k) => {
    canvas.text(width / 2, 5 + k * lineHeight, line, COLOURS.black, { scale: titleScale, align: 'centre' });
  });
  for (const t of niceTicks(b[0], b[1])) {
    const x = toX(t);
    canvas.line(x, top, x, top + plotHeight - 1, COLOURS.lightGrey);
    canvas.line(x, top + plotHeight, x, top + plotHeight + 2, COLOURS.black);
    canvas.text(x, top + plotHeight + 5, formatNumber(t), COLOURS.black, { align: 'centre' });
  }
  for (const t of niceTicks(b[2], b[3])) {
    const y = toY(t);
    canvas.line(left, y, left + plotWidth - 1, y, COLOURS.lightGrey);
    canvas.line(left - 3, y, left - 1, y, COLOURS.black);
    canvas.text(left - 5, y - 3, formatNumber(t), COLOURS.black, { align: 'right' });
  }
  canvas.strokeRect(left - 1, top - 1, plotWidth + 2, plotHeight + 2, COLOURS.black);
  return { canvas, left, top, plotWidth, plotHeight, bounds: b, toX, toY };
}

function legend(canvas: Canvas, x: number, y: number, entries: { name: string; colour: Rgb }[]): void {
  const width = Math.max(...entries.map((e) => textWidth(e.name))) + 18;
  canvas.fillRect(x, y, width, entries.length * 11 + 4, COLOURS.white, 0.85);
  entries.forEach((entry, i) => {
    canvas.fillRect(x + 3, y + 3 + i * 11, 8, 7, entry.colour);
    canvas.text(x + 14, y + 3 + i * 11, entry.name, COLOURS.black);
  });
}

/** Scatter plot of 2-D samples: real (blue) under generated (orange), centres as crosses with HQ rings. */
export function scatterPlotPng(opts: ScatterPlotOptions): Buffer {
  const width = opts.width ?? 400;
  const height = opts.height ?? 400;
  const requested = opts.bounds ?? defaultBounds(opts);
  const f = frame(width, height, opts.title, (w, h) =>
    opts.bounds ? requested : equalAspect(requested, w, h),
  );
  const { canvas, toX, toY, bounds } = f;
  const radius = opts.pointRadius ?? 1.2;
  const alpha = opts.alpha ?? 0.5;
  const inside = (x: number, y: number) =>
    x >= bounds[0] && x <= bounds[1] && y >= bounds[2] && y <= bounds[3];
  let outside = 0;
  const plot = (points: Points2d | undefined, colour: Rgb) => {
    if (!points) return;
    forEachPoint(points, (x, y) => {
      if (inside(x, y)) canvas.disc(toX(x), toY(y), radius, colour, alpha);
      else outside++;
    });
  };
  plot(opts.real, COLOURS.real);
  const realOutside = outside;
  outside = 0;
  plot(opts.generated, COLOURS.generated);
  if (opts.centres) {
    const pixelsPerUnit = (f.plotWidth - 1) / (bounds[1] - bounds[0]);
    for (const c of opts.centres) {
      if (opts.std !== undefined) {
        const r = Math.max(2.5, (opts.threshold ?? 3) * opts.std * pixelsPerUnit);
        canvas.circle(toX(c[0]), toY(c[1]), r, COLOURS.ring, 0.8);
      }
      canvas.cross(toX(c[0]), toY(c[1]), 3, COLOURS.centre);
    }
  }
  const entries: { name: string; colour: Rgb }[] = [];
  if (opts.real) entries.push({ name: 'real', colour: COLOURS.real });
  if (opts.generated) entries.push({ name: 'generated', colour: COLOURS.generated });
  if (entries.length > 0) legend(canvas, f.left + 3, f.top + 3, entries);
  const notes: string[] = [];
  if (outside > 0) notes.push(`${outside} generated outside`);
  if (realOutside > 0) notes.push(`${realOutside} real outside`);
  notes.forEach((note, i) => {
    canvas.text(f.left + f.plotWidth - 4, f.top + f.plotHeight - 11 - 10 * i, note, COLOURS.black, {
      align: 'right',
    });
  });
  return canvas.toPng();
}

/** One named curve of a line chart. */
export interface LineSeries {
  name: string;
  /** y values at x = 0, 1, 2, … or explicit [x, y] pairs. Non-finite values break the line. */
  values: number[] | [number, number][];
}

/** Options of `lineChartPng`. */
export interface LineChartOptions {
  width?: number;
  height?: number;
  title?: string;
  /** y range; default: the finite data range (padded 5%). */
  yRange?: [number, number];
  /** Plot log10(y) (non-positive values are skipped). */
  logY?: boolean;
}

/** Line chart of one or more series (e.g. losses per step), with axes, ticks and a legend. */
export function lineChartPng(series: LineSeries[], opts: LineChartOptions = {}): Buffer {
  const width = opts.width ?? 600;
  const height = opts.height ?? 300;
  const transform = (y: number) => (opts.logY ? (y > 0 ? Math.log10(y) : Number.NaN) : y);
  const pairs = series.map((s) =>
    s.values.map((v, i): [number, number] =>
      Array.isArray(v) ? [v[0], transform(v[1])] : [i, transform(v)],
    ),
  );
  let bounds: Bounds = [Infinity, -Infinity, Infinity, -Infinity];
  for (const p of pairs) {
    for (const [x, y] of p) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      bounds = [
        Math.min(bounds[0], x),
        Math.max(bounds[1], x),
        Math.min(bounds[2], y),
        Math.max(bounds[3], y),
      ];
    }
  }
  if (!Number.isFinite(bounds[0])) bounds = [0, 1, 0, 1];
  if (opts.yRange) bounds = [bounds[0], bounds[1], transform(opts.yRange[0]), transform(opts.yRange[1])];
  if (bounds[1] <= bounds[0]) bounds = [bounds[0] - 0.5, bounds[1] + 0.5, bounds[2], bounds[3]];
  if (bounds[3] <= bounds[2]) bounds = [bounds[0], bounds[1], bounds[2] - 0.5, bounds[3] + 0.5];
  else if (!opts.yRange) {
    const pad = 0.05 * (bounds[3] - bounds[2]);
    bounds = [bounds[0], bounds[1], bounds[2] - pad, bounds[3] + pad];
  }
  const f = frame(width, height, opts.title, () => bounds);
  const { canvas, toX, toY } = f;
  const clampY = (y: number) => Math.min(f.top + f.plotHeight + 1, Math.max(f.top - 1, toY(y)));
  pairs.forEach((p, k) => {
    const colour = PALETTE[k % PALETTE.length];
    let previous: [number, number] | null = null;
    for (const [x, y] of p) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        previous = null;
        continue;
      }
      const point: [number, number] = [toX(x), clampY(y)];
      if (previous) canvas.line(previous[0], previous[1], point[0], point[1], colour);
      else canvas.blend(point[0], point[1], colour);
      previous = point;
    }
  });
  if (opts.logY) canvas.text(3, f.top, 'log10', COLOURS.grey);
  legend(
    canvas,
    f.left + f.plotWidth - Math.max(...series.map((s) => textWidth(s.name)), 0) - 22,
    f.top + 3,
    series.map((s, k) => ({ name: s.name, colour: PALETTE[k % PALETTE.length] })),
  );
  return canvas.toPng();
}

/** Options of `imageGridPng`. */
export interface ImageGridOptions {
  /** Images per row (default ⌈√n⌉). */
  columns?: number;
  /** Pixels between images (default 2). */
  padding?: number;
  /** Integer upscaling factor (default 1). */
  scale?: number;
}

/** A grid of n images [n, h, w, c] (row-major, channels last, c = 1 or 3, values in [0, 1], clamped). */
export function imageGridPng(
  images: Float32Array | Float64Array | Uint8Array,
  n: number,
  h: number,
  w: number,
  c: number,
  opts: ImageGridOptions = {},
): Buffer {
  if (c !== 1 && c !== 3) throw new RangeError(`imageGridPng: expected 1 or 3 channels, got ${c}`);
  if (images.length < n * h * w * c) {
    throw new RangeError(
      `imageGridPng: expected ${n}×${h}×${w}×${c} = ${n * h * w * c} values, got ${images.length}`,
    );
  }
  const bytes = images instanceof Uint8Array;
  const columns = opts.columns ?? Math.max(1, Math.ceil(Math.sqrt(n)));
  const rows = Math.max(1, Math.ceil(n / columns));
  const padding = opts.padding ?? 2;
  const scale = opts.scale ?? 1;
  const canvas = new Canvas(
    columns * w * scale + (columns + 1) * padding,
    rows * h * scale + (rows + 1) * padding,
    COLOURS.lightGrey,
  );
  const value = (v: number) =>
    bytes ? v : Math.round(255 * Math.min(1, Math.max(0, Number.isNaN(v) ? 0 : v)));
  for (let k = 0; k < n; k++) {
    const ox = padding + (k % columns) * (w * scale + padding);
    const oy = padding + Math.floor(k / columns) * (h * scale + padding);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const base = ((k * h + y) * w + x) * c;
        const rgb: Rgb =
          c === 1
            ? [value(images[base]), value(images[base]), value(images[base])]
            : [value(images[base]), value(images[base + 1]), value(images[base + 2])];
        canvas.fillRect(ox + x * scale, oy + y * scale, scale, scale, rgb);
      }
    }
  }
  return canvas.toPng();
}
