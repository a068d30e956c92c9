// The training config file (DESIGN.md "Config file"): a zod schema that rejects unknown keys, fills defaults,
// and reports the first problem on one line naming the field, what was expected and what was got, e.g.
//   config.json: "loss": expected one of minimax, nonsaturating, wasserstein, hinge, least-squares, got "hinj"
// The resolved config (every default filled in) is what a run directory's config.json holds.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { BACKEND_NAMES } from '../backend/index.js';
import { dataSpecSchema } from '../data/index.js';
import { usageError } from '../errors.js';
import { ADVERSARIAL_LOSS_NAMES, labelSmoothingProblem } from '../losses/index.js';
import { MODEL_NAMES } from '../nn/index.js';

/** The Lipschitz controls a config may name (`"lipschitz"`). */
export const LIPSCHITZ_NAMES = ['none', 'spectral-norm', 'weight-clip', 'gradient-penalty'] as const;
/** One of LIPSCHITZ_NAMES. */
export type LipschitzName = (typeof LIPSCHITZ_NAMES)[number];
/** Update schedules: nDis D steps then one G step, or both gradients at the same parameters. */
export const SCHEDULE_NAMES = ['alternating', 'simultaneous'] as const;
/** One of SCHEDULE_NAMES. */
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];
/**
 * What the numerical guard does when a loss, gradient, weight or real batch is NaN/±Inf (the update is never
 * applied): 'skip' the update, 'rollback' to the last good checkpoint with halved learning rates, or 'stop'.
 */
export const NAN_POLICY_NAMES = ['skip', 'rollback', 'stop'] as const;
/** One of NAN_POLICY_NAMES. */
export type NanPolicy = (typeof NAN_POLICY_NAMES)[number];

const finite = z.number().refine(Number.isFinite, { message: 'expected a finite number' });
const positive = finite.refine((v) => v > 0, { message: 'expected a number > 0' });
const unitInterval = finite.refine((v) => v >= 0 && v < 1, { message: 'expected a number in [0, 1)' });
const count = z.number().int().min(1);

const adamSchema = (lr: number) =>
  z
    .strictObject({
      lr: positive.default(lr),
      beta1: unitInterval.default(0.5),
      beta2: unitInterval.default(0.999),
      epsilon: positive.default(1e-8),
    })
    .prefault({});

const gdppSchema = z
  .strictObject({
    /** Weight of L_DPP in the generator loss 0.5·(adv + weight·L_DPP). */
    weight: positive.default(1),
    /** Weight of the eigenvalue (magnitude) term inside L_DPP (official 1e-4). */
    magnitudeWeight: finite.min(0).default(1e-4),
    /** Use |cos| in the structure term (eigenvector sign invariance). */
    signInvariant: z.boolean().default(false),
  })
  .nullable()
  .default(null);

