/** Every criterion trains through the same objective interface: finite metrics, learning, no leaks, full state. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, Rng, tf } from '../src/engine/index.js';
import { r1Penalty } from '../src/criteria/gan.js';
import { BatchNorm, Dense, leakyRelu, relu, Sequential } from '../src/models/layers.js';
import { averageGenerator } from '../src/train/generator_average.js';
import { CRITERIA, defaultSettings, makeObjective, samplingGenerator, type CriterionName, type Objective, type ScoreNegatives } from '../src/train/objectives.js';
import type { Scheduled } from '../src/train/schedule.js';

before(async () => {
  await initEngine();
});

/** 2-D data N((2, −1), 0.5²I); generator, critic and encoder are small MLPs. */
function toyProblem(
  criterion: CriterionName,
  { seed = 0, negativeData = 0, negatives, penaltyWeight, penaltyEvery = 1, criticSteps }:
  { seed?: number; negativeData?: number; negatives?: ScoreNegatives; penaltyWeight?: Scheduled; penaltyEvery?: number; criticSteps?: number } = {},
) {
  const rng = new Rng(seed);
  const latent = 2;
  const generator = new Sequential([new Dense(latent, 16, rng), leakyRelu(0.2), new Dense(16, 2, rng)]);
  const critic = new Sequential([new Dense(2, 16, rng), leakyRelu(0.2), new Dense(16, 1, rng)]);
  const encoder = new Sequential([new Dense(2, 16, rng), leakyRelu(0.2), new Dense(16, 2 * latent, rng)]);
  const defaults = defaultSettings(criterion);
  const settings = { ...defaults, adam: { ...defaults.adam, learningRate: 1e-2 }, mmdBandwidths: [0.5, 1, 2], sinkhornBlur: 0.3, vaeSigma: 0.5, negativeData,
    penaltyWeight: penaltyWeight ?? defaults.penaltyWeight, penaltyEvery, criticSteps: criticSteps ?? defaults.criticSteps };
  const objective = makeObjective(criterion, { generator, critic, encoder, latent }, settings, negatives);
  const dataRng = rng.fork('data');
  const nextBatch = () => tf.tidy(() => tf.add(tf.mul(tf.tensor2d(dataRng.normals(64 * 2), [64, 2]), 0.5), tf.tensor1d([2, -1])));
  /** Distance between the generated mean and the data mean, from 512 samples. */
  const meanError = () => tf.tidy(() => {
    const samples = generator.apply(tf.tensor2d(new Rng('eval').normals(512 * latent), [512, latent]), false);
    return tf.norm(tf.sub(tf.mean(samples, 0), tf.tensor1d([2, -1]))).dataSync()[0]!;
  });
  return { objective, nextBatch, meanError, stepRng: rng.fork('steps'), critic };
}

for (const criterion of CRITERIA) {
  test(`${criterion}: finite metrics, the generated mean moves to the data's, no tensor leaks`, () => {
    const { objective, nextBatch, meanError, stepRng } = toyProblem(criterion);
    const before = meanError();
    objective.step(nextBatch, stepRng);
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 150; i++) {
      const metrics = objective.step(nextBatch, stepRng);
      assert.ok(Object.values(metrics).every(Number.isFinite), `step ${i}: ${JSON.stringify(metrics)}`);
    }
    assert.equal(tf.memory().numTensors, tensors, 'tensors leaked per step');
    const after = meanError();
    assert.ok(after < 0.5 * before, `mean error ${before.toFixed(3)} → ${after.toFixed(3)}`);
  });
}

test('state holds every network variable and optimizer moment; counters count updates', () => {
  const { objective, nextBatch, stepRng } = toyProblem('wgan-gp');
  objective.step(nextBatch, stepRng);
  const names = [...objective.state().keys()];
  assert.ok(names.includes('generator/0.weight') && names.includes('critic/2.bias'));
  assert.ok(names.includes('generator.adam/0.m') && names.includes('critic.adam/3.v'));
  assert.equal(names.filter((n) => n.startsWith('critic.adam/')).length, 2 * 4);
  assert.deepEqual({ ...objective.counters }, { generator: 1, critic: 5 });
});

test('negative data: the critic learns to reject the task\'s negatives, and the generator still reaches the data', () => {
  // Negatives: the real batch moved by (6, 6), a region the data never visits.
  const negatives: ScoreNegatives = (critic, real) => ({ real: critic.apply(real, true), negatives: critic.apply(tf.add(real, 6), true) });
  const { objective, nextBatch, meanError, stepRng, critic } = toyProblem('wgan-gp', { negativeData: 0.25, negatives });
  const before = meanError();
  for (let i = 0; i < 150; i++) objective.step(nextBatch, stepRng);
  assert.ok(meanError() < 0.5 * before, `mean error ${before.toFixed(3)} → ${meanError().toFixed(3)}`);
  const margin = tf.tidy(() => {
    const real = tf.tensor2d([[2, -1]]);
    return tf.sub(critic.apply(real, false), critic.apply(tf.add(real, 6), false)).dataSync()[0]!;
  });
  // Without negatives (α = 0) the critic's extrapolation gives a margin of about 2.6 here; with them, about 11.
  assert.ok(margin > 6, `critic(data mean) − critic(negative mean) = ${margin.toFixed(3)}`);
});

