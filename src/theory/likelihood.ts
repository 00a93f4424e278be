/**
 * Likelihood comparison (beyond [G14] and [H17]): one normalizing flow, one initialization, one
 * budget, six training criteria, judged by the exact log-likelihood of held-out data.
 *
 * Data: K Gaussians N(μ_k, σ²I₂) with equal weights, μ_k = R(cos 2πk/K, sin 2πk/K), so
 *   log p_d(x) = logΣ_k exp(−‖x − μ_k‖²/2σ² ) − log K − log 2πσ²
 * is known, and E_test log p_d is the bound no model beats on average: for any density p_m,
 *   E_{p_d} log p_m = E_{p_d} log p_d − KL(p_d‖p_m).
 *
 * Criteria, each minimized over the flow's weights θ (a = a classifier's logit, ζ = softplus):
 * - MLE:  −E_data log p_θ(x).
 * - GAN, with a discriminator D = σ(a) trained by −E_data log D − E_{p_θ} log(1 − D), one D step
 *   per flow step, and the flow as generator x = f_θ(z) with cost −E ζ(a) (minimax), E ζ(−a)
 *   (non-saturating) or −E exp(a) (maximum likelihood). None of them sees p_θ(x).
 * - Self-contrastive NCE: noise p_g = a frozen copy of p_θ taken before each step, ν = 1,
 *   a(u) = log p_θ(u) − log p_g(u), loss E_data ζ(−a(x)) + E_{y~p_g} ζ(a(y)). At θ = the copy,
 *   a ≡ 0 and ∇ = −½ E_data ∇log p_θ + ½ E_{p_θ} ∇log p_θ = −½ ∇(MLE objective) in expectation.
 * - NCE with fixed noise p_g = N(0, s²I₂), s² = E_{p_d} x₁² = R²/2 + σ² (the data's moments).
 * The flow is normalized, so NCE's learned log-normalizer c would sit at 0: it is left out.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, Rng } from '../engine/index.js';
import {
  ganDiscriminatorLoss, maximumLikelihoodGeneratorLoss, minimaxGeneratorLoss, mmd2, nceLoss, nonSaturatingGeneratorLoss,
} from '../criteria/index.js';
import { CouplingFlow, type CouplingFlowOptions } from '../models/flow.js';
import { Dense, leakyRelu, Sequential } from '../models/layers.js';
import { Adam, type AdamSettings } from '../train/adam.js';
import { integrate, LOG_2PI, logSumExp } from './numeric.js';
import type { SummaryRow, TheoryFigure, TheoryOptions, TheorySection } from './types.js';

export const LIKELIHOOD_METHODS = [
  'MLE', 'GAN minimax', 'GAN non-saturating', 'GAN maximum-likelihood', 'self-contrastive NCE', 'NCE, Gaussian noise',
] as const;
export type LikelihoodMethod = (typeof LIKELIHOOD_METHODS)[number];

const RING = { modes: 8, radius: 2, sd: 0.2 };
const FLOW: CouplingFlowOptions = { couplings: 6, hidden: 32, logScaleBound: 2 };
/**
 * One setting for every flow, whatever trains it (DCGAN's β₁). D learns 5× faster than the flow
 * (as in two-time-scale GAN training) to stay near the optimal D the generator costs' theory
 * assumes; with equal rates of 5e-3 the GAN flows collapse onto one or two modes.
 */
const FLOW_ADAM = { learningRate: 1e-3, beta1: 0.5, beta2: 0.999 } satisfies AdamSettings;
/**
 * The last fifth of every run steps at a tenth of the rate, so the final figures compare where the
 * flows settled, not where the last step left them (at the full rate held-out log-likelihood
 * fluctuates by ≈ 0.05 nat from one evaluation to the next).
 */
const COOL_DOWN = { from: 0.8, factor: 0.1 };
const DISCRIMINATOR_ADAM: AdamSettings = { learningRate: 5e-3, beta1: 0.5, beta2: 0.999 };
const DISCRIMINATOR_HIDDEN = 64;
const SAMPLES_SHOWN = 500;
/**
 * A sample is "near a mode" within 2σ of its centre, as 1 − e⁻² = 86% of data samples are. (At 3σ
 * the eight discs would cover three quarters of the ring, so a thin circle through them would pass.)
 */
