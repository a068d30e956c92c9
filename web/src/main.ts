// The dppgan playground: two runs of the library's Trainer side by side (plain GAN vs GAN + GDPP) on the same
// data and seed, trained live in the page on the best available backend (webgpu → webgl → wasm; `?backend=`
// overrides). This file only wires controls to RunPanels; all training logic is the library's.
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { type BackendName, initBackend } from '../../src/backend/init.js';
import { GaussianMixture, grid, ring } from '../../src/data/synthetic.js';
import { parseConfig, type TrainConfig } from '../../src/train/config.js';
import { exportedGeneratorPanel } from './exported-panel.js';
import { boundsFor } from './plot.js';
import { RunPanel } from './run-panel.js';

const FRAME_BUDGET_MS = 28;
/** Largest batch the page accepts: each step draws batch × 256 latent numbers on the main thread. */
const MAX_BATCH = 4096;
const VIEW_EVERY_MS = 250;
const DRAWN_STD = 0.05;
/** Decay of the moving average of G that both runs keep (as our averaged synthetic configs). */
const AVERAGE_DECAY = 0.999;

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const message = byId<HTMLParagraphElement>('message');
const playButton = byId<HTMLButtonElement>('play');
let drawn: number[][] = [];
let playing = false;
/** The queued animation frame, if any: at most one training loop runs however fast Play is pressed. */
let frameHandle: number | null = null;
let lastView = 0;
/** Generator loads in flight: only the latest one's panel is shown. */
let generatorLoads = 0;

function showMessage(text: string | null): void {
  message.hidden = text === null;
  message.textContent = text ?? '';
}

const panels = [
  new RunPanel('plain', 'GAN', addDrawnPoint),
  new RunPanel('gdpp', 'GAN + GDPP', addDrawnPoint),
];
for (const panel of panels) byId('runs').appendChild(panel.element);

/** The field's number, or NaN when it is empty or holds text the browser cannot parse as a number. */
function numberInput(id: string): number {
  const input = byId<HTMLInputElement>(id);
  if (input.value.trim() === '' || input.validity.badInput) return Number.NaN;
  return Number(input.value);
}

function selectedData(): GaussianMixture | string {
  const kind = byId<HTMLSelectElement>('data').value;
  if (kind === 'ring') return ring();
  if (kind === 'grid') return grid();
  if (drawn.length < 2) return `Draw at least 2 points (click on a plot): ${drawn.length} so far.`;
  return new GaussianMixture('drawn', drawn, DRAWN_STD);
}

