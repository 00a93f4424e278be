/**
 * Maximum likelihood through a variational autoencoder: the evidence lower bound (Kingma &
 * Welling, 2014) with a Gaussian decoder of fixed scale and a diagonal-Gaussian encoder.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface GaussianElboInputs {
  /** Data, [batch, ...features]. */
  x: tf.Tensor;
  /** Decoder mean at one sample z ~ q(z|x), the shape of x. */
  reconstruction: tf.Tensor;
  /** Encoder mean of q(z|x), [batch, latent]. */
  mean: tf.Tensor2D;
  /** Encoder log-variance of q(z|x), [batch, latent]. */
  logVariance: tf.Tensor2D;
  /** Fixed decoder standard deviation σ. */
  sigma: number;
}

/**
 * ELBO = E_batch[ log N(x; r, σ²I) − KL(N(μ, diag e^{lv}) ‖ N(0, I)) ], in nats per sample, with
 *   log N(x; r, σ²I) = −‖x − r‖² / (2σ²) − (d/2)·log(2πσ²)   (d features; the constant included,
 *                      so the value is a bound on log p(x) comparable to exact likelihoods),
 *   KL = ½ Σ_k (e^{lv_k} + μ_k² − 1 − lv_k).
 * The reconstruction term is the one-sample estimate at the z that produced r. A VAE is trained
 * by minimizing −ELBO.
 */
export function gaussianElbo({ x, reconstruction, mean, logVariance, sigma }: GaussianElboInputs): tf.Scalar {
  if (!(sigma > 0)) throw new Error(`gaussianElbo: sigma must be positive, got ${sigma}`);
  if (x.shape.join() !== reconstruction.shape.join()) {
    throw new Error(`gaussianElbo: x ${JSON.stringify(x.shape)} and reconstruction ${JSON.stringify(reconstruction.shape)} must have the same shape`);
  }
  return tf.tidy((): tf.Scalar => {
    const batch = x.shape[0]!;
    const features = x.size / batch;
    const squaredError = tf.sum(tf.reshape(tf.square(tf.sub(x, reconstruction)), [batch, features]), 1);
    const logLikelihood = tf.sub(
      tf.mul(squaredError, -1 / (2 * sigma * sigma)),
      (features / 2) * Math.log(2 * Math.PI * sigma * sigma),
    );
    const kl = tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.exp(logVariance), tf.square(mean)), tf.add(1, logVariance)), 1));
    return tf.mean(tf.sub(logLikelihood, kl));
  });
}
