// Packaging: `npm pack` ships dist/ (JS + .d.ts), the bin, README and LICENSE only; the tarball installs into a
// fresh project (dependencies from the npm cache that `npm ci` filled; the registry only for what the cache lacks:
// `npm ci` caches tarballs, not always the package metadata a lockfile-free install resolves with) and works there: `npx dppgan
// --help`, an ESM import of the API giving the same GDPP loss as the sources, and `import 'dppgan/layers'`.
// Needs a built dist/ (`npm test` builds first). The child npm gets no npm_* variables from a parent `npm test`,
// so that it can only ever touch the temp project.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { gdppLoss } from '../src/losses/index.js';
import { Random } from '../src/random.js';

const root = join(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'dppgan-pack-'));
const project = join(scratch, 'project');

/** The environment without npm_* / INIT_CWD (set by a parent `npm test`), cache first, quiet. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'INIT_CWD') env[key] = value;
  }
  return { ...env, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };
}

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, {
    cwd,
    env: cleanEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

interface PackedFile {
  path: string;
  size: number;
  mode: number;
}

let files: PackedFile[];
let tarball: string;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  if (!existsSync(join(root, 'dist', 'index.js')) || !existsSync(join(root, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/ is not built: run `npm run build` first (`npm test` does)');
  }
  // --ignore-scripts: pack the dist/ that is there instead of rebuilding it (`prepare`).
  const packed = JSON.parse(
    run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], root),
  );
  files = packed[0].files;
  tarball = join(scratch, packed[0].filename);
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'dppgan-pack-check', version: '1.0.0', private: true, type: 'module' }),
  );
  try {
    run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball],
      project,
    );
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(
      `install of the tarball failed (from the npm cache, else the registry): ${stderr.split('\n').slice(0, 5).join(' ')}`,
    );
  }
}, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('npm pack', () => {
  it('ships dist/ (JS, .d.ts, playground), README, LICENSE, package.json only', () => {
    const paths = files.map((f) => f.path);
    const outside = paths.filter(
      (p) => !p.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(p),
    );
    expect(outside).toEqual([]);
    for (const required of [
      'README.md',
      'LICENSE',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/nn/layers.js',
      'dist/nn/layers.d.ts',
      'dist/cli/main.js',
      'dist/playground/index.html',
    ]) {
      expect(paths).toContain(required);
    }
    expect(
      paths.filter(
        (p) => p.endsWith('.map') || p.includes('.test.') || (p.endsWith('.ts') && !p.endsWith('.d.ts')),
      ),
    ).toEqual([]);
    // the bin is executable (0o755) and starts with a node shebang
    expect(files.find((f) => f.path === 'dist/cli/main.js')?.mode).toBe(0o755);
    // every public .js has its .d.ts
    const js = paths.filter((p) => p.endsWith('.js') && !p.startsWith('dist/playground/'));
    expect(js.filter((p) => !paths.includes(p.replace(/\.js$/, '.d.ts')))).toEqual([]);
  });
});

describe('the tarball installed into a fresh project', () => {
  it('installs dppgan with a dppgan bin and nothing from devDependencies', () => {
    expect(existsSync(join(project, 'node_modules', 'dppgan', 'dist', 'index.js'))).toBe(true);
    expect(statSync(join(project, 'node_modules', '.bin', 'dppgan')).isFile()).toBe(true);
    const installed = readdirSync(join(project, 'node_modules'));
    for (const dev of ['vitest', 'typescript', 'vite', 'tsx', '@biomejs', 'playwright-core', 'typedoc']) {
      expect(installed).not.toContain(dev);
    }
  });

  it('npx dppgan --help lists the commands', () => {
    const help = run('npx', ['--offline', 'dppgan', '--help'], project);
    for (const command of ['demo', 'train', 'sample', 'eval', 'export']) {
      expect(help).toMatch(new RegExp(`^\\s+${command} `, 'm'));
    }
  });

  it("`import { initBackend, gdppLoss } from 'dppgan'` computes the same GDPP loss as the sources", () => {
    const random = new Random(5);
    const fake = random.normalArray(16 * 6);
    const real = random.normalArray(16 * 6);
    const script = `
      import { initBackend, gdppLoss } from 'dppgan';
      import * as tf from '@tensorflow/tfjs-core';
      const backend = await initBackend({ backend: 'wasm' });
      const loss = gdppLoss(tf.tensor(${JSON.stringify(Array.from(fake))}, [16, 6]), tf.tensor(${JSON.stringify(Array.from(real))}, [16, 6]));
      console.log(JSON.stringify({ backend, loss: loss.dataSync()[0] }));
    `;
    const out = JSON.parse(run(process.execPath, ['--input-type=module', '-e', script], project).trim());
    const expected = tf.tidy(
      () => gdppLoss(tf.tensor2d(fake, [16, 6]), tf.tensor2d(real, [16, 6])).dataSync()[0],
    );
    expect(out.backend).toBe('wasm');
    expect(Number.isFinite(out.loss) && out.loss !== 0).toBe(true);
    expect(out.loss).toBeCloseTo(expected, 6);
  });

  it("`import 'dppgan/layers'` registers SpectralNormalization for tf.loadLayersModel", () => {
    const script = `
      import * as tf from '@tensorflow/tfjs-core';
      import '@tensorflow/tfjs-backend-cpu';
      import * as tfl from '@tensorflow/tfjs-layers';
      import { spectralNormalization } from 'dppgan/layers';
      await tf.setBackend('cpu');
      const model = tfl.sequential({ layers: [spectralNormalization({ layer: tfl.layers.dense({ units: 3, inputShape: [4] }) })] });
      let saved;
      await model.save(tf.io.withSaveHandler(async (artifacts) => { saved = artifacts; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
      const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved));
      const x = tf.randomNormal([2, 4], 0, 1, 'float32', 3);
      const same = tf.max(tf.abs(tf.sub(model.predict(x), loaded.predict(x)))).dataSync()[0];
      console.log(JSON.stringify({ layer: loaded.layers[0].getClassName(), same }));
    `;
    const out = JSON.parse(run(process.execPath, ['--input-type=module', '-e', script], project).trim());
    expect(out).toEqual({ layer: 'SpectralNormalization', same: 0 });
  });
});
