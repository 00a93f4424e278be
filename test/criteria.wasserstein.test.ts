import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, Rng, tf } from '../src/engine/index.js';
import { gradientPenalty, wassersteinCriticLoss, wassersteinGeneratorLoss } from '../src/criteria/index.js';
import { assertAllClose, assertClose, assertTierAgreesWithCpu, centralDifferences, maxAbs, take, takeAll } from './helpers/numeric.js';

before(async () => {
  await initEngine();
  tf.setBackend('cpu');
});

const norm = (v: number[]): number => Math.hypot(...v);

/** A batch of 6 real and 6 fake samples in 3 dimensions. */
function samples(seed: number): { real: tf.Tensor2D; fake: tf.Tensor2D } {
  const rng = new Rng(seed);
  return { real: tf.tensor2d(rng.normals(18), [6, 3]), fake: tf.tensor2d(rng.normals(18, 2), [6, 3]) };
}

/** f(x) = x·w: ∇f = w at every interpolate. */
const linearCritic = (w: tf.Tensor) => (x: tf.Tensor): tf.Tensor => tf.matMul(x as tf.Tensor2D, tf.reshape(w, [-1, 1]) as tf.Tensor2D);

/** A smooth two-layer critic tanh(x W₁ + b₁) w₂ with its parameters in one flat vector. */
function tanhCritic(theta: tf.Tensor, inputs: number, hidden: number): (x: tf.Tensor) => tf.Tensor {
  const w1 = tf.reshape(tf.slice(theta, 0, inputs * hidden), [inputs, hidden]) as tf.Tensor2D;
  const b1 = tf.slice(theta, inputs * hidden, hidden);
  const w2 = tf.reshape(tf.slice(theta, inputs * hidden + hidden, hidden), [hidden, 1]) as tf.Tensor2D;
  return (x) => tf.matMul(tf.tanh(tf.add(tf.matMul(x as tf.Tensor2D, w1), b1)), w2);
}

test('critic loss E_q f − E_p f and generator loss −E_q f', () => {
  const real = tf.tensor1d([1, 2, 6]);
  const fake = tf.tensor1d([-1, 0.5]);
  assertClose(take(wassersteinCriticLoss(real, fake)), -0.25 - 3);
  assertClose(take(wassersteinGeneratorLoss(fake)), 0.25);
  real.dispose();
  fake.dispose();
});

test('linear critic: GP = (‖w‖ − 1)² two-sided and max(‖w‖² − 1, 0) one-sided, exactly', () => {
  const { real, fake } = samples(1);
  for (const wValues of [[1.2, -0.6, 0.3], [0.3, 0.4, -0.2]]) {
    const w = tf.tensor1d(wValues);
    const r = norm(wValues);
    assertClose(take(gradientPenalty(linearCritic(w), real, fake, { seed: 5 })), (r - 1) ** 2, { atol: 1e-6 }, `two-sided, ‖w‖ = ${r}`);
    assertClose(take(gradientPenalty(linearCritic(w), real, fake, { seed: 5, oneSided: true })), Math.max(r * r - 1, 0), { atol: 1e-6 }, `one-sided, ‖w‖ = ${r}`);
    w.dispose();
  }
  real.dispose();
  fake.dispose();
});

test('second order, linear critic: ∂GP/∂w = 2(‖w‖ − 1)·w/‖w‖ (two-sided), 2w·[‖w‖ > 1] (one-sided)', () => {
  const { real, fake } = samples(2);
  for (const wValues of [[1.2, -0.6, 0.3], [0.3, 0.4, -0.2]]) {
    const r = norm(wValues);
    const w = tf.tensor1d(wValues);
    const twoSided = tf.grad((v: tf.Tensor) => gradientPenalty(linearCritic(v), real, fake, { seed: 3 }))(w);
    assertAllClose(takeAll(twoSided), wValues.map((wi) => (2 * (r - 1) * wi) / r), { atol: 1e-6 }, 'two-sided');
    const oneSided = tf.grad((v: tf.Tensor) => gradientPenalty(linearCritic(v), real, fake, { seed: 3, oneSided: true }))(w);
    assertAllClose(takeAll(oneSided), wValues.map((wi) => (r > 1 ? 2 * wi : 0)), { atol: 1e-6 }, 'one-sided');
    w.dispose();
  }
  real.dispose();
  fake.dispose();
});

