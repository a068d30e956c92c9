// One live training run in the playground: a dppgan Trainer (the library's, not a copy) plus its views —
// samples over the discriminator's heatmap, mode coverage (count and HQ%), loss and GDPP curves, iterations/s.
// Samples come from the trained generator or, when the run keeps one, the moving average of its weights.
import * as tf from '@tensorflow/tfjs-core';
import type { GaussianMixture } from '../../src/data/synthetic.js';
import { modeCoverage } from '../../src/metrics/mode-coverage.js';
import { Random } from '../../src/random.js';
import type { TrainConfig } from '../../src/train/config.js';
import type { GeneratorWeights } from '../../src/train/generator-ema.js';
import { sampleForces } from '../../src/train/sample-forces.js';
import { Trainer } from '../../src/train/trainer.js';
import { type Bounds, drawCurves, drawScatter, type ForceArrows, heatmapPoints } from './plot.js';

const HEATMAP_RESOLUTION = 48;
const VIEW_SAMPLES = 1000;
const CURVE_LENGTH = 300;
/** Arrows drawn for the generator's pull: the first samples of one training-size batch, the longest this long. */
const FORCE_ARROWS = 96;
const FORCE_ARROW_PIXELS = 36;

export interface Coverage {
  modes: number;
  totalModes: number;
  hq: number;
}

export class RunPanel {
  readonly element: HTMLElement;
  private readonly plot: HTMLCanvasElement;
  private readonly curves: HTMLCanvasElement;
  private readonly stats: Record<'modes' | 'hq' | 'step' | 'speed', HTMLElement>;
  private trainer: Trainer | null = null;
  private dataset: GaussianMixture | null = null;
  private bounds: Bounds | null = null;
  private real: Float32Array = new Float32Array(0);
  private heatmap: Float32Array | null = null;
  private history = { d: [] as number[], g: [] as number[], gdpp: [] as number[] };
  private stepTimes: number[] = [];
  coverage: Coverage = { modes: 0, totalModes: 0, hq: 0 };
  /** Which generator weights the views sample from (the average needs a config with "generatorEma"). */
  private weights: GeneratorWeights = 'trained';
  /** Whether to draw −∂L_G/∂x on samples of the trained G. */
  private forces = false;

  constructor(
    readonly id: string,
    title: string,
    onPlotClick: (x: number, y: number) => void,
  ) {
    this.element = document.createElement('section');
    this.element.className = 'run';
    this.element.dataset.testid = `run-${id}`;
    this.element.dataset.weights = this.weights;
    this.element.dataset.forces = 'off';
    this.element.innerHTML = `
      <h2>${title}</h2>
      <canvas class="plot" width="480" height="480" data-testid="plot-${id}" role="img"
        aria-label="${title}: generated and real samples over the discriminator's decision surface"></canvas>
      <div class="stats">
        <div>modes<b data-testid="modes-${id}">–</b></div>
        <div>HQ<b data-testid="hq-${id}">–</b></div>
        <div>iteration<b data-testid="step-${id}">0</b></div>
        <div>it/s<b data-testid="speed-${id}">–</b></div>
      </div>
      <canvas class="curve" width="480" height="110" role="img" aria-label="${title}: loss curves"></canvas>`;
    const [plot, curves] = Array.from(this.element.querySelectorAll('canvas'));
    this.plot = plot;
    this.curves = curves;
    const stat = (name: string) => this.element.querySelector(`[data-testid="${name}-${id}"]`) as HTMLElement;
    this.stats = { modes: stat('modes'), hq: stat('hq'), step: stat('step'), speed: stat('speed') };
    this.plot.addEventListener('click', (event) => {
      if (!this.bounds) return;
      const rect = this.plot.getBoundingClientRect();
      const u = (event.clientX - rect.left) / rect.width;
      const v = (event.clientY - rect.top) / rect.height;
      const b = this.bounds;
      onPlotClick(b.xMin + u * (b.xMax - b.xMin), b.yMax - v * (b.yMax - b.yMin));
    });
  }

  /** Start a fresh run (disposing the previous one). */
  reset(config: TrainConfig, dataset: GaussianMixture, bounds: Bounds): void {
    this.trainer?.dispose();
    this.trainer = new Trainer(config, { dataset });
    this.dataset = dataset;
    this.bounds = bounds;
    this.real = dataset.sampleArray(500, new Random(12345));
    this.history = { d: [], g: [], gdpp: [] };
    this.stepTimes = [];
    this.heatmap = null;
    this.refreshViews();
  }

  /** Clear the views (no data yet, e.g. while the user draws). */
  clear(bounds: Bounds, centres: number[][]): void {
    this.trainer?.dispose();
    this.trainer = null;
    this.bounds = bounds;
    const points = Float32Array.from(centres.flat());
    drawScatter(this.plot, {
      bounds,
      heatmap: null,
      heatmapResolution: HEATMAP_RESOLUTION,
      real: points,
      generated: new Float32Array(0),
      centres,
      std: 0.05,
      covered: centres.map(() => false),
    });
    this.stats.modes.textContent = '–';
    this.stats.hq.textContent = '–';
    this.stats.step.textContent = '0';
  }

  /** Sample from the trained G or its moving average from now on (training goes on unchanged). */
  showWeights(weights: GeneratorWeights): void {
    this.weights = weights;
    this.element.dataset.weights = weights;
    this.refreshViews();
  }

  /** Draw (or stop drawing) the generator loss's pull on samples. */
  showForces(on: boolean): void {
    this.forces = on;
    this.element.dataset.forces = on ? 'on' : 'off';
    this.refreshViews();
  }

  get ready(): boolean {
    return this.trainer !== null;
  }

