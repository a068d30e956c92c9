import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DppganError } from '../src/errors.js';
import { type CheckpointData, loadCheckpoint, saveCheckpoint } from '../src/train/checkpoint.js';

const scratch = mkdtempSync(join(tmpdir(), 'dppgan-ckpt-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function sample(step: number): CheckpointData {
  return {
    step,
    configHash: 'a'.repeat(64),
    tensors: {
      generator: [
        { name: 'w', shape: [2, 3], values: Float32Array.from([1.5, -2, 3e-8, Math.PI, 0, -0]) },
        { name: 'b', shape: [3], values: Float32Array.from([step, 2, 3]) },
      ],
      'optimizer-g': [{ name: 'w/m', shape: [1], values: Float32Array.from([0.25]) }],
    },
    state: { random: { data: { s: [1, 2, 3, 4], spare: null } }, adam: { g: { iterations: step } } },
  };
}

function fresh(name: string, step = 3): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  saveCheckpoint(dir, sample(step));
  return dir;
}

function oneLineError(fn: () => unknown, exitCode: number, pattern: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DppganError);
    expect((error as DppganError).exitCode).toBe(exitCode);
    expect((error as Error).message).toMatch(pattern);
    expect((error as Error).message).not.toContain('\n');
    return;
  }
  throw new Error('expected an error');
}

describe('checkpoints', () => {
  it('round-trips tensors (bit-exact, incl. −0), state and step', () => {
    const dir = fresh('roundtrip');
    const loaded = loadCheckpoint(dir, 'a'.repeat(64));
    const original = sample(3);
    expect(loaded.step).toBe(3);
    expect(loaded.state).toEqual(original.state);
    expect(Object.keys(loaded.tensors)).toEqual(['generator', 'optimizer-g']);
    const w = loaded.tensors.generator[0];
    expect(w.shape).toEqual([2, 3]);
    expect(Object.is(w.values[5], -0)).toBe(true);
    expect(Array.from(w.values)).toEqual(Array.from(original.tensors.generator[0].values));
    const manifest = JSON.parse(readFileSync(join(dir, 'checkpoint', 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'dppgan-checkpoint', version: 1, step: 3 });
    expect(manifest.files['tensors.bin'].sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a new save replaces the old one and leaves no temporary directory', () => {
    const dir = fresh('replace', 3);
    saveCheckpoint(dir, sample(9));
    expect(loadCheckpoint(dir).step).toBe(9);
    expect(readFileSync(join(dir, 'checkpoint', 'manifest.json'), 'utf8')).toContain('"step": 9');
    const leftovers = ['.checkpoint-old', `.checkpoint-tmp-${process.pid}`].filter((d) =>
      existsSync(join(dir, d)),
    );
    expect(leftovers).toEqual([]);
  });

  it('falls back to the previous checkpoint if a crash came between the two renames', () => {
    const dir = fresh('crash', 4);
    renameSync(join(dir, 'checkpoint'), join(dir, '.checkpoint-old'));
    expect(loadCheckpoint(dir).step).toBe(4);
  });

  it('a truncated file is a one-line runtime error', () => {
    const dir = fresh('truncated');
    truncateSync(join(dir, 'checkpoint', 'tensors.bin'), 10);
    oneLineError(
      () => loadCheckpoint(dir),
      1,
      /tensors\.bin has 10 bytes, the manifest expects \d+ \(truncated\?\)/,
    );
  });

  it('an edited file fails its checksum', () => {
    const dir = fresh('edited');
    const path = join(dir, 'checkpoint', 'state.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"step": 3', '"step": 5'));
    oneLineError(() => loadCheckpoint(dir), 1, /state\.json does not match its SHA-256 checksum/);
  });

  it('a garbled manifest, a newer version and a missing checkpoint are one-line errors', () => {
    const garbled = fresh('garbled');
    writeFileSync(join(garbled, 'checkpoint', 'manifest.json'), '{"format": ');
    oneLineError(() => loadCheckpoint(garbled), 1, /cannot parse/);
    const newer = fresh('newer');
    const path = join(newer, 'checkpoint', 'manifest.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"version": 1', '"version": 99'));
    oneLineError(() => loadCheckpoint(newer), 1, /format version 99; this dppgan reads version 1/);
    oneLineError(() => loadCheckpoint(join(scratch, 'nothing')), 1, /no checkpoint in/);
  });

  it('a checkpoint from another config is a usage error', () => {
    const dir = fresh('other-config');
    oneLineError(() => loadCheckpoint(dir, 'b'.repeat(64)), 2, /written for a different config/);
  });
});
