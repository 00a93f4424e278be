/**
 * Maximum mean discrepancy with Gaussian kernels (Gretton et al., 2012), the nonparametric
 * kernel divergence of [H17] and of generative moment matching networks.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * D_ij = ‖x_i − y_j‖² for x [n, d], y [m, d], as ‖x_i‖² + ‖y_j‖² − 2 x_i·y_j clamped at 0.
 * Both sets are first centred on their pooled mean: distances do not change, and the identity's
 * cancellation error (≈ 1e-7·‖x‖² in float32) shrinks from the data's offset to its spread.
 */
export function pairwiseSquaredDistances(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy((): tf.Tensor2D => {
    const center = tf.mean(tf.concat([x, y], 0), 0);
    const xc = tf.sub(x, center);
    const yc = tf.sub(y, center);
    const xx = tf.sum(tf.square(xc), 1, true);
    const yy = tf.reshape(tf.sum(tf.square(yc), 1), [1, -1]);
    const cross = tf.matMul(xc, yc, false, true);
    return tf.relu(tf.sub(tf.add(xx, yy), tf.mul(2, cross))) as tf.Tensor2D;
  });
}

export type MmdEstimator = 'biased' | 'unbiased';

export interface MmdOptions {
  /** Kernel bandwidths σ; the kernel is Σ_σ exp(−‖x − y‖² / (2σ²)). */
  bandwidths: number[];
  /** 'biased' (default): V-statistic, ≥ 0, exactly 0 for identical sets. 'unbiased': U-statistic. */
  estimator?: MmdEstimator;
}

/** Σ_σ exp(−D / (2σ²)) elementwise. */
function gaussianKernel(squaredDistances: tf.Tensor2D, bandwidths: number[]): tf.Tensor2D {
  return tf.addN(bandwidths.map((s) => tf.exp(tf.mul(squaredDistances, -1 / (2 * s * s))))) as tf.Tensor2D;
}

/** Mean of the off-diagonal entries of a square kernel matrix. */
function offDiagonalMean(k: tf.Tensor2D): tf.Scalar {
  const n = k.shape[0];
  const offDiagonal = tf.sub(1, tf.eye(n));
  return tf.div(tf.sum(tf.mul(k, offDiagonal)), n * (n - 1));
}

/**
 * MMD²(x, y) for x [n, d], y [m, d] with k(u, v) = Σ_σ exp(−‖u − v‖² / (2σ²)):
 *   biased:   (1/n²) Σ_ij k(x_i, x_j) + (1/m²) Σ_ij k(y_i, y_j) − (2/nm) Σ_ij k(x_i, y_j);
 *   unbiased: the same with the two within-sample sums over i ≠ j only, divided by n(n−1) and
 *             m(m−1) (needs n, m ≥ 2; may be negative).
 * Differentiable in x and y.
 */
export function mmd2(x: tf.Tensor2D, y: tf.Tensor2D, { bandwidths, estimator = 'biased' }: MmdOptions): tf.Scalar {
  if (bandwidths.length === 0 || bandwidths.some((s) => !(s > 0))) {
    throw new Error(`mmd2: bandwidths must be positive numbers, got ${JSON.stringify(bandwidths)}`);
  }
  if (estimator === 'unbiased' && (x.shape[0] < 2 || y.shape[0] < 2)) {
    throw new Error(`mmd2: the unbiased estimator needs at least 2 samples per set, got ${x.shape[0]} and ${y.shape[0]}`);
  }
  return tf.tidy((): tf.Scalar => {
    const kxx = gaussianKernel(pairwiseSquaredDistances(x, x), bandwidths);
    const kyy = gaussianKernel(pairwiseSquaredDistances(y, y), bandwidths);
    const kxy = gaussianKernel(pairwiseSquaredDistances(x, y), bandwidths);
    const within = estimator === 'biased'
      ? tf.add(tf.mean(kxx), tf.mean(kyy))
      : tf.add(offDiagonalMean(kxx), offDiagonalMean(kyy));
    return tf.sub(within, tf.mul(2, tf.mean(kxy)));
  });
}

/**
 * The median heuristic: the median of the Euclidean distances ‖z_i − z_j‖ (not squared) over the
 * distinct pairs i < j of the pooled sample z = [x; y] (mean of the two middle values when their
 * count is even). Returns a number: use it as `mmd2(x, y, { bandwidths: [medianBandwidth(x, y)] })`.
 */
export function medianBandwidth(x: tf.Tensor2D, y: tf.Tensor2D): number {
  const pooled = tf.concat([x, y], 0);
  const squared = pairwiseSquaredDistances(pooled, pooled);
  const values = squared.dataSync();
  pooled.dispose();
  squared.dispose();
  const n = x.shape[0] + y.shape[0];
  if (n < 2) throw new Error('medianBandwidth: needs at least 2 samples in total');
  const distances = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) distances[k++] = Math.sqrt(values[i * n + j]!);
  }
  distances.sort();
  const mid = distances.length >> 1;
  return distances.length % 2 === 1 ? distances[mid]! : (distances[mid - 1]! + distances[mid]!) / 2;
}
