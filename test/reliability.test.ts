// Reliability: the numerical guard (a NaN batch, a diverging learning rate and corrupted weights never put a
// NaN into the weights; nanPolicy skip / stop / rollback, events in log.jsonl), checkpoint fallback to
// checkpoint.prev, and SIGINT/SIGTERM in a real process (checkpoint at the current step, exit 130/143, resume).
import { existsSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/run-cli.js';
import { createDataset, type Dataset } from '../src/data/index.js';
import { DppganError } from '../src/errors.js';
import type { Random } from '../src/random.js';
import {
  learningRateFactor,
  loadCheckpoint,
  readEvents,
  readLog,
  saveCheckpoint,
  Trainer,
  trainRun,
} from '../src/train/index.js';
import { startCliProcess } from './helpers/cli-process.js';
import { toyConfig as ringToyConfig, wasmScratch } from './helpers/toy-run.js';

const scratch = wasmScratch('reliability');

/** The shared toy config with GDPP on. */
function toyConfig(extra: Record<string, unknown> = {}) {
  return ringToyConfig({ gdpp: { weight: 1 }, ...extra });
}

/** The ring, except that the real batches of the listed sample() calls (1-based) hold a NaN. */
class PoisonedDataset implements Dataset {
  readonly dim: number[];
  readonly name = 'poisoned-ring';
  private calls = 0;
  constructor(
    private readonly inner: Dataset,
    private readonly poisoned: Set<number>,
  ) {
    this.dim = inner.dim;
  }
  sampleArray(n: number, random: Random): Float32Array {
    const values = this.inner.sampleArray(n, random);
    if (this.poisoned.has(++this.calls)) values[values.length >> 1] = Number.NaN;
    return values;
  }
  sample(n: number, random: Random): tf.Tensor2D {
    return tf.tensor2d(this.sampleArray(n, random), [n, this.dim[0]]);
  }
}

function weightsOf(trainer: Trainer): Float32Array[] {
  return [...trainer.gan.generator.stack.weights(), ...trainer.gan.discriminator.weights()].map((w) =>
    Float32Array.from(w.read().dataSync()),
  );
}
const allFinite = (arrays: Float32Array[]) => arrays.every((a) => a.every(Number.isFinite));

function checkpointFinite(runDir: string): boolean {
  const data = loadCheckpoint(runDir);
  return Object.values(data.tensors).every((group) => allFinite(group.map((t) => t.values)));
}

function thrown(fn: () => unknown): DppganError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DppganError);
    return error as DppganError;
  }
  throw new Error('expected a DppganError');
}

