// Conv2D gradients for the wasm backend, both running on XNNPACK convolutions.
// Filter gradient: dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·sh+kh−pt, ow·sw+kw−pl, ci]·dy[n,oh,ow,co] is a stride-1
//   convolution of x viewed as [Ci,H,W,N] with dy viewed as the filter [OH,OW,N,Co], dilated by the forward stride.
// Input gradient (transposed conv): output rows i with (i+pt) ≡ r (mod s) only meet filter taps kh ≡ r (mod s), so a
//   stride-s transposed conv splits into s_h·s_w stride-1 convolutions ("sub-pixel"), interleaved back into dx.
import type * as tf from '@tensorflow/tfjs-core';
import { type GradientGeometry, gradientGeometry } from './conv-info.js';
import {
  type Attrs,
  channelsLast,
  conv2dExplicit,
  copyRows,
  float32,
  type Inputs,
  release,
  reshape,
  run,
  transpose,
  type WasmBackend,
} from './wasm-util.js';

function convGeometry(xShape: number[], filterShape: number[], attrs: Attrs): GradientGeometry {
  return gradientGeometry(xShape, filterShape, attrs, false, 'conv');
}

/** Checks and geometry of Conv2DBackpropInput (both implementations below). */
function inputGradientGeometry(inputs: Inputs, attrs: Attrs): GradientGeometry {
  const { dy, filter } = inputs;
  float32(dy, 'Conv2DBackpropInput');
  float32(filter, 'Conv2DBackpropInput');
  channelsLast(attrs['dataFormat'], 'Conv2DBackpropInput');
  return convGeometry(attrs['inputShape'] as number[], filter.shape, attrs);
}

export function conv2DBackpropFilter(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }) {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  float32(x, 'Conv2DBackpropFilter');
  float32(dy, 'Conv2DBackpropFilter');
  channelsLast(attrs['dataFormat'], 'Conv2DBackpropFilter');
  const { h, w, kh, kw, sh, sw, oh, ow, ci, co, pt, pl } = convGeometry(
    x.shape,
    attrs['filterShape'] as number[],
    attrs,
  );
  // Rows of x past the last one the forward conv read give negative bottom padding: compute the extra output rows
  // with zero padding instead and drop them.
  const pb = (oh - 1) * sh + kh - h - pt;
  const pr = (ow - 1) * sw + kw - w - pl;
  const xT = transpose(backend, x, [3, 1, 2, 0]); // [Ci,H,W,N]
  const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [OH,OW,N,Co]
  const g = conv2dExplicit(backend, xT, dyT, {
    padTop: pt,
    padLeft: pl,
    padBottom: Math.max(pb, 0),
    padRight: Math.max(pr, 0),
    strideHeight: 1,
    strideWidth: 1,
    dilationHeight: sh,
    dilationWidth: sw,
  }); // [Ci, KH+max(-pb,0), KW+max(-pr,0), Co]
  release(backend, xT, dyT);
  let cropped = g;
  if (pb < 0 || pr < 0) {
    cropped = backend.makeOutput([ci, kh, kw, co], 'float32');
    const src = backend.typedArrayFromHeap(g) as Float32Array;
    const dst = backend.typedArrayFromHeap(cropped) as Float32Array;
    const gh = g.shape[1];
    const gw = g.shape[2];
    const run = kw * co;
    for (let c = 0; c < ci; c++) {
      for (let r = 0; r < kh; r++) {
        const s = (c * gh + r) * gw * co;
        dst.set(src.subarray(s, s + run), (c * kh + r) * run);
      }
    }
    release(backend, g);
  }
  const out = transpose(backend, cropped, [1, 2, 0, 3]); // [KH,KW,Ci,Co]
  release(backend, cropped);
  return out;
}

