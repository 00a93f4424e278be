/**
 * Training objectives: how one training iteration updates the networks, per criterion. The loop
 * around them (src/train/trainer.ts) is the same for all.
 *
 *   adversarial (gan, gan-minimax, gan-ml, wgan-gp, wgan-gp-one-sided):
 *       `criticSteps` critic updates on the criterion's critic loss plus its gradient penalty
 *       (WGAN-GP's; R1 for the GANs when `penaltyWeight` > 0; every `penaltyEvery`-th update only
 *       when lazy), then one generator update;
 *       with `negativeData` = α > 0 the critic's negatives are the mixture of generator samples
 *       (weight 1 − α) and the task's negative examples (weight α; see ScoreNegatives)
 *   nonparametric (mmd, sinkhorn): one generator update on the divergence between a data batch
 *       and a generated batch, in pixel space
 *   vae: one joint encoder/decoder update on −ELBO; the generator is the decoder
 *
 * All randomness (noise, penalty interpolates, reparameterization) comes from the `rng` given to
 * each step, so a run is a function of its seed and step count (and resumes exactly).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../engine/random.js';
import {
  ganDiscriminatorLoss, maximumLikelihoodGeneratorLoss, minimaxGeneratorLoss, nonSaturatingGeneratorLoss, r1Penalty,
} from '../criteria/gan.js';
import { gradientPenalty, wassersteinCriticLoss, wassersteinGeneratorLoss } from '../criteria/wasserstein.js';
import { mmd2 } from '../criteria/mmd.js';
import { sinkhornDivergence } from '../criteria/sinkhorn.js';
import { gaussianElbo } from '../criteria/elbo.js';
import type { Sequential } from '../models/layers.js';
import { Adam, type AdamSettings } from './adam.js';
import { valueAt, type Scheduled } from './schedule.js';

export const CRITERIA = ['gan', 'gan-minimax', 'gan-ml', 'wgan-gp', 'wgan-gp-one-sided', 'mmd', 'sinkhorn', 'vae'] as const;
export type CriterionName = (typeof CRITERIA)[number];

const ADVERSARIAL = ['gan', 'gan-minimax', 'gan-ml', 'wgan-gp', 'wgan-gp-one-sided'] as const;
type AdversarialCriterion = (typeof ADVERSARIAL)[number];
export const isAdversarial = (c: CriterionName): c is AdversarialCriterion => (ADVERSARIAL as readonly string[]).includes(c);
/** The networks a criterion trains (each task builds them so): criteria that train the same ones can share a checkpoint. */
export const networksTrainedBy = (c: CriterionName): string =>
  isAdversarial(c) ? 'generator and critic' : c === 'vae' ? 'generator and encoder' : 'generator';
/** The GAN criteria: their critic is a logistic classifier, whose logit at the optimum is log p_d − log p_g. */
export const LOGISTIC_CRITIC = ['gan', 'gan-minimax', 'gan-ml'] as const;
export const hasLogisticCritic = (c: CriterionName): boolean => (LOGISTIC_CRITIC as readonly string[]).includes(c);

export interface Networks {
  generator: Sequential;
  latent: number;
  /** The discriminator / critic (adversarial criteria). */
  critic?: Sequential;
  /** Maps data to [mean, log-variance] of q(z|x), 2·latent outputs (vae). */
  encoder?: Sequential;
  /** The generator's weight average (config `emaDecay`, src/train/generator_average.ts), if kept. */
  generatorAverage?: Sequential;
}

/** The generator that samples, scores and evaluation use: the weight average if the run keeps one. */
export const samplingGenerator = (networks: Networks): Sequential => networks.generatorAverage ?? networks.generator;