describe('numerical guard', () => {
  it.each([
    ['simultaneous, spectral norm', { schedule: 'simultaneous', lipschitz: 'spectral-norm' }, 3, 3],
    ['simultaneous, one shared forward pass', { schedule: 'simultaneous', lipschitz: 'none' }, 3, 3],
    [
      'alternating nDis 2, spectral norm',
      { schedule: 'alternating', nDis: 2, lipschitz: 'spectral-norm' },
      3,
      2,
    ],
  ])(
    '%s: a NaN in a real batch is skipped, never reaches the weights, and the run goes on',
    (_name, extra, call, step) => {
      const config = toyConfig(extra);
      const trainer = new Trainer(config, {
        dataset: new PoisonedDataset(createDataset(config.data), new Set([call])),
      });
      const events: unknown[] = [];
      trainer.onNonFinite = (event) => events.push(event);
      let before = weightsOf(trainer);
      for (let s = 1; s <= 5; s++) {
        const stats = trainer.trainStep();
        const after = weightsOf(trainer);
        expect(allFinite(after), `step ${s}`).toBe(true);
        if (s === step) {
          expect(stats.nonfinite).toEqual([{ event: 'nonfinite', step, what: 'batch', action: 'skip' }]);
          // Not even the spectral-norm u vectors moved: the batch is rejected before any forward pass.
          expect(after).toEqual(before);
        } else {
          expect(stats.nonfinite).toBeUndefined();
          expect(Number.isFinite(stats.gLoss) && Number.isFinite(stats.dLoss)).toBe(true);
          expect(after.some((w, i) => w.some((v, j) => v !== before[i][j]))).toBe(true);
        }
        before = after;
      }
      expect(events).toEqual([{ event: 'nonfinite', step, what: 'batch', action: 'skip' }]);
      trainer.dispose();
    },
  );

  it('a diverging learning rate: skipped updates, then a clean one-line stop after nanLimit; weights stay finite', () => {
    const lr = { lr: 1e38 };
    const config = toyConfig({ optim: { g: lr, d: lr }, nanLimit: 3 });
    const trainer = new Trainer(config, { dataset: createDataset(config.data) });
    const events: { step: number; what: string; action: string }[] = [];
    trainer.onNonFinite = (event) => events.push(event);
    const error = thrown(() => {
      for (let s = 0; s < 20; s++) trainer.trainStep();
    });
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(
      /^training stopped at step \d+: non-finite .*4 faulty steps in a row, nanLimit 3/,
    );
    expect(error.message).not.toContain('\n');
    expect(events.map((e) => e.action)).toEqual(['skip', 'skip', 'skip', 'stop']);
    expect(events[0].what).toMatch(/^[DG] (loss|gradients|features)$/);
    expect(allFinite(weightsOf(trainer))).toBe(true);
    trainer.dispose();
  });

  it('nanPolicy "rollback" with data that is non-finite on every draw: skipped, then a one-line stop after nanLimit', () => {
    const config = toyConfig({ nanPolicy: 'rollback', nanLimit: 3 });
    const every = new Set(Array.from({ length: 100 }, (_, i) => i + 1));
    const trainer = new Trainer(config, {
      dataset: new PoisonedDataset(createDataset(config.data), every),
    });
    const events: { action: string; what: string }[] = [];
    trainer.onNonFinite = (event) => events.push(event);
    const before = weightsOf(trainer);
    const error = thrown(() => {
      for (let s = 0; s < 20; s++) trainer.trainStep();
    });
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(
      /^training stopped at step 4: non-finite batch .*4 faulty steps in a row, nanLimit 3/,
    );
    expect(error.message).not.toContain('\n');
    expect(events.map((e) => `${e.what}:${e.action}`)).toEqual([
      'batch:skip',
      'batch:skip',
      'batch:skip',
      'batch:stop',
    ]);
    expect(weightsOf(trainer)).toEqual(before);
    trainer.dispose();
  });

  it('nanPolicy "stop" through the CLI: exit 1, one line, the stop in log.jsonl, a finite checkpoint', async () => {
    const file = join(scratch, 'diverge.json');
    const lr = { lr: 1e38 };
    writeFileSync(
      file,
      JSON.stringify({
        data: 'ring',
        model: 'mlp-gdpp',
        batchSize: 16,
        iterations: 50,
        checkpointEvery: 1,
        logEvery: 1,
        backend: 'wasm',
        optim: { g: lr, d: lr },
        nanPolicy: 'stop',
      }),
    );
    const out = join(scratch, 'diverge');
    let err = '';
    const io: CliIo = {
      out: () => {},
      err: (text) => {
        err += `${text}\n`;
      },
      isTTY: false,
    };
    const code = await runCli(['node', 'dppgan', 'train', '--config', file, '--out', out], io);
    expect(code).toBe(1);
    expect(err).toMatch(/^dppgan: training stopped at step \d+: non-finite .*nanPolicy "stop".*\n$/);
    const events = readEvents(join(out, 'log.jsonl'));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ event: 'nonfinite', action: 'stop' });
    expect(checkpointFinite(out)).toBe(true);
    expect(loadCheckpoint(out).step).toBe(events[0].step - 1);
  });

  it.each([
    ['constant rates', undefined],
    ['a learning-rate decay over the second half', { from: 0.5 }],
  ])(
    'nanPolicy "rollback" (%s): corrupted weights → back to the last checkpoint with halved learning rates, run finishes',
    async (name, lrDecay) => {
      const config = toyConfig({
        nanPolicy: 'rollback',
        iterations: 10,
        checkpointEvery: 4,
        logEvery: 1,
        lrDecay,
      });
      const runDir = join(scratch, `rollback-${name.replace(/\W+/g, '-')}`);
      let injected = false;
      const warnings: string[] = [];
      const rates: number[] = []; // D's rate of each logged step's update
      const result = await trainRun(config, {
        runDir,
        onWarning: (message) => warnings.push(message),
        onStep: (stats, trainer) => {
          rates[stats.step] = trainer.learningRates().d;
          if (stats.step === 5 && !injected) {
            injected = true; // a NaN appears in the weights from outside (bit flip, bad custom layer, …)
            const w = trainer.gan.discriminator.trainableVariables()[0];
            const values = w.dataSync().slice();
            values[0] = Number.NaN;
            w.assign(tf.tensor(values, w.shape));
          }
        },
      });
      expect(result.trainer.step).toBe(10);
      expect(result.trainer.lrScale).toBe(0.5);
      // the update from step t ran at lr × scale × decay factor(t): scale 1 up to the rollback (to step 4), ½ after
      const expected = (step: number) =>
        config.optim.d.lr * (step <= 4 ? 1 : 0.5) * learningRateFactor(step - 1, 10, config.lrDecay);
      expect(rates.slice(1)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(expected));
      if (lrDecay) expect(rates[10]).toBeCloseTo(config.optim.d.lr * 0.5 * 0.2, 15);
      expect(allFinite(weightsOf(result.trainer))).toBe(true);
      result.trainer.dispose();
      const log = join(runDir, 'log.jsonl');
      expect(readEvents(log)).toEqual([
        { event: 'nonfinite', step: 6, what: 'D weights', action: 'rollback' },
      ]);
      expect(readLog(log).map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(warnings).toEqual([expect.stringMatching(/rolled back to step 4 with learning rates × 0\.5/)]);
      expect(checkpointFinite(runDir)).toBe(true);
      expect(loadCheckpoint(runDir).state.lrScale).toBe(0.5);
    },
  );

  /**
   * A 10-step toy run in `runDir` (checkpoint every `checkpointEvery` steps) whose first G weight is set to
   * `value` after step `step`; resolves to what trainRun threw (null if it did not).
   */
  const trainWithWeightsSpoiled = (runDir: string, checkpointEvery: number, step: number, value: number) =>
    trainRun(toyConfig({ iterations: 10, checkpointEvery, logEvery: 1 }), {
      runDir,
      onStep: (stats, trainer) => {
        if (stats.step === step) {
          const w = trainer.gan.generator.stack.trainableVariables()[0];
          w.assign(tf.fill(w.shape, value));
        }
      },
    }).then(
      () => null,
      (e: unknown) => e,
    );

  it('a checkpoint with a non-finite weight is never written: the run stops in one line, the last one stays', async () => {
    const runDir = join(scratch, 'no-nan-checkpoint');
    const error = await trainWithWeightsSpoiled(runDir, 2, 4, Number.POSITIVE_INFINITY);
    expect(error).toBeInstanceOf(DppganError);
    expect((error as DppganError).message).toMatch(
      /^training stopped at step 4: non-finite weights \(found while checkpointing; not saved\); the last good checkpoint \(step 2\) is in .*checkpoint: lower the learning rates or check the data$/,
    );
    expect(loadCheckpoint(runDir).step).toBe(2);
    expect(checkpointFinite(runDir)).toBe(true);
    expect(readEvents(join(runDir, 'log.jsonl'))).toEqual([
      { event: 'nonfinite', step: 4, what: 'weights', action: 'stop' },
    ]);
  });

  it('stopped before its first checkpoint, the run says so instead of pointing at a checkpoint', async () => {
    const runDir = join(scratch, 'no-first-checkpoint');
    const error = await trainWithWeightsSpoiled(runDir, 5, 5, Number.NaN);
    expect((error as DppganError).message).toMatch(
      /^training stopped at step 5: non-finite weights \(found while checkpointing; not saved\); no checkpoint was written yet: lower the learning rates or check the data$/,
    );
    expect(existsSync(join(runDir, 'checkpoint'))).toBe(false);
  });

  it('the stop message suggests another nanPolicy only when the policy is "stop"', () => {
    const lr = { lr: 1e38 };
    for (const nanPolicy of ['stop', 'skip'] as const) {
      const config = toyConfig({ optim: { g: lr, d: lr }, nanLimit: 1, nanPolicy });
      const trainer = new Trainer(config, { dataset: createDataset(config.data) });
      const error = thrown(() => {
        for (let s = 0; s < 20; s++) trainer.trainStep();
      });
      trainer.dispose();
      expect(error.message).toMatch(/^training stopped at step \d+: non-finite /);
      if (nanPolicy === 'stop')
        expect(error.message).toMatch(/, or set "nanPolicy" to "skip" or "rollback"$/);
      else expect(error.message).not.toContain('set "nanPolicy"');
    }
  });
});

