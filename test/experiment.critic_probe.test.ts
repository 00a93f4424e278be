/**
 * `discern experiment critic-probe`: given the digits' labels, the critic's MLP head learns the
 * hyperplane rule up to the computed ceiling (so the probe can succeed); on pixels the critic
 * trains without leaks; the command writes its JSON and rejects bad settings; each criterion's
 * penalty enters the loss times its weight; the Wasserstein critic learns the rule from labels too.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine, tf } from '../src/engine/index.js';
import { runCriticProbeCommand } from '../src/cli/experiment.js';
import { runCriticProbe, type CriticProbeResult } from '../src/experiments/critic_probe.js';
import { sumBaselines } from '../src/tasks/hyperplane.js';

const work = mkdtempSync(join(tmpdir(), 'discern-critic-probe-'));
before(async () => { await initEngine(); });
after(() => rmSync(work, { recursive: true, force: true }));

test('labels: the MLP head learns real vs product-of-marginals up to the ceiling (2 − P_marginal) / 2', () => {
  const tensors = tf.memory().numTensors;
  const result = runCriticProbe({ input: 'labels', steps: 1200, learningRate: 1e-3, evalEvery: 400, evalSize: 2048 });
  assert.equal(tf.memory().numTensors, tensors, 'no tensors leaked');
  assert.ok(Math.abs(result.ceiling - (2 - sumBaselines().marginal) / 2) < 1e-12 && result.ceiling > 0.96 && result.ceiling < 0.97);
  assert.deepEqual(result.curve.map((c) => c.step), [400, 800, 1200]);
  const final = result.curve[2]!.heldOutAccuracy!;
  // Held-out combinations never seen in training: the rule, not a lookup table, was learned.
  assert.ok(final > 0.9, `held-out accuracy ${final}`);
  assert.ok(result.curve[2]!.heldOutAuc > 0.9, `held-out AUC ${result.curve[2]!.heldOutAuc}`);
  assert.ok(final < result.ceiling + 0.02, `accuracy ${final} cannot beat the ceiling ${result.ceiling} by more than sampling noise`);
});

test('pixels: the command trains the hyperplane critic, writes its JSON and rejects bad settings', async () => {
  const tensors = tf.memory().numTensors;
  const log = console.log;
  console.log = () => {};
  try {
    await runCriticProbeCommand({ out: work, input: 'pixels', criterion: 'gan', steps: 2, learningRate: 2e-4, batch: 4, shuffledPerReal: 3, seed: 0, json: true, tier: 'auto' });
  } finally {
    console.log = log;
  }
  assert.equal(tf.memory().numTensors, tensors, 'no tensors leaked');
  const report = JSON.parse(readFileSync(join(work, 'critic-probe-pixels-gan.json'), 'utf8')) as CriticProbeResult & { experiment: string };
  assert.equal(report.experiment, 'critic-probe');
  assert.deepEqual(report.curve.map((c) => c.step), [1, 2]);
  assert.equal(report.shuffledPerReal, 3);
  const { loss, heldOutAccuracy } = report.curve[1]!;
  // Two steps from PyTorch's initialisation: logits near 0, so each of the two terms is near log 2.
  assert.ok(Math.abs(loss - 2 * Math.LN2) < 0.2, `loss ${loss}`);
  assert.ok(heldOutAccuracy !== null && heldOutAccuracy >= 0 && heldOutAccuracy <= 1);
  assert.equal(report.penaltyWeight, 0, 'the GAN probe has no R1 unless asked');
  assert.throws(() => runCriticProbe({ input: 'pixels', steps: 0, learningRate: 1e-3 }), /critic probe: steps must be an integer ≥ 1 \(got 0\)/);
  assert.throws(() => runCriticProbe({ input: 'labels', steps: 5, learningRate: 1e-3, batch: 1 }), /batch must be an integer ≥ 2/);
  assert.throws(() => runCriticProbe({ input: 'labels', steps: 5, learningRate: 1e-3, shuffledPerReal: 0 }), /shuffledPerReal must be an integer ≥ 1 \(got 0\)/);
  assert.throws(() => runCriticProbe({ input: 'labels', steps: 5, learningRate: 1e-3, penaltyWeight: -1 }), /penaltyWeight must be a number ≥ 0 \(got -1\)/);
  assert.throws(() => runCriticProbe({ input: 'labels', criterion: 'wgan' as never, steps: 5, learningRate: 1e-3 }), /criterion must be one of gan, wgan-gp, wgan-gp-one-sided \(got 'wgan'\)/);
});

for (const criterion of ['gan', 'wgan-gp'] as const) {
  test(`${criterion}: the first step's loss (same initial critic, same batch) adds exactly penaltyWeight · its penalty`, () => {
    const first = (penaltyWeight: number) =>
      runCriticProbe({ input: 'labels', criterion, steps: 1, learningRate: 1e-3, batch: 8, evalSize: 8, penaltyWeight }).curve[0]!.loss;
    const plain = first(0);
    const penalized = [first(1), first(3)];
    // The penalty (R1 at the real examples; WGAN-GP's at interpolates of real and shuffled ones,
    // from the same seed) is the same for both weights at step 1, so the excess scales with the weight.
    assert.ok(penalized[0]! > plain, `${penalized[0]} vs ${plain}`);
    assert.ok(Math.abs((penalized[1]! - plain) - 3 * (penalized[0]! - plain)) < 1e-5, JSON.stringify({ plain, penalized }));
  });
}

test('wgan-gp: the Wasserstein critic learns the rule from labels (held-out AUC); its scores have no sign, so no accuracy', () => {
  const result = runCriticProbe({ input: 'labels', criterion: 'wgan-gp', penaltyWeight: 0, steps: 400, learningRate: 1e-3, evalEvery: 400, evalSize: 1024 });
  assert.equal(result.criterion, 'wgan-gp');
  const { heldOutAuc, heldOutAccuracy } = result.curve[0]!;
  assert.equal(heldOutAccuracy, null);
  // The best AUC is below 1 by the shuffled examples that sum to 25 anyway (P_marginal / 2 ≈ 0.03).
  assert.ok(heldOutAuc > 0.9 && heldOutAuc < 1 - sumBaselines().marginal / 2 + 0.02, `held-out AUC ${heldOutAuc}`);
  assert.equal(runCriticProbe({ input: 'labels', criterion: 'wgan-gp', steps: 1, learningRate: 1e-3, evalSize: 8 }).penaltyWeight, 10, "[H17]'s λ by default");
});
