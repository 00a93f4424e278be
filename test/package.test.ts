/** The package root, as a user imports it after `npm run build`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';

test('the package root exports the criteria and engine by their public names', async () => {
  const root = join(import.meta.dirname, '..');
  const entry = createRequire(join(root, 'package.json')).resolve('discern');
  assert.equal(entry, join(root, 'dist', 'index.js'));
  const discern = await import(entry);
  for (const name of [
    'initEngine', 'Rng', 'distinguishabilityValue', 'ganDiscriminatorLoss', 'minimaxGeneratorLoss',
    'nonSaturatingGeneratorLoss', 'maximumLikelihoodGeneratorLoss', 'nceLoss', 'wassersteinCriticLoss',
    'wassersteinGeneratorLoss', 'gradientPenalty', 'mmd2', 'medianBandwidth', 'sinkhornDivergence',
    'energyDistance', 'gaussianElbo', 'makeObjective', 'trainRun', 'loadMnist', 'buildReport',
  ]) {
    assert.equal(typeof discern[name], 'function', name);
  }
});
