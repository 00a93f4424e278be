/**
 * [G14] claim (i): self-contrastive estimation has half the MLE gradient. NCE with ν = 1 maximizes
 *   V(θ) = E_{p_d} log σ(a) + E_{p_g} log(1 − σ(a)),   a(x) = log p_m(x; θ) − log p_g(x),
 *   ∂V/∂θ = E_{p_d}[(1 − σ(a)) ∇log p_m] − E_{p_g}[σ(a) ∇log p_m].
 * With the noise a frozen copy of the model, p_g = stopgrad(p_m), a ≡ 0 and σ(a) = ½, so
 *   ∂V/∂θ = ½ (E_{p_d} ∇log p_m − E_{p_m} ∇log p_m) = ½ ∇ E_{p_d} log p_m,
 * because a normalized model's score has mean zero under the model itself.
 *
 * Checked on K = 7 states for (a) softmax(θ) and (b) the log-linear model θ·φ(x) + c with a learned
 * log-normalizer c, set to c* = −log Σ_x exp θ·φ(x); its MLE gradient is that of the normalized
 * likelihood, which does not depend on c (so ½·MLE says ∂V/∂c = 0). If c = c* + δ the model is
 * not a density; the noise, which NCE must sample and evaluate, is its normalized copy, so a ≡ δ and
 *   ∂V/∂θ = (1 − σ(δ)) E_{p_d} φ − σ(δ) E_{p_m} φ,   ∂V/∂c = 1 − 2σ(δ):
 * no longer ½·MLE, while the c-gradient pulls c back to c*. A stale copy (p_g = model at an older
 * θ) breaks the identity too; the section shows both failures.
 *
 * Exact expectations are sums over states in float64; the same gradient also comes from autodiff
 * through the library's `nceLoss` (float32), and Monte-Carlo estimates from n samples of each side
 * converge to it at 1/√n.
 */
import { nceLoss } from '../criteria/nce.js';
import { Rng, tf } from '../engine/index.js';
import type { PlotSpec } from '../report/plot.js';
import { logLogSlope, logSumExp, sigmoid } from './numeric.js';
import type { SummaryRow, TheoryOptions, TheorySection } from './types.js';

const STATES = 7;
const FEATURES = 3;
const EXACT_TOLERANCE = 1e-9;
const AUTODIFF_TOLERANCE = 1e-5;
const C_OFFSET = 0.5;
const STALE_STEP = 1;

/** A model on the states 0..K−1, its parameters a flat vector. */
interface DiscreteModel {
  name: string;
  paramNames: string[];
  /** How many leading parameters are θ; the rest (c) have a zero MLE gradient. */
  thetaCount: number;
  /** log p_m(x) for every state x, c included. */
  logDensity(params: readonly number[]): number[];
  /** ∇_params log p_m(x) for every state x. */
  score(params: readonly number[]): number[][];
  /** `logDensity` as tf ops, for autodiff. */
  logDensityTf(params: tf.Tensor1D): tf.Tensor1D;
  /** Random θ, with c (if any) at its normalizing value. */
  draw(rng: Rng): number[];
}

const normalize = (logWeights: readonly number[]): number[] => {
  const lse = logSumExp(logWeights);
  return logWeights.map((l) => Math.exp(l - lse));
};

function softmaxModel(): DiscreteModel {
  return {
    name: 'softmax(θ)',
    paramNames: Array.from({ length: STATES }, (_, x) => `θ${x}`),
    thetaCount: STATES,
    logDensity: (theta) => {
      const lse = logSumExp(theta);
      return theta.map((t) => t - lse);
    },
    score: (theta) => {
      const p = normalize(theta);
      return theta.map((_, x) => p.map((pj, j) => (j === x ? 1 : 0) - pj));
    },
    logDensityTf: (theta) => tf.logSoftmax(theta),
    draw: (rng) => Array.from(rng.normals(STATES)),
  };
}

