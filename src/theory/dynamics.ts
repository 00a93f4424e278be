/**
 * [G14] claim (iii): simultaneous gradient steps on a game need not converge. The minimizing player
 * x steps along −∂V/∂x, the maximizing player y along +∂V/∂y.
 *
 * Bilinear game V(x, y) = x·y, equilibrium (0, 0).
 *  - Flow ẋ = −y, ẏ = x: a rotation, so r = √(x² + y²) is constant (integrated here by RK4).
 *  - Simultaneous steps (x, y) ← (x − ηy, y + ηx): the matrix [[1, −η], [η, 1]] is √(1 + η²) times a
 *    rotation, so r grows by exactly √(1 + η²) a step for every η > 0. A decreasing step η_t = η/√t
 *    does not help: r_T = r₀ ∏ √(1 + η²/t) ~ T^{η²/2}, still unbounded.
 *  - Alternating steps x ← x − ηy, then y ← y + ηx with the new x: the matrix [[1, −η], [η, 1 − η²]]
 *    has determinant 1 and, for η < 2, complex eigenvalues on the unit circle. Expanding shows
 *    Q = x² + y² − ηxy is invariant, so the iterates stay on an ellipse, with
 *    r² between Q/(1 + η/2) and Q/(1 − η/2) (the eigenvalues of Q's matrix are 1 ± η/2).
 *  - The fix, extragradient (Korpelevich 1976): step with the gradient taken at the point a
 *    simultaneous step would reach. Matrix [[1 − η², −η], [η, 1 − η²]], so r shrinks by
 *    √(1 − η² + η⁴) < 1 a step for 0 < η < 1.
 *
 * Non-convex game: the Dirac-GAN of Mescheder, Geiger & Nowozin, "Which Training Methods for GANs
 * do actually Converge?" (ICML 2018): data δ₀, generator δ_θ, discriminator D(x) = σ(ψx), so the
 * game value is V(θ, ψ) = log D(0) + log(1 − D(θ)) = −ζ(ψθ) − log 2, concave in θ, which θ
 * minimizes. The only equilibrium is (0, 0). With g = σ(ψθ) the gradient is (−ψg, −θg): the flow
 * again conserves θ² + ψ², and a simultaneous step multiplies r² by 1 + η²g² > 1, so the distance to
 * the equilibrium never decreases; extragradient converges.
 *
 * 1-D GAN: data ½N(−2, ½²) + ½N(2, ½²), generator x = μ + σz with σ = exp(s), discriminator
 * logit a = w·(u, u², u³, u⁴) + b with u = x/2, trained by simultaneous Adam steps on the library's
 * `ganDiscriminatorLoss` and `nonSaturatingGeneratorLoss` (tfjs autodiff, seeded minibatches). One
 * Gaussian cannot cover both modes: σ collapses and, with the discriminator 10× slower than the
 * generator, μ keeps hopping between the modes (the discriminator learns the occupied mode is fake,
 * the generator flees to the other one) instead of settling. The slow discriminator matters: with
 * both rates 0.01 the run settles on the mode-covering μ ≈ 0, σ ≈ 1.37; with both 0.1 it collapses
 * onto one mode without hopping.
 */
import { ganDiscriminatorLoss, nonSaturatingGeneratorLoss } from '../criteria/gan.js';
import { Rng, tf } from '../engine/index.js';
import type { PlotSpec } from '../report/plot.js';
import { Adam } from '../train/adam.js';
import { sigmoid } from './numeric.js';
import type { SummaryRow, TheoryOptions, TheorySection } from './types.js';

export type Point = readonly [number, number];

/** A two-player game by its gradient (∂V/∂x, ∂V/∂y); x minimizes V, y maximizes it. */
export interface Game {
  name: string;
  gradient(p: Point): Point;
}

export const bilinearGame: Game = { name: 'bilinear V = xy', gradient: ([x, y]) => [y, x] };

