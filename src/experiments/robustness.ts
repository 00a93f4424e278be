/**
 * [H17] Fig. 3, the divergence robustness probe: how estimated divergences between MNIST and a
 * perturbed MNIST grow with the perturbation, for parametric divergences (a trained critic) and a
 * nonparametric one (MMD in pixel space).
 *
 *   p = MNIST test images;  q = T_s(x') for *different* MNIST test images x', T_s a rotation by
 *   s degrees or additive Gaussian noise of sd s (clipped to [−1, 1]). At s = 0, p = q: the true
 *   divergence is 0 and the estimate shows the estimator's bias.
 *
 *   parametric JS  = log 4 + max_φ V(φ),  V = E_p log σ(a_φ) + E_q log(1 − σ(a_φ))  (= 2·JSD ∈ [0, log 4]
 *                    for an unrestricted classifier)
 *   parametric W   = E_p f_φ − E_q f_φ,  f_φ trained on E_q f − E_p f + λ·max(‖∇f‖² − 1, 0)
 *   MMD²           = unbiased U-statistic, Gaussian kernel with the median-heuristic bandwidth;
 *   MMD            = √max(MMD², 0) = sup_{‖f‖_H ≤ 1} E_p f − E_q f: like parametric W a sup of E_p f − E_q f
 *                    over a ball of critics (a kernel's), so it is the curve to set beside W; MMD²
 *                    grows quadratically with a small shift, W and MMD linearly
 *
 * Critics (linear 784 → 1, MLP 784 → 256 → 1, a small CNN) are trained on one set of images and
 * evaluated on another, so a critic that only memorized its training images scores ≈ 0 or below.
 * Training minibatches of q are perturbed as they are drawn (fresh noise each time: q is a
 * distribution, and a fixed noisy training set invites the critic to memorize its noise). Every
 * level reuses the same images, noise draws, initial weights and minibatch order (common random
 * numbers), so differences between levels come from the perturbation alone.
 */
import { initEngine, Rng, tf } from '../engine/index.js';
import { distinguishabilityValue, ganDiscriminatorLoss } from '../criteria/gan.js';
import { gradientPenalty, wassersteinCriticLoss } from '../criteria/wasserstein.js';
import { medianBandwidth, mmd2 } from '../criteria/mmd.js';
import { loadMnist, mnistBatch } from '../data/mnist.js';
import { Conv2d, Dense, flatten, Fn, leakyRelu, reshape, Sequential } from '../models/layers.js';
import { Adam } from '../train/adam.js';
import type { PlotSpec } from '../report/plot.js';

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const LOG_4 = Math.log(4);

// ——— perturbations (plain JavaScript on [n, 784] arrays in [−1, 1]) ———

/** Rounds values within 1e-9 of an integer to it, so quarter turns land exactly on pixel centres. */
const snap = (v: number) => (Math.abs(v - Math.round(v)) < 1e-9 ? Math.round(v) : v);

/**
 * Rotates one side × side image counter-clockwise (as displayed, rows downwards) by `degrees`
 * about its centre, with bilinear interpolation; pixels from outside the image are `background`.
 * Output pixel (r, c) reads the input at
 *   column = cos θ·(c − m) − sin θ·(r − m) + m,   row = sin θ·(c − m) + cos θ·(r − m) + m,   m = (side − 1)/2,
 * so 90° gives out[r][c] = in[c][side − 1 − r] (numpy's rot90).
 */
