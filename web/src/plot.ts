// Canvas drawing for the playground: the discriminator's decision surface as a heatmap, real and generated
// samples, each mode's 3σ ring (green when covered), and a small multi-series curve chart. Pure drawing: no
// training state lives here.

export interface Bounds {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

/** Bounds that frame the centres with a margin (a square region, so circles stay round). */
export function boundsFor(centres: number[][], margin: number): Bounds {
  const xs = centres.map((c) => c[0]);
  const ys = centres.map((c) => c[1]);
  const half = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys), 1) / 2 + margin;
  const cx = (Math.max(...xs) + Math.min(...xs)) / 2;
  const cy = (Math.max(...ys) + Math.min(...ys)) / 2;
  return { xMin: cx - half, xMax: cx + half, yMin: cy - half, yMax: cy + half };
}

/** The grid of points (row-major, top row first) at which the heatmap is evaluated. */
export function heatmapPoints(bounds: Bounds, resolution: number): Float32Array {
  const points = new Float32Array(resolution * resolution * 2);
  for (let row = 0; row < resolution; row++) {
    for (let col = 0; col < resolution; col++) {
      const i = row * resolution + col;
      points[2 * i] = bounds.xMin + ((col + 0.5) / resolution) * (bounds.xMax - bounds.xMin);
      points[2 * i + 1] = bounds.yMax - ((row + 0.5) / resolution) * (bounds.yMax - bounds.yMin);
    }
  }
  return points;
}

/** The heatmap's ends: D sure a point is fake (blue), sure it is real (green); white in between. */
const FAKE_COLOUR = [66, 133, 244] as const;
const REAL_COLOUR = [52, 168, 83] as const;

export interface ScatterScene {
  bounds: Bounds;
  /** D's probability-like score in [0, 1] on the heatmap grid (row-major), or null. */
  heatmap: Float32Array | null;
  heatmapResolution: number;
  real: Float32Array;
  generated: Float32Array;
  centres: number[][];
  std: number;
  covered: boolean[];
  /** Arrows from each origin (data coordinates), one set per term; the longest of all is `maxLength` pixels. */
  forces?: ForceArrows | null;
}

/** The generator loss's pull on samples, drawn as arrows (GAN Lab's "generator gradients"). */
export interface ForceArrows {
  origins: Float32Array;
  terms: { name: string; colour: string; vectors: Float32Array }[];
  maxLength: number;
}

export function drawScatter(canvas: HTMLCanvasElement, scene: ScatterScene): void {
  const context = canvas.getContext('2d');
  if (!context) return;
  const { width, height } = canvas;
  const { bounds } = scene;
  const toX = (x: number) => ((x - bounds.xMin) / (bounds.xMax - bounds.xMin)) * width;
  const toY = (y: number) => ((bounds.yMax - y) / (bounds.yMax - bounds.yMin)) * height;
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, width, height);
  if (scene.heatmap) {
    const r = scene.heatmapResolution;
    const image = context.createImageData(r, r);
    for (let i = 0; i < r * r; i++) {
      const p = Math.min(Math.max(scene.heatmap[i], 0), 1);
      // blue (D says fake, p = 0) → white (p = 0.5) → green (D says real, p = 1)
      const t = 2 * p - 1;
      const [r, g, b] = t < 0 ? FAKE_COLOUR : REAL_COLOUR;
      const a = Math.abs(t);
      image.data[4 * i] = Math.round(255 + a * (r - 255));
      image.data[4 * i + 1] = Math.round(255 + a * (g - 255));
      image.data[4 * i + 2] = Math.round(255 + a * (b - 255));
      image.data[4 * i + 3] = 110;
    }
    const tile = document.createElement('canvas');
    tile.width = r;
    tile.height = r;
    tile.getContext('2d')?.putImageData(image, 0, 0);
    context.imageSmoothingEnabled = true;
    context.drawImage(tile, 0, 0, width, height);
  }
  const dot = (points: Float32Array, colour: string, size: number) => {
    context.fillStyle = colour;
    for (let i = 0; i + 1 < points.length; i += 2) {
      context.fillRect(toX(points[i]) - size / 2, toY(points[i + 1]) - size / 2, size, size);
    }
  };
  dot(scene.real, 'rgba(90, 90, 90, 0.35)', 2);
  dot(scene.generated, 'rgba(240, 110, 20, 0.75)', 2.5);
  const pixelsPerUnit = width / (bounds.xMax - bounds.xMin);
  if (scene.forces) drawForces(context, scene.forces, toX, toY, width);
  scene.centres.forEach((centre, k) => {
    context.strokeStyle = scene.covered[k] ? '#1a9850' : '#d73027';
    context.lineWidth = 1.5;
    context.beginPath();
    context.arc(toX(centre[0]), toY(centre[1]), Math.max(3 * scene.std * pixelsPerUnit, 4), 0, 2 * Math.PI);
    context.stroke();
  });
}

