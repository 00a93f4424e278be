import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../src/engine/index.js';
import { medianBandwidth, mmd2, pairwiseSquaredDistances } from '../src/criteria/index.js';
import { assertAllClose, assertClose, assertTierAgreesWithCpu, centralDifferences, maxAbs, type Points, randomPoints, takeAll } from './helpers/numeric.js';

before(async () => {
  await initEngine();
  tf.setBackend('cpu');
});

const squaredDistance = (u: number[], v: number[]): number => u.reduce((s, ui, k) => s + (ui - v[k]!) ** 2, 0);

/** MMD² in float64, straight from the definition. */
function referenceMmd2(x: Points, y: Points, bandwidths: number[], unbiased: boolean): number {
  const k = (u: number[], v: number[]): number => bandwidths.reduce((s, b) => s + Math.exp(-squaredDistance(u, v) / (2 * b * b)), 0);
  const within = (z: Points): number => {
    let sum = 0;
    for (let i = 0; i < z.length; i++) for (let j = 0; j < z.length; j++) if (!unbiased || i !== j) sum += k(z[i]!, z[j]!);
    return sum / (unbiased ? z.length * (z.length - 1) : z.length ** 2);
  };
  let cross = 0;
  for (const u of x) for (const v of y) cross += k(u, v);
  return within(x) + within(y) - (2 * cross) / (x.length * y.length);
}

function mmdOf(x: Points, y: Points, bandwidths: number[], estimator: 'biased' | 'unbiased'): number {
  return tf.tidy(() => mmd2(tf.tensor2d(x), tf.tensor2d(y), { bandwidths, estimator }).dataSync()[0]!);
}

test('pairwise squared distances match the definition, also for data offset far from the origin', () => {
  for (const shift of [0, 1000]) {
    // Rounded to float32 first: at 1000 the inputs themselves carry ~3e-5 of rounding.
    const toFloat32 = (z: Points): Points => z.map((u) => u.map(Math.fround));
    const x = toFloat32(randomPoints(1, 5, 3, shift));
    const y = toFloat32(randomPoints(2, 4, 3, shift));
    const expected = x.flatMap((u) => y.map((v) => squaredDistance(u, v)));
    const actual = tf.tidy(() => pairwiseSquaredDistances(tf.tensor2d(x), tf.tensor2d(y)).dataSync());
    assertAllClose(actual, expected, { rtol: 1e-5, atol: 1e-5 }, `shift ${shift}`);
  }
});

test('hand-computed 1-D values, both estimators, one and two bandwidths', () => {
  // x = {0, 1}, y = {2, 4}, σ = 1: every term is an exp(−t²/2) of a distance t ∈ {1, 2, 3, 4}.
  const e = (t: number, s = 1): number => Math.exp(-(t * t) / (2 * s * s));
  const biased = (s: number): number => (2 + 2 * e(1, s)) / 4 + (2 + 2 * e(2, s)) / 4 - (2 * (e(2, s) + e(4, s) + e(1, s) + e(3, s))) / 4;
  const unbiased = (s: number): number => e(1, s) + e(2, s) - (e(2, s) + e(4, s) + e(1, s) + e(3, s)) / 2;
  const [x, y] = [[[0], [1]], [[2], [4]]];
  assertClose(mmdOf(x, y, [1], 'biased'), biased(1));
  assertClose(mmdOf(x, y, [1], 'unbiased'), unbiased(1));
  assertClose(mmdOf(x, y, [1, 2.5], 'biased'), biased(1) + biased(2.5), {}, 'a mixture of bandwidths sums the kernels');
  assertClose(mmdOf(x, y, [1, 2.5], 'unbiased'), unbiased(1) + unbiased(2.5));
});

test('random sets in 4-D match the float64 definition', () => {
  const x = randomPoints(3, 7, 4);
  const y = randomPoints(4, 5, 4, 0.5, 1.5);
  for (const estimator of ['biased', 'unbiased'] as const) {
    assertClose(mmdOf(x, y, [0.5, 2], estimator), referenceMmd2(x, y, [0.5, 2], estimator === 'unbiased'), { rtol: 1e-5, atol: 1e-6 }, estimator);
  }
});

test('biased MMD² of a set with itself is exactly 0', () => {
  const x = randomPoints(5, 9, 3);
  assert.equal(mmdOf(x, x, [0.3, 1, 3], 'biased'), 0);
});

test('symmetric in x and y, invariant when both are translated', () => {
  const x = randomPoints(6, 8, 2);
  const y = randomPoints(7, 6, 2, 1);
  const shift = (z: Points): Points => z.map(([a, b]) => [a! + 100, b! - 50]);
  for (const estimator of ['biased', 'unbiased'] as const) {
    const value = mmdOf(x, y, [1], estimator);
    assertClose(mmdOf(y, x, [1], estimator), value, { rtol: 1e-6, atol: 1e-7 }, `${estimator} symmetry`);
    assertClose(mmdOf(shift(x), shift(y), [1], estimator), value, { rtol: 1e-5, atol: 1e-6 }, `${estimator} translation`);
  }
});

