/**
 * The README's main job: trains the MLP GAN (non-saturating cost) on MNIST for a fixed time and
 * writes a sample grid, the metrics log and a summary to the output folder.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { initEngine, Rng, tf, type TierRequest } from '../engine/index.js';
import { loadMnist, mnistBatch } from '../data/mnist.js';
import { mlpDiscriminator, mlpGenerator } from '../models/gan.js';
import { defaultSettings, makeObjective } from '../train/objectives.js';
import { writeImageGrid } from '../report/png.js';
import { progress } from './progress.js';

export interface DemoOptions {
  seconds: number;
  out: string;
  seed: number;
  tier: TierRequest;
  batch: number;
}

export async function runDemo({ seconds, out, seed, tier, batch }: DemoOptions): Promise<void> {
  const engine = await initEngine(tier);
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });
  const metricsPath = join(dir, 'metrics.jsonl');
  writeFileSync(metricsPath, '');
  console.error(`discern demo: MLP GAN on MNIST for ${seconds} s on the ${engine.tier} tier (seed ${seed}) → ${dir}`);

  const mnist = loadMnist('train');
  const rng = new Rng(seed);
  const latent = 100;
  const G = mlpGenerator(rng.fork('G'), latent);
  const D = mlpDiscriminator(rng.fork('D'));
  const objective = makeObjective('gan', { generator: G, critic: D, latent }, defaultSettings('gan'));
  const trainRng = rng.fork('train');
  const dataRng = rng.fork('data');
  const fixedNoise = tf.tensor2d(rng.fork('samples').normals(64 * latent), [64, latent]);

  let order = dataRng.permutation(mnist.count);
  let cursor = 0;
  const bar = progress('training');
  const start = performance.now();
  let steps = 0;
  let losses = { discriminator: NaN, generator: NaN };
  while ((performance.now() - start) / 1000 < seconds) {
    if (cursor + batch > mnist.count) {
      order = dataRng.permutation(mnist.count);
      cursor = 0;
    }
    const indices = order.subarray(cursor, cursor + batch);
    cursor += batch;
    const metrics = objective.step(() => tf.tensor2d(mnistBatch(mnist, indices), [batch, 784]), trainRng);
    losses = { discriminator: metrics.critic_loss!, generator: metrics.generator_loss! };
    steps++;
    const elapsed = (performance.now() - start) / 1000;
    if (!Number.isFinite(losses.discriminator) || !Number.isFinite(losses.generator)) {
      throw new Error(`training diverged at step ${steps}: losses D ${losses.discriminator}, G ${losses.generator}`);
    }
    if (steps % 10 === 0) {
      appendFileSync(metricsPath, JSON.stringify({ step: steps, seconds: elapsed, d_loss: losses.discriminator, g_loss: losses.generator }) + '\n');
    }
    bar.update(Math.min(1, elapsed / seconds), { step: steps, 'steps/s': steps / elapsed, D: losses.discriminator, G: losses.generator });
  }
  bar.stop();
  const elapsed = (performance.now() - start) / 1000;

  const samples = tf.tidy(() => G.apply(fixedNoise, false));
  const samplesPath = join(dir, 'samples.png');
  writeImageGrid(samplesPath, { pixels: samples.dataSync() as Float32Array, count: 64, height: 28, width: 28 });
  tf.dispose([samples, fixedNoise]);
  const summary = { tier: engine.tier, seed, steps, seconds: elapsed, steps_per_s: steps / elapsed, final: losses, samples: samplesPath };
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  console.log(`trained ${steps} steps in ${elapsed.toFixed(1)} s (${(steps / elapsed).toFixed(1)} steps/s on ${engine.tier}); D loss ${losses.discriminator.toFixed(3)}, G loss ${losses.generator.toFixed(3)}`);
  console.log(`samples: ${samplesPath}`);
}
