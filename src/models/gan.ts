/**
 * The reference GAN networks of the benchmark, for 28×28×1 images in [−1, 1]. bench/torch_reference.py
 * builds the same networks in PyTorch, layer for layer.
 */
import type { Rng } from '../engine/random.js';
import {
  BatchNorm, Conv2d, ConvTranspose2d, Dense, flatten, leakyRelu, relu, reshape, Sequential, tanh,
} from './layers.js';

export const IMAGE_SHAPE = [28, 28, 1] as const;
export const IMAGE_SIZE = 28 * 28;

/** z(latent) → 256 → 512 → 784, leaky ReLU(0.2), tanh output (flat images). */
export function mlpGenerator(rng: Rng, latent = 100): Sequential {
  return new Sequential([
    new Dense(latent, 256, rng), leakyRelu(0.2),
    new Dense(256, 512, rng), leakyRelu(0.2),
    new Dense(512, IMAGE_SIZE, rng), tanh(),
  ]);
}

/** 784 → 512 → 256 → 1 logit, leaky ReLU(0.2). */
export function mlpDiscriminator(rng: Rng): Sequential {
  return new Sequential([
    new Dense(IMAGE_SIZE, 512, rng), leakyRelu(0.2),
    new Dense(512, 256, rng), leakyRelu(0.2),
    new Dense(256, 1, rng),
  ]);
}

/**
 * z(latent) → dense 7·7·128 → BN → ReLU → deconv 64 (k4, s2) → BN → ReLU → deconv 1 (k4, s2) → tanh,
 * giving 28×28×1 images.
 */
export function dcganGenerator(rng: Rng, latent = 100): Sequential {
  return new Sequential([
    new Dense(latent, 7 * 7 * 128, rng), reshape([7, 7, 128]), new BatchNorm(128), relu(),
    new ConvTranspose2d(128, 64, 4, 2, rng), new BatchNorm(64), relu(),
    new ConvTranspose2d(64, 1, 4, 2, rng), tanh(),
  ]);
}

/** conv 64 (k4, s2) → leaky ReLU → conv 128 (k4, s2) → leaky ReLU → dense 1 logit. No batch norm, so it
 * also serves as a WGAN-GP critic (the penalty is per-sample). */
export function dcganDiscriminator(rng: Rng): Sequential {
  return new Sequential([
    new Conv2d(1, 64, 4, 2, rng), leakyRelu(0.2),
    new Conv2d(64, 128, 4, 2, rng), leakyRelu(0.2),
    flatten(), new Dense(7 * 7 * 128, 1, rng),
  ]);
}
