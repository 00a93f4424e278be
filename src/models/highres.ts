/**
 * Networks for square single-channel images at any power-of-two resolution R ([H17] Thin-8:
 * 32², 128², 512²), with 16 latent variables. The WGAN-GP critic and the VAE encoder share one
 * architecture (only the output width differs) and the generator is the VAE's decoder, so the
 * criteria are compared on near-identical networks.
 *
 *   generator: z(16) → 4·4·c(4) → BN, ReLU → [deconv k4 s2 to c(2r), BN, ReLU] while 2r < R
 *              → deconv k4 s2 to 1 channel at R → tanh
 *   critic:    [conv k4 s2 to c(r/2), leaky ReLU 0.2] from R down to 4 → dense 1 (no batch norm:
 *              the gradient penalty is per example); encoder: the same with 2·16 outputs
 *
 * Channels c(r) = 1024 / r, clamped to 8…128, so every level costs about the same and the total
 * grows with log R rather than R² times a constant width. Measured on one Zen 5 core, batch 64, a
 * WGAN-GP generator step with its 5 critic steps takes 1.3 s at 32² and 3.8 s at 128²; twice
 * these widths were 4× slower.
 */
import type { Rng } from '../engine/random.js';
import { BatchNorm, Conv2d, ConvTranspose2d, Dense, flatten, type Layer, leakyRelu, relu, reshape, Sequential, tanh } from './layers.js';

export const HIGHRES_LATENT = 16;

/** Channels at resolution r. */
export const highresChannels = (r: number) => Math.min(128, Math.max(8, 1024 / r));

/** The resolutions 4, 8, …, R/2 the networks pass through. */
function levels(resolution: number): number[] {
  const out: number[] = [];
  for (let r = 4; r < resolution; r *= 2) out.push(r);
  return out;
}

export function highresGenerator(resolution: number, rng: Rng, latent = HIGHRES_LATENT): Sequential {
  const c = highresChannels;
  const layers: Layer[] = [new Dense(latent, 4 * 4 * c(4), rng), reshape([4, 4, c(4)]), new BatchNorm(c(4)), relu()];
  for (const r of levels(resolution)) {
    if (2 * r < resolution) layers.push(new ConvTranspose2d(c(r), c(2 * r), 4, 2, rng), new BatchNorm(c(2 * r)), relu());
    else layers.push(new ConvTranspose2d(c(r), 1, 4, 2, rng), tanh());
  }
  return new Sequential(layers);
}

function downsampler(resolution: number, rng: Rng, outputs: number): Sequential {
  const c = highresChannels;
  const layers: Layer[] = [];
  let channels = 1;
  for (const r of levels(resolution).reverse()) {
    layers.push(new Conv2d(channels, c(r), 4, 2, rng), leakyRelu(0.2));
    channels = c(r);
  }
  return new Sequential([...layers, flatten(), new Dense(4 * 4 * channels, outputs, rng)]);
}

export function highresCritic(resolution: number, rng: Rng): Sequential {
  return downsampler(resolution, rng, 1);
}

/** Outputs [mean, log-variance] of q(z|x). */
export function highresEncoder(resolution: number, rng: Rng, latent = HIGHRES_LATENT): Sequential {
  return downsampler(resolution, rng, 2 * latent);
}
