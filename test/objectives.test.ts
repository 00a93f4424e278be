/** Every criterion trains through the same objective interface: finite metrics, learning, no leaks, full state. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, Rng, tf } from '../src/engine/index.js';
import { Dense, leakyRelu, Sequential } from '../src/models/layers.js';
import { CRITERIA, defaultSettings, makeObjective, type CriterionName } from '../src/train/objectives.js';

before(async () => {
  await initEngine();
});

/** 2-D data N((2, −1), 0.5²I); generator, critic and encoder are small MLPs. */
function toyProblem(criterion: CriterionName, seed = 0) {
  const rng = new Rng(seed);
  const latent = 2;
  const generator = new Sequential([new Dense(latent, 16, rng), leakyRelu(0.2), new Dense(16, 2, rng)]);
  const critic = new Sequential([new Dense(2, 16, rng), leakyRelu(0.2), new Dense(16, 1, rng)]);
  const encoder = new Sequential([new Dense(2, 16, rng), leakyRelu(0.2), new Dense(16, 2 * latent, rng)]);
  const settings = { ...defaultSettings(criterion), adam: { ...defaultSettings(criterion).adam, learningRate: 1e-2 }, mmdBandwidths: [0.5, 1, 2], sinkhornBlur: 0.3, vaeSigma: 0.5 };
  const objective = makeObjective(criterion, { generator, critic, encoder, latent }, settings);
  const dataRng = rng.fork('data');
  const nextBatch = () => tf.tidy(() => tf.add(tf.mul(tf.tensor2d(dataRng.normals(64 * 2), [64, 2]), 0.5), tf.tensor1d([2, -1])));
  /** Distance between the generated mean and the data mean, from 512 samples. */
  const meanError = () => tf.tidy(() => {
    const samples = generator.apply(tf.tensor2d(new Rng('eval').normals(512 * latent), [512, latent]), false);
    return tf.norm(tf.sub(tf.mean(samples, 0), tf.tensor1d([2, -1]))).dataSync()[0]!;
  });
  return { objective, nextBatch, meanError, stepRng: rng.fork('steps') };
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