export function rotateImage(image: ArrayLike<number>, degrees: number, side = SIDE, background = -1): Float32Array {
  const radians = (degrees * Math.PI) / 180;
  const cos = snap(Math.cos(radians));
  const sin = snap(Math.sin(radians));
  const m = (side - 1) / 2;
  const at = (r: number, c: number) => (r >= 0 && r < side && c >= 0 && c < side ? image[r * side + c]! : background);
  const out = new Float32Array(side * side);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const column = snap(cos * (c - m) - sin * (r - m) + m);
      const row = snap(sin * (c - m) + cos * (r - m) + m);
      const c0 = Math.floor(column);
      const r0 = Math.floor(row);
      const fc = column - c0;
      const fr = row - r0;
      // Zero weights skip their pixel: exact copies on pixel centres, no background bleeding in.
      let value = 0;
      if (fr < 1 && fc < 1) value += (1 - fr) * (1 - fc) * at(r0, c0);
      if (fr < 1 && fc > 0) value += (1 - fr) * fc * at(r0, c0 + 1);
      if (fr > 0 && fc < 1) value += fr * (1 - fc) * at(r0 + 1, c0);
      if (fr > 0 && fc > 0) value += fr * fc * at(r0 + 1, c0 + 1);
      out[r * side + c] = value;
    }
  }
  return out;
}

/** rotateImage on each 784-pixel row of `images`. */
export function rotateImages(images: Float32Array, degrees: number): Float32Array {
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i += PIXELS) out.set(rotateImage(images.subarray(i, i + PIXELS), degrees), i);
  return out;
}

/** clip(x + σ·ε, −1, 1) elementwise, with ε the given standard normals (one per pixel). */
export function addClippedNoise(images: Float32Array, sigma: number, normals: Float32Array): Float32Array {
  if (normals.length !== images.length) throw new Error(`addClippedNoise: ${normals.length} normals for ${images.length} pixels`);
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) out[i] = Math.min(1, Math.max(-1, images[i]! + sigma * normals[i]!));
  return out;
}

export const PERTURBATIONS = {
  rotation: { unit: 'degrees', levels: [0, 15, 30, 45, 60, 75, 90], quickLevels: [0, 45, 90] },
  noise: { unit: 'σ, pixels in [−1, 1]', levels: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6], quickLevels: [0, 0.3, 0.6] },
} as const;
export type PerturbationId = keyof typeof PERTURBATIONS;

// ——— critics and estimators ———

export const CRITICS = ['linear', 'mlp', 'cnn'] as const;
export type CriticKind = (typeof CRITICS)[number];

/**
 * Critics see x + 1, background 0. This only moves the first layer's bias (w·(x + 1) + b =
 * w·x + b + Σw), but with background −1 every weight step on the ~600 background pixels shifts all
 * scores ~600 times further than a bias step can undo, and Adam (one step size per parameter)
 * then learns a linear classifier for noise hundreds of times too slowly.
 */
const shiftBackgroundToZero = () => new Fn('x + 1', (x) => tf.add(x, 1));

/** Every critic maps [n, 784] to [n, 1] scores (the CNN reshapes to NHWC itself). */
export function makeCritic(kind: CriticKind, rng: Rng): Sequential {
  switch (kind) {
    case 'linear': return new Sequential([shiftBackgroundToZero(), new Dense(PIXELS, 1, rng)]);
    case 'mlp': return new Sequential([shiftBackgroundToZero(), new Dense(PIXELS, 256, rng), leakyRelu(0.2), new Dense(256, 1, rng)]);
    case 'cnn': return new Sequential([
      shiftBackgroundToZero(), reshape([SIDE, SIDE, 1]),
      new Conv2d(1, 16, 5, 2, rng), leakyRelu(0.2), // 14 × 14 × 16
      new Conv2d(16, 32, 5, 2, rng), leakyRelu(0.2), // 7 × 7 × 32
      flatten(), new Dense(7 * 7 * 32, 1, rng),
    ]);
  }
}

export type Divergence = 'js' | 'w' | 'mmd' | 'mmd2';
export interface EstimatorSpec {
  id: string;
  divergence: Divergence;
  critic: CriticKind | 'gaussian kernel';
  label: string;
}
export const ESTIMATORS: EstimatorSpec[] = [
  ...CRITICS.map((critic): EstimatorSpec => ({ id: `js-${critic}`, divergence: 'js', critic, label: `parametric JS, ${critic} critic` })),
  ...CRITICS.map((critic): EstimatorSpec => ({ id: `w-${critic}`, divergence: 'w', critic, label: `parametric W, ${critic} critic` })),
  { id: 'mmd', divergence: 'mmd', critic: 'gaussian kernel', label: 'MMD = √max(MMD², 0), Gaussian kernel (median bandwidth)' },
  { id: 'mmd2', divergence: 'mmd2', critic: 'gaussian kernel', label: 'MMD² (unbiased), Gaussian kernel (median bandwidth)' },
];