const NEAR_MODE_RADIUS = 2 * RING.sd;
const DATA_NEAR_MODE_FRACTION = 1 - Math.exp(-2);
/** MMD kernel widths: a mode's scale up to the ring's. */
const MMD_BANDWIDTHS = [RING.sd, 2.5 * RING.sd, 5 * RING.sd];

interface Budget {
  /** Whether training stops before the flows settle (quick runs): then SC-NCE ≈ MLE is not checked. */
  transient: boolean;
  steps: number;
  batch: number;
  evalEvery: number;
  trainSize: number;
  testSize: number;
}

const QUICK: Budget = { transient: true, steps: 70, batch: 128, evalEvery: 10, trainSize: 2000, testSize: 2000 };
const FULL: Budget = { transient: false, steps: 500, batch: 256, evalEvery: 25, trainSize: 10000, testSize: 10000 };

const MODE_CENTRES = Array.from({ length: RING.modes }, (_, k) => {
  const angle = (2 * Math.PI * k) / RING.modes;
  return [RING.radius * Math.cos(angle), RING.radius * Math.sin(angle)] as const;
});

/** n points from the ring mixture, row-major [n, 2]. */
function sampleRing(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const [cx, cy] = MODE_CENTRES[rng.int(RING.modes)]!;
    out[2 * i] = cx + RING.sd * rng.normal();
    out[2 * i + 1] = cy + RING.sd * rng.normal();
  }
  return out;
}

/** log p_d(x, y) in float64. */
function ringLogDensity(x: number, y: number): number {
  const s2 = RING.sd * RING.sd;
  const terms = MODE_CENTRES.map(([cx, cy]) => -((x - cx) ** 2 + (y - cy) ** 2) / (2 * s2));
  return logSumExp(terms) - Math.log(RING.modes) - LOG_2PI - Math.log(s2);
}

/** E_{p_d} log p_d = −H(p_d), by Simpson quadrature over [−R − 12σ, R + 12σ]² (400² intervals). */
function exactExpectedLogDensity(): number {
  const edge = RING.radius + 12 * RING.sd;
  const pLogP = (x: number, y: number): number => {
    const logP = ringLogDensity(x, y);
    return Math.exp(logP) * logP;
  };
  return integrate((x) => integrate((y) => pLogP(x, y), -edge, edge, 400), -edge, edge, 400);
}

/** `size` rows of `points` [n, 2], drawn with replacement. */
function drawBatch(rng: Rng, points: Float32Array, size: number): tf.Tensor2D {
  const batch = new Float32Array(2 * size);
  for (let i = 0; i < size; i++) {
    const row = rng.int(points.length / 2);
    batch[2 * i] = points[2 * row]!;
    batch[2 * i + 1] = points[2 * row + 1]!;
  }
  return tf.tensor2d(batch, [size, 2]);
}

const mean = (v: ArrayLike<number>): number => Array.from(v).reduce((s, x) => s + x, 0) / v.length;

function standardError(v: ArrayLike<number>): number {
  const m = mean(v);
  const variance = Array.from(v).reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1);
  return Math.sqrt(variance / v.length);
}

/**
 * Builds `make`'s networks and optimizers and frees the tensors their variables were initialized
 * from, which Dense and Adam leave alive (variables outlive a tidy; those tensors do not).
 */
function withoutInitialValues<T>(make: () => T): T {
  let made: T | undefined;
  tf.tidy(() => {
    made = make();
  });
  return made!;
}

/** Runs `loss` on the tape and takes one Adam step on `variables`. */
function minimize(loss: () => tf.Scalar, variables: tf.Variable[], adam: Adam): void {
  tf.tidy(() => {
    const { grads } = tf.variableGrads(loss, variables);
    adam.step(variables.map((v) => grads[v.name]!));
  });
}

/**
 * log p at data and at noise points through one pass of the flow: the step's cost is mostly per op,
 * not per point, so one pass over both sets costs about half of two.
 */
function logDensitiesOfBoth(flow: CouplingFlow, data: tf.Tensor2D, noise: tf.Tensor2D): [tf.Tensor1D, tf.Tensor1D] {
  const both = flow.logDensity(tf.concat([data, noise], 0));
  return tf.split(both, [data.shape[0], noise.shape[0]]) as [tf.Tensor1D, tf.Tensor1D];
}

