/**
 * "Weaker losses are easier to learn from" ([H17] §3, after Osokin et al. 2017), measured: learn a
 * predictor of y ∈ Y = {0,1}^T for the 0-1 loss and for the Hamming loss, and count the training
 * samples each needs to reach the same task error as T grows.
 *
 * Generating process (known exactly): x ~ N(0, I_T), y_t = 1[x_t > 0]. So y is a deterministic
 * function of x, the 2^T labels are equally likely, and the Bayes error is 0 under both losses. (A
 * rotated input Qx would change nothing: both learners below are rotation-equivariant.)
 *
 * Each loss has its Bayes decision rule, and each learner is the plug-in estimate of that rule:
 *   0-1 loss ℓ₀₁(ŷ, y) = 1[ŷ ≠ y]: ŷ = argmax_y p(y|x), the 2^T labels being unrelated classes
 *     →  'joint': a 2^T-class linear classifier;
 *   Hamming loss ℓ_H(ŷ, y) = (1/T) Σ_t 1[ŷ_t ≠ y_t]: ŷ_t = argmax p(y_t|x), bit by bit
 *     →  'bitwise': T binary linear classifiers.
 * Both use the nearest-centroid rule (linear discriminant analysis with identity covariance), fitted
 * in closed form, so no optimizer settles the comparison: class k scores μ̂_k·x − ½‖μ̂_k‖², μ̂_k the
 * mean of the training x labelled k, and a class never seen is never predicted. Both are consistent
 * here: the E[x | y = c] = √(2/π)(2c − 1) all have the same norm, so the population joint rule picks
 * argmax_c (2c − 1)·x = y, and bit t's rule is sign(x_t). The only difference is what
 * a sample teaches: under the Hamming loss, all T bits; under the 0-1 loss, one label of 2^T.
 *
 * Measured: the test error under both task losses (fresh test samples, mean over seeds) for
 * n = 4, 8, 16, … training samples, and the samples needed: the smallest n whose mean test error
 * is ≤ ε, interpolated log-linearly between the two grid points around ε.
 */
import { Rng, tf } from '../engine/index.js';
import type { PlotSpec } from '../report/plot.js';

export const LEARNERS = ['bitwise', 'joint'] as const;
export type Learner = (typeof LEARNERS)[number];
export const TASK_LOSSES = ['hamming', 'zero-one'] as const;
export type TaskLoss = (typeof TASK_LOSSES)[number];

export interface StructuredGrid {
  lengths: number[];
  seeds: number;
  /** Training sizes 2^2 … 2^maxLog2Samples, stopping once both learners reach ε under both losses. */
  maxLog2Samples: number;
  testSamples: number;
}

export const STRUCTURED_GRIDS: Record<'quick' | 'default' | 'full', StructuredGrid> = {
  quick: { lengths: [4, 6, 8], seeds: 3, maxLog2Samples: 17, testSamples: 2048 },
  default: { lengths: [4, 6, 8, 10, 12], seeds: 5, maxLog2Samples: 23, testSamples: 4096 },
  full: { lengths: [4, 5, 6, 7, 8, 9, 10, 11, 12], seeds: 10, maxLog2Samples: 24, testSamples: 8192 },
};

/** The task error both learners must reach. */
export const TARGET_ERROR = 0.1;

/** Test samples: x [n, T] row-major and the label bits [n, T]. */
interface TestSet { x: Float32Array; bits: Uint8Array; n: number }

function drawTestSet(n: number, length: number, rng: Rng): TestSet {
  const x = rng.normals(n * length);
  return { x, bits: Uint8Array.from(x, (v) => (v > 0 ? 1 : 0)), n };
}

/**
 * Per-label sums and counts of one stream of training samples, from which both learners' centroids
 * follow; the estimate at n uses the stream's first n samples (nested training sets).
 */
class LabelSums {
  /** sums [2^T, T] and counts [2^T] by joint label. */
  readonly sums: Float64Array;
  readonly counts: Float64Array;
  n = 0;

  constructor(readonly length: number, private readonly rng: Rng) {
    this.sums = new Float64Array(2 ** length * length);
    this.counts = new Float64Array(2 ** length);
  }

  /** Draws samples until n have been seen. */
  extendTo(n: number): void {
    const { length } = this;
    for (; this.n < n; this.n++) {
      const x = this.rng.normals(length);
      let label = 0;
      for (let t = 0; t < length; t++) if (x[t]! > 0) label |= 1 << t;
      this.counts[label]!++;
      for (let j = 0; j < length; j++) this.sums[label * length + j]! += x[j]!;
    }
  }

