import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, Rng, tf } from '../src/engine/index.js';
import { loadMnist, mnistBatch } from '../src/data/mnist.js';
import {
  addClippedNoise, ESTIMATORS, robustnessFigures, rotateImage, runRobustness, type RobustnessResult,
} from '../src/experiments/robustness.js';
import { renderSvg } from '../src/report/plot.js';

const SIDE = 28;
let digit: Float32Array;
let random: Float32Array;

before(async () => {
  await initEngine();
  digit = mnistBatch(loadMnist('test'), [0]);
  random = new Rng(7).uniforms(SIDE * SIDE, -1, 1);
});

test('rotation by 0° is the identity', () => {
  assert.deepEqual(rotateImage(digit, 0), digit);
  assert.deepEqual(rotateImage(random, 0), random);
});

test('rotation by 90° is numpy rot90 (transpose, then flip the rows), exactly on pixel centres', () => {
  for (const image of [digit, random]) {
    const rotated = rotateImage(image, 90);
    for (let r = 0; r < SIDE; r++) {
      for (let c = 0; c < SIDE; c++) assert.equal(rotated[r * SIDE + c], image[c * SIDE + (SIDE - 1 - r)], `pixel (${r}, ${c})`);
    }
  }
  // Four quarter turns come back exactly.
  let image = random;
  for (let i = 0; i < 4; i++) image = rotateImage(image, 90);
  assert.deepEqual(image, random);
});

test('rotation keeps the background: a blank image stays blank, a digit keeps blank corners and stays in [−1, 1]', () => {
  const blank = new Float32Array(SIDE * SIDE).fill(-1);
  for (const degrees of [15, 30, 45, 60, 75, 90, 137]) {
    assert.ok(rotateImage(blank, degrees).every((v) => v === -1), `blank at ${degrees}°`);
    const rotated = rotateImage(digit, degrees);
    for (const corner of [0, SIDE - 1, SIDE * (SIDE - 1), SIDE * SIDE - 1]) assert.equal(rotated[corner], -1, `corner ${corner} at ${degrees}°`);
    assert.ok(rotated.every((v) => v >= -1 && v <= 1), `range at ${degrees}°`);
  }
});

test('noise at σ = 0 is the identity; at σ > 0 it stays clipped to [−1, 1]', () => {
  const normals = new Rng(1).normals(digit.length);
  assert.deepEqual(addClippedNoise(digit, 0, normals), digit);
  const noisy = addClippedNoise(digit, 0.5, normals);
  assert.ok(noisy.every((v) => v >= -1 && v <= 1));
  assert.ok(noisy.some((v, i) => v !== digit[i]));
});

test('quick mode: every estimator sees the largest perturbation; no tensors leak; the figures render', async () => {
  const tensors = tf.memory().numTensors;
  const result: RobustnessResult = await runRobustness({ quick: true, seeds: [0] });
  assert.equal(tf.memory().numTensors, tensors, 'tensor leak');
  for (const perturbation of result.perturbations) {
    assert.equal(perturbation.estimators.length, ESTIMATORS.length);
    for (const e of perturbation.estimators) {
      const [atZero, atLargest] = [e.mean[0]!, e.mean[e.mean.length - 1]!];
      assert.ok(e.mean.every(Number.isFinite), `${perturbation.id} ${e.id}: ${e.mean}`);
      assert.ok(atLargest > atZero, `${perturbation.id} ${e.id}: ${atLargest} at the largest perturbation vs ${atZero} at none`);
      assert.equal(e.normalized[e.normalized.length - 1], 1);
    }
  }
  for (const figure of robustnessFigures(result)) assert.match(await renderSvg(figure.spec), /^<svg[^>]*width="\d+/);
});
