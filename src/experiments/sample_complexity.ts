/**
 * [H17] Table 1 made measurable: how fast each divergence can be estimated from n samples.
 * The table states sample complexities (samples for error ε): MMD O(1/ε²), nonparametric
 * Wasserstein O(1/ε^{d+1}), parametric adversarial divergences O(p/ε²) with p the critic's size;
 * that is, errors ∝ n^{−1/2}, n^{−1/(d+1)} and √(p/n).
 *
 * For each dimension d, sample size n and seed, two samples of n points each are drawn:
 *   same       p = q: the true divergence is 0 and the estimate is bias + noise;
 *   different  d < 784: p = N(0, I_d), q = N(δ, I_d) with ‖δ‖ = 1 (a random direction fixed per d);
 *              d = 784: p = MNIST, q = MNIST rotated by 30° (other images; truth unknown).
 * Estimators, all on the same pair of samples:
 *   mmd             unbiased MMD², Gaussian kernel, bandwidth h = the median pairwise distance
 *   energy          energy distance (V-statistic)
 *   sinkhorn-small  Sinkhorn divergence S_ε, blur = 0.05·h (near ½W₂²: the nonparametric W of the table)
 *   sinkhorn-large  Sinkhorn divergence S_ε, blur = h (MMD-like)
 *   parametric-js   log 4 + V of a GAN discriminator trained on the samples (= 2·JS at the optimum)
 *   parametric-w    E_p f − E_q f of a WGAN-GP critic trained on the samples (two-sided penalty, λ = 10)
 * The critics are evaluated on the samples they were trained on: the plug-in estimate
 * sup_{f∈F} d_f(p̂_n, q̂_n), the quantity whose convergence the O(p/ε²) bound (uniform convergence
 * over the critic class, Arora et al. 2017) describes. A held-out estimate measures something
 * else: how well one trained critic generalizes, a lower bound biased by the optimization.
 *
 * Truths for the Gaussian pair (σ = 1, shift ‖δ‖), used by the 'different' case:
 *   MMD²_h   = 2(h²/(h² + 2))^{d/2}·(1 − exp(−‖δ‖²/(2(h² + 2))))    at the estimate's own h
 *   energy   = 4·Γ((d+1)/2)/Γ(d/2)·(₁F₁(−½; d/2; −‖δ‖²/4) − 1)       (noncentral-χ means)
 *   S_ε      = ½‖δ‖² for every blur: translating q adds ½‖δ‖² to OT_ε(p, q) and nothing to OT_ε(p, p)
 *   param JS = 2·JS(N(0, 1), N(‖δ‖, 1)) by quadrature: the optimal logit is linear, inside the class
 *   param W  = ‖δ‖ + ‖δ‖²/(2λ), the penalized optimum over linear critics f = −s·δ·x/‖δ‖ (which hold
 *              W₁'s optimal critic): max_s s‖δ‖ − λ(s − 1)² at s = 1 + ‖δ‖/(2λ); 5% above W₁ = ‖δ‖.
 *              (The one-sided penalty would target W₁ itself, but an MLP critic trained with it stays
 *              ~10% below: nothing holds its gradient norm up to 1.)
 * Error = root mean square of (estimate − truth) over seeds. For MNIST vs rotated MNIST the truth
 * is unknown and the error reported is the standard deviation over seeds (noise only).
 */
import { Rng, tf } from '../engine/index.js';
import { ganDiscriminatorLoss } from '../criteria/gan.js';
import { energyDistance } from '../criteria/energy.js';
import { medianBandwidth, mmd2 } from '../criteria/mmd.js';
import { sinkhornDivergence } from '../criteria/sinkhorn.js';
import { gradientPenalty, wassersteinCriticLoss } from '../criteria/wasserstein.js';
import { loadMnist, mnistBatch } from '../data/mnist.js';
import { Dense, leakyRelu, Sequential } from '../models/layers.js';
import { Adam } from '../train/adam.js';
import { gaussianLogPdf, integrate, logLogSlope, softplus } from '../theory/numeric.js';
import { rotateImages } from './robustness.js';
import type { PlotSpec } from '../report/plot.js';

