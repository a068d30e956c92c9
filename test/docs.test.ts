// The API reference builds without warnings: TypeDoc (typedoc.json, as `npm run docs` runs it) with
// validation.notDocumented, so every declaration exported from 'dppgan' and 'dppgan/layers' has a TSDoc comment,
// and no link or referenced type is broken. Nothing is written (--emit none).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

describe('npm run docs', () => {
  it('TypeDoc reports no warnings and no errors (every public export documented)', () => {
    const typedoc = join(root, 'node_modules', '.bin', 'typedoc');
    const result = spawnSync(typedoc, ['--emit', 'none', '--logLevel', 'Warn'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    const output = `${result.stdout}${result.stderr}`;
    const problems = output.split('\n').filter((line) => /\[(warning|error)\]/.test(line));
    expect(problems).toEqual([]);
    expect(result.status).toBe(0);
  });
});
