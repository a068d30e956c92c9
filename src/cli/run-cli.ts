// The `dppgan` program: commands, and the error policy. A DppganError prints one line `dppgan: <message>` and
// exits with its code (2 usage/config, 1 runtime; an ExitError: 130/143 after SIGINT/SIGTERM); commander's own
// errors (unknown option, missing argument) print one line and exit 2; anything else exits 1. `--debug` adds
// the stack trace.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { DppganError } from '../errors.js';
import { benchCommand } from './commands/bench.js';
import { classifierCommand } from './commands/classifier.js';
import { demoCommand } from './commands/demo.js';
import { evalCommand } from './commands/eval.js';
import { exportCommand } from './commands/export.js';
import { playgroundCommand } from './commands/playground.js';
import { sampleCommand } from './commands/sample.js';
import { trainCommand } from './commands/train.js';
import { ExitError } from './exit.js';
import { type CliIo, processIo } from './io.js';

/** "classifier train" for a subcommand, "train" for a command. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The version in dppgan's package.json (two folders up from src/cli/ and from dist/cli/ alike). */
function packageVersion(): string {
  return (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
}

export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command('dppgan')
    .description('Diverse and stable GANs on TensorFlow.js: GDPP loss and spectral normalization')
    .version(packageVersion(), '-V, --version', 'print the version of dppgan')
    .showSuggestionAfterError(true);
  for (const command of [
    demoCommand(io),
    trainCommand(io),
    sampleCommand(io),
    evalCommand(io),
    benchCommand(io),
    exportCommand(io),
    classifierCommand(io),
    playgroundCommand(io),
  ]) {
    program.addCommand(command);
  }
  const configure = (command: Command) => {
    command
      .exitOverride()
      .configureOutput({
        writeOut: (text) => io.out(text),
        writeErr: (text) => io.err(text),
        outputError: (text, write) => {
          const message = text
            .replace(/^error: /, '')
            .trim()
            .split('\n')[0];
          const where = command === program ? 'dppgan' : `dppgan ${commandPath(command)}`;
          write(`dppgan: ${message} (see ${where} --help)\n`);
        },
      })
      .option('--debug', 'show stack traces on errors');
  };
  const withSubcommands = (command: Command): Command[] => [
    command,
    ...command.commands.flatMap(withSubcommands),
  ];
  for (const command of withSubcommands(program)) configure(command);
  return program;
}

/** Run the CLI on `argv` (process.argv form: node, script, …); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const program = buildProgram(io);
    if (argv.length <= 2) {
      program.outputHelp();
      return 0;
    }
    // `dppgan help NAME`: commander prints the whole program help for an unknown NAME; say what is wrong instead.
    const [first, name] = argv.slice(2);
    if (first === 'help' && name !== undefined && !name.startsWith('-')) {
      if (!program.commands.some((command) => command.name() === name)) {
        io.err(`dppgan: unknown command '${name}' (see dppgan --help)`);
        return 2;
      }
    }
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof DppganError || error instanceof ExitError) {
      io.err(`dppgan: ${error.message}`);
      if (debug && error.stack) io.err(error.stack);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(`dppgan: ${message.split('\n')[0]}${debug ? '' : ' (run with --debug for details)'}`);
    if (debug && error instanceof Error && error.stack) io.err(error.stack);
    return 1;
  }
}
