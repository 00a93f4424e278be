/**
 * NCE with a fixed noise density on a continuous unnormalized model (Gutmann & Hyvärinen 2010, 2012):
 *   log p̃(x) = log Σ_k exp(w_k) N(x; μ_k, s_k) + c,   ∫ exp(log p̃(x)) dx = exp(c + logsumexp(w)),
 * so the model is a density exactly when c = c* = −logsumexp(w); nothing but the data tells NCE c*.
 *   a(x) = log p̃(x) − log(ν p_n(x)),   J = E_data log σ(a) + ν E_noise log(1 − σ(a)),
 * maximized over (w, μ, log s, c) (the library's `nceLoss` is −J). Its maximizer is consistent and
 * self-normalizing, c → c*, and as ν grows it approaches the maximum-likelihood estimate.
 *
 * Data: n draws from 0.35·N(−1.5, 0.6²) + 0.65·N(1.5, 0.9²), K = 2 components in the model. Noise:
 * N(m, (1.5·sd)²), m and sd those of the training data. The ν·n noise samples are drawn once per ν
 * and kept: the estimator G&H analyze maximizes J for one noise sample. Full-batch Adam, from the
 * same start, for NCE and for MLE on the normalized log-likelihood E_data log p̃ with c = c* (where
 * c plays no part).
 */
import { nceLoss } from '../criteria/nce.js';
import { Rng, tf } from '../engine/index.js';
import type { PlotSpec } from '../report/plot.js';
import { Adam } from '../train/adam.js';
import { gaussianLogPdf, integrate, LOG_2PI, logSumExp, norm } from './numeric.js';
import type { SummaryRow, TheoryOptions, TheorySection } from './types.js';

const TRUTH = { weights: [0.35, 0.65], means: [-1.5, 1.5], sds: [0.6, 0.9] };
const NOISE_INFLATION = 1.5;
const NUS = [1, 5, 25];
const LEARNING_RATE = 0.1;
const NORMALIZATION_TOLERANCE = 0.05;
const LOG_LIKELIHOOD_TOLERANCE = 0.02;

/** log p̃(x) = log Σ_k exp(w_k) N(x; μ_k, exp(logS_k)) + c. */
interface MixtureParams {
  w: number[];
  mu: number[];
  logS: number[];
  c: number;
}

/** log Σ_k exp(w_k) N(x; μ_k, s_k), without c. */
const mixtureLogDensity = (p: MixtureParams, x: number): number =>
  logSumExp(p.w.map((w, k) => w + gaussianLogPdf(x, p.mu[k]!, Math.exp(p.logS[k]!))));

const normalizationError = (p: MixtureParams): number => p.c + logSumExp(p.w);

/** The parameters the density depends on: the weight logit, means and log sds (w alone shifts with c). */
const identifiable = (p: MixtureParams): number[] => [p.w[0]! - p.w[1]!, ...p.mu, ...p.logS];

const truthLogDensity = (x: number): number =>
  logSumExp(TRUTH.weights.map((w, k) => Math.log(w) + gaussianLogPdf(x, TRUTH.means[k]!, TRUTH.sds[k]!)));

function sampleTruth(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => {
    const k = rng.uniform() < TRUTH.weights[0]! ? 0 : 1;
    return TRUTH.means[k]! + TRUTH.sds[k]! * rng.normal();
  });
}

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Four decimals, or two significant digits below 1e-3 (no "-0.0000"). */
const fmt = (x: number): string => (Math.abs(x) < 1e-3 ? x.toExponential(1) : x.toFixed(4));

interface MixtureVariables {
  w: tf.Variable;
  mu: tf.Variable;
  logS: tf.Variable;
  c: tf.Variable;
}

function createVariables(p: MixtureParams): MixtureVariables {
  return tf.tidy(() => ({ w: tf.variable(tf.tensor1d(p.w)), mu: tf.variable(tf.tensor1d(p.mu)), logS: tf.variable(tf.tensor1d(p.logS)), c: tf.variable(tf.scalar(p.c)) }));
}

