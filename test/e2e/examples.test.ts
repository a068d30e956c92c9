// End-to-end: examples/browser/index.html in headless Chromium. A tiny Ring run is trained and exported with
// `dppgan export`; the page, unchanged, is served beside the export by the playground's static server, and its
// tfjs <script>s (jsDelivr URLs) are answered from node_modules, so the test is offline. The page must draw the
// samples Node computes from the same export and seed. A second case feeds it an image generator (a small
// hand-made tfjs model with dppgan-style metadata) to cover the image-grid path.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import type { CliIo } from '../../src/cli/io.js';
import { servePlayground } from '../../src/cli/playground-server.js';
import { runCli } from '../../src/cli/run-cli.js';
import { fileLoadHandler, fileSaveHandler } from '../../src/train/index.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const root = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'dppgan-example-browser-'));
const site = join(scratch, 'site');
const CDN = 'https://cdn.jsdelivr.net/npm/';

const quiet: CliIo = { out: () => {}, err: () => {}, isTTY: false };

/** Answer the page's jsDelivr <script> URLs with the same files from node_modules. */
async function routeCdn(page: Page, served: string[]): Promise<void> {
  await page.route(`${CDN}**`, async (route) => {
    const url = route.request().url();
    const match =
      /^https:\/\/cdn\.jsdelivr\.net\/npm\/(@tensorflow\/[a-z-]+)@4\.22\.0\/(dist\/[\w.-]+\.js)$/.exec(url);
    if (!match) return route.fulfill({ status: 404, body: 'not a tfjs 4.22.0 bundle' });
    served.push(url);
    await route.fulfill({
      status: 200,
      contentType: 'text/javascript',
      headers: { 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin' },
      body: readFileSync(join(root, 'node_modules', match[1], match[2])),
    });
  });
}

describe('examples/browser/index.html', () => {
  let browser: Browser;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    const config = join(scratch, 'ring.json');
    writeFileSync(
      config,
      JSON.stringify({
        data: { kind: 'ring' },
        model: 'mlp-gdpp',
        gdpp: { weight: 1 },
        iterations: 20,
        batchSize: 64,
        backend: 'wasm',
      }),
    );
    const run = join(scratch, 'run');
    expect(await runCli(['node', 'dppgan', 'train', '--config', config, '--out', run], quiet)).toBe(0);
    expect(
      await runCli(['node', 'dppgan', 'export', '--run', run, '--out', join(site, 'model')], quiet),
    ).toBe(0);
    copyFileSync(join(root, 'examples', 'browser', 'index.html'), join(site, 'index.html'));
    ({ server, url } = await servePlayground(0, site));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  async function open(query: string): Promise<{ page: Page; errors: string[]; cdn: string[] }> {
    const page = await browser.newPage({ viewport: { width: 700, height: 700 } });
    const errors: string[] = [];
    const cdn: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await routeCdn(page, cdn);
    await page.goto(`${url}${query}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    return { page, errors, cdn };
  }

  /** Number of canvas pixels that are not white/transparent. */
  async function inkedPixels(page: Page): Promise<number> {
    return page.evaluate(() => {
      const canvas = document.getElementById('samples') as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let count = 0;
      for (let i = 0; i < data.length; i += 4)
        if (data[i + 3] > 0 && data[i] + data[i + 1] + data[i + 2] < 700) count++;
      return count;
    });
  }

  it('loads the exported Ring generator with plain tfjs and draws the samples Node computes', async () => {
    const { page, errors, cdn } = await open('?n=300&seed=4');
    expect(errors).toEqual([]);
    const status = (await page.locator('#status').textContent()) ?? '';
    expect(status).toBe('300 samples, seed 4, from model/model.json (mlp-gdpp on ring, step 20)');
    expect(cdn).toHaveLength(3);
    const drawn =
      (await page.evaluate(() => (window as unknown as { dppganSamples: number[] }).dppganSamples)) ?? [];

    const model = await tfl.loadLayersModel(fileLoadHandler(join(site, 'model')));
    const expected = tf.tidy(() => {
      const z = tf.randomNormal([300, 256], 0, 1, 'float32', 4);
      return Array.from((model.predict(z) as tf.Tensor).dataSync());
    });
    model.dispose();
    expect(drawn).toHaveLength(600);
    // browser cpu backend vs Node wasm: float32 rounding only.
    expect(Math.max(...drawn.map((v, i) => Math.abs(v - expected[i])))).toBeLessThan(1e-4);
    expect(await inkedPixels(page)).toBeGreaterThan(200);
    mkdirSync(join(root, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(root, 'test-results', 'example-browser.png') });
  });

  it('draws an image generator as a grid, and explains a missing model', async () => {
    // A stand-in image generator: z [n, 4] → sigmoid pixels [n, 8·8·1], with the metadata dppgan export writes.
    const generator = tfl.sequential({
      layers: [tfl.layers.dense({ units: 64, activation: 'sigmoid', inputShape: [4] })],
    });
    generator.setUserDefinedMetadata({
      dppgan: {
        model: 'hand-made',
        step: 0,
        latentDim: 4,
        data: { name: 'blobs', shape: [8, 8, 1], range: [0, 1] },
      },
    });
    await generator.save(fileSaveHandler(join(site, 'images')));
    generator.dispose();
    const { page, errors } = await open('?model=images/model.json&n=16');
    expect(errors).toEqual([]);
    expect(await page.locator('#status').textContent()).toMatch(/^16 samples, seed 1, .*hand-made on blobs/);
    expect(await inkedPixels(page)).toBeGreaterThan(1000);

    const missing = await open('?model=nowhere/model.json');
    expect(await missing.page.locator('#status').textContent()).toMatch(
      /^could not draw samples from nowhere\/model\.json: /,
    );
  });
});
