import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, Rng, tf } from '../src/engine/index.js';
import { gaussianElbo } from '../src/criteria/index.js';
import { assertAllClose, assertClose, assertTierAgreesWithCpu, take, takeAll } from './helpers/numeric.js';

before(async () => {
  await initEngine();
  tf.setBackend('cpu');
});

function elbo(x: number[][], reconstruction: number[][], mean: number[][], logVariance: number[][], sigma: number): number {
  return tf.tidy(() =>
    gaussianElbo({
      x: tf.tensor2d(x),
      reconstruction: tf.tensor2d(reconstruction),
      mean: tf.tensor2d(mean),
      logVariance: tf.tensor2d(logVariance),
      sigma,
    }).dataSync()[0]!,
  );
}

test('1-D closed form: log N(x; r, σ²) − KL(N(μ, v) ‖ N(0, 1))', () => {
  const [x, r, mu, v, sigma] = [1.2, 0.5, 0.3, 0.5, 0.7];
  const logLikelihood = -((x - r) ** 2) / (2 * sigma ** 2) - 0.5 * Math.log(2 * Math.PI * sigma ** 2);
  const kl = 0.5 * (v + mu ** 2 - 1 - Math.log(v));
  assertClose(elbo([[x]], [[r]], [[mu]], [[Math.log(v)]], sigma), logLikelihood - kl);
});

test('image-shaped data: a perfect reconstruction with q = prior gives exactly −(d/2)·log(2πσ²), d = features per sample', () => {
  const x = tf.tensor4d(new Rng(1).normals(18), [2, 3, 3, 1]);
  const zeros = tf.zeros([2, 4]) as tf.Tensor2D;
  const value = take(gaussianElbo({ x, reconstruction: x, mean: zeros, logVariance: zeros, sigma: 0.3 }));
  assertClose(value, -(9 / 2) * Math.log(2 * Math.PI * 0.09));
  x.dispose();
  zeros.dispose();
});

/**
 * Linear-Gaussian model z ~ N(0, 1), x | z ~ N(w z, σ²I) with 3 features: p(x) = N(0, wwᵀ + σ²I)
 * and the posterior is N(m, s²), s² = 1/(1 + ‖w‖²/σ²), m = s²·w·x/σ². E_q[ELBO estimate] =
 * log p(x) − KL(q ‖ posterior). log p(x | z) is quadratic in z, so z samples moment-matched to q's
 * mean and variance make the batch mean that expectation exactly.
 */
test('linear-Gaussian model: the averaged ELBO equals log p(x) at the exact posterior, and log p(x) − KL(q‖posterior) elsewhere', () => {
  const w = [0.8, -1.1, 0.4];
  const sigma = 0.6;
  const x = [0.5, -1.0, 0.9];
  const normW2 = w.reduce((s, v) => s + v * v, 0);
  const postVar = 1 / (1 + normW2 / sigma ** 2);
  const postMean = (postVar * w.reduce((s, v, k) => s + v * x[k]!, 0)) / sigma ** 2;
  // log N(x; 0, wwᵀ + σ²I): det = σ⁴(σ² + ‖w‖²); inverse by Sherman–Morrison.
  const xx = x.reduce((s, v) => s + v * v, 0);
  const wx = w.reduce((s, v, k) => s + v * x[k]!, 0);
  const quadratic = xx / sigma ** 2 - wx ** 2 / (sigma ** 2 * (sigma ** 2 + normW2));
  const logEvidence = -1.5 * Math.log(2 * Math.PI) - 0.5 * Math.log(sigma ** 4 * (sigma ** 2 + normW2)) - 0.5 * quadratic;

  const batch = 1000;
  const standard = Array.from(new Rng(3).normals(batch));
  const m = standard.reduce((s, v) => s + v, 0) / batch;
  const sd = Math.sqrt(standard.reduce((s, v) => s + (v - m) ** 2, 0) / batch);
  const matched = standard.map((v) => (v - m) / sd);
  const averagedElbo = (qMean: number, qVar: number): number => {
    const z = matched.map((v) => qMean + Math.sqrt(qVar) * v);
    return elbo(z.map(() => x), z.map((zi) => w.map((wk) => wk * zi)), z.map(() => [qMean]), z.map(() => [Math.log(qVar)]), sigma);
  };
  assertClose(averagedElbo(postMean, postVar), logEvidence, { rtol: 1e-5 }, 'ELBO at the posterior');
  const [qMean, qVar] = [postMean + 0.5, postVar * 2];
  const klToPosterior = 0.5 * (Math.log(postVar / qVar) + (qVar + (qMean - postMean) ** 2) / postVar - 1);
  assertClose(averagedElbo(qMean, qVar), logEvidence - klToPosterior, { rtol: 1e-5 }, 'ELBO away from the posterior');
});

test('gradients: ∂/∂r = (x − r)/(σ²B), ∂/∂μ = −μ/B, ∂/∂lv = −½(e^lv − 1)/B', () => {
  const rng = new Rng(4);
  const [batch, features, latent, sigma] = [3, 2, 2, 0.8];
  const x = Array.from(rng.normals(batch * features));
  const r = Array.from(rng.normals(batch * features));
  const mu = Array.from(rng.normals(batch * latent));
  const lv = Array.from(rng.normals(batch * latent, 0.5));
  const [gr, gm, gv] = tf.grads((rr: tf.Tensor, mm: tf.Tensor, vv: tf.Tensor) =>
    gaussianElbo({ x: tf.tensor2d(x, [batch, features]), reconstruction: rr, mean: mm as tf.Tensor2D, logVariance: vv as tf.Tensor2D, sigma }),
  )([tf.tensor2d(r, [batch, features]), tf.tensor2d(mu, [batch, latent]), tf.tensor2d(lv, [batch, latent])]);
  assertAllClose(takeAll(gr!), x.map((xi, i) => (xi - r[i]!) / (sigma ** 2 * batch)), {}, '∂/∂r');
  assertAllClose(takeAll(gm!), mu.map((m) => -m / batch), {}, '∂/∂μ');
  assertAllClose(takeAll(gv!), lv.map((v) => (-0.5 * (Math.exp(v) - 1)) / batch), {}, '∂/∂lv');
});

test('mismatched shapes and a non-positive σ are rejected', () => {
  const a = tf.zeros([2, 3]);
  const b = tf.zeros([2, 4]);
  const z = tf.zeros([2, 1]) as tf.Tensor2D;
  assert.throws(() => gaussianElbo({ x: a, reconstruction: b, mean: z, logVariance: z, sigma: 1 }), /same shape/);
  assert.throws(() => gaussianElbo({ x: a, reconstruction: a, mean: z, logVariance: z, sigma: 0 }), /sigma/);
  for (const t of [a, b, z]) t.dispose();
});

test('wasm agrees with cpu', async () => {
  const rng = new Rng(5);
  const data = [rng.normals(64 * 10), rng.normals(64 * 10), rng.normals(64 * 4), rng.normals(64 * 4, 0.3)];
  const evaluate = (): number[] => {
    const [x, r, mu, lv] = [tf.tensor2d(data[0]!, [64, 10]), tf.tensor2d(data[1]!, [64, 10]), tf.tensor2d(data[2]!, [64, 4]), tf.tensor2d(data[3]!, [64, 4])];
    const value = take(gaussianElbo({ x, reconstruction: r, mean: mu, logVariance: lv, sigma: 0.5 }));
    for (const t of [x, r, mu, lv]) t.dispose();
    return [value];
  };
  assertTierAgreesWithCpu(evaluate, { rtol: 1e-5 });
});
