/** Training is a function of the seed: same seed and tier, bit-identical weights. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, tf } from '../../src/engine/index.js';
import { dcganDiscriminator, dcganGenerator, mlpDiscriminator, mlpGenerator } from '../../src/models/gan.js';
import { defaultSettings, makeObjective, type CriterionName } from '../../src/train/objectives.js';

/** Builds the networks from `seed`, trains `steps` steps, returns every weight value. */
function train(seed: number, conv: boolean, criterion: CriterionName, steps: number): Float32Array[] {
  const rng = new Rng(seed);
  const G = conv ? dcganGenerator(rng.fork('G')) : mlpGenerator(rng.fork('G'));
  const D = conv ? dcganDiscriminator(rng.fork('D')) : mlpDiscriminator(rng.fork('D'));
  const batch = 8;
  const real = tf.tensor(rng.fork('data').uniforms(batch * 784, -1, 1), conv ? [batch, 28, 28, 1] : [batch, 784]);
  const objective = makeObjective(criterion, { generator: G, critic: D, latent: 100 }, { ...defaultSettings(criterion), criticSteps: 2 });
  const trainRng = rng.fork('train');
  for (let i = 0; i < steps; i++) {
    const metrics = objective.step(() => tf.clone(real), trainRng);
    assert.ok(Object.values(metrics).every(Number.isFinite), JSON.stringify(metrics));
  }
  const weights = [...G.variables, ...D.variables].map((v) => v.dataSync().slice() as Float32Array);
  G.dispose();
  D.dispose();
  real.dispose();
  return weights;
}

const identical = (a: Float32Array[], b: Float32Array[]) =>
  a.length === b.length && a.every((x, i) => x.length === b[i]!.length && x.every((v, j) => Object.is(v, b[i]![j])));

export function determinismSuite(tier: string): void {
describe('seeded training', () => {
  for (const [conv, criterion] of [[false, 'gan'], [true, 'gan'], [true, 'wgan-gp']] as const) {
    test(`${conv ? 'DCGAN' : 'MLP GAN'} with ${criterion} on the ${tier} tier: same seed gives bit-identical weights; another seed does not`, () => {
      const a = train(7, conv, criterion, 3);
      const b = train(7, conv, criterion, 3);
      const c = train(8, conv, criterion, 3);
      assert.ok(identical(a, b), 'two runs with seed 7 differ');
      assert.ok(!identical(a, c), 'seeds 7 and 8 gave the same weights');
    });
  }
});
}
