// Errors a user can cause. The CLI prints `message` on one line (no stack trace unless --debug) and exits with
// `exitCode`: 2 for a usage or configuration mistake, 1 for a runtime failure (corrupt file, NaN, …).
// Every message says which input was wrong, what was expected, what was got, and how to fix it.

/**
 * An error a user can fix; `exitCode` is 2 for usage/config errors and 1 for runtime failures (what the CLI
 * exits with).
 */
export class DppganError extends Error {
  readonly exitCode: 1 | 2;

  constructor(message: string, exitCode: 1 | 2 = 2) {
    super(message);
    this.name = 'DppganError';
    this.exitCode = exitCode;
  }
}

/** A usage or configuration error (exit code 2). */
export function usageError(message: string): DppganError {
  return new DppganError(message, 2);
}

/** A runtime failure caused by bad input data or numerical trouble (exit code 1). */
export function runtimeError(message: string): DppganError {
  return new DppganError(message, 1);
}