function logLinearModel(features: number[][]): DiscreteModel {
  const energies = (params: readonly number[]): number[] =>
    features.map((phi) => phi.reduce((s, f, j) => s + f * params[j]!, 0));
  return {
    name: 'θ·φ(x) + c',
    paramNames: [...Array.from({ length: FEATURES }, (_, j) => `θ${j}`), 'c'],
    thetaCount: FEATURES,
    logDensity: (params) => energies(params).map((e) => e + params[FEATURES]!),
    score: () => features.map((phi) => [...phi, 1]),
    logDensityTf: (params) => {
      const [theta, c] = tf.split(params, [FEATURES, 1]);
      return tf.add(tf.reshape(tf.matMul(tf.tensor2d(features), tf.reshape(theta!, [FEATURES, 1])), [STATES]), c!);
    },
    draw: (rng) => {
      const theta = Array.from(rng.normals(FEATURES));
      return [...theta, -logSumExp(energies(theta))];
    },
  };
}

/** Σ_x weights(x) · score(x). */
function weightedScore(model: DiscreteModel, params: readonly number[], weights: readonly number[]): number[] {
  const score = model.score(params);
  return model.paramNames.map((_, i) => weights.reduce((s, w, x) => s + w * score[x]![i]!, 0));
}

/** ∂V/∂params exactly, the noise p_g frozen (given as its log-probabilities). */
function nceGradient(model: DiscreteModel, params: readonly number[], pData: readonly number[], logNoise: readonly number[]): number[] {
  const logModel = model.logDensity(params);
  const weights = logModel.map((l, x) => {
    const classifier = sigmoid(l - logNoise[x]!);
    return pData[x]! * (1 - classifier) - Math.exp(logNoise[x]!) * classifier;
  });
  return weightedScore(model, params, weights);
}

/** ∇ E_{p_d} log p_m of the normalized model: E_{p_d} score − E_{p_m} score. */
function mleGradient(model: DiscreteModel, params: readonly number[], pData: readonly number[]): number[] {
  const pModel = normalize(model.logDensity(params));
  return weightedScore(model, params, pData.map((p, x) => p - pModel[x]!));
}

/** The self-contrastive noise: the model's normalized copy, as log-probabilities. */
const frozenCopy = (model: DiscreteModel, params: readonly number[]): number[] =>
  normalize(model.logDensity(params)).map(Math.log);

/** `values` unchanged, its gradient scaled by `weights`. */
const weightGradient = (values: tf.Tensor, weights: tf.Tensor): tf.Tensor =>
  tf.customGrad((v) => ({ value: tf.clone(v as tf.Tensor), gradFunc: (dy: tf.Tensor) => tf.mul(dy, weights) }))(values);

/**
 * ∂V/∂params by autodiff through `nceLoss`. Its data and noise terms are means over samples; all K
 * states go in as samples, and scaling each one's gradient by K·p(x) makes the means' gradients
 * those of the exact expectations under p_d and p_g.
 */
function nceGradientAutodiff(model: DiscreteModel, params: readonly number[], pData: readonly number[], logNoise: readonly number[]): number[] {
  const gradient = tf.tidy(() => {
    const dataWeights = tf.tensor1d(pData.map((p) => STATES * p));
    const noiseWeights = tf.tensor1d(logNoise.map((l) => STATES * Math.exp(l)));
    const noiseLogDensity = tf.tensor1d([...logNoise]);
    const loss = (p: tf.Tensor): tf.Scalar => {
      const logModel = model.logDensityTf(p as tf.Tensor1D);
      return nceLoss({
        modelLogDensityData: weightGradient(logModel, dataWeights),
        noiseLogDensityData: noiseLogDensity,
        modelLogDensityNoise: weightGradient(logModel, noiseWeights),
        noiseLogDensityNoise: noiseLogDensity,
      });
    };
    return tf.neg(tf.grad(loss)(tf.tensor1d([...params])));
  });
  const values = Array.from(gradient.dataSync());
  gradient.dispose();
  return values;
}

/** max over θ components of |NCE/MLE − ½|. */
function ratioDeviation(model: DiscreteModel, nce: readonly number[], mle: readonly number[]): number {
  let worst = 0;
  for (let i = 0; i < model.thetaCount; i++) worst = Math.max(worst, Math.abs(nce[i]! / mle[i]! - 0.5));
  return worst;
}

