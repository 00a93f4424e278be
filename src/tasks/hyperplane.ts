/**
 * The visual hyperplane task ([H17] §5): an example is five MNIST digits side by side whose
 * labels sum to 25. Of the 10⁵ ordered digit 5-tuples, 5,631 satisfy the constraint; a seeded
 * 80/20 split gives 4,504 training combinations (drawn with MNIST train images) and 1,127
 * held-out ones (drawn with MNIST test images), so recall of held-out combinations measures
 * generalization to unseen combinations of the constraint.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../engine/random.js';
import type { MnistSet } from '../data/mnist.js';
import type { Sequential } from '../models/layers.js';
import { splitAtDigitFeatures } from '../models/hyperplane.js';

export const DIGITS_PER_EXAMPLE = 5;
export const TARGET_SUM = 25;

/** A combination as its 5 digits, and as a number 0..99999 (digits in base 10) for lookups. */
export type Combination = readonly number[];
export const combinationKey = (digits: ArrayLike<number>): number =>
  Array.from(digits).reduce((key, d) => key * 10 + d, 0);

/** All ordered 5-tuples of digits summing to 25, in lexicographic order. */
export function hyperplaneCombinations(): Combination[] {
  const out: Combination[] = [];
  for (let key = 0; key < 10 ** DIGITS_PER_EXAMPLE; key++) {
    const digits = String(key).padStart(DIGITS_PER_EXAMPLE, '0').split('').map(Number);
    if (digits.reduce((a, b) => a + b, 0) === TARGET_SUM) out.push(digits);
  }
  return out;
}

export interface HyperplaneSplit {
  train: Combination[];
  heldOut: Combination[];
}

/** A seeded 80/20 split: floor(0.8·5,631) = 4,504 training combinations, 1,127 held out. */
export function splitCombinations(seed: number | string = 0): HyperplaneSplit {
  const all = hyperplaneCombinations();
  const order = new Rng(`hyperplane-split/${seed}`).permutation(all.length);
  const trainCount = Math.floor(0.8 * all.length);
  return {
    train: Array.from(order.subarray(0, trainCount), (i) => all[i]!),
    heldOut: Array.from(order.subarray(trainCount), (i) => all[i]!),
  };
}

/**
 * The two reference rates for P(sum = 25), computed rather than typed in:
 * independent uniform digits give 5,631 / 10⁵; independent digits drawn from the constraint
 * set's per-position marginal (the same at every position, by symmetry) give Σ_c Π_i p(c_i).
 */
export function sumBaselines(): { uniform: number; marginal: number; marginalDistribution: number[] } {
  const all = hyperplaneCombinations();
  const counts = new Array<number>(10).fill(0);
  for (const c of all) for (const d of c) counts[d]!++;
  const marginal = counts.map((n) => n / (all.length * DIGITS_PER_EXAMPLE));
  const pMarginal = all.reduce((sum, c) => sum + c.reduce((p, d) => p * marginal[d]!, 1), 0);
  return { uniform: all.length / 10 ** DIGITS_PER_EXAMPLE, marginal: pMarginal, marginalDistribution: marginal };
}

/** Indices of each digit's images in an MNIST split, for drawing examples of a combination. */
export function indexByDigit(set: MnistSet): Int32Array[] {
  const lists: number[][] = Array.from({ length: 10 }, () => []);
  for (let i = 0; i < set.count; i++) lists[set.labels[i]!]!.push(i);
  return lists.map((l) => Int32Array.from(l));
}

/**
 * Draws `count` examples: a uniformly random combination from `combinations`, then for each of
 * its digits a uniformly random image of that digit from `set`. Returns [count, 5, 28, 28]
 * pixels in [−1, 1] (each example's digits left to right) and the combinations drawn.
 */
export function drawExamples(
  combinations: readonly Combination[],
  set: MnistSet,
  byDigit: Int32Array[],
  count: number,
  rng: Rng,
): { pixels: Float32Array; combinations: Combination[] } {
  const pixels = new Float32Array(count * DIGITS_PER_EXAMPLE * 784);
  const drawn: Combination[] = [];
  for (let e = 0; e < count; e++) {
    const combination = combinations[rng.int(combinations.length)]!;
    drawn.push(combination);
    combination.forEach((digit, slot) => {
      const pool = byDigit[digit]!;
      const image = pool[rng.int(pool.length)]!;
      pixels.set(set.images.subarray(image * 784, (image + 1) * 784), (e * DIGITS_PER_EXAMPLE + slot) * 784);
    });
  }
  return { pixels, combinations: drawn };
}

/**
 * `count` draws from the product of the batch's slot marginals, as rows of the batch's digits
 * ([N·5] of them, example by example): slot i of each draw comes from slot i of a random example
 * of the N. Every digit is a real one; only the sum is wrong, except with probability
 * P_marginal(sum = 25) ≈ 6.4%. No labels needed.
 */
function shuffledSlotRows(n: number, count: number, rng: Rng): tf.Tensor1D {
  const rows = new Int32Array(count * DIGITS_PER_EXAMPLE);
  for (let e = 0; e < count; e++) {
    for (let slot = 0; slot < DIGITS_PER_EXAMPLE; slot++) rows[e * DIGITS_PER_EXAMPLE + slot] = rng.int(n) * DIGITS_PER_EXAMPLE + slot;
  }
  return tf.tensor1d(rows, 'int32');
}

