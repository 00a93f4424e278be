/**
 * `discern experiment sample-complexity`: the estimators' known behaviour (unbiased MMD² centred at
 * its truth, errors shrinking with n when p = q), the closed-form truths, the structured-prediction
 * trend, and the command's outputs. Not exact slopes: three seeds cannot pin those down.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine, Rng, tf } from '../src/engine/index.js';
import { runSampleComplexityCommand } from '../src/cli/experiment.js';
import { buildReport } from '../src/report/html.js';
import {
  CASES, DIVERGENCES, drawPair, estimateDivergences, gaussianShiftTruth, SAMPLE_COMPLEXITY_GRIDS, type SampleComplexityResult,
} from '../src/experiments/sample_complexity.js';
import type { StructuredPredictionResult } from '../src/experiments/structured_prediction.js';

const work = mkdtempSync(join(tmpdir(), 'discern-sample-complexity-'));
type Report = SampleComplexityResult & { structuredPrediction: StructuredPredictionResult; figures: Array<{ file: string }> };
let report: Report;
let leaked = 0;

before(async () => {
  await initEngine();
  const tensors = tf.memory().numTensors;
  const log = console.log;
  console.log = () => {}; // --json prints the whole report
  try {
    await runSampleComplexityCommand({ out: work, quick: true, full: false, seed: 0, structured: true, json: true, tier: 'auto' });
  } finally {
    console.log = log;
  }
  leaked = tf.memory().numTensors - tensors;
  report = JSON.parse(readFileSync(join(work, 'sample-complexity.json'), 'utf8')) as Report;
});

after(() => rmSync(work, { recursive: true, force: true }));

const meanAndStandardError = (values: number[]) => {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, standardError: Math.sqrt(variance / values.length) };
};

test('the quick run writes sample-complexity.json with every divergence × d × case × n, its figures, and leaks no tensors', () => {
  assert.equal(leaked, 0, 'tensor leak');
  const grid = SAMPLE_COMPLEXITY_GRIDS.quick;
  for (const divergence of DIVERGENCES) {
    for (const d of grid.dims) {
      for (const kase of CASES) {
        const sizes = report.points.filter((p) => p.divergence === divergence && p.d === d && p.case === kase).map((p) => p.n);
        const expected = grid.sampleSizes.filter((n) => n <= (grid.maxSampleSize[divergence] ?? Infinity));
        assert.deepEqual(sizes, expected, `${divergence}, d = ${d}, ${kase}`);
        const slope = report.slopes.find((s) => s.divergence === divergence && s.d === d && s.case === kase);
        assert.ok(slope && Number.isFinite(slope.slope), `${divergence}, d = ${d}, ${kase}: no fitted slope`);
      }
    }
  }
  assert.ok(report.points.every((p) => p.estimates.length === grid.seeds && p.estimates.every(Number.isFinite)));
  assert.deepEqual(report.figures.map((f) => f.file), ['sample-complexity.svg', 'structured-prediction.svg']);
  for (const { file } of report.figures) assert.match(readFileSync(join(work, file), 'utf8'), /^<svg/);
  assert.ok(!existsSync(join(work, 'sample-complexity.json.tmp-' + process.pid)));
});

test('the HTML report takes the output folder: one section with both figures and the slope table', async () => {
  const html = await buildReport([work]);
  assert.match(html, /<h2>Sample complexity of divergence estimates/);
  assert.equal(html.match(/<svg/g)?.length, 2);
  assert.match(html, /d = 8: fitted \(expected\) slope/);
});

test('p = q: every divergence\'s error shrinks with n in every dimension (smallest n against largest, and a negative slope)', () => {
  for (const divergence of DIVERGENCES) {
    for (const d of SAMPLE_COMPLEXITY_GRIDS.quick.dims) {
      const series = report.points.filter((p) => p.divergence === divergence && p.d === d && p.case === 'same');
      const [first, last] = [series[0]!, series[series.length - 1]!];
      assert.ok(last.error < first.error, `${divergence}, d = ${d}: error ${first.error} at n = ${first.n}, ${last.error} at n = ${last.n}`);
      const slope = report.slopes.find((s) => s.divergence === divergence && s.d === d && s.case === 'same')!.slope!;
      assert.ok(slope < 0, `${divergence}, d = ${d}: slope ${slope}`);
    }
  }
});

test('unbiased MMD² is centred on its truth: 0 for p = q, the closed form for the Gaussian shift (60 seeds, within 3 standard errors)', () => {
  for (const d of [2, 8]) {
    for (const kase of CASES) {
      const errors: number[] = [];
      for (let s = 0; s < 60; s++) {
        const rng = new Rng(100 + s);
        const [p, q] = drawPair(d, kase, 32, rng);
        const { values, bandwidth } = estimateDivergences(['mmd'], p, q, rng);
        errors.push(values.mmd! - (kase === 'same' ? 0 : gaussianShiftTruth('mmd', d, bandwidth)));
      }
      const { mean, standardError } = meanAndStandardError(errors);
      assert.ok(Math.abs(mean) <= 3 * standardError, `d = ${d}, ${kase}: mean error ${mean} ± ${standardError}`);
    }
  }
});

test('closed-form truths: energy distance agrees with float64 Monte Carlo; Sinkhorn, JS and W with their formulas', () => {
  const rng = new Rng(3);
  const pairs = 100_000;
  for (const d of [1, 2, 8, 32]) {
    // E(p, q) = 2E‖X − Y‖ − E‖X − X′‖ − E‖Y − Y′‖ with X, X′ ~ N(0, I), Y, Y′ ~ N(δ, I), ‖δ‖ = 1 along the first axis.
    // X − Y ~ N(δ, 2I) and X − X′ ~ N(0, 2I), from the same normals so that most noise cancels.
    let monteCarlo = 0;
    for (let i = 0; i < pairs; i++) {
      const z = rng.normals(d, Math.SQRT2);
      const unshifted = Math.hypot(...z);
      z[0]! += 1;
      monteCarlo += (2 * Math.hypot(...z) - 2 * unshifted) / pairs;
    }
    assert.ok(Math.abs(monteCarlo - gaussianShiftTruth('energy', d, 1)) < 0.01, `d = ${d}: Monte Carlo ${monteCarlo}, closed form ${gaussianShiftTruth('energy', d, 1)}`);
  }
  assert.equal(gaussianShiftTruth('sinkhorn-small', 8, 1), 0.5);
  assert.equal(gaussianShiftTruth('parametric-w', 8, 1), 1.05);
  // 2·JS(N(0, 1), N(1, 1)), by an independent Monte Carlo: E_p log(2p/(p + q)) + E_q log(2q/(p + q)).
  const logRatio = (a: number, b: number) => Math.LN2 - Math.log1p(Math.exp(b - a));
  let js = 0;
  for (let i = 0; i < pairs; i++) {
    const [x, y] = [rng.normal(), 1 + rng.normal()];
    js += (logRatio(-0.5 * x * x, -0.5 * (x - 1) ** 2) + logRatio(-0.5 * (y - 1) ** 2, -0.5 * y * y)) / pairs;
  }
  assert.ok(Math.abs(js - gaussianShiftTruth('parametric-js', 8, 1)) < 0.01, `Monte Carlo ${js}, quadrature ${gaussianShiftTruth('parametric-js', 8, 1)}`);
});

test('structured prediction: the 0-1 loss\'s joint learner needs ever more samples as T grows, far more than the Hamming loss\'s bitwise learner', () => {
  const { grid, samplesNeeded } = report.structuredPrediction;
  const needed = (learner: string, taskLoss: string, length: number) => {
    const samples = samplesNeeded.find((s) => s.learner === learner && s.taskLoss === taskLoss && s.length === length)!.samples;
    assert.ok(samples !== null, `${learner} · ${taskLoss} at T = ${length} never reached the target`);
    return samples;
  };
  for (const [i, length] of grid.lengths.entries()) {
    const joint = needed('joint', 'zero-one', length);
    const bitwise = needed('bitwise', 'hamming', length);
    assert.ok(joint > 10 * bitwise, `T = ${length}: joint ${joint}, bitwise ${bitwise}`);
    assert.ok(needed('joint', 'hamming', length) > needed('bitwise', 'hamming', length), `T = ${length}: same task loss`);
    if (i === 0) continue;
    const previous = grid.lengths[i - 1]!;
    // Per added bit: the joint learner's need grows like 2^T or faster, the bitwise one's far slower.
    const perBit = (learner: string, loss: string) => (needed(learner, loss, length) / needed(learner, loss, previous)) ** (1 / (length - previous));
    assert.ok(perBit('joint', 'zero-one') > 1.8, `joint growth per bit ${perBit('joint', 'zero-one')}`);
    assert.ok(perBit('bitwise', 'hamming') < 1.4, `bitwise growth per bit ${perBit('bitwise', 'hamming')}`);
  }
});