function drawForces(
  context: CanvasRenderingContext2D,
  forces: ForceArrows,
  toX: (x: number) => number,
  toY: (y: number) => number,
  width: number,
): void {
  let largest = 0;
  for (const term of forces.terms) {
    for (let i = 0; i + 1 < term.vectors.length; i += 2) {
      largest = Math.max(largest, Math.hypot(term.vectors[i], term.vectors[i + 1]));
    }
  }
  const scale = largest > 0 ? forces.maxLength / largest : 0;
  context.lineWidth = 1.2;
  context.font = '12px system-ui, sans-serif';
  forces.terms.forEach((term, k) => {
    context.strokeStyle = term.colour;
    context.beginPath();
    for (let i = 0; i + 1 < term.vectors.length; i += 2) {
      // Pixel y grows downwards: the data's +y is −y on the canvas.
      const dx = term.vectors[i] * scale;
      const dy = -term.vectors[i + 1] * scale;
      const length = Math.hypot(dx, dy);
      if (length < 0.5) continue;
      const x0 = toX(forces.origins[i]);
      const y0 = toY(forces.origins[i + 1]);
      const [x1, y1] = [x0 + dx, y0 + dy];
      context.moveTo(x0, y0);
      context.lineTo(x1, y1);
      // A small head: two strokes back from the tip at ±25°.
      const head = Math.min(5, length / 2);
      const angle = Math.atan2(dy, dx);
      for (const turn of [Math.PI - 0.45, Math.PI + 0.45]) {
        context.moveTo(x1, y1);
        context.lineTo(x1 + head * Math.cos(angle + turn), y1 + head * Math.sin(angle + turn));
      }
    }
    context.stroke();
    const label = `→ ${term.name}`;
    const labelWidth = context.measureText(label).width;
    context.fillStyle = 'rgba(255, 255, 255, 0.85)';
    context.fillRect(width - labelWidth - 14, 4 + 16 * k, labelWidth + 8, 16);
    context.fillStyle = term.colour;
    context.fillText(label, width - labelWidth - 10, 16 + 16 * k);
  });
}

export interface CurveSeries {
  name: string;
  colour: string;
  values: number[];
}

export function drawCurves(canvas: HTMLCanvasElement, series: CurveSeries[]): void {
  const context = canvas.getContext('2d');
  if (!context) return;
  const { width, height } = canvas;
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, width, height);
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  if (all.length === 0) return;
  let low = Math.min(...all);
  let high = Math.max(...all);
  if (high - low < 1e-9) {
    low -= 1;
    high += 1;
  }
  context.font = '11px system-ui, sans-serif';
  series.forEach((s, index) => {
    context.strokeStyle = s.colour;
    context.lineWidth = 1.2;
    context.beginPath();
    s.values.forEach((v, i) => {
      const x = (i / Math.max(s.values.length - 1, 1)) * (width - 4) + 2;
      const y = height - 14 - ((v - low) / (high - low)) * (height - 24);
      if (i === 0) context.moveTo(x, y);
      else context.lineTo(x, y);
    });
    context.stroke();
    context.fillStyle = s.colour;
    context.fillText(s.name, 6 + index * 90, height - 2);
  });
  context.fillStyle = '#777';
  context.fillText(high.toPrecision(3), width - 48, 10);
  context.fillText(low.toPrecision(3), width - 48, height - 16);
}