test('negative data: the critic\'s loss is against the mixture, E ζ(−D(x)) + (1 − α)·E ζ(D(G(z))) + α·E ζ(D(x_neg))', () => {
  const rng = new Rng(3);
  // A generator whose output is its bias alone, so D(G(z)) is known without z.
  const generator = new Sequential([new Dense(2, 2, rng)]);
  const [kernel, bias] = generator.variables as [tf.Variable, tf.Variable];
  kernel.assign(tf.zeros(kernel.shape));
  bias.assign(tf.tensor1d([0.5, 1.5]));
  const critic = new Sequential([new Dense(2, 8, rng), leakyRelu(0.2), new Dense(8, 1, rng)]);
  const real = tf.tensor2d(rng.normals(32 * 2), [32, 2]);
  const shifted = tf.add(real, 3);
  const alpha = 0.3;
  const expected = tf.tidy(() => {
    const mean = (x: tf.Tensor) => tf.mean(tf.softplus(x)).dataSync()[0]!;
    return mean(tf.neg(critic.apply(real, false))) + (1 - alpha) * mean(critic.apply(tf.tensor2d([[0.5, 1.5]]), false))
      + alpha * mean(critic.apply(shifted, false));
  });
  const negatives: ScoreNegatives = (D, x) => ({ real: D.apply(x, true), negatives: D.apply(shifted, true) });
  const settings = { ...defaultSettings('gan'), negativeData: alpha };
  const objective = makeObjective('gan', { generator, critic, latent: 2 }, settings, negatives);
  const { critic_loss } = objective.step(() => real.clone(), new Rng(4));
  assert.ok(Math.abs(critic_loss! - expected) < 1e-5, `critic loss ${critic_loss} vs ${expected}`);
  tf.dispose([real, shifted, ...objective.state().values()]);
});

test('criticLearningRate: Adam\'s first step moves every critic parameter by it and every generator parameter by the generator\'s', () => {
  const { nextBatch, stepRng } = toyProblem('gan');
  const rng = new Rng(0);
  const settings = { ...defaultSettings('gan'), adam: { learningRate: 1e-2, beta1: 0.5, beta2: 0.999 }, criticLearningRate: 1e-3 };
  const generator = new Sequential([new Dense(2, 16, rng), leakyRelu(0.2), new Dense(16, 2, rng)]);
  const critic = new Sequential([new Dense(2, 16, rng), leakyRelu(0.2), new Dense(16, 1, rng)]);
  const twoRates = makeObjective('gan', { generator, critic, latent: 2 }, settings, undefined);
  const values = (s: Sequential) => s.variables.map((v) => v.dataSync().slice() as Float32Array);
  const [g0, c0] = [values(generator), values(critic)];
  twoRates.step(nextBatch, stepRng);
  // At t = 1 Adam's step is lr · g / (|g| + ε): ±lr wherever the gradient is not tiny.
  const largestMove = (before: Float32Array[], s: Sequential) =>
    values(s).reduce((m, after, i) => after.reduce((mi, v, j) => Math.max(mi, Math.abs(v - before[i]![j]!)), m), 0);
  assert.ok(Math.abs(largestMove(c0, critic) - 1e-3) < 1e-6, `critic moved ${largestMove(c0, critic)}`);
  assert.ok(Math.abs(largestMove(g0, generator) - 1e-2) < 1e-5, `generator moved ${largestMove(g0, generator)}`);
});

test('negative data is refused where it cannot apply: no negatives, a non-adversarial criterion, α ≥ 1', () => {
  const none: ScoreNegatives = () => ({ real: tf.zeros([1, 1]), negatives: tf.zeros([1, 1]) });
  assert.throws(() => toyProblem('wgan-gp', { negativeData: 0.5 }), /this task defines none/);
  assert.throws(() => toyProblem('mmd', { negativeData: 0.5, negatives: none }), /applies to adversarial criteria.*not 'mmd'/);
  assert.throws(() => toyProblem('gan', { negativeData: 1, negatives: none }), /must be below 1/);
});

test('gan with the R1 penalty: a flatter discriminator at the data, and the generator still reaches it', () => {
  const runs = [0, 1].map((penaltyWeight) => {
    const { objective, nextBatch, meanError, stepRng, critic } = toyProblem('gan', { penaltyWeight });
    const before = meanError();
    for (let i = 0; i < 150; i++) objective.step(nextBatch, stepRng);
    const r1 = tf.tidy(() => r1Penalty((x) => critic.apply(x, false), nextBatch()).dataSync()[0]!);
    return { before, after: meanError(), r1 };
  });
  const [plain, penalized] = runs as [(typeof runs)[0], (typeof runs)[0]];
  assert.ok(penalized.after < 0.5 * penalized.before, `mean error ${penalized.before.toFixed(3)} → ${penalized.after.toFixed(3)}`);
  assert.ok(penalized.r1 < 0.5 * plain.r1, `E‖∇a‖² at the data: ${plain.r1.toFixed(4)} without R1, ${penalized.r1.toFixed(4)} with`);
});