export const DIVERGENCES = ['mmd', 'energy', 'sinkhorn-small', 'sinkhorn-large', 'parametric-js', 'parametric-w'] as const;
export type DivergenceId = (typeof DIVERGENCES)[number];
export const CASES = ['same', 'different'] as const;
export type CaseId = (typeof CASES)[number];

/** d = 784 means MNIST; every other d, Gaussians. */
export const MNIST_DIM = 784;
/** ‖δ‖ between the two Gaussians of the 'different' case. */
export const SHIFT = 1;
export const ROTATION_DEGREES = 30;
/** Sinkhorn blurs as multiples of the median pairwise distance h. */
export const BLUR_FACTORS = { 'sinkhorn-small': 0.05, 'sinkhorn-large': 1 } as const;
/**
 * Iterations at the large blur: at blur = h Sinkhorn contracts in a few steps (20 and 100 agreed
 * to 1e-4 relative in d = 2…784); the small blur keeps the library's 100.
 */
const LARGE_BLUR_ITERATIONS = 20;
/** The median heuristic reads at most this many points per sample (it sorts all pairs). */
const BANDWIDTH_POINTS = 256;

export const CRITIC = {
  /** An MLP d → 32 → 32 → 1 with leaky ReLUs: p = 32d + 1,121 parameters. */
  hidden: 32,
  steps: 300,
  /** Minibatch per side; the whole sample when n is smaller. */
  batch: 256,
  /** Adam(1e-3): betas (0.5, 0.999) for JS, [H17]'s (0.5, 0.9) for W, a step size that fits in `steps`. */
  learningRate: 1e-3,
  penaltyWeight: 10,
};

export interface SampleComplexityGrid {
  dims: number[];
  sampleSizes: number[];
  seeds: number;
  /** A divergence skips sample sizes above its cap (Sinkhorn costs O(n²) per iteration). */
  maxSampleSize: Partial<Record<DivergenceId, number>>;
  criticSteps: number;
}

const powersOfTwo = (from: number, to: number) => Array.from({ length: Math.log2(to / from) + 1 }, (_, i) => from * 2 ** i);

export const SAMPLE_COMPLEXITY_GRIDS: Record<'quick' | 'default' | 'full', SampleComplexityGrid> = {
  quick: { dims: [2, 8], sampleSizes: [16, 64, 256], seeds: 3, maxSampleSize: { 'sinkhorn-small': 64 }, criticSteps: 100 },
  default: {
    dims: [2, 8, 32, MNIST_DIM], sampleSizes: [16, 64, 256, 1024, 4096], seeds: 3,
    maxSampleSize: { 'sinkhorn-small': 256, 'sinkhorn-large': 1024 }, criticSteps: CRITIC.steps,
  },
  full: {
    dims: [2, 8, 32, MNIST_DIM], sampleSizes: powersOfTwo(16, 4096), seeds: 5,
    maxSampleSize: { 'sinkhorn-small': 1024, 'sinkhorn-large': 2048 }, criticSteps: CRITIC.steps,
  },
};

// ——— data ———

/** n points in R^d, row-major. */
export interface Sample { values: Float32Array; n: number; d: number }

/** The unit direction of the Gaussian shift in R^d: one per run seed, shared by every n and repetition. */
function shiftDirection(d: number, runSeed: number): Float32Array {
  const u = new Rng(runSeed).fork(`sample-complexity/direction/${d}`).normals(d);
  const norm = Math.hypot(...u);
  return u.map((v) => v / norm);
}

/** The two samples of one case: Gaussians for d ≠ 784, MNIST train images (disjoint) for d = 784. */
export function drawPair(d: number, kase: CaseId, n: number, rng: Rng, runSeed = 0): [Sample, Sample] {
  if (d === MNIST_DIM) {
    const mnist = loadMnist('train');
    const order = rng.permutation(mnist.count);
    const p = mnistBatch(mnist, order.subarray(0, n));
    const q = mnistBatch(mnist, order.subarray(n, 2 * n));
    return [{ values: p, n, d }, { values: kase === 'same' ? q : rotateImages(q, ROTATION_DEGREES), n, d }];
  }
  const p = rng.normals(n * d);
  const q = rng.normals(n * d);
  if (kase === 'different') {
    const u = shiftDirection(d, runSeed);
    for (let i = 0; i < q.length; i++) q[i]! += SHIFT * u[i % d]!;
  }
  return [{ values: p, n, d }, { values: q, n, d }];
}

