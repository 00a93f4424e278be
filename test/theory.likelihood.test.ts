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
    const curve = m.curve.map((p) => p.logLikelihood);
    assert.ok(curve.every(Number.isFinite), `${m.method}: curve ${curve}`);
    assert.equal(m.curve[0]!.logLikelihood, initial, `${m.method} starts from the shared initial flow`);
  }
});

test('MLE and self-contrastive NCE both raise the held-out log-likelihood by more than 0.5 nat', () => {
  // e^0.5 ≈ 1.65× the density at an average test point; the held-out means have standard errors ≈ 0.02.
  for (const method of ['MLE', 'self-contrastive NCE'] as const) {
    const gain = of(method).heldOutLogLikelihood - initial;
    assert.ok(gain > 0.5, `${method}: ${initial.toFixed(3)} → ${of(method).heldOutLogLikelihood.toFixed(3)}`);
  }
});

test('the test points\' mean log p_d matches the exact −H(p_d) from quadrature, to 4 standard errors', () => {
  const exact = section.data.exactExpectedLogDensity as number;
  const standardError = section.data.trueLogLikelihoodStandardError as number;
  assert.ok(Math.abs(bound - exact) <= 4 * standardError, `held-out ${bound} ± ${standardError}, exact ${exact}`);
});

test('no method beats the true density on held-out data beyond 3 standard errors of the paired gap', () => {
  assert.ok(Number.isFinite(bound) && bound < 0, `bound ${bound}`);
  for (const m of methods) {
    const slack = 3 * m.gapStandardError;
    assert.ok(m.heldOutLogLikelihood <= bound + slack, `${m.method}: ${m.heldOutLogLikelihood} vs bound ${bound} (+${slack})`);
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
