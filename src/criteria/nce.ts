/**
 * Noise-contrastive estimation (Gutmann & Hyvärinen, 2010/2012): fit an unnormalized model by
 * classifying data against samples of a known noise density p_g.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface NceInputs {
  /** log p̃_m(x) at the data samples, the learned log-normalizer c already added. */
  modelLogDensityData: tf.Tensor;
  /** log p_g(x) at the data samples. */
  noiseLogDensityData: tf.Tensor;
  /** log p̃_m(y) at the noise samples, c included. */
  modelLogDensityNoise: tf.Tensor;
  /** log p_g(y) at the noise samples. */
  noiseLogDensityNoise: tf.Tensor;
  /** ν, noise samples per data sample (default 1): the classifier's prior odds are 1 : ν. */
  nu?: number;
}

/**
 * −J, Gutmann & Hyvärinen's objective per data sample, to be minimized over the model and c:
 *   a(u) = log p̃_m(u) − log(ν p_g(u)),
 *   loss = E_data ζ(−a(x)) + ν·E_noise ζ(a(y)) = −[E_data log σ(a) + ν·E_noise log(1 − σ(a))],
 * each E a mean over its own samples, so T_noise = ν·T_data samples give exactly
 * −(1/T_data)[Σ_data log σ(a) + Σ_noise log(1 − σ(a))]. With ν = 1 it is the GAN discriminator
 * loss on logits a. ζ = softplus keeps it finite for any finite log-densities.
 */
export function nceLoss({
  modelLogDensityData,
  noiseLogDensityData,
  modelLogDensityNoise,
  noiseLogDensityNoise,
  nu = 1,
}: NceInputs): tf.Scalar {
  if (!(nu > 0)) throw new Error(`nceLoss: nu must be positive, got ${nu}`);
  return tf.tidy((): tf.Scalar => {
    const logNu = Math.log(nu);
    const aData = tf.sub(tf.sub(modelLogDensityData, noiseLogDensityData), logNu);
    const aNoise = tf.sub(tf.sub(modelLogDensityNoise, noiseLogDensityNoise), logNu);
    const dataTerm = tf.mean(tf.softplus(tf.neg(aData)));
    const noiseTerm = tf.mul(nu, tf.mean(tf.softplus(aNoise)));
    return tf.add(dataTerm, noiseTerm);
  });
}
