// Depthwise-convolution gradients for the wasm backend (stock tfjs-backend-wasm has neither). Direct loops over the
// wasm heap: the same arithmetic as the cpu backend, without its per-element TensorBuffer indexing.
// Filter layout [KH,KW,C,M] (M = channel multiplier); dy has C·M channels, channel c·M+m.
import { type GradientGeometry, gradientGeometry } from './conv-info.js';
import { type Attrs, float32, type Inputs, type WasmBackend } from './wasm-util.js';

function depthwiseGeometry(xShape: number[], filterShape: number[], attrs: Attrs): GradientGeometry {
  return gradientGeometry(xShape, filterShape, attrs, true, 'depthwise conv');
}

/**
 * The loop both gradients share: every tap of the forward conv that reads a pixel inside the image, in the cpu
 * backend's order (batch, output row, filter row, output column, filter column); per tap and channel ch:
 *   'filter': dw[tap, ch·M+m] += x[pixel, ch]·dy[out, ch·M+m]        (a = x, sums = dw [KH,KW,C·M])
 *   'input':  dx[pixel, ch] += Σ_m w[tap, ch·M+m]·dy[out, ch·M+m]    (a = w, sums = dx [N,H,W,C])
 */
function accumulate(
  g: GradientGeometry,
  gradient: 'filter' | 'input',
  a: Float32Array,
  dys: Float32Array,
  sums: Float64Array,
): void {
  const { n, h, w, ci: c, co: oc, oh, ow, kh, kw, sh, sw, pt, pl } = g;
  const mult = oc / c;
  const ofFilter = gradient === 'filter';
  for (let b = 0; b < n; b++) {
    for (let yr = 0; yr < oh; yr++) {
      // filter rows whose input row xr = yr·sh + fr − pt lies in [0, h); likewise columns below
      const frEnd = Math.min(kh, h + pt - yr * sh);
      for (let fr = Math.max(0, pt - yr * sh); fr < frEnd; fr++) {
        const xr = yr * sh + fr - pt;
        for (let yc = 0; yc < ow; yc++) {
          const dyBase = ((b * oh + yr) * ow + yc) * oc;
          const fcEnd = Math.min(kw, w + pl - yc * sw);
          for (let fc = Math.max(0, pl - yc * sw); fc < fcEnd; fc++) {
            const xc = yc * sw + fc - pl;
            const xBase = ((b * h + xr) * w + xc) * c;
            const wBase = (fr * kw + fc) * oc;
            if (ofFilter) {
              for (let ch = 0; ch < c; ch++) {
                const xv = a[xBase + ch];
                for (let m = 0; m < mult; m++)
                  sums[wBase + ch * mult + m] += xv * dys[dyBase + ch * mult + m];
              }
            } else {
              for (let ch = 0; ch < c; ch++) {
                let acc = 0;
                for (let m = 0; m < mult; m++) acc += a[wBase + ch * mult + m] * dys[dyBase + ch * mult + m];
                sums[xBase + ch] += acc;
              }
            }
          }
        }
      }
    }
  }
}

export function depthwiseBackpropFilter(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }) {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  float32(x, 'DepthwiseConv2dNativeBackpropFilter');
  float32(dy, 'DepthwiseConv2dNativeBackpropFilter');
  const g = depthwiseGeometry(x.shape, attrs['filterShape'] as number[], attrs);
  const { ci: c, co: oc, kh, kw } = g;
  const mult = oc / c;
  const out = backend.makeOutput([kh, kw, c, mult], 'float32');
  const xs = backend.typedArrayFromHeap(x) as Float32Array;
  const dys = backend.typedArrayFromHeap(dy) as Float32Array;
  const dw = new Float64Array(kh * kw * oc); // long sums: accumulate in double precision
  accumulate(g, 'filter', xs, dys, dw);
  (backend.typedArrayFromHeap(out) as Float32Array).set(dw);
  return out;
}

export function depthwiseBackpropInput(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }) {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  float32(dy, 'DepthwiseConv2dNativeBackpropInput');
  float32(filter, 'DepthwiseConv2dNativeBackpropInput');
  const g = depthwiseGeometry(attrs['inputShape'] as number[], filter.shape, attrs);
  const { n, h, w, ci: c } = g;
  const out = backend.makeOutput([n, h, w, c], 'float32');
  const ws = backend.typedArrayFromHeap(filter) as Float32Array;
  const dys = backend.typedArrayFromHeap(dy) as Float32Array;
  const dx = new Float64Array(n * h * w * c);
  // Scatter form of the same sum the forward conv gathers: dx[b, yr·sh+fr−pt, yc·sw+fc−pl, ch] += Σ_m w·dy.
  accumulate(g, 'input', ws, dys, dx);
  (backend.typedArrayFromHeap(out) as Float32Array).set(dx);
  return out;
}