// ——— truths for the Gaussian pair ———

/** Γ((d+1)/2)/Γ(d/2) by its recurrence r(d + 2) = r(d)·(d + 1)/d from r(1) = 1/√π, r(2) = √π/2. */
function gammaRatio(d: number): number {
  let r = d % 2 === 1 ? 1 / Math.sqrt(Math.PI) : Math.sqrt(Math.PI) / 2;
  for (let k = d % 2 === 1 ? 1 : 2; k < d; k += 2) r *= (k + 1) / k;
  return r;
}

/** Kummer's ₁F₁(a; b; z) by its power series (|z| small here). */
function hypergeometric1F1(a: number, b: number, z: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 0; Math.abs(term) > 1e-17 * Math.abs(sum); k++) {
    term *= ((a + k) / (b + k)) * (z / (k + 1));
    sum += term;
  }
  return sum;
}

/** 2·JS(N(0, 1), N(s, 1)) = ∫ p log(2p/(p + q)) + q log(2q/(p + q)), with log(2p/(p + q)) = log 2 − ζ(log q − log p). */
function twiceJensenShannon(s: number): number {
  return integrate((t) => {
    const [lp, lq] = [gaussianLogPdf(t, 0, 1), gaussianLogPdf(t, s, 1)];
    return Math.exp(lp) * (Math.LN2 - softplus(lq - lp)) + Math.exp(lq) * (Math.LN2 - softplus(lp - lq));
  }, -12, s + 12, 8000);
}

/** The divergence between N(0, I_d) and N(δ, I_d), ‖δ‖ = SHIFT; `bandwidth` is the MMD's h. */
export function gaussianShiftTruth(id: DivergenceId, d: number, bandwidth: number): number {
  const s2 = SHIFT * SHIFT;
  switch (id) {
    case 'mmd': {
      const h2 = bandwidth * bandwidth;
      return 2 * (h2 / (h2 + 2)) ** (d / 2) * (1 - Math.exp(-s2 / (2 * (h2 + 2))));
    }
    case 'energy': return 4 * gammaRatio(d) * (hypergeometric1F1(-0.5, d / 2, -s2 / 4) - 1);
    case 'sinkhorn-small':
    case 'sinkhorn-large': return s2 / 2;
    case 'parametric-js': return twiceJensenShannon(SHIFT);
    case 'parametric-w': return SHIFT + s2 / (2 * CRITIC.penaltyWeight);
  }
}

// ——— estimators ———

/** Rows `indices` of a sample, copied (tf.gather takes ~10 ms a batch on the wasm tiers). */
function rows(sample: Sample, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * sample.d);
  for (let i = 0; i < indices.length; i++) out.set(sample.values.subarray(indices[i]! * sample.d, (indices[i]! + 1) * sample.d), i * sample.d);
  return out;
}

/**
 * Both samples minus their pooled mean: the critic class is unchanged (only first-layer biases
 * move), but Adam, one step size per weight, climbs much further in the same steps without a
 * common offset such as MNIST's −1 background (MNIST, n = 1024, p = q: log 4 + V reached 1.16
 * centred against 0.22 raw).
 */
function centred(p: Sample, q: Sample): [Sample, Sample] {
  const pooledMean = new Float64Array(p.d);
  for (const s of [p, q]) for (let i = 0; i < s.values.length; i++) pooledMean[i % s.d]! += s.values[i]! / (p.n + q.n);
  const shift = (s: Sample): Sample => ({ ...s, values: s.values.map((v, i) => v - pooledMean[i % s.d]!) });
  return [shift(p), shift(q)];
}

export const criticParameters = (d: number) => (d + 1) * CRITIC.hidden + (CRITIC.hidden + 1) * CRITIC.hidden + CRITIC.hidden + 1;