function readParams(v: MixtureVariables): MixtureParams {
  return { w: Array.from(v.w.dataSync()), mu: Array.from(v.mu.dataSync()), logS: Array.from(v.logS.dataSync()), c: v.c.dataSync()[0]! };
}

/** [x², x, 1] per sample: a component's log-weight plus log-density is linear in these. */
const quadraticFeatures = (xs: ArrayLike<number>): tf.Tensor2D =>
  tf.tensor2d(Array.from(xs).flatMap((x) => [x * x, x, 1]), [xs.length, 3]);

/**
 * log Σ_k exp(w_k) N(x; μ_k, s_k) for each row [x², x, 1] of `features`, without c. Component k
 * is −x²/(2s²) + x·μ/s² + w − log s − ½log 2π − μ²/(2s²): a product with precomputed features per
 * step instead of elementwise work on [N, K], and the components combine by log(eᵃ + eᵇ) =
 * a + softplus(b − a), since slicing or reducing along the component axis is slow on wasm.
 */
function mixtureLogDensityTf(v: MixtureVariables, features: tf.Tensor2D): tf.Tensor1D {
  const precision = tf.exp(tf.mul(-2, v.logS));
  const offset = tf.add(tf.mul(0.5, tf.mul(tf.square(v.mu), precision)), 0.5 * LOG_2PI);
  const coefficients = tf.stack([tf.mul(-0.5, precision), tf.mul(v.mu, precision), tf.sub(tf.sub(v.w, v.logS), offset)]);
  const components = tf.unstack(coefficients, 1).map((k) => tf.reshape(tf.matMul(features, tf.reshape(k, [3, 1])), [-1]));
  return components.reduce((acc, next) => tf.add(acc, tf.softplus(tf.sub(next, acc)))) as tf.Tensor1D;
}

function minimize(loss: () => tf.Scalar, variables: tf.Variable[], steps: number): void {
  const adam = new Adam(variables, { learningRate: LEARNING_RATE, beta1: 0.9, beta2: 0.999 });
  for (let t = 0; t < steps; t++) {
    const { value, grads } = tf.variableGrads(loss, variables);
    adam.step(variables.map((v) => grads[v.name]!));
    tf.dispose([value, ...Object.values(grads)]);
  }
  adam.dispose();
}

function fitMle(data: tf.Tensor2D, start: MixtureParams, steps: number): MixtureParams {
  const v = createVariables(start);
  minimize(() => tf.tidy((): tf.Scalar => tf.sub(tf.logSumExp(v.w), tf.mean(mixtureLogDensityTf(v, data)))), [v.w, v.mu, v.logS], steps);
  const fitted = readParams(v);
  tf.dispose(Object.values(v));
  // The normalized likelihood leaves c free; set it to c* so the MLE fit is a density.
  return { ...fitted, c: -logSumExp(fitted.w) };
}

function fitNce(data: tf.Tensor2D, noise: tf.Tensor2D, noiseAtData: tf.Tensor1D, noiseAtNoise: tf.Tensor1D, nu: number, start: MixtureParams, steps: number): MixtureParams {
  const v = createVariables(start);
  const loss = (): tf.Scalar =>
    tf.tidy(() =>
      nceLoss({
        modelLogDensityData: tf.add(mixtureLogDensityTf(v, data), v.c),
        noiseLogDensityData: noiseAtData,
        modelLogDensityNoise: tf.add(mixtureLogDensityTf(v, noise), v.c),
        noiseLogDensityNoise: noiseAtNoise,
        nu,
      }),
    );
  minimize(loss, [v.w, v.mu, v.logS, v.c], steps);
  const fitted = readParams(v);
  tf.dispose(Object.values(v));
  return fitted;
}

/** ∫ exp(log p̃(x)) dx by Simpson's rule over every component's ±12 sd. */
function integral(p: MixtureParams): number {
  const sds = p.logS.map(Math.exp);
  const lo = Math.min(...p.mu.map((m, k) => m - 12 * sds[k]!));
  const hi = Math.max(...p.mu.map((m, k) => m + 12 * sds[k]!));
  return integrate((x) => Math.exp(mixtureLogDensity(p, x) + p.c), lo, hi);
}

