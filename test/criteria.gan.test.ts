import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, Rng, tf } from '../src/engine/index.js';
import {
  distinguishabilityValue,
  ganDiscriminatorLoss,
  maximumLikelihoodGeneratorLoss,
  minimaxGeneratorLoss,
  nonSaturatingGeneratorLoss,
  r1Penalty,
} from '../src/criteria/index.js';
import { assertAllClose, assertClose, assertTierAgreesWithCpu, centralDifferences, take, takeAll } from './helpers/numeric.js';

before(async () => {
  await initEngine();
  tf.setBackend('cpu');
});

const LOGITS = [-4, -1.5, -0.25, 0, 0.5, 2, 5];
const sigmoid = (a: number): number => 1 / (1 + Math.exp(-a));

/** Per-sample dJ/da: the gradient of the batch mean, times the batch size. */
function perSampleGradient(loss: (a: tf.Tensor) => tf.Scalar, logits: number[]): number[] {
  const a = tf.tensor1d(logits);
  const grad = tf.grad(loss)(a);
  a.dispose();
  return takeAll(grad).map((g) => g * logits.length);
}

test('at logits 0 (D = 1/2) every criterion takes its closed form', () => {
  const zeros = tf.zeros([3]);
  assertClose(take(ganDiscriminatorLoss(zeros, zeros)), 2 * Math.LN2);
  assertClose(take(distinguishabilityValue(zeros, zeros)), -2 * Math.LN2);
  assertClose(take(minimaxGeneratorLoss(zeros)), -Math.LN2);
  assertClose(take(nonSaturatingGeneratorLoss(zeros)), Math.LN2);
  assertClose(take(maximumLikelihoodGeneratorLoss(zeros)), -1);
  zeros.dispose();
});

test('generator costs equal their D-form definitions: log(1 − D), −log D, −D/(1 − D)', () => {
  const d = LOGITS.map(sigmoid);
  const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
  const a = tf.tensor1d(LOGITS);
  assertClose(take(minimaxGeneratorLoss(a)), mean(d.map((x) => Math.log(1 - x))), {}, 'minimax');
  assertClose(take(nonSaturatingGeneratorLoss(a)), mean(d.map((x) => -Math.log(x))), {}, 'non-saturating');
  assertClose(take(maximumLikelihoodGeneratorLoss(a)), mean(d.map((x) => -x / (1 - x))), {}, 'maximum likelihood');
  a.dispose();
});

test('discriminator loss is the cross-entropy −E log D(real) − E log(1 − D(fake)), and V its negation', () => {
  const real = [2, -0.5, 1];
  const fake = [-3, 0.25];
  const expected =
    -real.reduce((s, a) => s + Math.log(sigmoid(a)), 0) / real.length -
    fake.reduce((s, a) => s + Math.log(1 - sigmoid(a)), 0) / fake.length;
  const [r, f] = [tf.tensor1d(real), tf.tensor1d(fake)];
  assertClose(take(ganDiscriminatorLoss(r, f)), expected);
  assertClose(take(distinguishabilityValue(r, f)), -expected);
  const [gr, gf] = tf.grads((x: tf.Tensor, y: tf.Tensor) => ganDiscriminatorLoss(x, y))([r, f]);
  // ∂/∂a_real = −(1 − D)/n_real, ∂/∂a_fake = D/n_fake.
  assertAllClose(takeAll(gr!), real.map((a) => -(1 - sigmoid(a)) / real.length), {}, 'd/da_real');
  assertAllClose(takeAll(gf!), fake.map((a) => sigmoid(a) / fake.length), {}, 'd/da_fake');
  r.dispose();
  f.dispose();
});

test('dJ/da matches the SPEC table: −D (minimax), −(1 − D) (non-saturating), −exp(a) (maximum likelihood)', () => {
  assertAllClose(perSampleGradient(minimaxGeneratorLoss, LOGITS), LOGITS.map((a) => -sigmoid(a)), {}, 'minimax');
  assertAllClose(perSampleGradient(nonSaturatingGeneratorLoss, LOGITS), LOGITS.map((a) => -(1 - sigmoid(a))), {}, 'non-saturating');
  assertAllClose(perSampleGradient(maximumLikelihoodGeneratorLoss, LOGITS), LOGITS.map((a) => -Math.exp(a)), {}, 'maximum likelihood');
});

test('logits of ±100 give finite losses and gradients; the maximum-likelihood cost overflows to −Infinity at +100', () => {
  const extreme = tf.tensor1d([-100, 100]);
  const wrong = tf.tensor1d([-100]);
  const confident = tf.tensor1d([100]);
  // A confidently wrong discriminator pays ≈ 100 per term, not Infinity.
  assertClose(take(ganDiscriminatorLoss(wrong, confident)), 200, { rtol: 1e-6 });
  assertClose(take(minimaxGeneratorLoss(extreme)), -50, { rtol: 1e-6 });
  assertClose(take(nonSaturatingGeneratorLoss(extreme)), 50, { rtol: 1e-6 });
  for (const loss of [minimaxGeneratorLoss, nonSaturatingGeneratorLoss]) {
    assert.ok(takeAll(tf.grad(loss)(extreme)).every(Number.isFinite), `${loss.name} gradient is finite`);
  }
  assertClose(perSampleGradient(minimaxGeneratorLoss, [-100, 100])[1]!, -1, {}, 'minimax saturates the other way: −D = −1 at D ≈ 1');
  assertClose(perSampleGradient(nonSaturatingGeneratorLoss, [-100, 100])[0]!, -1, {}, 'non-saturating keeps a unit gradient at D ≈ 0');
  // exp(100) > float32 max: the documented overflow, reported as −Infinity rather than NaN.
  assert.equal(take(maximumLikelihoodGeneratorLoss(confident)), -Infinity);
  assertClose(take(maximumLikelihoodGeneratorLoss(wrong)), 0, { atol: 1e-30 });
  for (const t of [extreme, wrong, confident]) t.dispose();
});