export interface ObjectiveSettings {
  /** The generator's Adam settings, and the critic's but for criticLearningRate. */
  adam: AdamSettings;
  /** The critic's learning rate if it has its own (two time-scale updates); else adam.learningRate. */
  criticLearningRate?: Scheduled;
  /** Critic updates per generator update (adversarial criteria). */
  criticSteps: number;
  /**
   * Weight of the critic's gradient penalty: WGAN-GP's λ (at interpolates, towards norm 1), or
   * for the GAN criteria the R1 penalty's (at real data, towards 0; 0 turns it off); scheduled
   * over the critic's updates. Why a schedule: R1 at real data keeps a GAN's generator from
   * collapsing early on, but it also flattens the critic where it must be sharp: on the visual
   * hyperplane, whether five real digits sum to 25 (docs/results.md).
   */
  penaltyWeight: Scheduled;
  /**
   * Lazy regularization (Karras et al. 2020, StyleGAN2 §3.1): the penalty enters every
   * `penaltyEvery`-th critic update only, with its weight multiplied by `penaltyEvery` so that its
   * average pull is unchanged; the updates in between skip its second-order pass. 1: every update.
   */
  penaltyEvery: number;
  /** Gaussian kernel bandwidths σ for mmd, in pixel-space distance units. */
  mmdBandwidths: number[];
  /** Sinkhorn blur (ε = blur²), pixel-space distance units. */
  sinkhornBlur: number;
  /** The VAE decoder's fixed standard deviation. */
  vaeSigma: number;
  /** Adversarial criteria: the weight α of the task's negative examples among the critic's negatives (0: none). */
  negativeData: number;
}

/**
 * Negative data augmentation (Sinha et al., ICLR 2021): examples built from a real batch that the
 * data distribution (almost) never holds, shown to the critic as fakes. The critic then compares
 * the data with the mixture (1 − α)·p_G + α·p_neg (α = negativeData), which teaches it what the
 * data is not before the generator gets there. The price: when p_neg overlaps the data, the
 * generator's best response is no longer exactly p_data (it under-weights the overlap).
 *
 * The task scores them: it returns the critic's scores of the real batch and of the negatives it
 * builds from it (as many as it likes; the hyperplane task reuses the real digits' features, so
 * its negatives are cheap and many).
 */
export type ScoreNegatives = (critic: Sequential, real: tf.Tensor, rng: Rng) => { real: tf.Tensor; negatives: tf.Tensor };

/** Per criterion: DCGAN's Adam (no penalty) for GANs; [H17]'s settings for WGAN-GP (λ = 10, 5 critic steps). */
export function defaultSettings(criterion: CriterionName): ObjectiveSettings {
  const wgan = criterion.startsWith('wgan-gp');
  return {
    adam: wgan ? { learningRate: 1e-4, beta1: 0.5, beta2: 0.9 } : { learningRate: 2e-4, beta1: 0.5, beta2: 0.999 },
    criticSteps: wgan ? 5 : 1,
    penaltyWeight: wgan ? 10 : 0,
    penaltyEvery: 1,
    mmdBandwidths: [2, 5, 10, 20, 40],
    sinkhornBlur: 1,
    vaeSigma: 0.3,
    negativeData: 0,
  };
}

export interface Objective {
  readonly criterion: CriterionName;
  readonly networks: Networks;
  /** One iteration; `nextBatch` yields a new data tensor per call, which the step disposes. Returns scalar metrics. */
  step(nextBatch: () => tf.Tensor, rng: Rng): Record<string, number>;
  /** The networks' state and the optimizers' moments: what a checkpoint must hold. */
  state(): Map<string, tf.Variable>;
  /** The optimizers' step counters, the rest of what a resume needs. */
  counters: Record<string, number>;
}

const flat = (x: tf.Tensor) => tf.reshape(x, [x.shape[0]!, -1]) as tf.Tensor2D;
/**
 * Averages tensors over data-parallel workers (src/train/replicas.ts); every worker gets the same
 * means back. A single process needs none.
 */
export type Reduce = (tensors: tf.Tensor[]) => tf.Tensor[];
const alone: Reduce = (tensors) => tensors;

