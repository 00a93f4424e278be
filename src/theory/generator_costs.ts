/**
 * [G14] claim (ii) and the variance of the generator costs' gradients, in 1-D where all is exact.
 *
 * Data p_d = N(μ_d, σ_d²); generator x = μ + σz, z ~ N(0, 1), θ = (μ, log σ), p_g = N(μ, σ²). Only
 * δ = (μ_d − μ)/σ and r = σ_d/σ matter, so the generator sits at μ = 0, σ = 1. The optimal
 * discriminator's logit a*(x) = log p_d(x) − log p_g(x) is held fixed. A cost J = E_z f(a*(x))
 * has the per-sample (pathwise) gradient
 *   g(x) = f′(a*(x)) · a*′(x) · (1, x − μ),   a*′(x) = (x − μ)/σ² − (x − μ_d)/σ_d²,
 * whose mean equals the score-function form ∫ ∂_θ p_g(x) f(a*(x)) dx; with that form:
 *   maximum likelihood  f = −e^a   E g = −E_{p_d} ∇_θ log p_g = ∇ KL(p_d‖p_g)      (the MLE gradient)
 *   minimax             f = −ζ(a)  E g = ∇ 2·JS(p_d, p_g)                          (envelope theorem)
 *   non-saturating      f = ζ(−a)  E g = ∇ [KL(p_g‖p_d) − 2·JS(p_d, p_g)]
 *   ∇KL(p_d‖p_g) = (−(μ_d − μ)/σ², 1 − (σ_d² + (μ_d − μ)²)/σ²),  ∇KL(p_g‖p_d) = ((μ − μ_d)/σ_d², σ²/σ_d² − 1).
 * E g and E g² are Simpson quadratures over x in float64; ∇2JS is a central difference of its
 * quadrature, so all three identities are checked against independent computations.
 *
 * Variance: the relative standard error of a batch of n is sd/|mean| = √(tr Cov g / n) / ‖E g‖.
 * The ML cost weighs samples by w = e^{a*} = p_d/p_g, importance weights under p_g:
 * E w² = ∫ p_d²/p_g is finite only for σ_d² < 2σ², and equals e^{δ²} for σ_d = σ, so the effective
 * sample size fraction (E w)²/E w² is e^{−δ²}. Discriminator confidence is E_{p_g}[1 − D*(x)]:
 * ½ when p_g = p_d, → 1 as D* rejects every generated sample.
 */
import { maximumLikelihoodGeneratorLoss, minimaxGeneratorLoss, nonSaturatingGeneratorLoss } from '../criteria/gan.js';
import { initEngine, Rng, tf } from '../engine/index.js';
import { cosine, gaussianLogPdf, integrate, norm, sigmoid, softplus } from './numeric.js';
import type { SummaryRow, TheoryOptions, TheorySection } from './types.js';

export interface GeneratorCost {
  id: 'minimax' | 'non-saturating' | 'maximum-likelihood';
  /** The library's batch-mean cost, on discriminator logits. */
  loss: (logits: tf.Tensor) => tf.Scalar;
  /** The cost in D = σ(a), the axis of [G14] Figure 1. */
  ofD: (d: number) => number;
  /** dJ/da in D. */
  slopeOfD: (d: number) => number;
  /** log |dJ/da|: quadrature works in log space because e^{a*} overflows where p_g underflows. */
  logSlopeMagnitude: (a: number) => number;
}

export const GENERATOR_COSTS: readonly GeneratorCost[] = [
  { id: 'minimax', loss: minimaxGeneratorLoss, ofD: (d) => Math.log(1 - d), slopeOfD: (d) => -d, logSlopeMagnitude: (a) => -softplus(-a) },
  { id: 'non-saturating', loss: nonSaturatingGeneratorLoss, ofD: (d) => -Math.log(d), slopeOfD: (d) => -(1 - d), logSlopeMagnitude: (a) => -softplus(a) },
  {
    id: 'maximum-likelihood',
    loss: maximumLikelihoodGeneratorLoss,
    ofD: (d) => -d / (1 - d),
    slopeOfD: (d) => -d / (1 - d),
    logSlopeMagnitude: (a) => a,
  },
];

/** p_d = N(meanGap, sdRatio²) against p_g = N(0, 1). */
export interface Mismatch {
  meanGap: number;
  sdRatio: number;
}

type Vector2 = [number, number];
const INTERVALS = 20000;

