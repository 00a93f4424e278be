import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../src/engine/index.js';
import { figure1Section } from '../src/theory/figure1.js';
import { GENERATOR_COSTS, generatorCostsSection, gradientMoments, gradientVarianceSection, mleGradient, type Mismatch } from '../src/theory/generator_costs.js';
import { cosine, norm } from '../src/theory/numeric.js';
import type { TheorySection } from '../src/theory/types.js';

const [minimax, nonSaturating, maximumLikelihood] = GENERATOR_COSTS as [(typeof GENERATOR_COSTS)[number], (typeof GENERATOR_COSTS)[number], (typeof GENERATOR_COSTS)[number]];
const MISMATCHES: Mismatch[] = [
  { meanGap: 0.25, sdRatio: 1 },
  { meanGap: 1, sdRatio: 0.5 },
  { meanGap: 2, sdRatio: 1.5 },
  { meanGap: 3, sdRatio: 0.75 },
  { meanGap: 4, sdRatio: 2 },
];
const expectedGradient = (m: Mismatch, cost = maximumLikelihood): [number, number] => gradientMoments(cost, m).mean;

let sections: { costs: TheorySection; variance: TheorySection; figure1: TheorySection };
let leakedTensors = 0;

before(async () => {
  await initEngine();
  const tensors = tf.memory().numTensors;
  const options = { quick: true, seed: 7 };
  sections = { costs: await generatorCostsSection(options), variance: await gradientVarianceSection(options), figure1: await figure1Section(options) };
  leakedTensors = tf.memory().numTensors - tensors;
});

test('ML cost with a* fixed: exact expected gradient = ∇KL(p_d‖p_g), the MLE gradient, to 1e-8 in both parameters', () => {
  for (const m of MISMATCHES) {
    const mle = mleGradient(m);
    const gradient = expectedGradient(m);
    gradient.forEach((g, i) => assert.ok(Math.abs(g - mle[i]!) <= 1e-8 * norm(mle), `δ=${m.meanGap}, r=${m.sdRatio}, θ_${i}: ${g} vs ${mle[i]}`));
  }
});

test('at p_g = p_d every cost’s gradient and its variance are exactly 0', () => {
  for (const cost of GENERATOR_COSTS) {
    const { mean, variance } = gradientMoments(cost, { meanGap: 0, sdRatio: 1 });
    assert.deepEqual([...mean, ...variance].map(Math.abs), [0, 0, 0, 0], cost.id);
  }
});

test('minimax and non-saturating are not the MLE gradient: at δ = 1, σ_d = σ, |minimax| < ½|MLE| and non-saturating is > 50° off', () => {
  const m = { meanGap: 1, sdRatio: 1 };
  const mle = mleGradient(m);
  const ratio = norm(expectedGradient(m, minimax)) / norm(mle);
  const cos = cosine(expectedGradient(m, nonSaturating), mle);
  assert.ok(ratio < 0.5, `minimax norm ratio ${ratio}`);
  assert.ok(cos < Math.cos((50 * Math.PI) / 180), `non-saturating cosine ${cos}`);
});

test('minimax + non-saturating = ∇KL(p_g‖p_d), since −ζ(a) + ζ(−a) = −a', () => {
  for (const m of MISMATCHES) {
    const sum = expectedGradient(m, minimax).map((g, i) => g + expectedGradient(m, nonSaturating)[i]!);
    const reverseKl = [-m.meanGap / m.sdRatio ** 2, 1 / m.sdRatio ** 2 - 1];
    sum.forEach((g, i) => assert.ok(Math.abs(g - reverseKl[i]!) <= 1e-9 * norm(reverseKl), `δ=${m.meanGap}, r=${m.sdRatio}, θ_${i}`));
  }
});

test('generator-costs section: its checks pass, minimax saturates, and the MC gradients sit within 5 s.e. of exact', () => {
  const failed = sections.costs.summary.filter((r) => r.ok === false).map((r) => r.label);
  assert.deepEqual(failed, []);
  const mc = sections.costs.data.monteCarlo as Array<{ cost: string; zScores: number[]; cosine: number }>;
  assert.ok(mc.length > 0);
  for (const row of mc) row.zScores.forEach((z) => assert.ok(Math.abs(z) < 5, `${row.cost}: z = ${z}`));
  for (const row of mc.filter((r) => r.cost === 'maximum-likelihood')) assert.ok(row.cosine > 0.99, `ML MC cosine ${row.cosine}`);
});

test('gradient variance: MC batch variance within 25% of exact; the ML cost’s relative error grows with mismatch', () => {
  const mc = sections.variance.data.monteCarlo as Array<{ cost: string; meanGap: number; ratio: number }>;
  for (const row of mc) assert.ok(Math.abs(row.ratio - 1) <= 0.25, `${row.cost} at δ=${row.meanGap}: MC/exact ${row.ratio}`);
  const relativeError = (m: Mismatch): number => {
    const { mean, variance } = gradientMoments(maximumLikelihood, m);
    return Math.sqrt(variance[0] + variance[1]) / norm(mean);
  };
  const errors = [0.5, 1, 2, 3].map((meanGap) => relativeError({ meanGap, sdRatio: 1 }));
  errors.slice(1).forEach((e, i) => assert.ok(e > errors[i]!, `rel. error ${errors.join(', ')}`));
  assert.ok(errors[3]! > 100 * errors[0]!, `rel. error ${errors.join(', ')}`);
  assert.deepEqual(sections.variance.summary.filter((r) => r.ok === false).map((r) => r.label), []);
});

test('figure 1: the library’s losses and their slopes match the closed forms to float32 tolerance', () => {
  const curves = sections.figure1.data.curves as Array<{ D: number; cost: string; value: number; closedForm: number }>;
  assert.equal(curves.length, 3 * 100);
  for (const c of curves) assert.ok(Math.abs(c.value - c.closedForm) <= 1e-5 * Math.max(1, Math.abs(c.closedForm)), `${c.cost} at D=${c.D}`);
  const slopes = sections.figure1.data.slopes as Array<{ logit: number; cost: string; autodiff: number }>;
  const expected: Record<string, (a: number) => number> = {
    minimax: (a) => -1 / (1 + Math.exp(-a)),
    'non-saturating': (a) => -1 / (1 + Math.exp(a)),
    'maximum-likelihood': (a) => -Math.exp(a),
  };
  for (const s of slopes) assert.ok(Math.abs(s.autodiff - expected[s.cost]!(s.logit)) <= 1e-5 * Math.max(1, Math.abs(s.autodiff)), `${s.cost} slope at a=${s.logit}`);
});

test('sections free their tensors and their data survives a JSON round trip', () => {
  assert.equal(leakedTensors, 0);
  for (const section of Object.values(sections)) assert.deepEqual(JSON.parse(JSON.stringify(section.data)), section.data, section.id);
});