export const diracGan: Game = {
  name: 'Dirac-GAN V = −ζ(ψθ) − log 2',
  gradient: ([theta, psi]) => {
    const g = sigmoid(psi * theta);
    return [-psi * g, -theta * g];
  },
};

export type Method = (game: Game, p: Point, eta: number) => Point;

export const simultaneous: Method = (game, [x, y], eta) => {
  const [gx, gy] = game.gradient([x, y]);
  return [x - eta * gx, y + eta * gy];
};

export const alternating: Method = (game, [x, y], eta) => {
  const x1 = x - eta * game.gradient([x, y])[0];
  return [x1, y + eta * game.gradient([x1, y])[1]];
};

export const extragradient: Method = (game, p, eta) => {
  const [gx, gy] = game.gradient(simultaneous(game, p, eta));
  return [p[0] - eta * gx, p[1] + eta * gy];
};

/** One RK4 step of length h along the flow (ẋ, ẏ) = (−∂V/∂x, ∂V/∂y). */
export const rk4: Method = (game, [x, y], h) => {
  const field = (px: number, py: number): Point => {
    const [gx, gy] = game.gradient([px, py]);
    return [-gx, gy];
  };
  const k1 = field(x, y);
  const k2 = field(x + (h / 2) * k1[0], y + (h / 2) * k1[1]);
  const k3 = field(x + (h / 2) * k2[0], y + (h / 2) * k2[1]);
  const k4 = field(x + h * k3[0], y + h * k3[1]);
  return [x + (h / 6) * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]), y + (h / 6) * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])];
};

/** The start and `steps` iterates of `method`. */
export function trajectory(method: Method, game: Game, start: Point, eta: number, steps: number): Point[] {
  const points: Point[] = [start];
  for (let t = 0; t < steps; t++) points.push(method(game, points[t]!, eta));
  return points;
}

export const radius = ([x, y]: Point): number => Math.hypot(x, y);

/** Q = x² + y² − ηxy, invariant under alternating steps (x first) on the bilinear game. */
export const alternatingInvariant = ([x, y]: Point, eta: number): number => x * x + y * y - eta * x * y;

/** max over steps of |r_{t+1}/r_t − factor| / factor. */
export function worstStepRatio(points: Point[], factor: number): number {
  let worst = 0;
  for (let t = 1; t < points.length; t++) worst = Math.max(worst, Math.abs(radius(points[t]!) / radius(points[t - 1]!) / factor - 1));
  return worst;
}

/** Six significant digits: plenty for a figure, and a third of the JSON. */
const short = (x: number): number => Number(x.toPrecision(6));

/** Evenly spaced entries, the first and last included. */
function downsample<T>(values: T[], max = 500): T[] {
  if (values.length <= max) return values;
  return Array.from({ length: max }, (_, i) => values[Math.round((i * (values.length - 1)) / (max - 1))]!);
}

const START: Point = [1, 0];
const GROWTH_ETAS = [0.01, 0.1, 0.3];
const GROWTH_STEPS = 1000;
const GROWTH_TOLERANCE = 1e-12;
const FLOW_STEP = 0.01;
const FLOW_TURNS = 10;
const FLOW_TOLERANCE = 1e-9;
const ALTERNATING_ETA = 0.1;
const ALTERNATING_STEPS = 10_000;
const INVARIANT_TOLERANCE = 1e-12;
const DECAYING_ETA = 0.3;
const DECAYING_STEPS = 10_000;
const FIX_ETA = 0.3;
const FIX_TARGET = 1e-3;
const PLANE_ETA = 0.1;
const PLANE_STEPS = 250;
const DISTANCE_STEPS = 2000;
/** Below this the fix has converged; its series stops there to keep the log axis readable. */
const DISTANCE_FLOOR = 1e-9;
const DIRAC_START: Point = [1, 1];
const DIRAC_ETA = 0.5;

