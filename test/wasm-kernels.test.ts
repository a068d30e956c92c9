// Every wasm kernel dppgan adds or replaces, against the pure-JS `cpu` backend on seeded random inputs.
// Relative error = max|wasm − cpu| / max|cpu| (test/helpers/numeric.ts); the bound is 1e-5.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { ADAM_UPDATE, adamUpdate } from '../src/backend/kernels/adam.js';
import {
  conv2DBackpropFilter,
  conv2DBackpropInput,
  conv2DBackpropInputSubPixel,
} from '../src/backend/kernels/conv.js';
import { depthwiseBackpropFilter, depthwiseBackpropInput } from '../src/backend/kernels/depthwise.js';
import { identity, tanh } from '../src/backend/kernels/elementwise.js';
import { batchMatMul, fusedMatMul } from '../src/backend/kernels/matmul.js';
import { mean, sum } from '../src/backend/kernels/reduce.js';
import { unsortedSegmentSum } from '../src/backend/kernels/segment.js';
import { address, simdKernels } from '../src/backend/kernels/simd/kernels.js';
import { KERNELS_SOURCE_SHA256 } from '../src/backend/kernels/simd/kernels-bytes.js';
import type { WasmBackend } from '../src/backend/kernels/wasm-util.js';
import {
  registerWasmKernels,
  unregisterWasmKernels,
  WASM_KERNEL_NAMES,
} from '../src/backend/wasm-kernels.js';
import { randomNormal, relativeError, runOn } from './helpers/numeric.js';

const TOL = 1e-5;
type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
type Shape4 = [number, number, number, number];

interface ConvCase {
  x: Shape4;
  filter: Shape4;
  strides: number | [number, number];
  pad: Pad;
}

const CONV_CASES: ConvCase[] = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 5], strides: 2, pad: 'same' },
  { x: [3, 9, 9, 2], filter: [5, 5, 2, 3], strides: 2, pad: 'same' },
  { x: [2, 10, 11, 3], filter: [4, 4, 3, 2], strides: 3, pad: 'valid' },
  { x: [2, 9, 10, 2], filter: [3, 2, 2, 3], strides: [2, 3], pad: 'same' },
  { x: [1, 11, 9, 3], filter: [3, 5, 3, 2], strides: [2, 3], pad: 'valid' },
  {
    x: [2, 8, 7, 2],
    filter: [3, 3, 2, 4],
    strides: 2,
    pad: [
      [0, 0],
      [1, 2],
      [2, 0],
      [0, 0],
    ],
  },
  {
    x: [1, 5, 6, 2],
    filter: [3, 3, 2, 2],
    strides: 1,
    pad: [
      [0, 0],
      [2, 1],
      [0, 3],
      [0, 0],
    ],
  },
  { x: [1, 6, 6, 3], filter: [1, 1, 3, 2], strides: 2, pad: 'valid' },
  { x: [2, 7, 7, 1], filter: [7, 7, 1, 3], strides: 1, pad: 'valid' },
  { x: [2, 13, 12, 4], filter: [5, 5, 4, 6], strides: 3, pad: 'same' },
  { x: [2, 6, 6, 2], filter: [2, 2, 2, 3], strides: 2, pad: 'valid' },
  { x: [4, 14, 14, 8], filter: [5, 5, 8, 16], strides: 2, pad: 'same' },
];

function describeCase(c: ConvCase): string {
  return `x ${c.x} filter ${c.filter} strides ${c.strides} pad ${JSON.stringify(c.pad)}`;
}

function outShape(c: ConvCase, depthwise = false): Shape4 {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad, undefined, depthwise);
  return info.outShape as Shape4;
}

async function compare(f: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const wasm = await runOn('wasm', f);
  const cpu = await runOn('cpu', f);
  let worst = 0;
  for (let i = 0; i < cpu.length; i++) {
    expect(wasm[i].shape).toEqual(cpu[i].shape);
    worst = Math.max(worst, relativeError(wasm[i].values, cpu[i].values));
  }
  return worst;
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  // The sub-pixel transposed convolution is the stride-1 path of Conv2DBackpropInput; test it on every stride too.
  if (tf.getKernel('DppganSubPixelBackpropInput', 'wasm') === undefined) {
    tf.registerKernel({
      kernelName: 'DppganSubPixelBackpropInput',
      backendName: 'wasm',
      kernelFunc: conv2DBackpropInputSubPixel as unknown as tf.KernelFunc,
    });
  }
});

