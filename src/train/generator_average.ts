/**
 * An exponential moving average of the generator's weights (Yazıcı et al., ICLR 2019, "The
 * unusual effectiveness of averaging in GAN training"; StyleGAN's and BigGAN's sampling
 * generator). After the t-th step (t = 0, 1, …)
 *
 *   θ̄ ← β_t·θ̄ + (1 − β_t)·θ,   β_t = min(decay, (1 + t) / (10 + t)),
 *
 * over the parameters and the batch norms' running statistics alike; θ̄ starts at the initial
 * weights, and β_t's warm-up (TensorFlow's ExponentialMovingAverage with num_updates) keeps the
 * early average from clinging to them. Training never reads θ̄, so it runs exactly as without;
 * the average smooths the generator's oscillation around the game's equilibrium, and samples,
 * scores and evaluation use it.
 */
import { tf } from '../engine/index.js';
import type { Sequential } from '../models/layers.js';
import type { Objective } from './objectives.js';

export function averageGenerator(objective: Objective, average: Sequential, decay: number): Objective {
  if (!(decay > 0 && decay < 1)) throw new Error(`emaDecay must be in (0, 1) (got ${decay}); typical: 0.999`);
  const source = objective.networks.generator.state();
  const target = average.state();
  let updates = 0;
  const counters = Object.defineProperties({}, {
    ...Object.getOwnPropertyDescriptors(objective.counters),
    generatorAverage: { enumerable: true, get: () => updates, set: (t: number) => { updates = t; } },
  }) as Record<string, number>;
  return {
    criterion: objective.criterion,
    networks: { ...objective.networks, generatorAverage: average },
    step(nextBatch, rng) {
      const metrics = objective.step(nextBatch, rng);
      const beta = Math.min(decay, (1 + updates) / (10 + updates));
      tf.tidy(() => {
        for (const [name, v] of target) v.assign(tf.add(tf.mul(v, beta), tf.mul(source.get(name)!, 1 - beta)));
      });
      updates++;
      return metrics;
    },
    state() {
      const state = objective.state();
      for (const [name, v] of target) state.set(`generatorAverage/${name}`, v);
      return state;
    },
    counters,
  };
}
