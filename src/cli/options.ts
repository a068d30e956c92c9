// Option parsers shared by the commands: integers with a range, reported as usage errors (exit 2).
import { InvalidArgumentError } from 'commander';

/** A commander argument parser for an integer ≥ min. */
export function integerOption(min: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected an integer ≥ ${min}, got "${value}"`);
    }
    return n;
  };
}