/** Held-out average log-likelihood of the normalized model (c replaced by c*). */
const heldOutLogLikelihood = (p: MixtureParams, heldOut: readonly number[]): number =>
  mean(heldOut.map((x) => mixtureLogDensity(p, x))) - logSumExp(p.w);

interface NceFit {
  nu: number;
  params: MixtureParams;
  /** c + logsumexp(w): 0 when the learned c normalizes the model. */
  normalizationError: number;
  integral: number;
  heldOutLogLikelihood: number;
  distanceToMle: number;
}

export async function nceContinuousSection(options: TheoryOptions): Promise<TheorySection> {
  const rng = new Rng(options.seed).fork('nce-continuous');
  const n = options.quick ? 1000 : 2000;
  const steps = options.quick ? 150 : 200;
  const trainData = sampleTruth(rng.fork('train'), n);
  const heldOut = sampleTruth(rng.fork('held-out'), n);

  const dataMean = mean(trainData);
  const dataSd = Math.sqrt(mean(trainData.map((x) => (x - dataMean) ** 2)));
  const noiseSd = NOISE_INFLATION * dataSd;
  const noiseLogPdf = (xs: ArrayLike<number>): tf.Tensor1D => tf.tensor1d(Array.from(xs, (x) => gaussianLogPdf(x, dataMean, noiseSd)));
  const start: MixtureParams = {
    w: [0, 0],
    mu: [dataMean - dataSd / 2, dataMean + dataSd / 2],
    logS: [Math.log(dataSd / 2), Math.log(dataSd / 2)],
    c: 0,
  };

  const data = quadraticFeatures(trainData);
  const noiseAtData = noiseLogPdf(trainData);
  const mle = fitMle(data, start, steps);
  const mleLogLikelihood = heldOutLogLikelihood(mle, heldOut);
  const mleParams = identifiable(mle);
  const fits: NceFit[] = NUS.map((nu) => {
    const noiseSamples = rng.fork(`noise/${nu}`).normals(nu * n, noiseSd).map((z) => z + dataMean);
    const noise = quadraticFeatures(noiseSamples);
    const noiseAtNoise = noiseLogPdf(noiseSamples);
    const params = fitNce(data, noise, noiseAtData, noiseAtNoise, nu, start, steps);
    tf.dispose([noise, noiseAtNoise]);
    const difference = identifiable(params).map((p, i) => p - mleParams[i]!);
    return {
      nu,
      params,
      normalizationError: normalizationError(params),
      integral: integral(params),
      heldOutLogLikelihood: heldOutLogLikelihood(params, heldOut),
      distanceToMle: norm(difference),
    };
  });
  tf.dispose([data, noiseAtData]);

  const truthLogLikelihood = mean(heldOut.map(truthLogDensity));
  const density = densityPlot(trainData, mle, fits);
  const distances = fits.map((f) => f.distanceToMle);
  const summary: SummaryRow[] = [
    ...fits.map((f) => ({
      label: `ν = ${f.nu}: c + logsumexp(w), ∫ exp(log p̃) dx`,
      value: `${fmt(f.normalizationError)}, ${f.integral.toFixed(4)}`,
      expected: `0 ± ${NORMALIZATION_TOLERANCE}; ∫ = e^that ≈ 1`,
      ok: Math.abs(f.normalizationError) <= NORMALIZATION_TOLERANCE && Math.abs(Math.log(f.integral) - f.normalizationError) < 1e-6,
    })),
    {
      label: 'held-out log-likelihood: MLE (truth)',
      value: `${mleLogLikelihood.toFixed(4)} (${truthLogLikelihood.toFixed(4)})`,
    },
    ...fits.map((f) => ({
      label: `ν = ${f.nu}: held-out log-likelihood − MLE's`,
      value: fmt(f.heldOutLogLikelihood - mleLogLikelihood),
      expected: `0 ± ${LOG_LIKELIHOOD_TOLERANCE}`,
      ok: Math.abs(f.heldOutLogLikelihood - mleLogLikelihood) <= LOG_LIKELIHOOD_TOLERANCE,
    })),
    {
      label: `‖θ_NCE − θ_MLE‖, ν = ${NUS.join(', ')}`,
      value: distances.map((d) => d.toFixed(3)).join(', '),
      // One data set and noise sample per ν: only the trend across the whole range is reliable.
      expected: `shrinks with ν (checked: ν = ${NUS.at(-1)} < ν = ${NUS[0]})`,
      ok: distances.at(-1)! < distances[0]!,
    },
  ];

  return {
    id: 'nce-continuous',
    title: 'NCE on a continuous unnormalized model',
    claim: 'NCE with a fixed Gaussian noise fits an unnormalized 1-D mixture energy and learns its own log-normalizer; as ν grows its estimate approaches the MLE.',
    summary,
    data: {
      truth: TRUTH,
      noise: { mean: dataMean, sd: noiseSd },
      n,
      steps,
      learningRate: LEARNING_RATE,
      mle: { params: mle, heldOutLogLikelihood: mleLogLikelihood },
      truthHeldOutLogLikelihood: truthLogLikelihood,
      nce: fits,
      density,
    },
    figures: [
      { file: 'nce_continuous_density.svg', title: 'Data, MLE and NCE fits (NCE with its learned c)', spec: densityFigure(density) },
      { file: 'nce_continuous_errors.svg', title: 'Normalization error and distance to MLE against ν', spec: errorFigure(fits) },
    ],
  };
}