export function conv2DBackpropInputSubPixel(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }) {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { n, h, w, ci, kh, kw, sh, sw, oh, ow, co, pt, pl } = inputGradientGeometry(inputs, attrs);

  // Sub-filters g_r[t', u', co, ci] = w[rh + sh·(Th−1−t'), rw + sw·(Tw−1−u'), ci, co] for each residue (rh, rw).
  const taps = (k: number, s: number, r: number) => (r < k ? Math.ceil((k - r) / s) : 0);
  const subFilters: { rh: number; rw: number; th: number; tw: number; info: tf.TensorInfo }[] = [];
  for (let rh = 0; rh < sh; rh++) {
    for (let rw = 0; rw < sw; rw++) {
      const th = taps(kh, sh, rh);
      const tw = taps(kw, sw, rw);
      if (th === 0 || tw === 0) continue;
      subFilters.push({ rh, rw, th, tw, info: backend.makeOutput([th, tw, co, ci], 'float32') });
    }
  }
  const wData = backend.typedArrayFromHeap(filter) as Float32Array;
  for (const { rh, rw, th, tw, info: gInfo } of subFilters) {
    const gData = backend.typedArrayFromHeap(gInfo) as Float32Array;
    let k = 0;
    for (let t = 0; t < th; t++) {
      const fh = rh + sh * (th - 1 - t);
      for (let u = 0; u < tw; u++) {
        const base = (fh * kw + rw + sw * (tw - 1 - u)) * ci * co;
        for (let o = 0; o < co; o++) {
          for (let c = 0; c < ci; c++) gData[k++] = wData[base + c * co + o];
        }
      }
    }
  }

  // One stride-1 convolution per residue; row m of its output is dx row i = m·sh + rh − pt (kept when 0 ≤ i < H).
  const parts: { rh: number; rw: number; out: tf.TensorInfo }[] = [];
  for (const { rh, rw, th, tw, info: gInfo } of subFilters) {
    const rowsNeeded = Math.floor((h - 1 + pt - rh) / sh) + 1;
    const colsNeeded = Math.floor((w - 1 + pl - rw) / sw) + 1;
    if (rowsNeeded <= 0 || colsNeeded <= 0) continue;
    const out = conv2dExplicit(backend, dy, gInfo, {
      padTop: th - 1,
      padLeft: tw - 1,
      padBottom: Math.max(rowsNeeded - oh, 0),
      padRight: Math.max(colsNeeded - ow, 0),
      strideHeight: 1,
      strideWidth: 1,
      dilationHeight: 1,
      dilationWidth: 1,
    });
    parts.push({ rh, rw, out });
  }
  for (const { info: gInfo } of subFilters) release(backend, gInfo);

  const dx = backend.makeOutput([n, h, w, ci], 'float32');
  const dst = backend.typedArrayFromHeap(dx) as Float32Array;
  const coveredAll = sh <= kh && sw <= kw && parts.length === sh * sw;
  if (!coveredAll) dst.fill(0);
  for (const { rh, rw, out } of parts) {
    const src = backend.typedArrayFromHeap(out) as Float32Array;
    const [, mh, mw] = out.shape;
    const m0 = Math.max(0, Math.ceil((pt - rh) / sh));
    const q0 = Math.max(0, Math.ceil((pl - rw) / sw));
    for (let b = 0; b < n; b++) {
      for (let m = m0; m < mh; m++) {
        const i = m * sh + rh - pt;
        if (i >= h) break;
        for (let q = q0; q < mw; q++) {
          const j = q * sw + rw - pl;
          if (j >= w) break;
          let s = ((b * mh + m) * mw + q) * ci;
          let d = ((b * h + i) * w + j) * ci;
          for (let c = 0; c < ci; c++) dst[d++] = src[s++];
        }
      }
    }
    release(backend, out);
  }
  return dx;
}

/** Floats of the column matrix per chunk (16 MB): bounds memory for large batches. */
const COLUMN_CHUNK_FLOATS = 4 << 20;

/**
 * Conv2DBackpropInput as one XNNPACK GEMM plus a scatter-add: cols[n·oh·ow, kh·kw·ci] = dy · Wᵀ, then
 * dx[n, oh·sh+kh−pt, ow·sw+kw−pl, :] += cols[(n,oh,ow), (kh,kw), :] ("col2im"). Batches are chunked so the column
 * matrix stays under COLUMN_CHUNK_FLOATS.
 */
export function conv2DBackpropInput(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }) {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { n, h, w, ci, kh, kw, sh, sw, oh, ow, co, pt, pl } = inputGradientGeometry(inputs, attrs);
  // Stride 1: the sub-pixel split is a single convolution with the flipped filter, no scatter at all.
  if (sh === 1 && sw === 1) return conv2DBackpropInputSubPixel(args);
  const taps = kh * kw * ci;
  const pixels = oh * ow;

  const w2 = reshape(backend, filter, [taps, co]);
  const wT = transpose(backend, w2, [1, 0]); // [co, kh·kw·ci]
  release(backend, w2);
  const imagesPerChunk = Math.max(1, Math.min(n, Math.floor(COLUMN_CHUNK_FLOATS / (pixels * taps))));
  const dx = backend.makeOutput([n, h, w, ci], 'float32');
  let zeroed = false;
  for (let b0 = 0; b0 < n; b0 += imagesPerChunk) {
    const images = Math.min(imagesPerChunk, n - b0);
    const rows = images * pixels;
    const dyChunk =
      images === n ? reshape(backend, dy, [rows, co]) : copyRows(backend, dy, b0 * pixels * co, [rows, co]);
    const cols = run(backend, 'BatchMatMul', { a: dyChunk, b: wT }, { transposeA: false, transposeB: false });
    release(backend, dyChunk);
    const dst = backend.typedArrayFromHeap(dx) as Float32Array;
    const src = backend.typedArrayFromHeap(cols) as Float32Array;
    if (!zeroed) {
      dst.fill(0);
      zeroed = true;
    }
    for (let b = 0; b < images; b++) {
      const image = b0 + b;
      for (let y = 0; y < oh; y++) {
        for (let x = 0; x < ow; x++) {
          const rowBase = ((b * oh + y) * ow + x) * taps;
          for (let fr = 0; fr < kh; fr++) {
            const i = y * sh - pt + fr;
            if (i < 0 || i >= h) continue;
            for (let fc = 0; fc < kw; fc++) {
              const j = x * sw - pl + fc;
              if (j < 0 || j >= w) continue;
              const s = rowBase + (fr * kw + fc) * ci;
              const d = ((image * h + i) * w + j) * ci;
              let c = 0;
              for (; c + 4 <= ci; c += 4) {
                dst[d + c] += src[s + c];
                dst[d + c + 1] += src[s + c + 1];
                dst[d + c + 2] += src[s + c + 2];
                dst[d + c + 3] += src[s + c + 3];
              }
              for (; c < ci; c++) dst[d + c] += src[s + c];
            }
          }
        }
      }
    }
    release(backend, cols);
  }
  release(backend, wT);
  return dx;
}
