#!/usr/bin/env node
// The `dppgan` command line entry point (see run-cli.ts for the commands and the error policy).
import { runCli } from './run-cli.js';

// A reader that stops early (`dppgan train --help | head`) closes the pipe. Its unhandled EPIPE would crash the
// process with a stack trace (and a training with it, before its checkpoint): drop the output instead and let
// the command finish as if it had been read.
const closedPipe = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (!closedPipe.has(error.code ?? '')) throw error;
  });
}

process.exitCode = await runCli(process.argv);
