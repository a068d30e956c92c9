// An error that ends the CLI with a specific exit code outside the 1/2 of DppganError: 130 after SIGINT and
// 143 after SIGTERM (128 + the signal number, as shells report a process killed by that signal).
/** A one-line error with its own exit code (runCli prints `dppgan: <message>` and returns `exitCode`). */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'ExitError';
  }
}

/** Exit codes of the signals a training run stops cleanly on. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
