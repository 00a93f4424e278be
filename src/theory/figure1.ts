/**
 * [G14] Figure 1: the three generator costs against D(G(z)) on (0, 1),
 *   minimax log(1 − D),   non-saturating −log D,   maximum likelihood −D/(1 − D),
 * drawn from the library's losses on logits a = log(D/(1 − D)), and checked against those closed
 * forms and their slopes dJ/da = −D, −(1 − D), −e^a. The paper clips the y axis; so does the chart.
 */
import { initEngine, tf } from '../engine/index.js';
import { GENERATOR_COSTS } from './generator_costs.js';
import { sigmoid } from './numeric.js';
import type { SummaryRow, TheoryOptions, TheorySection } from './types.js';

const Y_RANGE: [number, number] = [-20, 5];
/** float32 rounding of the logit and of the loss, relative to max(1, |J|). */
const TOLERANCE = 1e-5;
const SLOPE_LOGITS = [-6, -2, 0, 2, 6];

/** One point's cost: the library's batch mean over a batch of one. */
function libraryCost(loss: (a: tf.Tensor) => tf.Scalar, logit: number): number {
  const a = tf.tensor1d([logit]);
  const cost = loss(a);
  const value = cost.dataSync()[0]!;
  tf.dispose([a, cost]);
  return value;
}

function librarySlope(loss: (a: tf.Tensor) => tf.Scalar, logit: number): number {
  const a = tf.tensor1d([logit]);
  const slope = tf.grad(loss)(a);
  const value = slope.dataSync()[0]!;
  tf.dispose([a, slope]);
  return value;
}

const scaledError = (actual: number, expected: number): number => Math.abs(actual - expected) / Math.max(1, Math.abs(expected));

export async function figure1Section(options: TheoryOptions): Promise<TheorySection> {
  await initEngine();
  const points = options.quick ? 100 : 400;
  const grid = Array.from({ length: points }, (_, i) => (i + 0.5) / points);
  const curves = GENERATOR_COSTS.flatMap((cost) =>
    grid.map((d) => ({ D: d, cost: cost.id, value: libraryCost(cost.loss, Math.log(d / (1 - d))), closedForm: cost.ofD(d) })),
  );
  const slopes = GENERATOR_COSTS.flatMap((cost) =>
    SLOPE_LOGITS.map((a) => ({ logit: a, D: sigmoid(a), cost: cost.id, autodiff: librarySlope(cost.loss, a), closedForm: cost.slopeOfD(sigmoid(a)) })),
  );

  const summary: SummaryRow[] = GENERATOR_COSTS.flatMap((cost) => {
    const curveError = Math.max(...curves.filter((c) => c.cost === cost.id).map((c) => scaledError(c.value, c.closedForm)));
    const slopeError = Math.max(...slopes.filter((s) => s.cost === cost.id).map((s) => scaledError(s.autodiff, s.closedForm)));
    return [
      { label: `${cost.id}: J vs closed form`, value: curveError.toExponential(1), expected: `|Δ| ≤ ${TOLERANCE.toExponential(0)}·max(1, |J|)`, ok: curveError <= TOLERANCE },
      { label: `${cost.id}: dJ/da vs closed form`, value: slopeError.toExponential(1), expected: `|Δ| ≤ ${TOLERANCE.toExponential(0)}·max(1, |dJ/da|)`, ok: slopeError <= TOLERANCE },
    ];
  });
  // Where D rejects G(z) only the non-saturating cost keeps a slope: the reason [G14] and GAN practice prefer it.
  const rejected = slopes.filter((s) => s.logit === SLOPE_LOGITS[0]);
  summary.push({
    label: `dJ/da at D = ${rejected[0]!.D.toFixed(4)} (minimax/non-sat./ML)`,
    value: rejected.map((s) => s.autodiff.toPrecision(2)).join(' / '),
    expected: '−D / −(1−D) / −D/(1−D)',
  });

  return {
    id: 'figure-1',
    title: '[G14] Figure 1: generator costs as functions of D(G(z))',
    claim:
      'Minimax log(1−D) and maximum likelihood −D/(1−D) are flat where D rejects the sample (D → 0) and differ where D is fooled; non-saturating −log D is steep where D rejects.',
    summary,
    data: { clippedY: Y_RANGE, curves, slopes },
    figures: [
      {
        file: 'figure1.svg',
        title: 'Generator costs vs D(G(z)) ([G14] Figure 1)',
        spec: {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
          data: { values: curves.map(({ D, cost, value }) => ({ D, cost, value })) },
          mark: { type: 'line', clip: true },
          encoding: {
            x: { field: 'D', type: 'quantitative', title: 'D(G(z))', scale: { domain: [0, 1] } },
            y: { field: 'value', type: 'quantitative', title: 'generator cost J', scale: { domain: Y_RANGE } },
            color: { field: 'cost', type: 'nominal', title: 'generator cost' },
          },
          width: 420,
          height: 280,
        },
      },
    ],
  };
}
