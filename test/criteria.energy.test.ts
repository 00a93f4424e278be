import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../src/engine/index.js';
import { energyDistance } from '../src/criteria/index.js';
import { assertAllClose, assertClose, assertTierAgreesWithCpu, centralDifferences, maxAbs, type Points, randomPoints, takeAll } from './helpers/numeric.js';

before(async () => {
  await initEngine();
  tf.setBackend('cpu');
});

function energy(x: Points, y: Points): number {
  return tf.tidy(() => energyDistance(tf.tensor2d(x), tf.tensor2d(y)).dataSync()[0]!);
}

/** 2∫(F_x(t) − F_y(t))² dt for the empirical CDFs of two 1-D samples. */
function cdfEnergy(x: number[], y: number[]): number {
  const events = [...x.map((t) => [t, 1 / x.length, 0]), ...y.map((t) => [t, 0, 1 / y.length])].sort((a, b) => a[0]! - b[0]!);
  let [fx, fy, integral] = [0, 0, 0];
  for (let i = 0; i < events.length - 1; i++) {
    fx += events[i]![1]!;
    fy += events[i]![2]!;
    integral += (fx - fy) ** 2 * (events[i + 1]![0]! - events[i]![0]!);
  }
  return 2 * integral;
}

const distance = (u: number[], v: number[]): number => Math.hypot(...u.map((ui, k) => ui - v[k]!));

test('hand-computed: x = {0, 1}, y = {3} in 1-D gives 2·2.5 − ½ − 0 = 4.5', () => {
  // E|X − Y| = (3 + 2)/2, E|X − X'| = (0 + 1 + 1 + 0)/4, E|Y − Y'| = 0.
  assertClose(energy([[0], [1]], [[3]]), 4.5);
});

test('1-D: equals 2∫(F_x − F_y)² dt of the empirical CDFs', () => {
  const x = randomPoints(1, 9, 1).map((p) => p[0]!);
  const y = randomPoints(2, 6, 1, 0.7, 1.5).map((p) => p[0]!);
  assertClose(energy(x.map((t) => [t]), y.map((t) => [t])), cdfEnergy(x, y), { rtol: 1e-5 });
});

test('3-D: the V-statistic over all pairs, matching the float64 definition', () => {
  const x = randomPoints(3, 7, 3);
  const y = randomPoints(4, 5, 3, 0.5, 2);
  const meanDistance = (a: Points, b: Points): number => a.reduce((s, u) => s + b.reduce((t, v) => t + distance(u, v), 0), 0) / (a.length * b.length);
  const expected = 2 * meanDistance(x, y) - meanDistance(x, x) - meanDistance(y, y);
  assertClose(energy(x, y), expected, { rtol: 1e-5 });
});

test('symmetric, translation invariant, scales with |c|, positive for different sets, ≈ 0 for a set with itself', () => {
  const x = randomPoints(5, 8, 2);
  const y = randomPoints(6, 6, 2, 1);
  const e = energy(x, y);
  assert.ok(e > 0.1);
  assertClose(energy(y, x), e, { rtol: 1e-6 }, 'symmetry');
  const shift = (z: Points): Points => z.map(([a, b]) => [a! + 40, b! - 90]);
  assertClose(energy(shift(x), shift(y)), e, { rtol: 1e-5 }, 'translation');
  const scale = (z: Points): Points => z.map((u) => u.map((v) => -3 * v));
  assertClose(energy(scale(x), scale(y)), 3 * e, { rtol: 1e-5 }, 'scaling by −3');
  // Coincident cross pairs count the Gram identity's rounding residue, not exactly 0.
  assertClose(energy(x, x), 0, { atol: 1e-4 }, 'E(x, x)');
});

test('gradients in x and y match central finite differences', () => {
  const x = randomPoints(7, 5, 2);
  const y = randomPoints(8, 4, 2, 0.5);
  const [gx, gy] = tf.grads((a: tf.Tensor, b: tf.Tensor) => energyDistance(a as tf.Tensor2D, b as tf.Tensor2D))([tf.tensor2d(x), tf.tensor2d(y)]);
  const toPoints = (v: number[]): Points => Array.from({ length: v.length / 2 }, (_, i) => v.slice(2 * i, 2 * i + 2));
  const nx = centralDifferences((v) => energy(toPoints(v), y), x.flat(), 1e-3);
  const ny = centralDifferences((v) => energy(x, toPoints(v)), y.flat(), 1e-3);
  assertAllClose(takeAll(gx!), nx, { rtol: 1e-2, atol: 0, scale: maxAbs(nx) }, '∂/∂x');
  assertAllClose(takeAll(gy!), ny, { rtol: 1e-2, atol: 0, scale: maxAbs(ny) }, '∂/∂y');
});

test('coincident points (self-pairs, a point shared by x and y) give finite gradients, not NaN', () => {
  const x = randomPoints(9, 4, 3);
  const y = [x[0]!, ...randomPoints(10, 3, 3)];
  for (const [a, b] of [[x, x], [x, y]] as const) {
    const [gx, gy] = tf.grads((u: tf.Tensor, v: tf.Tensor) => energyDistance(u as tf.Tensor2D, v as tf.Tensor2D))([tf.tensor2d(a), tf.tensor2d(b)]);
    assert.ok([...takeAll(gx!), ...takeAll(gy!)].every(Number.isFinite));
  }
});

test('wasm agrees with cpu', async () => {
  const x = randomPoints(11, 32, 8);
  const y = randomPoints(12, 20, 8, 0.3);
  const evaluate = (): number[] => {
    const grad = tf.grad((a: tf.Tensor) => energyDistance(a as tf.Tensor2D, tf.tensor2d(y)))(tf.tensor2d(x));
    return [energy(x, y), ...takeAll(grad)];
  };
  assertTierAgreesWithCpu(evaluate, { rtol: 1e-4, atol: 1e-6 });
});
