#!/usr/bin/env node
// The `dppgan` command line entry point (see run-cli.ts for the commands and the error policy).
import { runCli } from './run-cli.js';

// A reader that stops early (`dppgan train --help | head`) closes the pipe: end quietly, as Unix tools do, instead
// of crashing on the unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

process.exitCode = await runCli(process.argv);