/**
 * max over all components (c included) of |NCE − ½·MLE| / max |½·MLE|. Float32 rounds relative to
 * the largest terms, so a component that cancels to near zero has no meaningful float32 ratio.
 */
function scaledDeviation(nce: readonly number[], mle: readonly number[]): number {
  const scale = Math.max(...mle.map((m) => Math.abs(0.5 * m)));
  return Math.max(...nce.map((g, i) => Math.abs(g - 0.5 * mle[i]!))) / scale;
}

/** ∂V/∂c of the log-linear model (its last parameter). */
const cGradient = (gradient: readonly number[]): number => gradient[gradient.length - 1]!;

function sampleStates(rng: Rng, probabilities: readonly number[], n: number): number[] {
  let total = 0;
  const cdf = probabilities.map((p) => (total += p));
  return Array.from({ length: n }, () => {
    const u = rng.uniform() * total;
    const x = cdf.findIndex((c) => u < c);
    return x < 0 ? probabilities.length - 1 : x;
  });
}

/** values[states[i]] for each i. */
const atStates = (values: tf.Tensor1D, states: number[]): tf.Tensor1D => tf.gather(values, tf.tensor1d(states, 'int32'));

/** The NCE gradient estimated from n data and n noise samples, by autodiff through `nceLoss`. */
function nceGradientSampled(model: DiscreteModel, params: readonly number[], dataStates: number[], noiseStates: number[], logNoise: readonly number[]): number[] {
  const gradient = tf.tidy(() => {
    const noiseLogDensity = tf.tensor1d([...logNoise]);
    const loss = (p: tf.Tensor): tf.Scalar => {
      const logModel = model.logDensityTf(p as tf.Tensor1D);
      return nceLoss({
        modelLogDensityData: atStates(logModel, dataStates),
        noiseLogDensityData: atStates(noiseLogDensity, dataStates),
        modelLogDensityNoise: atStates(logModel, noiseStates),
        noiseLogDensityNoise: atStates(noiseLogDensity, noiseStates),
      });
    };
    return tf.neg(tf.grad(loss)(tf.tensor1d([...params])));
  });
  const values = Array.from(gradient.dataSync());
  gradient.dispose();
  return values;
}

/** One random θ of one model: how far each NCE variant is from ½·MLE. */
interface DrawCheck {
  model: string;
  /** max |NCE/MLE − ½| over θ, exact (float64). */
  exact: number;
  /** Through `nceLoss` (float32): `scaledDeviation`. */
  autodiff: number;
  /** max |NCE/MLE − ½| over θ with a stale copy as the noise. */
  staleCopy: number;
  /** Log-linear model: ∂V/∂c at c*, and at c* + δ with that model's ratio deviation. */
  c?: { gradient: number; offsetGradient: number; offsetDeviation: number };
}

interface ComponentPoint {
  model: string;
  component: string;
  condition: string;
  halfMle: number;
  nce: number;
}

function checkDraw(model: DiscreteModel, params: readonly number[], pData: readonly number[], rng: Rng): { check: DrawCheck; components: ComponentPoint[] } {
  const mle = mleGradient(model, params, pData);
  const noise = frozenCopy(model, params);
  const exact = nceGradient(model, params, pData, noise);
  const older = params.map((p, i) => (i < model.thetaCount ? p - STALE_STEP * rng.normal() : p));
  const stale = nceGradient(model, params, pData, frozenCopy(model, older));
  const check: DrawCheck = {
    model: model.name,
    exact: ratioDeviation(model, exact, mle),
    autodiff: scaledDeviation(nceGradientAutodiff(model, params, pData, noise), mle),
    staleCopy: ratioDeviation(model, stale, mle),
  };
  const conditions: Array<[string, number[]]> = [['fresh copy (p_g = p_m)', exact], ['stale copy', stale]];
  if (model.thetaCount < params.length) {
    // c off by δ: the noise stays the normalized copy, so a ≡ δ.
    const offset = params.map((p, i) => (i === model.thetaCount ? p + C_OFFSET : p));
    const cOff = nceGradient(model, offset, pData, noise);
    check.c = { gradient: cGradient(exact), offsetGradient: cGradient(cOff), offsetDeviation: ratioDeviation(model, cOff, mle) };
    conditions.push([`c = c* + ${C_OFFSET}`, cOff]);
  }
  const components = conditions.flatMap(([condition, nce]) =>
    model.paramNames.map((component, i) => ({ model: model.name, component, condition, halfMle: 0.5 * mle[i]!, nce: nce[i]! })));
  return { check, components };
}