interface DensityPlot {
  histogram: Array<{ start: number; end: number; density: number }>;
  curves: Array<{ x: number; density: number; model: string }>;
}

/** The training data's histogram, and the true density, MLE and NCE fits (each with its own c). */
function densityPlot(trainData: readonly number[], mle: MixtureParams, fits: NceFit[]): DensityPlot {
  const lo = Math.min(...trainData);
  const hi = Math.max(...trainData);
  const bins = 40;
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const x of trainData) counts[Math.min(bins - 1, Math.floor((x - lo) / width))]!++;
  const histogram = counts.map((count, b) => ({ start: lo + b * width, end: lo + (b + 1) * width, density: count / (trainData.length * width) }));
  const models: Array<[string, (x: number) => number]> = [
    ['truth', truthLogDensity],
    ['MLE', (x) => mixtureLogDensity(mle, x) + mle.c],
    ...fits.map((f): [string, (x: number) => number] => [`NCE ν = ${f.nu}`, (x) => mixtureLogDensity(f.params, x) + f.params.c]),
  ];
  const grid = Array.from({ length: 161 }, (_, i) => lo + ((hi - lo) * i) / 160);
  const curves = models.flatMap(([model, logDensity]) => grid.map((x) => ({ x, density: Math.exp(logDensity(x)), model })));
  return { histogram, curves };
}

function densityFigure({ histogram, curves }: DensityPlot): PlotSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 460,
    height: 280,
    layer: [
      {
        data: { values: histogram },
        mark: { type: 'rect', color: '#ddd' },
        encoding: {
          x: { field: 'start', type: 'quantitative', title: 'x' },
          x2: { field: 'end' },
          y: { field: 'density', type: 'quantitative', title: 'density' },
        },
      },
      {
        data: { values: curves },
        mark: 'line',
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'density', type: 'quantitative' },
          color: { field: 'model', type: 'nominal', title: null, sort: null },
        },
      },
    ],
  };
}

function errorFigure(fits: NceFit[]): PlotSpec {
  const values = fits.flatMap((f) => [
    { nu: f.nu, value: Math.abs(f.normalizationError), measure: '|c + logsumexp(w)|' },
    { nu: f.nu, value: f.distanceToMle, measure: '‖θ_NCE − θ_MLE‖' },
  ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 360,
    height: 240,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'nu', type: 'quantitative', scale: { type: 'log', nice: false }, title: 'ν (noise samples per data sample)' },
      y: { field: 'value', type: 'quantitative', title: null },
      color: { field: 'measure', type: 'nominal', title: null },
    },
  };
}
