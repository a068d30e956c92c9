// Where CLI commands write: stdout/stderr by default, buffers in tests (the in-process `runCli`); and output
// files, whose write failures become one-line usage errors naming the file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { usageError } from '../errors.js';

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

/** Write an output file (creating its folder); a failure is a one-line usage error naming `option` and the file. */
export function writeOutputFile(file: string, bytes: string | Uint8Array, option = '--out'): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw usageError(`cannot write ${file} (${code}): choose another ${option}`);
  }
}