describe('checkpoint fallback', () => {
  it('a truncated or edited checkpoint/ is reported in one line and checkpoint.prev/ is used', () => {
    const dir = join(scratch, 'fallback');
    const data = (step: number) => ({
      step,
      configHash: 'c'.repeat(64),
      tensors: { generator: [{ name: 'w', shape: [3], values: Float32Array.from([step, 2, 3]) }] },
      state: {},
    });
    for (const damage of ['truncate', 'edit'] as const) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      saveCheckpoint(dir, data(4));
      saveCheckpoint(dir, data(8));
      expect(existsSync(join(dir, 'checkpoint.prev', 'manifest.json'))).toBe(true);
      const bin = join(dir, 'checkpoint', 'tensors.bin');
      if (damage === 'truncate') truncateSync(bin, 5);
      else writeFileSync(bin, Buffer.from(readFileSync(bin).map((b, i) => (i === 0 ? b ^ 1 : b))));
      const warnings: string[] = [];
      const loaded = loadCheckpoint(dir, 'c'.repeat(64), { onWarning: (m) => warnings.push(m) });
      expect(loaded.step).toBe(4);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        damage === 'truncate'
          ? /tensors\.bin has 5 bytes, the manifest expects 12 \(truncated\?\); using the previous checkpoint .*checkpoint\.prev \(step 4\) instead/
          : /tensors\.bin does not match its SHA-256 checksum in the manifest; using the previous checkpoint/,
      );
      expect(warnings[0]).not.toContain('\n');
    }
  });
});

