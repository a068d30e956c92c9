// A panel that draws samples of a generator exported by `dppgan export` (a plain tfjs LayersModel loaded from a
// URL), with the mixture centres and the mode coverage from the export's metadata when it carries them.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { modeCoverage } from '../../src/metrics/mode-coverage.js';
import { Random } from '../../src/random.js';
import { boundsFor, drawScatter } from './plot.js';

const SAMPLES = 1000;

interface ExportMetadataView {
  model?: string;
  step?: number;
  data?: { name?: string; shape?: number[]; centres?: number[][]; std?: number };
}

/** Load the generator at `url` and draw its samples into a new panel; resolves to the panel element. */
export async function exportedGeneratorPanel(url: string): Promise<HTMLElement> {
  const model = await tfl.loadLayersModel(url);
  const meta = (model.getUserDefinedMetadata() as { dppgan?: ExportMetadataView } | undefined)?.dppgan;
  const latentDim = model.inputs[0].shape[1];
  const outputDim = model.outputs[0].shape[1];
  if (typeof latentDim !== 'number' || outputDim !== 2) {
    model.dispose();
    throw new Error(
      `${url} is not a 2-D generator (output shape [${model.outputs[0].shape}]): the playground draws 2-D samples`,
    );
  }
  const random = new Random(1);
  let points: Float32Array;
  try {
    const samples = tf.tidy(() => model.predict(random.normalTensor([SAMPLES, latentDim])) as tf.Tensor);
    try {
      points = (await samples.data()) as Float32Array;
    } finally {
      samples.dispose();
    }
  } finally {
    model.dispose();
  }
  const centres = meta?.data?.centres ?? [];
  const std = meta?.data?.std ?? 0.05;
  const coverage = centres.length > 0 ? modeCoverage(points, centres, std) : null;
  const element = document.createElement('section');
  element.className = 'run';
  element.dataset.testid = 'run-exported';
  element.dataset.firstSamples = Array.from(points.subarray(0, 6), (v) => v.toFixed(5)).join(',');
  const about = meta
    ? `${meta.model ?? 'generator'} on ${meta.data?.name ?? '?'}, step ${meta.step ?? '?'}`
    : url;
  element.innerHTML = `
    <h2>Exported generator</h2>
    <canvas class="plot" width="480" height="480"></canvas>
    <div class="stats">
      <div>modes<b data-testid="modes-exported">${coverage ? `${coverage.modes}/${coverage.totalModes}` : '–'}</b></div>
      <div>HQ<b data-testid="hq-exported">${coverage ? `${coverage.hq.toFixed(1)}%` : '–'}</b></div>
      <div style="grid-column: span 2">source<b style="font-size: 0.8rem" data-testid="source-exported"></b></div>
    </div>`;
  (element.querySelector('[data-testid="source-exported"]') as HTMLElement).textContent = about;
  const extent =
    centres.length > 0
      ? centres
      : [
          [Math.min(...points), Math.min(...points)],
          [Math.max(...points), Math.max(...points)],
        ];
  drawScatter(element.querySelector('canvas') as HTMLCanvasElement, {
    bounds: boundsFor(extent, 3 * std + 0.6),
    heatmap: null,
    heatmapResolution: 1,
    real: new Float32Array(0),
    generated: points,
    centres,
    std,
    covered: coverage ? coverage.perMode.map((count) => count > 0) : [],
  });
  return element;
}
