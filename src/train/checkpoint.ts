// Checkpoints: everything a run needs to continue bit-exactly — network weights (incl. batch-norm statistics and
// spectral-norm u vectors, which are layer weights), Adam state, RNG states and the step — in a directory
//   checkpoint/manifest.json  { format, version, step, configHash, files: { name: { bytes, sha256 } } }
//   checkpoint/state.json     tensor index (group, name, shape, offset) + JSON state (RNG, optimiser scalars)
//   checkpoint/tensors.bin    every tensor as little-endian float32, concatenated
// Invariant (atomicity): `checkpoint/` is always a complete checkpoint. A new one is written into a temporary
// directory beside it, every file fsync'ed, then renamed into place; the one it replaces is kept as
// `checkpoint.prev/` (old prev removed, checkpoint → checkpoint.prev, new → checkpoint). So a crash at any
// moment leaves at least one complete checkpoint, and loading falls back from a missing, truncated or edited
// `checkpoint/` to `checkpoint.prev/` (or a legacy `.checkpoint-old/`), with a one-line warning.
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { DppganError, runtimeError, usageError } from '../errors.js';

/** The `format` field of a checkpoint manifest. */
export const CHECKPOINT_FORMAT = 'dppgan-checkpoint';
/** The checkpoint layout version this dppgan writes and reads. */
export const CHECKPOINT_VERSION = 1;
/** The checkpoint folder inside a run directory. */
export const CHECKPOINT_DIR = 'checkpoint';
/** The previous checkpoint, kept as a fallback when a new one is written. */
export const PREVIOUS_CHECKPOINT_DIR = 'checkpoint.prev';
/** Where a resumed run sets aside a damaged `checkpoint/` it fell back from (kept for inspection, never read). */
export const DAMAGED_CHECKPOINT_DIR = 'checkpoint.damaged';
/** Left by dppgan ≤ 0.1 when a crash came between its two renames. */
const OLD_DIR = '.checkpoint-old';
const TEMP_PREFIX = '.checkpoint-tmp-';
/** Where loadCheckpoint looks, newest first. */
const CANDIDATES = [CHECKPOINT_DIR, PREVIOUS_CHECKPOINT_DIR, OLD_DIR];

/** A named float32 array with its shape. */
export interface NamedArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** Everything a checkpoint holds: step, config hash, tensor groups and JSON state. */
export interface CheckpointData {
  step: number;
  configHash: string;
  /** Tensor groups, e.g. 'generator', 'discriminator', 'optimizer-g', 'optimizer-d'; order is preserved. */
  tensors: Record<string, NamedArray[]>;
  /** JSON-serialisable state (RNG states, optimiser scalars, …). */
  state: Record<string, unknown>;
}

interface TensorEntry {
  group: string;
  name: string;
  shape: number[];
  /** Offset in float32 elements into tensors.bin. */
  offset: number;
}

interface Manifest {
  format: string;
  version: number;
  step: number;
  configHash: string;
  files: Record<string, { bytes: number; sha256: string }>;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function writeFileSynced(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDirectory(path: string): void {
  try {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the file fsyncs still hold.
  }
}

function encode(data: CheckpointData): { bin: Uint8Array; stateJson: Uint8Array } {
  const entries: TensorEntry[] = [];
  let total = 0;
  for (const [group, arrays] of Object.entries(data.tensors)) {
    for (const array of arrays) {
      const size = array.shape.reduce((a, b) => a * b, 1);
      if (size !== array.values.length) {
        throw new Error(
          `checkpoint tensor ${group}/${array.name}: shape ${array.shape} does not match length`,
        );
      }
      entries.push({ group, name: array.name, shape: array.shape, offset: total });
      total += size;
    }
  }
  const floats = new Float32Array(total);
  let k = 0;
  for (const arrays of Object.values(data.tensors)) {
    for (const array of arrays) {
      floats.set(array.values, entries[k].offset);
      k++;
    }
  }
  const bin = new Uint8Array(floats.buffer);
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1)
    throw new Error('big-endian hosts are not supported');
  const stateJson = new TextEncoder().encode(
    `${JSON.stringify({ step: data.step, tensors: entries, state: data.state }, null, 1)}\n`,
  );
  return { bin, stateJson };
}

/** Write `data` as `runDir/checkpoint`, atomically; the checkpoint it replaces becomes `checkpoint.prev`. */
export function saveCheckpoint(runDir: string, data: CheckpointData): void {
  const { bin, stateJson } = encode(data);
  const manifest: Manifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    step: data.step,
    configHash: data.configHash,
    files: {
      'tensors.bin': { bytes: bin.length, sha256: sha256(bin) },
      'state.json': { bytes: stateJson.length, sha256: sha256(stateJson) },
    },
  };
  const temp = join(runDir, `${TEMP_PREFIX}${process.pid}`);
  const target = join(runDir, CHECKPOINT_DIR);
  const previous = join(runDir, PREVIOUS_CHECKPOINT_DIR);
  // Temporary directories of killed processes, and the legacy fallback, are garbage once a new save starts.
  for (const name of readdirSync(runDir)) {
    if (name.startsWith(TEMP_PREFIX) || name === OLD_DIR)
      rmSync(join(runDir, name), { recursive: true, force: true });
  }
  mkdirSync(temp, { recursive: true });
  writeFileSynced(join(temp, 'tensors.bin'), bin);
  writeFileSynced(join(temp, 'state.json'), stateJson);
  writeFileSynced(
    join(temp, 'manifest.json'),
    new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
  );
  fsyncDirectory(temp);
  if (existsSync(join(target, 'manifest.json'))) {
    rmSync(previous, { recursive: true, force: true });
    renameSync(target, previous);
  } else {
    rmSync(target, { recursive: true, force: true }); // an incomplete directory, never a checkpoint
  }
  renameSync(temp, target);
  fsyncDirectory(runDir);
}