test('equal distributions: the unbiased estimate averages to 0 across seeds, the biased one is positive', () => {
  const unbiased: number[] = [];
  const biased: number[] = [];
  for (let seed = 0; seed < 60; seed++) {
    const x = randomPoints(2 * seed + 100, 20, 2);
    const y = randomPoints(2 * seed + 101, 20, 2);
    unbiased.push(mmdOf(x, y, [1], 'unbiased'));
    biased.push(mmdOf(x, y, [1], 'biased'));
  }
  const stats = (v: number[]): [number, number] => {
    const m = v.reduce((s, a) => s + a, 0) / v.length;
    return [m, Math.sqrt(v.reduce((s, a) => s + (a - m) ** 2, 0) / (v.length - 1) / v.length)];
  };
  const [mu, seu] = stats(unbiased);
  const [mb, seb] = stats(biased);
  assert.ok(Math.abs(mu) < 4 * seu, `unbiased mean ${mu} ± ${seu}`);
  assert.ok(mb > 10 * seb, `biased mean ${mb} ± ${seb} > 0`);
  assert.ok(unbiased.some((v) => v < 0), 'the unbiased estimator takes negative values');
});

test('gradients in x and y match central finite differences (both estimators, two bandwidths)', () => {
  const x = randomPoints(8, 5, 2);
  const y = randomPoints(9, 4, 2, 0.7);
  for (const estimator of ['biased', 'unbiased'] as const) {
    const options = { bandwidths: [0.7, 2], estimator };
    const [gx, gy] = tf.grads((a: tf.Tensor, b: tf.Tensor) => mmd2(a as tf.Tensor2D, b as tf.Tensor2D, options))([tf.tensor2d(x), tf.tensor2d(y)]);
    const fx = (v: number[]): number => tf.tidy(() => mmd2(tf.tensor2d(v, [5, 2]), tf.tensor2d(y), options).dataSync()[0]!);
    const fy = (v: number[]): number => tf.tidy(() => mmd2(tf.tensor2d(x), tf.tensor2d(v, [4, 2]), options).dataSync()[0]!);
    const nx = centralDifferences(fx, x.flat(), 1e-2);
    const ny = centralDifferences(fy, y.flat(), 1e-2);
    assertAllClose(takeAll(gx!), nx, { rtol: 1e-2, atol: 0, scale: maxAbs(nx) }, `${estimator} ∂/∂x`);
    assertAllClose(takeAll(gy!), ny, { rtol: 1e-2, atol: 0, scale: maxAbs(ny) }, `${estimator} ∂/∂y`);
  }
});

test('median heuristic: the median of the pooled sample’s pairwise distances (not squared)', () => {
  const bandwidth = (x: Points, y: Points): number => tf.tidy(() => medianBandwidth(tf.tensor2d(x), tf.tensor2d(y)));
  // Pooled {0, 1, 3}: distances 1, 3, 2.
  assertClose(bandwidth([[0], [1]], [[3]]), 2);
  // Pooled {0, 1, 3, 7}: distances 1, 3, 7, 2, 6, 4; even count, mean of the middle two.
  assertClose(bandwidth([[0], [1]], [[3], [7]]), 3.5);
  // Pooled {(0,0), (3,4), (6,8)}: distances 5, 10, 5.
  assertClose(bandwidth([[0, 0]], [[3, 4], [6, 8]]), 5);
});

test('invalid bandwidths and too small samples for the unbiased estimator are rejected', () => {
  const x = tf.tensor2d([[0], [1]]);
  const one = tf.tensor2d([[2]]);
  assert.throws(() => mmd2(x, x, { bandwidths: [] }), /bandwidths/);
  assert.throws(() => mmd2(x, x, { bandwidths: [1, 0] }), /bandwidths/);
  assert.throws(() => mmd2(x, one, { bandwidths: [1], estimator: 'unbiased' }), /at least 2/);
  x.dispose();
  one.dispose();
});

test('wasm agrees with cpu', async () => {
  const x = randomPoints(10, 32, 8);
  const y = randomPoints(11, 24, 8, 0.3);
  const evaluate = (): number[] => {
    const values = ['biased', 'unbiased'].map((e) => mmdOf(x, y, [1, 4], e as 'biased' | 'unbiased'));
    const grad = tf.grad((a: tf.Tensor) => mmd2(a as tf.Tensor2D, tf.tensor2d(y), { bandwidths: [2] }))(tf.tensor2d(x));
    return [...values, tf.tidy(() => medianBandwidth(tf.tensor2d(x), tf.tensor2d(y))), ...takeAll(grad)];
  };
  assertTierAgreesWithCpu(evaluate, { rtol: 1e-4, atol: 1e-6 });
});