export interface ProbeSettings {
  /** Images per side (p and q) used to train critics, and held out to evaluate every estimator. */
  trainImages: number;
  evalImages: number;
  /** Critic updates of `batch` p images and `batch` q images each. */
  steps: number;
  batch: number;
  /**
   * Adam step sizes. Betas: DCGAN's (0.5, 0.999) for the JS classifier, [H17]'s (0.5, 0.9) for the
   * W critic, whose 1e-4 step is raised to 1e-3 so that a critic converges within `steps`.
   */
  jsLearningRate: number;
  wLearningRate: number;
  /** λ of the one-sided gradient penalty ([H17]'s code default). */
  penaltyWeight: number;
}

export const DEFAULT_SETTINGS: ProbeSettings = {
  trainImages: 4000, evalImages: 1000, steps: 200, batch: 64, jsLearningRate: 1e-3, wLearningRate: 1e-3, penaltyWeight: 10,
};
/** Seeds of a default run: mean ± sd over them (10 minutes on a 2-core CPU). */
export const DEFAULT_SEED_COUNT = 3;
export const QUICK_SETTINGS: ProbeSettings = { ...DEFAULT_SETTINGS, trainImages: 1000, evalImages: 500, steps: 40, batch: 32 };

/** Clean images; q's are perturbed by `perturb` (training batches as drawn, evaluation once). */
interface Samples { pTrain: Float32Array; qTrain: Float32Array; pEval: Float32Array; qEval: Float32Array }

/** A perturbation at one level; `rng` supplies its noise, if it has any. */
type Perturb = (images: Float32Array, rng: Rng) => Float32Array;

function perturbation(id: PerturbationId, level: number): Perturb {
  return id === 'rotation'
    ? (images) => rotateImages(images, level)
    : (images, rng) => addClippedNoise(images, level, rng.normals(images.length));
}

function randomRows(images: Float32Array, count: number, rng: Rng): Float32Array {
  const rows = images.length / PIXELS;
  const out = new Float32Array(count * PIXELS);
  for (let i = 0; i < count; i++) {
    const row = rng.int(rows);
    out.set(images.subarray(row * PIXELS, (row + 1) * PIXELS), i * PIXELS);
  }
  return out;
}