/** The zod schema of a training config file (unknown keys are errors; defaults filled in). */
export const configSchema = z
  .strictObject({
    data: dataSpecSchema,
    model: z.enum(MODEL_NAMES),
    loss: z.enum(ADVERSARIAL_LOSS_NAMES).default('nonsaturating'),
    /**
     * Soft targets of the sigmoid losses (label smoothing): D aims at `real` on data, `fake` on samples (official
     * GDPP Stacked-MNIST: 0.9 / 0.1). Absent: 1 / 0. No default is written, so older run configs keep their hash.
     */
    labelSmoothing: z.strictObject({ real: finite, fake: finite }).optional(),
    lipschitz: z.enum(LIPSCHITZ_NAMES).default('none'),
    gdpp: gdppSchema,
    /** 'simultaneous' = G and D gradients at the same parameters, both applied together (official GDPP toy). */
    schedule: z.enum(SCHEDULE_NAMES).optional(),
    iterations: count.default(25000),
    batchSize: z.number().int().min(2).default(512),
    nDis: count.default(1),
    seed: z.number().int().min(0).default(1),
    optim: z.strictObject({ g: adamSchema(1e-3), d: adamSchema(1e-4) }).prefault({}),
    /**
     * Linear learning-rate decay of both optimisers to 0 at the last step, starting after the `from` fraction of
     * the iterations. Absent: constant learning rates. No default is written, so older run configs keep their hash.
     */
    lrDecay: z
      .strictObject({ kind: z.literal('linear').default('linear'), from: unitInterval.default(0) })
      .optional(),
    /**
     * Moving average of G's weights (generator-ema.ts): θ_ema ← decay·θ_ema + (1 − decay)·θ after every step
     * past `start` (copies until then); samples, evaluations and exports use it. Absent: none.
     */
    generatorEma: z
      .strictObject({
        decay: finite.refine((v) => v > 0 && v < 1, { message: 'expected a number in (0, 1)' }),
        start: z.number().int().min(0).default(0),
        /** Batches that recompute batch-norm statistics for the average (standing statistics); absent: copied. */
        standingStatistics: z.number().int().min(1).optional(),
      })
      .optional(),
    /** Weight clipping bound c (lipschitz "weight-clip"). */
    weightClip: positive.default(0.01),
    /** Gradient-penalty weight λ (lipschitz "gradient-penalty"). */
    gpWeight: positive.default(10),
    /** Power iterations per step (lipschitz "spectral-norm"). */
    powerIterations: count.default(1),
    /** Write a log.jsonl line every this many steps. */
    logEvery: count.default(50),
    /** Save a checkpoint every this many steps (and always at the end). */
    checkpointEvery: count.default(1000),
    backend: z.enum(BACKEND_NAMES).default('auto'),
    /** Numerical guard policy (see NAN_POLICY_NAMES); a non-finite update is never applied. */
    nanPolicy: z.enum(NAN_POLICY_NAMES).default('skip'),
    /** Stop after this many faulty steps in a row ('skip') or rollbacks without a new checkpoint ('rollback'). */
    nanLimit: count.default(10),
    /**
     * Worker threads that split each batch (data parallel, see resolveWorkers): 'auto' (default) = every core for
     * the convolutional models, 1 for the small MLP GANs; 1 = this thread only; N > 1 = N threads.
     */
    workers: z
      .union([count, z.literal('auto')], { error: 'expected a positive integer or "auto"' })
      .default('auto'),
  })
  .superRefine((config, ctx) => {
    if (config.schedule === 'simultaneous' && config.nDis !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['nDis'],
        message: `expected 1 with "schedule": "simultaneous" (G and D take one step together), got ${config.nDis}`,
      });
    }
    const smoothing = config.labelSmoothing && labelSmoothingProblem(config.loss, config.labelSmoothing);
    if (smoothing) ctx.addIssue({ code: 'custom', path: ['labelSmoothing'], message: smoothing });
    if (typeof config.workers === 'number' && config.workers > config.batchSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['workers'],
        message: `expected at most "batchSize" (${config.batchSize}) threads to split the batch across, got ${config.workers}`,
      });
    }
  });

type ParsedConfig = z.output<typeof configSchema>;
/** A config with every default filled in (what a run directory's config.json holds). */
export type TrainConfig = Omit<ParsedConfig, 'schedule'> & { schedule: ScheduleName };
/** The `"gdpp"` entry of a resolved config (when GDPP is on). */
export type GdppConfig = NonNullable<TrainConfig['gdpp']>;