interface Trainer {
  step(real: tf.Tensor2D): void;
  /** Frees what the criterion adds to the flow: a discriminator, a frozen copy. */
  dispose?(): void;
}

const GAN_COSTS: Partial<Record<LikelihoodMethod, (fakeLogits: tf.Tensor) => tf.Scalar>> = {
  'GAN minimax': minimaxGeneratorLoss,
  'GAN non-saturating': nonSaturatingGeneratorLoss,
  'GAN maximum-likelihood': maximumLikelihoodGeneratorLoss,
};

/**
 * The update each criterion makes to `flow` from a data batch, through `adam` (the caller owns it
 * and sets its rate); the criterion's own noise comes from `rng`.
 */
function trainer(method: LikelihoodMethod, flow: CouplingFlow, adam: Adam, newFlow: () => CouplingFlow, rng: Rng): Trainer {
  const latent = (n: number): tf.Tensor2D => tf.tensor2d(rng.normals(2 * n), [n, 2]);
  const ganCost = GAN_COSTS[method];

  if (method === 'MLE') {
    return {
      step: (real) => minimize(() => tf.neg(tf.mean(flow.logDensity(real))) as tf.Scalar, flow.variables, adam),
    };
  }
  if (ganCost) {
    const discriminator = new Sequential([
      new Dense(2, DISCRIMINATOR_HIDDEN, rng), leakyRelu(0.2),
      new Dense(DISCRIMINATOR_HIDDEN, DISCRIMINATOR_HIDDEN, rng), leakyRelu(0.2),
      new Dense(DISCRIMINATOR_HIDDEN, 1, rng),
    ]);
    const discriminatorAdam = new Adam(discriminator.variables, DISCRIMINATOR_ADAM);
    const logits = (x: tf.Tensor2D) => discriminator.apply(x, true);
    return {
      step: (real) => tf.tidy(() => {
        const n = real.shape[0];
        const fake = flow.sample(latent(n));
        minimize(() => ganDiscriminatorLoss(logits(real), logits(fake)), discriminator.variables, discriminatorAdam);
        minimize(() => ganCost(logits(flow.sample(latent(n)))), flow.variables, adam);
      }),
      dispose: () => {
        discriminatorAdam.dispose();
        discriminator.dispose();
      },
    };
  }
  if (method === 'self-contrastive NCE') {
    const frozen = newFlow();
    return {
      step: (real) => {
        frozen.copyFrom(flow);
        tf.tidy(() => {
          const noise = frozen.sample(latent(real.shape[0]));
          const [noiseLogDensityData, noiseLogDensityNoise] = logDensitiesOfBoth(frozen, real, noise);
          minimize(() => {
            const [modelLogDensityData, modelLogDensityNoise] = logDensitiesOfBoth(flow, real, noise);
            return nceLoss({ modelLogDensityData, noiseLogDensityData, modelLogDensityNoise, noiseLogDensityNoise });
          }, flow.variables, adam);
        });
      },
      dispose: () => frozen.dispose(),
    };
  }
  const noiseSd = Math.sqrt(RING.radius ** 2 / 2 + RING.sd ** 2);
  const gaussianLogDensity = (x: tf.Tensor2D) =>
    tf.sub(tf.mul(-0.5 / noiseSd ** 2, tf.sum(tf.square(x), 1)), LOG_2PI + 2 * Math.log(noiseSd));
  return {
    step: (real) => tf.tidy(() => {
      const noise = tf.mul(latent(real.shape[0]), noiseSd) as tf.Tensor2D;
      minimize(() => {
        const [modelLogDensityData, modelLogDensityNoise] = logDensitiesOfBoth(flow, real, noise);
        return nceLoss({
          modelLogDensityData,
          noiseLogDensityData: gaussianLogDensity(real),
          modelLogDensityNoise,
          noiseLogDensityNoise: gaussianLogDensity(noise),
        });
      }, flow.variables, adam);
    }),
  };
}

function unbiasedMmd2(x: tf.Tensor2D, y: tf.Tensor2D): number {
  const value = mmd2(x, y, { bandwidths: MMD_BANDWIDTHS, estimator: 'unbiased' });
  const out = value.dataSync()[0]!;
  value.dispose();
  return out;
}

function logDensities(flow: CouplingFlow, points: tf.Tensor2D): Float32Array {
  const values = flow.logDensity(points);
  const out = values.dataSync() as Float32Array;
  values.dispose();
  return out;
}

