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

test('inverse(forward(z)) = z and the two log|det|s cancel, to float32 rounding', () => {
  const z = latent(1000, 'roundtrip');
  const forward = flow.forward(z);
  const inverse = flow.inverse(forward.points);
  assertAllClose(takeAll(inverse.points), Array.from(z.dataSync()), { rtol: 1e-5, atol: 1e-5 }, 'f⁻¹(f(z))');
  const forwardLogDet = takeAll(forward.logAbsDetJacobian);
  const inverseLogDet = takeAll(inverse.logAbsDetJacobian);
  assertAllClose(inverseLogDet, forwardLogDet.map((v) => -v), { atol: 1e-5 }, 'log|det ∂f⁻¹| = −log|det ∂f|');
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
  // Simpson on this grid is good to ~1e-7 for this smooth density; 1e-3 leaves room and is 20× stricter than 2%.
  assertClose(mass, 1, { rtol: 0, atol: 1e-3 }, '∫ p(x) dx');
});

/** FD_STEP: float32 rounding / h and h² truncation both stay near 3e-5 in log|det J| at this step. */
const FD_STEP = 5e-3;

/**
 * log|det J| of f at each z (rows of `z`), J by central finite differences of the float32 forward map
 * evaluated in one batch, differenced in float64.
 */
function finiteDifferenceLogAbsDet(z: number[][]): number[] {
  const h = FD_STEP;
  const shifted = z.flatMap(([z1, z2]) => [[z1! + h, z2!], [z1! - h, z2!], [z1!, z2! + h], [z1!, z2! - h]]);
  const x = takeAll(tf.tidy(() => flow.sample(tf.tensor2d(shifted))));
  return z.map((_, i) => {
    // Row 4i + r holds f at the r-th shifted point: +h·e₁, −h·e₁, +h·e₂, −h·e₂.
    const f = (r: number, coordinate: number): number => x[2 * (4 * i + r) + coordinate]!;
    const derivative = (r: number, coordinate: number): number => (f(r, coordinate) - f(r + 1, coordinate)) / (2 * h);
    const [j11, j21, j12, j22] = [derivative(0, 0), derivative(0, 1), derivative(2, 0), derivative(2, 1)];
    return Math.log(Math.abs(j11 * j22 - j12 * j21));
  });
}

test('log p(f(z)) = log N(z) − log|det J|, J = central finite differences of f in float64, at several points', () => {
  const points = [[0, 0], [1.2, -0.7], [-2, 0.5], [0.3, 2.4], [-1.5, -1.5]];
  const logAbsDet = finiteDifferenceLogAbsDet(points);
  const logDensity = takeAll(tf.tidy(() => flow.logDensity(flow.sample(tf.tensor2d(points)))));
  points.forEach(([z1, z2], i) => {
    const expected = standardNormalLogPdf(z1!, z2!) - logAbsDet[i]!;
    assertClose(logDensity[i]!, expected, { rtol: 0, atol: 5e-4 }, `log p(f(${z1}, ${z2}))`);
  });
});

test('change of variables on samples: mean log p(f(z)) = mean log N(z) − mean log|det ∂f/∂z| (finite differences)', () => {
  const z = latent(500, 'change-of-variables');
  const zValues = Array.from(z.dataSync());
  const zRows = Array.from({ length: 500 }, (_, i) => [zValues[2 * i]!, zValues[2 * i + 1]!]);
  const modelLogDensity = takeAll(tf.tidy(() => flow.logDensity(flow.sample(z))));
  const logAbsDet = finiteDifferenceLogAbsDet(zRows);
  const expected = zRows.map(([z1, z2], i) => standardNormalLogPdf(z1!, z2!) - logAbsDet[i]!);
  assertClose(mean(modelLogDensity), mean(expected), { rtol: 0, atol: 1e-4 }, 'mean log p(f(z))');
  // and sample by sample, against the flow's own forward log|det|
  const forwardLogDet = takeAll(tf.tidy(() => flow.forward(z).logAbsDetJacobian));
  const analytic = zRows.map(([z1, z2], i) => standardNormalLogPdf(z1!, z2!) - forwardLogDet[i]!);
  assertAllClose(modelLogDensity, analytic, { rtol: 1e-5, atol: 1e-4 }, 'log p(f(z_i))');
  z.dispose();
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
  copy.dispose();
  shallower.dispose();
  x.dispose();
});