const logPg = (x: number): number => gaussianLogPdf(x, 0, 1);
const logPd = (x: number, m: Mismatch): number => gaussianLogPdf(x, m.meanGap, m.sdRatio);
const optimalLogit = (x: number, m: Mismatch): number => logPd(x, m) - logPg(x);
const optimalLogitSlope = (x: number, m: Mismatch): number => x - (x - m.meanGap) / m.sdRatio ** 2;

/** E_{p_g} w² = ∫ p_d²/p_g is finite only when σ_d² < 2σ²: then p_d²/p_g ∝ N(2δ/(r²τ), 1/τ), τ = 2/r² − 1. */
const tiltPrecision = (m: Mismatch): number => 2 / m.sdRatio ** 2 - 1;

/** ±12 sd around p_g, p_d and (for second moments) p_d²/p_g: the integrands are negligible outside. */
function support(m: Mismatch): Vector2 {
  const ends = [-12, 12, m.meanGap - 12 * m.sdRatio, m.meanGap + 12 * m.sdRatio];
  const tau = tiltPrecision(m);
  if (tau > 0) {
    const centre = (2 * m.meanGap) / m.sdRatio ** 2 / tau;
    ends.push(centre - 12 / Math.sqrt(tau), centre + 12 / Math.sqrt(tau));
  }
  return [Math.min(...ends), Math.max(...ends)];
}

const integrateOver = (m: Mismatch, f: (x: number) => number): number => integrate(f, ...support(m), INTERVALS);

/** Exact E g and the per-component Var g of a cost's per-sample gradient under p_g. */
export function gradientMoments(cost: GeneratorCost, m: Mismatch): { mean: Vector2; variance: Vector2 } {
  // p_g(x)·|f′(a*(x))|^k, with f′ < 0 for every cost.
  const weight = (x: number, k: number): number => Math.exp(logPg(x) + k * cost.logSlopeMagnitude(optimalLogit(x, m)));
  const component = (x: number, i: number): number => optimalLogitSlope(x, m) * (i === 0 ? 1 : x);
  const mean = [0, 1].map((i) => integrateOver(m, (x) => -weight(x, 1) * component(x, i))) as Vector2;
  const divergent = cost.id === 'maximum-likelihood' && tiltPrecision(m) <= 0;
  const variance = [0, 1].map((i) =>
    divergent ? Infinity : integrateOver(m, (x) => weight(x, 2) * component(x, i) ** 2) - mean[i]! ** 2,
  ) as Vector2;
  return { mean, variance };
}

/** ∇_θ KL(p_d‖p_g): the MLE gradient. */
export function mleGradient(m: Mismatch): Vector2 {
  return [-m.meanGap, 1 - (m.sdRatio ** 2 + m.meanGap ** 2)];
}

const reverseKlGradient = (m: Mismatch): Vector2 => [-m.meanGap / m.sdRatio ** 2, 1 / m.sdRatio ** 2 - 1];

/** ∇_θ 2·JS(p_d, p_g(θ)) by central differences of a quadrature: independent of the gradient formulas. */
function jsGradient(m: Mismatch): Vector2 {
  const [lo, hi] = support(m);
  const twiceJs = (mu: number, logSigma: number): number =>
    integrate(
      (x) => {
        const lpd = logPd(x, m);
        const lpg = gaussianLogPdf(x, mu, Math.exp(logSigma));
        return Math.exp(lpd) * (Math.LN2 - softplus(lpg - lpd)) + Math.exp(lpg) * (Math.LN2 - softplus(lpd - lpg));
      },
      lo,
      hi,
      INTERVALS,
    );
  const h = 1e-4;
  return [(twiceJs(h, 0) - twiceJs(-h, 0)) / (2 * h), (twiceJs(0, h) - twiceJs(0, -h)) / (2 * h)];
}

/** The divergence whose gradient each cost's expected gradient is (doc comment). */
function theoreticalGradient(cost: GeneratorCost, m: Mismatch, js: Vector2): Vector2 {
  if (cost.id === 'maximum-likelihood') return mleGradient(m);
  if (cost.id === 'minimax') return js;
  const reverse = reverseKlGradient(m);
  return [reverse[0] - js[0], reverse[1] - js[1]];
}

const relativeError = (a: Vector2, b: Vector2): number => norm([a[0] - b[0], a[1] - b[1]]) / norm(b);
const degrees = (cos: number): number => (Math.acos(Math.min(1, Math.max(-1, cos))) * 180) / Math.PI;