/** Scores of `images` in chunks (bounded memory), as one [n] JS array. */
function scores(critic: Sequential, images: Float32Array, chunk = 500): Float32Array {
  const n = images.length / PIXELS;
  const out = new Float32Array(n);
  for (let start = 0; start < n; start += chunk) {
    const count = Math.min(chunk, n - start);
    const values = tf.tidy(() => tf.reshape(critic.apply(tf.tensor2d(images.subarray(start * PIXELS, (start + count) * PIXELS), [count, PIXELS]), false), [count]));
    out.set(values.dataSync(), start);
    values.dispose();
  }
  return out;
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/** Trains a fresh critic on (pTrain, qTrain) and returns its held-out estimate of the divergence. */
function parametricEstimate(
  divergence: 'js' | 'w', kind: CriticKind, samples: Samples, perturb: Perturb, settings: ProbeSettings, rng: Rng,
): number {
  const critic = makeCritic(kind, rng.fork('init'));
  const learningRate = divergence === 'js' ? settings.jsLearningRate : settings.wLearningRate;
  const adam = new Adam(critic.variables, { learningRate, beta1: 0.5, beta2: divergence === 'js' ? 0.999 : 0.9 });
  const batches = rng.fork('batches');
  const noise = rng.fork('noise');
  const apply = (x: tf.Tensor) => critic.apply(x, true);
  for (let step = 0; step < settings.steps; step++) {
    const p = tf.tensor2d(randomRows(samples.pTrain, settings.batch, batches), [settings.batch, PIXELS]);
    const q = tf.tensor2d(perturb(randomRows(samples.qTrain, settings.batch, batches), noise), [settings.batch, PIXELS]);
    const penaltySeed = batches.int(2 ** 31);
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const [pScores, qScores] = [apply(p), apply(q)];
        if (divergence === 'js') return ganDiscriminatorLoss(pScores, qScores);
        const penalty = gradientPenalty(apply, p, q, { oneSided: true, seed: penaltySeed });
        return tf.add(wassersteinCriticLoss(pScores, qScores), tf.mul(penalty, settings.penaltyWeight)) as tf.Scalar;
      }, critic.variables);
      adam.step(critic.variables.map((v) => grads[v.name]!));
    });
    tf.dispose([p, q]);
  }
  const pScores = scores(critic, samples.pEval);
  const qScores = scores(critic, samples.qEval);
  adam.dispose();
  critic.dispose();
  if (divergence === 'w') return mean(pScores) - mean(qScores);
  const value = tf.tidy(() => distinguishabilityValue(tf.tensor1d(pScores), tf.tensor1d(qScores)));
  const v = value.dataSync()[0]!;
  value.dispose();
  return LOG_4 + v;
}

/** The unbiased MMD² between the held-out sets. */
function mmd2Estimate(samples: Samples): number {
  const n = samples.pEval.length / PIXELS;
  const x = tf.tensor2d(samples.pEval, [n, PIXELS]);
  const y = tf.tensor2d(samples.qEval, [n, PIXELS]);
  const bandwidth = medianBandwidth(x, y);
  const value = mmd2(x, y, { bandwidths: [bandwidth], estimator: 'unbiased' });
  const v = value.dataSync()[0]!;
  tf.dispose([x, y, value]);
  return v;
}

// ——— the probe ———

export interface RobustnessOptions {
  quick: boolean;
  seeds: number[];
  settings?: Partial<ProbeSettings>;
  /** Called after each (seed, perturbation, level) with the fraction done. */
  onProgress?: (fraction: number, status: string) => void;
}

export interface EstimatorCurve extends EstimatorSpec {
  /** values[seed][level]: the raw held-out estimates. */
  values: number[][];
  mean: number[];
  /** Sample sd over seeds (0 with one seed). */
  sd: number[];
  /** mean / mean at the largest perturbation: the curves share an axis. */
  normalized: number[];
  normalizedSd: number[];
  /** Whether the mean never decreases from one level to the next. */
  monotone: boolean;
  /** Spearman rank correlation between level and mean estimate (1 = monotone increasing). */
  spearman: number;
}

export interface PerturbationResult {
  id: PerturbationId;
  unit: string;
  levels: number[];
  estimators: EstimatorCurve[];
}

export interface RobustnessResult {
  experiment: 'robustness';
  quick: boolean;
  seeds: number[];
  settings: ProbeSettings;
  seconds: number;
  perturbations: PerturbationResult[];
}

function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  order.forEach(([, i], rank) => { out[i] = rank; });
  return out;
}

/** Pearson correlation of ranks (ties broken by position: levels are distinct, estimates almost surely). */
function spearman(a: number[], b: number[]): number {
  const [ra, rb] = [ranks(a), ranks(b)];
  const [ma, mb] = [mean(ra), mean(rb)];
  let [sab, saa, sbb] = [0, 0, 0];
  ra.forEach((x, i) => { sab += (x - ma) * (rb[i]! - mb); saa += (x - ma) ** 2; sbb += (rb[i]! - mb) ** 2; });
  return sab / Math.sqrt(saa * sbb);
}

