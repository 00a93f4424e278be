import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, Rng, tf } from '../src/engine/index.js';
import { ganDiscriminatorLoss, nceLoss } from '../src/criteria/index.js';
import { assertAllClose, assertClose, assertTierAgreesWithCpu, take, takeAll } from './helpers/numeric.js';

before(async () => {
  await initEngine();
  tf.setBackend('cpu');
});

const sigmoid = (a: number): number => 1 / (1 + Math.exp(-a));
const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;

/** Tiny inputs with ν = 2: two data samples, four noise samples. */
const TINY = {
  modelData: [-1, 0.5],
  noiseData: [-2, -1],
  modelNoise: [-3, 0, 1, -0.5],
  noiseNoise: [-1, -1.5, -2, 0],
  nu: 2,
};

function tinyInputs(): Parameters<typeof nceLoss>[0] {
  return {
    modelLogDensityData: tf.tensor1d(TINY.modelData),
    noiseLogDensityData: tf.tensor1d(TINY.noiseData),
    modelLogDensityNoise: tf.tensor1d(TINY.modelNoise),
    noiseLogDensityNoise: tf.tensor1d(TINY.noiseNoise),
    nu: TINY.nu,
  };
}

const logits = (model: number[], noise: number[], nu: number): number[] => model.map((m, i) => m - noise[i]! - Math.log(nu));

test('hand-computed value: −[mean log σ(a) over data + ν·mean log(1 − σ(a)) over noise], a = log p̃_m − log(ν p_g)', () => {
  const aData = logits(TINY.modelData, TINY.noiseData, TINY.nu);
  const aNoise = logits(TINY.modelNoise, TINY.noiseNoise, TINY.nu);
  const expected = -mean(aData.map((a) => Math.log(sigmoid(a)))) - TINY.nu * mean(aNoise.map((a) => Math.log(1 - sigmoid(a))));
  const inputs = tinyInputs();
  assertClose(take(nceLoss(inputs)), expected);
  // Gutmann & Hyvärinen's J with T_noise = ν·T_data: the sums over both sets divided by T_data.
  const sums = -aData.reduce((s, a) => s + Math.log(sigmoid(a)), 0) - aNoise.reduce((s, a) => s + Math.log(1 - sigmoid(a)), 0);
  assertClose(take(nceLoss(inputs)), sums / TINY.modelData.length);
  Object.values(inputs).forEach((t) => t instanceof tf.Tensor && t.dispose());
});

test('gradients: ∂/∂log p̃_m(x_i) = −σ(−a_i)/n on data, ν·σ(a_k)/K on noise; the noise density enters with the opposite sign', () => {
  const inputs = tinyInputs();
  const aData = logits(TINY.modelData, TINY.noiseData, TINY.nu);
  const aNoise = logits(TINY.modelNoise, TINY.noiseNoise, TINY.nu);
  const [gmd, gnd, gmn, gnn] = tf.grads((md: tf.Tensor, nd: tf.Tensor, mn: tf.Tensor, nn: tf.Tensor) =>
    nceLoss({ modelLogDensityData: md, noiseLogDensityData: nd, modelLogDensityNoise: mn, noiseLogDensityNoise: nn, nu: TINY.nu }),
  )([inputs.modelLogDensityData, inputs.noiseLogDensityData, inputs.modelLogDensityNoise, inputs.noiseLogDensityNoise]);
  const dData = aData.map((a) => -sigmoid(-a) / aData.length);
  const dNoise = aNoise.map((a) => (TINY.nu * sigmoid(a)) / aNoise.length);
  assertAllClose(takeAll(gmd!), dData, {}, 'model at data');
  assertAllClose(takeAll(gnd!), dData.map((g) => -g), {}, 'noise at data');
  assertAllClose(takeAll(gmn!), dNoise, {}, 'model at noise');
  assertAllClose(takeAll(gnn!), dNoise.map((g) => -g), {}, 'noise at noise');
  Object.values(inputs).forEach((t) => t instanceof tf.Tensor && t.dispose());
});

test('with ν = 1 it is the GAN discriminator loss on the logits a = log p̃_m − log p_g', () => {
  const rng = new Rng(5);
  const [md, nd, mn, nn] = [rng.normals(8), rng.normals(8), rng.normals(8), rng.normals(8)].map((v) => tf.tensor1d(v));
  const nce = take(nceLoss({ modelLogDensityData: md!, noiseLogDensityData: nd!, modelLogDensityNoise: mn!, noiseLogDensityNoise: nn! }));
  const gan = take(ganDiscriminatorLoss(tf.sub(md!, nd!), tf.sub(mn!, nn!)));
  assertClose(nce, gan);
  [md, nd, mn, nn].forEach((t) => t!.dispose());
});