describe('Conv2DBackpropFilter and Conv2DBackpropInput (XNNPACK) match cpu', () => {
  CONV_CASES.forEach((c, k) => {
    it(describeCase(c), async () => {
      const dyShape = outShape(c);
      const x = randomNormal(size(c.x), 100 + k);
      const dy = randomNormal(size(dyShape), 200 + k);
      const w = randomNormal(size(c.filter), 300 + k);
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
      const errFilter = await compare(
        () =>
          tf
            .engine()
            .runKernel(
              'Conv2DBackpropFilter',
              { x: tf.tensor4d(x, c.x), dy: tf.tensor4d(dy, dyShape) },
              { ...attrs, filterShape: c.filter },
            ) as tf.Tensor,
      );
      const inputGradient = (kernel: string) => () =>
        tf
          .engine()
          .runKernel(
            kernel,
            { dy: tf.tensor4d(dy, dyShape), filter: tf.tensor4d(w, c.filter) },
            { ...attrs, inputShape: c.x },
          ) as tf.Tensor;
      const errInput = await compare(inputGradient('Conv2DBackpropInput'));
      await initBackend({ backend: 'wasm' });
      const subPixel = tf.tidy(() => inputGradient('DppganSubPixelBackpropInput')().dataSync());
      const reference = await runOn('cpu', inputGradient('Conv2DBackpropInput'));
      expect(errFilter).toBeLessThanOrEqual(TOL);
      expect(errInput).toBeLessThanOrEqual(TOL);
      expect(relativeError(subPixel, reference[0].values)).toBeLessThanOrEqual(TOL);
    });
  });

  it('through tf.grad: conv2d and conv2dTranspose gradients (DCGAN-like shapes)', async () => {
    const x = randomNormal(4 * 7 * 7 * 16, 11);
    const w = randomNormal(5 * 5 * 8 * 16, 12, 0.1);
    const r = randomNormal(4 * 14 * 14 * 8, 13);
    const err = await compare(() => {
      const xt = tf.tensor4d(x, [4, 7, 7, 16]);
      const wt = tf.tensor4d(w, [5, 5, 8, 16]);
      const rt = tf.tensor4d(r, [4, 14, 14, 8]);
      const f = (a: tf.Tensor, b: tf.Tensor) => {
        const up = tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [4, 14, 14, 8], 2, 'same');
        const down = tf.conv2d(tf.mul(up, rt) as tf.Tensor4D, b as tf.Tensor4D, 2, 'same');
        return tf.sum(tf.square(down));
      };
      return tf.grads(f)([xt, wt]);
    });
    expect(err).toBeLessThanOrEqual(TOL);
  });
});

describe('depthwise conv gradients match cpu', () => {
  const cases: ConvCase[] = [
    { x: [2, 7, 7, 3], filter: [3, 3, 3, 2], strides: 1, pad: 'same' },
    { x: [1, 8, 9, 2], filter: [3, 3, 2, 1], strides: 2, pad: 'valid' },
    { x: [2, 9, 8, 4], filter: [5, 5, 4, 3], strides: 3, pad: 'same' },
    {
      x: [1, 7, 6, 2],
      filter: [3, 2, 2, 2],
      strides: 2,
      pad: [
        [0, 0],
        [1, 2],
        [0, 1],
        [0, 0],
      ],
    },
  ];
  cases.forEach((c, k) => {
    it(describeCase(c), async () => {
      const dyShape = outShape(c, true);
      const x = randomNormal(size(c.x), 400 + k);
      const dy = randomNormal(size(dyShape), 500 + k);
      const w = randomNormal(size(c.filter), 600 + k);
      const attrs = { strides: c.strides, pad: c.pad, dilations: 1 };
      const err = await compare(() => [
        tf
          .engine()
          .runKernel(
            'DepthwiseConv2dNativeBackpropFilter',
            { x: tf.tensor4d(x, c.x), dy: tf.tensor4d(dy, dyShape) },
            { ...attrs, filterShape: c.filter },
          ) as tf.Tensor,
        tf
          .engine()
          .runKernel(
            'DepthwiseConv2dNativeBackpropInput',
            { dy: tf.tensor4d(dy, dyShape), filter: tf.tensor4d(w, c.filter) },
            { ...attrs, inputShape: c.x },
          ) as tf.Tensor,
      ]);
      expect(err).toBeLessThanOrEqual(TOL);
    });
  });
});

