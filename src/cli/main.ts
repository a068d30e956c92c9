#!/usr/bin/env node
// The `dppgan` command line. Thin: parse, validate, call the library. User mistakes print one line and exit 2;
// runtime failures exit 1; `--debug` shows stack traces.
import { Command, CommanderError } from 'commander';
import { DppganError } from '../errors.js';

function buildProgram(): Command {
  const program = new Command('dppgan')
    .description('Diverse and stable GANs on TensorFlow.js: GDPP loss and spectral normalization')
    .option('--debug', 'show stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof DppganError) {
      console.error(`dppgan: ${error.message}`);
      if (debug) console.error(error.stack);
      process.exitCode = error.exitCode;
      return;
    }
    console.error(`dppgan: ${error instanceof Error ? error.message : String(error)}`);
    if (debug) console.error(error);
    process.exitCode = 1;
  }
}

await main(process.argv);
