// Stacked-MNIST mode map: the 1,000 modes of GDPP Table 3 (digit triples a b c, mode = 100a + 10b + c) as ten
// 10×10 blocks — block a (first channel's digit), row b, column c — each cell coloured by how often the
// generator drew that triple, as a multiple r = count / (N/1000) of the uniform share:
//   count = 0 → red (a dropped mode: what "modes covered" counts);
//   count > 0 → blue, light to dark along log2 r ∈ [−3, 3] (1/8× … 8×, clamped; r = 1 is the middle shade).
// Below, each channel's digit frequencies (the map's marginals; uniform = 10% each): a generator whose samples
// were independent across channels would cover mode abc in proportion to p1(a)·p2(b)·p3(c), so a digit it
// under-draws in one channel shows as a light or red row, column or block. The subtitle sets the modes covered
// beside independentChannelsCoverage, the count those frequencies alone predict: close, and the missing modes
// are a per-channel digit imbalance; far above, the generator drops triples jointly.
// "Modes covered" says how many modes a generator drops; the map says which ones, and whether it over-draws a
// few (what KL(generated ‖ uniform) adds up).
import { digitMarginals, independentChannelsCoverage } from '../metrics/stacked-mnist-modes.js';
import { Canvas, COLOURS, type Rgb } from './canvas.js';
import { GLYPH_HEIGHT, wrapText } from './font.js';

/** Modes of Stacked-MNIST (three digits). */
const MODES = 1000;
/** Side of one mode's cell, in pixels. */
const CELL = 8;
const BLOCK = 10 * CELL;
const GAP = 18;
const MARGIN = 12;
const BLOCKS_PER_ROW = 5;
/** log2 of the share multiple at each end of the colour scale. */
const LOG_RANGE = 3;
/** Lines above the map: the title (wrapped to at most two lines) and the counts' summary. */
const HEADER_LINES = 3;
const TOP = MARGIN + HEADER_LINES * (GLYPH_HEIGHT + 5);
const LABEL = GLYPH_HEIGHT + 4;
/** Colour of a mode the samples never hit. */
export const MISSING_MODE_COLOUR: Rgb = COLOURS.ring;
const LIGHT: Rgb = [222, 235, 247];
const DARK: Rgb = [8, 48, 107];

/** The colour of a covered mode drawn `share` times its uniform share (share > 0). */
export function modeShareColour(share: number): Rgb {
  const t = Math.min(1, Math.max(0, (Math.log2(share) + LOG_RANGE) / (2 * LOG_RANGE)));
  const mix = (c: number) => Math.round(LIGHT[c] + t * (DARK[c] - LIGHT[c]));
  return [mix(0), mix(1), mix(2)];
}

/** Top-left pixel of mode m's cell (m = 100a + 10b + c: block a, row b, column c) in the map's picture. */
export function modeCellOrigin(mode: number): { x: number; y: number; size: number } {
  if (!Number.isInteger(mode) || mode < 0 || mode >= MODES) {
    throw new RangeError(`modeCellOrigin: expected a mode in 0..${MODES - 1}, got ${mode}`);
  }
  const block = Math.floor(mode / 100);
  const row = Math.floor(mode / 10) % 10;
  const column = mode % 10;
  const x = MARGIN + (block % BLOCKS_PER_ROW) * (BLOCK + GAP) + column * CELL;
  const y = TOP + LABEL + Math.floor(block / BLOCKS_PER_ROW) * (LABEL + BLOCK + GAP) + row * CELL;
  return { x, y, size: CELL };
}

/** Options of `modeMapPng`. */
export interface ModeMapOptions {
  /** Heading (e.g. the run and its weights), wrapped to at most two lines; the counts' summary follows it. */
  title?: string;
}