test('log-density gaps of ±1000 give finite values: ≈ 0 when the classifier is right, ≈ 1000 per term when wrong', () => {
  const big = tf.tensor1d([1000]);
  const zero = tf.tensor1d([0]);
  assertClose(take(nceLoss({ modelLogDensityData: big, noiseLogDensityData: zero, modelLogDensityNoise: zero, noiseLogDensityNoise: big })), 0, { atol: 1e-6 });
  assertClose(take(nceLoss({ modelLogDensityData: zero, noiseLogDensityData: big, modelLogDensityNoise: big, noiseLogDensityNoise: zero, nu: 2 })), 1000 + Math.log(2) + 2 * (1000 - Math.log(2)), { rtol: 1e-6 });
  big.dispose();
  zero.dispose();
});

/**
 * Data N(0, 1), model log p̃(x) = −x²/2 + c with c learned, noise N(0.5, 1.5²), ν = 3.
 * At the true normalizer c* = −½ log 2π, E[∂loss/∂c] = −∫p_d·νp_g/(p_d + νp_g) + ν∫p_g·p_d/(p_d + νp_g) = 0.
 */
const TRUE_C = -0.5 * Math.log(2 * Math.PI);
const NOISE_MEAN = 0.5;
const NOISE_SD = 1.5;
const noiseLogDensity = (x: tf.Tensor): tf.Tensor =>
  tf.sub(tf.mul(-0.5, tf.square(tf.div(tf.sub(x, NOISE_MEAN), NOISE_SD))), Math.log(NOISE_SD * Math.sqrt(2 * Math.PI)));

function gradientInC(c: number, seed: number, n: number, nu: number): number {
  const rng = new Rng(seed);
  const data = tf.tensor1d(rng.normals(n));
  const noise = tf.tensor1d(Array.from(rng.normals(nu * n), (z) => NOISE_MEAN + NOISE_SD * z));
  const modelLogDensity = (x: tf.Tensor, cc: tf.Tensor): tf.Tensor => tf.add(tf.mul(-0.5, tf.square(x)), cc);
  const grad = tf.grad((cc: tf.Tensor) =>
    nceLoss({
      modelLogDensityData: modelLogDensity(data, cc),
      noiseLogDensityData: noiseLogDensity(data),
      modelLogDensityNoise: modelLogDensity(noise, cc),
      noiseLogDensityNoise: noiseLogDensity(noise),
      nu,
    }),
  )(tf.scalar(c));
  data.dispose();
  noise.dispose();
  return take(grad);
}

test('at the true model and normalizer the gradient in c averages to 0 across seeds; a wrong c is pushed back', () => {
  const seeds = Array.from({ length: 30 }, (_, i) => i + 1);
  const summary = (c: number): { mean: number; standardError: number } => {
    const grads = seeds.map((s) => gradientInC(c, s, 1000, 3));
    const m = mean(grads);
    const sd = Math.sqrt(grads.reduce((s, g) => s + (g - m) ** 2, 0) / (grads.length - 1));
    return { mean: m, standardError: sd / Math.sqrt(grads.length) };
  };
  const atTruth = summary(TRUE_C);
  assert.ok(Math.abs(atTruth.mean) < 4 * atTruth.standardError, `mean ∂/∂c ${atTruth.mean} ± ${atTruth.standardError}`);
  const tooLarge = summary(TRUE_C + 0.3);
  assert.ok(tooLarge.mean > 10 * tooLarge.standardError, `c too large: mean ∂/∂c ${tooLarge.mean} ± ${tooLarge.standardError} > 0`);
  const tooSmall = summary(TRUE_C - 0.3);
  assert.ok(tooSmall.mean < -10 * tooSmall.standardError, `c too small: mean ∂/∂c ${tooSmall.mean} ± ${tooSmall.standardError} < 0`);
});

test('minimizing over c alone recovers the log-normalizer −½ log 2π (loss convex in c: bisection on ∂/∂c)', () => {
  let [lo, hi] = [TRUE_C - 2, TRUE_C + 2];
  for (let i = 0; i < 25; i++) {
    const mid = (lo + hi) / 2;
    if (gradientInC(mid, 99, 20_000, 1) > 0) hi = mid;
    else lo = mid;
  }
  assertClose((lo + hi) / 2, TRUE_C, { atol: 0.04, rtol: 0 }, 'NCE estimate of c');
});

test('ν must be positive', () => {
  const t = tf.tensor1d([0]);
  assert.throws(() => nceLoss({ modelLogDensityData: t, noiseLogDensityData: t, modelLogDensityNoise: t, noiseLogDensityNoise: t, nu: 0 }), /nu must be positive/);
  t.dispose();
});

test('wasm agrees with cpu', async () => {
  const evaluate = (): number[] => [gradientInC(TRUE_C + 0.1, 4, 256, 2), take(tf.tidy(() => nceLoss(tinyInputs())))];
  assertTierAgreesWithCpu(evaluate, { rtol: 1e-4, atol: 1e-6 });
});