/** Trains a fresh critic on the two samples and returns its value on them (see the file comment). */
function parametricEstimate(id: 'parametric-js' | 'parametric-w', pRaw: Sample, qRaw: Sample, steps: number, rng: Rng): number {
  const [p, q] = centred(pRaw, qRaw);
  const { d, n } = p;
  const init = rng.fork('init');
  const critic = new Sequential([new Dense(d, CRITIC.hidden, init), leakyRelu(0.2), new Dense(CRITIC.hidden, CRITIC.hidden, init), leakyRelu(0.2), new Dense(CRITIC.hidden, 1, init)]);
  const adam = new Adam(critic.variables, { learningRate: CRITIC.learningRate, beta1: 0.5, beta2: id === 'parametric-js' ? 0.999 : 0.9 });
  const score = (x: tf.Tensor) => critic.apply(x, true);
  const batch = Math.min(n, CRITIC.batch);
  const draws = rng.fork('batches');
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const pick = () => (batch === n ? all : Int32Array.from({ length: batch }, () => draws.int(n)));
  for (let step = 0; step < steps; step++) {
    const [pIndices, qIndices] = [pick(), pick()];
    const penaltySeed = draws.int(2 ** 31);
    tf.tidy(() => {
      const x = tf.tensor2d(rows(p, pIndices), [batch, d]);
      const y = tf.tensor2d(rows(q, qIndices), [batch, d]);
      const { grads } = tf.variableGrads(() => {
        if (id === 'parametric-js') return ganDiscriminatorLoss(score(x), score(y));
        const penalty = gradientPenalty(score, x, y, { seed: penaltySeed });
        return tf.add(wassersteinCriticLoss(score(x), score(y)), tf.mul(CRITIC.penaltyWeight, penalty)) as tf.Scalar;
      }, critic.variables);
      adam.step(critic.variables.map((v) => grads[v.name]!));
    });
  }
  const value = tf.tidy(() => {
    const [x, y] = [tf.tensor2d(p.values, [n, d]), tf.tensor2d(q.values, [n, d])];
    return id === 'parametric-js'
      ? tf.sub(Math.log(4), ganDiscriminatorLoss(score(x), score(y)))
      : tf.neg(wassersteinCriticLoss(score(x), score(y)));
  });
  const estimate = value.dataSync()[0]!;
  tf.dispose(value);
  adam.dispose();
  critic.dispose();
  return estimate;
}

function scalar(value: tf.Scalar): number {
  const v = value.dataSync()[0]!;
  value.dispose();
  return v;
}

export interface Estimates {
  /** The median pairwise distance h: the MMD's bandwidth and the Sinkhorn blurs' unit. */
  bandwidth: number;
  values: Partial<Record<DivergenceId, number>>;
  seconds: Partial<Record<DivergenceId, number>>;
}

/** Every divergence in `ids` between the same two samples. */
export function estimateDivergences(ids: readonly DivergenceId[], p: Sample, q: Sample, rng: Rng, criticSteps = CRITIC.steps): Estimates {
  const x = tf.tensor2d(p.values, [p.n, p.d]);
  const y = tf.tensor2d(q.values, [q.n, q.d]);
  const firstRows = (t: tf.Tensor2D) => tf.slice(t, 0, Math.min(t.shape[0], BANDWIDTH_POINTS));
  const [xh, yh] = [firstRows(x), firstRows(y)];
  const bandwidth = medianBandwidth(xh, yh);
  tf.dispose([xh, yh]);
  const estimators: Record<DivergenceId, () => number> = {
    mmd: () => scalar(mmd2(x, y, { bandwidths: [bandwidth], estimator: 'unbiased' })),
    energy: () => scalar(energyDistance(x, y)),
    'sinkhorn-small': () => scalar(sinkhornDivergence(x, y, { blur: BLUR_FACTORS['sinkhorn-small'] * bandwidth })),
    'sinkhorn-large': () => scalar(sinkhornDivergence(x, y, { blur: BLUR_FACTORS['sinkhorn-large'] * bandwidth, iterations: LARGE_BLUR_ITERATIONS })),
    'parametric-js': () => parametricEstimate('parametric-js', p, q, criticSteps, rng.fork('parametric-js')),
    'parametric-w': () => parametricEstimate('parametric-w', p, q, criticSteps, rng.fork('parametric-w')),
  };
  const result: Estimates = { bandwidth, values: {}, seconds: {} };
  for (const id of ids) {
    const start = performance.now();
    result.values[id] = estimators[id]();
    result.seconds[id] = (performance.now() - start) / 1000;
  }
  tf.dispose([x, y]);
  return result;
}

