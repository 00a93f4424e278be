/**
 * `discern experiment critic-probe`: given the digits' labels, the critic's MLP head learns the
 * hyperplane rule up to the computed ceiling (so the probe can succeed); on pixels the critic
 * trains without leaks; the command writes its JSON and rejects bad settings.
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
  const final = result.curve[2]!.heldOutAccuracy;
  // Held-out combinations never seen in training: the rule, not a lookup table, was learned.
  assert.ok(final > 0.9, `held-out accuracy ${final}`);
  assert.ok(final < result.ceiling + 0.02, `accuracy ${final} cannot beat the ceiling ${result.ceiling} by more than sampling noise`);
});

test('pixels: the command trains the hyperplane critic, writes its JSON and rejects bad settings', async () => {
  const tensors = tf.memory().numTensors;
  const log = console.log;
  console.log = () => {};
  try {
    await runCriticProbeCommand({ out: work, input: 'pixels', steps: 2, learningRate: 2e-4, batch: 4, shuffledPerReal: 3, r1: 0, seed: 0, json: true, tier: 'auto' });
  } finally {
    console.log = log;
  }
  assert.equal(tf.memory().numTensors, tensors, 'no tensors leaked');
  const report = JSON.parse(readFileSync(join(work, 'critic-probe-pixels.json'), 'utf8')) as CriticProbeResult & { experiment: string };
  assert.equal(report.experiment, 'critic-probe');
  assert.deepEqual(report.curve.map((c) => c.step), [1, 2]);
  assert.equal(report.shuffledPerReal, 3);
  const { loss, heldOutAccuracy } = report.curve[1]!;
  // Two steps from PyTorch's initialisation: logits near 0, so each of the two terms is near log 2.
  assert.ok(Math.abs(loss - 2 * Math.LN2) < 0.2, `loss ${loss}`);
  assert.ok(heldOutAccuracy >= 0 && heldOutAccuracy <= 1);
  assert.throws(() => runCriticProbe({ input: 'pixels', steps: 0, learningRate: 1e-3 }), /critic probe: steps must be an integer ≥ 1 \(got 0\)/);
  assert.throws(() => runCriticProbe({ input: 'labels', steps: 5, learningRate: 1e-3, batch: 1 }), /batch must be an integer ≥ 2/);
  assert.throws(() => runCriticProbe({ input: 'labels', steps: 5, learningRate: 1e-3, shuffledPerReal: 0 }), /shuffledPerReal must be an integer ≥ 1 \(got 0\)/);
  assert.throws(() => runCriticProbe({ input: 'labels', steps: 5, learningRate: 1e-3, r1: -1 }), /r1 must be a number ≥ 0 \(got -1\)/);
});

test('r1: the first step\'s loss (same initial critic, same batch) adds exactly r1 · E‖∇ₓD‖² at the real examples', () => {
  const first = (r1: number) => runCriticProbe({ input: 'labels', steps: 1, learningRate: 1e-3, batch: 8, evalSize: 8, r1 }).curve[0]!.loss;
  const plain = first(0);
  const penalized = [first(1), first(3)];
  // The penalty is the same for both weights at step 1, so the excess scales with the weight.
  assert.ok(penalized[0]! > plain, `${penalized[0]} vs ${plain}`);
  assert.ok(Math.abs((penalized[1]! - plain) - 3 * (penalized[0]! - plain)) < 1e-5, JSON.stringify({ plain, penalized }));
});
