// Option parsers shared by the commands: integers with a range, --weights, reported as usage errors (exit 2).
import { InvalidArgumentError } from 'commander';
import { usageError } from '../errors.js';
import type { GeneratorWeights } from '../train/index.js';

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

/** A commander argument parser for --weights: which generator weights sample (`average` or `trained`). */
export function weightsOption(value: string): GeneratorWeights {
  if (value !== 'average' && value !== 'trained') {
    throw new InvalidArgumentError(`expected average or trained, got "${value}"`);
  }
  return value;
}

/** The --weights option's help text (eval and sample). */
export const WEIGHTS_HELP =
  'average (the moving average of G; default for runs trained with "generatorEma") or trained (the trained G; the only choice otherwise)';

/** Bytes of float32 samples one command may hold at once (2 GiB; beyond it typed arrays fail or memory runs out). */
export const MAX_SAMPLE_BYTES = 2 ** 31;

/** A usage error when `n` samples of `dim` values would not fit in MAX_SAMPLE_BYTES of float32. */
export function checkSampleCount(option: string, n: number, dim: number): void {
  const bytes = 4 * n * dim;
  if (bytes > MAX_SAMPLE_BYTES) {
    const most = Math.floor(MAX_SAMPLE_BYTES / (4 * dim));
    throw usageError(
      `${option} ${n}: ${n} samples of ${dim} values need ${(bytes / 2 ** 30).toFixed(1)} GiB as float32; at most ${most} fit in 2 GiB`,
    );
  }
}
