/**
 * discern's criteria (float32) against float64 PyTorch values written by
 * bench/criteria_fixtures.py into test/fixtures/criteria.json.
 */
import { before, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { initEngine, tf } from '../src/engine/index.js';
import {
  energyDistance,
  gaussianElbo,
  ganDiscriminatorLoss,
  gradientPenalty,
  maximumLikelihoodGeneratorLoss,
  medianBandwidth,
  minimaxGeneratorLoss,
  mmd2,
  nceLoss,
  nonSaturatingGeneratorLoss,
  sinkhornDivergence,
} from '../src/criteria/index.js';
import { assertAllClose, assertClose, maxAbs, take, takeAll } from './helpers/numeric.js';

interface Graded {
  value: number;
  gradX: number[];
  gradY: number[];
}

const fixtures = JSON.parse(readFileSync(new URL('./fixtures/criteria.json', import.meta.url), 'utf8'));

before(async () => {
  await initEngine();
  tf.setBackend('cpu');
});

/** Float32 against float64: values to rtol, gradients to rtol of their largest entry. */
function assertGradients(actual: tf.Tensor[], expected: number[][], rtol: number, what: string): void {
  actual.forEach((g, i) => {
    assertAllClose(takeAll(g), expected[i]!, { rtol, atol: 0, scale: maxAbs(expected[i]!) }, `${what}: gradient ${i}`);
  });
}

/** Value and gradients in both point sets of a criterion of (x, y). */
function checkPairCriterion(f: (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Scalar, x: number[][], y: number[][], expected: Graded, rtol: number, what: string): void {
  const [tx, ty] = [tf.tensor2d(x), tf.tensor2d(y)];
  assertClose(take(f(tx, ty)), expected.value, { rtol, atol: 1e-6 }, what);
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a as tf.Tensor2D, b as tf.Tensor2D))([tx, ty]);
  assertGradients(grads, [expected.gradX, expected.gradY], rtol, what);
  tx.dispose();
  ty.dispose();
}

test('GAN losses and their gradients', () => {
  const { gan } = fixtures;
  const [real, fake] = [tf.tensor1d(gan.real), tf.tensor1d(gan.fake)];
  assertClose(take(ganDiscriminatorLoss(real, fake)), gan.discriminator.value, {}, 'discriminator');
  assertGradients(tf.grads((r: tf.Tensor, f: tf.Tensor) => ganDiscriminatorLoss(r, f))([real, fake]), [gan.discriminator.gradReal, gan.discriminator.gradFake], 1e-5, 'discriminator');
  const costs = { minimax: minimaxGeneratorLoss, nonSaturating: nonSaturatingGeneratorLoss, maximumLikelihood: maximumLikelihoodGeneratorLoss };
  for (const [name, cost] of Object.entries(costs)) {
    assertClose(take(cost(fake)), gan[name].value, {}, name);
    assertGradients([tf.grad(cost)(fake)], [gan[name].gradFake], 1e-5, name);
  }
  real.dispose();
  fake.dispose();
});

test('NCE loss and its gradients in all four log-densities', () => {
  const { nce } = fixtures;
  const inputs = [nce.modelLogDensityData, nce.noiseLogDensityData, nce.modelLogDensityNoise, nce.noiseLogDensityNoise].map((v: number[]) => tf.tensor1d(v));
  const loss = (md: tf.Tensor, nd: tf.Tensor, mn: tf.Tensor, nn: tf.Tensor): tf.Scalar =>
    nceLoss({ modelLogDensityData: md, noiseLogDensityData: nd, modelLogDensityNoise: mn, noiseLogDensityNoise: nn, nu: nce.nu });
  assertClose(take(loss(inputs[0]!, inputs[1]!, inputs[2]!, inputs[3]!)), nce.value);
  assertGradients(tf.grads(loss)(inputs), nce.grads, 1e-5, 'nce');
  inputs.forEach((t) => t.dispose());
});

test('MMD² (both estimators), its gradients, and the median bandwidth', () => {
  const { mmd } = fixtures;
  for (const estimator of ['biased', 'unbiased'] as const) {
    checkPairCriterion((x, y) => mmd2(x, y, { bandwidths: mmd.bandwidths, estimator }), mmd.x, mmd.y, mmd[estimator], 1e-4, estimator);
  }
  assertClose(tf.tidy(() => medianBandwidth(tf.tensor2d(mmd.x), tf.tensor2d(mmd.y))), mmd.medianBandwidth, { rtol: 1e-5 }, 'median bandwidth');
});

test('Sinkhorn divergence (debiased) and OT_ε, with gradients, against 2000 float64 iterations', () => {
  const { sinkhorn } = fixtures;
  for (const name of ['debiased', 'biased'] as const) {
    checkPairCriterion((x, y) => sinkhornDivergence(x, y, { blur: sinkhorn.blur, debias: name === 'debiased' }), sinkhorn.x, sinkhorn.y, sinkhorn[name], 1e-4, name);
  }
});

test('energy distance and its gradients', () => {
  const { energy } = fixtures;
  checkPairCriterion(energyDistance, energy.x, energy.y, energy, 1e-4, 'energy');
});

test('Gaussian ELBO and its gradients in the reconstruction, mean and log-variance', () => {
  const { elbo } = fixtures;
  const x = tf.tensor2d(elbo.x);
  const inputs = [tf.tensor2d(elbo.reconstruction), tf.tensor2d(elbo.mean), tf.tensor2d(elbo.logVariance)];
  const f = (r: tf.Tensor, mean: tf.Tensor, logVariance: tf.Tensor): tf.Scalar =>
    gaussianElbo({ x, reconstruction: r, mean: mean as tf.Tensor2D, logVariance: logVariance as tf.Tensor2D, sigma: elbo.sigma });
  assertClose(take(f(inputs[0]!, inputs[1]!, inputs[2]!)), elbo.value, { rtol: 1e-5 });
  assertGradients(tf.grads(f)(inputs), [elbo.gradReconstruction, elbo.gradMean, elbo.gradLogVariance], 1e-5, 'elbo');
  [x, ...inputs].forEach((t) => t.dispose());
});

test('gradient penalty of a tanh critic and its second-order gradient in the weights', () => {
  const { gradientPenalty: gp } = fixtures;
  // real = fake: the interpolates are the points whatever ε the seed draws.
  const points = tf.tensor2d(gp.points);
  const weights = [tf.tensor2d(gp.w1), tf.tensor1d(gp.b1), tf.tensor2d(gp.w2)];
  for (const name of ['twoSided', 'oneSided'] as const) {
    const penalty = (w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor): tf.Scalar =>
      gradientPenalty((x) => tf.matMul(tf.tanh(tf.add(tf.matMul(x as tf.Tensor2D, w1 as tf.Tensor2D), b1)), w2 as tf.Tensor2D), points, points, { seed: 1, oneSided: name === 'oneSided' });
    assertClose(take(penalty(weights[0]!, weights[1]!, weights[2]!)), gp[name].value, { rtol: 1e-5 }, name);
    assertGradients(tf.grads(penalty)(weights), [gp[name].gradW1, gp[name].gradB1, gp[name].gradW2], 1e-4, name);
  }
  [points, ...weights].forEach((t) => t.dispose());
});