/** `count` slot-shuffled examples made from `real` ([N, 5, …], the 5 slots contiguous); see shuffledSlotRows. */
export function shuffleSlots(real: tf.Tensor, count: number, rng: Rng): tf.Tensor {
  const n = real.shape[0]!;
  return tf.tidy(() => {
    const slots = tf.reshape(real, [n * DIGITS_PER_EXAMPLE, -1]);
    return tf.reshape(tf.gather(slots, shuffledSlotRows(n, count, rng)), [count, ...real.shape.slice(1)]);
  });
}

/** Slot-shuffled negatives per real example when training (config `negativeData`): they cost the critic's head only. */
export const SHUFFLED_PER_REAL = 32;

/**
 * A per-digit critic's scores of `real` and of `count` slot-shuffled examples made from it, from
 * one pass over the real digits. The critic sees each digit alone before it joins their features
 * (src/models/hyperplane.ts), so a shuffled example's features are real digits' features
 * re-assembled: the scores equal the critic's on shuffleSlots' images, and the negatives cost only
 * the head. Many negatives per real example cut the noise of the critic's gradient: their slots
 * have the batch's own marginals, so whatever the critic scores digit by digit cancels between
 * real and shuffled, and what remains is the signal about the sum.
 */
export function scoreRealAndShuffled(critic: Sequential, real: tf.Tensor, count: number, rng: Rng, training: boolean): { real: tf.Tensor; negatives: tf.Tensor } {
  const { digits, head } = splitAtDigitFeatures(critic);
  const features = digits.apply(real, training);
  return {
    real: head.apply(features, training),
    negatives: head.apply(tf.gather(features, shuffledSlotRows(real.shape[0]!, count, rng)), training),
  };
}

export interface HyperplaneScores {
  samples: number;
  pSum25: number;
  pSumWithin1: number;
  sumMean: number;
  sumSd: number;
  /** Counts of each sum 0..45. */
  sumHistogram: number[];
  /** Fractions of the training / held-out combinations that appear among the unique samples. */
  recallTrain: number;
  recallHeldOut: number;
  uniqueValidCombinations: number;
}

/** Scores generated examples from their digits' predicted labels ([samples × 5], left to right). */
export function scoreHyperplane(labels: Uint8Array, split: HyperplaneSplit): HyperplaneScores {
  const samples = labels.length / DIGITS_PER_EXAMPLE;
  if (!Number.isInteger(samples) || samples === 0) {
    throw new Error(`scoreHyperplane: ${labels.length} labels are not a positive multiple of ${DIGITS_PER_EXAMPLE}`);
  }
  const histogram = new Array<number>(9 * DIGITS_PER_EXAMPLE + 1).fill(0);
  const seen = new Set<number>();
  let total = 0;
  let totalSquares = 0;
  for (let s = 0; s < samples; s++) {
    const digits = labels.subarray(s * DIGITS_PER_EXAMPLE, (s + 1) * DIGITS_PER_EXAMPLE);
    const sum = digits.reduce((a, b) => a + b, 0);
    histogram[sum]!++;
    total += sum;
    totalSquares += sum * sum;
    if (sum === TARGET_SUM) seen.add(combinationKey(digits));
  }
  const mean = total / samples;
  const recall = (combinations: readonly Combination[]) =>
    combinations.filter((c) => seen.has(combinationKey(c))).length / combinations.length;
  return {
    samples,
    pSum25: histogram[TARGET_SUM]! / samples,
    pSumWithin1: (histogram[TARGET_SUM - 1]! + histogram[TARGET_SUM]! + histogram[TARGET_SUM + 1]!) / samples,
    sumMean: mean,
    sumSd: Math.sqrt(Math.max(0, totalSquares / samples - mean * mean)),
    sumHistogram: histogram,
    recallTrain: recall(split.train),
    recallHeldOut: recall(split.heldOut),
    uniqueValidCombinations: seen.size,
  };
}

/**
 * How clearly the classifier reads the digits, which separates two kinds of wrong sums: ambiguous
 * digits (drawing quality) and clear digits that do not add up (coordination across slots).
 */
export interface DigitClarity {
  /** A digit is read clearly when the classifier gives its label at least this probability. */
  threshold: number;
  /** The fraction of digits read clearly. */
  clearDigits: number;
  /** The fraction of examples whose five digits are all read clearly. */
  clearExamples: number;
  /** P(sum = 25) among those examples; null when there are none. */
  pSum25Clear: number | null;
}

/** Digit clarity from the labels and the classifier's probability for each ([samples × 5], left to right). */
export function scoreDigitClarity(labels: Uint8Array, confidences: Float32Array, threshold = 0.9): DigitClarity {
  if (confidences.length !== labels.length) {
    throw new Error(`scoreDigitClarity: ${confidences.length} confidences for ${labels.length} labels; give one per label`);
  }
  const samples = labels.length / DIGITS_PER_EXAMPLE;
  const bar = Math.fround(threshold); // confidences are float32: 0.9 stored is just below 0.9
  let clearDigits = 0;
  let clearExamples = 0;
  let clearHits = 0;
  for (let s = 0; s < samples; s++) {
    let clear = 0;
    let sum = 0;
    for (let d = s * DIGITS_PER_EXAMPLE; d < (s + 1) * DIGITS_PER_EXAMPLE; d++) {
      if (confidences[d]! >= bar) clear++;
      sum += labels[d]!;
    }
    clearDigits += clear;
    if (clear === DIGITS_PER_EXAMPLE) {
      clearExamples++;
      if (sum === TARGET_SUM) clearHits++;
    }
  }
  return {
    threshold,
    clearDigits: clearDigits / labels.length,
    clearExamples: clearExamples / samples,
    pSum25Clear: clearExamples > 0 ? clearHits / clearExamples : null,
  };
}
