import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../src/engine/index.js';
import { sinkhornDivergence, type SinkhornOptions } from '../src/criteria/index.js';
import { assertAllClose, assertClose, centralDifferences, maxAbs, type Points, randomPoints, take, takeAll } from './helpers/numeric.js';

before(async () => {
  await initEngine();
  tf.setBackend('cpu');
});

const halfSquaredDistance = (u: number[], v: number[]): number => 0.5 * u.reduce((s, ui, k) => s + (ui - v[k]!) ** 2, 0);

function divergence(x: Points, y: Points, options: SinkhornOptions): number {
  return tf.tidy(() => sinkhornDivergence(tf.tensor2d(x), tf.tensor2d(y), options).dataSync()[0]!);
}

/**
 * OT_ε between two uniform 2-point measures in closed form. The plan is [[p, ½ − p], [½ − p, p]];
 * ⟨π, C⟩ + ε·KL(π‖¼) is minimized at p = ½σ(−Δ/2ε), Δ = C₁₁ + C₂₂ − C₁₂ − C₂₁.
 */
function twoPointOt(x: Points, y: Points, eps: number): number {
  const c = (i: number, j: number): number => halfSquaredDistance(x[i]!, y[j]!);
  const delta = c(0, 0) + c(1, 1) - c(0, 1) - c(1, 0);
  const p = 0.5 / (1 + Math.exp(delta / (2 * eps)));
  const q = 0.5 - p;
  return p * (c(0, 0) + c(1, 1)) + q * (c(0, 1) + c(1, 0)) + eps * (2 * p * Math.log(4 * p) + 2 * q * Math.log(4 * q));
}

/** The exact OT cost min_σ (1/n) Σ_i ½‖x_i − y_σ(i)‖² between uniform n-point sets, by enumeration. */
function exactOt(x: Points, y: Points): number {
  const n = x.length;
  let best = Infinity;
  const visit = (i: number, used: boolean[], cost: number): void => {
    if (i === n) {
      best = Math.min(best, cost / n);
      return;
    }
    for (let j = 0; j < n; j++) {
      if (used[j]) continue;
      used[j] = true;
      visit(i + 1, used, cost + halfSquaredDistance(x[i]!, y[j]!));
      used[j] = false;
    }
  };
  visit(0, new Array<boolean>(n).fill(false), 0);
  return best;
}

const mean = (z: Points): number[] => z[0]!.map((_, k) => z.reduce((s, u) => s + u[k]!, 0) / z.length);

test('single points: S = OT_ε = ½‖x − y‖² for any blur, with gradient ±(x − y)', () => {
  const [x, y] = [[[0.5, -1]], [[2, 1]]];
  for (const blur of [0.1, 1, 10]) {
    assertClose(divergence(x, y, { blur }), 0.5 * (1.5 ** 2 + 2 ** 2), { rtol: 1e-5 }, `debiased, blur ${blur}`);
    assertClose(divergence(x, y, { blur, debias: false }), 0.5 * (1.5 ** 2 + 2 ** 2), { rtol: 1e-5 }, `biased, blur ${blur}`);
  }
  const [gx, gy] = tf.grads((a: tf.Tensor, b: tf.Tensor) => sinkhornDivergence(a as tf.Tensor2D, b as tf.Tensor2D, { blur: 1 }))([tf.tensor2d(x), tf.tensor2d(y)]);
  assertAllClose(takeAll(gx!), [-1.5, -2], { rtol: 1e-5 });
  assertAllClose(takeAll(gy!), [1.5, 2], { rtol: 1e-5 });
});

test('two points each: OT_ε and the debiased S match the closed form', () => {
  const x = [[0, 0], [1, 0.5]];
  const y = [[0.8, -0.2], [2, 1]];
  for (const blur of [0.4, 1]) {
    const eps = blur * blur;
    const ot = twoPointOt(x, y, eps);
    assertClose(divergence(x, y, { blur, debias: false }), ot, { rtol: 1e-5 }, `OT_ε, blur ${blur}`);
    const s = ot - 0.5 * twoPointOt(x, x, eps) - 0.5 * twoPointOt(y, y, eps);
    assertClose(divergence(x, y, { blur }), s, { rtol: 1e-5 }, `S_ε, blur ${blur}`);
  }
});

test('blur → 0: S_ε → the exact OT cost (enumerated over permutations); OT_ε → it + ε·log n', () => {
  const x = randomPoints(3, 5, 2);
  const y = randomPoints(4, 5, 2, 0.5);
  const exact = exactOt(x, y);
  const errors = [0.3, 0.1, 0.02].map((blur) => Math.abs(divergence(x, y, { blur }) - exact));
  assert.ok(errors[0]! > errors[1]! && errors[1]! > errors[2]!, `error shrinks with blur: ${errors}`);
  assertClose(divergence(x, y, { blur: 0.02 }), exact, { rtol: 1e-5 }, 'S at blur 0.02');
  // The entropic term of a (near-)permutation plan is ε·KL(π‖a⊗b) = ε·log n.
  assertClose(divergence(x, y, { blur: 0.02, debias: false }), exact + 0.02 ** 2 * Math.log(5), { rtol: 1e-5 }, 'OT_ε at blur 0.02');
});