/** The fraction of points near a mode, and the modes near which lie at least ¼ as many as data would put there. */
function modeCoverage(points: Float32Array): { nearModeFraction: number; modesCovered: number } {
  const n = points.length / 2;
  const counts = new Array<number>(RING.modes).fill(0);
  for (let i = 0; i < n; i++) {
    MODE_CENTRES.forEach(([cx, cy], k) => {
      if (Math.hypot(points[2 * i]! - cx, points[2 * i + 1]! - cy) < NEAR_MODE_RADIUS) counts[k]!++;
    });
  }
  const near = counts.reduce((s, c) => s + c, 0);
  const enough = (n * DATA_NEAR_MODE_FRACTION) / RING.modes / 4;
  return { nearModeFraction: near / n, modesCovered: counts.filter((c) => c >= enough).length };
}

export interface LikelihoodMethodResult {
  method: LikelihoodMethod;
  heldOutLogLikelihood: number;
  /** Standard error of the held-out mean of log p_θ − log p_d (paired, so sampling noise cancels). */
  gapStandardError: number;
  curve: Array<{ step: number; logLikelihood: number }>;
  nearModeFraction: number;
  modesCovered: number;
  /** Unbiased MMD² between SAMPLES_SHOWN samples and as many test points. */
  mmd2: number;
  seconds: number;
  /** SAMPLES_SHOWN samples, for the figure (left out of `data`). */
  samples: Array<[number, number]>;
}

function toPairs(points: Float32Array): Array<[number, number]> {
  return Array.from({ length: points.length / 2 }, (_, i) => [points[2 * i]!, points[2 * i + 1]!]);
}

const nats = (v: number): string => `${v.toFixed(3)} nats`;
const percent = (fraction: number): string => `${(100 * fraction).toFixed(0)}%`;

export async function likelihoodComparisonSection({ quick, seed }: TheoryOptions): Promise<TheorySection> {
  await initEngine();
  const budget = quick ? QUICK : FULL;
  const rng = new Rng(`${seed}/likelihood`);
  const train = sampleRing(rng.fork('train'), budget.trainSize);
  const test = sampleRing(rng.fork('test'), budget.testSize);
  const trueTest = Float64Array.from({ length: budget.testSize }, (_, i) => ringLogDensity(test[2 * i]!, test[2 * i + 1]!));
  const bound = mean(trueTest);
  const newFlow = () => new CouplingFlow(rng.fork('flow'), FLOW);
  const testPoints = tf.tensor2d(test, [budget.testSize, 2]);
  const shownLatent = tf.tensor2d(rng.fork('shown').normals(2 * SAMPLES_SHOWN), [SAMPLES_SHOWN, 2]);
  const [testShown, moreTest] = tf.tidy(() => tf.split(tf.slice(testPoints, 0, 2 * SAMPLES_SHOWN), 2)) as [tf.Tensor2D, tf.Tensor2D];

  const results: LikelihoodMethodResult[] = [];
  for (const method of LIKELIHOOD_METHODS) {
    const started = performance.now();
    const flow = newFlow();
    // Adam reads its settings at every step: the cool-down below edits this copy.
    const adam = withoutInitialValues(() => new Adam(flow.variables, { ...FLOW_ADAM }));
    const methodTrainer = withoutInitialValues(() => trainer(method, flow, adam, newFlow, rng.fork(method)));
    // Every method sees the same batches in the same order.
    const batchRng = rng.fork('batches');
    const curve: LikelihoodMethodResult['curve'] = [];
    for (let step = 0; ; step++) {
      if (step % budget.evalEvery === 0 || step === budget.steps) {
        curve.push({ step, logLikelihood: mean(logDensities(flow, testPoints)) });
      }
      if (step === budget.steps) break;
      const coolingDown = step >= COOL_DOWN.from * budget.steps;
      adam.settings.learningRate = FLOW_ADAM.learningRate * (coolingDown ? COOL_DOWN.factor : 1);
      const real = drawBatch(batchRng, train, budget.batch);
      methodTrainer.step(real);
      real.dispose();
    }
    const modelTest = logDensities(flow, testPoints);
    const shown = flow.sample(shownLatent);
    const samples = shown.dataSync() as Float32Array;
    const mmd = unbiasedMmd2(shown, testShown);
    shown.dispose();
    results.push({
      method,
      heldOutLogLikelihood: mean(modelTest),
      gapStandardError: standardError(Float64Array.from(modelTest, (v, i) => v - trueTest[i]!)),
      curve,
      ...modeCoverage(samples),
      mmd2: mmd,
      seconds: (performance.now() - started) / 1000,
      samples: toPairs(samples),
    });
    methodTrainer.dispose?.();
    adam.dispose();
    flow.dispose();
  }
  const dataMmd2 = unbiasedMmd2(testShown, moreTest);
  tf.dispose([testPoints, shownLatent, testShown, moreTest]);
  const truth = { bound, standardError: standardError(trueTest), exact: exactExpectedLogDensity(), mmd2: dataMmd2 };
  return report(results, truth, budget, test);
}

