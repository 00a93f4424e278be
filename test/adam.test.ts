/** Adam in PyTorch's form: closed-form first steps, and the native fused kernel equal to the tf-ops path. */
import { before, test } from 'node:test';
import { initEngine, Rng, tf } from '../src/engine/index.js';
import { Adam, ADAM_KERNEL } from '../src/train/adam.js';
import { assertClose, valuesOn } from './helpers/engine.js';

before(async () => {
  await initEngine();
});

test('first step moves every parameter by lr·sign(g) (the bias-corrected ratio is ±1 up to ε)', () => {
  const p = tf.variable(tf.tensor1d([1, -2, 3]));
  const adam = new Adam([p], { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 0 });
  adam.step([tf.tensor1d([0.5, -4, 1e-3])]);
  assertClose(p.dataSync(), [0.9, -1.9, 2.9], 1e-6, 1e-6, 'first step');
});

test('a scheduled learning rate: under a constant gradient each step moves by that update\'s rate, linear then held', () => {
  // With g constant, m̂ = g and v̂ = g² at every t, so each step is lr_t·sign(g) up to ε.
  const p = tf.variable(tf.tensor1d([0, 0]));
  const adam = new Adam([p], { learningRate: { from: 0.1, to: 0.02, steps: 4 }, beta1: 0.5, beta2: 0.9, epsilon: 0 });
  const moves = [];
  for (let t = 0; t < 6; t++) {
    const before = p.dataSync()[0]!;
    adam.step([tf.tensor1d([2, -3])]);
    moves.push(p.dataSync()[0]! - before);
    assertClose(p.dataSync(), [p.dataSync()[0]!, -p.dataSync()[0]!], 0, 1e-6, `step ${t}: the two parameters move alike`);
  }
  assertClose(moves, [-0.1, -0.08, -0.06, -0.04, -0.02, -0.02], 0, 1e-6, 'moves');
});

test('three steps match the formula evaluated in float64', () => {
  const grads = [[0.3, -1], [2, 0.5], [-0.7, 0.1]];
  const [lr, b1, b2, eps] = [0.01, 0.5, 0.9, 1e-8];
  let p = [0.2, -0.4];
  let m = [0, 0];
  let v = [0, 0];
  grads.forEach((g, t) => {
    m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i]!);
    v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i]! ** 2);
    p = p.map((pi, i) => pi - (lr / (1 - b1 ** (t + 1))) * m[i]! / (Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** (t + 1)) + eps));
  });
  const variable = tf.variable(tf.tensor1d([0.2, -0.4]));
  const adam = new Adam([variable], { learningRate: lr, beta1: b1, beta2: b2, epsilon: eps });
  for (const g of grads) adam.step([tf.tensor1d(g)]);
  assertClose(variable.dataSync(), p, 1e-6, 1e-7, 'three steps');
});

test('the fused kernel (native tier) equals the tf-ops path on cpu', (t) => {
  if (!tf.getKernel(ADAM_KERNEL, 'wasm')) {
    t.skip('the native tier is not active');
    return;
  }
  const run = () => {
    const rng = new Rng('adam');
    const shapes = [[4, 4, 3, 5], [100], [7, 9]];
    const variables = shapes.map((s) => tf.variable(tf.tensor(rng.normals(s.reduce((a, b) => a * b)), s)));
    const adam = new Adam(variables, { learningRate: 1e-3, beta1: 0.5, beta2: 0.999 });
    for (let step = 0; step < 4; step++) adam.step(shapes.map((s) => tf.tensor(rng.normals(s.reduce((a, b) => a * b)), s)));
    return variables.map((v) => tf.clone(v));
  };
  const fused = valuesOn('wasm', run);
  const reference = valuesOn('cpu', run);
  fused.forEach((f, i) => assertClose(f, reference[i]!, 1e-6, 1e-7, `variable ${i}`));
});
