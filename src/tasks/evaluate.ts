/**
 * Evaluating a trained run from its run directory: the final checkpoint's generator, sampled
 * with a fixed seed, scored by the task's metric.
 */
import { Rng, tf } from '../engine/index.js';
import { RunDirectory, RunDirectoryError } from '../train/run_dir.js';
import { parseRunConfig } from '../train/config.js';
import { buildRun, restoreCheckpoint } from '../train/trainer.js';
import { classifyDigits, loadDigitClassifier } from './classifier.js';
import { loadMnist } from '../data/mnist.js';
import type { Sequential } from '../models/layers.js';
import {
  drawExamples, indexByDigit, scoreHyperplane, shuffleSlots, splitCombinations, sumBaselines, type HyperplaneScores,
} from './hyperplane.js';

export interface HyperplaneEvaluation extends HyperplaneScores {
  run: string;
  step: number;
  criterion: string;
  baselines: { uniform: number; marginal: number };
  /**
   * Adversarial runs: the probability that the critic scores a held-out real example above one
   * with its slots shuffled (the product of marginals). 0.5: the critic ignores the sum, so the
   * generator gets no signal to coordinate its digits; null for criteria without a critic.
   */
  criticSumAuc: number | null;
}

/** P(a > b) for a drawn from `higher` and b from `lower`, ties counting one half (the ROC AUC). */
export function rankProbability(higher: ArrayLike<number>, lower: ArrayLike<number>): number {
  let wins = 0;
  for (let i = 0; i < higher.length; i++) {
    for (let j = 0; j < lower.length; j++) wins += higher[i]! > lower[j]! ? 1 : higher[i] === lower[j] ? 0.5 : 0;
  }
  return wins / (higher.length * lower.length);
}

/** The critic's rank probability of 500 held-out real examples over 500 slot-shuffled ones. */
function criticSumAuc(critic: Sequential, rng: Rng): number {
  const count = 500;
  const test = loadMnist('test');
  const real = tf.tensor4d(drawExamples(splitCombinations(0).heldOut, test, indexByDigit(test), count, rng).pixels, [count, 5, 28, 28]);
  const shuffled = shuffleSlots(real, count, rng);
  const [realScores, shuffledScores] = [real, shuffled].map((x) => tf.tidy(() => critic.apply(x, false).dataSync()));
  tf.dispose([real, shuffled]);
  return rankProbability(realScores!, shuffledScores!);
}

/** Generates `samples` examples from the run's newest good checkpoint and scores them. */
export function evaluateHyperplaneRun(runPath: string, samples = 10_000, seed = 0, notify: (m: string) => void = () => {}): HyperplaneEvaluation {
  const dir = new RunDirectory(runPath);
  if (!dir.hasRun()) throw new RunDirectoryError(`${dir.path} holds no run (no config.json)`);
  const config = parseRunConfig(dir.readConfig(), dir.configPath);
  if (config.task !== 'hyperplane') throw new RunDirectoryError(`${dir.path} trained task '${config.task}', not 'hyperplane'`);
  const good = dir.latestGoodCheckpoint(notify);
  if (!good) throw new RunDirectoryError(`${dir.path} has no usable checkpoint to evaluate`);
  const { objective, task } = buildRun(config);
  restoreCheckpoint(objective, good.checkpoint, good.path);
  const generator = objective.networks.generator;
  const { model: classifier } = loadDigitClassifier();
  const rng = new Rng(`eval/${seed}`);
  const labels = new Uint8Array(samples * 5);
  const chunk = 500;
  for (let start = 0; start < samples; start += chunk) {
    const n = Math.min(chunk, samples - start);
    const digits = tf.tidy(() => generator.apply(tf.tensor2d(rng.normals(n * task.latent), [n, task.latent]), false));
    labels.set(classifyDigits(classifier, digits.dataSync() as Float32Array, n * 5), start * 5);
    digits.dispose();
  }
  const { uniform, marginal } = sumBaselines();
  return {
    run: dir.path,
    step: good.step,
    criterion: config.criterion,
    ...scoreHyperplane(labels, splitCombinations(0)),
    baselines: { uniform, marginal },
    criticSumAuc: objective.networks.critic ? criticSumAuc(objective.networks.critic, rng.fork('critic')) : null,
  };
}