test('interpolates are x̂ = ε·real + (1 − ε)·fake with ε ~ U(0, 1) from Rng(seed), one per sample (image-shaped batch)', () => {
  // f(x) = ½‖x‖² has ∇f(x̂) = x̂, so the penalty reveals every interpolate's norm.
  const rng = new Rng(11);
  const shape = [4, 2, 2, 1];
  const realValues = rng.normals(16);
  const fakeValues = rng.normals(16, 3);
  const [real, fake] = [tf.tensor(realValues, shape), tf.tensor(fakeValues, shape)];
  const quadratic = (x: tf.Tensor): tf.Tensor => tf.mul(0.5, tf.sum(tf.square(x), [1, 2, 3]));
  const eps = new Rng(42).uniforms(4);
  const expected = { twoSided: 0, oneSided: 0 };
  for (let i = 0; i < 4; i++) {
    let squared = 0;
    for (let k = 0; k < 4; k++) squared += (eps[i]! * realValues[4 * i + k]! + (1 - eps[i]!) * fakeValues[4 * i + k]!) ** 2;
    expected.twoSided += (Math.sqrt(squared) - 1) ** 2 / 4;
    expected.oneSided += Math.max(squared - 1, 0) / 4;
  }
  assertClose(take(gradientPenalty(quadratic, real, fake, { seed: 42 })), expected.twoSided, { rtol: 1e-5 });
  assertClose(take(gradientPenalty(quadratic, real, fake, { seed: 42, oneSided: true })), expected.oneSided, { rtol: 1e-5 });
  assert.notEqual(take(gradientPenalty(quadratic, real, fake, { seed: 43 })), take(gradientPenalty(quadratic, real, fake, { seed: 42 })));
  real.dispose();
  fake.dispose();
});

test('second order, tanh MLP critic: ∂GP/∂weights matches central finite differences', () => {
  const { real, fake } = samples(3);
  const [inputs, hidden] = [3, 4];
  // Output weights large enough that ‖∇f‖² at the 6 interpolates is ≈ 2.5, 3.6, 4.6, 0.24, 1.5,
  // 0.03: the one-sided penalty is active on some samples, and none sits near its kink at 1.
  const rng = new Rng(9);
  const theta = [...rng.normals(inputs * hidden + hidden, 0.5), ...rng.normals(hidden, 2.5)];
  for (const oneSided of [false, true]) {
    const penalty = (t: tf.Tensor): tf.Scalar => gradientPenalty(tanhCritic(t, inputs, hidden), real, fake, { seed: 17, oneSided });
    const value = (v: number[]): number => tf.tidy(() => penalty(tf.tensor1d(v)).dataSync()[0]!);
    const analytic = takeAll(tf.grad(penalty)(tf.tensor1d(theta)));
    const numeric = centralDifferences(value, theta, 2e-3);
    assertAllClose(analytic, numeric, { rtol: 1e-2, scale: maxAbs(numeric), atol: 0 }, oneSided ? 'one-sided' : 'two-sided');
  }
  real.dispose();
  fake.dispose();
});

test('second order through leaky ReLU (a comparison op inside the critic) runs and is finite', () => {
  const { real, fake } = samples(4);
  const w1 = tf.tensor2d(new Rng(1).normals(12), [3, 4]);
  const w2 = tf.tensor2d(new Rng(2).normals(4), [4, 1]);
  const [g1, g2] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    gradientPenalty((x) => tf.matMul(tf.leakyRelu(tf.matMul(x as tf.Tensor2D, a as tf.Tensor2D), 0.2), b as tf.Tensor2D), real, fake, { seed: 1 }),
  )([w1, w2]);
  assert.ok([...takeAll(g1!), ...takeAll(g2!)].every(Number.isFinite));
  for (const t of [real, fake, w1, w2]) t.dispose();
});

test('real and fake batches of different shapes are rejected', () => {
  const real = tf.zeros([4, 3]);
  const fake = tf.zeros([5, 3]);
  assert.throws(() => gradientPenalty((x) => tf.sum(x, 1), real, fake, { seed: 1 }), /same shape/);
  real.dispose();
  fake.dispose();
});

test('wasm agrees with cpu (tanh critic: penalty and its weight gradient)', async () => {
  const theta = Array.from(new Rng(9).normals(20, 0.8));
  const evaluate = (): number[] => {
    const { real, fake } = samples(5);
    const penalty = (t: tf.Tensor): tf.Scalar => gradientPenalty(tanhCritic(t, 3, 4), real, fake, { seed: 2 });
    const t = tf.tensor1d(theta);
    const values = [take(penalty(t)), ...takeAll(tf.grad(penalty)(t))];
    for (const x of [real, fake, t]) x.dispose();
    return values;
  };
  assertTierAgreesWithCpu(evaluate, { rtol: 1e-4, atol: 1e-6 });
});
