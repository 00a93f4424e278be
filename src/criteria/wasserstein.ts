/**
 * The parametric Wasserstein divergence of WGAN-GP ([H17]): a critic f, its loss
 * E_q f − E_p f + λ·GP, and the generator loss −E_q f (p = data, q = model).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../engine/random.js';
import { squaredInputGradientNorms } from './input_gradient.js';

/** E_{q} f(x̃) − E_{p} f(x): minimized by the critic (it maximizes E_p f − E_q f). */
export function wassersteinCriticLoss(realScores: tf.Tensor, fakeScores: tf.Tensor): tf.Scalar {
  return tf.tidy((): tf.Scalar => tf.sub(tf.mean(fakeScores), tf.mean(realScores)) as tf.Scalar);
}

/** −E_{q} f(x̃): minimized by the generator. */
export function wassersteinGeneratorLoss(fakeScores: tf.Tensor): tf.Scalar {
  return tf.tidy((): tf.Scalar => tf.neg(tf.mean(fakeScores)) as tf.Scalar);
}

export interface GradientPenaltyOptions {
  /** max(‖∇f‖² − 1, 0) (the [H17] code's default) instead of (‖∇f‖ − 1)². */
  oneSided?: boolean;
  /** Seeds the interpolation weights ε ~ U(0, 1), one per sample. */
  seed: number;
}

/**
 * GP = E_{x̂} φ(‖∇_x̂ f(x̂)‖), x̂ = ε·real + (1 − ε)·fake, ε ~ U(0, 1) per sample;
 * φ(r) = (r − 1)² (two-sided) or max(r² − 1, 0) (one-sided). Differentiable in the critic's
 * weights (second-order autodiff). The norm is √(Σ g² + 1e-12) so its gradient stays finite at 0.
 */
export function gradientPenalty(
  critic: (x: tf.Tensor) => tf.Tensor,
  real: tf.Tensor,
  fake: tf.Tensor,
  { oneSided = false, seed }: GradientPenaltyOptions,
): tf.Scalar {
  if (real.shape.join() !== fake.shape.join()) {
    throw new Error(`gradientPenalty: real ${JSON.stringify(real.shape)} and fake ${JSON.stringify(fake.shape)} must have the same shape`);
  }
  return tf.tidy(() => {
    const batch = real.shape[0]!;
    const epsShape = [batch, ...real.shape.slice(1).map(() => 1)];
    const eps = tf.tensor(new Rng(seed).uniforms(batch), epsShape);
    const interpolates = tf.add(tf.mul(eps, real), tf.mul(tf.sub(1, eps), fake));
    const squaredNorm = tf.add(squaredInputGradientNorms(critic, interpolates), 1e-12);
    const penalty = oneSided
      ? tf.relu(tf.sub(squaredNorm, 1))
      : tf.square(tf.sub(tf.sqrt(squaredNorm), 1));
    return tf.mean(penalty) as tf.Scalar;
  });
}
