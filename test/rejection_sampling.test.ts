/** Rejection sampling by a critic's logit: with the exact log density ratio it samples the data's density. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, Rng, tf } from '../src/engine/index.js';
import { RejectionSampler } from '../src/models/rejection_sampling.js';

before(async () => {
  await initEngine();
});

/** n draws of N(mean, sd²) as an [n, 1] tensor. */
const normals = (rng: Rng, mean: number, sd: number) => (n: number) => tf.tensor2d(rng.normals(n, sd).map((v) => v + mean), [n, 1]);

/** Applies f to each value of an [n, 1] tensor. */
const perValue = (f: (x: number) => number) => (x: tf.Tensor) => (x.dataSync() as Float32Array).map(f);

function moments(x: tf.Tensor): { mean: number; sd: number } {
  const v = x.dataSync() as Float32Array;
  const mean = v.reduce((s, a) => s + a, 0) / v.length;
  return { mean, sd: Math.sqrt(v.reduce((s, a) => s + (a - mean) ** 2, 0) / v.length) };
}

test('with the exact log ratio a = log p_d − log p_g, the kept samples follow p_d, and a proposal is kept with probability exp(−sup a)', () => {
  // p_g = N(0, 2²), p_d = N(1, 1): a(x) = log 2 − (x − 1)²/2 + x²/8, largest at x = 4/3, where it is log 2 + 1/6.
  const logRatio = (x: number) => Math.log(2) - (x - 1) ** 2 / 2 + x ** 2 / 8;
  const sampler = new RejectionSampler(normals(new Rng('g'), 0, 2), perValue(logRatio), new Rng('u'), { pilot: 20_000 });
  const kept = sampler.draw(20_000);
  assert.deepEqual(kept.shape, [20_000, 1]);
  const { mean, sd } = moments(kept);
  // Standard errors: 0.007 for the mean, 0.005 for the sd. Had the ratio's sign been flipped the mean would be below 0.
  assert.ok(Math.abs(mean - 1) < 0.03, `mean ${mean}, expected 1`);
  assert.ok(Math.abs(sd - 1) < 0.03, `sd ${sd}, expected 1`);
  const { bound, proposals, kept: count, aboveBound } = sampler.statistics;
  assert.ok(Math.abs(bound - (Math.log(2) + 1 / 6)) < 1e-3, `bound ${bound}, expected log 2 + 1/6`);
  const acceptance = count / proposals;
  assert.ok(Math.abs(acceptance - Math.exp(-(Math.log(2) + 1 / 6))) < 0.012, `acceptance ${acceptance}, expected 0.4232`);
  assert.ok(aboveBound < 0.002 * proposals, `${aboveBound} of ${proposals} proposals above the pilot's bound`);
  kept.dispose();
  sampler.dispose();
});

test('at temperature T the kept samples follow p_g^(1 − 1/T) · p_d^(1/T): sharper than p_d below 1, between p_g and p_d above', () => {
  // p_g = N(0, 2²), p_d = N(1, 1): the product of powers is Gaussian with precision (1 − 1/T)/4 + 1/T
  // and mean (1/T)/precision; a proposal is kept with probability ∫ p_g · exp((a − sup a)/T).
  const logRatio = (x: number) => Math.log(2) - (x - 1) ** 2 / 2 + x ** 2 / 8;
  const supA = Math.log(2) + 1 / 6;
  for (const temperature of [0.5, 2]) {
    const precision = (1 - 1 / temperature) / 4 + 1 / temperature;
    const expected = { mean: 1 / temperature / precision, sd: 1 / Math.sqrt(precision) };
    let acceptanceExpected = 0;
    for (let x = -30; x <= 30; x += 1e-3) acceptanceExpected += 1e-3 * Math.exp(-(x ** 2) / 8 + (logRatio(x) - supA) / temperature) / Math.sqrt(8 * Math.PI);
    const sampler = new RejectionSampler(normals(new Rng('g'), 0, 2), perValue(logRatio), new Rng('u'), { pilot: 20_000, temperature });
    const kept = sampler.draw(20_000);
    const { mean, sd } = moments(kept);
    // Standard errors below 0.01 for both; T = 0.5 and T = 2 are ±0.14 and ∓0.2 away from T = 1's mean.
    assert.ok(Math.abs(mean - expected.mean) < 0.03, `T ${temperature}: mean ${mean}, expected ${expected.mean}`);
    assert.ok(Math.abs(sd - expected.sd) < 0.03, `T ${temperature}: sd ${sd}, expected ${expected.sd}`);
    const { proposals, kept: count, temperature: recorded } = sampler.statistics;
    assert.equal(recorded, temperature);
    assert.ok(Math.abs(count / proposals - acceptanceExpected) < 0.012, `T ${temperature}: acceptance ${count / proposals}, expected ${acceptanceExpected}`);
    kept.dispose();
    sampler.dispose();
  }
});

test('a temperature that is not a positive number is refused by name', () => {
  for (const temperature of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(
      () => new RejectionSampler(normals(new Rng('g'), 0, 1), perValue((x) => -x * x), new Rng('u'), { pilot: 10, temperature }),
      /rejection sampling: the temperature must be a positive number/,
    );
  }
});

test('draws of any size come out whole: samples kept beyond one draw start the next', () => {
  const sampler = new RejectionSampler(normals(new Rng('g'), 0, 1), perValue((x) => -x * x), new Rng('u'), { pilot: 1000, chunk: 64 });
  const sizes = [7, 1, 300, 64];
  const draws = sizes.map((n) => sampler.draw(n));
  assert.deepEqual(draws.map((d) => d.shape[0]), sizes);
  // Every proposal kept so far is in a draw or waiting for the next one: none is dropped.
  assert.ok(sampler.statistics.kept >= sizes.reduce((s, n) => s + n, 0));
  const values = draws.flatMap((d) => [...d.dataSync()]);
  assert.equal(new Set(values).size, values.length, 'a kept sample came out twice');
  tf.dispose(draws);
  sampler.dispose();
});

test('a critic whose logits spread too far to sample by is refused with the counts, not looped on', () => {
  // a = 50x on N(0, 1) proposals: almost every proposal is ~e^-100 below the pilot's largest logit.
  const sampler = new RejectionSampler(normals(new Rng('g'), 0, 1), perValue((x) => 50 * x), new Rng('u'), { pilot: 10_000 });
  assert.throws(() => sampler.draw(100), /rejection sampling kept \d+ of \d+ proposals: the critic's logits spread too far/);
});
