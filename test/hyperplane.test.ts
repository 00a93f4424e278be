/** The visual hyperplane task's data and scoring. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../src/engine/index.js';
import { Rng } from '../src/engine/random.js';
import { loadMnist } from '../src/data/mnist.js';
import {
  combinationKey, drawExamples, hyperplaneCombinations, indexByDigit, scoreDigitClarity, scoreHyperplane, scoreRealAndShuffled, shuffleSlots,
  splitCombinations, sumBaselines,
} from '../src/tasks/hyperplane.js';
import { Dense, Sequential } from '../src/models/layers.js';
import { hyperplaneCritic, splitAtDigitFeatures } from '../src/models/hyperplane.js';
import { rankProbability } from '../src/tasks/hyperplane_scoring.js';
import { classifyDigits, loadDigitClassifier, readDigits } from '../src/tasks/classifier.js';

before(async () => {
  await initEngine();
});

const binomial = (n: number, k: number): number => (k < 0 || k > n ? 0 : k === 0 ? 1 : (binomial(n - 1, k - 1) * n) / k);

test('5,631 distinct ordered combinations, the inclusion–exclusion count of 5 digits summing to 25', () => {
  const all = hyperplaneCombinations();
  // Solutions of d1+…+d5 = 25 with 0 ≤ dᵢ ≤ 9: Σₖ (−1)ᵏ C(5,k) C(25 − 10k + 4, 4).
  const expected = [0, 1, 2].reduce((s, k) => s + (-1) ** k * binomial(5, k) * binomial(29 - 10 * k, 4), 0);
  assert.equal(expected, 5631);
  assert.equal(all.length, expected);
  assert.ok(all.every((c) => c.length === 5 && c.reduce((a, b) => a + b, 0) === 25 && c.every((d) => d >= 0 && d <= 9)));
  assert.equal(new Set(all.map(combinationKey)).size, all.length);
});

test('the seeded split gives 4,504 training and 1,127 held-out combinations, disjoint and reproducible', () => {
  const split = splitCombinations(0);
  assert.equal(split.train.length, 4504);
  assert.equal(split.heldOut.length, 1127);
  const train = new Set(split.train.map(combinationKey));
  assert.ok(split.heldOut.every((c) => !train.has(combinationKey(c))));
  assert.deepEqual(splitCombinations(0), split);
  assert.notDeepEqual(splitCombinations(1).heldOut, split.heldOut);
});

test('baselines: 5.63% for uniform digits, 6.36% for digits from the constraint marginal', () => {
  const { uniform, marginal, marginalDistribution } = sumBaselines();
  assert.equal(uniform, 0.05631);
  assert.ok(Math.abs(marginal - 0.0636) < 5e-5, `marginal baseline ${marginal}`);
  assert.ok(Math.abs(marginalDistribution.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  const mean = marginalDistribution.reduce((s, p, d) => s + p * d, 0);
  assert.ok(Math.abs(mean - 5) < 1e-12, 'every position averages 25 / 5');
});

test('scores: sum rates, moments, histogram and recall on hand-made labels', () => {
  const split = splitCombinations(0);
  const [a, b] = [split.train[0]!, split.heldOut[0]!];
  const labels = Uint8Array.from([...a, ...a, ...b, 0, 0, 0, 0, 0, 5, 5, 5, 5, 6]);
  const scores = scoreHyperplane(labels, split);
  assert.equal(scores.samples, 5);
  assert.equal(scores.pSum25, 3 / 5);
  assert.equal(scores.pSumWithin1, 4 / 5);
  assert.equal(scores.sumMean, (25 * 3 + 0 + 26) / 5);
  assert.ok(Math.abs(scores.sumSd - Math.sqrt((3 * 625 + 676) / 5 - scores.sumMean ** 2)) < 1e-12);
  assert.equal(scores.sumHistogram[25], 3);
  assert.equal(scores.uniqueValidCombinations, 2);
  assert.equal(scores.recallTrain, 1 / 4504);
  assert.equal(scores.recallHeldOut, 1 / 1127);
  assert.throws(() => scoreHyperplane(new Uint8Array(7), split), /not a positive multiple of 5/);
});

test('digit clarity: clear digits, all-clear examples and P(sum = 25) among them, on hand-made readings', () => {
  // Three examples: all clear and summing to 25; all clear and summing to 24; one digit unclear (sum 25).
  const labels = Uint8Array.from([5, 5, 5, 5, 5, 4, 5, 5, 5, 5, 9, 9, 7, 0, 0]);
  const confidences = Float32Array.from([1, 0.95, 0.9, 0.99, 0.92, 0.9, 0.91, 1, 1, 1, 0.99, 0.89, 1, 1, 1]);
  const clarity = scoreDigitClarity(labels, confidences);
  assert.equal(clarity.threshold, 0.9);
  assert.equal(clarity.clearDigits, 14 / 15);
  assert.equal(clarity.clearExamples, 2 / 3);
  assert.equal(clarity.pSum25Clear, 1 / 2);
  const strict = scoreDigitClarity(labels, confidences, 0.99);
  assert.equal(strict.clearDigits, 9 / 15);
  assert.equal(strict.clearExamples, 0);
  assert.equal(strict.pSum25Clear, null);
  assert.throws(() => scoreDigitClarity(labels, new Float32Array(10)), /10 confidences for 15 labels/);
});

test('readDigits: the classifier’s labels and the softmax probability of each, high on real MNIST digits', () => {
  const { model } = loadDigitClassifier();
  const set = loadMnist('test');
  const count = 300;
  const images = set.images.subarray(0, count * 784);
  const { labels, confidences } = readDigits(model, images, count, 128);
  assert.deepEqual(labels, classifyDigits(model, images, count));
  const logits = tf.tidy(() => model.apply(tf.tensor4d(images, [count, 28, 28, 1]), false).arraySync() as number[][]);
  logits.forEach((row, i) => {
    const top = Math.max(...row);
    const expected = 1 / row.reduce((sum, l) => sum + Math.exp(l - top), 0);
    assert.ok(Math.abs(confidences[i]! - expected) < 1e-5, `image ${i}: ${confidences[i]} against ${expected}`);
    assert.equal(row[labels[i]!], top);
  });
  // The committed classifier (≥ 99% accurate) reads ~97% of real test digits with p ≥ 0.9.
  assert.ok(confidences.filter((c) => c >= 0.9).length / count > 0.95);
});

test('examples are made of MNIST images of the right digits, from the split the combination belongs to', () => {
  const set = loadMnist('test');
  const byDigit = indexByDigit(set);
  const { heldOut } = splitCombinations(0);
  const { pixels, combinations } = drawExamples(heldOut, set, byDigit, 3, new Rng(4));
  const heldOutKeys = new Set(heldOut.map(combinationKey));
  combinations.forEach((combination, e) => {
    assert.ok(heldOutKeys.has(combinationKey(combination)));
    combination.forEach((digit, slot) => {
      const block = pixels.subarray((e * 5 + slot) * 784, (e * 5 + slot + 1) * 784);
      const match = Array.from(byDigit[digit]!).some((i) => set.images.subarray(i * 784, (i + 1) * 784).every((v, j) => v === block[j]));
      assert.ok(match, `example ${e} slot ${slot} is not an MNIST test image of a ${digit}`);
    });
  });
});

test('shuffled slots: slot i of every negative is slot i of some real example, the slots drawn independently', () => {
  const rng = new Rng(5);
  const { train } = splitCombinations(0);
  const real = Array.from({ length: 16 }, () => train[rng.int(train.length)]!);
  // One-hot labels [16, 5·10]: slots of 10 values (shuffleSlots takes any trailing shape).
  const oneHot = tf.tidy(() => tf.reshape(tf.oneHot(tf.tensor1d(real.flat(), 'int32'), 10), [16, 50]));
  const negatives = shuffleSlots(oneHot, 400, rng);
  assert.deepEqual(negatives.shape, [400, 50]);
  const digits = tf.tidy(() => tf.argMax(tf.reshape(negatives, [400, 5, 10]), 2).arraySync() as number[][]);
  tf.dispose([oneHot, negatives]);
  for (const negative of digits) {
    negative.forEach((digit, slot) => assert.ok(real.some((r) => r[slot] === digit), `slot ${slot} holds ${digit}, which no real example has there`));
  }
  // Whole examples copied would make every negative a real one; independent slots make that rare (≈ 16⁻⁴ each).
  const realKeys = new Set(real.map(combinationKey));
  const copies = digits.filter((d) => realKeys.has(combinationKey(d))).length;
  assert.ok(copies < 40, `${copies} of 400 negatives are whole real examples`);
  const sums = digits.map((d) => d.reduce((a, b) => a + b, 0));
  assert.ok(sums.filter((s) => s !== 25).length > 300, 'most negatives must break the constraint');
});

test('rank probability (ROC AUC): pairs won, ties counting one half', () => {
  assert.equal(rankProbability([3, 2], [1, 2]), 3.5 / 4);
  assert.equal(rankProbability([1, 1], [1]), 0.5);
  assert.equal(rankProbability([0], [5, 6]), 0);
  const rng = new Rng(9);
  const a = Array.from({ length: 300 }, () => rng.uniform());
  const b = Array.from({ length: 300 }, () => rng.uniform());
  assert.ok(Math.abs(rankProbability(a, b) + rankProbability(b, a) - 1) < 1e-12, 'P(a > b) + P(b > a) = 1 without ties');
});

test('shuffled negatives from the critic\'s digit features: the same scores and gradients as the critic on shuffleSlots\' images', () => {
  const critic = hyperplaneCritic(new Rng(6));
  const real = tf.tidy(() => tf.sub(tf.mul(tf.tensor4d(new Rng(7).uniforms(3 * 5 * 784), [3, 5, 28, 28]), 2), 1));
  const viaImages = (c: Sequential) => ({ real: c.apply(real, true), negatives: c.apply(shuffleSlots(real, 10, new Rng(8)), true) });
  const viaFeatures = (c: Sequential) => scoreRealAndShuffled(c, real, 10, new Rng(8), true);
  const close = (x: ArrayLike<number>, y: ArrayLike<number>) => {
    const scale = Array.from(x).reduce((m, xi) => Math.max(m, Math.abs(xi)), 0);
    return Array.from(x).every((xi, i) => Math.abs(xi - y[i]!) <= 1e-4 * scale + 1e-7);
  };
  const scores: Float32Array[][] = [];
  const [a, b] = [viaImages, viaFeatures].map((score) => tf.variableGrads(() => tf.tidy(() => {
    const { real: r, negatives: n } = score(critic);
    assert.deepEqual([r.shape, n.shape], [[3, 1], [10, 1]]);
    scores.push([r.dataSync() as Float32Array, n.dataSync() as Float32Array]);
    // Any loss that weighs the scores unevenly: the gradients must agree too.
    return tf.sub(tf.sum(tf.mul(r, tf.tensor2d([[1], [2], [3]]))), tf.sum(tf.square(n))) as tf.Scalar;
  }), critic.variables));
  assert.ok(close(scores[0]![0]!, scores[1]![0]!) && close(scores[0]![1]!, scores[1]![1]!), `scores differ: ${scores.map((s) => s.map((t) => Array.from(t)))}`);
  for (const v of critic.variables) assert.ok(close(a!.grads[v.name]!.dataSync(), b!.grads[v.name]!.dataSync()), `gradient of ${v.name} differs`);
  tf.dispose([real, a!.value, b!.value, ...Object.values(a!.grads), ...Object.values(b!.grads)]);
  critic.dispose();
  assert.throws(() => splitAtDigitFeatures(new Sequential([new Dense(4, 1, new Rng(0))])), /not a per-digit network/);
});
