// Gradients of several losses, each w.r.t. its own variables, from ONE recorded forward pass. tf.variableGrads
// records a tape per call, so a GAN step that wants ∂L_D/∂θ_D and ∂L_G/∂θ_G at the same parameters would run the
// shared forward (G(z), D on real and fake) twice; here it runs once and each loss is back-propagated through
// the part of the tape that connects its variables to it.
// The tape filter and back-propagation below follow tfjs-core 4.22's `getFilteredNodesXToY` and
// `backpropagateGradients` (tape.ts, Apache-2.0) step for step — same node order, same accumulation order, same
// `ones` seed — so each loss's gradients are bit-identical to a separate tf.variableGrads over the same ops.
// They use the Engine's tape (startTape/endTape/state.activeTape), which tfjs does not export; `sharedTapeGradients`
// checks that this shape is present and throws otherwise (callers then fall back to tf.variableGrads).
import * as tf from '@tensorflow/tfjs-core';

interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
}

interface EngineTape {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
}

function engineTape(): EngineTape {
  const engine = tf.engine() as unknown as EngineTape;
  if (
    typeof engine.startTape !== 'function' ||
    typeof engine.endTape !== 'function' ||
    typeof engine.state?.gradientDepth !== 'number'
  ) {
    throw new Error('sharedTapeGradients: this tfjs-core has no accessible gradient tape');
  }
  return engine;
}

/** True when `sharedTapeGradients` can run here (tfjs-core's tape internals as expected, not inside a gradient). */
export function sharedTapeAvailable(): boolean {
  try {
    return engineTape().state.gradientDepth === 0;
  } catch {
    return false;
  }
}

/** The nodes on a path from xs to y, inputs pruned to those that depend on xs (tfjs `getFilteredNodesXToY`). */
function filterTape(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const tensorsFromX: Record<number, boolean> = {};
  const nodesFromX: Record<number, boolean> = {};
  for (const x of xs) tensorsFromX[x.id] = true;
  for (const node of tape) {
    for (const inputName in node.inputs) {
      if (tensorsFromX[node.inputs[inputName].id]) {
        for (const output of node.outputs) tensorsFromX[output.id] = true;
        nodesFromX[node.id] = true;
        break;
      }
    }
  }
  const tensorsLeadToY: Record<number, boolean> = { [y.id]: true };
  const nodesToY: Record<number, boolean> = {};
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    for (const output of node.outputs) {
      if (tensorsLeadToY[output.id]) {
        for (const inputName in node.inputs) {
          tensorsLeadToY[node.inputs[inputName].id] = true;
          nodesToY[node.id] = true;
        }
        break;
      }
    }
  }
  const filtered: TapeNode[] = [];
  for (const node of tape) {
    if (!(nodesFromX[node.id] && nodesToY[node.id])) continue;
    const inputs: Record<string, tf.Tensor> = {};
    for (const inputName in node.inputs) {
      const input = node.inputs[inputName];
      if (tensorsFromX[input.id]) inputs[inputName] = input;
    }
    filtered.push({ ...node, inputs, outputs: node.outputs });
  }
  return filtered;
}

/** Walk the filtered tape backwards accumulating gradients per tensor id (tfjs `backpropagateGradients`). */
function backpropagate(gradients: Record<number, tf.Tensor>, filtered: TapeNode[]): void {
  for (let i = filtered.length - 1; i >= 0; i--) {
    const node = filtered[i];
    const dys = node.outputs.map((o) => gradients[o.id] ?? null);
    if (node.gradient == null) {
      throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
    }
    const inputGradients = node.gradient(dys);
    for (const inputName in node.inputs) {
      if (!(inputName in inputGradients)) {
        throw new Error(
          `Cannot backprop through input ${inputName}. Available gradients found: ${Object.keys(inputGradients)}.`,
        );
      }
      const dx = tf.tidy(() => inputGradients[inputName]());
      const x = node.inputs[inputName];
      if (dx.dtype !== 'float32' || !tf.util.arraysEqual(dx.shape, x.shape)) {
        throw new Error(
          `Error in gradient for op ${node.kernelName}: the gradient of input '${inputName}' is ${dx.dtype} ` +
            `[${dx.shape}], expected float32 [${x.shape}]`,
        );
      }
      const current = gradients[x.id];
      if (current == null) gradients[x.id] = dx;
      else {
        gradients[x.id] = tf.add(current, dx);
        current.dispose();
      }
    }
  }
}

/** One loss and the variables to differentiate it with respect to. */
export interface GradientTarget<K extends string> {
  loss: K;
  variables: tf.Variable[];
}

/**
 * Runs `f` once under a gradient tape, then for each target back-propagates `values[target.loss]` (a scalar) to
 * `target.variables` only. Returns the forward values (kept, like tf.tidy's result) and, per target, the
 * gradients by variable name (variables the loss does not depend on are left out, as in tf.variableGrads).
 * Must not be called inside another gradient computation.
 */
export function sharedTapeGradients<K extends string>(
  f: () => Record<K, tf.Scalar>,
  targets: GradientTarget<K>[],
): { values: Record<K, tf.Scalar>; grads: tf.NamedTensorMap[] } {
  const engine = engineTape();
  if (engine.state.gradientDepth !== 0) {
    throw new Error('sharedTapeGradients: cannot run inside another gradient computation');
  }
  engine.startTape();
  let values: Record<K, tf.Scalar>;
  try {
    values = tf.tidy('forward', f);
  } finally {
    engine.endTape();
  }
  const tape = engine.state.activeTape ?? [];
  try {
    const grads = targets.map(({ loss, variables }) =>
      tf.tidy('backward', () => {
        const y = values[loss];
        const trainable = variables.filter((v) => v.trainable);
        const gradients: Record<number, tf.Tensor> = { [y.id]: tf.ones(y.shape) };
        backpropagate(gradients, filterTape(tape, trainable, y));
        const named: tf.NamedTensorMap = {};
        for (const v of trainable) {
          const g = gradients[v.id];
          if (g != null) named[v.name] = g;
        }
        if (Object.keys(named).length === 0) {
          throw new Error(`sharedTapeGradients: loss '${loss}' does not depend on any of its variables`);
        }
        return named;
      }),
    );
    return { values, grads };
  } finally {
    for (const node of tape) for (const t of node.saved ?? []) t.dispose();
    engine.state.activeTape = null;
  }
}