describe('signals (real process)', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s mid-run: checkpoint at the current step, exit %i within seconds, --resume continues',
    async (signal, code) => {
      const file = join(scratch, `signal-${signal}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          data: 'ring',
          model: 'mlp-gdpp',
          gdpp: { weight: 1 },
          batchSize: 8,
          iterations: 1_000_000,
          logEvery: 5,
          checkpointEvery: 1000,
          backend: 'wasm',
        }),
      );
      const out = join(scratch, `signal-${signal}`);
      const run = startCliProcess(['train', '--config', file, '--out', out]);
      try {
        // Wait until it is training (a log record past step 10), then signal it.
        const started = Date.now();
        while ((readLog(join(out, 'log.jsonl')).at(-1)?.step ?? 0) < 10) {
          if (Date.now() - started > 30_000) throw new Error(`no training progress: ${run.output.stderr}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const sent = Date.now();
        run.child.kill(signal);
        const exit = await Promise.race([
          run.exited,
          new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000)),
        ]);
        expect(exit, 'the process did not stop within 10 s of the signal').not.toBeNull();
        const seconds = (Date.now() - sent) / 1000;
        expect(exit).toEqual({ code, signal: null });
        expect(seconds).toBeLessThan(5);
        const match =
          /^dppgan: interrupted by (\w+) at step (\d+); checkpoint saved: continue with dppgan train --out .* --resume\n$/.exec(
            run.output.stderr,
          );
        expect(match, run.output.stderr).not.toBeNull();
        expect(match![1]).toBe(signal);
        const step = Number(match![2]);
        expect(step).toBeGreaterThanOrEqual(10);
        expect(loadCheckpoint(out).step).toBe(step);
        // Resume and extend by 5 steps.
        let stdout = '';
        const io: CliIo = {
          out: (text) => {
            stdout += `${text}\n`;
          },
          err: () => {},
          isTTY: false,
        };
        const resumed = await runCli(
          ['node', 'dppgan', 'train', '--out', out, '--resume', '--iterations', String(step + 5)],
          io,
        );
        expect(resumed).toBe(0);
        expect(stdout).toContain(`${step + 5} steps (resumed at step ${step})`);
        expect(loadCheckpoint(out).step).toBe(step + 5);
      } finally {
        run.child.kill('SIGKILL');
      }
    },
  );
});
