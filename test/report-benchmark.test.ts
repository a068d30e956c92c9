import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { type BenchResults, benchmarkMarkdown, meanStd, summariseSeeds } from '../src/report/index.js';

describe('benchmark results', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('meanStd uses the sample standard deviation and skips missing values', () => {
    expect(meanStd([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ mean: 5, std: Math.sqrt(32 / 7) });
    expect(meanStd([3, null, undefined, Number.NaN])).toEqual({ mean: 3, std: 0 });
    expect(meanStd([])).toBeNull();
  });

  it('summarises seeds and renders our rows beside the paper numbers', () => {
    const gdpp = summariseSeeds(
      { method: 'GDPP-GAN', dataset: 'ring', protocol: 'paper', iterations: 25000 },
      [
        { seed: 1, modes: 8, hq: 80, secPerIter: 0.0115 },
        { seed: 2, modes: 8, hq: 90, secPerIter: 0.0125 },
      ],
    );
    expect(gdpp).toMatchObject({ seeds: 2, modes: 8, modesStd: 0, hq: 85, kl: null, secPerIter: 0.012 });
    expect(gdpp.hqStd).toBeCloseTo(Math.sqrt(50), 12);
    const gan = summariseSeeds({ method: 'GAN', dataset: 'ring', protocol: 'paper', iterations: 25000 }, [
      { seed: 1, modes: 1, hq: 99, secPerIter: 0.01 },
    ]);
    const results: BenchResults = {
      command: 'dppgan bench synthetic --seeds 2',
      machine: '2-core x86-64, Node 20, wasm',
      date: '2026-01-01',
      rows: [gan, gdpp],
    };
    const md = benchmarkMarkdown(results, 'Synthetic');
    expect(md).toContain('# Synthetic');
    expect(md).toContain('- command: `dppgan bench synthetic --seeds 2`');
    expect(md).toContain('| GDPP-GAN | paper | 2 | 25000 | 8.0 ± 0.0 | 85.0 ± 7.1 | 8 | 71.7 | 0.0120 |');
    expect(md).toContain('| GAN | paper | 1 | 25000 | 1.0 ± 0.0 | 99.0 ± 0.0 | 1 | 99.3 | 0.0100 |');
    expect(md).toContain(
      'Paper-only baselines (modes/HQ %): Unrolled 7.6/35.6, VEEGAN 8/52.9, WGAN-GP 6.8/59.6.',
    );
    expect(md).toContain('GDPP time overhead vs GAN: 20.0% per iteration.');
  });

  it('uses KL for Stacked-MNIST and shows no paper number for short-protocol rows', () => {
    const row = summariseSeeds(
      { method: 'GDPP-GAN', dataset: 'stacked-mnist', protocol: 'short', iterations: 2000 },
      [{ seed: 1, modes: 900, kl: 0.5 }],
    );
    const md = benchmarkMarkdown({ command: 'c', machine: 'm', date: 'd', rows: [row] });
    expect(md).toContain(
      '| method | protocol | seeds | iterations | modes | KL | paper modes | paper KL | s/iter |',
    );
    expect(md).toContain('| GDPP-GAN | short | 1 | 2000 | 900.0 ± 0.0 | 0.500 | – | – | – |');
    expect(md).toContain('DCGAN 427/3.163');
  });
});