  /** Sums and counts for bit t's two classes (value 0, value 1): the joint labels' pooled by that bit. */
  bit(t: number): { sums: Float64Array; counts: Float64Array } {
    const { length } = this;
    const sums = new Float64Array(2 * length);
    const counts = new Float64Array(2);
    for (let label = 0; label < this.counts.length; label++) {
      const v = (label >> t) & 1;
      counts[v]! += this.counts[label]!;
      for (let j = 0; j < length; j++) sums[v * length + j]! += this.sums[label * length + j]!;
    }
    return { sums, counts };
  }
}

/**
 * The nearest-centroid rule for the classes of `sums` [K, T] and `counts` [K]: weights [T, K] with
 * the centroids μ̂_k as columns, offsets −½‖μ̂_k‖², and −∞ for a class never seen.
 */
function nearestCentroid({ sums, counts }: { sums: Float64Array; counts: Float64Array }, length: number) {
  const classes = counts.length;
  const weights = new Float32Array(length * classes);
  const offsets = new Float32Array(classes).fill(-Infinity);
  for (let k = 0; k < classes; k++) {
    if (counts[k] === 0) continue;
    let squaredNorm = 0;
    for (let j = 0; j < length; j++) {
      const centroid = sums[k * length + j]! / counts[k]!;
      weights[j * classes + k] = centroid;
      squaredNorm += centroid * centroid;
    }
    offsets[k] = -0.5 * squaredNorm;
  }
  return { weights, offsets };
}

/** argmax_k of x·W + b for every test sample. */
function predictClasses(test: TestSet, length: number, rule: { weights: Float32Array; offsets: Float32Array }): Int32Array {
  const count = rule.offsets.length;
  const predicted = tf.tidy(() => tf.argMax(tf.add(tf.matMul(tf.tensor2d(test.x, [test.n, length]), tf.tensor2d(rule.weights, [length, count])), tf.tensor1d(rule.offsets)), 1));
  const values = predicted.dataSync() as Int32Array;
  predicted.dispose();
  return values;
}

/** The learner's predicted bits [n, T] for the test samples. */
function predictBits(learner: Learner, sums: LabelSums, test: TestSet): Uint8Array {
  const { length } = sums;
  const bits = new Uint8Array(test.n * length);
  if (learner === 'joint') {
    const labels = predictClasses(test, length, nearestCentroid(sums, length));
    for (let i = 0; i < test.n; i++) for (let t = 0; t < length; t++) bits[i * length + t] = (labels[i]! >> t) & 1;
    return bits;
  }
  for (let t = 0; t < length; t++) {
    const values = predictClasses(test, length, nearestCentroid(sums.bit(t), length));
    for (let i = 0; i < test.n; i++) bits[i * length + t] = values[i]!;
  }
  return bits;
}

/** Mean Hamming and 0-1 errors of predicted bits against the true ones. */
function taskErrors(predicted: Uint8Array, test: TestSet, length: number): Record<TaskLoss, number> {
  let wrongBits = 0;
  let wrongLabels = 0;
  for (let i = 0; i < test.n; i++) {
    let wrong = 0;
    for (let t = 0; t < length; t++) if (predicted[i * length + t] !== test.bits[i * length + t]) wrong++;
    wrongBits += wrong;
    if (wrong > 0) wrongLabels++;
  }
  return { hamming: wrongBits / (test.n * length), 'zero-one': wrongLabels / test.n };
}

export interface StructuredPoint {
  learner: Learner;
  length: number;
  n: number;
  /** Mean over seeds of the test error under each task loss. */
  testError: Record<TaskLoss, number>;
}

export interface SamplesNeeded {
  learner: Learner;
  taskLoss: TaskLoss;
  length: number;
  /** Interpolated samples to reach TARGET_ERROR; null when the grid's largest n did not reach it. */
  samples: number | null;
}

export interface StructuredPredictionResult {
  grid: StructuredGrid;
  targetError: number;
  points: StructuredPoint[];
  samplesNeeded: SamplesNeeded[];
  seconds: number;
}

/** Smallest n with error ≤ target, log-linear between the grid points around it. */
function crossing(points: Array<{ n: number; error: number }>, target: number): number | null {
  const k = points.findIndex((p) => p.error <= target);
  if (k < 0) return null;
  if (k === 0) return points[0]!.n;
  const [a, b] = [points[k - 1]!, points[k]!];
  if (b.error <= 0) return b.n;
  const t = (Math.log(a.error) - Math.log(target)) / (Math.log(a.error) - Math.log(b.error));
  return Math.exp(Math.log(a.n) + t * (Math.log(b.n) - Math.log(a.n)));
}