const fmt = (x: number, digits = 2): string => x.toExponential(digits);

export async function selfContrastiveSection(options: TheoryOptions): Promise<TheorySection> {
  const rng = new Rng(options.seed).fork('self-contrastive');
  const draws = options.quick ? 4 : 10;
  const sampleSizes = Array.from({ length: options.quick ? 7 : 9 }, (_, i) => 16 * 2 ** i);
  const mcSeeds = options.quick ? 12 : 32;

  const problem = rng.fork('problem');
  const pData = normalize(Array.from(problem.normals(STATES)));
  const features = Array.from({ length: STATES }, () => Array.from(problem.normals(FEATURES)));
  const models = [softmaxModel(), logLinearModel(features)];

  const checks: DrawCheck[] = [];
  const firstParams = new Map<DiscreteModel, number[]>();
  const components: ComponentPoint[] = [];
  for (let d = 0; d < draws; d++) {
    const drawRng = rng.fork(`draw/${d}`);
    for (const model of models) {
      const params = model.draw(drawRng);
      const result = checkDraw(model, params, pData, drawRng);
      checks.push(result.check);
      if (d === 0) {
        firstParams.set(model, params);
        components.push(...result.components);
      }
    }
  }
  const worst = (f: (c: DrawCheck) => number): number => Math.max(...checks.map(f));
  const least = (f: (c: DrawCheck) => number): number => Math.min(...checks.map(f));
  const cChecks = checks.flatMap((c) => (c.c ? [c.c] : []));
  const exactDeviation = worst((c) => c.exact);
  const autodiffDeviation = worst((c) => c.autodiff);
  const staleDeviation = least((c) => c.staleCopy);
  const exactCGradient = Math.max(...cChecks.map((c) => Math.abs(c.gradient)));
  const cOffDeviation = Math.min(...cChecks.map((c) => c.offsetDeviation));
  const expectedCOffGradient = 1 - 2 * sigmoid(C_OFFSET);
  const cOffGradientError = Math.max(...cChecks.map((c) => Math.abs(c.offsetGradient - expectedCOffGradient)));

  // Monte Carlo at the first draw's parameters: RMS over seeds and components of (estimate − ½·MLE).
  const mc = models.map((model) => {
    const params = firstParams.get(model)!;
    const target = mleGradient(model, params, pData).map((g) => 0.5 * g);
    const noise = frozenCopy(model, params);
    const noiseProbabilities = noise.map(Math.exp);
    const rms = sampleSizes.map((n) => {
      let squares = 0;
      for (let s = 0; s < mcSeeds; s++) {
        const sampler = rng.fork(`mc/${model.name}/${n}/${s}`);
        const estimate = nceGradientSampled(model, params, sampleStates(sampler, pData, n), sampleStates(sampler, noiseProbabilities, n), noise);
        squares += estimate.reduce((sum, g, i) => sum + (g - target[i]!) ** 2, 0);
      }
      return Math.sqrt(squares / (mcSeeds * target.length));
    });
    return { model: model.name, rms, slope: logLogSlope(sampleSizes, rms) };
  });

  // "Worst" rows take the max deviation over all θ draws; failure rows the min (every draw fails).
  const summary: SummaryRow[] = [
    {
      label: `exact, ${checks.length} θ: max |NCE/MLE − ½|`,
      value: fmt(exactDeviation),
      expected: `≤ ${fmt(EXACT_TOLERANCE, 0)} (float64)`,
      ok: exactDeviation <= EXACT_TOLERANCE,
    },
    {
      label: 'exact: max |∂V/∂c| at c = c*',
      value: fmt(exactCGradient),
      expected: `0 = ½ × 0 (≤ ${fmt(EXACT_TOLERANCE, 0)})`,
      ok: exactCGradient <= EXACT_TOLERANCE,
    },
    {
      label: 'nceLoss autodiff: max |NCE − ½MLE| / max|½MLE|',
      value: fmt(autodiffDeviation),
      expected: `≤ ${fmt(AUTODIFF_TOLERANCE, 0)} (float32)`,
      ok: autodiffDeviation <= AUTODIFF_TOLERANCE,
    },
    {
      label: `c = c* + ${C_OFFSET}: max |NCE/MLE − ½|`,
      value: cOffDeviation.toFixed(3),
      expected: '> 0.01: not ½·MLE',
      ok: cOffDeviation > 0.01,
    },
    {
      label: `c = c* + ${C_OFFSET}: ∂V/∂c`,
      value: cChecks[0]!.offsetGradient.toFixed(4),
      expected: `1 − 2σ(${C_OFFSET}) = ${expectedCOffGradient.toFixed(4)}`,
      ok: cOffGradientError <= EXACT_TOLERANCE,
    },
    {
      label: 'stale copy: max |NCE/MLE − ½|',
      value: staleDeviation.toFixed(3),
      expected: `> 0.01 (p_g at θ − ${STALE_STEP}·N(0, I))`,
      ok: staleDeviation > 0.01,
    },
    ...mc.map(({ model, slope }) => ({
      label: `MC error vs n, ${model}: log-log slope`,
      value: slope.toFixed(3),
      expected: '−0.5 ± 0.15 (1/√n)',
      ok: Math.abs(slope + 0.5) <= 0.15,
    })),
  ];

  return {
    id: 'self-contrastive-nce',
    title: 'Self-contrastive estimation: ½ × the MLE gradient',
    claim: 'NCE whose noise is a frozen copy of the current model (p_g = stopgrad(p_m), ν = 1) has expected gradient exactly ½ × the MLE gradient, elementwise ([G14] claim i).',
    summary,
    data: {
      states: STATES,
      features,
      pData,
      draws: checks,
      components,
      monteCarlo: { sampleSizes, seeds: mcSeeds, series: mc },
    },
    figures: [
      { file: 'self_contrastive_mc.svg', title: 'Monte-Carlo error of the self-contrastive gradient', spec: mcFigure(sampleSizes, mc) },
      { file: 'self_contrastive_components.svg', title: 'Exact NCE gradient components against ½ × MLE', spec: componentFigure(components) },
    ],
  };
}