describe('BatchMatMul and _FusedMatMul match cpu', () => {
  const shapes: [number[], number[]][] = [
    [
      [5, 7],
      [7, 3],
    ],
    [
      [3, 5, 7],
      [3, 7, 4],
    ],
    [
      [1, 6, 9],
      [4, 9, 5],
    ],
    [
      [4, 20, 30],
      [4, 30, 25],
    ],
    [
      [2, 3, 33, 17],
      [2, 3, 17, 19],
    ],
    [
      [64, 128],
      [128, 96],
    ],
    // One operand broadcast over the other's batch, big enough for the per-batch split (≥ 4,096 multiply-adds).
    [
      [1, 20, 30],
      [4, 30, 25],
    ],
    [
      [3, 21, 30],
      [1, 30, 25],
    ],
    // With transposeA: output rows ≤ columns / 4, the (bᵀ·a)ᵀ swap route (a dense layer's weight gradient).
    [
      [2, 512],
      [512, 128],
    ],
    [
      [3, 40],
      [40, 13],
    ],
  ];
  const transposeShape = (s: number[], t: boolean) =>
    t ? [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]] : s;

  shapes.forEach(([sa, sb], k) => {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        it(`a ${sa} b ${sb} transposeA ${ta} transposeB ${tb}`, async () => {
          const aShape = transposeShape(sa, ta);
          const bShape = transposeShape(sb, tb);
          const a = randomNormal(size(aShape), 700 + k);
          const b = randomNormal(size(bShape), 800 + k);
          const bias = randomNormal(sb[sb.length - 1], 900 + k);
          const prelu = randomNormal(sb[sb.length - 1], 950 + k, 0.3);
          const err = await compare(() => {
            const at = tf.tensor(a, aShape);
            const bt = tf.tensor(b, bShape);
            const biasT = tf.tensor1d(bias);
            const common = { a: at, b: bt, transposeA: ta, transposeB: tb };
            return [
              tf.matMul(at, bt, ta, tb),
              tf.fused.matMul({ ...common, bias: biasT }),
              tf.fused.matMul({ ...common, bias: biasT, activation: 'relu' }),
              tf.fused.matMul({ ...common, activation: 'relu6' }),
              tf.fused.matMul({ ...common, bias: biasT, activation: 'sigmoid' }),
              tf.fused.matMul({ ...common, bias: biasT, activation: 'elu' }),
              tf.fused.matMul({ ...common, bias: biasT, activation: 'leakyrelu', leakyreluAlpha: 0.15 }),
              tf.fused.matMul({
                ...common,
                bias: biasT,
                activation: 'prelu',
                preluActivationWeights: tf.tensor1d(prelu),
              }),
            ];
          });
          expect(err).toBeLessThanOrEqual(TOL);
        });
      }
    }
  });
});

describe('UnsortedSegmentSum matches cpu', () => {
  it('float32 rows, int32 ids (one id out of range is dropped)', async () => {
    const x = randomNormal(12 * 3 * 2, 31);
    const ids = [0, 3, 1, 1, 2, 0, 3, 3, 5, 2, 0, 1];
    const err = await compare(() =>
      tf.unsortedSegmentSum(tf.tensor3d(x, [12, 3, 2]), tf.tensor1d(ids, 'int32'), 4),
    );
    expect(err).toBeLessThanOrEqual(TOL);
  });

  it('int32 x (exact sums)', async () => {
    const values = Array.from({ length: 30 * 3 }, (_, i) => ((i * 7919) % 23) - 11);
    const ids = Array.from({ length: 30 }, (_, i) => (i * 13) % 7);
    const run = () =>
      tf.unsortedSegmentSum(tf.tensor2d(values, [30, 3], 'int32'), tf.tensor1d(ids, 'int32'), 7);
    const [wasm] = await runOn('wasm', run);
    const [cpu] = await runOn('cpu', run);
    expect(wasm.shape).toEqual([7, 3]);
    expect(Array.from(cpu.values).some((v) => v !== 0)).toBe(true);
    expect(Array.from(wasm.values)).toEqual(Array.from(cpu.values));
  });

  it('the gradient of gather (an embedding lookup)', async () => {
    const table = randomNormal(10 * 4, 32);
    const err = await compare(() => {
      const t = tf.tensor2d(table, [10, 4]);
      const idx = tf.tensor1d([3, 1, 3, 9, 0, 3], 'int32');
      return tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.gather(v, idx))))(t);
    });
    expect(err).toBeLessThanOrEqual(TOL);
  });
});