function generatorLoss(criterion: AdversarialCriterion, fakeScores: tf.Tensor): tf.Scalar {
  switch (criterion) {
    case 'gan': return nonSaturatingGeneratorLoss(fakeScores);
    case 'gan-minimax': return minimaxGeneratorLoss(fakeScores);
    case 'gan-ml': return maximumLikelihoodGeneratorLoss(fakeScores);
    case 'wgan-gp':
    case 'wgan-gp-one-sided': return wassersteinGeneratorLoss(fakeScores);
  }
}

function needNetwork<T>(network: T | undefined, criterion: string, name: string): T {
  if (!network) throw new Error(`criterion '${criterion}' needs a ${name} network, and this task provides none`);
  return network;
}

/** Named variables under prefixes: 'generator/0.weight', 'generator.adam/0.m', … */
function collectState(networks: Record<string, Sequential>, optimizers: Record<string, Adam>): Map<string, tf.Variable> {
  const state = new Map<string, tf.Variable>();
  for (const [prefix, network] of Object.entries(networks)) {
    for (const [name, v] of network.state()) state.set(`${prefix}/${name}`, v);
  }
  for (const [prefix, adam] of Object.entries(optimizers)) {
    for (const [name, v] of adam.moments()) state.set(`${prefix}.adam/${name}`, v);
  }
  return state;
}

/** The optimizers' step counters as a live record (assigning to it restores them). */
function counters(optimizers: Record<string, Adam>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, adam] of Object.entries(optimizers)) {
    Object.defineProperty(out, name, { enumerable: true, get: () => adam.t, set: (t: number) => { adam.t = t; } });
  }
  return out;
}