/** The two runs' configs from the controls; a string explains what is wrong instead. */
function configs(): [TrainConfig, TrainConfig] | string {
  const batchSize = numberInput('batch');
  const lrG = numberInput('lrG');
  const lrD = numberInput('lrD');
  const weight = numberInput('gdppWeight');
  const magnitudeWeight = numberInput('gdppMagnitude');
  const seed = numberInput('seed');
  if (!Number.isInteger(batchSize) || batchSize < 2 || batchSize > MAX_BATCH)
    return `Batch size must be an integer from 2 to ${MAX_BATCH}, got ${byId<HTMLInputElement>('batch').value || 'nothing'}.`;
  if (!(lrG > 0) || !(lrD > 0)) return 'Learning rates must be positive numbers.';
  if (!(weight > 0)) return 'The GDPP weight must be a number > 0.';
  if (!(magnitudeWeight >= 0)) return 'The GDPP eigenvalue weight must be a number ≥ 0.';
  if (!Number.isSafeInteger(seed) || seed < 0) return 'The seed must be an integer ≥ 0.';
  const base = {
    data: { kind: 'ring' },
    model: 'mlp-gdpp',
    loss: byId<HTMLSelectElement>('loss').value,
    lipschitz: byId<HTMLSelectElement>('lipschitz').value,
    schedule: 'simultaneous',
    batchSize,
    seed,
    optim: { g: { lr: lrG, beta1: 0.5, beta2: 0.999 }, d: { lr: lrD, beta1: 0.5, beta2: 0.999 } },
    generatorEma: { decay: AVERAGE_DECAY },
  };
  try {
    return [
      parseConfig({ ...base, gdpp: null }),
      parseConfig({ ...base, gdpp: { weight, magnitudeWeight } }),
    ];
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Start both runs afresh from the controls. An invalid setting changes nothing (the runs keep their settings and
 * go on playing) and says what is wrong.
 */
function reset(): void {
  const dataset = selectedData();
  if (typeof dataset === 'string') {
    setPlaying(false);
    const bounds = boundsFor(
      drawn.length > 0
        ? drawn
        : [
            [-1.5, -1.5],
            [1.5, 1.5],
          ],
      0.5,
    );
    for (const panel of panels)
      panel.clear({ xMin: -2, xMax: 2, yMin: -2, yMax: 2, ...(drawn.length > 1 ? bounds : {}) }, drawn);
    showMessage(dataset);
    return;
  }
  const both = configs();
  if (typeof both === 'string') {
    showMessage(`${both} The runs keep their previous settings.`);
    return;
  }
  setPlaying(false);
  showMessage(null);
  const bounds =
    dataset.name === 'drawn'
      ? { xMin: -2, xMax: 2, yMin: -2, yMax: 2 }
      : boundsFor(dataset.centres, dataset.std * 3 + 0.6);
  guarded(() => {
    panels.forEach((panel, i) => {
      panel.reset(both[i], dataset, bounds);
    });
  });
}

/** Run `work` (training, drawing or a reset); if it throws, stop play and say why. False when it threw. */
function guarded(work: () => void): boolean {
  try {
    work();
    return true;
  } catch (error) {
    setPlaying(false);
    const text = (error as Error).message;
    const hint = /non-finite|NaN/i.test(text) ? ' (and lower the learning rates)' : '';
    showMessage(`${text}. Press Reset${hint} to start again.`);
    return false;
  }
}

/** Point both runs' views at the weights the "Samples from" control names. */
function showSelectedWeights(): void {
  const weights = byId<HTMLSelectElement>('samples').value === 'average' ? 'average' : 'trained';
  for (const panel of panels) panel.showWeights(weights);
}

/** Draw the generator's pull on samples in both runs when the checkbox says so. */
function showSelectedForces(): void {
  const on = byId<HTMLInputElement>('forces').checked;
  for (const panel of panels) panel.showForces(on);
}

function addDrawnPoint(x: number, y: number): void {
  if (byId<HTMLSelectElement>('data').value !== 'drawn') return;
  drawn.push([x, y]);
  reset();
}

function setPlaying(on: boolean): void {
  playing = on;
  playButton.textContent = on ? 'Pause' : 'Play';
  document.body.dataset.playing = String(on);
  if (on && frameHandle === null) frameHandle = requestAnimationFrame(frame);
  if (!on && frameHandle !== null) {
    cancelAnimationFrame(frameHandle);
    frameHandle = null;
  }
}

/** Train both runs within one frame's budget; a diverged run stops play with an explanation. */
function trainFor(budgetMs: number, maxSteps?: number): boolean {
  return guarded(() => {
    for (const panel of panels) panel.train(budgetMs / panels.length, maxSteps);
  });
}

function refreshAll(): boolean {
  return guarded(() => {
    for (const panel of panels) panel.refreshViews();
  });
}

function frame(now: number): void {
  frameHandle = null;
  if (!playing) return;
  if (!panels.every((p) => p.ready)) {
    setPlaying(false);
    return;
  }
  let ok = trainFor(FRAME_BUDGET_MS);
  if (ok && now - lastView > VIEW_EVERY_MS) {
    lastView = now;
    ok = refreshAll();
  }
  if (ok && playing) frameHandle = requestAnimationFrame(frame);
}

/** Show an exported generator's samples in a third panel (replacing an earlier one). */
async function loadGenerator(url: string): Promise<void> {
  if (url.trim() === '') {
    showMessage('Enter the URL of a model.json written by `dppgan export`.');
    return;
  }
  const load = ++generatorLoads;
  try {
    const panel = await exportedGeneratorPanel(new URL(url, location.href).href);
    if (load !== generatorLoads) return; // a later Load replaced this one
    document.querySelector('[data-testid="run-exported"]')?.remove();
    byId('runs').appendChild(panel);
    showMessage(null);
  } catch (error) {
    if (load === generatorLoads) showMessage(`Could not load the generator: ${(error as Error).message}`);
  }
}

async function start(): Promise<void> {
  const requested = new URLSearchParams(location.search).get('backend') ?? 'auto';
  try {
    const name = await initBackend({
      backend: requested as BackendName,
      wasmPaths: new URL('./wasm/', location.href).href,
    });
    byId('backend').textContent = `backend: ${name}`;
    document.body.dataset.backend = name;
  } catch (error) {
    showMessage(`Could not start a tfjs backend: ${(error as Error).message}`);
    return;
  }
  for (const id of [
    'data',
    'loss',
    'lipschitz',
    'gdppWeight',
    'gdppMagnitude',
    'lrG',
    'lrD',
    'batch',
    'seed',
  ]) {
    byId(id).addEventListener('change', reset);
  }
  byId('samples').addEventListener('change', () => guarded(showSelectedWeights));
  byId('forces').addEventListener('change', () => guarded(showSelectedForces));
  playButton.addEventListener('click', () => setPlaying(!playing && panels.every((p) => p.ready)));
  byId('step').addEventListener('click', () => {
    if (!panels.every((p) => p.ready)) return;
    setPlaying(false);
    if (trainFor(Number.POSITIVE_INFINITY, 1)) refreshAll();
  });
  byId('reset').addEventListener('click', reset);
  byId('clear').addEventListener('click', () => {
    drawn = [];
    reset();
  });
  byId('loadGenerator').addEventListener(
    'click',
    () => void loadGenerator(byId<HTMLInputElement>('generatorUrl').value),
  );
  reset();
  guarded(showSelectedWeights);
  guarded(showSelectedForces);
  const generator = new URLSearchParams(location.search).get('generator');
  if (generator) await loadGenerator(generator);
  document.body.dataset.ready = 'true';
  if (new URLSearchParams(location.search).get('autoplay') === '1') setPlaying(true);
}

void start();