function pathText(path: PropertyKey[]): string {
  let text = '';
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : `${text ? '.' : ''}${String(key)}`;
  return text;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value === 'string' && key === 'kind') return value; // the "data": "ring" shorthand
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** One zod issue as `"path": expected …, got …`. */
function issueText(issue: z.core.$ZodIssue, input: unknown): string {
  const where = pathText(issue.path);
  const field = where ? `"${where}": ` : '';
  const got = valueAt(input, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const keys = issue.keys.map((k) => `"${k}"`).join(', ');
      return `${field}unknown key${issue.keys.length > 1 ? 's' : ''} ${keys} (remove ${issue.keys.length > 1 ? 'them' : 'it'}; check the spelling against the documented keys)`;
    }
    case 'invalid_value':
      return `${field}expected ${issue.values.length > 1 ? 'one of ' : ''}${issue.values.map(String).join(', ')}, got ${describe(got)}`;
    case 'invalid_type':
      if (got === undefined) return `${field}required, but missing`;
      if (issue.expected === 'number' && typeof got === 'number')
        return `${field}expected a finite number, got ${got}`;
      return `${field}expected ${issue.expected}, got ${describe(got)}`;
    case 'invalid_union':
      if (issue.discriminator !== undefined) {
        const options =
          'options' in issue && issue.options ? `expected one of ${issue.options.join(', ')}, ` : '';
        return `${field}${options}got ${describe(got)}`;
      }
      return `${field}${issue.message}, got ${describe(got)}`;
    default: {
      const message = issue.message.replace(/^Too (small|big): /, '');
      return /\bgot\b/.test(message) ? `${field}${message}` : `${field}${message}, got ${describe(got)}`;
    }
  }
}

/** Validate a parsed JSON config; `source` names the file in error messages. Throws a usage error (exit 2). */
export function parseConfig(input: unknown, source = 'config'): TrainConfig {
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const [first, ...rest] = result.error.issues;
    const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
    throw usageError(`${source}: ${issueText(first, input)}${more}`);
  }
  return resolveDefaults(result.data);
}

/** Model-dependent defaults: the GDPP synthetic experiments update G and D simultaneously, as the official script. */
function resolveDefaults(config: ParsedConfig): TrainConfig {
  const schedule =
    config.schedule ?? (config.model === 'mlp-gdpp' && config.nDis === 1 ? 'simultaneous' : 'alternating');
  return { ...config, schedule };
}

/**
 * Read and validate a JSON config file. `overrides` (the command line's --seed, --iterations, --workers) replace
 * the file's keys before it is validated, so the checks that relate keys (e.g. workers ≤ batchSize) see the
 * values the run will use.
 */
export function loadConfigFile(
  file: string,
  overrides: Partial<Record<keyof TrainConfig, unknown>> = {},
): TrainConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = String((error as NodeJS.ErrnoException).code);
    const why = {
      ENOENT: 'no such file',
      EISDIR: 'EISDIR, a directory',
      EACCES: 'EACCES, permission denied',
    }[code];
    throw usageError(`cannot read config file ${file}: ${why ?? code}: pass the path of a JSON config file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message);
    let where = '';
    if (position) {
      const before = text.slice(0, Number(position[1])).split('\n');
      where = ` at line ${before.length}, column ${before[before.length - 1].length + 1}`;
    }
    throw usageError(
      `${file}: not valid JSON${where} (${message.replace(/ in JSON at position \d+.*$/, '')}): fix the syntax; JSON has no comments, trailing commas, NaN or Infinity`,
    );
  }
  const isObject = json !== null && typeof json === 'object' && !Array.isArray(json);
  return parseConfig(isObject ? { ...(json as object), ...overrides } : json, file);
}

/** A key order independent JSON text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * SHA-256 of what makes two runs the same training problem: everything except the iteration count (a run may
 * be extended), the logging/checkpoint cadence, the backend, the numerical guard's policy and the number of
 * worker threads (a run may resume with any number).
 */
export function configHash(config: TrainConfig): string {
  const {
    iterations: _i,
    logEvery: _l,
    checkpointEvery: _c,
    backend: _b,
    nanPolicy: _p,
    nanLimit: _n,
    workers: _w,
    ...identity
  } = config;
  return createHash('sha256').update(canonicalJson(identity)).digest('hex');
}
