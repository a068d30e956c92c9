#!/usr/bin/env node
// The `dppgan` command line entry point (see run-cli.ts for the commands and the error policy).
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv);