function summarize(spec: EstimatorSpec, levels: number[], values: number[][]): EstimatorCurve {
  const perLevel = levels.map((_, l) => values.map((seedValues) => seedValues[l]!));
  const means = perLevel.map(mean);
  const sds = perLevel.map((v, l) => (v.length > 1 ? Math.sqrt(v.reduce((s, x) => s + (x - means[l]!) ** 2, 0) / (v.length - 1)) : 0));
  const top = means[means.length - 1]!;
  return {
    ...spec, values, mean: means, sd: sds,
    normalized: means.map((m) => m / top),
    normalizedSd: sds.map((s) => s / Math.abs(top)),
    monotone: means.every((m, l) => l === 0 || m >= means[l - 1]!),
    spearman: spearman(levels, means),
  };
}

/** The seed's four disjoint image sets from MNIST test: p and q never share an image. */
function splitImages(seed: number, settings: ProbeSettings): Samples {
  const mnist = loadMnist('test');
  const { trainImages, evalImages } = settings;
  if (2 * (trainImages + evalImages) > mnist.count) {
    throw new Error(`robustness: 2 × (${trainImages} + ${evalImages}) images needed, MNIST test holds ${mnist.count}`);
  }
  const order = new Rng(seed).fork('robustness/images').permutation(mnist.count);
  let next = 0;
  const take = (count: number) => mnistBatch(mnist, order.subarray(next, (next += count)));
  return { pTrain: take(trainImages), pEval: take(evalImages), qTrain: take(trainImages), qEval: take(evalImages) };
}

export async function runRobustness({ quick, seeds, settings: overrides, onProgress }: RobustnessOptions): Promise<RobustnessResult> {
  await initEngine();
  if (seeds.length === 0) throw new Error('robustness: give at least one seed');
  const settings = { ...(quick ? QUICK_SETTINGS : DEFAULT_SETTINGS), ...overrides };
  const start = performance.now();
  const ids = Object.keys(PERTURBATIONS) as PerturbationId[];
  const levelsOf = (id: PerturbationId): number[] => [...(quick ? PERTURBATIONS[id].quickLevels : PERTURBATIONS[id].levels)];
  const total = seeds.length * ids.reduce((s, id) => s + levelsOf(id).length, 0);
  let done = 0;
  // raw[perturbation][estimator][seed][level]
  const raw = ids.map((id) => ESTIMATORS.map(() => seeds.map(() => new Array<number>(levelsOf(id).length).fill(NaN))));
  for (const [s, seed] of seeds.entries()) {
    const clean = splitImages(seed, settings);
    const rng = new Rng(seed).fork('robustness');
    for (const [k, id] of ids.entries()) {
      for (const [l, level] of levelsOf(id).entries()) {
        const perturb = perturbation(id, level);
        const samples: Samples = { ...clean, qEval: perturb(clean.qEval, rng.fork(`${id}/eval-noise`)) };
        const squaredMmd = mmd2Estimate(samples);
        ESTIMATORS.forEach((spec, e) => {
          raw[k]![e]![s]![l] = spec.divergence === 'mmd2' ? squaredMmd
            : spec.divergence === 'mmd' ? Math.sqrt(Math.max(squaredMmd, 0))
              : parametricEstimate(spec.divergence, spec.critic as CriticKind, samples, perturb, settings, rng.fork(`${id}/${spec.id}`));
        });
        onProgress?.(++done / total, `seed ${seed} · ${id} ${level}`);
        await new Promise((resolve) => setImmediate(resolve)); // lets Ctrl-C and progress output through
      }
    }
  }
  return {
    experiment: 'robustness',
    quick,
    seeds,
    settings,
    seconds: (performance.now() - start) / 1000,
    perturbations: ids.map((id, k) => ({
      id,
      unit: PERTURBATIONS[id].unit,
      levels: levelsOf(id),
      estimators: ESTIMATORS.map((spec, e) => summarize(spec, levelsOf(id), raw[k]![e]!)),
    })),
  };
}

// ——— figures ———

export interface RobustnessFigure { file: string; title: string; spec: PlotSpec }
type ConcatPanel = Extract<PlotSpec, { hconcat: unknown }>['hconcat'][number];