export interface StructuredPredictionOptions {
  grid: StructuredGrid;
  seed: number;
  /** Called after each training size with the fraction of lengths T done. */
  onProgress?: (fraction: number, status: string) => void;
}

export async function runStructuredPrediction({ grid, seed, onProgress }: StructuredPredictionOptions): Promise<StructuredPredictionResult> {
  const start = performance.now();
  const root = new Rng(seed).fork('structured-prediction');
  const points: StructuredPoint[] = [];
  for (const [index, length] of grid.lengths.entries()) {
    const seeds = Array.from({ length: grid.seeds }, (_, s) => ({
      test: drawTestSet(grid.testSamples, length, root.fork(`test/${length}/${s}`)),
      sums: new LabelSums(length, root.fork(`train/${length}/${s}`)),
    }));
    for (let log2 = 2; log2 <= grid.maxLog2Samples; log2++) {
      const n = 2 ** log2;
      const reached = LEARNERS.map((learner) => {
        const testError = { hamming: 0, 'zero-one': 0 };
        for (const { test, sums } of seeds) {
          sums.extendTo(n);
          const errors = taskErrors(predictBits(learner, sums, test), test, length);
          for (const loss of TASK_LOSSES) testError[loss] += errors[loss] / grid.seeds;
        }
        points.push({ learner, length, n, testError });
        return TASK_LOSSES.every((loss) => testError[loss] <= TARGET_ERROR);
      });
      onProgress?.((index + log2 / grid.maxLog2Samples) / grid.lengths.length, `T ${length} · n ${n}`);
      await new Promise((resolve) => setImmediate(resolve)); // lets Ctrl-C and progress output through
      if (reached.every(Boolean)) break;
    }
  }
  const samplesNeeded = grid.lengths.flatMap((length) => LEARNERS.flatMap((learner) => TASK_LOSSES.map((taskLoss) => ({
    learner, taskLoss, length,
    samples: crossing(points.filter((p) => p.learner === learner && p.length === length).map((p) => ({ n: p.n, error: p.testError[taskLoss] })), TARGET_ERROR),
  }))));
  return { grid, targetError: TARGET_ERROR, points, samplesNeeded, seconds: (performance.now() - start) / 1000 };
}

const LEARNER_LABELS: Record<Learner, string> = {
  bitwise: 'bitwise: T binary classifiers (Hamming)',
  joint: 'joint: one over 2^T labels (0-1)',
};
const LOSS_LABELS: Record<TaskLoss, string> = { hamming: 'Hamming error', 'zero-one': '0-1 error' };

/** Samples needed against T (log scale), one line per learner and task loss, with 2^T for reference. */
export function structuredPredictionFigure(result: StructuredPredictionResult): PlotSpec {
  const values = result.samplesNeeded.filter((s) => s.samples !== null).map((s) => ({
    T: s.length, samples: s.samples, learner: LEARNER_LABELS[s.learner], loss: LOSS_LABELS[s.taskLoss],
  }));
  const reference = result.grid.lengths.map((T) => ({ T, samples: 2 ** T }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 460,
    height: 300,
    title: {
      text: `training samples needed for a test error ≤ ${result.targetError} (mean over ${result.grid.seeds} seeds)`,
      subtitle: 'solid: measured by the 0-1 error; dashed: by the Hamming error; dotted: 2^T',
    },
    config: { legend: { labelLimit: 0, titleLimit: 0 } },
    layer: [
      {
        data: { values: reference },
        mark: { type: 'line', color: 'gray', strokeDash: [2, 3] },
        encoding: { x: { field: 'T', type: 'quantitative' }, y: { field: 'samples', type: 'quantitative' } },
      },
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'T', type: 'quantitative', title: 'T (labels y ∈ {0,1}^T)', axis: { tickMinStep: 1 } },
          y: { field: 'samples', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'training samples needed' },
          color: { field: 'learner', type: 'nominal', title: 'learner (the rule of)', legend: { symbolType: 'stroke' } },
          strokeDash: { field: 'loss', type: 'nominal', scale: { domain: Object.values(LOSS_LABELS), range: [[6, 3], [1, 0]] }, legend: null },
        },
      },
    ],
  };
}