export function makeObjective(
  criterion: CriterionName, networks: Networks, settings: ObjectiveSettings, negatives?: ScoreNegatives, reduce: Reduce = alone,
): Objective {
  /** One Adam step on `variables` down the (worker-mean) gradient of `loss`; returns the loss's (worker-mean) value. */
  const minimize = (adam: Adam, variables: tf.Variable[], loss: () => tf.Scalar): number => tf.tidy(() => {
    const { value, grads } = tf.variableGrads(loss, variables);
    const [meanValue, ...meanGrads] = reduce([value, ...variables.map((v) => grads[v.name]!)]);
    adam.step(meanGrads);
    return meanValue!.dataSync()[0]!;
  });
  const G = networks.generator;
  const noise = (batch: number, rng: Rng) => tf.tensor2d(rng.normals(batch * networks.latent), [batch, networks.latent]);
  const gAdam = new Adam(G.variables, settings.adam);
  if (settings.negativeData > 0) {
    if (!isAdversarial(criterion)) throw new Error(`negativeData applies to adversarial criteria (${ADVERSARIAL.join(', ')}), not '${criterion}'; remove it`);
    if (!negatives) throw new Error('negativeData needs negative examples, and this task defines none; remove it');
  }
  if (!Number.isInteger(settings.penaltyEvery) || settings.penaltyEvery < 1) throw new Error(`penaltyEvery must be a whole number ≥ 1 (got ${settings.penaltyEvery})`);
  if (settings.negativeData >= 1) throw new Error(`negativeData must be below 1 (got ${settings.negativeData}): the critic must still see the generator`);

  if (isAdversarial(criterion)) {
    const D = needNetwork(networks.critic, criterion, 'critic');
    const dAdam = new Adam(D.variables, { ...settings.adam, learningRate: settings.criticLearningRate ?? settings.adam.learningRate });
    const wasserstein = criterion.startsWith('wgan-gp');
    const lossOf = wasserstein ? wassersteinCriticLoss : ganDiscriminatorLoss;
    const criticLoss = (real: tf.Tensor, fake: tf.Tensor, rng: Rng): tf.Scalar => {
      const fakeScores = D.apply(fake, true);
      let loss: tf.Scalar;
      if (settings.negativeData > 0) {
        const scores = negatives!(D, real, rng);
        // Both losses are a real term plus a negatives term, so the loss against the mixture
        // (1 − α)·p_G + α·p_neg is that mixture of the two losses.
        const alpha = settings.negativeData;
        loss = tf.add(tf.mul(lossOf(scores.real, fakeScores), 1 - alpha), tf.mul(lossOf(scores.real, scores.negatives), alpha));
      } else {
        loss = lossOf(D.apply(real, true), fakeScores);
      }
      // dAdam.t counts the critic's updates so far, and a checkpoint restores it: resumes stay exact.
      const weight = valueAt(settings.penaltyWeight, dAdam.t);
      if (weight === 0 || dAdam.t % settings.penaltyEvery !== 0) return loss;
      const penalty = wasserstein
        ? gradientPenalty((x) => D.apply(x, true), real, fake, { oneSided: criterion === 'wgan-gp-one-sided', seed: rng.int(2 ** 31) })
        : r1Penalty((x) => D.apply(x, true), real);
      return tf.add(loss, tf.mul(penalty, weight * settings.penaltyEvery));
    };
    return {
      criterion,
      networks,
      step(nextBatch, rng) {
        let critic = 0;
        let batch = 0;
        for (let i = 0; i < settings.criticSteps; i++) {
          const real = nextBatch();
          batch = real.shape[0]!;
          // The generator's forward pass stays off the critic's gradient tape.
          critic = tf.tidy(() => {
            const fake = G.apply(noise(batch, rng), true);
            return minimize(dAdam, D.variables, () => criticLoss(real, fake, rng));
          });
          real.dispose();
        }
        const generator = tf.tidy(() => {
          const z = noise(batch, rng);
          return minimize(gAdam, G.variables, () => generatorLoss(criterion, D.apply(G.apply(z, true), true)));
        });
        return { critic_loss: critic, generator_loss: generator };
      },
      state: () => collectState({ generator: G, critic: D }, { generator: gAdam, critic: dAdam }),
      counters: counters({ generator: gAdam, critic: dAdam }),
    };
  }

  if (criterion === 'vae') {
    const E = needNetwork(networks.encoder, criterion, 'encoder');
    const variables = [...E.variables, ...G.variables];
    const adam = new Adam(variables, settings.adam);
    const latent = networks.latent;
    return {
      criterion,
      networks,
      step(nextBatch, rng) {
        const real = nextBatch();
        const batch = real.shape[0]!;
        const negativeElbo = tf.tidy(() => {
          const epsilon = noise(batch, rng);
          return minimize(adam, variables, () => {
            const code = E.apply(real, true);
            const mean = tf.slice(code, [0, 0], [batch, latent]) as tf.Tensor2D;
            const logVariance = tf.slice(code, [0, latent], [batch, latent]) as tf.Tensor2D;
            const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVariance, 0.5)), epsilon));
            const reconstruction = G.apply(z, true);
            return tf.neg(gaussianElbo({ x: real, reconstruction, mean, logVariance, sigma: settings.vaeSigma })) as tf.Scalar;
          });
        });
        real.dispose();
        return { negative_elbo: negativeElbo };
      },
      state: () => collectState({ encoder: E, generator: G }, { vae: adam }),
      counters: counters({ vae: adam }),
    };
  }

  // Nonparametric: the generator alone minimizes a divergence between batches.
  const divergence = (real: tf.Tensor2D, fake: tf.Tensor2D): tf.Scalar =>
    criterion === 'mmd'
      ? mmd2(real, fake, { bandwidths: settings.mmdBandwidths, estimator: 'unbiased' })
      : sinkhornDivergence(real, fake, { blur: settings.sinkhornBlur });
  return {
    criterion,
    networks,
    step(nextBatch, rng) {
      const real = nextBatch();
      const batch = real.shape[0]!;
      const value = tf.tidy(() => {
        const z = noise(batch, rng);
        return minimize(gAdam, G.variables, () => divergence(flat(real), flat(G.apply(z, true))));
      });
      real.dispose();
      return { [criterion === 'mmd' ? 'mmd2' : 'sinkhorn']: value };
    },
    state: () => collectState({ generator: G }, { generator: gAdam }),
    counters: counters({ generator: gAdam }),
  };
}
