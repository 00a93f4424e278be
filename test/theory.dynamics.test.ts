import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, Rng } from '../src/engine/index.js';
import {
  alternating,
  alternatingInvariant,
  bilinearGame,
  diracGan,
  extragradient,
  gameDynamicsSection,
  modeSwitches,
  radius,
  rk4,
  simultaneous,
  trainOneDimGan,
  trajectory,
  worstStepRatio,
  type Point,
} from '../src/theory/dynamics.js';

before(async () => {
  await initEngine();
});

const START: Point = [0.6, -0.8];

test('simultaneous steps on V = xy grow the radius by exactly √(1+η²) a step', () => {
  for (const eta of [0.01, 0.1, 0.3, 1]) {
    const points = trajectory(simultaneous, bilinearGame, START, eta, 500);
    const worst = worstStepRatio(points, Math.sqrt(1 + eta * eta));
    assert.ok(worst <= 1e-10, `η = ${eta}: worst relative deviation ${worst}`);
  }
});

test('the RK4 flow of V = xy keeps its radius over a full turn and comes back to the start', () => {
  const steps = 628;
  const points = trajectory(rk4, bilinearGame, START, (2 * Math.PI) / steps, steps);
  const drift = Math.max(...points.map((p) => Math.abs(radius(p) / radius(START) - 1)));
  assert.ok(drift <= 1e-6, `radius drift ${drift}`);
  const [x, y] = points[steps]!;
  assert.ok(Math.hypot(x - START[0], y - START[1]) <= 1e-6, `end ${x}, ${y}`);
});

test('alternating steps stay bounded and conserve Q = x² + y² − ηxy', () => {
  for (const eta of [0.1, 0.5, 1.5]) {
    const points = trajectory(alternating, bilinearGame, START, eta, 10_000);
    const radii = points.map(radius);
    const spread = Math.sqrt((1 + eta / 2) / (1 - eta / 2));
    assert.ok(Math.max(...radii) / Math.min(...radii) <= spread * (1 + 1e-9), `η = ${eta}: radius range`);
    const q0 = alternatingInvariant(START, eta);
    const drift = Math.max(...points.map((p) => Math.abs(alternatingInvariant(p, eta) / q0 - 1)));
    assert.ok(drift <= 1e-9, `η = ${eta}: Q drift ${drift}`);
  }
});

test('extragradient converges on both games', () => {
  for (const game of [bilinearGame, diracGan]) {
    const last = trajectory(extragradient, game, START, 0.3, 1000).at(-1)!;
    assert.ok(radius(last) < 1e-3, `${game.name}: distance ${radius(last)}`);
  }
});

test('on the Dirac-GAN the flow circles and simultaneous steps never get closer to the equilibrium', () => {
  const flow = trajectory(rk4, diracGan, START, 0.01, 1000);
  assert.ok(Math.max(...flow.map((p) => Math.abs(radius(p) / radius(START) - 1))) <= 1e-6);
  const radii = trajectory(simultaneous, diracGan, START, 0.3, 1000).map(radius);
  radii.slice(1).forEach((r, t) => assert.ok(r >= radii[t]!, `step ${t + 1}: radius fell`));
  assert.ok(radii.at(-1)! > 1.5 * radii[0]!, `final distance ${radii.at(-1)}`);
});

test('mode switches count moves of μ between μ < −1 and μ > 1', () => {
  assert.equal(modeSwitches([0, 2, 0.5, -2, -0.5, -1.5, 1.5, 0]), 2);
});

test('the 1-D GAN is reproducible from its seed', () => {
  const a = trainOneDimGan(30, new Rng(7));
  const b = trainOneDimGan(30, new Rng(7));
  assert.deepEqual(a.mu, b.mu);
  assert.deepEqual(a.discriminator, b.discriminator);
});

test('quick section: every check holds, the GAN keeps oscillating, data is small JSON', async () => {
  const section = await gameDynamicsSection({ quick: true, seed: 1 });
  for (const row of section.summary) assert.equal(row.ok, true, `${row.label}: ${row.value} (expected ${row.expected})`);
  const gan = section.data.gan as { modeSwitches: number[]; trace: unknown[] };
  assert.ok(gan.modeSwitches[1]! >= 1, `switches ${gan.modeSwitches}`);
  const data = JSON.parse(JSON.stringify(section.data)) as typeof section.data;
  assert.deepEqual(data, section.data);
  const series = new Map<string, number>();
  const plane = (data.bilinear as { plane: { points: Array<{ method: string }> } }).plane.points;
  const distances = (data.distances as { points: Array<{ game: string; method: string }> }).points;
  for (const p of plane) series.set(`plane/${p.method}`, (series.get(`plane/${p.method}`) ?? 0) + 1);
  for (const p of distances) series.set(`${p.game}/${p.method}`, (series.get(`${p.game}/${p.method}`) ?? 0) + 1);
  series.set('gan', gan.trace.length);
  for (const [name, count] of series) assert.ok(count <= 500, `${name}: ${count} points`);
  assert.equal(section.figures.length, 3);
});
