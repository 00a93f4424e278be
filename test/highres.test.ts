/**
 * The high-resolution digit task ([H17] Thin-8): the thin digits built from MNIST, the PNG-folder
 * loader, the networks at every resolution, and short trainings through the real command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { initEngine, Rng, tf } from '../src/engine/index.js';
import { DataError } from '../src/data/idx.js';
import { loadMnist } from '../src/data/mnist.js';
import { loadPngFolder, writePngFolder } from '../src/data/png_folder.js';
import { gaussianBlur, thinDigits } from '../src/data/thin_digits.js';
import { highresChannels, highresCritic, highresEncoder, highresGenerator, HIGHRES_LATENT } from '../src/models/highres.js';
import { highresTask } from '../src/tasks/highres.js';
import { ConfigError, parseRunConfig } from '../src/train/config.js';

await initEngine('auto');
const root = mkdtempSync(join(tmpdir(), 'discern-highres-'));
const main = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const discern = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });

/** Mean over blocks of `factor`² pixels: an image at a lower resolution. */
function downsample(pixels: Uint8Array, side: number, factor: number): Float64Array {
  const small = side / factor;
  const out = new Float64Array(small * small);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) out[Math.floor(y / factor) * small + Math.floor(x / factor)]! += pixels[y * side + x]! / factor ** 2;
  return out;
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]! / n; mb += b[i]! / n; }
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < n; i++) { ab += (a[i]! - ma) * (b[i]! - mb); aa += (a[i]! - ma) ** 2; bb += (b[i]! - mb) ** 2; }
  return ab / Math.sqrt(aa * bb);
}

