/**
 * Energy distance (Székely & Rizzo): the MMD of the distance-induced kernel −‖u − v‖.
 */
import * as tf from '@tensorflow/tfjs-core';
import { pairwiseSquaredDistances } from './mmd.js';

/**
 * ‖u − v‖ = √(D + 1e-12): the gradient of √ is infinite at 0, and coincident points (the
 * diagonal of a set with itself, duplicates across sets) would turn it into NaN.
 */
function distances(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  return tf.sqrt(tf.add(pairwiseSquaredDistances(x, y), 1e-12)) as tf.Tensor2D;
}

/** (1/n²) Σ_{i≠j} ‖x_i − x_j‖: the diagonal is exactly 0, not the Gram identity's rounding residue. */
function withinMean(x: tf.Tensor2D): tf.Scalar {
  const n = x.shape[0];
  return tf.mean(tf.mul(distances(x, x), tf.sub(1, tf.eye(n))));
}

/**
 * E(x, y) = 2·E‖X − Y‖ − E‖X − X'‖ − E‖Y − Y'‖ between the empirical distributions of x [n, d]
 * and y [m, d]: the V-statistic, every expectation a plain mean over all n·m, n² and m² pairs
 * (self-pairs contribute exactly 0). It is ≥ 0, zero only for equal empirical distributions, and in
 * one dimension equals 2∫(F_x(t) − F_y(t))² dt. Distances use the Gram identity of
 * `pairwiseSquaredDistances`: a pair of coincident points across x and y counts √(rounding
 * residue) ≲ 1e-3 of the data's spread rather than 0, and gradients for pairs that close are
 * inaccurate (never NaN).
 */
export function energyDistance(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
  return tf.tidy((): tf.Scalar => {
    const cross = tf.mean(distances(x, y));
    return tf.sub(tf.mul(2, cross), tf.add(withinMean(x), withinMean(y)));
  });
}
