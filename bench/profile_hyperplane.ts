/**
 * Per-kernel profile of the visual-hyperplane GAN step (R1 5, negativeData 0.5) on one core:
 *   DISCERN_THREADS=1 node --import tsx bench/profile_hyperplane.ts [penaltyEvery=4] [batch=16]
 * prints steps/s over 60 steps, then milliseconds per step by kernel and input shapes (the top 25,
 * or TOP=n of them).
 */
import { initEngine, tf } from '../src/engine/index.js';
import { parseRunConfig } from '../src/train/config.js';
import { buildRun } from '../src/train/trainer.js';
import { workerStep } from '../src/train/replicas.js';
await initEngine('native');
const every = Number(process.argv[2] ?? 4);
const batch = Number(process.argv[3] ?? 16);
const config = parseRunConfig({ task: 'hyperplane', criterion: 'gan', batch, negativeData: 0.5, penaltyWeight: 5, penaltyEvery: every, steps: 100 }, 'x');
const { task, objective, rng } = buildRun(config);
let step = 0;
for (let i = 0; i < 20; i++) workerStep(objective, task, config, rng, ++step, 0);
const t0 = performance.now();
for (let i = 0; i < 60; i++) workerStep(objective, task, config, rng, ++step, 0);
console.log(`every ${every} batch ${batch}: ${(60000 / (performance.now() - t0)).toFixed(2)} steps/s`);
const byKernel = new Map<string, { ms: number; calls: number }>();
for (let j = 0; j < every; j++) {
  const profile = await tf.profile(() => { workerStep(objective, task, config, rng, ++step, 0); });
  for (const k of profile.kernels) {
    const name = k.name + ' ' + JSON.stringify(k.inputShapes.slice(0, 2));
    const e = byKernel.get(name) ?? { ms: 0, calls: 0 };
    e.ms += (k.kernelTimeMs as number) / every; e.calls++; byKernel.set(name, e);
  }
}
const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
const total = rows.reduce((s, [, e]) => s + e.ms, 0);
console.log(`kernels ${total.toFixed(1)} ms/step`);
for (const [n, e] of rows.slice(0, Number(process.env.TOP ?? 25))) console.log(e.ms.toFixed(2).padStart(7), String(e.calls).padStart(4), n);