/** a*(x) as a tensor; p_g's parameters are constants here, so no gradient flows through D*. */
function optimalLogits(x: tf.Tensor, m: Mismatch): tf.Tensor {
  const logPdTf = tf.sub(tf.div(tf.square(tf.sub(x, m.meanGap)), -2 * m.sdRatio ** 2), Math.log(m.sdRatio));
  return tf.add(logPdTf, tf.mul(tf.square(x), 0.5));
}

/** The batch-mean gradient of the library's loss w.r.t. (μ, log σ), by tfjs autodiff. */
function monteCarloGradient(cost: GeneratorCost, m: Mismatch, z: Float32Array): Vector2 {
  const [mu, logSigma] = tf.tidy(() => [tf.variable(tf.scalar(0)), tf.variable(tf.scalar(0))]);
  const noise = tf.tensor1d(z);
  const { value, grads } = tf.variableGrads(() => cost.loss(optimalLogits(tf.add(mu, tf.mul(tf.exp(logSigma), noise)), m)), [mu, logSigma]);
  const gradient: Vector2 = [grads[mu.name]!.dataSync()[0]!, grads[logSigma.name]!.dataSync()[0]!];
  tf.dispose([mu, logSigma, noise, value, ...Object.values(grads)]);
  return gradient;
}

const fmt = (v: number): string => (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toPrecision(3) : v.toExponential(1));
const sweepRange = (values: number[]): string => `${fmt(Math.min(...values))} … ${fmt(Math.max(...values))}`;

