import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../src/engine/index.js';
import { LIKELIHOOD_METHODS, likelihoodComparisonSection, type LikelihoodMethodResult } from '../src/theory/likelihood.js';
import type { TheorySection } from '../src/theory/types.js';

type MethodData = Omit<LikelihoodMethodResult, 'samples'>;

let section: TheorySection;
let methods: MethodData[];
let bound: number;
let initial: number;
let leakedTensors = 0;

before(async () => {
  await initEngine();
  const tensors = tf.memory().numTensors;
  section = await likelihoodComparisonSection({ quick: true, seed: 0 });
  leakedTensors = tf.memory().numTensors - tensors;
  methods = section.data.methods as MethodData[];
  bound = section.data.trueLogLikelihood as number;
  initial = section.data.initialLogLikelihood as number;
});

const of = (method: (typeof LIKELIHOOD_METHODS)[number]): MethodData => methods.find((m) => m.method === method)!;

test('the report covers MLE, the three GAN costs and both NCEs, in its data and its summary', () => {
  assert.deepEqual(methods.map((m) => m.method), [...LIKELIHOOD_METHODS]);
  for (const method of LIKELIHOOD_METHODS) {
    assert.ok(section.summary.some((row) => row.label.startsWith(method)), `summary row for ${method}`);
  }
});

test('every method ends with a finite held-out log-likelihood, and its curve is finite throughout', () => {
  for (const m of methods) {
    assert.ok(Number.isFinite(m.heldOutLogLikelihood), `${m.method}: ${m.heldOutLogLikelihood}`);
    assert.ok(m.curve.every((p) => Number.isFinite(p.logLikelihood)), `${m.method}: curve ${m.curve.map((p) => p.logLikelihood)}`);
    assert.equal(m.curve[0]!.logLikelihood, initial, `${m.method} starts from the shared initial flow`);
  }
});

test('MLE and self-contrastive NCE both raise the held-out log-likelihood by more than 2 nats', () => {
  for (const method of ['MLE', 'self-contrastive NCE'] as const) {
    const gain = of(method).heldOutLogLikelihood - initial;
    assert.ok(gain > 2, `${method}: ${initial.toFixed(3)} → ${of(method).heldOutLogLikelihood.toFixed(3)}`);
  }
});

test('no method beats the true density on held-out data beyond 3 standard errors of the paired gap', () => {
  assert.ok(Number.isFinite(bound) && bound < 0, `bound ${bound}`);
  for (const m of methods) {
    assert.ok(m.heldOutLogLikelihood <= bound + 3 * m.gapStandardError, `${m.method}: ${m.heldOutLogLikelihood} vs bound ${bound}`);
  }
});

test('figures: one curve per method, and at most 500 points per scatter panel', () => {
  const [curves, scatter] = section.figures;
  const curveRows = (curves!.spec as { layer: Array<{ data: { values: Array<{ method: string }> } }> }).layer[0]!.data.values;
  assert.deepEqual([...new Set(curveRows.map((r) => r.method))], [...LIKELIHOOD_METHODS]);
  const points = (scatter!.spec as { data: { values: Array<{ panel: string }> } }).data.values;
  for (const panel of ['data', ...LIKELIHOOD_METHODS]) {
    const count = points.filter((p) => p.panel === panel).length;
    assert.ok(count > 0 && count <= 500, `${panel}: ${count} points`);
  }
});

test('the section frees every tensor it makes', () => {
  assert.equal(leakedTensors, 0);
});