describe('Tanh (dppgan SIMD kernel) matches cpu element by element', () => {
  it('runs on the SIMD module here (so these cases test it, not the stock fallback)', async () => {
    await initBackend({ backend: 'wasm' });
    expect(simdKernels(tf.backend() as unknown as WasmBackend)).not.toBeNull();
  });

  // 4003: odd, so the last 3 elements take the one-lane path; 1 and 3: no whole vector at all
  it.each([4003, 3, 1])('random, tiny, large and special inputs, %i elements', async (n) => {
    const x = randomNormal(n, 41 + n, 3);
    for (let i = 0; i < Math.min(400, n); i += 2) x[i] *= 1e-4; // below and around the x ≈ tanh x cut (4e-4)
    const special = [0, 40, -40, 7.9, -7.91, 0.0004, -0.00039, 1e-30, -0.5, 0.625];
    if (n > 1000) for (let i = 0; i < special.length; i++) x[n - 1 - i] = special[i];
    const wasm = await runOn('wasm', () => tf.tanh(tf.tensor1d(x)));
    const cpu = await runOn('cpu', () => tf.tanh(tf.tensor1d(x)));
    expect(relativeError(wasm[0].values, cpu[0].values)).toBeLessThanOrEqual(TOL);
    let worstElement = 0;
    for (let i = 0; i < x.length; i++) {
      const ref = Math.tanh(x[i]);
      worstElement = Math.max(
        worstElement,
        Math.abs(wasm[0].values[i] - ref) / Math.max(Math.abs(ref), 1e-30),
      );
    }
    expect(worstElement).toBeLessThanOrEqual(1e-6); // the kernel's bound (all float32 in [0, 8]) is 4.1e-7
  });

  it('keeps NaN and maps ±Infinity to ±1', async () => {
    const [out] = await runOn('wasm', () => tf.tanh(tf.tensor1d([Number.NaN, Infinity, -Infinity, 2, 0.3])));
    expect(Number.isNaN(out.values[0])).toBe(true);
    expect(Array.from(out.values.slice(1, 3))).toEqual([1, -1]);
    expect(out.values[3]).toBeCloseTo(Math.tanh(2), 6);
  });
});

describe('Sum and Mean over leading axes match cpu (and other reductions still work)', () => {
  const x = randomNormal(6 * 5 * 4 * 3, 51);
  const cases: [string, (t: tf.Tensor) => tf.Tensor][] = [
    ['sum axis 0', (t) => tf.sum(t, 0)],
    ['sum axes [0,1,2] keepDims', (t) => tf.sum(t, [0, 1, 2], true)],
    ['sum axes [1,0]', (t) => tf.sum(t, [1, 0])],
    ['sum axis -1 (stock path)', (t) => tf.sum(t, -1)],
    ['sum all', (t) => tf.sum(t)],
    ['mean axes [0,1,2]', (t) => tf.mean(t, [0, 1, 2])],
    ['mean axis 0 keepDims', (t) => tf.mean(t, 0, true)],
    ['mean axis 2 (stock path)', (t) => tf.mean(t, 2)],
    ['moments over [0,1,2]', (t) => tf.moments(t, [0, 1, 2]).variance],
    ['int32 sum axis 0 (stock path)', (t) => tf.sum(tf.cast(tf.mul(t, 10), 'int32'), 0)],
  ];
  for (const [name, f] of cases) {
    it(name, async () => {
      const err = await compare(() => f(tf.tensor4d(x, [6, 5, 4, 3])));
      expect(err).toBeLessThanOrEqual(TOL);
    });
  }
});