export async function generatorCostsSection(options: TheoryOptions): Promise<TheorySection> {
  await initEngine();
  const meanGaps = options.quick ? [0.25, 1, 4] : [0.25, 0.5, 1, 1.5, 2, 3, 4];
  const sdRatios = options.quick ? [0.5, 1, 2] : [0.5, 0.75, 1, 1.5, 2];
  const sweep = sdRatios.flatMap((sdRatio) =>
    meanGaps.flatMap((meanGap) => {
      const m = { meanGap, sdRatio };
      const mle = mleGradient(m);
      const js = jsGradient(m);
      return GENERATOR_COSTS.map((cost) => {
        const gradient = gradientMoments(cost, m).mean;
        const cos = cosine(gradient, mle);
        return {
          meanGap,
          sdRatio,
          cost: cost.id,
          gradient,
          mle,
          cosine: cos,
          angleDegrees: degrees(cos),
          normRatio: norm(gradient) / norm(mle),
          errorVsTheory: relativeError(gradient, theoreticalGradient(cost, m, js)),
        };
      });
    }),
  );

  const matched = { meanGap: 0, sdRatio: 1 };
  const matchedMax = Math.max(...GENERATOR_COSTS.flatMap((cost) => gradientMoments(cost, matched).mean.map(Math.abs)));

  // σ_d ≤ σ keeps every moment of the ML weights p_d/p_g finite, so the z-scores are near Gaussian;
  // for σ_d² ≥ 2σ² the ML estimate has no variance, hence no standard error to score against.
  const mcSettings: Mismatch[] = options.quick
    ? [{ meanGap: 1, sdRatio: 1 }, { meanGap: 1, sdRatio: 0.5 }]
    : [{ meanGap: 1, sdRatio: 1 }, { meanGap: 2, sdRatio: 1 }, { meanGap: 1, sdRatio: 0.5 }, { meanGap: 0.5, sdRatio: 0.75 }];
  const samples = 10_000;
  const rng = new Rng(options.seed).fork('generator-costs/monte-carlo');
  const monteCarlo = mcSettings.flatMap((m) => {
    const z = rng.normals(samples);
    const mle = mleGradient(m);
    return GENERATOR_COSTS.map((cost) => {
      const exact = gradientMoments(cost, m);
      const estimate = monteCarloGradient(cost, m, z);
      const zScores = estimate.map((g, i) => (g - exact.mean[i]!) / Math.sqrt(exact.variance[i]! / samples));
      return { ...m, cost: cost.id, samples, estimate, exact: exact.mean, zScores, cosine: cosine(estimate, mle), normRatio: norm(estimate) / norm(mle) };
    });
  });

  const rowsOf = (id: GeneratorCost['id']): typeof sweep => sweep.filter((r) => r.cost === id);
  const ml = rowsOf('maximum-likelihood');
  const mlWorstCosine = Math.min(...ml.map((r) => r.cosine));
  const mlWorstRatio = Math.max(...ml.map((r) => Math.abs(r.normRatio - 1)));
  const worstError = (id: GeneratorCost['id']): number => Math.max(...rowsOf(id).map((r) => r.errorVsTheory));
  const maxZ = Math.max(...monteCarlo.flatMap((r) => r.zScores.map(Math.abs)));
  // With σ_d = σ, ∇2JS fades as the supports part while ∇KL grows like δ², and reverse KL leaves
  // σ alone, so non-saturating's width gradient is −∂2JS/∂log σ: it narrows p_g where MLE widens it.
  const sameWidth = (id: GeneratorCost['id']): typeof sweep => rowsOf(id).filter((r) => r.sdRatio === 1);
  const minimaxRatios = sameWidth('minimax').map((r) => r.normRatio);
  const minimaxSaturates = minimaxRatios.every((v, i) => i === 0 || v < minimaxRatios[i - 1]!);
  const widthOpposes = sameWidth('non-saturating').every((r) => r.gradient[1] * r.mle[1] < 0);

  const summary: SummaryRow[] = [
    { label: 'ML cost vs ∇KL(p_d‖p_g), rel. error', value: worstError('maximum-likelihood').toExponential(1), expected: '≤ 1e-8', ok: worstError('maximum-likelihood') <= 1e-8 },
    { label: 'ML cost: cosine to MLE gradient (worst)', value: `1 − ${(1 - mlWorstCosine).toExponential(0)}`, expected: '1 ± 1e-8', ok: 1 - mlWorstCosine <= 1e-8 },
    { label: 'ML cost: |norm ratio − 1| (worst)', value: mlWorstRatio.toExponential(1), expected: '≤ 1e-8', ok: mlWorstRatio <= 1e-8 },
    { label: 'minimax vs ∇2JS, rel. error', value: worstError('minimax').toExponential(1), expected: '≤ 1e-6', ok: worstError('minimax') <= 1e-6 },
    { label: 'non-sat. vs ∇[KL(p_g‖p_d) − 2JS], rel. error', value: worstError('non-saturating').toExponential(1), expected: '≤ 1e-6', ok: worstError('non-saturating') <= 1e-6 },
    ...(['minimax', 'non-saturating'] as const).flatMap((id) => [
      { label: `${id}: angle to MLE gradient (°)`, value: sweepRange(rowsOf(id).map((r) => r.angleDegrees)) },
      { label: `${id}: norm ratio to MLE gradient`, value: sweepRange(rowsOf(id).map((r) => r.normRatio)) },
    ]),
    { label: 'minimax norm ratio vs δ, σ_d = σ', value: `${fmt(minimaxRatios[0]!)} → ${fmt(minimaxRatios[minimaxRatios.length - 1]!)}`, expected: 'falls (∇2JS saturates)', ok: minimaxSaturates },
    { label: 'non-sat. ∂/∂log σ vs MLE’s, σ_d = σ', value: widthOpposes ? 'opposite sign' : 'same sign somewhere', expected: 'opposite (shrinks σ)', ok: widthOpposes },
    { label: 'matched p_g = p_d: max |E g| over costs', value: matchedMax.toExponential(1), expected: '0', ok: matchedMax === 0 },
    { label: `MC n=10⁴ (tfjs autodiff): max |z| vs exact`, value: maxZ.toFixed(2), expected: '< 5', ok: maxZ < 5 },
  ];

  const costAxis = { field: 'cost', type: 'nominal', title: 'generator cost' } as const;
  const mismatchAxis = { field: 'meanGap', type: 'quantitative', title: '(μ_d − μ)/σ' } as const;
  const facet = { field: 'sdRatio', type: 'ordinal', title: 'σ_d/σ' } as const;
  const plotted = sweep.map(({ meanGap, sdRatio, cost, cosine: c, normRatio }) => ({ meanGap, sdRatio, cost, cosine: c, normRatio }));
  return {
    id: 'generator-costs',
    title: 'Generator costs with the optimal discriminator vs the MLE gradient',
    claim:
      'With D* fixed, the maximum-likelihood cost −E exp(a*(G(z))) has expected gradient ∇KL(p_d‖p_g), the MLE gradient; minimax gives ∇2JS and non-saturating ∇[KL(p_g‖p_d) − 2JS], which are not.',
    summary,
    data: { generator: 'N(0, 1)', sweep, matchedMaxAbsGradient: matchedMax, monteCarlo },
    figures: [
      {
        file: 'generator-costs-cosine.svg',
        title: 'Cosine between each cost’s expected gradient and the MLE gradient',
        spec: {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
          data: { values: plotted },
          mark: { type: 'line', point: true },
          encoding: { x: mismatchAxis, y: { field: 'cosine', type: 'quantitative', title: 'cosine to MLE gradient' }, color: costAxis, column: facet },
          width: 160,
          height: 200,
        },
      },
      {
        file: 'generator-costs-norm-ratio.svg',
        title: 'Norm of each cost’s expected gradient over the MLE gradient’s',
        spec: {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
          data: { values: plotted },
          mark: { type: 'line', point: true },
          encoding: {
            x: mismatchAxis,
            y: { field: 'normRatio', type: 'quantitative', title: '‖E g‖ / ‖MLE gradient‖', scale: { type: 'log' } },
            color: costAxis,
            column: facet,
          },
          width: 160,
          height: 200,
        },
      },
    ],
  };
}

