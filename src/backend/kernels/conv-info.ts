// Geometry shared by the conv and depthwise-conv gradient kernels: tfjs's Conv2DInfo for channels-last input with
// dilation 1 (the only case these kernels implement), flattened into the short names the loops use.
import * as tf from '@tensorflow/tfjs-core';
import { type Attrs, pair } from './wasm-util.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

/** x [n,h,w,ci], filter [kh,kw,·,·], dy [n,oh,ow,co], strides (sh, sw), top/left padding (pt, pl). */
export interface GradientGeometry {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  oh: number;
  ow: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  pt: number;
  pl: number;
}

/**
 * The geometry of a conv (`depthwise` false) or depthwise conv gradient from the forward input shape, the filter
 * shape and the kernel's strides / pad / dimRoundingMode / dilations attributes. `what` names the kernel family in
 * the error thrown for dilations ≠ 1.
 */
export function gradientGeometry(
  xShape: number[],
  filterShape: number[],
  attrs: Attrs,
  depthwise: boolean,
  what: string,
): GradientGeometry {
  const dilations = pair(attrs['dilations'] ?? 1, 'dilations');
  if (dilations[0] !== 1 || dilations[1] !== 1) {
    throw new Error(`dppgan wasm ${what} gradient: dilations must be 1, got [${dilations}]`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape as Shape4,
    filterShape as Shape4,
    pair(attrs['strides'], 'strides'),
    1,
    attrs['pad'] as Pad,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    depthwise,
    'channelsLast',
  );
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    ci: info.inChannels,
    co: info.outChannels,
    oh: info.outHeight,
    ow: info.outWidth,
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    pt: info.padInfo.top,
    pl: info.padInfo.left,
  };
}
