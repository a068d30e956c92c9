// The dppgan CLI as a real child process, from the TypeScript sources through tsx (always the code under test,
// no build needed): `node --import tsx src/cli/main.ts …` in the repository root.
import { type ChildProcess, type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const repoRoot = join(import.meta.dirname, '..', '..');
// tsx by absolute URL, so that the CLI also starts in a working directory outside the repository.
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const entry = ['--import', tsx, join(repoRoot, 'src', 'cli', 'main.ts')];

/** Run the CLI to completion (in the repository root unless `cwd` says otherwise). */
export function runCliProcess(args: string[], timeoutMs = 60_000, cwd = repoRoot): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [...entry, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
}

/** Start the CLI; stdout and stderr are collected into `output`. */
export function startCliProcess(args: string[]): {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
} {
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk) => {
    output.stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output.stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, output, exited };
}