test('blur → ∞: S_ε → ½‖x̄ − ȳ‖², ever closer as blur grows (unequal set sizes)', () => {
  const x = randomPoints(5, 6, 3, 0, 0.5);
  const y = randomPoints(6, 4, 3, 1, 0.5);
  const [mx, my] = [mean(x), mean(y)];
  const limit = halfSquaredDistance(mx, my);
  const errors = [1, 3, 10].map((blur) => Math.abs(divergence(x, y, { blur }) - limit));
  assert.ok(errors[0]! > errors[1]! && errors[1]! > errors[2]!, `error shrinks with blur: ${errors}`);
  assertClose(divergence(x, y, { blur: 10 }), limit, { rtol: 2e-3 }, 'S at blur 10');
  // Its gradient tends to that of ½‖x̄ − ȳ‖²: (x̄ − ȳ)/n for every x_i.
  const gx = tf.grad((a: tf.Tensor) => sinkhornDivergence(a as tf.Tensor2D, tf.tensor2d(y), { blur: 10 }))(tf.tensor2d(x));
  const expected = x.flatMap(() => mx.map((m, k) => (m - my[k]!) / x.length));
  assertAllClose(takeAll(gx), expected, { rtol: 0, atol: 2e-3 * maxAbs(expected) });
});

test('S(x, x) ≈ 0 although OT_ε(x, x) > 0; S ≥ 0, symmetric, translation invariant', () => {
  const x = randomPoints(7, 8, 2);
  const y = randomPoints(8, 6, 2, 0.8);
  assertClose(divergence(x, x, { blur: 0.5 }), 0, { atol: 1e-5 }, 'S(x, x)');
  assert.ok(divergence(x, x, { blur: 0.5, debias: false }) > 0.01, 'the entropic bias OT_ε(x, x) > 0');
  const s = divergence(x, y, { blur: 0.5 });
  assert.ok(s > 0);
  assertClose(divergence(y, x, { blur: 0.5 }), s, { rtol: 1e-5 }, 'symmetry');
  const shift = (z: Points): Points => z.map(([a, b]) => [a! - 30, b! + 70]);
  assertClose(divergence(shift(x), shift(y), { blur: 0.5 }), s, { rtol: 1e-5 }, 'translation');
});

test('gradients in x and y match central finite differences (debiased and not)', () => {
  const x = randomPoints(9, 5, 2);
  const y = randomPoints(10, 4, 2, 0.6);
  for (const debias of [true, false]) {
    const options = { blur: 0.5, debias, iterations: 200 };
    const [gx, gy] = tf.grads((a: tf.Tensor, b: tf.Tensor) => sinkhornDivergence(a as tf.Tensor2D, b as tf.Tensor2D, options))([tf.tensor2d(x), tf.tensor2d(y)]);
    const nx = centralDifferences((v) => divergence(toPoints(v, 2), y, options), x.flat(), 1e-2);
    const ny = centralDifferences((v) => divergence(x, toPoints(v, 2), options), y.flat(), 1e-2);
    const [ax, ay] = [takeAll(gx!), takeAll(gy!)];
    assertAllClose(ax, nx, { rtol: 1e-2, atol: 0, scale: maxAbs(nx) }, `debias ${debias}: ∂/∂x`);
    assertAllClose(ay, ny, { rtol: 1e-2, atol: 0, scale: maxAbs(ny) }, `debias ${debias}: ∂/∂y`);
    // Translation invariance: the gradients over both sets sum to 0 in every coordinate.
    for (let k = 0; k < 2; k++) {
      const total = [...ax, ...ay].filter((_, i) => i % 2 === k).reduce((s, g) => s + g, 0);
      assertClose(total, 0, { atol: 1e-6 }, `Σ gradients, coordinate ${k}`);
    }
  }
});

function toPoints(flat: number[], d: number): Points {
  return Array.from({ length: flat.length / d }, (_, i) => flat.slice(i * d, (i + 1) * d));
}

test('no tensors leak from the value or the gradient', () => {
  const x = tf.tensor2d(randomPoints(11, 6, 2));
  const y = tf.tensor2d(randomPoints(12, 5, 2));
  const before = tf.memory().numTensors;
  take(sinkhornDivergence(x, y, { blur: 0.3 }));
  const [gx, gy] = tf.grads((a: tf.Tensor, b: tf.Tensor) => sinkhornDivergence(a as tf.Tensor2D, b as tf.Tensor2D, { blur: 0.3 }))([x, y]);
  gx!.dispose();
  gy!.dispose();
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
  y.dispose();
});

test('invalid blur, iterations and scaling are rejected', () => {
  const x = tf.tensor2d([[0]]);
  assert.throws(() => sinkhornDivergence(x, x, { blur: 0 }), /blur/);
  assert.throws(() => sinkhornDivergence(x, x, { blur: 1, iterations: 0 }), /iterations/);
  assert.throws(() => sinkhornDivergence(x, x, { blur: 1, scaling: 1 }), /scaling/);
  x.dispose();
});

test('wasm agrees with cpu', async () => {
  const x = randomPoints(13, 24, 6);
  const y = randomPoints(14, 16, 6, 0.4);
  const evaluate = (): number[] => {
    const options = { blur: 0.7 };
    const [gx, gy] = tf.grads((a: tf.Tensor, b: tf.Tensor) => sinkhornDivergence(a as tf.Tensor2D, b as tf.Tensor2D, options))([tf.tensor2d(x), tf.tensor2d(y)]);
    return [divergence(x, y, options), ...takeAll(gx!), ...takeAll(gy!)];
  };
  const cpu = evaluate();
  tf.setBackend('wasm');
  try {
    const wasm = evaluate();
    assertClose(wasm[0]!, cpu[0]!, { rtol: 1e-4 }, 'value');
    assertAllClose(wasm.slice(1), cpu.slice(1), { rtol: 1e-3, atol: 0, scale: maxAbs(cpu.slice(1)) }, 'gradients');
  } finally {
    tf.setBackend('cpu');
  }
});