describe('Identity shares data safely', () => {
  it('a clone survives disposing the original and keeps its value after Variable.assign', async () => {
    await initBackend({ backend: 'wasm' });
    const before = tf.memory().numTensors;
    const initial = tf.tensor1d([1, 2, 3]);
    const v = tf.variable(initial);
    const snapshot = tf.clone(v);
    const next = tf.tensor1d([7, 8, 9]);
    v.assign(next);
    tf.dispose([initial, next]);
    const original = tf.tensor1d([4, 5]);
    const copy = tf.clone(original);
    original.dispose();
    expect(Array.from(snapshot.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(v.dataSync())).toEqual([7, 8, 9]);
    expect(Array.from(copy.dataSync())).toEqual([4, 5]);
    tf.dispose([v, snapshot, copy]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('dppgan SIMD module: where it cannot run, callers get null (and use stock kernels)', () => {
  it('the committed bytes were built from the current kernels.as', () => {
    const source = readFileSync(new URL('../src/backend/kernels/simd/kernels.as', import.meta.url), 'utf8');
    // A mismatch means kernels.as was edited without rebuilding: node scripts/build-wasm.mjs
    expect(createHash('sha256').update(source.replace(/\r\n/g, '\n')).digest('hex')).toBe(
      KERNELS_SOURCE_SHA256,
    );
  });

  it('a backend without an exposed memory, or with a shared (multi-threaded build) memory', () => {
    const fake = (memory?: WebAssembly.Memory) => ({ wasm: { asm: { memory } } }) as unknown as WasmBackend;
    expect(simdKernels(fake())).toBeNull();
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    expect(simdKernels(fake(shared))).toBeNull();
    expect(simdKernels(fake(shared))).toBeNull(); // remembered, not retried
    expect(simdKernels(fake(new WebAssembly.Memory({ initial: 1 })))).not.toBeNull();
  });
});

describe('SIMD transpose (the transposed-matmul paths) is an exact copy', () => {
  it.each([
    [1, 1, 1],
    [1, 4, 4],
    [3, 5, 7],
    [2, 33, 17],
    [1, 512, 128],
    [2, 6, 1],
  ])('batch %i of %i×%i', async (batch, rows, cols) => {
    await initBackend({ backend: 'wasm' });
    const backend = tf.backend() as unknown as WasmBackend;
    const kernels = simdKernels(backend);
    expect(kernels).not.toBeNull();
    const values = randomNormal(batch * rows * cols, rows * 31 + cols, 1);
    const x = tf.tensor(values, [batch, rows, cols]);
    const y = tf.zeros([batch, cols, rows]); // a distinct buffer, overwritten in place below
    kernels?.transpose(address(backend, x), address(backend, y), rows, cols, batch);
    const got = y.dataSync();
    let wrong = 0;
    for (let b = 0; b < batch; b++)
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++)
          if (!Object.is(got[(b * cols + j) * rows + i], values[(b * rows + i) * cols + j])) wrong++;
    expect(wrong).toBe(0);
    tf.dispose([x, y]);
  });
});

describe("the kernels these tests compare are dppgan's (not stock wasm ones that would pass as well)", () => {
  const ours: Record<string, unknown> = {
    Conv2DBackpropFilter: conv2DBackpropFilter,
    Conv2DBackpropInput: conv2DBackpropInput,
    DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
    DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
    BatchMatMul: batchMatMul,
    _FusedMatMul: fusedMatMul,
    UnsortedSegmentSum: unsortedSegmentSum,
    Tanh: tanh,
    Identity: identity,
    Sum: sum,
    Mean: mean,
    [ADAM_UPDATE]: adamUpdate,
  };

  it('initBackend registers every one of them on wasm', async () => {
    await initBackend({ backend: 'wasm' });
    expect([...WASM_KERNEL_NAMES].sort()).toEqual(Object.keys(ours).sort());
    for (const name of WASM_KERNEL_NAMES)
      expect(tf.getKernel(name, 'wasm')?.kernelFunc, name).toBe(ours[name]);
  });

  it('unregisterWasmKernels restores the stock kernels (removing those stock wasm lacks); registering again is idempotent', async () => {
    await initBackend({ backend: 'wasm' });
    try {
      unregisterWasmKernels();
      for (const name of WASM_KERNEL_NAMES)
        expect(tf.getKernel(name, 'wasm')?.kernelFunc, name).not.toBe(ours[name]);
      for (const missing of ['Conv2DBackpropFilter', 'UnsortedSegmentSum', ADAM_UPDATE]) {
        expect(tf.getKernel(missing, 'wasm'), missing).toBeUndefined();
      }
      for (const replaced of ['Conv2DBackpropInput', 'BatchMatMul', 'Tanh', 'Sum']) {
        expect(tf.getKernel(replaced, 'wasm'), replaced).toBeDefined();
      }
    } finally {
      registerWasmKernels();
      registerWasmKernels();
    }
    for (const name of WASM_KERNEL_NAMES)
      expect(tf.getKernel(name, 'wasm')?.kernelFunc, name).toBe(ours[name]);
  });
});
