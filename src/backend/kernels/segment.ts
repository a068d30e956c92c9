// UnsortedSegmentSum for the wasm backend (the gradient of gather / embedding lookups), as one pass over x:
// out[id[i], …] += x[i, …]; ids outside [0, numSegments) are dropped, as in TensorFlow.
import * as tf from '@tensorflow/tfjs-core';
import type { Attrs, Inputs, WasmBackend } from './wasm-util.js';

export function unsortedSegmentSum(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }) {
  const { inputs, backend, attrs } = args;
  const { x, segmentIds } = inputs;
  const numSegments = attrs['numSegments'] as number;
  const idsRank = segmentIds.shape.length;
  for (let d = 0; d < idsRank; d++) {
    if (segmentIds.shape[d] !== x.shape[d]) {
      throw new Error(
        `dppgan wasm UnsortedSegmentSum: segmentIds shape [${segmentIds.shape}] must prefix x shape [${x.shape}]`,
      );
    }
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`dppgan wasm UnsortedSegmentSum: expected float32 or int32 x, got ${x.dtype}`);
  }
  const inner = tf.util.sizeFromShape(x.shape.slice(idsRank));
  const out = backend.makeOutput([numSegments, ...x.shape.slice(idsRank)], x.dtype);
  const src = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  const dst = new Float64Array(numSegments * inner); // exact for int32, and no float32 drift over long sums
  for (let i = 0; i < ids.length; i++) {
    const seg = ids[i];
    if (seg < 0 || seg >= numSegments) continue;
    const s = i * inner;
    const d = seg * inner;
    for (let k = 0; k < inner; k++) dst[d + k] += src[s + k];
  }
  backend.typedArrayFromHeap(out).set(dst);
  return out;
}
