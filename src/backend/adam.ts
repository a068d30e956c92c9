// Adam (Kingma & Ba 2015, Algorithm 1, with tfjs's ε placement):
//   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,  w ← w − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε).
// `Adam` is tf.train.adam's optimizer (same class, state, serialization and checkpoints) whose update, on the wasm
// backend, runs as one fused SIMD kernel per parameter tensor (kernels/adam.ts) instead of ~10 tfjs kernels;
// the float32 operations and their order are tfjs's, so the weights are identical bit for bit (tested). On any
// other backend, or where WebAssembly SIMD is missing, it is tf.train.adam unchanged.
import * as tf from '@tensorflow/tfjs-core';
import { ADAM_UPDATE, type AdamUpdateAttrs, adamUpdateAvailable } from './kernels/adam.js';
import type { WasmBackend } from './kernels/wasm-util.js';

type GradientMap = Parameters<tf.AdamOptimizer['applyGradients']>[0];

/** The fields of tfjs's AdamOptimizer the fused update reads and writes (private in its typings). */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
}

function fusedUpdateAvailable(): boolean {
  if (tf.getBackend() !== 'wasm' || tf.getKernel(ADAM_UPDATE, 'wasm') === undefined) return false;
  return adamUpdateAvailable(tf.backend() as unknown as WasmBackend);
}

/** A moment accumulator, created as tfjs creates it (zeros, not trainable) on a variable's first update. */
function moment(
  slots: AdamState['accumulatedFirstMoment'],
  i: number,
  name: string,
  value: tf.Variable,
): tf.Variable {
  let slot = slots[i];
  if (slot == null) {
    slot = { originalName: name, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
    slots[i] = slot;
  }
  return slot.variable;
}

/**
 * tf.train.adam's optimizer with a fused update on the wasm backend: one SIMD kernel per parameter tensor, bit for
 * bit equal to tfjs's op-by-op update. Same state, `getWeights`/`setWeights` and serialization (class name 'Adam').
 */
export class Adam extends tf.AdamOptimizer {
  /** One Adam step for each named variable; fused on wasm, tfjs's own update elsewhere. */
  override applyGradients(variableGradients: GradientMap): void {
    if (!fusedUpdateAvailable()) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamState;
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients);
    tf.tidy(() => {
      // tfjs: sub(1, accBeta) in float32; 1 − a in float64 then rounded to float32 is that same value (exact in
      // float64 for a ≥ 2⁻²⁹; below, rounding twice still lands on the float32 nearest 1 − a)
      const biasCorrection1 = Math.fround(1 - state.accBeta1.dataSync()[0]);
      const biasCorrection2 = Math.fround(1 - state.accBeta2.dataSync()[0]);
      const attrs: AdamUpdateAttrs = {
        beta1: state.beta1,
        beta2: state.beta2,
        epsilon: state.epsilon,
        learningRate: state.learningRate,
        biasCorrection1,
        biasCorrection2,
      };
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        const firstMoment = moment(state.accumulatedFirstMoment, i, `${name}/m`, value);
        const secondMoment = moment(state.accumulatedSecondMoment, i, `${name}/v`, value);
        const gradient = Array.isArray(variableGradients)
          ? variableGradients[i].tensor
          : variableGradients[name];
        if (gradient == null) return;
        const [newValue, newFirst, newSecond] = tf
          .engine()
          .runKernel(
            ADAM_UPDATE,
            { value, gradient, firstMoment, secondMoment },
            attrs as unknown as tf.NamedAttrMap,
          ) as tf.Tensor[];
        firstMoment.assign(newFirst);
        secondMoment.assign(newSecond);
        value.assign(newValue);
      });
      state.accBeta1.assign(tf.mul(state.accBeta1, state.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, state.beta2));
    });
    this.incrementIterations();
  }
}

/** tf.train.adam's signature and defaults, returning the fused-on-wasm optimizer. */
export function adam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon?: number): Adam {
  return new Adam(learningRate, beta1, beta2, epsilon);
}
