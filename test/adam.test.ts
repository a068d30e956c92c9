// dppgan's Adam (fused SIMD update on wasm) against tf.train.adam: identical weights and moments bit for bit,
// on odd sizes (the one-lane tail path), with a variable that gets no gradient, across a checkpoint round trip,
// and without leaking tensors. On cpu it is tf.train.adam's own code.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Adam, adam, initBackend } from '../src/backend/index.js';
import { ADAM_UPDATE, adamUpdateAvailable } from '../src/backend/kernels/adam.js';
import type { WasmBackend } from '../src/backend/kernels/wasm-util.js';
import { randomNormal, relativeError } from './helpers/numeric.js';

type GradientMap = Parameters<tf.AdamOptimizer['applyGradients']>[0];
type NamedWeights = Awaited<ReturnType<tf.Optimizer['getWeights']>>;

const SHAPES = [[1], [7], [33, 5], [128, 128], [3, 3, 2, 5]];

interface Pair {
  reference: tf.Variable[];
  fused: tf.Variable[];
  referenceOptimizer: tf.AdamOptimizer;
  fusedOptimizer: Adam;
}

let counter = 0;
function makePair(lr: number, beta1: number, beta2: number, epsilon?: number): Pair {
  const tag = counter++;
  const init = SHAPES.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', 10 * tag + i + 1));
  const pair = {
    reference: init.map((t, i) => tf.variable(t, true, `adam_ref_${tag}_${i}`)),
    fused: init.map((t, i) => tf.variable(t, true, `adam_fused_${tag}_${i}`)),
    referenceOptimizer: tf.train.adam(lr, beta1, beta2, epsilon),
    fusedOptimizer: adam(lr, beta1, beta2, epsilon),
  };
  tf.dispose(init);
  return pair;
}

/**
 * One step of both optimizers with the same seeded gradients (gradient scale varies so v̂ and m̂ differ), as a
 * name → tensor map or as a NamedTensor list; variable `skip` gets a null gradient.
 */
function step(pair: Pair, seed: number, skip = -1, form: 'map' | 'list' = 'map'): void {
  tf.tidy(() => {
    const grads = SHAPES.map((s, i) =>
      tf.mul(tf.randomNormal(s, 0, 1, 'float32', 1000 * seed + i), seed % 3 === 0 ? 1e-3 : 1),
    );
    const gradients = (vars: tf.Variable[]) =>
      (form === 'map'
        ? Object.fromEntries(vars.map((v, i) => [v.name, i === skip ? null : grads[i]]))
        : vars.map((v, i) => ({
            name: v.name,
            tensor: i === skip ? null : grads[i],
          }))) as unknown as GradientMap;
    pair.referenceOptimizer.applyGradients(gradients(pair.reference));
    pair.fusedOptimizer.applyGradients(gradients(pair.fused));
  });
}

function differingElements(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let differ = 0;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) differ++;
  return differ;
}

async function expectSameState(pair: Pair): Promise<void> {
  for (let i = 0; i < SHAPES.length; i++) {
    expect(differingElements(pair.reference[i], pair.fused[i])).toBe(0);
  }
  const ref = await pair.referenceOptimizer.getWeights();
  const fused = await pair.fusedOptimizer.getWeights();
  expect(fused.length).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) expect(differingElements(ref[i].tensor, fused[i].tensor)).toBe(0);
}

function dispose(pair: Pair): void {
  tf.dispose([...pair.reference, ...pair.fused]);
  pair.referenceOptimizer.dispose();
  pair.fusedOptimizer.dispose();
}

