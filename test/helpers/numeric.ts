/**
 * Numerical helpers for the criteria tests: closeness assertions and central finite differences.
 */
import assert from 'node:assert/strict';
import { Rng, tf } from '../../src/engine/index.js';

export interface Tolerance {
  /** Relative tolerance, against |expected| (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-6). */
  atol?: number;
}

/** |actual − expected| ≤ atol + rtol·|expected|, and both finite, or both the same infinity. */
export function assertClose(actual: number, expected: number, { rtol = 1e-5, atol = 1e-6 }: Tolerance = {}, what = 'value'): void {
  if (!Number.isFinite(expected)) {
    assert.equal(actual, expected, `${what}: expected ${expected}, got ${actual}`);
    return;
  }
  assert.ok(Number.isFinite(actual), `${what}: expected ${expected}, got ${actual}`);
  const error = Math.abs(actual - expected);
  assert.ok(error <= atol + rtol * Math.abs(expected), `${what}: expected ${expected}, got ${actual} (error ${error.toExponential(2)})`);
}

/** Elementwise `assertClose`; `scale` replaces |expected_i| in the relative part when given. */
export function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { rtol = 1e-5, atol = 1e-6, scale }: Tolerance & { scale?: number } = {},
  what = 'values',
): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    const bound = atol + rtol * (scale ?? Math.abs(e));
    assert.ok(Number.isFinite(a) && Math.abs(a - e) <= bound, `${what}[${i}]: expected ${e}, got ${a} (bound ${bound.toExponential(2)})`);
  }
}

/** Largest |v_i|: the scale for comparing gradients whose small entries are all rounding. */
export function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
  return m;
}

/** ∂f/∂v_i ≈ (f(v + h e_i) − f(v − h e_i)) / 2h for every i. */
export function centralDifferences(f: (v: number[]) => number, at: ArrayLike<number>, h: number): number[] {
  const v = Array.from(at);
  return v.map((vi, i) => {
    const plus = [...v];
    const minus = [...v];
    plus[i] = vi + h;
    minus[i] = vi - h;
    return (f(plus) - f(minus)) / (2 * h);
  });
}

/** The value of a scalar tensor, which is then disposed. */
export function take(t: tf.Tensor): number {
  const value = t.dataSync()[0]!;
  t.dispose();
  return value;
}

/** The values of a tensor, copied out as a plain array; the tensor is then disposed. */
export function takeAll(t: tf.Tensor): number[] {
  const values = Array.from(t.dataSync());
  t.dispose();
  return values;
}

export type Points = number[][];

/** n points in d dimensions, N(shift, scale²) per coordinate, from a seeded stream. */
export function randomPoints(seed: number, n: number, d: number, shift = 0, scale = 1): Points {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from(rng.normals(d, scale), (v) => v + shift));
}

/**
 * Evaluates on the cpu reference backend, then on the wasm backend (which carries the process's
 * engine tier, wasm or native), and compares. The backend is cpu again afterwards.
 */
export function assertTierAgreesWithCpu(evaluate: () => number[], tolerance: Tolerance): void {
  tf.setBackend('cpu');
  const cpu = evaluate();
  tf.setBackend('wasm');
  try {
    assertAllClose(evaluate(), cpu, tolerance);
  } finally {
    tf.setBackend('cpu');
  }
}
