/**
 * Scoring hyperplane networks, shared by `discern eval hyperplane` (10,000 samples, 500 AUC pairs,
 * once) and the trainer's periodic score (1,000 samples, 300 pairs, every `evalEvery` steps): the
 * digit classifier's labels of generated examples, and the critic's AUC of real over slot-shuffled
 * examples.
 */
import { Rng, tf } from '../engine/index.js';
import { loadMnist } from '../data/mnist.js';
import type { Sequential } from '../models/layers.js';
import { loadDigitClassifier, readDigits } from './classifier.js';
import { DIGITS_PER_EXAMPLE, drawExamples, indexByDigit, shuffleSlots, splitCombinations } from './hyperplane.js';

let classifier: Sequential | null = null;

/**
 * The classifier's labels ([samples × 5], left to right) of `samples` examples from `sample(n)`,
 * drawn 500 at a time, and its probability for each label.
 */
export function readGeneratedDigits(sample: (n: number) => tf.Tensor, samples: number): { labels: Uint8Array; confidences: Float32Array } {
  classifier ??= loadDigitClassifier().model;
  const labels = new Uint8Array(samples * DIGITS_PER_EXAMPLE);
  const confidences = new Float32Array(samples * DIGITS_PER_EXAMPLE);
  const chunk = 500;
  for (let start = 0; start < samples; start += chunk) {
    const n = Math.min(chunk, samples - start);
    const digits = sample(n);
    const read = readDigits(classifier, digits.dataSync() as Float32Array, n * DIGITS_PER_EXAMPLE);
    digits.dispose();
    labels.set(read.labels, start * DIGITS_PER_EXAMPLE);
    confidences.set(read.confidences, start * DIGITS_PER_EXAMPLE);
  }
  return { labels, confidences };
}

/** n examples from the generator, its latent drawn from `rng`. */
export const generatorSamples = (generator: Sequential, latent: number, rng: Rng) => (n: number): tf.Tensor =>
  tf.tidy(() => generator.apply(tf.tensor2d(rng.normals(n * latent), [n, latent]), false));

/** P(a > b) for a drawn from `higher` and b from `lower`, ties counting one half (the ROC AUC). */
export function rankProbability(higher: ArrayLike<number>, lower: ArrayLike<number>): number {
  let wins = 0;
  for (let i = 0; i < higher.length; i++) {
    for (let j = 0; j < lower.length; j++) wins += higher[i]! > lower[j]! ? 1 : higher[i] === lower[j] ? 0.5 : 0;
  }
  return wins / (higher.length * lower.length);
}

/**
 * The critic's rank probability of `count` held-out real examples over `count` slot-shuffled ones.
 * 0.5: the critic ignores the sum, so the generator gets no signal to coordinate its digits.
 */
export function criticSumAuc(critic: Sequential, rng: Rng, count = 500): number {
  const test = loadMnist('test');
  const real = tf.tensor4d(drawExamples(splitCombinations(0).heldOut, test, indexByDigit(test), count, rng).pixels, [count, 5, 28, 28]);
  const shuffled = shuffleSlots(real, count, rng);
  const [realScores, shuffledScores] = [real, shuffled].map((x) => tf.tidy(() => critic.apply(x, false).dataSync()));
  tf.dispose([real, shuffled]);
  return rankProbability(realScores!, shuffledScores!);
}