function mcFigure(sampleSizes: number[], series: Array<{ model: string; rms: number[] }>): PlotSpec {
  const points = series.flatMap(({ model, rms }) => sampleSizes.map((n, i) => ({ n, rms: rms[i]!, series: model })));
  // The reference 1/√n through the points' geometric mean, so only its slope carries meaning.
  const offset = Math.exp(points.reduce((s, p) => s + Math.log(p.rms * Math.sqrt(p.n)), 0) / points.length);
  const reference = sampleSizes.map((n) => ({ n, rms: offset / Math.sqrt(n), series: '1/√n reference' }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 420,
    height: 280,
    data: { values: [...points, ...reference] },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'n', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'samples n (data and noise each)' },
      y: { field: 'rms', type: 'quantitative', scale: { type: 'log' }, title: 'RMS error vs ½ × MLE gradient' },
      color: { field: 'series', type: 'nominal', title: null },
      strokeDash: { condition: { test: "datum.series === '1/√n reference'", value: [4, 4] }, value: [1, 0] },
    },
  };
}

function componentFigure(components: ComponentPoint[]): PlotSpec {
  const values = components.flatMap((p) => [p.halfMle, p.nce]);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 320,
    height: 320,
    layer: [
      {
        data: { values: [{ x: lo, y: lo }, { x: hi, y: hi }] },
        mark: { type: 'line', color: 'gray', strokeDash: [4, 4] },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
      },
      {
        data: { values: components },
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x: { field: 'halfMle', type: 'quantitative', title: '½ × MLE gradient component' },
          y: { field: 'nce', type: 'quantitative', title: 'exact NCE gradient component' },
          color: { field: 'condition', type: 'nominal', title: null, legend: { labelLimit: 260 } },
          shape: { field: 'model', type: 'nominal', title: null },
          tooltip: [{ field: 'model' }, { field: 'component' }, { field: 'condition' }],
        },
      },
    ],
  };
}
