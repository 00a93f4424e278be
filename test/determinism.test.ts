/** All randomness flows from one seed: same seed and backend, same numbers. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, Rng } from '../src/engine/index.js';
import { determinismSuite } from './helpers/determinism-suite.js';

before(async () => {
  await initEngine('wasm');
});

determinismSuite('wasm');

describe('Rng', () => {
  test('is reproducible, and forks are independent streams', () => {
    assert.deepEqual(new Rng(3).normals(5), new Rng(3).normals(5));
    assert.notDeepEqual(new Rng(3).fork('a').normals(5), new Rng(3).fork('b').normals(5));
  });

  test('normals have mean ≈ 0 and variance ≈ 1; permutations are permutations', () => {
    const z = new Rng('moments').normals(200_000);
    const mean = z.reduce((s, v) => s + v, 0) / z.length;
    const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / z.length;
    assert.ok(Math.abs(mean) < 0.01 && Math.abs(variance - 1) < 0.01, `mean ${mean}, variance ${variance}`);
    const p = new Rng(1).permutation(1000);
    assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  });
});