/** Per-sample gradients by tfjs autodiff: each sample gets its own (μ, log σ), so ∂(mean)/∂θ_i = g_i/N. */
function perSampleGradients(cost: GeneratorCost, m: Mismatch, z: Float32Array): [Float32Array, Float32Array] {
  const noise = tf.tensor1d(z);
  const [mu, logSigma] = [tf.zeros([z.length]), tf.zeros([z.length])];
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => cost.loss(optimalLogits(tf.add(a, tf.mul(tf.exp(b), noise)), m)))([mu, logSigma]);
  const [gMu, gLogSigma] = grads.map((g) => (g.dataSync() as Float32Array).map((v) => v * z.length)) as [Float32Array, Float32Array];
  tf.dispose([noise, mu, logSigma, ...grads]);
  return [gMu, gLogSigma];
}

/** Empirical tr Cov of batch means, over consecutive batches of `batch` per-sample gradients. */
function batchMeanVariance(components: Float32Array[], batch: number): number {
  const batches = components[0]!.length / batch;
  return components.reduce((total, values) => {
    const means = Array.from({ length: batches }, (_, b) => values.subarray(b * batch, (b + 1) * batch).reduce((s, v) => s + v, 0) / batch);
    const grand = means.reduce((s, v) => s + v, 0) / batches;
    return total + means.reduce((s, v) => s + (v - grand) ** 2, 0) / (batches - 1);
  }, 0);
}

