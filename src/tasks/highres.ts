/**
 * High-resolution single-class images ([H17] Thin-8): thin digits built from MNIST at
 * `resolution`² (src/data/thin_digits.ts), or any folder of same-size square PNGs. WGAN-GP, the
 * VAE and the nonparametric criteria train on the networks of src/models/highres.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DataError } from '../data/idx.js';
import { loadPngFolder, type GrayImages } from '../data/png_folder.js';
import { isResolution, thinDigitMaker } from '../data/thin_digits.js';
import { HIGHRES_LATENT, highresCritic, highresEncoder, highresGenerator } from '../models/highres.js';
import { isAdversarial } from '../train/objectives.js';
import type { Task } from './index.js';

/** [H17]'s Thin-8 holds 1,500 images. */
export const THIN_DIGIT_COUNT = 1500;
export const DEFAULT_RESOLUTION = 128;

export interface HighresOptions {
  resolution?: number;
  /** A folder of PNGs to train on instead of the built thin digits. */
  images?: string;
}

function checkedFolder(dir: string, resolution: number | undefined): GrayImages {
  const set = loadPngFolder(dir);
  if (set.height !== set.width || !isResolution(set.width)) {
    throw new DataError(`${set.source}: images are ${set.width}×${set.height}; the networks need square images with a power-of-two side from 16 to 1024 (resize them, e.g. to 128×128)`);
  }
  if (resolution !== undefined && resolution !== set.width) {
    throw new DataError(`${set.source}: images are ${set.width}×${set.width} but resolution is ${resolution}; drop resolution or resize the images`);
  }
  return set;
}

export function highresTask({ resolution, images }: HighresOptions): Task {
  const folder = images === undefined ? null : checkedFolder(images, resolution);
  const side = folder?.width ?? resolution ?? DEFAULT_RESOLUTION;
  const pixels = side * side;
  const count = folder?.count ?? THIN_DIGIT_COUNT;
  // Thin digits are built when a batch first draws them (at 512² the whole set takes about a minute).
  let make: ((n: number) => Uint8Array) | null = null;
  const built = new Map<number, Uint8Array>();
  const image = (n: number): Uint8Array => {
    if (folder) return folder.pixels.subarray(n * pixels, (n + 1) * pixels);
    let digit = built.get(n);
    if (!digit) {
      make ??= thinDigitMaker({ resolution: side });
      digit = make(n);
      built.set(n, digit);
    }
    return digit;
  };
  // Distances between images grow with the side; so do the pixel-space kernels' scales.
  const scale = side / 28;
  // The VAE's decoder σ = 1 rather than 0.3: at 0.3 the reconstruction term (thousands of pixels)
  // swamps the KL, the posteriors shrink (sd 0.05 at 32²) and prior samples fall between them as
  // fragments; σ = 1 gave coherent 8s at 32² and 128² in half the steps, with blurrier reconstructions.
  return {
    name: 'highres',
    latent: HIGHRES_LATENT,
    settings: { mmdBandwidths: [2, 5, 10, 20, 40].map((b) => b * scale), sinkhornBlur: scale, vaeSigma: 1 },
    samples: side > 128 ? { count: 16, columns: 4 } : { count: 64, columns: 8 },
    networks: (criterion, rng) => ({
      generator: highresGenerator(side, rng.fork('generator')),
      critic: isAdversarial(criterion) ? highresCritic(side, rng.fork('critic')) : undefined,
      encoder: criterion === 'vae' ? highresEncoder(side, rng.fork('encoder')) : undefined,
      latent: HIGHRES_LATENT,
    }),
    batch(size, rng) {
      const batch = new Float32Array(size * pixels);
      for (let n = 0; n < size; n++) {
        const drawn = image(rng.int(count));
        for (let p = 0; p < pixels; p++) batch[n * pixels + p] = drawn[p]! / 127.5 - 1;
      }
      return tf.tensor4d(batch, [size, side, side, 1]);
    },
    toImages: (x) => ({ pixels: x.dataSync() as Float32Array, count: x.shape[0]!, height: side, width: side }),
  };
}