/** True when `runDir` holds a checkpoint (or a fallback: the previous one, or one left by an interrupted save). */
export function hasCheckpoint(runDir: string): boolean {
  return CANDIDATES.some((name) => existsSync(join(runDir, name, 'manifest.json')));
}

function readJsonBytes(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw runtimeError(`corrupt checkpoint: cannot parse ${what} (${(error as Error).message})`);
  }
}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw runtimeError(`corrupt checkpoint: cannot parse ${what} (${(error as Error).message})`);
  }
}

/** Options of `loadCheckpoint`. */
export interface LoadCheckpointOptions {
  /** Called with a one-line message when `checkpoint/` is unusable and a previous checkpoint is used instead. */
  onWarning?: (message: string) => void;
}

/**
 * Read and verify the newest usable checkpoint of `runDir`: format, version, every file's size and SHA-256, and
 * (when given) that it was written for a config with hash `expectedConfigHash`. A missing, truncated or edited
 * `checkpoint/` falls back to `checkpoint.prev/` (with `opts.onWarning`); when none is usable, the first
 * problem is thrown as a one-line DppganError. A config mismatch never falls back (it is a usage error).
 */
export function loadCheckpoint(
  runDir: string,
  expectedConfigHash?: string,
  opts: LoadCheckpointOptions = {},
): CheckpointData {
  const present = CANDIDATES.map((name) => join(runDir, name)).filter((dir) => existsSync(dir));
  if (!present.some((dir) => existsSync(join(dir, 'manifest.json')))) {
    throw runtimeError(
      `no checkpoint in ${runDir} (expected ${join(runDir, CHECKPOINT_DIR)}/manifest.json): train first, or check --run`,
    );
  }
  let firstError: unknown;
  for (const dir of present) {
    try {
      const data = loadCheckpointDir(dir, expectedConfigHash);
      if (firstError !== undefined) {
        opts.onWarning?.(
          `${(firstError as Error).message}; using the previous checkpoint ${dir} (step ${data.step}) instead`,
        );
      }
      return data;
    } catch (error) {
      if (error instanceof DppganError && error.exitCode === 2) throw error;
      firstError ??= error;
    }
  }
  throw firstError;
}

/** Read and verify one checkpoint directory (see loadCheckpoint). */
function loadCheckpointDir(dir: string, expectedConfigHash?: string): CheckpointData {
  if (!existsSync(join(dir, 'manifest.json'))) {
    throw runtimeError(`corrupt checkpoint: ${dir}/manifest.json is missing`);
  }
  const manifest = readJson(join(dir, 'manifest.json'), `${dir}/manifest.json`) as Partial<Manifest>;
  if (manifest?.format !== CHECKPOINT_FORMAT || typeof manifest.version !== 'number' || !manifest.files) {
    throw runtimeError(`${dir}/manifest.json is not a dppgan checkpoint manifest`);
  }
  if (manifest.version !== CHECKPOINT_VERSION) {
    throw runtimeError(
      `checkpoint ${dir} has format version ${manifest.version}; this dppgan reads version ${CHECKPOINT_VERSION}`,
    );
  }
  if (expectedConfigHash !== undefined && manifest.configHash !== expectedConfigHash) {
    throw usageError(
      `checkpoint ${dir} was written for a different config (hash ${String(manifest.configHash).slice(0, 12)}…, this config ${expectedConfigHash.slice(0, 12)}…): resume with the run's own config.json, or use --force to start over`,
    );
  }
  const contents: Record<string, Buffer> = {};
  for (const name of ['tensors.bin', 'state.json']) {
    const expected = manifest.files[name];
    const path = join(dir, name);
    if (!expected) throw runtimeError(`corrupt checkpoint: ${dir}/manifest.json does not list ${name}`);
    if (!existsSync(path)) throw runtimeError(`corrupt checkpoint: ${path} is missing`);
    const bytes = readFileSync(path);
    if (bytes.length !== expected.bytes) {
      throw runtimeError(
        `corrupt checkpoint: ${path} has ${bytes.length} bytes, the manifest expects ${expected.bytes} (truncated?)`,
      );
    }
    if (sha256(bytes) !== expected.sha256) {
      throw runtimeError(`corrupt checkpoint: ${path} does not match its SHA-256 checksum in the manifest`);
    }
    contents[name] = bytes;
  }
  const parsed = readJsonBytes(contents['state.json'], `${dir}/state.json`) as {
    step: number;
    tensors: TensorEntry[];
    state: Record<string, unknown>;
  };
  const bin = contents['tensors.bin'];
  const floats = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length));
  const tensors: Record<string, NamedArray[]> = {};
  for (const entry of parsed.tensors) {
    const size = entry.shape.reduce((a, b) => a * b, 1);
    if (entry.offset + size > floats.length) {
      throw runtimeError(
        `corrupt checkpoint: tensor ${entry.group}/${entry.name} lies past the end of tensors.bin`,
      );
    }
    tensors[entry.group] ??= [];
    tensors[entry.group].push({
      name: entry.name,
      shape: entry.shape,
      values: floats.slice(entry.offset, entry.offset + size),
    });
  }
  return { step: parsed.step, configHash: String(manifest.configHash), tensors, state: parsed.state };
}
