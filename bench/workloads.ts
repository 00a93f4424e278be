/**
 * The benchmark's three workloads (batch 64, one step = one D update + one G update), shared by
 * bench/bench.ts and the demo. bench/torch_reference.py builds the same ones in PyTorch.
 */
import { Rng, tf } from '../src/engine/index.js';
import { dcganDiscriminator, dcganGenerator, mlpDiscriminator, mlpGenerator } from '../src/models/gan.js';
import { defaultSettings, makeObjective, type CriterionName } from '../src/train/objectives.js';
import type { Sequential } from '../src/models/layers.js';

export const WORKLOADS = ['mlp', 'dcgan', 'dcgan-gp'] as const;
export type Workload = (typeof WORKLOADS)[number];

export interface BuiltWorkload {
  step: () => void;
  /** FLOPs of one step: 4·F_G + 8·F_D (+ 6·F_D for the gradient penalty), F = forward FLOPs. */
  flopsPerStep: () => number;
  dispose: () => void;
}

export function buildWorkload(workload: Workload, seed = 0, batch = 64): BuiltWorkload {
  const rng = new Rng(seed);
  const conv = workload !== 'mlp';
  const G: Sequential = conv ? dcganGenerator(rng.fork('G')) : mlpGenerator(rng.fork('G'));
  const D: Sequential = conv ? dcganDiscriminator(rng.fork('D')) : mlpDiscriminator(rng.fork('D'));
  const criterion: CriterionName = workload === 'dcgan-gp' ? 'wgan-gp' : 'gan';
  const real = tf.tensor(rng.fork('data').uniforms(batch * 784, -1, 1), conv ? [batch, 28, 28, 1] : [batch, 784]);
  // The benchmark's step is one critic update and one generator update, for every workload.
  const objective = makeObjective(criterion, { generator: G, critic: D, latent: 100 }, { ...defaultSettings(criterion), criticSteps: 1 });
  const trainRng = rng.fork('train');
  return {
    step: () => {
      objective.step(() => tf.clone(real), trainRng);
    },
    flopsPerStep: () => 4 * G.flops(batch) + (criterion === 'wgan-gp' ? 14 : 8) * D.flops(batch),
    dispose: () => {
      G.dispose();
      D.dispose();
      real.dispose();
    },
  };
}
