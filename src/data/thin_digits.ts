/**
 * High-resolution thin digits built from MNIST, standing in for [H17]'s Thin-8 set (1,500
 * handwritten 8s at 512², not distributed). Each image is one MNIST training digit of the class,
 *
 *   1. smoothed (Gaussian, σ = `smoothing` MNIST pixels) so that its stroke is a smooth ridge,
 *   2. warped by an elastic deformation (Simard et al. 2003): a displacement field of uniform
 *      noise, Gaussian-smoothed (σ = `elasticSigma`) and scaled by `elasticAlpha`, in MNIST pixels,
 *   3. resampled at resolution² by bicubic (Catmull–Rom) interpolation, and
 *   4. thinned: where the smoothed ink is within `threshold` of its local maximum (the stroke's
 *      ridge) becomes the stroke, with a linear edge `edge` wide, so strokes are thin and of even
 *      width however strong the original ink, and their edges clean at every resolution.
 *
 * Every step is in MNIST pixel units, so one seed gives the same digits at 32², 128² and 512²;
 * only the sampling density changes.
 */
import { Rng } from '../engine/random.js';
import { DataError } from './idx.js';
import { loadMnist } from './mnist.js';
import type { GrayImages } from './png_folder.js';

export interface ThinDigitOptions {
  /** Side of the square images in pixels (a power of two from 16 to 1024). */
  resolution: number;
  count: number;
  digit?: number;
  seed?: number | string;
  smoothing?: number;
  elasticAlpha?: number;
  elasticSigma?: number;
  threshold?: number;
  edge?: number;
}

const SIDE = 28;

/** Separable Gaussian blur of a side×side image (edges clamped); σ in pixels. */
export function gaussianBlur(image: Float32Array, side: number, sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const weights = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const total = weights.reduce((a, b) => a + b, 0);
  const clamp = (i: number) => Math.min(side - 1, Math.max(0, i));
  const pass = (from: Float32Array, horizontal: boolean) => {
    const to = new Float32Array(side * side);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        let sum = 0;
        for (let k = -radius; k <= radius; k++) {
          sum += weights[k + radius]! * (horizontal ? from[y * side + clamp(x + k)]! : from[clamp(y + k) * side + x]!);
        }
        to[y * side + x] = sum / total;
      }
    }
    return to;
  };
  return pass(pass(image, true), false);
}

/** Catmull–Rom weights for the four samples around a point at fraction t ∈ [0, 1). */
function cubicWeights(t: number, out: Float64Array): void {
  const t2 = t * t;
  const t3 = t2 * t;
  out[0] = 0.5 * (-t3 + 2 * t2 - t);
  out[1] = 0.5 * (3 * t3 - 5 * t2 + 2);
  out[2] = 0.5 * (-3 * t3 + 4 * t2 + t);
  out[3] = 0.5 * (t3 - t2);
}

/** Bicubic sample of a side×side image at (x, y) in pixel coordinates; outside reads as `outside`. */
function bicubic(image: Float32Array, side: number, x: number, y: number, wx: Float64Array, wy: Float64Array, outside: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  cubicWeights(x - x0, wx);
  cubicWeights(y - y0, wy);
  let sum = 0;
  for (let j = 0; j < 4; j++) {
    const row = y0 - 1 + j;
    let rowSum = 0;
    for (let i = 0; i < 4; i++) {
      const column = x0 - 1 + i;
      const v = row < 0 || row >= side || column < 0 || column >= side ? outside : image[row * side + column]!;
      rowSum += wx[i]! * v;
    }
    sum += wy[j]! * rowSum;
  }
  return sum;
}

/** Bilinear sample of a side×side field at (x, y), edges clamped. */
function bilinear(field: Float32Array, side: number, x: number, y: number): number {
  const cx = x < 0 ? 0 : x > side - 1 ? side - 1 : x;
  const cy = y < 0 ? 0 : y > side - 1 ? side - 1 : y;
  const x0 = cx >= side - 1 ? side - 2 : Math.floor(cx);
  const y0 = cy >= side - 1 ? side - 2 : Math.floor(cy);
  const fx = cx - x0;
  const fy = cy - y0;
  const i = y0 * side + x0;
  const top = field[i]! + fx * (field[i + 1]! - field[i]!);
  const bottom = field[i + side]! + fx * (field[i + side + 1]! - field[i + side]!);
  return top + fy * (bottom - top);
}

/** Grey dilation: the maximum over a (2r+1)² window, edges clamped. */
function localMaximum(image: Float32Array, side: number, radius: number): Float32Array {
  const out = new Float32Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      let m = 0;
      for (let j = Math.max(0, y - radius); j <= Math.min(side - 1, y + radius); j++) {
        for (let i = Math.max(0, x - radius); i <= Math.min(side - 1, x + radius); i++) m = Math.max(m, image[j * side + i]!);
      }
      out[y * side + x] = m;
    }
  }
  return out;
}

