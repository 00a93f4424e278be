/** The committed digit classifier: ≥ 99.0% on MNIST test, and its checkpoint says how it was made. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CLASSIFIER_PATH } from '../src/tasks/classifier.js';
import { loadCheckpoint } from '../src/train/checkpoint.js';

test('discern classifier --eval --json reports ≥ 99.0% MNIST test accuracy for the committed weights', () => {
  const run = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'dist', 'cli', 'main.js'), 'classifier', '--eval', '--json'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const { test_accuracy: accuracy } = JSON.parse(run.stdout) as { test_accuracy: number };
  assert.ok(accuracy >= 0.99, `test accuracy ${accuracy}`);
  const { meta } = loadCheckpoint(CLASSIFIER_PATH);
  assert.match(String(meta.command), /^discern classifier --train --epochs \d+ --seed \d+$/);
  // Reproduced to within a few images: another engine tier may round a borderline logit differently.
  assert.ok(Math.abs(Number(meta.test_accuracy) - accuracy) <= 5e-4, `recorded ${meta.test_accuracy}, measured ${accuracy}`);
});