// ——— what theory expects ———

export interface DivergenceInfo {
  id: DivergenceId;
  label: string;
  /** The figure's column header. */
  short: string;
  /** [H17] Table 1's sample complexity for this kind of divergence, and the error slope it implies. */
  paperRate: string;
  paperSlope: (d: number) => number;
  /** The slope expected for this estimator, by case, and why. */
  expected: (d: number, kase: CaseId) => { slope: number; note: string };
}

export const DIVERGENCE_INFO: Record<DivergenceId, DivergenceInfo> = {
  mmd: {
    id: 'mmd', label: 'MMD² (unbiased, median bandwidth)', short: 'MMD²', paperRate: 'MMD: O(1/ε²)', paperSlope: () => -0.5,
    expected: (_, kase) => kase === 'same'
      ? { slope: -1, note: 'MMD² of equal laws is a degenerate U-statistic: sd ∝ 1/n, i.e. MMD ∝ n^−½' }
      : { slope: -0.5, note: 'non-degenerate U-statistic: sd ∝ n^−½' },
  },
  energy: {
    id: 'energy', label: 'energy distance', short: 'energy distance', paperRate: 'an MMD (distance kernel): O(1/ε²)', paperSlope: () => -0.5,
    expected: (_, kase) => kase === 'same'
      ? { slope: -1, note: 'V-statistic: bias 2E‖X − X′‖/n, noise ∝ 1/n' }
      : { slope: -0.5, note: 'noise ∝ n^−½ (bias ∝ 1/n)' },
  },
  'sinkhorn-small': {
    id: 'sinkhorn-small', label: `Sinkhorn, blur ${BLUR_FACTORS['sinkhorn-small']}·h`, short: `Sinkhorn ${BLUR_FACTORS['sinkhorn-small']}·h`, paperRate: 'nonparametric W: O(1/ε^(d+1))',
    paperSlope: (d) => -1 / (d + 1),
    expected: (d, kase) => kase === 'same'
      ? { slope: -Math.min(1, 2 / d), note: '≈ ½W₂² between two samples ∝ n^−2/d (log n/n at d = 2) while n^−1/d ≫ blur' }
      : { slope: -Math.min(0.5, 2 / d), note: 'bias ∝ n^−2/d until n^−1/d ≪ blur, then noise ∝ n^−½' },
  },
  'sinkhorn-large': {
    id: 'sinkhorn-large', label: `Sinkhorn, blur ${BLUR_FACTORS['sinkhorn-large']}·h`, short: `Sinkhorn ${BLUR_FACTORS['sinkhorn-large']}·h`, paperRate: 'MMD-like (blur → ∞): O(1/ε²)', paperSlope: () => -0.5,
    expected: (_, kase) => kase === 'same'
      ? { slope: -1, note: 'as blur → ∞, S → ½‖x̄ − ȳ‖², mean d/n' }
      : { slope: -0.5, note: 'noise ∝ n^−½ after a bias ∝ d/n' },
  },
  'parametric-js': {
    id: 'parametric-js', label: 'parametric JS (GAN critic)', short: 'parametric JS', paperRate: 'parametric: O(p/ε²)', paperSlope: () => -0.5,
    expected: (_, kase) => kase === 'same'
      ? { slope: -1, note: 'for n ≫ p, as for a regular p-parameter model, log 4 + V̂ ≈ χ²_p/(2n); ≈ 0 while n ≲ p and the critic separates the samples' }
      : { slope: -0.5, note: 'noise ∝ n^−½ once n ≫ p' },
  },
  'parametric-w': {
    id: 'parametric-w', label: 'parametric W (WGAN-GP critic)', short: 'parametric W', paperRate: 'parametric: O(p/ε²)', paperSlope: () => -0.5,
    expected: () => ({ slope: -0.5, note: 'a near-linear critic gives ≈ ‖x̄ − ȳ‖ ∝ √(d/n); overfitting adds more while n ≲ p' }),
  },
};