const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const SCATTER_DOMAIN = [-RING.radius - 1.5, RING.radius + 1.5];

function expectation(method: LikelihoodMethod, budget: Budget): string {
  switch (method) {
    case 'MLE':
      return 'the highest of all methods (within 0.1 nat, the spread between runs of criteria with the same optimum): '
        + 'it maximizes this very quantity';
    case 'self-contrastive NCE':
      return '≈ MLE (within 0.2 nat): expected gradient ½ MLE\'s, and Adam\'s steps do not depend on the gradient\'s scale; '
        + 'the noise samples add variance, so it may lag early'
        + (budget.transient ? ' (not checked: a quick run stops before the flows settle)' : '');
    case 'NCE, Gaussian noise':
      return 'improves on the initial flow, below MLE (within 0.1 nat): consistent, but less efficient (where p_g ≪ p_d '
        + 'the classifier is already sure, and the data there teach it little)';
    default:
      return 'no claim: the game never evaluates p_θ, so likelihood need not improve (the ML cost matches MLE\'s '
        + 'gradient only with the optimal D)';
  }
}

/** What the data's own density and samples score. */
interface Truth {
  /** E log p_d over the test set. */
  bound: number;
  standardError: number;
  /** E log p_d over p_d itself, by quadrature. */
  exact: number;
  /** Unbiased MMD² between two disjoint sets of SAMPLES_SHOWN test points: zero up to noise. */
  mmd2: number;
}