describe('Adam on wasm: the fused kernel equals tf.train.adam bit for bit', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('the fused kernel is registered, available here, and runs once per variable in every update', async () => {
    expect(tf.getKernel(ADAM_UPDATE, 'wasm')).toBeDefined();
    // Else Adam falls back to tf.train.adam, and the bit-for-bit tests below compare it with itself.
    expect(adamUpdateAvailable(tf.backend() as unknown as WasmBackend)).toBe(true);
    const pair = makePair(1e-3, 0.5, 0.9, 1e-8);
    const info = await tf.profile(() => step(pair, 1));
    expect(info.kernels.filter((k) => k.name === ADAM_UPDATE)).toHaveLength(SHAPES.length);
    dispose(pair);
  });

  it('matches tf.train.adam on the cpu backend (float32 to 1e-6 relative) over 20 steps', async () => {
    const init = SHAPES.map((shape, i) =>
      randomNormal(
        shape.reduce((a, b) => a * b, 1),
        40 + i,
      ),
    );
    const gradient = (stepIndex: number, i: number) =>
      randomNormal(init[i].length, 1000 * stepIndex + i, stepIndex % 3 === 0 ? 1e-3 : 1);
    const train = async (backend: 'cpu' | 'wasm') => {
      await initBackend({ backend });
      const vars = init.map((values, i) =>
        tf.variable(tf.tensor(values, SHAPES[i]), true, `adam_${backend}_${i}`),
      );
      const optimizer = backend === 'cpu' ? tf.train.adam(2e-3, 0.5, 0.9, 1e-8) : adam(2e-3, 0.5, 0.9, 1e-8);
      for (let t = 1; t <= 20; t++) {
        tf.tidy(() => {
          const grads = Object.fromEntries(
            vars.map((v, i) => [v.name, tf.tensor(gradient(t, i), SHAPES[i])]),
          );
          optimizer.applyGradients(grads as unknown as GradientMap);
        });
      }
      const values = vars.map((v) => v.dataSync().slice() as Float32Array);
      tf.dispose(vars);
      optimizer.dispose();
      return values;
    };
    const cpu = await train('cpu');
    const wasm = await train('wasm');
    for (let i = 0; i < SHAPES.length; i++) {
      expect(relativeError(wasm[i], cpu[i]), `variable ${i}`).toBeLessThanOrEqual(1e-6);
      expect(relativeError(wasm[i], init[i])).toBeGreaterThan(1e-3); // they moved
    }
  });

  it.each([
    { lr: 1e-3, beta1: 0.5, beta2: 0.9, epsilon: 1e-8 },
    { lr: 1e-4, beta1: 0.5, beta2: 0.999, epsilon: undefined },
    { lr: 0.02, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  ])('30 steps, lr $lr β ($beta1, $beta2) ε $epsilon', async ({ lr, beta1, beta2, epsilon }) => {
    const pair = makePair(lr, beta1, beta2, epsilon);
    for (let s = 1; s <= 30; s++) step(pair, s);
    await expectSameState(pair);
    // the weights did move (a no-op update would also be "equal")
    const moved = tf.tidy(
      () =>
        tf
          .max(
            tf.abs(
              tf.sub(pair.fused[3], tf.randomNormal([128, 128], 0, 1, 'float32', 10 * (counter - 1) + 4)),
            ),
          )
          .dataSync()[0],
    );
    expect(moved).toBeGreaterThan(lr);
    dispose(pair);
  });

  it.each(['map', 'list'] as const)(
    'a null gradient (%s form) keeps the value and still creates (zero) moments, as in tfjs',
    async (form) => {
      const pair = makePair(1e-3, 0.5, 0.9, 1e-8);
      const before = pair.fused[2].dataSync().slice();
      for (let s = 1; s <= 5; s++) step(pair, s, 2, form);
      expect(Array.from(pair.fused[2].dataSync())).toEqual(Array.from(before));
      const moments = await pair.fusedOptimizer.getWeights();
      expect(moments.length).toBe(1 + 2 * SHAPES.length); // iterations + m and v of every variable
      await expectSameState(pair);
      dispose(pair);
    },
  );

  it('follows a learning rate changed between steps, as tf.train.adam does', async () => {
    const pair = makePair(1e-3, 0.5, 0.9, 1e-8);
    for (let s = 1; s <= 3; s++) step(pair, s);
    for (const optimizer of [pair.referenceOptimizer, pair.fusedOptimizer]) {
      (optimizer as unknown as { learningRate: number }).learningRate = 3e-4;
    }
    for (let s = 4; s <= 8; s++) step(pair, s, -1, 'list');
    await expectSameState(pair);
    dispose(pair);
  });

  it('a checkpoint of tf.train.adam restored into Adam continues identically (and back)', async () => {
    const pair = makePair(1e-3, 0.5, 0.9, 1e-8);
    for (let s = 1; s <= 4; s++) step(pair, s);
    // swap optimizer states through getWeights/setWeights: each continues from the other's checkpoint
    const refState = await pair.referenceOptimizer.getWeights();
    const fusedState = await pair.fusedOptimizer.getWeights();
    const rename = (list: NamedWeights, from: string, to: string) =>
      list.map(({ name, tensor }) => ({ name: name.replace(from, to), tensor }));
    const restoredFused = adam(1e-3, 0.5, 0.9, 1e-8);
    const restoredRef = tf.train.adam(1e-3, 0.5, 0.9, 1e-8);
    await restoredFused.setWeights(rename(refState, 'adam_ref_', 'adam_fused_'));
    await restoredRef.setWeights(rename(fusedState, 'adam_fused_', 'adam_ref_'));
    // (getWeights hands out the optimizers' own moment variables, so disposing the optimizers disposes them)
    pair.fusedOptimizer.dispose();
    pair.referenceOptimizer.dispose();
    pair.fusedOptimizer = restoredFused;
    pair.referenceOptimizer = restoredRef;
    for (let s = 5; s <= 10; s++) step(pair, s);
    await expectSameState(pair);
    dispose(pair);
  });

  it('holds a constant number of tensors across steps', () => {
    const pair = makePair(1e-3, 0.5, 0.9, 1e-8);
    step(pair, 1);
    const count = tf.memory().numTensors;
    for (let s = 2; s <= 6; s++) step(pair, s);
    expect(tf.memory().numTensors).toBe(count);
    dispose(pair);
  });

  it('is serialised as tfjs Adam', () => {
    const optimizer = adam(1e-3, 0.5, 0.9, 1e-8);
    expect(optimizer.getClassName()).toBe('Adam');
    expect(optimizer.getConfig()).toEqual(tf.train.adam(1e-3, 0.5, 0.9, 1e-8).getConfig());
    optimizer.dispose();
  });
});

describe('Adam on cpu is tf.train.adam', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });
  afterAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('20 steps, bit for bit', async () => {
    const pair = makePair(1e-3, 0.5, 0.9, 1e-8);
    for (let s = 1; s <= 20; s++) step(pair, s);
    await expectSameState(pair);
    dispose(pair);
  });
});
