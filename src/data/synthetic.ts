// Synthetic 2-D benchmarks of GDPP Table 1 (PAPERS.md §4) and custom isotropic Gaussian mixtures.
// Ring: 8 Gaussians on the unit circle at angles 2πk/8 (8 distinct centres — the official script's
// linspace(0, 2π, 8) repeats the first one), std 0.01. Grid: 25 Gaussians at {−4,−2,0,2,4}², std 0.05.
// Invariant: a sample is fully determined by the Random state it is drawn from — per sample, one
// `random.integer(k)` picks a centre uniformly, then `dim` normals give the offset (x = c + std·ε).
import * as tf from '@tensorflow/tfjs-core';
import { usageError } from '../errors.js';
import type { Random } from '../random.js';
import type { Dataset } from './dataset.js';

/** `modes` centres evenly spaced on a circle: angle 2πk/modes, k = 0 … modes−1 (all distinct). */
export function ringCentres(modes = 8, radius = 1): number[][] {
  const centres: number[][] = [];
  for (let k = 0; k < modes; k++) {
    const angle = (2 * Math.PI * k) / modes;
    centres.push([radius * Math.cos(angle), radius * Math.sin(angle)]);
  }
  return centres;
}

/** A size×size lattice centred on the origin with the given spacing; row-major in (x, y). */
export function gridCentres(size = 5, spacing = 2): number[][] {
  const offset = ((size - 1) * spacing) / 2;
  const centres: number[][] = [];
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) centres.push([i * spacing - offset, j * spacing - offset]);
  }
  return centres;
}

/** An equal-weight mixture of isotropic Gaussians N(c_k, std²·I). */
export class GaussianMixture implements Dataset {
  readonly name: string;
  readonly dim: number[];
  readonly centres: number[][];
  readonly std: number;
  private readonly flatCentres: Float64Array;

  constructor(name: string, centres: number[][], std: number) {
    if (centres.length === 0) throw usageError(`${name}: expected at least one centre, got none`);
    const d = centres[0].length;
    if (d === 0 || centres.some((c) => c.length !== d)) {
      throw usageError(`${name}: every centre must have the same number (≥ 1) of coordinates`);
    }
    if (!(std > 0) || !Number.isFinite(std)) {
      throw usageError(`${name}: expected std to be a positive finite number, got ${std}`);
    }
    this.name = name;
    this.dim = [d];
    this.centres = centres.map((c) => [...c]);
    this.std = std;
    this.flatCentres = Float64Array.from(centres.flat());
  }

  /** n samples as a flat row-major Float32Array [n × dim], drawn from `random` (advances it). */
  sampleArray(n: number, random: Random, out?: Float32Array): Float32Array {
    if (!Number.isInteger(n) || n < 0) throw usageError(`${this.name}: expected n ≥ 0 integer, got ${n}`);
    const d = this.dim[0];
    const values = out ?? new Float32Array(n * d);
    if (values.length < n * d) throw usageError(`${this.name}: output buffer too small for ${n} samples`);
    const k = this.centres.length;
    const std = this.std;
    const centres = this.flatCentres;
    for (let i = 0; i < n; i++) {
      const c = random.integer(k) * d;
      for (let j = 0; j < d; j++) values[i * d + j] = centres[c + j] + std * random.normal();
    }
    return values;
  }

  /** n samples as one float32 tensor [n, dim]; the caller owns (and disposes) it. */
  sample(n: number, random: Random): tf.Tensor2D {
    return tf.tensor2d(this.sampleArray(n, random), [n, this.dim[0]], 'float32');
  }
}

/** GDPP Table 1 Ring: 8 Gaussians on the unit circle, std 0.01. */
export function ring(opts: { modes?: number; radius?: number; std?: number } = {}): GaussianMixture {
  return new GaussianMixture('ring', ringCentres(opts.modes ?? 8, opts.radius ?? 1), opts.std ?? 0.01);
}

/** GDPP Table 1 Grid: 25 Gaussians at {−4,−2,0,2,4}², std 0.05. */
export function grid(opts: { size?: number; spacing?: number; std?: number } = {}): GaussianMixture {
  return new GaussianMixture('grid', gridCentres(opts.size ?? 5, opts.spacing ?? 2), opts.std ?? 0.05);
}
