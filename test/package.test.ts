/** The package root, as a user imports it after `npm run build`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

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

test('the built `discern` bin is an executable program, as npx and a PATH run it', () => {
  // tsc writes files without the execute bit; npm sets it only when installing from a registry,
  // so a clone's `npx discern …` failed with "Permission denied" until the build set it.
  const bin = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
  const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  assert.equal(version, createRequire(import.meta.url)('../package.json').version);
});
