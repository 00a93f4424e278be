/**
 * One adversarial training step: a discriminator (critic) update, then a generator update.
 * The criterion decides the two losses; the loop is the same for all of them.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../engine/random.js';
import {
  ganDiscriminatorLoss, maximumLikelihoodGeneratorLoss, minimaxGeneratorLoss, nonSaturatingGeneratorLoss,
} from '../criteria/gan.js';
import { gradientPenalty, wassersteinCriticLoss, wassersteinGeneratorLoss } from '../criteria/wasserstein.js';
import type { Sequential } from '../models/layers.js';
import { Adam, type AdamSettings } from './adam.js';

export const ADVERSARIAL_CRITERIA = ['gan', 'gan-minimax', 'gan-ml', 'wgan-gp', 'wgan-gp-one-sided'] as const;
export type AdversarialCriterion = (typeof ADVERSARIAL_CRITERIA)[number];

/** Defaults per family: DCGAN's Adam for GANs, [H17]'s for WGAN-GP (λ = 10). */
export function defaultAdam(criterion: AdversarialCriterion): AdamSettings {
  return criterion.startsWith('wgan-gp')
    ? { learningRate: 1e-4, beta1: 0.5, beta2: 0.9 }
    : { learningRate: 2e-4, beta1: 0.5, beta2: 0.999 };
}

export const GRADIENT_PENALTY_WEIGHT = 10;

export interface AdversarialModels {
  generator: Sequential;
  discriminator: Sequential;
  latent: number;
}

export interface StepLosses {
  discriminator: number;
  generator: number;
}

function generatorLoss(criterion: AdversarialCriterion, fakeScores: tf.Tensor): tf.Scalar {
  switch (criterion) {
    case 'gan': return nonSaturatingGeneratorLoss(fakeScores);
    case 'gan-minimax': return minimaxGeneratorLoss(fakeScores);
    case 'gan-ml': return maximumLikelihoodGeneratorLoss(fakeScores);
    case 'wgan-gp':
    case 'wgan-gp-one-sided': return wassersteinGeneratorLoss(fakeScores);
  }
}

/**
 * Builds the step function. Noise and penalty interpolates come from `rng`, so a run is
 * reproducible from its seed. Losses are returned as tensors so that callers decide when to
 * synchronize (reading them every step costs a round trip on asynchronous backends).
 */
export function adversarialStep(
  models: AdversarialModels,
  criterion: AdversarialCriterion,
  rng: Rng,
  adam: AdamSettings = defaultAdam(criterion),
): (real: tf.Tensor) => { discriminator: tf.Scalar; generator: tf.Scalar } {
  const { generator: G, discriminator: D, latent } = models;
  const dOptimizer = new Adam(D.variables, adam);
  const gOptimizer = new Adam(G.variables, adam);
  const noise = (batch: number) => tf.tensor2d(rng.normals(batch * latent), [batch, latent]);
  const wasserstein = criterion.startsWith('wgan-gp');

  function discriminatorLoss(real: tf.Tensor, fake: tf.Tensor): tf.Scalar {
    const realScores = D.apply(real, true);
    const fakeScores = D.apply(fake, true);
    if (!wasserstein) return ganDiscriminatorLoss(realScores, fakeScores);
    const penalty = gradientPenalty((x) => D.apply(x, true), real, fake, {
      oneSided: criterion === 'wgan-gp-one-sided',
      seed: rng.int(2 ** 31),
    });
    return tf.add(wassersteinCriticLoss(realScores, fakeScores), tf.mul(penalty, GRADIENT_PENALTY_WEIGHT));
  }

  return (real) => {
    const batch = real.shape[0]!;
    const dLoss = tf.tidy(() => {
      const fake = G.apply(noise(batch), true);
      const { value, grads } = tf.variableGrads(() => discriminatorLoss(real, fake), D.variables);
      dOptimizer.step(D.variables.map((v) => grads[v.name]!));
      return value;
    });
    const gLoss = tf.tidy(() => {
      const z = noise(batch);
      const { value, grads } = tf.variableGrads(() => generatorLoss(criterion, D.apply(G.apply(z, true), true)), G.variables);
      gOptimizer.step(G.variables.map((v) => grads[v.name]!));
      return value;
    });
    return { discriminator: dLoss, generator: gLoss };
  };
}
