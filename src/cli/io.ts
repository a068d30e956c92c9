// Where CLI commands write: stdout/stderr by default, buffers in tests (the in-process `runCli`); and output
// files, whose write failures become one-line usage errors naming the file.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type DppganError, usageError } from '../errors.js';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is an interactive terminal (progress bars only then). */
  isTTY: boolean;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  isTTY: process.stderr.isTTY === true,
};

/** The one-line usage error for an output `path` that could not be written (`error` from the file system). */
export function unwritableOutput(path: string, error: unknown, option = '--out'): DppganError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return usageError(`cannot write ${path} (${code}): choose another ${option}`);
}

/** Write an output file (creating its folder); a failure is a one-line usage error naming `option` and the file. */
export function writeOutputFile(file: string, bytes: string | Uint8Array, option = '--out'): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
  } catch (error) {
    throw unwritableOutput(file, error, option);
  }
}

/** A one-line usage error when `--out` (shown as `shown`) names an existing file where a directory is expected. */
export function requireOutputDirectory(dir: string, shown: string = dir): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw usageError(`--out ${shown} is a file, not a directory: choose another --out`);
  }
}
