import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, Rng, tf } from '../src/engine/index.js';
import { CouplingFlow } from '../src/models/flow.js';
import { LOG_2PI } from '../src/theory/numeric.js';
import { assertAllClose, assertClose, takeAll } from './helpers/numeric.js';

let flow: CouplingFlow;

before(async () => {
  await initEngine();
  // Default (PyTorch) initialization already bends the density well away from N(0, I).
  flow = new CouplingFlow(new Rng('flow-test'));
});

const standardNormalLogPdf = (z1: number, z2: number): number => -0.5 * (z1 * z1 + z2 * z2) - LOG_2PI;
const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;

function latent(n: number, seed: string): tf.Tensor2D {
  return tf.tensor2d(new Rng(seed).normals(2 * n), [n, 2]);
}

/** f(z) for one point, read back from float32. */
function forwardPoint(z1: number, z2: number): [number, number] {
  const [x1, x2] = takeAll(flow.sample(tf.tensor2d([[z1, z2]])));
  return [x1!, x2!];
}

test('inverse(forward(z)) = z and the two log|det|s cancel, to float32 rounding', () => {
  const z = latent(1000, 'roundtrip');
  const forward = flow.forward(z);
  const inverse = flow.inverse(forward.points);
  assertAllClose(takeAll(inverse.points), Array.from(z.dataSync()), { rtol: 1e-5, atol: 1e-5 }, 'f⁻¹(f(z))');
  const forwardLogDet = takeAll(forward.logAbsDetJacobian);
  assertAllClose(takeAll(inverse.logAbsDetJacobian), forwardLogDet.map((v) => -v), { atol: 1e-5 }, 'log|det ∂f⁻¹| = −log|det ∂f|');
  assert.ok(Math.max(...forwardLogDet.map(Math.abs)) > 0.1, 'the test flow is not close to the identity');
  tf.dispose([z, forward.points]);
});

test('log-density integrates to 1 over the plane (Simpson on a 201² grid over [−8, 8]², float64)', () => {
  const n = 201;
  const half = 8;
  const h = (2 * half) / (n - 1);
  const coordinates = Array.from({ length: n }, (_, i) => -half + i * h);
  const grid = tf.tensor2d(coordinates.flatMap((x) => coordinates.flatMap((y) => [x, y])), [n * n, 2]);
  const logDensity = takeAll(flow.logDensity(grid));
  grid.dispose();
  const simpson = (i: number): number => (i === 0 || i === n - 1 ? 1 : i % 2 === 1 ? 4 : 2) * (h / 3);
  let mass = 0;
  let edge = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const p = Math.exp(logDensity[i * n + j]!);
      mass += simpson(i) * simpson(j) * p;
      if (i === 0 || j === 0 || i === n - 1 || j === n - 1) edge = Math.max(edge, p);
    }
  }
  assert.ok(edge < 1e-8, `the grid holds the mass (density ${edge} at its edge)`);
  // The grid resolves the smooth density to ~1e-7; 1e-3 is far inside the 2% a wrong log|det| would miss.
  assertClose(mass, 1, { rtol: 0, atol: 1e-3 }, '∫ p(x) dx');
});

test('log p(f(z)) = log N(z) − log|det J|, J = central finite differences of f in float64, at several points', () => {
  // float32 rounding / h and h² truncation both stay near 3e-5 at this step.
  const h = 5e-3;
  const points = [[0, 0], [1.2, -0.7], [-2, 0.5], [0.3, 2.4], [-1.5, -1.5]] as const;
  for (const [z1, z2] of points) {
    const [a1, a2] = forwardPoint(z1 + h, z2);
    const [b1, b2] = forwardPoint(z1 - h, z2);
    const [c1, c2] = forwardPoint(z1, z2 + h);
    const [d1, d2] = forwardPoint(z1, z2 - h);
    const jacobian = [[(a1 - b1) / (2 * h), (c1 - d1) / (2 * h)], [(a2 - b2) / (2 * h), (c2 - d2) / (2 * h)]];
    const logAbsDet = Math.log(Math.abs(jacobian[0]![0]! * jacobian[1]![1]! - jacobian[0]![1]! * jacobian[1]![0]!));
    const x = tf.tensor2d([forwardPoint(z1, z2)]);
    const [logDensity] = takeAll(flow.logDensity(x));
    x.dispose();
    assertClose(logDensity!, standardNormalLogPdf(z1, z2) - logAbsDet, { rtol: 0, atol: 5e-4 }, `log p(f(${z1}, ${z2}))`);
  }
});

test('change of variables on samples: E log p(f(z)) = E log N(z) − E log|det ∂f/∂z|, per sample and on average', () => {
  const z = latent(4000, 'change-of-variables');
  const zValues = Array.from(z.dataSync());
  const { points, logAbsDetJacobian } = flow.forward(z);
  const modelLogDensity = takeAll(flow.logDensity(points));
  const logAbsDet = takeAll(logAbsDetJacobian);
  const expected = logAbsDet.map((d, i) => standardNormalLogPdf(zValues[2 * i]!, zValues[2 * i + 1]!) - d);
  assertAllClose(modelLogDensity, expected, { rtol: 1e-5, atol: 1e-4 }, 'log p(f(z_i))');
  assertClose(mean(modelLogDensity), mean(expected), { rtol: 0, atol: 1e-5 }, 'mean log p(f(z))');
  tf.dispose([z, points]);
});

test('logDensity and sample are differentiable in every weight; copyFrom gives an identical flow', () => {
  const x = latent(64, 'gradients');
  for (const objective of [() => tf.mean(flow.logDensity(x)), () => tf.mean(tf.square(flow.sample(x)))]) {
    const { value, grads } = tf.variableGrads(objective as () => tf.Scalar, flow.variables);
    for (const v of flow.variables) {
      const norm = takeAll(tf.norm(grads[v.name]!))[0]!;
      assert.ok(Number.isFinite(norm) && norm > 0, `gradient of ${v.name}: ${norm}`);
    }
    tf.dispose([value, ...Object.values(grads)]);
  }
  const copy = new CouplingFlow(new Rng('another seed'));
  copy.copyFrom(flow);
  assertAllClose(takeAll(copy.logDensity(x)), takeAll(flow.logDensity(x)), { rtol: 0, atol: 0 }, 'copy');
  const shallower = new CouplingFlow(new Rng(0), { couplings: 4 });
  assert.throws(() => copy.copyFrom(shallower), /different architectures/);
  tf.dispose([copy, shallower].flatMap((f) => f.variables));
  x.dispose();
});