const GAN = {
  modes: [-2, 2],
  modeSd: 0.5,
  batch: 64,
  mu0: 0.5,
  sigma0: 0.5,
  generatorRate: 0.1,
  discriminatorRate: 0.01,
  beta1: 0.5,
  beta2: 0.999,
  features: 4,
} as const;

export interface GanRun {
  mu: number[];
  sigma: number[];
  /** Discriminator (w₁..w₄, b) after each step. */
  discriminator: number[][];
}

/** The discriminator's logits a = w·(u, u², u³, u⁴) + b, u = x/2 (the modes sit at u = ±1). */
function logits(x: tf.Tensor1D, discriminator: tf.Tensor): tf.Tensor1D {
  const u = tf.div(x, GAN.modes[1]);
  const u2 = tf.square(u);
  const features = tf.stack([u, u2, tf.mul(u2, u), tf.square(u2)], 1);
  const [w, b] = tf.split(discriminator, [GAN.features, 1]);
  return tf.add(tf.reshape(tf.matMul(features, tf.reshape(w!, [GAN.features, 1])), [-1]), b!);
}

function generate(generator: tf.Tensor, z: tf.Tensor1D): tf.Tensor1D {
  const [mu, logSigma] = tf.split(generator, 2);
  return tf.add(mu!, tf.mul(tf.exp(logSigma!), z));
}

function sampleData(rng: Rng, n: number): Float32Array {
  const noise = rng.normals(n, GAN.modeSd);
  return noise.map((e) => GAN.modes[rng.int(2)]! + e);
}

/** Simultaneous Adam steps: both gradients are taken at the current parameters, then both applied. */
export function trainOneDimGan(steps: number, rng: Rng): GanRun {
  const generator = tf.tidy(() => tf.variable(tf.tensor1d([GAN.mu0, Math.log(GAN.sigma0)])));
  const discriminator = tf.tidy(() => tf.variable(tf.zeros([GAN.features + 1])));
  const settings = { beta1: GAN.beta1, beta2: GAN.beta2 };
  const generatorAdam = new Adam([generator], { ...settings, learningRate: GAN.generatorRate });
  const discriminatorAdam = new Adam([discriminator], { ...settings, learningRate: GAN.discriminatorRate });
  const dataRng = rng.fork('data');
  const noiseRng = rng.fork('noise');
  const run: GanRun = { mu: [], sigma: [], discriminator: [] };
  for (let t = 0; t < steps; t++) {
    const [generatorGrad, discriminatorGrad] = tf.tidy(() => {
      const real = tf.tensor1d(sampleData(dataRng, GAN.batch));
      const z = tf.tensor1d(noiseRng.normals(GAN.batch));
      const fake = generate(generator, z);
      const discriminatorLoss = (d: tf.Tensor): tf.Scalar => {
        const [realLogits, fakeLogits] = tf.split(logits(tf.concat([real, fake]), d), 2);
        return ganDiscriminatorLoss(realLogits!, fakeLogits!);
      };
      const generatorLoss = (g: tf.Tensor): tf.Scalar => nonSaturatingGeneratorLoss(logits(generate(g, z), discriminator));
      return [tf.grad(generatorLoss)(generator), tf.grad(discriminatorLoss)(discriminator)];
    });
    generatorAdam.step([generatorGrad]);
    discriminatorAdam.step([discriminatorGrad]);
    tf.dispose([generatorGrad, discriminatorGrad]);
    const [mu, logSigma] = generator.dataSync();
    run.mu.push(mu!);
    run.sigma.push(Math.exp(logSigma!));
    run.discriminator.push(Array.from(discriminator.dataSync()));
  }
  generatorAdam.dispose();
  discriminatorAdam.dispose();
  tf.dispose([generator, discriminator]);
  return run;
}

/** Moves of μ from one mode's side (μ < −1) to the other's (μ > 1) or back. */
export function modeSwitches(mu: readonly number[]): number {
  let side = 0;
  let switches = 0;
  for (const m of mu) {
    const now = m > 1 ? 1 : m < -1 ? -1 : 0;
    if (now === 0) continue;
    if (side !== 0 && now !== side) switches++;
    side = now;
  }
  return switches;
}

