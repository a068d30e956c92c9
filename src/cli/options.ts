// Option parsers shared by the commands: integers with a range, reported as usage errors (exit 2).
import { InvalidArgumentError } from 'commander';

/** A commander argument parser for an integer in min…max (max: no bound unless given). */
export function integerOption(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in ${min}…${max}`;
      throw new InvalidArgumentError(`expected an integer ${range}, got "${value}"`);
    }
    return n;
  };
}
