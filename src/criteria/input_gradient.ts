import * as tf from '@tensorflow/tfjs-core';

/** ‖∇ₓ f(x)‖² per sample, differentiable in f's weights: the quantity both gradient penalties (WGAN-GP, R1) shape. */
export function squaredInputGradientNorms(critic: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): tf.Tensor1D {
  const grad = tf.grad((input: tf.Tensor) => tf.sum(critic(input)))(x);
  return tf.sum(tf.square(grad), grad.shape.map((_, i) => i).slice(1)) as tf.Tensor1D;
}
