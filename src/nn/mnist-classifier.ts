// The MNIST digit classifier used to label Stacked-MNIST channels and to provide features for FID/KID.
// A small LeNet-style CNN: conv5×5·32 → maxpool2 → conv3×3·64 → maxpool2 → dense 256 (ReLU; the penultimate
// "features" used by FID/KID) → dense 10 logits. Input [N, 28, 28, 1] in [0, 1].
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Identifier of the MNIST classifier architecture (part of its cache key). */
export const MNIST_CLASSIFIER_ARCHITECTURE = 'lenet-32-64-256-v2';
/** Name of the classifier layer whose activations serve as features (FID/KID). */
export const MNIST_FEATURE_LAYER = 'features';

/** Build the classifier (untrained). Weights are initialised by tfjs's defaults with the given seed. */
export function buildMnistClassifier(seed = 0): tfl.LayersModel {
  const init = (offset: number) => tfl.initializers.glorotUniform({ seed: seed * 16 + offset });
  const input = tfl.input({ shape: [28, 28, 1] });
  let x = tfl.layers
    .conv2d({ filters: 32, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: init(1) })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(2) })
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.flatten().apply(x) as tfl.SymbolicTensor;
  const features = tfl.layers
    .dense({ units: 256, activation: 'relu', name: MNIST_FEATURE_LAYER, kernelInitializer: init(3) })
    .apply(x) as tfl.SymbolicTensor;
  const logits = tfl.layers.dense({ units: 10, name: 'logits', kernelInitializer: init(4) }).apply(features);
  return tfl.model({ inputs: input, outputs: [logits as tfl.SymbolicTensor, features] });
}

/** Logits [N, 10] and features [N, 256] for images [N, 28, 28, 1]. */
export function classifyDigits(
  model: tfl.LayersModel,
  images: tf.Tensor4D,
): { logits: tf.Tensor2D; features: tf.Tensor2D } {
  const [logits, features] = model.predict(images) as [tf.Tensor2D, tf.Tensor2D];
  return { logits, features };
}