export async function gradientVarianceSection(options: TheoryOptions): Promise<TheorySection> {
  await initEngine();
  const meanGaps = options.quick ? [0.25, 1, 2, 4] : [0.25, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4];
  const batchSizes = [16, 32, 64, 128, 256, 512, 1024];
  const PLOTTED_BATCH = 64;
  const levels = meanGaps.map((meanGap) => {
    const m = { meanGap, sdRatio: 1 };
    const confidence = integrateOver(m, (x) => Math.exp(logPg(x)) * sigmoid(-optimalLogit(x, m)));
    const meanAbsLogit = integrateOver(m, (x) => Math.exp(logPg(x)) * Math.abs(optimalLogit(x, m)));
    const secondMomentOfWeights = integrateOver(m, (x) => Math.exp(2 * logPd(x, m) - logPg(x)));
    const costs = GENERATOR_COSTS.map((cost) => {
      const { mean, variance } = gradientMoments(cost, m);
      // The batch mean's covariance is Cov g / n, so its relative error falls as 1/√n from this.
      const perSample = Math.sqrt(variance[0] + variance[1]) / norm(mean);
      return {
        cost: cost.id,
        mean,
        variance,
        relativeStandardError: batchSizes.map((n) => ({ batch: n, value: perSample / Math.sqrt(n) })),
        plottedRelativeStandardError: perSample / Math.sqrt(PLOTTED_BATCH),
        batchFor10Percent: Math.ceil((perSample / 0.1) ** 2),
      };
    });
    return { meanGap, confidence, meanAbsLogit, effectiveSampleFraction: 1 / secondMomentOfWeights, costs };
  });

  // Sample variances of heavy-tailed weights converge slowly, so MC checks stay at mild mismatch.
  const batches = options.quick ? 1000 : 2000;
  const rng = new Rng(options.seed).fork('gradient-variance/monte-carlo');
  const monteCarlo = [0.5, 1].flatMap((meanGap) => {
    const m = { meanGap, sdRatio: 1 };
    const z = rng.normals(batches * PLOTTED_BATCH);
    return GENERATOR_COSTS.map((cost) => {
      const { variance } = gradientMoments(cost, m);
      const exact = (variance[0] + variance[1]) / PLOTTED_BATCH;
      const empirical = batchMeanVariance(perSampleGradients(cost, m, z), PLOTTED_BATCH);
      return { meanGap, cost: cost.id, batch: PLOTTED_BATCH, batches, exact, empirical, ratio: empirical / exact };
    });
  });

  type Level = (typeof levels)[number];
  const costAt = (level: Level, id: GeneratorCost['id']): Level['costs'][number] => level.costs.find((c) => c.cost === id)!;
  const plottedErrors = (id: GeneratorCost['id']): number[] => levels.map((l) => costAt(l, id).plottedRelativeStandardError);
  const mlError = plottedErrors('maximum-likelihood');
  const grows = mlError.every((v, i) => i === 0 || v > mlError[i - 1]!);
  const essError = Math.max(...levels.map((l) => Math.abs(l.effectiveSampleFraction / Math.exp(-(l.meanGap ** 2)) - 1)));
  const ratios = monteCarlo.map((r) => r.ratio);
  const mcOk = ratios.every((r) => Math.abs(r - 1) <= 0.2);
  const last = levels[levels.length - 1]!;
  const first = levels[0]!;

  const summary: SummaryRow[] = [
    { label: `confidence E_pg[1 − D*], δ = ${first.meanGap} → ${last.meanGap}`, value: `${fmt(first.confidence)} → ${fmt(last.confidence)}` },
    ...GENERATOR_COSTS.map((cost) => {
      const errors = plottedErrors(cost.id);
      return { label: `${cost.id}: rel. s.e. at n=${PLOTTED_BATCH}`, value: `${fmt(errors[0]!)} → ${fmt(errors[errors.length - 1]!)}` };
    }),
    { label: 'ML cost: rel. s.e. grows with confidence', value: grows ? 'monotone' : 'not monotone', expected: 'increasing', ok: grows },
    {
      label: `batch for 10% rel. s.e. at δ=${last.meanGap}: ML / non-sat.`,
      value: `${fmt(costAt(last, 'maximum-likelihood').batchFor10Percent)} / ${fmt(costAt(last, 'non-saturating').batchFor10Percent)}`,
    },
    { label: `ESS fraction (E w)²/E w² at δ=${last.meanGap}`, value: fmt(last.effectiveSampleFraction), expected: `e^{−δ²} (rel. err ${essError.toExponential(0)})`, ok: essError <= 1e-8 },
    { label: 'ML cost gradient variance, σ_d² ≥ 2σ²', value: 'infinite', expected: '∫ p_d²/p_g diverges' },
    {
      label: `MC/exact variance, n=${PLOTTED_BATCH}, ${batches} batches, δ≤1`,
      value: `${fmt(Math.min(...ratios))} … ${fmt(Math.max(...ratios))}`,
      expected: '1 ± 0.2',
      ok: mcOk,
    },
  ];

  const plotted = levels.flatMap((l) =>
    l.costs.map((c) => ({ confidence: l.confidence, meanGap: l.meanGap, cost: c.cost, relativeStandardError: c.plottedRelativeStandardError })),
  );
  return {
    id: 'gradient-variance',
    title: 'Variance of the generator costs’ gradient estimates',
    claim:
      'The ML cost’s per-sample weights exp(a*) = p_d/p_g are importance weights: as D grows confident its gradient estimate’s relative error explodes (ESS fraction e^{−δ²}), while minimax and non-saturating stay moderate.',
    summary,
    data: {
      confidence: 'E_{p_g}[1 − D*(x)]',
      relativeStandardError: '√(tr Cov g / n) / ‖E g‖',
      sdRatio: 1,
      levels,
      monteCarlo,
    },
    figures: [
      {
        file: 'gradient-variance.svg',
        title: `Relative standard error of the gradient at batch ${PLOTTED_BATCH} vs discriminator confidence`,
        spec: {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
          data: { values: plotted },
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'confidence', type: 'quantitative', title: 'discriminator confidence E_pg[1 − D*(x)]', scale: { zero: false } },
            y: { field: 'relativeStandardError', type: 'quantitative', title: `relative standard error (batch ${PLOTTED_BATCH})`, scale: { type: 'log' } },
            color: { field: 'cost', type: 'nominal', title: 'generator cost' },
          },
          width: 420,
          height: 280,
        },
      },
    ],
  };
}
