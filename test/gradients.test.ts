/**
 * Second-order autodiff, checked against float64 closed forms: d/dw (∂ₓ f(w·x))² for each
 * activation, and softmax against its definition from exp and sum.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../src/engine/index.js';
import { assertBackendsAgree } from './helpers/engine.js';

before(async () => {
  await initEngine('wasm');
});

const sigmoid = (u: number) => 1 / (1 + Math.exp(-u));
/** name, tfjs op, and the float64 derivative f′(u). */
const activations: Array<[string, (t: tf.Tensor) => tf.Tensor, (u: number) => number]> = [
  ['tanh', (t) => tf.tanh(t), (u) => 1 - Math.tanh(u) ** 2],
  ['sigmoid', (t) => tf.sigmoid(t), (u) => sigmoid(u) * (1 - sigmoid(u))],
  ['exp', (t) => tf.exp(t), (u) => Math.exp(u)],
  ['elu', (t) => tf.elu(t), (u) => (u > 0 ? 1 : Math.exp(u))],
  ['softplus', (t) => tf.softplus(t), (u) => sigmoid(u)],
  ['leakyRelu', (t) => tf.leakyRelu(t, 0.2), (u) => (u > 0 ? 1 : 0.2)],
];

for (const [name, f, fPrime] of activations) {
  for (const [w0, x0] of [[1.3, 0.7], [-0.8, 0.9]] as const) {
    test(`d/dw (∂ₓ ${name}(w·x))² at w=${w0}, x=${x0} matches the float64 value`, () => {
      const penalty = (w: number) => (w * fPrime(w * x0)) ** 2;
      const h = 1e-6;
      const expected = (penalty(w0 + h) - penalty(w0 - h)) / (2 * h);
      const x = tf.scalar(x0);
      const actual = tf.grad((w: tf.Tensor) => tf.square(tf.grad((xx: tf.Tensor) => f(tf.mul(w, xx)))(x)))(tf.scalar(w0));
      const value = actual.dataSync()[0]!;
      assert.ok(Math.abs(value - expected) <= 1e-4 * Math.max(1, Math.abs(expected)), `${name}: ${value} vs ${expected}`);
    });
  }
}

test('second order through softmax and logSoftmax equals the same built from exp and sum', () => {
  const x = tf.tensor2d([[0.3, -1.2, 2.0, 0.5], [1.0, 0.0, -0.5, 0.25]]);
  const c = tf.tensor2d([[1, -2, 0.5, 3], [0.2, 1, -1, 2]]);
  const viaDefinition = (z: tf.Tensor) => tf.div(tf.exp(z), tf.sum(tf.exp(z), -1, true));
  for (const [name, op, reference] of [
    ['softmax', (z: tf.Tensor) => tf.softmax(z), viaDefinition],
    ['logSoftmax', (z: tf.Tensor) => tf.logSoftmax(z), (z: tf.Tensor) => tf.log(viaDefinition(z))],
  ] as const) {
    const secondOrder = (g: (z: tf.Tensor) => tf.Tensor) => tf.grad((w: tf.Tensor) =>
      tf.sum(tf.square(tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(g(tf.mul(w, xx)), c)))(x))))(tf.scalar(0.8));
    const a = secondOrder(op).dataSync()[0]!;
    const b = secondOrder(reference).dataSync()[0]!;
    assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)), `${name}: ${a} vs ${b}`);
  }
});

test('second-order gradients through saved-output ops agree between wasm and cpu', () => {
  assertBackendsAgree(() => {
    const x = tf.tensor2d([[0.3, -1.2, 2.0], [1.0, 0.1, -0.5]]);
    return tf.grad((w: tf.Tensor) => tf.sum(tf.square(tf.grad((xx: tf.Tensor) => {
      const h = tf.add(tf.tanh(tf.mul(w, xx)), tf.sigmoid(xx));
      return tf.sum(tf.add(tf.logSoftmax(tf.elu(h)), tf.exp(tf.mul(h, 0.1))));
    })(x))))(tf.scalar(0.7));
  }, 'mixed second order', 1e-4, 1e-5);
});

test('Sum and Mean send dy to every reduced element (first and second order, any axes)', () => {
  // x is [2, 3, 4]; element (a, b, k) holds a − b/2 + k/5, so no two are equal.
  const shape = [2, 3, 4];
  const values = Array.from({ length: 24 }, (_, i) => Math.floor(i / 12) - (Math.floor(i / 4) % 3) / 2 + (i % 4) / 5);
  const x = tf.tensor3d(values, shape as [number, number, number]);
  for (const axes of [[1], [0, 2], [-1], [0, 1, 2]]) {
    const reduced = axes.map((a) => (a + 3) % 3);
    const count = reduced.reduce((n, a) => n * shape[a]!, 1);
    const keptSize = 24 / count;
    // c weighs each entry of the reduced tensor differently: c_j = j + 1.
    const c = tf.tensor(Array.from({ length: keptSize }, (_, j) => j + 1), shape.filter((_, a) => !reduced.includes(a)));
    // The row-major index of element i's entry in the reduced tensor.
    const keptIndex = (i: number) => [Math.floor(i / 12), Math.floor(i / 4) % 3, i % 4]
      .reduce((flat, v, a) => (reduced.includes(a) ? flat : flat * shape[a]! + v), 0);
    for (const mean of [false, true]) {
      const reduce = (t: tf.Tensor) => (mean ? tf.mean(t, axes) : tf.sum(t, axes));
      const scale = mean ? 1 / count : 1;
      // First order: ∂/∂x_i Σ_j c_j·reduce(x)_j = c_{j(i)}·scale.
      const first = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(reduce(xx), c)))(x).dataSync();
      values.forEach((_, i) => assert.ok(Math.abs(first[i]! - (keptIndex(i) + 1) * scale) < 1e-6, `axes ${axes}, mean ${mean}, element ${i}`));
      // Second order: P(w) = Σ_i (∂/∂x_i Σ_j c_j·reduce(w·x²)_j)² = w²·Σ_i (2·x_i·c_{j(i)}·scale)², so P′(w) = 2w·Σ_i (…)².
      const w0 = 0.7;
      const secondOrder = tf.grad((w: tf.Tensor) => tf.sum(tf.square(tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(reduce(tf.mul(w, tf.square(xx))), c)))(x))))(tf.scalar(w0));
      const expected = 2 * w0 * values.reduce((s, v, i) => s + (2 * v * (keptIndex(i) + 1) * scale) ** 2, 0);
      const actual = secondOrder.dataSync()[0]!;
      assert.ok(Math.abs(actual - expected) <= 1e-4 * Math.abs(expected), `axes ${axes}, mean ${mean}: ${actual} vs ${expected}`);
    }
  }
});