/**
 * [G14] claim ii on a location family: data N(0, 1), generator x = θ + z, z ~ N(0, 1), and the
 * optimal discriminator for the current θ₀ held fixed, a*(x) = log p_d − log p_g = −θ₀x + θ₀²/2.
 * The MLE gradient ∂KL(p_d‖p_θ)/∂θ at θ₀ is θ₀; the maximum-likelihood cost's expected gradient
 * equals it, the other two costs' do not (minimax: θ₀·E_{p_g}D < θ₀/2, non-saturating:
 * θ₀·E_{p_g}(1 − D) < θ₀).
 */
test('[G14] claim ii: with the optimal discriminator only the maximum-likelihood cost gives the MLE gradient', () => {
  const theta0 = 0.5;
  const n = 200_000;
  const z = tf.tensor1d(new Rng(7).normals(n));
  const gradientFor = (cost: (a: tf.Tensor) => tf.Scalar): number => {
    const g = tf.grad((theta: tf.Tensor) => {
      const x = tf.add(theta, z);
      return cost(tf.add(tf.mul(-theta0, x), (theta0 * theta0) / 2));
    })(tf.scalar(theta0));
    return take(g);
  };
  // The ML gradient's per-sample terms θ₀·exp(a*) are lognormal: sd √(e^{θ₀²} − 1)·θ₀ ≈ 0.27.
  const standardError = (theta0 * Math.sqrt(Math.exp(theta0 * theta0) - 1)) / Math.sqrt(n);
  assertClose(gradientFor(maximumLikelihoodGeneratorLoss), theta0, { atol: 5 * standardError, rtol: 0 }, 'ML cost gradient');
  const minimax = gradientFor(minimaxGeneratorLoss);
  const nonSaturating = gradientFor(nonSaturatingGeneratorLoss);
  assert.ok(minimax > 0 && minimax < theta0 / 2, `minimax gradient ${minimax} in (0, θ₀/2)`);
  assert.ok(nonSaturating > theta0 / 2 && nonSaturating < 0.9 * theta0, `non-saturating gradient ${nonSaturating} in (θ₀/2, 0.9θ₀)`);
  assertClose(minimax + nonSaturating, theta0, { atol: 1e-4 }, 'their sum θ₀·E(D + 1 − D)');
  z.dispose();
});

test('wasm agrees with cpu', async () => {
  const real = Array.from(new Rng(3).normals(64, 3));
  const fake = Array.from(new Rng(4).normals(64, 3));
  const evaluate = (): number[] => {
    const [r, f] = [tf.tensor1d(real), tf.tensor1d(fake)];
    const values = [
      ganDiscriminatorLoss(r, f), minimaxGeneratorLoss(f), nonSaturatingGeneratorLoss(f), maximumLikelihoodGeneratorLoss(f),
      tf.sum(tf.grad(nonSaturatingGeneratorLoss)(f)),
    ].map(take);
    r.dispose();
    f.dispose();
    return values;
  };
  assertTierAgreesWithCpu(evaluate, { rtol: 1e-5 });
});

test('R1: ‖w‖² for a linear discriminator, mean ‖x‖² for a(x) = ½‖x‖² (image-shaped batch)', () => {
  const rng = new Rng(3);
  const real = tf.tensor(rng.normals(4 * 2 * 2 * 1), [4, 2, 2, 1]);
  const w = [0.5, -1.5, 2, 0.25];
  const linear = (x: tf.Tensor) => tf.sum(tf.mul(tf.reshape(x, [4, 4]), tf.tensor1d(w)), 1);
  assertClose(take(r1Penalty(linear, real)), w.reduce((s, v) => s + v * v, 0), { rtol: 1e-6 });
  const quadratic = (x: tf.Tensor) => tf.mul(0.5, tf.sum(tf.square(x), [1, 2, 3]));
  assertClose(take(r1Penalty(quadratic, real)), take(tf.div(tf.sum(tf.square(real)), 4)), { rtol: 1e-6 });
  real.dispose();
});

test('R1 second order: ∂R1/∂w = 2w for a linear discriminator; the weight gradient of a tanh layer matches finite differences', () => {
  const real = tf.tensor2d(new Rng(5).normals(6 * 3), [6, 3]);
  const w = [0.7, -0.2, 1.1];
  const linear = (v: tf.Tensor) => r1Penalty((x) => tf.matMul(x as tf.Tensor2D, tf.reshape(v, [3, 1]) as tf.Tensor2D), real);
  assertAllClose(takeAll(tf.grad(linear)(tf.tensor1d(w))), w.map((v) => 2 * v), { atol: 1e-6 });
  // a(x) = Σ tanh(x W)ᵢ: ∇ₓa depends on W through tanh′, so the gradient is truly second order.
  const tanhLayer = (v: tf.Tensor) => r1Penalty((x) => tf.sum(tf.tanh(tf.matMul(x as tf.Tensor2D, tf.reshape(v, [3, 2]) as tf.Tensor2D)), 1), real);
  const theta = Array.from(new Rng(6).normals(6));
  const value = (t: number[]) => tf.tidy(() => take(tanhLayer(tf.tensor1d(t))));
  const numeric = centralDifferences(value, theta, 1e-2);
  assertAllClose(takeAll(tf.grad(tanhLayer)(tf.tensor1d(theta))), numeric, { rtol: 1e-2, atol: 1e-3 });
  real.dispose();
});
