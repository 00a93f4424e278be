/**
 * The GAN game in logits. With the classifier p_c(y=1|x) = D(x) = σ(a(x)) and ζ = softplus:
 *   log D = −ζ(−a),   log(1 − D) = −ζ(a).
 * Every loss is a mean over the batch; ζ is evaluated stably, so logits of ±100 stay finite.
 */
import * as tf from '@tensorflow/tfjs-core';
import { squaredInputGradientNorms } from './input_gradient.js';

/** V(p_c, p_g) = E_{p_d} log D(x) + E_{p_g} log(1 − D(x)) = −E ζ(−a_real) − E ζ(a_fake). */
export function distinguishabilityValue(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy((): tf.Scalar => tf.neg(ganDiscriminatorLoss(realLogits, fakeLogits)));
}

/** −E_{p_d} log D(x) − E_{p_g} log(1 − D(x)) = E ζ(−a_real) + E ζ(a_fake): the classifier's cross-entropy. */
export function ganDiscriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy((): tf.Scalar => tf.add(tf.mean(tf.softplus(tf.neg(realLogits))), tf.mean(tf.softplus(fakeLogits))) as tf.Scalar);
}

/** Minimax (saturating) cost E log(1 − D(G(z))) = −E ζ(a); dJ/da = −D. */
export function minimaxGeneratorLoss(fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy((): tf.Scalar => tf.neg(tf.mean(tf.softplus(fakeLogits))) as tf.Scalar);
}

/** Non-saturating cost −E log D(G(z)) = E ζ(−a); dJ/da = −(1 − D). */
export function nonSaturatingGeneratorLoss(fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy((): tf.Scalar => tf.mean(tf.softplus(tf.neg(fakeLogits))) as tf.Scalar);
}

/**
 * Maximum-likelihood cost −E D/(1 − D) = −E exp(a); dJ/da = −exp(a). With the optimal
 * discriminator a* = log p_d − log p_g its expected gradient is the MLE gradient ([G14]). exp(a)
 * overflows float32 beyond a ≈ 88, as the cost itself does.
 */
export function maximumLikelihoodGeneratorLoss(fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy((): tf.Scalar => tf.neg(tf.mean(tf.exp(fakeLogits))) as tf.Scalar);
}

/**
 * R1 = E_{p_d} ‖∇_x a(x)‖², the zero-centred gradient penalty on real data (Mescheder, Geiger and
 * Nowozin, ICML 2018), added to the discriminator's loss with a weight (their γ/2). It vanishes
 * at the equilibrium p_g = p_d, a(x) = const, so it keeps the game's solution while damping the
 * oscillation and overconfidence that make GANs collapse. Differentiable in the discriminator's
 * weights (second-order autodiff).
 */
export function r1Penalty(critic: (x: tf.Tensor) => tf.Tensor, real: tf.Tensor): tf.Scalar {
  return tf.tidy((): tf.Scalar => tf.mean(squaredInputGradientNorms(critic, real)) as tf.Scalar);
}