function report(results: LikelihoodMethodResult[], truth: Truth, budget: Budget, test: Float32Array): TheorySection {
  const { bound } = truth;
  const initial = results[0]!.curve[0]!.logLikelihood;
  const of = (method: LikelihoodMethod) => results.find((r) => r.method === method)!;
  const mle = of('MLE');
  const bestOther = Math.max(...results.filter((r) => r !== mle).map((r) => r.heldOutLogLikelihood));
  const okFor = (r: LikelihoodMethodResult): boolean | undefined => {
    switch (r.method) {
      case 'MLE': return r.heldOutLogLikelihood >= bestOther - 0.1;
      case 'self-contrastive NCE':
        return budget.transient ? undefined : Math.abs(r.heldOutLogLikelihood - mle.heldOutLogLikelihood) <= 0.2;
      case 'NCE, Gaussian noise':
        return r.heldOutLogLikelihood > initial && r.heldOutLogLikelihood <= mle.heldOutLogLikelihood + 0.1;
      default: return undefined;
    }
  };
  // log p_θ − log p_d averages to −KL ≤ 0; three paired standard errors allow for the test sample.
  const beatsBound = results.filter((r) => r.heldOutLogLikelihood - bound > 3 * r.gapStandardError);
  const summary: SummaryRow[] = [
    {
      label: 'true density: held-out E log p_d (the bound)',
      value: `${nats(bound)} ± ${truth.standardError.toFixed(3)} on ${budget.testSize} test points; exact −H(p_d) = `
        + `${truth.exact.toFixed(4)} by quadrature (${RING.modes} Gaussians, radius ${RING.radius}, σ ${RING.sd}); `
        + `test vs test: MMD² ${truth.mmd2.toFixed(4)}`,
    },
    {
      label: 'initial flow (every method starts here)',
      value: `${nats(initial)}; then ${budget.steps} steps of ${budget.batch} training points for every method`,
    },
    ...results.map((r): SummaryRow => ({
      label: `${r.method}: held-out log-likelihood`,
      value: `${nats(r.heldOutLogLikelihood)} (${(r.heldOutLogLikelihood - initial).toFixed(3)} vs initial, `
        + `${(bound - r.heldOutLogLikelihood).toFixed(3)} below the bound); samples: `
        + `${percent(r.nearModeFraction)} within 2σ of a mode (data: ${percent(DATA_NEAR_MODE_FRACTION)}), `
        + `${r.modesCovered}/${RING.modes} modes, MMD² ${r.mmd2.toFixed(4)}; ${r.seconds.toFixed(1)} s`,
      expected: expectation(r.method, budget),
      ok: okFor(r),
    })),
    {
      label: 'no method beats the true density',
      value: beatsBound.length === 0 ? 'none does' : `${beatsBound.map((r) => r.method).join(', ')} above it`,
      expected: 'every held-out log-likelihood ≤ the bound + 3 standard errors of its paired gap',
      ok: beatsBound.length === 0,
    },
  ];

  const curveRows = results.flatMap((r) => r.curve.map((p) => ({ method: r.method, ...p })));
  const lowest = Math.min(initial, mle.heldOutLogLikelihood) - 1.5;
  const curves: TheoryFigure = {
    file: 'likelihood-curves.svg',
    title: 'Held-out log-likelihood of the flow while training, per criterion',
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      title: {
        text: `Held-out log-likelihood (dashed: the true density, ${nats(bound)})`,
        subtitle: 'lines leaving the chart below keep falling; their values are in the section data',
      },
      width: 520,
      height: 320,
      layer: [
        {
          data: { values: curveRows },
          mark: { type: 'line', clip: true },
          encoding: {
            x: { field: 'step', type: 'quantitative', title: 'training step' },
            y: {
              field: 'logLikelihood', type: 'quantitative', title: 'mean log p(x_test) (nats)', scale: { domain: [lowest, bound + 0.2] },
            },
            color: { field: 'method', type: 'nominal', sort: [...LIKELIHOOD_METHODS], legend: { labelLimit: 240 } },
          },
        },
        {
          data: { values: [{ bound }] },
          mark: { type: 'rule', strokeDash: [5, 4] },
          encoding: { y: { field: 'bound', type: 'quantitative' } },
        },
      ],
    },
  };
  const dataShown = toPairs(test.subarray(0, 2 * SAMPLES_SHOWN));
  const scatterRows = [{ panel: 'data', points: dataShown }, ...results.map((r) => ({ panel: r.method, points: r.samples }))]
    .flatMap(({ panel, points }) => points.map(([x, y]) => ({ panel, x, y })));
  const axis = (field: 'x' | 'y') => ({ field, type: 'quantitative' as const, title: null, scale: { domain: SCATTER_DOMAIN } });
  const scatter: TheoryFigure = {
    file: 'likelihood-samples.svg',
    title: `${SAMPLES_SHOWN} samples of each trained flow (same latent points), beside held-out data`,
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      data: { values: scatterRows },
      columns: 4,
      facet: { field: 'panel', type: 'nominal', title: null, sort: ['data', ...LIKELIHOOD_METHODS] },
      spec: {
        width: 150,
        height: 150,
        mark: { type: 'circle', size: 6, opacity: 0.5, clip: true },
        encoding: { x: axis('x'), y: axis('y') },
      },
    },
  };

  return {
    id: 'likelihood-comparison',
    title: 'Likelihood comparison: one flow trained by MLE, GANs and NCE',
    claim: 'Trained from the same start on the same budget, MLE reaches the highest held-out likelihood, self-contrastive NCE '
      + '(½ the MLE gradient in expectation) comes close to it, and GAN costs, which never evaluate the density, need not '
      + 'improve it.',
    summary,
    data: {
      ring: RING,
      flow: FLOW,
      flowAdam: FLOW_ADAM,
      coolDown: COOL_DOWN,
      discriminatorAdam: DISCRIMINATOR_ADAM,
      budget,
      trueLogLikelihood: bound,
      trueLogLikelihoodStandardError: truth.standardError,
      exactExpectedLogDensity: truth.exact,
      testVersusTestMmd2: truth.mmd2,
      mmdBandwidths: MMD_BANDWIDTHS,
      initialLogLikelihood: initial,
      methods: results.map(({ samples: _samples, ...rest }) => rest),
    },
    figures: [curves, scatter],
  };
}