  /** Run training steps for about `budgetMs` milliseconds; throws (a runtime error) if training diverges. */
  train(budgetMs: number, maxSteps = Number.POSITIVE_INFINITY): number {
    if (!this.trainer) return 0;
    const start = performance.now();
    let steps = 0;
    while (steps < maxSteps && performance.now() - start < budgetMs) {
      const stats = this.trainer.trainStep();
      steps++;
      this.stepTimes.push(performance.now());
      this.history.d.push(stats.dLoss);
      this.history.g.push(stats.gAdversarial);
      if (stats.gdpp !== undefined) this.history.gdpp.push(stats.gdpp);
    }
    for (const series of Object.values(this.history))
      series.splice(0, Math.max(series.length - CURVE_LENGTH, 0));
    const now = performance.now();
    this.stepTimes = this.stepTimes.filter((t) => now - t < 2000);
    return steps;
  }

  /** Recompute samples, heatmap and coverage and redraw. */
  refreshViews(): void {
    const trainer = this.trainer;
    const dataset = this.dataset;
    const bounds = this.bounds;
    if (!trainer || !dataset || !bounds) return;
    const weights = trainer.generatorEma ? this.weights : 'trained';
    const generated = trainer.generate(VIEW_SAMPLES, new Random(777), undefined, weights);
    const points = heatmapPoints(bounds, HEATMAP_RESOLUTION);
    const logits = tf.tidy(() => {
      const scores = trainer.gan.discriminator.apply(tf.tensor2d(points, [points.length / 2, 2]), false);
      return tf.reshape(scores, [-1]);
    });
    const values = logits.dataSync() as Float32Array;
    logits.dispose();
    this.heatmap = decisionSurface(values, trainer.config.loss);
    const finite = generated.every(Number.isFinite);
    const coverage = finite ? modeCoverage(generated, dataset.centres, dataset.std) : null;
    this.coverage = coverage
      ? { modes: coverage.modes, totalModes: coverage.totalModes, hq: coverage.hq }
      : { modes: 0, totalModes: dataset.centres.length, hq: 0 };
    drawScatter(this.plot, {
      bounds,
      heatmap: this.heatmap,
      heatmapResolution: HEATMAP_RESOLUTION,
      real: this.real,
      generated: finite ? generated : new Float32Array(0),
      centres: dataset.centres,
      std: dataset.std,
      covered: coverage ? coverage.perMode.map((count) => count > 0) : dataset.centres.map(() => false),
      forces: this.forces && weights === 'trained' && finite ? this.forceArrows(trainer, dataset) : null,
    });
    drawCurves(this.curves, [
      { name: 'D loss', colour: '#3366cc', values: this.history.d },
      { name: 'G adv', colour: '#dc3912', values: this.history.g },
      ...(this.history.gdpp.length > 0
        ? [{ name: 'GDPP', colour: '#109618', values: this.history.gdpp }]
        : []),
    ]);
    this.stats.modes.textContent = `${this.coverage.modes}/${this.coverage.totalModes}`;
    this.stats.hq.textContent = `${this.coverage.hq.toFixed(1)}%`;
    this.stats.step.textContent = String(trainer.step);
    const speed =
      this.stepTimes.length > 1
        ? (this.stepTimes.length - 1) / ((this.stepTimes.at(-1)! - this.stepTimes[0]) / 1000)
        : 0;
    this.stats.speed.textContent = speed > 0 ? speed.toFixed(0) : '–';
    this.element.dataset.speed = speed.toFixed(1);
  }

  /**
   * −∂L_G/∂x, term by term, on one batch of the training size (GDPP's pull depends on the whole batch), from
   * fixed latent and real draws; the run's random streams are not touched. Drawn for the trained G only: it is
   * the one training moves.
   */
  private forceArrows(trainer: Trainer, dataset: GaussianMixture): ForceArrows {
    const n = trainer.config.batchSize;
    const random = new Random(778);
    const latents = trainer.sampleLatent(n, random);
    const real = tf.tensor2d(dataset.sampleArray(n, random), [n, 2]);
    try {
      const forces = sampleForces(trainer, latents, real);
      const shown = 2 * Math.min(FORCE_ARROWS, n);
      return {
        origins: forces.samples.subarray(0, shown),
        terms: [
          { name: 'adversarial pull', colour: '#dc3912', vectors: forces.adversarial.subarray(0, shown) },
          ...(forces.gdpp
            ? [{ name: 'GDPP pull', colour: '#109618', vectors: forces.gdpp.subarray(0, shown) }]
            : []),
        ],
        maxLength: FORCE_ARROW_PIXELS,
      };
    } finally {
      tf.dispose([latents, real]);
    }
  }

  dispose(): void {
    this.trainer?.dispose();
    this.trainer = null;
  }
}

/**
 * D's scores on the heatmap grid as colours in [0, 1] with a fixed meaning where the loss gives one: the
 * probability "real" for the sigmoid losses (0.5, white, is "undecided"), the score itself for least squares
 * (targets 0 and 1), and for the Wasserstein and hinge critics, whose scores have no scale, min–max per redraw.
 */
export function decisionSurface(scores: Float32Array, loss: string): Float32Array {
  if (loss === 'minimax' || loss === 'nonsaturating') return scores.map((v) => 1 / (1 + Math.exp(-v)));
  if (loss === 'least-squares') return scores.map((v) => Math.min(Math.max(v, 0), 1));
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const v of scores) {
    low = Math.min(low, v);
    high = Math.max(high, v);
  }
  const span = high - low > 1e-6 ? high - low : 1;
  return scores.map((v) => (v - low) / span);
}