test('lazy and scheduled penalty: critic update t carries k·w(t)·penalty when k divides t, and none otherwise', () => {
  for (const criterion of ['gan', 'wgan-gp'] as const) {
    const c = criterion === 'gan' ? 0.5 : 10;
    // w(t) by hand: constant c; and linear from 2c to c/2 over 4 updates, then c/2.
    const cases = [
      { k: 3, penaltyWeight: c, weights: [c, c, c, c, c, c] },
      { k: 2, penaltyWeight: { from: 2 * c, to: c / 2, steps: 4 }, weights: [2 * c, 1.625 * c, 1.25 * c, 0.875 * c, c / 2, c / 2] },
    ];
    for (const { k, penaltyWeight, weights } of cases) {
      const lazy = toyProblem(criterion, { penaltyWeight, penaltyEvery: k, criticSteps: 1 });
      const values = (objective: Objective) => [...objective.state()].map(([name, v]) => [name, [...v.dataSync()]]);
      weights.forEach((w, t) => {
        // An eager run with the penalty this update should carry, started from the lazy run's state.
        const eager = toyProblem(criterion, { penaltyWeight: t % k === 0 ? k * w : 0, criticSteps: 1 }).objective;
        const state = eager.state();
        for (const [name, v] of lazy.objective.state()) state.get(name)!.assign(v);
        Object.assign(eager.counters, lazy.objective.counters);
        const batch = lazy.nextBatch();
        lazy.objective.step(() => tf.clone(batch), new Rng(`update ${t}`));
        eager.step(() => tf.clone(batch), new Rng(`update ${t}`));
        batch.dispose();
        assert.deepEqual(values(lazy.objective), values(eager), `${criterion}, ${JSON.stringify(penaltyWeight)}, critic update ${t}`);
      });
    }
  }
});

test('generator average (emaDecay): θ̄ follows β_t = min(decay, (1 + t)/(10 + t)) over weights and running statistics; training is unchanged', () => {
  const decay = 0.5; // the warm-up (1 + t)/(10 + t) passes 0.5 at t = 8: both regimes within 20 steps
  const build = () => {
    const rng = new Rng(3);
    const generator = new Sequential([new Dense(2, 8, rng), new BatchNorm(8), relu(), new Dense(8, 2, rng)]);
    const critic = new Sequential([new Dense(2, 8, rng), leakyRelu(0.2), new Dense(8, 1, rng)]);
    const defaults = defaultSettings('gan');
    return { generator, objective: makeObjective('gan', { generator, critic, latent: 2 }, { ...defaults, adam: { ...defaults.adam, learningRate: 1e-2 } }) };
  };
  const plain = build();
  const trained = build();
  const copy = build().generator; // the same seed: the average starts at the initial weights
  const averaged = averageGenerator(trained.objective, copy, decay);
  assert.equal(averaged.networks.generatorAverage, copy);
  assert.equal(samplingGenerator(averaged.networks), copy);
  const read = (g: Sequential) => new Map([...g.state()].map(([name, v]) => [name, Float64Array.from(v.dataSync())]));
  const expected = read(copy);
  const dataRng = new Rng('data');
  const batch = () => tf.tidy(() => tf.add(tf.tensor2d(dataRng.normals(16 * 2), [16, 2]), 3));
  for (let t = 0; t < 20; t++) {
    const real = batch();
    averaged.step(() => tf.clone(real), new Rng(`step ${t}`));
    plain.objective.step(() => tf.clone(real), new Rng(`step ${t}`));
    real.dispose();
    const beta = Math.min(decay, (1 + t) / (10 + t));
    for (const [name, theta] of read(trained.generator)) {
      const average = expected.get(name)!;
      for (let i = 0; i < average.length; i++) average[i] = beta * average[i]! + (1 - beta) * theta[i]!;
    }
    for (const [name, values] of read(copy)) {
      values.forEach((v, i) => assert.ok(Math.abs(v - expected.get(name)![i]!) < 1e-5 * (1 + Math.abs(v)), `step ${t}, ${name}[${i}]: ${v} vs ${expected.get(name)![i]}`));
    }
  }
  assert.ok(expected.has('1.runningMean'), 'the running statistics are averaged too');
  assert.deepEqual(read(trained.generator), read(plain.generator), 'averaging changed the training');
  assert.notDeepEqual(read(copy).get('0.weight'), read(trained.generator).get('0.weight'));
  assert.ok(averaged.state().has('generatorAverage/1.gamma') && averaged.state().has('generatorAverage/1.runningVar'));
  assert.deepEqual({ ...averaged.counters }, { ...plain.objective.counters, generatorAverage: 20 });
  assert.throws(() => averageGenerator(build().objective, copy, 1), /emaDecay must be in \(0, 1\) \(got 1\)/);
});