const DIVERGENCE_NAMES: Record<Divergence, string> = { js: 'parametric JS', w: 'parametric W', mmd: 'MMD', mmd2: 'MMD²' };

function rowsOf(result: RobustnessResult) {
  return result.perturbations.flatMap((p) => p.estimators.flatMap((e) => p.levels.map((level, l) => ({
    perturbation: p.id, level, estimator: e.id, divergence: DIVERGENCE_NAMES[e.divergence], critic: e.critic,
    normalized: e.normalized[l]!, low: e.normalized[l]! - e.normalizedSd[l]!, high: e.normalized[l]! + e.normalizedSd[l]!,
    mean: e.mean[l]!, rawLow: e.mean[l]! - e.sd[l]!, rawHigh: e.mean[l]! + e.sd[l]!,
  }))));
}

/** Normalized curves, one panel per perturbation; plus the raw values, one small panel per estimator. */
export function robustnessFigures(result: RobustnessResult): RobustnessFigure[] {
  const rows = rowsOf(result);
  const seeds = `${result.seeds.length} seed${result.seeds.length > 1 ? 's' : ''}`;
  const yTitle = 'estimate ÷ estimate at the largest';
  const color = {
    field: 'critic', type: 'nominal', title: 'critic',
    scale: { domain: [...CRITICS, 'gaussian kernel'] }, legend: { symbolType: 'stroke' },
  } as const;
  const panel = (p: PerturbationResult): ConcatPanel => ({
    width: 340, height: 260,
    data: { values: rows.filter((r) => r.perturbation === p.id) },
    encoding: { x: { field: 'level', type: 'quantitative', title: `${p.id === 'rotation' ? 'rotation' : 'additive Gaussian noise, clipped'} (${p.unit})` } },
    layer: [
      { mark: { type: 'line' }, encoding: {
        y: { field: 'normalized', type: 'quantitative', title: yTitle },
        color, strokeDash: { field: 'divergence', type: 'nominal', title: 'divergence', sort: Object.values(DIVERGENCE_NAMES) },
        detail: { field: 'estimator' },
      } },
      { mark: { type: 'point', filled: true, size: 20 }, encoding: {
        y: { field: 'normalized', type: 'quantitative', title: yTitle }, color, detail: { field: 'estimator' },
      } },
      { mark: { type: 'errorbar', opacity: 0.5 }, encoding: {
        y: { field: 'low', type: 'quantitative', title: yTitle }, y2: { field: 'high' }, color, detail: { field: 'estimator' },
      } },
    ],
  });
  return [
    {
      file: 'robustness.svg',
      title: `Estimated divergence vs perturbation, each estimator normalized to its value at the largest perturbation (mean ± sd over ${seeds})`,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        hconcat: result.perturbations.map(panel),
        resolve: { scale: { color: 'shared', strokeDash: 'shared' } },
      },
    },
    {
      file: 'robustness-raw.svg',
      title: `Raw held-out estimates (mean ± sd over ${seeds}); the dotted line is 0, the true divergence at no perturbation`,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        data: { values: rows },
        facet: {
          row: { field: 'estimator', type: 'nominal', title: null, sort: ESTIMATORS.map((e) => e.id) },
          column: { field: 'perturbation', type: 'nominal', title: null, sort: result.perturbations.map((p) => p.id) },
        },
        spec: {
          width: 220, height: 80,
          encoding: { x: { field: 'level', type: 'quantitative', title: null } },
          layer: [
            { mark: { type: 'line', point: true }, encoding: { y: { field: 'mean', type: 'quantitative', title: null } } },
            { mark: { type: 'errorbar' }, encoding: { y: { field: 'rawLow', type: 'quantitative', title: null }, y2: { field: 'rawHigh' } } },
            { mark: { type: 'rule', strokeDash: [2, 2], color: 'gray' }, encoding: { y: { datum: 0 } } },
          ],
        },
        resolve: { scale: { x: 'independent', y: 'independent' } },
      },
    },
  ];
}
