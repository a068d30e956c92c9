// Depthwise-convolution gradients for the wasm backend (stock tfjs-backend-wasm has neither). Direct loops over the
// wasm heap: the same arithmetic as the cpu backend, without its per-element TensorBuffer indexing.
// Filter layout [KH,KW,C,M] (M = channel multiplier); dy has C·M channels, channel c·M+m.
import * as tf from '@tensorflow/tfjs-core';
import { type Attrs, float32, type Inputs, pair, type WasmBackend } from './wasm-util.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

function depthwiseInfo(xShape: number[], filterShape: number[], attrs: Attrs): tf.backend_util.Conv2DInfo {
  const dilations = pair(attrs['dilations'] ?? 1, 'dilations');
  if (dilations[0] !== 1 || dilations[1] !== 1) {
    throw new Error(`dppgan wasm depthwise conv gradient: dilations must be 1, got [${dilations}]`);
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as Shape4,
    filterShape as Shape4,
    pair(attrs['strides'], 'strides'),
    1,
    attrs['pad'] as Pad,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    true,
  );
}

export function depthwiseBackpropFilter(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }) {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  float32(x, 'DepthwiseConv2dNativeBackpropFilter');
  float32(dy, 'DepthwiseConv2dNativeBackpropFilter');
  const info = depthwiseInfo(x.shape, attrs['filterShape'] as number[], attrs);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outChannels: oc } = info;
  const {
    outHeight: oh,
    outWidth: ow,
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
  } = info;
  const mult = oc / c;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const out = backend.makeOutput([kh, kw, c, mult], 'float32');
  const xs = backend.typedArrayFromHeap(x) as Float32Array;
  const dys = backend.typedArrayFromHeap(dy) as Float32Array;
  const dw = new Float64Array(kh * kw * oc); // long sums: accumulate in double precision
  for (let b = 0; b < n; b++) {
    for (let yr = 0; yr < oh; yr++) {
      for (let fr = 0; fr < kh; fr++) {
        const xr = yr * sh + fr - pt;
        if (xr < 0 || xr >= h) continue;
        for (let yc = 0; yc < ow; yc++) {
          const dyBase = ((b * oh + yr) * ow + yc) * oc;
          for (let fc = 0; fc < kw; fc++) {
            const xc = yc * sw + fc - pl;
            if (xc < 0 || xc >= w) continue;
            const xBase = ((b * h + xr) * w + xc) * c;
            const wBase = (fr * kw + fc) * oc;
            for (let ch = 0; ch < c; ch++) {
              const xv = xs[xBase + ch];
              for (let m = 0; m < mult; m++) dw[wBase + ch * mult + m] += xv * dys[dyBase + ch * mult + m];
            }
          }
        }
      }
    }
  }
  (backend.typedArrayFromHeap(out) as Float32Array).set(dw);
  return out;
}

export function depthwiseBackpropInput(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }) {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  float32(dy, 'DepthwiseConv2dNativeBackpropInput');
  float32(filter, 'DepthwiseConv2dNativeBackpropInput');
  const info = depthwiseInfo(attrs['inputShape'] as number[], filter.shape, attrs);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outChannels: oc } = info;
  const {
    outHeight: oh,
    outWidth: ow,
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
  } = info;
  const mult = oc / c;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const out = backend.makeOutput([n, h, w, c], 'float32');
  const ws = backend.typedArrayFromHeap(filter) as Float32Array;
  const dys = backend.typedArrayFromHeap(dy) as Float32Array;
  const dx = new Float64Array(n * h * w * c);
  // Scatter form of the same sum the forward conv gathers: dx[b, yr·sh+fr−pt, yc·sw+fc−pl, ch] += w·dy.
  for (let b = 0; b < n; b++) {
    for (let yr = 0; yr < oh; yr++) {
      for (let fr = 0; fr < kh; fr++) {
        const xr = yr * sh + fr - pt;
        if (xr < 0 || xr >= h) continue;
        for (let yc = 0; yc < ow; yc++) {
          const dyBase = ((b * oh + yr) * ow + yc) * oc;
          for (let fc = 0; fc < kw; fc++) {
            const xc = yc * sw + fc - pl;
            if (xc < 0 || xc >= w) continue;
            const xBase = ((b * h + xr) * w + xc) * c;
            const wBase = (fr * kw + fc) * oc;
            for (let ch = 0; ch < c; ch++) {
              let acc = 0;
              for (let m = 0; m < mult; m++) acc += ws[wBase + ch * mult + m] * dys[dyBase + ch * mult + m];
              dx[xBase + ch] += acc;
            }
          }
        }
      }
    }
  }
  (backend.typedArrayFromHeap(out) as Float32Array).set(dx);
  return out;
}