const NOISE_ONLY = { slope: -0.5, note: 'sd over seeds only (truth unknown): noise ∝ n^−½' };

// ——— the experiment ———

export const dataLabel = (d: number) => (d === MNIST_DIM ? 'd = 784 (MNIST)' : `d = ${d} (Gaussian)`);

export interface SampleComplexityPoint {
  divergence: DivergenceId;
  d: number;
  case: CaseId;
  n: number;
  estimates: number[];
  /** Per seed (the MMD's depends on the bandwidth); null when unknown (MNIST vs rotated MNIST). */
  truths: number[] | null;
  mean: number;
  sd: number;
  /** RMS of estimate − truth over seeds, or the sd when the truth is unknown. */
  error: number;
  errorKind: 'rmse' | 'sd';
}

export interface SlopeRow {
  divergence: DivergenceId;
  d: number;
  case: CaseId;
  errorKind: 'rmse' | 'sd';
  /** Least-squares slope of log error on log n; null with fewer than 2 sample sizes. */
  slope: number | null;
  expectedSlope: number;
  expectedNote: string;
  paperRate: string;
  paperSlope: number;
}

export interface SampleComplexityResult {
  grid: SampleComplexityGrid;
  seed: number;
  settings: {
    shift: number; rotationDegrees: number; blurFactors: typeof BLUR_FACTORS; largeBlurIterations: number;
    critic: typeof CRITIC & { parameters: Record<string, number> }; evaluatedOn: 'training samples';
  };
  divergences: Array<{ id: DivergenceId; label: string; paperRate: string }>;
  points: SampleComplexityPoint[];
  slopes: SlopeRow[];
  seconds: number;
  secondsByDivergence: Partial<Record<DivergenceId, number>>;
}

export interface SampleComplexityOptions {
  grid: SampleComplexityGrid;
  seed: number;
  divergences?: readonly DivergenceId[];
  onProgress?: (fraction: number, status: string) => void;
}

const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const sampleSd = (v: number[]) => (v.length > 1 ? Math.sqrt(v.reduce((s, x) => s + (x - mean(v)) ** 2, 0) / (v.length - 1)) : 0);

function summarize(divergence: DivergenceId, d: number, kase: CaseId, n: number, estimates: number[], truths: number[] | null): SampleComplexityPoint {
  const error = truths ? Math.sqrt(mean(estimates.map((e, i) => (e - truths[i]!) ** 2))) : sampleSd(estimates);
  return { divergence, d, case: kase, n, estimates, truths, mean: mean(estimates), sd: sampleSd(estimates), error, errorKind: truths ? 'rmse' : 'sd' };
}

function slopeRows(points: SampleComplexityPoint[], ids: readonly DivergenceId[], dims: number[]): SlopeRow[] {
  return ids.flatMap((divergence) => dims.flatMap((d) => CASES.map((kase) => {
    const series = points.filter((p) => p.divergence === divergence && p.d === d && p.case === kase && p.error > 0);
    const info = DIVERGENCE_INFO[divergence];
    const errorKind = series[0]?.errorKind ?? 'rmse';
    const expected = errorKind === 'sd' ? NOISE_ONLY : info.expected(d, kase);
    return {
      divergence, d, case: kase, errorKind,
      slope: series.length >= 2 ? logLogSlope(series.map((p) => p.n), series.map((p) => p.error)) : null,
      expectedSlope: expected.slope, expectedNote: expected.note, paperRate: info.paperRate, paperSlope: info.paperSlope(d),
    };
  })));
}

