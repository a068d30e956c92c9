// Reader for the IDX format of the MNIST files (LeCun et al.): a 4-byte magic number
// [0, 0, dtype, ndims], then ndims big-endian uint32 sizes, then the row-major body. Only dtype 0x08 (unsigned
// byte) is used by MNIST. Gzipped files (.gz, magic 1f 8b) are inflated first. Every check failure is a one-line
// runtime error naming the file, what was expected and what was found.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { runtimeError } from '../errors.js';

/** An IDX array of unsigned bytes: its shape and row-major data. */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/** Parse IDX bytes (gzipped or not). `source` names the file in error messages. */
export function parseIdx(bytes: Uint8Array, source: string, expectedRank?: number): IdxArray {
  let buffer = bytes;
  if (buffer.length >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b) {
    try {
      buffer = gunzipSync(buffer);
    } catch (error) {
      throw runtimeError(`corrupt IDX file ${source}: gzip data is damaged (${(error as Error).message})`);
    }
  }
  if (buffer.length < 4) {
    throw runtimeError(`corrupt IDX file ${source}: ${buffer.length} bytes is too short for an IDX header`);
  }
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const magic = view.getUint32(0);
  const dtype = buffer[2];
  const rank = buffer[3];
  if (buffer[0] !== 0 || buffer[1] !== 0 || dtype !== UNSIGNED_BYTE || rank === 0) {
    throw runtimeError(
      `corrupt IDX file ${source}: bad magic number 0x${magic.toString(16).padStart(8, '0')} ` +
        `(expected 0x000008NN for unsigned-byte data); is this an MNIST IDX file?`,
    );
  }
  if (expectedRank !== undefined && rank !== expectedRank) {
    throw runtimeError(
      `corrupt IDX file ${source}: expected ${expectedRank} dimension(s) (magic 0x0000080${expectedRank}), got ${rank}`,
    );
  }
  const headerLength = 4 + 4 * rank;
  if (buffer.length < headerLength) {
    throw runtimeError(
      `corrupt IDX file ${source}: truncated header (${buffer.length} of ${headerLength} bytes)`,
    );
  }
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const bodyLength = shape.reduce((a, b) => a * b, 1);
  const actualBody = buffer.length - headerLength;
  if (actualBody !== bodyLength) {
    throw runtimeError(
      `corrupt IDX file ${source}: shape [${shape.join(', ')}] needs ${bodyLength} data bytes, ` +
        `found ${actualBody} (${actualBody < bodyLength ? 'truncated' : 'trailing bytes'})`,
    );
  }
  return { shape, data: buffer.subarray(headerLength) };
}

/** Read and parse an IDX file from disk. */
export function readIdxFile(path: string, expectedRank?: number): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    throw runtimeError(`cannot read IDX file ${path} (${code}): check the path`);
  }
  return parseIdx(bytes, path, expectedRank);
}
