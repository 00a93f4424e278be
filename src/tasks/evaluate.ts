/**
 * Evaluating a trained run from its run directory: a checkpoint's generator (the newest), sampled
 * with a fixed seed (alone, or corrected by its critic), scored by the task's metric.
 */
import { Rng, tf } from '../engine/index.js';
import { RunDirectory, RunDirectoryError } from '../train/run_dir.js';
import { parseRunConfig } from '../train/config.js';
import { buildRun, restoreCheckpoint } from '../train/trainer.js';
import { scoreDigitClarity, scoreHyperplane, splitCombinations, sumBaselines, type DigitClarity, type HyperplaneScores } from './hyperplane.js';
import { criticSumAuc, generatorSamples, readGeneratedDigits } from './hyperplane_scoring.js';
import { RejectionSampler, type RejectionStatistics } from '../models/rejection_sampling.js';
import { hasLogisticCritic, LOGISTIC_CRITIC } from '../train/objectives.js';

export interface HyperplaneEvaluation extends HyperplaneScores {
  run: string;
  step: number;
  criterion: string;
  /** 'average': the generator's weight average (runs with emaDecay); 'trained': its weights as trained. */
  generator: 'average' | 'trained';
  baselines: { uniform: number; marginal: number };
  /**
   * Adversarial runs: the probability that the critic scores a held-out real example above one
   * with its slots shuffled (the product of marginals). 0.5: the critic ignores the sum, so the
   * generator gets no signal to coordinate its digits; null for criteria without a critic.
   */
  criticSumAuc: number | null;
  /** How clearly the classifier reads the digits, and P(sum = 25) among examples it reads clearly. */
  clarity: DigitClarity;
  /**
   * 'generator': the generator's samples; 'rejection': those its critic kept (EvaluationOptions
   * rejection), with the sampler's bound and counts in `rejection`.
   */
  sampler: 'generator' | 'rejection';
  rejection: (RejectionStatistics & { acceptance: number }) | null;
}

/** The file in a run directory that keeps the run's latest evaluation (the report reads it). */
export const EVALUATION_FILE = 'eval-hyperplane.json';

export interface EvaluationOptions {
  samples?: number;
  seed?: number;
  /** Hears about damaged checkpoints skipped. */
  notify?: (message: string) => void;
  /** Runs with emaDecay: score the generator's weights as trained, not their average. */
  trainedWeights?: boolean;
  /** The checkpoint of this step (one the run keeps) instead of the newest good one. */
  step?: number;
  /**
   * GAN runs: score the samples the critic keeps by rejection (src/models/rejection_sampling.ts), the
   * generator corrected by the critic's density ratio, instead of the generator's own; the value is
   * the sampler's temperature (1: the exact correction; below 1: past the data, towards the critic's favourites). With
   * negativeData α the critic's optimum is log p_d − log((1 − α)·p_g + α·p_neg), so the kept samples
   * follow p_d reweighted by p_g / ((1 − α)·p_g + α·p_neg): towards the generator's support.
   */
  rejection?: { temperature: number };
}

/**
 * Generates `samples` examples (default 10,000) from the run's newest good checkpoint, or `step`'s,
 * and scores them: with the generator's weight average if the run keeps one, unless `trainedWeights`.
 */
export function evaluateHyperplaneRun(
  runPath: string, { samples = 10_000, seed = 0, notify = () => {}, trainedWeights = false, step, rejection }: EvaluationOptions = {},
): HyperplaneEvaluation {
  const dir = new RunDirectory(runPath);
  if (!dir.hasRun()) throw new RunDirectoryError(`${dir.path} holds no run (no config.json)`);
  const config = parseRunConfig(dir.readConfig(), dir.configPath);
  if (config.task !== 'hyperplane') throw new RunDirectoryError(`${dir.path} trained task '${config.task}', not 'hyperplane'`);
  if (rejection && !hasLogisticCritic(config.criterion)) {
    throw new RunDirectoryError(
      `rejection sampling needs a critic whose logit estimates log p_data − log p_generator (criteria ${LOGISTIC_CRITIC.join(', ')}); ` +
      `${dir.path} trained '${config.criterion}'; evaluate it without --rejection`,
    );
  }
  const good = step === undefined ? dir.latestGoodCheckpoint(notify) : dir.checkpointAt(step);
  if (!good) throw new RunDirectoryError(`${dir.path} has no usable checkpoint to evaluate`);
  const { objective, task } = buildRun(config);
  restoreCheckpoint(objective, good.checkpoint, good.path);
  const rng = new Rng(`eval/${seed}`);
  const average = trainedWeights ? undefined : objective.networks.generatorAverage;
  const critic = objective.networks.critic;
  const propose = generatorSamples(average ?? objective.networks.generator, task.latent, rng);
  const sampler = rejection
    ? new RejectionSampler(propose, (x) => tf.tidy(() => critic!.apply(x, false).dataSync() as Float32Array), rng.fork('rejection'), rejection)
    : null;
  const { labels, confidences } = readGeneratedDigits(sampler ? (n) => sampler.draw(n) : propose, samples);
  sampler?.dispose();
  const { uniform, marginal } = sumBaselines();
  return {
    run: dir.path,
    step: good.step,
    criterion: config.criterion,
    generator: average ? 'average' : 'trained',
    ...scoreHyperplane(labels, splitCombinations(0)),
    baselines: { uniform, marginal },
    criticSumAuc: critic ? criticSumAuc(critic, rng.fork('critic')) : null,
    clarity: scoreDigitClarity(labels, confidences),
    sampler: sampler ? 'rejection' : 'generator',
    rejection: sampler ? { ...sampler.statistics, acceptance: sampler.statistics.kept / sampler.statistics.proposals } : null,
  };
}

/** Evaluates a hyperplane run (see evaluateHyperplaneRun) and keeps the scores in it, in EVALUATION_FILE. */
export function evaluateAndSave(runPath: string, options: EvaluationOptions = {}): HyperplaneEvaluation {
  const result = evaluateHyperplaneRun(runPath, options);
  new RunDirectory(runPath).writeJson(EVALUATION_FILE, result);
  return result;
}
