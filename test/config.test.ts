import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DppganError } from '../src/errors.js';
import { configHash, loadConfigFile, parseConfig } from '../src/train/config.js';

const scratch = mkdtempSync(join(tmpdir(), 'dppgan-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function errorOf(input: unknown): DppganError {
  try {
    parseConfig(input, 'config.json');
  } catch (error) {
    expect(error).toBeInstanceOf(DppganError);
    return error as DppganError;
  }
  throw new Error('expected a config error');
}

describe('config schema', () => {
  it('fills every default and resolves the schedule from the model', () => {
    const config = parseConfig({ data: { kind: 'ring' }, model: 'mlp-gdpp' });
    expect(config).toMatchObject({
      loss: 'nonsaturating',
      lipschitz: 'none',
      gdpp: null,
      iterations: 25000,
      batchSize: 512,
      nDis: 1,
      seed: 1,
      schedule: 'simultaneous',
      optim: { g: { lr: 1e-3, beta1: 0.5, beta2: 0.999 }, d: { lr: 1e-4, beta1: 0.5, beta2: 0.999 } },
    });
    expect(parseConfig({ data: 'ring', model: 'mlp-gdpp', nDis: 5 }).schedule).toBe('alternating');
    expect(parseConfig({ data: 'ring', model: 'mlp-gdpp', gdpp: {} }).gdpp).toEqual({
      weight: 1,
      magnitudeWeight: 1e-4,
      signInvariant: false,
    });
  });

  it.each([
    [
      { data: 'ring', model: 'mlp-gdpp', loss: 'hinj' },
      'config.json: "loss": expected one of minimax, nonsaturating, wasserstein, hinge, least-squares, got "hinj"',
    ],
    [{ model: 'mlp-gdpp' }, 'config.json: "data": required, but missing'],
    [
      { data: 'ring', model: 'mlp-gdpp', iterations: 'many' },
      'config.json: "iterations": expected number, got "many"',
    ],
    [{ data: 'ring', model: 'mlp-gdpp', batchSize: 1 }, '"batchSize"'],
    [
      { data: 'ring', model: 'mlp-gdpp', optim: { g: { lr: -1 } } },
      '"optim.g.lr": expected a number > 0, got number -1',
    ],
    [
      { data: 'ring', model: 'mlp-gdpp', lipschitz: 'sn' },
      '"lipschitz": expected one of none, spectral-norm',
    ],
    [
      { data: 'ring', model: 'resnet' },
      '"model": expected one of mlp-gdpp, dcgan-smnist, sn-cnn, got "resnet"',
    ],
    [{ data: { kind: 'rng' }, model: 'mlp-gdpp' }, '"data.kind": expected one of ring, grid'],
    [{ data: 'ring', model: 'mlp-gdpp', learningRate: 1 }, 'unknown key "learningRate"'],
    [{ data: 'ring', model: 'mlp-gdpp', optim: { g: { lrr: 1 } } }, '"optim.g": unknown key "lrr"'],
    [
      { data: 'ring', model: 'mlp-gdpp', schedule: 'simultaneous', nDis: 5 },
      '"nDis": expected 1 with "schedule": "simultaneous"',
    ],
  ])('%j → one line naming the field', (input, expected) => {
    const error = errorOf(input);
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(expected);
    expect(error.message).not.toContain('\n');
  });

  it('loadConfigFile: overrides replace the file keys before validation', () => {
    const file = join(scratch, 'override.json');
    writeFileSync(
      file,
      JSON.stringify({ data: 'ring', model: 'mlp-gdpp', batchSize: 4, workers: 8, seed: 3 }),
    );
    expect(() => loadConfigFile(file)).toThrow(/"workers": expected at most "batchSize" \(4\)/);
    const config = loadConfigFile(file, { workers: 2, seed: 9, iterations: 7 });
    expect([config.workers, config.seed, config.iterations]).toEqual([2, 9, 7]);
    const array = join(scratch, 'array.json');
    writeFileSync(array, '[1, 2]');
    expect(() => loadConfigFile(array, { seed: 1 })).toThrow(/array\.json: expected object, got an array/);
  });

  it('loadConfigFile: a missing file and invalid JSON are one-line usage errors', () => {
    expect(() => loadConfigFile(join(scratch, 'none.json'))).toThrow(
      /cannot read config file .*none\.json: no such file/,
    );
    const bad = join(scratch, 'bad.json');
    writeFileSync(bad, '{"data": "ring",');
    expect(() => loadConfigFile(bad)).toThrow(/bad\.json: not valid JSON/);
  });

  it('configHash ignores iterations and cadence but not the training problem', () => {
    const a = parseConfig({ data: 'ring', model: 'mlp-gdpp' });
    expect(configHash(parseConfig({ data: 'ring', model: 'mlp-gdpp', iterations: 7, logEvery: 3 }))).toBe(
      configHash(a),
    );
    expect(configHash(parseConfig({ data: 'ring', model: 'mlp-gdpp', seed: 2 }))).not.toBe(configHash(a));
    expect(configHash(parseConfig({ data: 'grid', model: 'mlp-gdpp' }))).not.toBe(configHash(a));
  });

  it('labelSmoothing: absent adds no key (older runs keep their hash), present changes the hash, misuse is refused', () => {
    const plain = parseConfig({ data: 'ring', model: 'mlp-gdpp' });
    expect('labelSmoothing' in plain).toBe(false);
    // the hash of a config written before the key existed
    expect(configHash(plain)).toBe('27e58c6ff487b6b83b9a9ad7258e142d551d51aea8ed56f73e9c25c973e623d8');
    const smoothed = parseConfig({
      data: 'ring',
      model: 'mlp-gdpp',
      labelSmoothing: { real: 0.9, fake: 0.1 },
    });
    expect(smoothed.labelSmoothing).toEqual({ real: 0.9, fake: 0.1 });
    expect(configHash(smoothed)).not.toBe(configHash(plain));
    expect(() =>
      parseConfig({
        data: 'ring',
        model: 'mlp-gdpp',
        loss: 'hinge',
        labelSmoothing: { real: 0.9, fake: 0.1 },
      }),
    ).toThrow(/"labelSmoothing": expected "loss" "minimax" or "nonsaturating"/);
    expect(() =>
      parseConfig({ data: 'ring', model: 'mlp-gdpp', labelSmoothing: { real: 0.1, fake: 0.9 } }),
    ).toThrow(/"labelSmoothing": expected 0 ≤ fake < real ≤ 1/);
    expect(() => parseConfig({ data: 'ring', model: 'mlp-gdpp', labelSmoothing: { real: 0.9 } })).toThrow(
      /labelSmoothing/,
    );
  });
  it('lrDecay: absent adds no key (older runs keep their hash); present changes the hash; a bad fraction is refused', () => {
    const plain = parseConfig({ data: 'ring', model: 'mlp-gdpp' });
    expect('lrDecay' in plain).toBe(false);
    expect(configHash(plain)).toBe('27e58c6ff487b6b83b9a9ad7258e142d551d51aea8ed56f73e9c25c973e623d8');
    const decayed = parseConfig({ data: 'ring', model: 'mlp-gdpp', lrDecay: { from: 0.5 } });
    expect(decayed.lrDecay).toEqual({ kind: 'linear', from: 0.5 });
    expect(configHash(decayed)).not.toBe(configHash(plain));
    expect(parseConfig({ data: 'ring', model: 'mlp-gdpp', lrDecay: {} }).lrDecay).toEqual({
      kind: 'linear',
      from: 0,
    });
    expect(() => parseConfig({ data: 'ring', model: 'mlp-gdpp', lrDecay: { from: 1 } })).toThrow(
      /"lrDecay.from": expected a number in \[0, 1\), got number 1/,
    );
    expect(() => parseConfig({ data: 'ring', model: 'mlp-gdpp', lrDecay: { kind: 'cosine' } })).toThrow(
      /"lrDecay.kind": expected linear, got "cosine"/,
    );
    expect(() => parseConfig({ data: 'ring', model: 'mlp-gdpp', lrDecay: { start: 3 } })).toThrow(
      /"lrDecay": unknown key "start"/,
    );
  });
});