function standardDeviation(values: readonly number[]): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
}

const fmt = (x: number, digits = 1): string => x.toExponential(digits);
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export async function gameDynamicsSection(options: TheoryOptions): Promise<TheorySection> {
  const growth = GROWTH_ETAS.map((eta) => {
    const points = trajectory(simultaneous, bilinearGame, START, eta, GROWTH_STEPS);
    const expected = Math.sqrt(1 + eta * eta);
    const measured = (radius(points[GROWTH_STEPS]!) / radius(START)) ** (1 / GROWTH_STEPS);
    return { eta, measured, expected, worstStep: worstStepRatio(points, expected) };
  });

  const flowSteps = Math.round((FLOW_TURNS * 2 * Math.PI) / FLOW_STEP);
  const flow = trajectory(rk4, bilinearGame, START, FLOW_STEP, flowSteps);
  const flowDrift = Math.max(...flow.map((p) => Math.abs(radius(p) / radius(START) - 1)));

  const alternatingPoints = trajectory(alternating, bilinearGame, START, ALTERNATING_ETA, ALTERNATING_STEPS);
  const radii = alternatingPoints.map(radius);
  const q0 = alternatingInvariant(START, ALTERNATING_ETA);
  const invariantDrift = Math.max(...alternatingPoints.map((p) => Math.abs(alternatingInvariant(p, ALTERNATING_ETA) / q0 - 1)));
  const radiusBounds = [Math.sqrt(q0 / (1 + ALTERNATING_ETA / 2)), Math.sqrt(q0 / (1 - ALTERNATING_ETA / 2))] as const;
  const alternatingRange = [Math.min(...radii), Math.max(...radii)] as const;
  const alternatingInBounds =
    alternatingRange[0] >= radiusBounds[0] * (1 - INVARIANT_TOLERANCE) && alternatingRange[1] <= radiusBounds[1] * (1 + INVARIANT_TOLERANCE);

  let decaying: Point = START;
  let decayingProduct = 1;
  let decayingMonotone = true;
  for (let t = 1; t <= DECAYING_STEPS; t++) {
    const eta = DECAYING_ETA / Math.sqrt(t);
    const next = simultaneous(bilinearGame, decaying, eta);
    decayingMonotone &&= radius(next) >= radius(decaying);
    decaying = next;
    decayingProduct *= Math.sqrt(1 + eta * eta);
  }
  const decayingRatio = radius(decaying) / radius(START);

  const fixPoints = trajectory(extragradient, bilinearGame, START, FIX_ETA, DISTANCE_STEPS);
  const fixContraction = Math.sqrt(1 - FIX_ETA ** 2 + FIX_ETA ** 4);
  const fixAboveFloor = fixPoints.filter((p) => radius(p) > DISTANCE_FLOOR);
  const fixMeasured = (radius(fixAboveFloor.at(-1)!) / radius(START)) ** (1 / (fixAboveFloor.length - 1));
  const fixWorstStep = worstStepRatio(fixAboveFloor, fixContraction);
  const fixHit = fixPoints.findIndex((p) => radius(p) < FIX_TARGET);

  const diracRuns = {
    simultaneous: trajectory(simultaneous, diracGan, DIRAC_START, DIRAC_ETA, DISTANCE_STEPS),
    extragradient: trajectory(extragradient, diracGan, DIRAC_START, DIRAC_ETA, DISTANCE_STEPS),
  };
  const diracFlow = trajectory(rk4, diracGan, DIRAC_START, FLOW_STEP, flowSteps);
  const diracFlowDrift = Math.max(...diracFlow.map((p) => Math.abs(radius(p) / radius(DIRAC_START) - 1)));
  const diracSimultaneousNeverShrinks = diracRuns.simultaneous.every((p, t) => t === 0 || radius(p) >= radius(diracRuns.simultaneous[t - 1]!));
  const diracFinal = { simultaneous: radius(diracRuns.simultaneous.at(-1)!), extragradient: radius(diracRuns.extragradient.at(-1)!) };

  const ganSteps = options.quick ? 1200 : 3000;
  const gan = trainOneDimGan(ganSteps, new Rng(options.seed).fork('game-dynamics/gan'));
  const half = ganSteps / 2;
  const switches = [modeSwitches(gan.mu.slice(0, half)), modeSwitches(gan.mu.slice(half))];
  const muSd = [standardDeviation(gan.mu.slice(0, half)), standardDeviation(gan.mu.slice(half))];

  const summary: SummaryRow[] = [
    ...growth.map(({ eta, measured, expected, worstStep }) => ({
      label: `bilinear, simultaneous steps, η = ${eta}: radius growth per step`,
      value: `${measured.toFixed(12)} (worst step ${fmt(worstStep)})`,
      expected: `√(1+η²) = ${expected.toFixed(12)}, rel. ≤ ${fmt(GROWTH_TOLERANCE, 0)}`,
      ok: worstStep <= GROWTH_TOLERANCE,
    })),
    {
      label: `bilinear flow, RK4 h = ${FLOW_STEP}, ${FLOW_TURNS} turns: max |r/r₀ − 1|`,
      value: fmt(flowDrift),
      expected: `≈ 0 (≤ ${fmt(FLOW_TOLERANCE, 0)})`,
      ok: flowDrift <= FLOW_TOLERANCE,
    },
    {
      label: `bilinear, alternating steps, η = ${ALTERNATING_ETA}, ${ALTERNATING_STEPS} steps: radius range`,
      value: `[${alternatingRange.map((r) => r.toFixed(4)).join(', ')}]`,
      expected: `within [√(Q/(1+η/2)), √(Q/(1−η/2))] = [${radiusBounds.map((r) => r.toFixed(4)).join(', ')}]`,
      ok: alternatingInBounds,
    },
    {
      label: 'alternating steps: max |Q/Q₀ − 1|, Q = x² + y² − ηxy',
      value: fmt(invariantDrift),
      expected: `≈ 0 (≤ ${fmt(INVARIANT_TOLERANCE, 0)})`,
      ok: invariantDrift <= INVARIANT_TOLERANCE,
    },
    {
      label: `bilinear, simultaneous, η_t = ${DECAYING_ETA}/√t, ${DECAYING_STEPS} steps: r_T/r₀`,
      value: decayingRatio.toFixed(6),
      expected: `∏√(1+η_t²) = ${decayingProduct.toFixed(6)}, never shrinks (~T^(η²/2))`,
      ok: decayingMonotone && Math.abs(decayingRatio / decayingProduct - 1) <= 1e-10,
    },
    {
      label: `bilinear, extragradient, η = ${FIX_ETA}: radius factor per step`,
      value: `${fixMeasured.toFixed(12)} (worst step ${fmt(fixWorstStep)}); r < ${FIX_TARGET} at step ${fixHit}`,
      expected: `√(1 − η² + η⁴) = ${fixContraction.toFixed(12)}, converges`,
      ok: fixWorstStep <= GROWTH_TOLERANCE && fixHit > 0,
    },
    {
      label: `Dirac-GAN flow, RK4 h = ${FLOW_STEP}: max |r/r₀ − 1|`,
      value: fmt(diracFlowDrift),
      expected: `≈ 0 (≤ ${fmt(FLOW_TOLERANCE, 0)})`,
      ok: diracFlowDrift <= FLOW_TOLERANCE,
    },
    {
      label: `Dirac-GAN from (1, 1), η = ${DIRAC_ETA}, ${DISTANCE_STEPS} steps: distance, simultaneous`,
      value: diracFinal.simultaneous.toFixed(3),
      expected: `never shrinks, > √2 = ${Math.SQRT2.toFixed(3)}`,
      ok: diracSimultaneousNeverShrinks && diracFinal.simultaneous > Math.SQRT2,
    },
    {
      label: `Dirac-GAN, same start and η: distance, extragradient`,
      value: fmt(diracFinal.extragradient),
      expected: `< ${fmt(FIX_TARGET, 0)} (converges)`,
      ok: diracFinal.extragradient < FIX_TARGET,
    },
    {
      label: `1-D GAN, simultaneous Adam, ${ganSteps} steps: μ's switches between modes, 1st / 2nd half`,
      value: `${switches[0]} / ${switches[1]}`,
      expected: '≥ 1 in the 2nd half (keeps oscillating)',
      ok: switches[1]! >= 1,
    },
    {
      label: '1-D GAN: sd of μ, 2nd half / 1st half; final σ',
      value: `${(muSd[1]! / muSd[0]!).toFixed(2)}; σ = ${gan.sigma.at(-1)!.toFixed(3)}`,
      expected: `≥ 0.5 (no decay); σ < ${GAN.modeSd} (collapsed)`,
      ok: muSd[1]! / muSd[0]! >= 0.5 && gan.sigma.at(-1)! < GAN.modeSd,
    },
  ];

  const plane = [
    { method: 'flow (RK4)', points: trajectory(rk4, bilinearGame, START, FLOW_STEP, Math.round((PLANE_STEPS * PLANE_ETA) / FLOW_STEP)) },
    { method: 'simultaneous', points: trajectory(simultaneous, bilinearGame, START, PLANE_ETA, PLANE_STEPS) },
    { method: 'alternating', points: trajectory(alternating, bilinearGame, START, PLANE_ETA, PLANE_STEPS) },
    { method: 'extragradient', points: trajectory(extragradient, bilinearGame, START, PLANE_ETA, PLANE_STEPS) },
  ].flatMap(({ method, points }) => downsample(points.map(([x, y], step) => ({ method, step, x: short(x), y: short(y) }))));

  const distanceSeries = (game: string, method: string, points: Point[]): Array<{ game: string; method: string; step: number; distance: number }> => {
    const kept = points.map((p, step) => ({ game, method, step, distance: short(radius(p)) })).filter((d) => d.distance >= DISTANCE_FLOOR);
    return downsample(kept);
  };
  const distances = [
    ...distanceSeries(bilinearGame.name, 'simultaneous', trajectory(simultaneous, bilinearGame, START, PLANE_ETA, DISTANCE_STEPS)),
    ...distanceSeries(bilinearGame.name, 'alternating', trajectory(alternating, bilinearGame, START, PLANE_ETA, DISTANCE_STEPS)),
    ...distanceSeries(bilinearGame.name, 'extragradient', trajectory(extragradient, bilinearGame, START, PLANE_ETA, DISTANCE_STEPS)),
    ...distanceSeries(diracGan.name, 'simultaneous', diracRuns.simultaneous),
    ...distanceSeries(diracGan.name, 'extragradient', diracRuns.extragradient),
  ];

  const ganTrace = downsample(gan.mu.map((mu, i) => ({ step: i + 1, mu: short(mu), sigma: short(gan.sigma[i]!), discriminator: gan.discriminator[i]!.map(short) })));

  return {
    id: 'game-dynamics',
    title: 'Game dynamics: simultaneous gradient steps need not converge',
    claim: 'Simultaneous gradient steps on a game need not converge: on V = xy the flow circles, discrete steps spiral out by √(1+η²) a step ([G14] claim iii).',
    summary,
    data: {
      bilinear: {
        start: START,
        growth,
        flow: { step: FLOW_STEP, turns: FLOW_TURNS, radiusDrift: flowDrift },
        alternating: { eta: ALTERNATING_ETA, steps: ALTERNATING_STEPS, radiusRange: alternatingRange, radiusBounds, invariantDrift },
        decayingStep: { eta: DECAYING_ETA, steps: DECAYING_STEPS, radiusRatio: decayingRatio, product: decayingProduct, monotone: decayingMonotone },
        extragradient: { eta: FIX_ETA, measured: fixMeasured, expected: fixContraction, worstStep: fixWorstStep, stepsBelowTarget: fixHit, target: FIX_TARGET },
        plane: { eta: PLANE_ETA, steps: PLANE_STEPS, points: plane },
      },
      diracGan: { start: DIRAC_START, eta: DIRAC_ETA, steps: DISTANCE_STEPS, flowRadiusDrift: diracFlowDrift, finalDistance: diracFinal, simultaneousNeverShrinks: diracSimultaneousNeverShrinks },
      distances: { bilinearEta: PLANE_ETA, diracEta: DIRAC_ETA, floor: DISTANCE_FLOOR, points: distances },
      gan: { settings: GAN, optimizer: 'Adam (simultaneous)', steps: ganSteps, modeSwitches: switches, muSd, trace: ganTrace },
    },
    figures: [
      { file: 'dynamics_bilinear_plane.svg', title: `V = xy: trajectories from (1, 0), η = ${PLANE_ETA}, ${PLANE_STEPS} steps`, spec: planeFigure(plane) },
      { file: 'dynamics_distance.svg', title: 'Distance to the equilibrium over steps', spec: distanceFigure(distances) },
      { file: 'dynamics_gan.svg', title: "1-D GAN: the generator's μ and σ over simultaneous Adam steps", spec: ganFigure(ganTrace) },
    ],
  };
}