/** The mode map (see the file header) of a Stacked-MNIST mode histogram: counts[m] samples of mode m. */
export function modeMapPng(counts: ArrayLike<number>, opts: ModeMapOptions = {}): Buffer {
  if (counts.length !== MODES) {
    throw new RangeError(`modeMapPng: expected ${MODES} mode counts, got ${counts.length}`);
  }
  let samples = 0;
  let covered = 0;
  for (let m = 0; m < MODES; m++) {
    const count = counts[m];
    if (!Number.isFinite(count) || count < 0) {
      throw new RangeError(`modeMapPng: mode ${m} has count ${count}; expected a finite count ≥ 0`);
    }
    samples += count;
    if (count > 0) covered++;
  }
  const width = 2 * MARGIN + BLOCKS_PER_ROW * BLOCK + (BLOCKS_PER_ROW - 1) * GAP;
  const legendTop = TOP + 2 * (LABEL + BLOCK) + GAP + 4;
  const marginalsTop = legendTop + CELL + 3 * (GLYPH_HEIGHT + 5) + 6;
  const canvas = new Canvas(width, marginalsTop + MARGINAL_HEIGHT + 2 * (GLYPH_HEIGHT + 5) + MARGIN);
  const marginals = digitMarginals(counts);
  const titleLines = wrapText(opts.title ?? 'Stacked-MNIST modes', width - 2 * MARGIN);
  if (titleLines.length > HEADER_LINES - 1) {
    titleLines.length = HEADER_LINES - 1;
    titleLines[HEADER_LINES - 2] += ' ...';
  }
  titleLines.forEach((line, i) => {
    canvas.text(MARGIN, MARGIN + i * (GLYPH_HEIGHT + 5), line);
  });
  canvas.text(
    MARGIN,
    MARGIN + titleLines.length * (GLYPH_HEIGHT + 5),
    `${covered}/${MODES} modes covered by ${samples} samples${samples > 0 ? ` (${Math.round(independentChannelsCoverage(marginals, samples))} if the channels were independent)` : ''}`,
    COLOURS.grey,
  );
  const expected = samples / MODES;
  for (let block = 0; block < 10; block++) {
    const { x, y } = modeCellOrigin(100 * block);
    canvas.text(x, y - LABEL, `${block}··`);
    canvas.strokeRect(x - 1, y - 1, BLOCK + 2, BLOCK + 2, COLOURS.grey);
  }
  for (let m = 0; m < MODES; m++) {
    const { x, y } = modeCellOrigin(m);
    const colour = counts[m] === 0 ? MISSING_MODE_COLOUR : modeShareColour(counts[m] / expected);
    canvas.fillRect(x, y, CELL, CELL, colour);
  }
  drawLegend(canvas, legendTop);
  if (samples > 0) drawMarginals(canvas, marginals, marginalsTop);
  return canvas.toPng();
}

/** Height of the digit-frequency bars' plot area, in pixels (the top = MARGINAL_MAX). */
const MARGINAL_HEIGHT = 44;
/** Digit frequency at the top of the bars' scale (higher ones are clipped there and drawn dark). */
const MARGINAL_MAX = 0.25;

/** Three bar charts of digit frequency per channel, with the uniform 10% as a dashed line. */
function drawMarginals(canvas: Canvas, marginals: number[][], top: number): void {
  const names = ['1st digit', '2nd digit', '3rd digit'];
  const bar = 11;
  const groupWidth = 10 * bar;
  const step = (canvas.width - 2 * MARGIN - groupWidth) / 2;
  const base = top + GLYPH_HEIGHT + 5 + MARGINAL_HEIGHT;
  const heightOf = (share: number) =>
    Math.round((Math.min(share, MARGINAL_MAX) / MARGINAL_MAX) * MARGINAL_HEIGHT);
  marginals.forEach((channel, c) => {
    const left = MARGIN + Math.round(c * step);
    canvas.text(
      left,
      top,
      `${names[c]}: ${Math.round(100 * Math.min(...channel))}–${Math.round(100 * Math.max(...channel))}%`,
    );
    channel.forEach((share, digit) => {
      const h = heightOf(share);
      const x = left + digit * bar;
      canvas.fillRect(x + 1, base - h, bar - 2, h, share > MARGINAL_MAX ? DARK : COLOURS.real);
      canvas.text(x + bar / 2, base + 3, String(digit), COLOURS.grey, { align: 'centre' });
    });
    const uniform = base - heightOf(0.1);
    for (let x = left; x < left + groupWidth; x += 4) canvas.line(x, uniform, x + 1, uniform, COLOURS.black);
    canvas.line(left, base, left + groupWidth - 1, base, COLOURS.grey);
  });
}

/** Red swatch for missing modes, the blue scale with its 1/8×, 1×, 8× ticks, and how to read a cell. */
function drawLegend(canvas: Canvas, top: number): void {
  canvas.fillRect(MARGIN, top, CELL, CELL, MISSING_MODE_COLOUR);
  canvas.text(MARGIN + CELL + 4, top + 1, 'never drawn');
  const left = MARGIN + 96;
  const barWidth = 150;
  for (let i = 0; i < barWidth; i++) {
    const logShare = -LOG_RANGE + (2 * LOG_RANGE * i) / (barWidth - 1);
    canvas.fillRect(left + i, top, 1, CELL, modeShareColour(2 ** logShare));
  }
  const ticks: [number, string][] = [
    [0, '1/8×'],
    [0.5, '1×'],
    [1, '8×'],
  ];
  for (const [at, label] of ticks) {
    const x = left + at * (barWidth - 1);
    canvas.line(x, top + CELL, x, top + CELL + 2, COLOURS.black);
    canvas.text(x, top + CELL + 4, label, COLOURS.black, { align: 'centre' });
  }
  canvas.text(left + barWidth + 10, top + 1, '× the uniform share N/1000');
  canvas.text(
    MARGIN,
    top + CELL + 2 * (GLYPH_HEIGHT + 5),
    'mode abc = block a, row b, column c; bars: digit frequencies (- - 10%)',
    COLOURS.grey,
  );
}
