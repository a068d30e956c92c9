// End-to-end: the built playground in real headless Chromium (Debian's /usr/bin/chromium via playwright-core).
// Loads the page served by `dppgan playground`'s server, trains Ring with and without GDPP on wasm, waits until
// the GDPP run's mode counter rises above 1, and saves a screenshot (test-results/playground.png; also
// docs/playground.png, and docs/playground-forces.png with G's pull drawn, when DPPGAN_UPDATE_DOCS=1).
import { cpSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { servePlayground } from '../../src/cli/playground-server.js';
import { createDataset } from '../../src/data/dataset.js';
import { modeCoverage } from '../../src/metrics/mode-coverage.js';
import { Random } from '../../src/random.js';
import { parseConfig } from '../../src/train/config.js';
import { exportNetwork } from '../../src/train/export.js';
import { Trainer } from '../../src/train/trainer.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function counter(page: Page, id: string): Promise<number> {
  const text = (await page.locator(`[data-testid="${id}"]`).textContent()) ?? '';
  return Number.parseInt(text, 10);
}

describe('browser playground', () => {
  let browser: Browser;
  let server: Server;
  let url: string;
  const errors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
    ({ server, url } = await servePlayground(0, 'dist/playground'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('trains Ring with GDPP live: the mode counter rises above 1, no errors', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${url}?backend=wasm`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    expect(await page.locator('[data-testid="backend"]').textContent()).toBe('backend: wasm');
    await page.click('#play');
    const deadline = Date.now() + 150_000;
    let modes = 0;
    while (Date.now() < deadline) {
      await page.waitForTimeout(2000);
      modes = await counter(page, 'modes-gdpp');
      if (modes > 1 && (await counter(page, 'step-gdpp')) >= 300) break;
    }
    const steps = await counter(page, 'step-gdpp');
    const speed = await page.locator('[data-testid="run-gdpp"]').getAttribute('data-speed');
    console.log(`playground: GDPP run at iteration ${steps}, ${modes} modes, ${speed} it/s (wasm, headless)`);
    expect(modes).toBeGreaterThan(1);
    expect(steps).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="message"]').isHidden()).toBe(true);
    expect(errors).toEqual([]);
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/playground.png', fullPage: true });
    if (process.env.DPPGAN_UPDATE_DOCS === '1') {
      mkdirSync('docs', { recursive: true });
      await page.screenshot({ path: 'docs/playground.png', fullPage: true });
    }

    // "Samples from": the moving average of G (kept by both runs) draws other samples than the trained G after
    // a few hundred steps; switching is a view change, so switching back redraws the very same picture.
    await page.click('#play');
    expect(await page.locator('body').getAttribute('data-playing')).toBe('false');
    const plot = () =>
      page
        .locator('[data-testid="plot-gdpp"]')
        .evaluate((canvas) => (canvas as HTMLCanvasElement).toDataURL());
    const weightsShown = () => page.locator('[data-testid="run-gdpp"]').getAttribute('data-weights');
    expect(await weightsShown()).toBe('trained');
    await page.selectOption('#samples', 'average');
    expect(await weightsShown()).toBe('average');
    const pausedAt = await counter(page, 'step-gdpp');
    const average = await plot();
    await page.selectOption('#samples', 'trained');
    expect(await weightsShown()).toBe('trained');
    const trained = await plot();
    expect(trained).not.toBe(average);
    await page.selectOption('#samples', 'average');
    expect(await plot()).toBe(average);
    expect(await counter(page, 'step-gdpp')).toBe(pausedAt);

    // "G's pull on samples": arrows (−∂L_G/∂x) over the trained G's samples; unticked, the plain picture again.
    await page.selectOption('#samples', 'trained');
    const forcesShown = () => page.locator('[data-testid="run-gdpp"]').getAttribute('data-forces');
    expect(await forcesShown()).toBe('off');
    await page.check('#forces');
    expect(await forcesShown()).toBe('on');
    const withForces = await plot();
    expect(withForces).not.toBe(trained);
    if (process.env.DPPGAN_UPDATE_DOCS === '1') {
      await page.screenshot({ path: 'docs/playground-forces.png', fullPage: true });
    }
    await page.uncheck('#forces');
    expect(await forcesShown()).toBe('off');
    expect(await plot()).toBe(trained);
    expect(errors).toEqual([]);
  });

  it('explains bad input instead of training: batch size 0, a negative eigenvalue weight, a drawn distribution with < 2 points', async () => {
    const page = await browser.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${url}?backend=wasm`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    await page.fill('#batch', '0');
    await page.dispatchEvent('#batch', 'change');
    expect(await page.locator('[data-testid="message"]').textContent()).toMatch(
      /Batch size must be an integer from 2 to 4096, got 0\. The runs keep their previous settings\./,
    );
    await page.fill('#batch', '64');
    await page.dispatchEvent('#batch', 'change');
    expect(await page.locator('[data-testid="message"]').isHidden()).toBe(true);
    await page.fill('#gdppMagnitude', '-1');
    await page.dispatchEvent('#gdppMagnitude', 'change');
    expect(await page.locator('[data-testid="message"]').textContent()).toMatch(
      /The GDPP eigenvalue weight must be a number ≥ 0/,
    );
    await page.fill('#gdppMagnitude', '1');
    await page.dispatchEvent('#gdppMagnitude', 'change');
    expect(await page.locator('[data-testid="message"]').isHidden()).toBe(true);
    await page.selectOption('#data', 'drawn');
    expect(await page.locator('[data-testid="message"]').textContent()).toMatch(/Draw at least 2 points/);
    const plot = page.locator('[data-testid="plot-plain"]');
    await plot.click({ position: { x: 100, y: 100 } });
    await plot.click({ position: { x: 300, y: 300 } });
    expect(await page.locator('[data-testid="message"]').isHidden()).toBe(true);
    await page.click('#step');
    expect(await counter(page, 'step-gdpp')).toBe(1);
    expect(errors).toEqual([]);
  });

  it('starts on the default URL (backend auto: the first that initialises) and survives a bad ?generator=', async () => {
    const page = await browser.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${url}?generator=${encodeURIComponent('http://[')}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    expect(await page.locator('body').getAttribute('data-backend')).toMatch(/^(webgpu|webgl|wasm|cpu)$/);
    expect(await page.locator('[data-testid="message"]').textContent()).toMatch(
      /^Could not load the generator: /,
    );
    expect(errors).toEqual([]);
  });

  it('an invalid edit keeps the runs and their play state; Play pressed fast starts one loop; fields left empty are refused', async () => {
    const page = await browser.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${url}?backend=wasm`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    const message = page.locator('[data-testid="message"]');
    // Five clicks: Play, Pause, Play, Pause, Play — playing, with a single frame loop queued.
    for (let i = 0; i < 5; i++) await page.click('#play');
    expect(await page.locator('body').getAttribute('data-playing')).toBe('true');
    for (const [field, value, expected] of [
      ['#batch', '100000', /Batch size must be an integer from 2 to 4096, got 100000\./],
      ['#gdppWeight', '0', /The GDPP weight must be a number > 0\./],
      ['#gdppWeight', '', /The GDPP weight must be a number > 0\./],
      ['#seed', '', /The seed must be an integer ≥ 0\./],
      ['#lrG', '', /Learning rates must be positive numbers\./],
    ] as const) {
      const before = await counter(page, 'step-gdpp');
      await page.fill(field, value);
      await page.dispatchEvent(field, 'change');
      expect(await message.textContent()).toMatch(expected);
      expect(await message.textContent()).toMatch(/The runs keep their previous settings\.$/);
      // Still playing the old runs: the iteration counter keeps rising.
      await page.waitForTimeout(600);
      expect(await page.locator('body').getAttribute('data-playing')).toBe('true');
      expect(await counter(page, 'step-gdpp')).toBeGreaterThan(before);
      await page.fill(field, { '#batch': '256', '#gdppWeight': '1', '#seed': '1', '#lrG': '0.001' }[field]);
      await page.dispatchEvent(field, 'change');
      expect(await message.isHidden()).toBe(true);
      await page.click('#play'); // the valid edit reset the runs and paused
    }
    expect(errors).toEqual([]);
  });

  it('loads a generator written by `dppgan export` from a URL and draws it with its mode coverage', async () => {
    await initBackend({ backend: 'wasm' });
    const config = parseConfig({ data: { kind: 'ring' }, model: 'mlp-gdpp', batchSize: 64, seed: 3 });
    const trainer = new Trainer(config, { dataset: createDataset(config.data) });
    for (let i = 0; i < 5; i++) trainer.trainStep();
    const root = mkdtempSync(join(tmpdir(), 'dppgan-playground-'));
    cpSync('dist/playground', root, { recursive: true });
    await exportNetwork(trainer, join(root, 'exports'));
    // The page draws 1,000 samples from Random(1) latents: the same as the trainer's generator here.
    const z = new Random(1).normalTensor([1000, trainer.latentDim]);
    const generated = tf.tidy(() => trainer.gan.generator.apply(z, false));
    const expected = modeCoverage(
      generated.dataSync() as Float32Array,
      [...trainer.dataset.centres!],
      trainer.dataset.std!,
    );
    tf.dispose([z, generated]);
    trainer.dispose();
    const served = await servePlayground(0, root);
    try {
      const page = await browser.newPage();
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${served.url}?backend=wasm&generator=exports/model.json`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
      expect(await page.locator('[data-testid="modes-exported"]').textContent()).toBe(`${expected.modes}/8`);
      expect(await page.locator('[data-testid="source-exported"]').textContent()).toBe(
        'mlp-gdpp on ring, step 5',
      );
      await page.fill('#generatorUrl', `${served.url}missing/model.json`);
      await page.click('#loadGenerator');
      await page.waitForSelector('[data-testid="message"]:not([hidden])');
      expect(await page.locator('[data-testid="message"]').textContent()).toMatch(
        /^Could not load the generator: /,
      );
      expect(errors).toEqual([]);
    } finally {
      served.server.close();
    }
  });
});
