/**
 * Can the visual-hyperplane critic learn the constraint, and how fast? A supervised probe with the
 * answer given: real examples (digit labels summing to 25) against the product of their marginals
 * (each slot's digit taken from a random example of the same batch, so every digit is real and only
 * the sum is wrong), the critic loss of `criterion`, Adam(lr, 0.5, 0.9): the GAN's (logistic), or
 * WGAN-GP's (E_neg f − E_real f + λ·GP, the penalty, two- or one-sided, at interpolates of real and
 * slot-shuffled images), to ask whether the Wasserstein critic can learn what the GAN's does.
 * Each step scores `shuffledPerReal` shuffled examples per real one, as the critic with
 * `negativeData` does: the pixel critic reuses the real digits' features for them
 * (scoreRealAndShuffled), so they are cheap. It reports held-out AUC (and the GAN's accuracy)
 * against steps for two inputs:
 *   pixels: the critic of src/models/hyperplane.ts on the 5×28×28 images (what a GAN critic faces,
 *           with a cleaner signal);
 *   labels: the critic's MLP head (→128→128→1) on the digits' one-hot labels, the rule without
 *           the vision.
 * The product of marginals still sums to 25 with probability P_marginal (6.36%), so the best
 * accuracy is (1 + 1 − P_marginal) / 2 ≈ 0.968, the best AUC (real ranked above shuffled)
 * 1 − P_marginal / 2, the same number; the AUC needs no threshold, so it also reads the
 * Wasserstein critic, whose scores have no sign. A critic that stays at 0.5 cannot tell a
 * generator of independent digits from the data, whatever the criterion. `penaltyWeight` is the
 * trainer's: for gan the R1 penalty's weight (· E‖∇ₓD(x)‖² on the real examples; default 0), to see
 * what it costs the probe; for the WGAN-GPs the gradient penalty's λ (default 10, [H17]'s).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ganDiscriminatorLoss, r1Penalty } from '../criteria/gan.js';
import { gradientPenalty, wassersteinCriticLoss } from '../criteria/wasserstein.js';
import { Rng } from '../engine/random.js';
import { loadMnist } from '../data/mnist.js';
import { Dense, leakyRelu, Sequential } from '../models/layers.js';
import { hyperplaneCritic } from '../models/hyperplane.js';
import { Adam } from '../train/adam.js';
import { defaultSettings } from '../train/objectives.js';
import { valueAt } from '../train/schedule.js';
import {
  DIGITS_PER_EXAMPLE, drawExamples, indexByDigit, scoreRealAndShuffled, SHUFFLED_PER_REAL, shuffleSlots, splitCombinations,
  sumBaselines, type Combination,
} from '../tasks/hyperplane.js';
import { rankProbability } from '../tasks/hyperplane_scoring.js';

export const PROBE_INPUTS = ['pixels', 'labels'] as const;
export type ProbeInput = (typeof PROBE_INPUTS)[number];
export const PROBE_CRITERIA = ['gan', 'wgan-gp', 'wgan-gp-one-sided'] as const;
export type ProbeCriterion = (typeof PROBE_CRITERIA)[number];

export interface CriticProbeOptions {
  input: ProbeInput;
  /** Whose critic loss: the GAN's (default) or a WGAN-GP's. */
  criterion?: ProbeCriterion;
  steps: number;
  learningRate: number;
  /** Real examples per step. */
  batch?: number;
  /** Slot-shuffled examples per real one in each step (default SHUFFLED_PER_REAL, the GAN's). */
  shuffledPerReal?: number;
  /** R1's weight for gan (default 0: none), the gradient penalty's λ for the WGAN-GPs (default 10). */
  penaltyWeight?: number;
  /** Steps between held-out evaluations (default: 20 points over the run). */
  evalEvery?: number;
  /** Held-out pairs (held-out combinations, MNIST test images) scored at each evaluation. */
  evalSize?: number;
  seed?: number;
  onProgress?: (fraction: number, status: string) => void;
}

export interface CriticProbeResult {
  input: ProbeInput;
  criterion: ProbeCriterion;
  learningRate: number;
  batch: number;
  shuffledPerReal: number;
  penaltyWeight: number;
  /** The best achievable accuracy: (2 − P_marginal(sum = 25)) / 2. */
  ceiling: number;
  /** heldOutAccuracy: real scored > 0 and shuffled < 0 (the GAN's logit; null for the WGAN-GPs, whose scores have no sign). */
  curve: Array<{ step: number; loss: number; heldOutAccuracy: number | null; heldOutAuc: number }>;
  seconds: number;
}

/** Examples of `input` for `count` combinations drawn from `combinations`: [count, 5, …slot]. */
function examplesSource(input: ProbeInput, heldOut: boolean): (combinations: readonly Combination[], count: number, rng: Rng) => Float32Array {
  if (input === 'labels') {
    return (combinations, count, rng) => {
      const oneHot = new Float32Array(count * DIGITS_PER_EXAMPLE * 10);
      for (let e = 0; e < count; e++) {
        combinations[rng.int(combinations.length)]!.forEach((digit, slot) => { oneHot[(e * DIGITS_PER_EXAMPLE + slot) * 10 + digit] = 1; });
      }
      return oneHot;
    };
  }
  const set = loadMnist(heldOut ? 'test' : 'train');
  const byDigit = indexByDigit(set);
  return (combinations, count, rng) => drawExamples(combinations, set, byDigit, count, rng).pixels;
}