/** A smooth random displacement field on the MNIST grid, in MNIST pixels. */
function displacementField(rng: Rng, alpha: number, sigma: number): Float32Array {
  const noise = Float32Array.from({ length: SIDE * SIDE }, () => 2 * rng.uniform() - 1);
  return gaussianBlur(noise, SIDE, sigma).map((v) => alpha * v);
}

type Shape = Required<Omit<ThinDigitOptions, 'resolution' | 'count' | 'digit' | 'seed'>>;

/**
 * One thin digit at `resolution`² from a 28×28 MNIST image with values in [0, 1] (ink = 1).
 * Returns values in [0, 1]. The stroke is where the smoothed image is within `threshold` of its
 * local maximum (so along the ridge whatever the ink's strength), with a linear edge `edge` wide.
 */
export function thinDigit(mnist: Float32Array, resolution: number, rng: Rng, shape: Shape): Float32Array {
  const smooth = gaussianBlur(mnist, SIDE, shape.smoothing);
  const peak = smooth.reduce((a, b) => Math.max(a, b), 0);
  const ridge = gaussianBlur(localMaximum(smooth, SIDE, 1), SIDE, 0.7);
  const dx = displacementField(rng, shape.elasticAlpha, shape.elasticSigma);
  const dy = displacementField(rng, shape.elasticAlpha, shape.elasticSigma);
  const out = new Float32Array(resolution * resolution);
  const wx = new Float64Array(4);
  const wy = new Float64Array(4);
  const scale = SIDE / resolution;
  const ink = 0.2 * peak;
  for (let v = 0; v < resolution; v++) {
    for (let u = 0; u < resolution; u++) {
      // The output pixel's centre in MNIST pixel coordinates, then displaced.
      const x0 = (u + 0.5) * scale - 0.5;
      const y0 = (v + 0.5) * scale - 0.5;
      const x = x0 + bilinear(dx, SIDE, x0, y0);
      const y = y0 + bilinear(dy, SIDE, x0, y0);
      const s = bicubic(smooth, SIDE, x, y, wx, wy, 0);
      if (s <= ink) continue;
      const relative = s / Math.max(bilinear(ridge, SIDE, x, y), ink);
      out[v * resolution + u] = Math.min(1, Math.max(0, (relative - shape.threshold) / shape.edge)) * Math.min(1, (s - ink) / ink);
    }
  }
  return out;
}

export const THIN_DIGIT_DEFAULTS = { digit: 8, seed: 0, smoothing: 0.8, elasticAlpha: 20, elasticSigma: 4, threshold: 0.8, edge: 0.08 };

export function isResolution(n: number): boolean {
  return Number.isInteger(n) && n >= 16 && n <= 1024 && (n & (n - 1)) === 0;
}

/**
 * The thin digits of one class at `resolution`², as a function of the image's index: image n
 * draws its MNIST digit and its deformation from its own stream of the seed, so any image can be
 * built alone, in any order, and is the same at every resolution. 8-bit, 0 = background.
 */
export function thinDigitMaker(options: Omit<ThinDigitOptions, 'count'>): (n: number) => Uint8Array {
  const { resolution } = options;
  const settings = { ...THIN_DIGIT_DEFAULTS, ...options };
  if (!isResolution(resolution)) throw new DataError(`thin digits: resolution ${resolution} is not a power of two from 16 to 1024`);
  if (!Number.isInteger(settings.digit) || settings.digit < 0 || settings.digit > 9) {
    throw new DataError(`thin digits: digit ${settings.digit} must be one of 0…9`);
  }
  const train = loadMnist('train');
  const sources: number[] = [];
  for (let i = 0; i < train.count; i++) if (train.labels[i] === settings.digit) sources.push(i);
  const seed = new Rng(`thin-digits/${settings.seed}`);
  const mnist = new Float32Array(SIDE * SIDE);
  return (n) => {
    const rng = seed.fork(`image/${n}`);
    const source = sources[rng.int(sources.length)]!;
    for (let p = 0; p < SIDE * SIDE; p++) mnist[p] = (train.images[source * SIDE * SIDE + p]! + 1) / 2;
    return Uint8Array.from(thinDigit(mnist, resolution, rng, settings), (v) => Math.round(255 * v));
  };
}

export const thinDigitsSource = (digit: number, seed: number | string) => `thin ${digit}s from MNIST (seed ${seed})`;

/** `count` thin digits of one class at `resolution`² (see thinDigitMaker). */
export function thinDigits(options: ThinDigitOptions): GrayImages {
  const { resolution, count } = options;
  if (!Number.isInteger(count) || count < 1) throw new DataError(`thin digits: count ${count} must be a positive integer`);
  const make = thinDigitMaker(options);
  const pixels = new Uint8Array(count * resolution * resolution);
  for (let n = 0; n < count; n++) pixels.set(make(n), n * resolution * resolution);
  const { digit, seed } = { ...THIN_DIGIT_DEFAULTS, ...options };
  return { pixels, count, height: resolution, width: resolution, source: thinDigitsSource(digit, seed) };
}
