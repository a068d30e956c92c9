// Set-up shared by the trainer tests: a scratch directory removed after the file, the wasm backend, and the
// small Ring config they start from.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { parseConfig } from '../../src/train/index.js';

/** A fresh directory `dppgan-<name>-…` for this test file (removed after it), with the wasm backend set up. */
export function wasmScratch(name: string): string {
  const scratch = mkdtempSync(join(tmpdir(), `dppgan-${name}-`));
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  return scratch;
}

/** The small trainer-test config: Ring, mlp-gdpp, batch 16, wasm, with `extra` on top. */
export function toyConfig(extra: Record<string, unknown> = {}) {
  return parseConfig({ data: 'ring', model: 'mlp-gdpp', batchSize: 16, backend: 'wasm', ...extra }, 'test');
}