test('gaussian blur keeps constants and mass, and spreads a point as the normalized Gaussian', () => {
  const side = 21;
  const constant = gaussianBlur(new Float32Array(side * side).fill(0.7), side, 1.5);
  for (const v of constant) assert.ok(Math.abs(v - 0.7) < 1e-6);
  const point = new Float32Array(side * side);
  point[10 * side + 10] = 1;
  const spread = gaussianBlur(point, side, 1.5);
  assert.ok(Math.abs(spread.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'mass kept away from the edges');
  // Separable: the 2-D kernel is the product of the 1-D ones, so the ratio one and two pixels out is exp(-(4-1)/(2σ²)).
  const ratio = spread[10 * side + 12]! / spread[10 * side + 11]!;
  assert.ok(Math.abs(ratio - Math.exp(-3 / (2 * 1.5 ** 2))) < 1e-5, `ratio ${ratio}`);
});

test('thin digits: deterministic in the seed, the same digits at every resolution, thinner strokes than MNIST', () => {
  const a = thinDigits({ resolution: 64, count: 6, seed: 3 });
  const b = thinDigits({ resolution: 64, count: 6, seed: 3 });
  const other = thinDigits({ resolution: 64, count: 6, seed: 4 });
  assert.deepEqual(a.pixels, b.pixels);
  assert.notDeepEqual(a.pixels, other.pixels);
  assert.deepEqual([a.count, a.height, a.width], [6, 64, 64]);

  // One seed draws the same MNIST digits and deformations at 16² and 64²: at a common resolution they match.
  const low = thinDigits({ resolution: 16, count: 6, seed: 3 });
  for (let n = 0; n < 6; n++) {
    const high16 = downsample(a.pixels.subarray(n * 64 * 64, (n + 1) * 64 * 64), 64, 4);
    const low16 = low.pixels.subarray(n * 256, (n + 1) * 256);
    const otherDigit = downsample(other.pixels.subarray(n * 64 * 64, (n + 1) * 64 * 64), 64, 4);
    const same = correlation(high16, low16);
    assert.ok(same > 0.8, `image ${n}: correlation across resolutions ${same}`);
    assert.ok(same > correlation(otherDigit, low16) + 0.2, `image ${n}: no closer to its own digit than to another`);
  }

  // Thinner: less ink per image than the MNIST 8s they come from (the share of the frame above half intensity).
  const train = loadMnist('train');
  let mnistInk = 0, eights = 0;
  for (let i = 0; i < 2000; i++) {
    if (train.labels[i] !== 8) continue;
    eights++;
    for (let p = 0; p < 784; p++) if (train.images[i * 784 + p]! > 0) mnistInk++;
  }
  const ink = (set: { pixels: Uint8Array }) => set.pixels.reduce((s, v) => s + (v > 127 ? 1 : 0), 0) / set.pixels.length;
  const set = thinDigits({ resolution: 128, count: 20 });
  assert.ok(ink(set) < 0.8 * (mnistInk / (eights * 784)), `ink ${ink(set)} vs MNIST ${mnistInk / (eights * 784)}`);
  assert.ok(ink(set) > 0.02, 'the digits have strokes at all');
  // Clean: most stroke pixels are fully on, few are in the anti-aliased edge.
  const edge = set.pixels.reduce((s, v) => s + (v > 25 && v < 230 ? 1 : 0), 0) / set.pixels.length;
  assert.ok(edge < 0.5 * ink(set), `edge share ${edge} vs ink ${ink(set)}`);
});

test('thin digits reject a resolution that is not a power of two, and a bad count or digit', () => {
  assert.throws(() => thinDigits({ resolution: 100, count: 1 }), /resolution 100 is not a power of two from 16 to 1024/);
  assert.throws(() => thinDigits({ resolution: 32, count: 0 }), /count 0 must be a positive integer/);
  assert.throws(() => thinDigits({ resolution: 32, count: 1, digit: 10 }), /digit 10 must be one of 0…9/);
});

test('PNG folders: gray round trip; colour becomes luminance, transparency black; clear errors', () => {
  const set = thinDigits({ resolution: 32, count: 3 });
  const dir = join(root, 'roundtrip');
  writePngFolder(set, dir, 'thin');
  const back = loadPngFolder(dir);
  assert.deepEqual(back.pixels, set.pixels);
  assert.deepEqual([back.count, back.height, back.width], [3, 32, 32]);

  const colour = join(root, 'colour');
  mkdirSync(colour);
  const rgba = new PNG({ width: 2, height: 1 });
  rgba.data = Buffer.from([200, 100, 50, 255, 255, 255, 255, 0]);
  writeFileSync(join(colour, 'a.png'), PNG.sync.write(rgba));
  const rgb = new PNG({ width: 2, height: 1 });
  rgb.data = Buffer.from([0, 255, 0, 255, 10, 10, 10, 255]);
  writeFileSync(join(colour, 'b.png'), PNG.sync.write(rgb, { colorType: 2 }));
  writeFileSync(join(colour, 'notes.txt'), 'not an image');
  const gray = loadPngFolder(colour);
  assert.deepEqual([...gray.pixels], [Math.round(0.299 * 200 + 0.587 * 100 + 0.114 * 50), 0, Math.round(0.587 * 255), 10]);

  assert.throws(() => loadPngFolder(join(root, 'nowhere')), /nowhere: no such folder; give a folder of \.png files/);
  mkdirSync(join(root, 'empty'));
  assert.throws(() => loadPngFolder(join(root, 'empty')), /empty: holds no \.png files/);
  const mixed = join(root, 'mixed');
  writePngFolder(set, mixed, 'a');
  writePngFolder(thinDigits({ resolution: 16, count: 1 }), mixed, 'b');
  assert.throws(() => loadPngFolder(mixed), (e: Error) => e instanceof DataError && /b-00000\.png: is 16×16 but a-00000\.png is 32×32; every image in the folder must have one size/.test(e.message));
  const broken = join(root, 'broken');
  writePngFolder(set, broken, 'a');
  writeFileSync(join(broken, 'z.png'), 'PNG? no');
  assert.throws(() => loadPngFolder(broken), /z\.png: not a readable PNG .*; remove or replace it/);
});

test('highres task: folders must hold square power-of-two images matching any resolution given', () => {
  const wide = join(root, 'wide');
  mkdirSync(wide);
  const png = new PNG({ width: 32, height: 16 });
  png.data = Buffer.alloc(32 * 16 * 4, 255);
  writeFileSync(join(wide, 'a.png'), PNG.sync.write(png));
  assert.throws(() => highresTask({ images: wide }), /images are 32×16; the networks need square images with a power-of-two side/);
  const square = join(root, 'square');
  writePngFolder(thinDigits({ resolution: 32, count: 2 }), square);
  assert.throws(() => highresTask({ images: square, resolution: 64 }), /images are 32×32 but resolution is 64/);
  const task = highresTask({ images: square });
  const batch = task.batch(5, new Rng(0));
  assert.deepEqual(batch.shape, [5, 32, 32, 1]);
  const values = batch.dataSync();
  assert.ok(values.every((v) => v >= -1 && v <= 1) && values.some((v) => v > 0.9), 'pixels scaled to [−1, 1]');
  batch.dispose();
});

test('networks at 32², 128² and 512²: shapes, and channels that keep each level’s cost even', () => {
  assert.deepEqual([4, 8, 16, 32, 64, 128, 256].map(highresChannels), [128, 128, 64, 32, 16, 8, 8]);
  for (const resolution of [32, 128, 512]) {
    const rng = new Rng(resolution);
    const generator = highresGenerator(resolution, rng.fork('g'));
    const critic = highresCritic(resolution, rng.fork('c'));
    const encoder = highresEncoder(resolution, rng.fork('e'));
    tf.tidy(() => {
      const images = generator.apply(tf.randomNormal([2, HIGHRES_LATENT]), true);
      assert.deepEqual(images.shape, [2, resolution, resolution, 1]);
      const values = images.dataSync();
      assert.ok(values.every((v) => v >= -1 && v <= 1), 'tanh output');
      assert.deepEqual(critic.apply(images, true).shape, [2, 1]);
      assert.deepEqual(encoder.apply(images, true).shape, [2, 2 * HIGHRES_LATENT]);
    });
    // The critic and the encoder differ only in the last layer's width.
    const weights = (s: typeof critic) => s.variables.map((v) => v.shape.join('×'));
    assert.deepEqual(weights(critic).slice(0, -2), weights(encoder).slice(0, -2));
  }
});

test('config: resolution and images belong to the highres task; resolution must be a power of two', () => {
  assert.equal(parseRunConfig({ task: 'highres', criterion: 'vae', steps: 1, resolution: 512 }, 'x').resolution, 512);
  assert.throws(() => parseRunConfig({ task: 'highres', criterion: 'vae', steps: 1, resolution: 100 }, 'run.yaml'),
    (e: Error) => e instanceof ConfigError && /run\.yaml: key 'resolution': 100: must be a power of two from 16 to 1024/.test(e.message));
  assert.throws(() => parseRunConfig({ task: 'mnist', criterion: 'gan', steps: 1, images: 'pngs' }, 'run.yaml'),
    /key 'images': "pngs": applies to task highres only, not mnist; remove it/);
});

test('discern train highres: WGAN-GP, VAE and MMD train at 32² with sample grids and one report without hyperplane columns; a PNG folder trains too', () => {
  for (const criterion of ['wgan-gp', 'vae', 'mmd']) {
    const out = join(root, `run-${criterion}`);
    const result = discern('train', 'highres', '--criterion', criterion, '--resolution', '32', '--steps', '3', '--batch', '4', '--out', out);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(readdirSync(join(out, 'samples')), ['step-0000003.png']);
    const grid = PNG.sync.read(readFileSync(join(out, 'samples', 'step-0000003.png')));
    assert.equal(grid.width, 8 * 34 + 2, 'eight 32-pixel samples a row');
  }
  const report = discern('report', ...['wgan-gp', 'vae', 'mmd'].map((c) => join(root, `run-${c}`)), '--out', join(root, 'report.html'));
  assert.equal(report.status, 0, report.stderr);
  const html = readFileSync(join(root, 'report.html'), 'utf8');
  assert.match(html, /<td>run-vae<\/td><td>highres<\/td><td>vae<\/td><td>3<\/td>/);
  assert.doesNotMatch(html, /P\(sum=25\)|independent uniform digits/, 'no visual-hyperplane columns for highres runs');
  const folder = join(root, 'pngs');
  const made = discern('data', 'highres', '--resolution', '16', '--count', '8', '--out', folder, '--json');
  assert.equal(made.status, 0, made.stderr);
  assert.equal(JSON.parse(made.stdout).count, 8);
  const fromFolder = discern('train', 'highres', '--criterion', 'wgan-gp', '--images', folder, '--steps', '2', '--batch', '4', '--out', join(root, 'run-folder'));
  assert.equal(fromFolder.status, 0, fromFolder.stderr);
  const mismatch = discern('train', 'highres', '--criterion', 'vae', '--images', folder, '--resolution', '32', '--steps', '2', '--out', join(root, 'run-bad'));
  assert.equal(mismatch.status, 1);
  assert.match(mismatch.stderr, /images are 16×16 but resolution is 32; drop resolution or resize the images/);
  assert.doesNotMatch(mismatch.stderr, /\n\s+at /);
});
