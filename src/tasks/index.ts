/**
 * Training tasks: the data, the networks for each criterion, and how to show samples. The trainer
 * (src/train/trainer.ts) takes any of them.
 *
 *   mnist       28×28 digits, the benchmark's DCGAN networks (encoder: the critic with 2·latent outputs)
 *   hyperplane  five digits summing to 25 ([H17]), src/models/hyperplane.ts
 *   highres     one class of thin digits at 32²…512² ([H17] Thin-8) or a folder of PNGs, src/tasks/highres.ts
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../engine/random.js';
import { loadMnist, mnistBatch } from '../data/mnist.js';
import { dcganDiscriminator, dcganGenerator } from '../models/gan.js';
import { Conv2d, Dense, flatten, leakyRelu, Sequential } from '../models/layers.js';
import { hyperplaneCritic, hyperplaneEncoder, hyperplaneGenerator, HYPERPLANE_LATENT } from '../models/hyperplane.js';
import { isAdversarial, type CriterionName, type ScoreNegatives, type Networks, type ObjectiveSettings } from '../train/objectives.js';
import type { ImageBatch } from '../report/png.js';
import { highresTask, type HighresOptions } from './highres.js';
import {
  drawExamples, indexByDigit, scoreHyperplane, scoreRealAndShuffled, SHUFFLED_PER_REAL, splitCombinations,
} from './hyperplane.js';
import { criticSumAuc, generatorSamples, readGeneratedDigits } from './hyperplane_scoring.js';

export const TASKS = ['mnist', 'hyperplane', 'highres'] as const;
export type TaskName = (typeof TASKS)[number];

export interface Task {
  name: TaskName;
  latent: number;
  /** The task's defaults for criterion settings (a config's values override them). */
  settings?: Partial<ObjectiveSettings>;
  /** How many samples the periodic sample grid shows, in how many columns. */
  samples: { count: number; columns: number };
  networks(criterion: CriterionName, rng: Rng): Networks;
  /** A batch of training data drawn with `rng` (with replacement across steps). */
  batch(size: number, rng: Rng): tf.Tensor;
  /** Generator outputs as images for a sample grid (one image per example). */
  toImages(x: tf.Tensor): ImageBatch;
  /** The critic's scores of a real batch and of examples the data (almost) never holds made from it, for negative data augmentation. */
  negatives?: ScoreNegatives;
  /**
   * The task's own measure of the networks, taken during training every `evalEvery` steps and
   * logged with the losses. Must not change the networks (a resumed run stays exact).
   */
  score?(networks: Networks, rng: Rng): Record<string, number>;
}

/** The DCGAN critic's architecture with 2·latent outputs (mean, log-variance of q(z|x)). */
function mnistEncoder(rng: Rng, latent: number): Sequential {
  return new Sequential([
    new Conv2d(1, 64, 4, 2, rng), leakyRelu(0.2),
    new Conv2d(64, 128, 4, 2, rng), leakyRelu(0.2),
    flatten(), new Dense(7 * 7 * 128, 2 * latent, rng),
  ]);
}

function mnistTask(): Task {
  const latent = 100;
  return {
    name: 'mnist',
    latent,
    samples: { count: 64, columns: 8 },
    networks: (criterion, rng) => ({
      generator: dcganGenerator(rng.fork('generator'), latent),
      critic: isAdversarial(criterion) ? dcganDiscriminator(rng.fork('critic')) : undefined,
      encoder: criterion === 'vae' ? mnistEncoder(rng.fork('encoder'), latent) : undefined,
      latent,
    }),
    batch(size, rng) {
      const train = loadMnist('train');
      const indices = Array.from({ length: size }, () => rng.int(train.count));
      return tf.tensor4d(mnistBatch(train, indices), [size, 28, 28, 1]);
    },
    toImages: (x) => ({ pixels: x.dataSync() as Float32Array, count: x.shape[0]!, height: 28, width: 28 }),
  };
}

function hyperplaneTask(): Task {
  const split = splitCombinations(0);
  let byDigit: Int32Array[] | null = null;
  return {
    name: 'hyperplane',
    latent: HYPERPLANE_LATENT,
    samples: { count: 64, columns: 4 },
    networks: (criterion, rng) => ({
      generator: hyperplaneGenerator(rng.fork('generator')),
      critic: isAdversarial(criterion) ? hyperplaneCritic(rng.fork('critic')) : undefined,
      encoder: criterion === 'vae' ? hyperplaneEncoder(rng.fork('encoder')) : undefined,
      latent: HYPERPLANE_LATENT,
    }),
    batch(size, rng) {
      const train = loadMnist('train');
      byDigit ??= indexByDigit(train);
      const { pixels } = drawExamples(split.train, train, byDigit, size, rng);
      return tf.tensor4d(pixels, [size, 5, 28, 28]);
    },
    negatives: (critic, real, rng) => scoreRealAndShuffled(critic, real, SHUFFLED_PER_REAL * real.shape[0]!, rng, true),
    /**
     * P(sum = 25) and P(|sum − 25| ≤ 1) of 1,000 samples (standard error ≤ 1.6 points), and the
     * critic's AUC of 300 real over 300 shuffled examples: a cheap trace of when the constraint
     * is learned. `discern eval hyperplane` gives the full scores from 10,000 samples.
     */
    score(networks, rng) {
      const { labels } = readGeneratedDigits(generatorSamples(networks.generator, HYPERPLANE_LATENT, rng.fork('samples')), 1000);
      const { pSum25, pSumWithin1 } = scoreHyperplane(labels, split);
      const scores: Record<string, number> = { p_sum_25: pSum25, p_sum_within_1: pSumWithin1 };
      if (networks.critic) scores.critic_sum_auc = criticSumAuc(networks.critic, rng.fork('critic'), 300);
      return scores;
    },
    /** [N, 5, 28, 28] → N images of 28 × 140, the digits side by side. */
    toImages(x) {
      const n = x.shape[0]!;
      const values = x.dataSync();
      const pixels = new Float32Array(n * 28 * 140);
      for (let e = 0; e < n; e++) {
        for (let slot = 0; slot < 5; slot++) {
          for (let row = 0; row < 28; row++) {
            const from = ((e * 5 + slot) * 28 + row) * 28;
            pixels.set(values.subarray(from, from + 28), (e * 28 + row) * 140 + slot * 28);
          }
        }
      }
      return { pixels, count: n, height: 28, width: 140 };
    },
  };
}

/** `options` apply to the highres task only (the config schema rejects them elsewhere). */
export function getTask(name: TaskName, options: HighresOptions = {}): Task {
  switch (name) {
    case 'mnist': return mnistTask();
    case 'hyperplane': return hyperplaneTask();
    case 'highres': return highresTask(options);
  }
}