function planeFigure(points: Array<{ method: string; step: number; x: number; y: number }>): PlotSpec {
  const extent = Math.max(...points.map((p) => Math.max(Math.abs(p.x), Math.abs(p.y))));
  const domain = [-extent, extent];
  return {
    $schema: SCHEMA,
    width: 360,
    height: 360,
    data: { values: points },
    mark: { type: 'line', strokeWidth: 1.2 },
    encoding: {
      x: { field: 'x', type: 'quantitative', scale: { domain }, title: 'x (minimizes)' },
      y: { field: 'y', type: 'quantitative', scale: { domain }, title: 'y (maximizes)' },
      color: { field: 'method', type: 'nominal', title: null },
      order: { field: 'step', type: 'quantitative' },
    },
  };
}

function distanceFigure(points: Array<{ game: string; method: string; step: number; distance: number }>): PlotSpec {
  return {
    $schema: SCHEMA,
    data: { values: points },
    facet: { column: { field: 'game', type: 'nominal', title: null } },
    spec: {
      width: 300,
      height: 260,
      mark: 'line',
      encoding: {
        x: { field: 'step', type: 'quantitative' },
        y: { field: 'distance', type: 'quantitative', scale: { type: 'log' }, axis: { format: '.0e' }, title: 'distance to equilibrium' },
        color: { field: 'method', type: 'nominal', title: null },
      },
    },
  };
}

function ganFigure(trace: Array<{ step: number; mu: number; sigma: number }>): PlotSpec {
  const series = trace.flatMap(({ step, mu, sigma }) => [
    { step, value: mu, parameter: 'μ' },
    { step, value: sigma, parameter: 'σ' },
  ]);
  return {
    $schema: SCHEMA,
    width: 480,
    height: 260,
    layer: [
      {
        data: { values: GAN.modes.map((mode) => ({ mode })) },
        mark: { type: 'rule', color: 'gray', strokeDash: [4, 4] },
        encoding: { y: { field: 'mode', type: 'quantitative' } },
      },
      {
        data: { values: series },
        mark: 'line',
        encoding: {
          x: { field: 'step', type: 'quantitative' },
          y: { field: 'value', type: 'quantitative', title: 'generator parameter (dashed: data modes)' },
          color: { field: 'parameter', type: 'nominal', title: null },
        },
      },
    ],
  };
}
