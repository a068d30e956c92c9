// Crash safety: `dppgan train` (a real process) is killed with SIGKILL at 20 random moments — during start-up,
// training, log writes and checkpoint writes (a checkpoint every 2 steps) — and restarted with --resume each
// time. After every kill the run directory must hold an intact checkpoint (manifest + SHA-256 verified, never
// going backwards); the final resume must finish, bit-identical to an uninterrupted run of the same length.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { hasCheckpoint, loadCheckpoint, parseConfig, readLog, trainRun } from '../src/train/index.js';
import { runCliProcess, startCliProcess } from './helpers/cli-process.js';
import { seededUniform } from './helpers/numeric.js';

const scratch = mkdtempSync(join(tmpdir(), 'dppgan-chaos-'));
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('kill -9 at random moments', () => {
  it('20 SIGKILLs, each followed by --resume from an intact checkpoint; the run finishes bit-exactly', async () => {
    const spec = {
      data: 'ring',
      model: 'mlp-gdpp',
      gdpp: { weight: 1 },
      batchSize: 8,
      iterations: 1_000_000,
      logEvery: 3,
      checkpointEvery: 2,
      backend: 'wasm',
    };
    const file = join(scratch, 'chaos.json');
    writeFileSync(file, JSON.stringify(spec));
    const runDir = join(scratch, 'run');
    const uniform = seededUniform(2024);
    const steps: number[] = [];
    const warnings: string[] = [];
    let last = 0;
    let midWrite = 0; // kills that interrupted a checkpoint write (a temporary directory was left)
    let midRename = 0; // kills between the two renames (only checkpoint.prev/ was there)
    for (let kill = 0; kill < 20; kill++) {
      const args =
        kill === 0 ? ['train', '--config', file, '--out', runDir] : ['train', '--out', runDir, '--resume'];
      const run = startCliProcess(args);
      const launched = Date.now();
      if (kill === 0) {
        // The first launch creates the run; --resume needs its config.json.
        while (!existsSync(join(runDir, 'config.json'))) await sleep(10);
      }
      if (kill > 0 && uniform() < 0.25) {
        await sleep(1000 * uniform()); // during start-up: module loading, backend, checkpoint restore
      } else {
        // During training: once the log shows progress, at a random moment (checkpoints every 2 steps, so
        // many kills land inside a checkpoint write).
        const goal = last + 2 + Math.floor(6 * uniform());
        while ((readLog(join(runDir, 'log.jsonl')).at(-1)?.step ?? 0) < goal) {
          if (Date.now() - launched > 30_000)
            throw new Error(`launch ${kill} made no progress: ${run.output.stderr}`);
          await sleep(5);
        }
        await sleep(60 * uniform());
      }
      run.child.kill('SIGKILL');
      const exit = await run.exited;
      expect(exit.signal, `launch ${kill} ended by itself: ${run.output.stderr}`).toBe('SIGKILL');
      // Only warnings (e.g. "no checkpoint yet; starting it from step 0") may have been printed.
      for (const line of run.output.stderr.split('\n').filter(Boolean)) {
        expect(line).toMatch(/^dppgan: warning: /);
      }
      const names = readdirSync(runDir);
      if (names.includes(`.checkpoint-tmp-${run.child.pid}`)) midWrite++;
      if (!names.includes('checkpoint') && names.includes('checkpoint.prev')) midRename++;
      if (!hasCheckpoint(runDir)) {
        steps.push(0);
        continue;
      }
      const data = loadCheckpoint(runDir, undefined, { onWarning: (message) => warnings.push(message) });
      expect(data.step, `checkpoint went backwards after kill ${kill}`).toBeGreaterThanOrEqual(last);
      last = data.step;
      steps.push(last);
    }
    // The kills landed at different moments: the run made progress between them.
    expect(new Set(steps).size).toBeGreaterThan(5);
    const target = last + 6;
    const final = runCliProcess(['train', '--out', runDir, '--resume', '--iterations', String(target)]);
    expect(final.status, final.stderr).toBe(0);
    expect(final.stdout).toContain(`${target} steps (resumed at step ${last})`);
    console.log(
      `chaos: checkpoint steps after each kill ${steps.join(' ')}; finished at ${target}; ${midWrite} kills inside a checkpoint write, ${midRename} between its renames`,
    );
    expect(warnings).toEqual([]); // SIGKILL never leaves a damaged checkpoint/ behind (atomic renames)

    // An uninterrupted run of the same length, in this process: same weights and optimiser state, bit for bit.
    const reference = join(scratch, 'reference');
    const straight = await trainRun(parseConfig({ ...spec, iterations: target }, 'chaos.json'), {
      runDir: reference,
    });
    straight.trainer.dispose();
    const bin = (dir: string) => readFileSync(join(dir, 'checkpoint', 'tensors.bin'));
    expect(bin(runDir).equals(bin(reference))).toBe(true);
    const losses = (dir: string) =>
      readLog(join(dir, 'log.jsonl')).map(({ time: _t, secPerStep: _s, ...rest }) => rest);
    expect(losses(runDir)).toEqual(losses(reference));
  });
});
