/** All randomness flows from one seed: same seed and backend, same numbers. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, Rng, tf } from '../src/engine/index.js';
import { dcganDiscriminator, dcganGenerator, mlpDiscriminator, mlpGenerator } from '../src/models/gan.js';
import { adversarialStep, type AdversarialCriterion } from '../src/train/adversarial.js';

before(async () => {
  await initEngine('wasm');
});

/** Builds the networks from `seed`, trains `steps` steps, returns every weight value. */
function train(seed: number, conv: boolean, criterion: AdversarialCriterion, steps: number): Float32Array[] {
  const rng = new Rng(seed);
  const G = conv ? dcganGenerator(rng.fork('G')) : mlpGenerator(rng.fork('G'));
  const D = conv ? dcganDiscriminator(rng.fork('D')) : mlpDiscriminator(rng.fork('D'));
  const batch = 8;
  const real = tf.tensor(rng.fork('data').uniforms(batch * 784, -1, 1), conv ? [batch, 28, 28, 1] : [batch, 784]);
  const step = adversarialStep({ generator: G, discriminator: D, latent: 100 }, criterion, rng.fork('train'));
  for (let i = 0; i < steps; i++) {
    const losses = step(real);
    assert.ok(Number.isFinite(losses.discriminator.dataSync()[0]) && Number.isFinite(losses.generator.dataSync()[0]));
    tf.dispose([losses.discriminator, losses.generator]);
  }
  const weights = [...G.variables, ...D.variables].map((v) => v.dataSync().slice() as Float32Array);
  G.dispose();
  D.dispose();
  real.dispose();
  return weights;
}

const identical = (a: Float32Array[], b: Float32Array[]) =>
  a.length === b.length && a.every((x, i) => x.length === b[i]!.length && x.every((v, j) => Object.is(v, b[i]![j])));

describe('seeded training', () => {
  for (const [conv, criterion] of [[false, 'gan'], [true, 'gan'], [true, 'wgan-gp']] as const) {
    test(`${conv ? 'DCGAN' : 'MLP GAN'} with ${criterion}: same seed gives bit-identical weights; another seed does not`, () => {
      const a = train(7, conv, criterion, 3);
      const b = train(7, conv, criterion, 3);
      const c = train(8, conv, criterion, 3);
      assert.ok(identical(a, b), 'two runs with seed 7 differ');
      assert.ok(!identical(a, c), 'seeds 7 and 8 gave the same weights');
    });
  }
});

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
