// The Node examples run as a user runs them (`npx tsx examples/<name>.ts`, importing the package by its name
// 'dppgan', i.e. the built dist/ — `npm test` builds first) and type-check against the published .d.ts files.
// custom-mixture must print the mode coverage the same training gives in-process; sn-discriminator must learn
// its toy task and leave every wrapped kernel with spectral norm ≈ 1. (examples/browser runs in test/e2e.)
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { createDataset } from '../src/data/index.js';
import { modeCoverage } from '../src/metrics/index.js';
import { Random } from '../src/random.js';
import { parseConfig, Trainer } from '../src/train/index.js';

const root = join(import.meta.dirname, '..');

function example(name: string, ...args: string[]): string[] {
  const tsx = join(root, 'node_modules', '.bin', 'tsx');
  const out = execFileSync(tsx, [join('examples', name), ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return out.trim().split('\n');
}

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'index.d.ts'))) {
    throw new Error(
      "dist/ is not built: the examples import 'dppgan'; run `npm run build` first (`npm test` does)",
    );
  }
  await initBackend({ backend: 'wasm' });
});

describe('examples', () => {
  it('type-check against the package types (tsc -p examples)', () => {
    const tsc = join(root, 'node_modules', '.bin', 'tsc');
    expect(() =>
      execFileSync(tsc, ['-p', join('examples', 'tsconfig.json')], {
        cwd: root,
        encoding: 'utf8',
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });

  it('custom-mixture.ts prints the mode coverage that the same training gives in-process', () => {
    const iterations = 25;
    const lines = example('custom-mixture.ts', String(iterations));
    const last = lines.at(-1) as string;
    const match = /^(\w+): (\d+)\/6 modes covered, ([\d.]+)% high-quality samples$/.exec(last);
    expect(match, last).not.toBeNull();
    expect(lines[0]).toMatch(/^step 25: D [\d.]+ {2}G [\d.]+ {2}L_DPP -?[\d.]+$/);
    const [, backend, modes, hq] = match!;

    const centres = [...[-2, -1, 0, 1, 2].map((x) => [x, 0]), [0, 1.5]];
    const config = parseConfig({
      data: { kind: 'mixture', centres, std: 0.05 },
      model: 'mlp-gdpp',
      gdpp: { weight: 1 },
      iterations,
      batchSize: 256,
      seed: 1,
      optim: { d: { lr: 1e-3 } },
    });
    const trainer = new Trainer(config, { dataset: createDataset(config.data) });
    for (let step = 0; step < iterations; step++) trainer.trainStep();
    const coverage = modeCoverage(trainer.generate(2500, new Random(0)), centres, 0.05);
    trainer.dispose();
    expect(Number(modes)).toBeGreaterThanOrEqual(1);
    // The example picks 'auto': wasm unless @tensorflow/tfjs-node is installed (then its numbers may differ).
    let tfjsNode = true;
    try {
      createRequire(import.meta.url).resolve('@tensorflow/tfjs-node'); // resolve only: no side effects here
    } catch {
      tfjsNode = false;
    }
    expect(backend).toBe(tfjsNode ? 'tensorflow' : 'wasm');
    if (!tfjsNode) {
      // same backend as this process, same seeds: the same numbers
      expect([Number(modes), hq]).toEqual([coverage.modes, coverage.hq.toFixed(1)]);
    }
  });

  it('sn-discriminator.ts learns real vs fake and leaves σ(W/σ) ≈ 1 in every wrapped layer', () => {
    const lines = example('sn-discriminator.ts', '150');
    const accuracy = /^after 150 steps: real vs fake accuracy ([\d.]+)%$/.exec(lines[0]);
    expect(accuracy, lines[0]).not.toBeNull();
    expect(Number(accuracy![1])).toBeGreaterThanOrEqual(80);
    const layers = lines.slice(1).map((line) => {
      const m = /: σ\(W\) ([\d.]+) {2}estimate ([\d.]+) {2}σ\(W\/σ\) ([\d.]+)$/.exec(line);
      expect(m, line).not.toBeNull();
      return { exact: Number(m![1]), estimate: Number(m![2]), normalized: Number(m![3]) };
    });
    expect(layers).toHaveLength(3);
    for (const { exact, estimate, normalized } of layers) {
      // vᵀWu never exceeds σ_max (up to the 4 printed digits), so W/σ has norm ≥ 1; after 150 steps of one
      // power iteration each (from a random u, on moving weights) it is close to 1 — how close depends on the
      // spectral gap of the random initial kernel, so the bound is loose for the conv layers.
      expect(estimate).toBeLessThanOrEqual(exact + 1e-4);
      expect(normalized).toBeGreaterThanOrEqual(1 - 1e-4);
      expect(normalized).toBeLessThan(1.25);
      expect(exact).not.toBeCloseTo(1, 2); // the raw kernels are not already normalised
    }
    // the dense head has one output: u is a scalar, exact after one step.
    expect(layers[2].normalized).toBeCloseTo(1, 3);
  });
});