export function runCriticProbe(options: CriticProbeOptions): CriticProbeResult {
  const { input, criterion = 'gan', steps, learningRate, batch = 32, shuffledPerReal = SHUFFLED_PER_REAL, evalSize = 512, seed = 0 } = options;
  // The trainer's default: none for the GAN, [H17]'s λ = 10 for the WGAN-GPs.
  const penaltyWeight = options.penaltyWeight ?? valueAt(defaultSettings(criterion).penaltyWeight, 0);
  const evalEvery = options.evalEvery ?? Math.max(1, Math.ceil(steps / 20));
  for (const [name, value, least] of [['steps', steps, 1], ['batch', batch, 2], ['shuffledPerReal', shuffledPerReal, 1], ['evalEvery', evalEvery, 1], ['evalSize', evalSize, 1]] as const) {
    if (!Number.isInteger(value) || value < least) throw new Error(`critic probe: ${name} must be an integer ≥ ${least} (got ${value})`);
  }
  if (!(penaltyWeight >= 0)) throw new Error(`critic probe: penaltyWeight must be a number ≥ 0 (got ${penaltyWeight})`);
  if (!(PROBE_CRITERIA as readonly string[]).includes(criterion)) throw new Error(`critic probe: criterion must be one of ${PROBE_CRITERIA.join(', ')} (got '${criterion}')`);
  const start = performance.now();
  const rng = new Rng(`critic-probe/${seed}`);
  const split = splitCombinations(0);
  const shape = input === 'pixels' ? [DIGITS_PER_EXAMPLE, 28, 28] : [DIGITS_PER_EXAMPLE * 10];
  const tensor = (values: Float32Array, count: number) => tf.tensor(values, [count, ...shape]);
  const network = input === 'pixels'
    ? hyperplaneCritic(rng.fork('critic'))
    : new Sequential([
      new Dense(DIGITS_PER_EXAMPLE * 10, 128, rng.fork('mlp')), leakyRelu(0.2),
      new Dense(128, 128, rng.fork('mlp2')), leakyRelu(0.2),
      new Dense(128, 1, rng.fork('mlp3')),
    ]);
  const variables = network.variables;
  const adam = new Adam(variables, { learningRate, beta1: 0.5, beta2: 0.9 });
  const trainExamples = examplesSource(input, false);
  const evalRng = rng.fork('eval');
  const evalReal = tensor(examplesSource(input, true)(split.heldOut, evalSize, evalRng), evalSize);
  const evalShuffled = shuffleSlots(evalReal, evalSize, evalRng);

  const heldOut = () => {
    const [real, shuffled] = [evalReal, evalShuffled].map((x) => tf.tidy(() => network.apply(x, false).dataSync())) as [Float32Array, Float32Array];
    let correct = 0;
    for (let i = 0; i < evalSize; i++) correct += (real[i]! > 0 ? 1 : 0) + (shuffled[i]! < 0 ? 1 : 0);
    return { heldOutAccuracy: criterion === 'gan' ? correct / (2 * evalSize) : null, heldOutAuc: rankProbability(real, shuffled) };
  };

  const curve: CriticProbeResult['curve'] = [];
  const score = (real: tf.Tensor, count: number) => input === 'pixels'
    ? scoreRealAndShuffled(network, real, count, rng, true)
    : { real: network.apply(real, true), negatives: network.apply(shuffleSlots(real, count, rng), true) };
  for (let step = 1; step <= steps; step++) {
    const real = tensor(trainExamples(split.train, batch, rng), batch);
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
      const scores = score(real, shuffledPerReal * batch);
      const critic = (x: tf.Tensor) => network.apply(x, true);
      const loss = criterion === 'gan' ? ganDiscriminatorLoss(scores.real, scores.negatives) : wassersteinCriticLoss(scores.real, scores.negatives);
      if (penaltyWeight === 0) return loss;
      const penalty = criterion === 'gan'
        ? r1Penalty(critic, real)
        : gradientPenalty(critic, real, shuffleSlots(real, batch, rng), { oneSided: criterion === 'wgan-gp-one-sided', seed: rng.int(2 ** 31) });
      return tf.add(loss, tf.mul(penalty, penaltyWeight)) as tf.Scalar;
    }), variables);
    adam.step(variables.map((v) => grads[v.name]!));
    const loss = value.dataSync()[0]!;
    tf.dispose([real, value, ...Object.values(grads)]);
    if (step % evalEvery === 0 || step === steps) curve.push({ step, loss, ...heldOut() });
    const last = curve[curve.length - 1];
    options.onProgress?.(step / steps, `step ${step} loss ${loss.toFixed(3)}${last ? ` held-out AUC ${last.heldOutAuc.toFixed(3)} (step ${last.step})` : ''}`);
  }
  tf.dispose([evalReal, evalShuffled]);
  adam.dispose();
  network.dispose();
  return { input, criterion, learningRate, batch, shuffledPerReal, penaltyWeight, ceiling: (2 - sumBaselines().marginal) / 2, curve, seconds: (performance.now() - start) / 1000 };
}
