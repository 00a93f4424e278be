/**
 * The visual-hyperplane networks ([H17] §5), on examples shaped [N, 5, 28, 28] (five digits,
 * left to right, pixels in [−1, 1]). One generator serves every criterion.
 *
 *   generator: z(200) → 128 → 128 → 5·100 (each batch norm + ReLU), then every 100-d slot through
 *              the same deconvolution stack: 7·7·64 → deconv 32 (k4 s2) → deconv 1 (k4 s2) → tanh
 *   critic:    every digit through the same conv stack 32 (k4 s2), 32 (k3), 64 (k4 s2), 128 (k7
 *              valid) → 128 features; the 5 concatenated (640) → 128 → 128 → 1, leaky ReLU
 *   encoder (VAE): the critic's architecture with 2·latent outputs (mean, log-variance)
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../engine/random.js';
import {
  BatchNorm, Conv2d, ConvTranspose2d, Dense, Fn, flatten, leakyRelu, relu, reshape, Sequential, tanh,
} from './layers.js';

export const HYPERPLANE_LATENT = 200;
const SLOTS = 5;
const SLOT_FEATURES = 100;

/** [N, 5·k] → [5N, k]: the slots become a batch for the shared per-digit layers. */
const slotsToBatch = (features: number) =>
  new Fn('slotsToBatch', (x) => tf.reshape(x, [x.shape[0]! * SLOTS, features]));
/** [5N, 28, 28, 1] → [N, 5, 28, 28]. */
const digitsToExamples = () => new Fn('digitsToExamples', (x) => tf.reshape(x, [x.shape[0]! / SLOTS, SLOTS, 28, 28]));
/** [N, 5, 28, 28] → [5N, 28, 28, 1]. */
const examplesToDigits = () => new Fn('examplesToDigits', (x) => tf.reshape(x, [x.shape[0]! * SLOTS, 28, 28, 1]));
/** [5N, k] → [N, 5k]. */
const batchToSlots = (features: number) => new Fn('batchToSlots', (x) => tf.reshape(x, [x.shape[0]! / SLOTS, SLOTS * features]));

export function hyperplaneGenerator(rng: Rng, latent = HYPERPLANE_LATENT): Sequential {
  return new Sequential([
    new Dense(latent, 128, rng), new BatchNorm(128), relu(),
    new Dense(128, 128, rng), new BatchNorm(128), relu(),
    new Dense(128, SLOTS * SLOT_FEATURES, rng), new BatchNorm(SLOTS * SLOT_FEATURES), relu(),
    slotsToBatch(SLOT_FEATURES),
    new Dense(SLOT_FEATURES, 7 * 7 * 64, rng), reshape([7, 7, 64]), new BatchNorm(64), relu(),
    new ConvTranspose2d(64, 32, 4, 2, rng), new BatchNorm(32), relu(),
    new ConvTranspose2d(32, 1, 4, 2, rng), tanh(),
    digitsToExamples(),
  ]);
}

function digitFeaturesThenMlp(rng: Rng, outputs: number): Sequential {
  return new Sequential([
    examplesToDigits(),
    new Conv2d(1, 32, 4, 2, rng), leakyRelu(0.2),
    new Conv2d(32, 32, 3, 1, rng), leakyRelu(0.2),
    new Conv2d(32, 64, 4, 2, rng), leakyRelu(0.2),
    new Conv2d(64, 128, 7, 1, rng, 'valid'), leakyRelu(0.2),
    flatten(), batchToSlots(128),
    new Dense(SLOTS * 128, 128, rng), leakyRelu(0.2),
    new Dense(128, 128, rng), leakyRelu(0.2),
    new Dense(128, outputs, rng),
  ]);
}

/**
 * A critic (or encoder) of this file as its two stages: `digits` maps [N, 5, 28, 28] to each
 * digit's 128 features ([5N, 128], example by example, slot by slot); `head` maps those rows,
 * five at a time, to the outputs. The layers (and so the variables) are the network's own.
 */
export function splitAtDigitFeatures(network: Sequential): { digits: Sequential; head: Sequential } {
  const join = network.layers.findIndex((layer) => layer instanceof Fn && layer.name === 'batchToSlots');
  if (join < 0) throw new Error('splitAtDigitFeatures: not a per-digit network of src/models/hyperplane.ts (no batchToSlots layer)');
  return { digits: new Sequential(network.layers.slice(0, join)), head: new Sequential(network.layers.slice(join)) };
}

/** No batch norm: the WGAN-GP penalty is per example. */
export function hyperplaneCritic(rng: Rng): Sequential {
  return digitFeaturesThenMlp(rng, 1);
}

export function hyperplaneEncoder(rng: Rng, latent = HYPERPLANE_LATENT): Sequential {
  return digitFeaturesThenMlp(rng, 2 * latent);
}
