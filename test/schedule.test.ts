/** Schedules: held, linear over the first steps, and piecewise-linear points. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { valueAt } from '../src/train/schedule.js';

test('{ from, to, steps } is linear over the first steps, then held, to the bit as before points existed', () => {
  const schedule = { from: 0.0005, to: 0.0015, steps: 20000 };
  for (const update of [0, 1, 7, 9999, 10000, 12345, 19999, 20000, 20001, 50000]) {
    // The formula of every run trained before points existed: their resumes must replay exactly.
    const before = schedule.to + (schedule.from - schedule.to) * Math.max(0, 1 - update / schedule.steps);
    assert.equal(valueAt(schedule, update), before, `update ${update}`);
    assert.equal(valueAt([[0, schedule.from], [schedule.steps, schedule.to]], update), before, `update ${update}, as two points`);
  }
  assert.equal(valueAt(3, 12345), 3);
});

test('points: held before the first, linear between neighbours, held after the last', () => {
  const points: [number, number][] = [[100, 2], [200, 4], [300, 1]];
  const expected: [number, number][] = [[0, 2], [100, 2], [150, 3], [199, 3.98], [200, 4], [250, 2.5], [300, 1], [10_000, 1]];
  for (const [update, value] of expected) {
    assert.ok(Math.abs(valueAt(points, update) - value) < 1e-12, `update ${update}: ${valueAt(points, update)}, expected ${value}`);
  }
});

test('a warm-up then a decay: the rise and the fall each have their own slope', () => {
  const points: [number, number][] = [[0, 0.0005], [20000, 0.0015], [23000, 0.0001]];
  const slope = (a: number, b: number) => (valueAt(points, b) - valueAt(points, a)) / (b - a);
  assert.ok(Math.abs(slope(0, 10000) - 0.001 / 20000) < 1e-15);
  assert.ok(Math.abs(slope(20000, 21500) + 0.0014 / 3000) < 1e-15);
  assert.ok(Math.abs(valueAt(points, 20000) - 0.0015) < 1e-15);
});