export async function runSampleComplexity({ grid, seed, divergences = DIVERGENCES, onProgress }: SampleComplexityOptions): Promise<SampleComplexityResult> {
  const start = performance.now();
  const root = new Rng(seed).fork('sample-complexity');
  const cells = grid.dims.flatMap((d) => CASES.flatMap((kase) => grid.sampleSizes.map((n) => ({ d, kase, n }))));
  // Progress weights: a cell's cost grows roughly linearly in n at these sizes.
  const weight = (n: number) => grid.seeds * (1 + n / 256);
  const total = cells.reduce((s, c) => s + weight(c.n), 0);
  let done = 0;
  const points: SampleComplexityPoint[] = [];
  const secondsByDivergence: Partial<Record<DivergenceId, number>> = {};
  for (const { d, kase, n } of cells) {
    const ids = divergences.filter((id) => n <= (grid.maxSampleSize[id] ?? Infinity));
    const truthKnown = kase === 'same' || d !== MNIST_DIM;
    const estimates = new Map(ids.map((id) => [id, [] as number[]]));
    const truths = new Map(ids.map((id) => [id, [] as number[]]));
    for (let s = 0; s < grid.seeds; s++) {
      const rng = root.fork(`${d}/${kase}/${n}/${s}`);
      const [p, q] = drawPair(d, kase, n, rng.fork('data'), seed);
      const result = estimateDivergences(ids, p, q, rng, grid.criticSteps);
      for (const id of ids) {
        estimates.get(id)!.push(result.values[id]!);
        if (truthKnown) truths.get(id)!.push(kase === 'same' ? 0 : gaussianShiftTruth(id, d, result.bandwidth));
        secondsByDivergence[id] = (secondsByDivergence[id] ?? 0) + result.seconds[id]!;
      }
      await new Promise((resolve) => setImmediate(resolve)); // lets Ctrl-C and progress output through
    }
    for (const id of ids) points.push(summarize(id, d, kase, n, estimates.get(id)!, truthKnown ? truths.get(id)! : null));
    done += weight(n);
    onProgress?.(done / total, `${dataLabel(d)} · ${kase} · n ${n}`);
  }
  return {
    grid,
    seed,
    settings: {
      shift: SHIFT, rotationDegrees: ROTATION_DEGREES, blurFactors: BLUR_FACTORS, largeBlurIterations: LARGE_BLUR_ITERATIONS,
      critic: { ...CRITIC, steps: grid.criticSteps, parameters: Object.fromEntries(grid.dims.map((d) => [d, criticParameters(d)])) },
      evaluatedOn: 'training samples',
    },
    divergences: divergences.map((id) => ({ id, label: DIVERGENCE_INFO[id].label, paperRate: DIVERGENCE_INFO[id].paperRate })),
    points,
    slopes: slopeRows(points, divergences, grid.dims),
    seconds: (performance.now() - start) / 1000,
    secondsByDivergence,
  };
}

// ——— figure ———

const CASE_LABELS: Record<CaseId, string> = { same: '(a) p = q', different: '(b) p ≠ q' };

/** Error against n on log-log axes: one panel per divergence (columns) and case (rows), one line per d. */
export function sampleComplexityFigure(result: SampleComplexityResult): PlotSpec {
  const values = result.points.filter((p) => p.error > 0).map((p) => ({
    divergence: DIVERGENCE_INFO[p.divergence].short, case: CASE_LABELS[p.case], data: dataLabel(p.d), n: p.n, error: p.error,
  }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    facet: {
      row: { field: 'case', type: 'nominal', title: null, sort: Object.values(CASE_LABELS), header: { labelAngle: 0, labelAlign: 'right', labelFontWeight: 'bold' } },
      column: { field: 'divergence', type: 'nominal', title: null, sort: result.divergences.map((d) => DIVERGENCE_INFO[d.id].short), header: { labelFontWeight: 'bold' } },
    },
    spec: {
      width: 150,
      height: 150,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'n', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'samples n per side', axis: { tickCount: 4 } },
        y: { field: 'error', type: 'quantitative', scale: { type: 'log' }, title: 'error', axis: { format: '.0e', labelOverlap: 'greedy', tickCount: 5 } },
        color: { field: 'data', type: 'nominal', title: null, sort: result.grid.dims.map(dataLabel), legend: { orient: 'bottom' } },
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}
