// Crash safety: `dppgan train` (a real process) is killed with SIGKILL at 20 random moments — the first before
// its first checkpoint, then during start-up, training, log writes and checkpoint writes (a checkpoint every 2
// steps) — and restarted with --resume each time. After every kill the run directory must hold an intact
// checkpoint (manifest + SHA-256 verified, never going backwards). Twice the newest checkpoint is damaged on
// purpose (truncated, then one byte edited): the next resume must say so in one line and use checkpoint.prev/.
// The final resume must finish, bit-identical to an uninterrupted run of the same length.
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
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

const hasPrevious = (runDir: string) =>
  existsSync(join(runDir, 'checkpoint', 'manifest.json')) &&
  existsSync(join(runDir, 'checkpoint.prev', 'manifest.json'));
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
    let damaged = false;
    let corrupted = 0;
    let fallbacksReported = 0; // resumed children that said, in one line, that they used checkpoint.prev/
    let last = 0;
    let midWrite = 0; // kills that interrupted a checkpoint write (a temporary directory was left)
    let midRename = 0; // kills between the two renames (only checkpoint.prev/ was there)
    for (let kill = 0; kill < 20; kill++) {
      const args =
        kill === 0 ? ['train', '--config', file, '--out', runDir] : ['train', '--out', runDir, '--resume'];
      const run = startCliProcess(args);
      const launched = Date.now();
      if (kill === 0) {
        // The first launch is killed as soon as it has created the run, before its first checkpoint.
        while (!existsSync(join(runDir, 'config.json'))) await sleep(5);
      } else if (uniform() < 0.25) {
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
        if (/using the previous checkpoint .*checkpoint\.prev/.test(line)) fallbacksReported++;
      }
      const names = readdirSync(runDir);
      if (names.includes(`.checkpoint-tmp-${run.child.pid}`)) midWrite++;
      if (!names.includes('checkpoint') && names.includes('checkpoint.prev')) midRename++;
      if (!hasCheckpoint(runDir)) {
        steps.push(0);
        continue;
      }
      let warned = false;
      const data = loadCheckpoint(runDir, undefined, {
        onWarning: () => {
          warned = true;
        },
      });
      // A fallback only while a checkpoint damaged on purpose is still in place (SIGKILL alone never damages one).
      if (warned) expect(damaged, `unexpected fallback after kill ${kill}`).toBe(true);
      else damaged = false;
      expect(data.step, `checkpoint went backwards after kill ${kill}`).toBeGreaterThanOrEqual(last);
      last = data.step;
      steps.push(last);
      // Damage the newest checkpoint after kill 7 and kill 14 (or the next kill after them that left both
      // checkpoint/ and checkpoint.prev/ in place, the last damage having been dealt with).
      const damage =
        kill >= 14 && corrupted === 1 ? 'edit' : kill >= 7 && corrupted === 0 ? 'truncate' : null;
      if (damage && !damaged && hasPrevious(runDir)) {
        const bin = join(runDir, 'checkpoint', 'tensors.bin');
        if (damage === 'truncate') truncateSync(bin, statSync(bin).size >> 1);
        else
          writeFileSync(
            bin,
            Buffer.from(readFileSync(bin).map((byte, i) => (i === 100 ? byte ^ 0x40 : byte))),
          );
        damaged = true;
        corrupted++;
        const messages: string[] = [];
        last = loadCheckpoint(runDir, undefined, { onWarning: (message) => messages.push(message) }).step;
        expect(messages).toEqual([
          expect.stringMatching(
            damage === 'truncate'
              ? /^corrupt checkpoint: .*tensors\.bin has \d+ bytes, the manifest expects \d+ \(truncated\?\); using the previous checkpoint .*checkpoint\.prev \(step \d+\) instead$/
              : /^corrupt checkpoint: .*tensors\.bin does not match its SHA-256 checksum in the manifest; using the previous checkpoint/,
          ),
        ]);
      }
    }
    expect(corrupted).toBe(2);
    expect(fallbacksReported).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(runDir, 'checkpoint.damaged'))).toBe(true);
    // The kills landed at different moments: the run made progress between them.
    expect(new Set(steps).size).toBeGreaterThan(5);
    const target = last + 6;
    const final = runCliProcess(['train', '--out', runDir, '--resume', '--iterations', String(target)]);
    expect(final.status, final.stderr).toBe(0);
    expect(final.stdout).toContain(`${target} steps (resumed at step ${last})`);
    console.log(
      `chaos: checkpoint steps after each kill ${steps.join(' ')}; finished at ${target}; ${midWrite} kills inside a checkpoint write, ${midRename} between its renames; ${fallbacksReported} fallbacks reported`,
    );

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
  }, 300_000); // 21 child processes: 48–95 s on our 2 cores, more with a training beside it
});
