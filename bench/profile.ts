/**
 * Per-kernel profile of one training step: time per kernel name, summed over the step.
 *   node --import tsx bench/profile.ts <mlp|dcgan|dcgan-gp> [native|wasm|cpu]
 */
import { initEngine, tf, type Tier } from '../src/engine/index.js';
import { buildWorkload, WORKLOADS, type Workload } from './workloads.js';

const workload = (process.argv[2] ?? 'dcgan') as Workload;
const tier = (process.argv[3] ?? 'native') as Tier;
if (!WORKLOADS.includes(workload)) throw new Error(`unknown workload '${workload}': use ${WORKLOADS.join(', ')}`);
await initEngine(tier);
const built = buildWorkload(workload);
for (let i = 0; i < 3; i++) built.step();

const profile = await tf.profile(() => {
  built.step();
});
const byKernel = new Map<string, { ms: number; calls: number }>();
for (const k of profile.kernels) {
  const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
  entry.ms += k.kernelTimeMs as number;
  entry.calls++;
  byKernel.set(k.name, entry);
}
const start = performance.now();
for (let i = 0; i < 5; i++) built.step();
const stepMs = (performance.now() - start) / 5;
const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
const kernelMs = rows.reduce((sum, [, e]) => sum + e.ms, 0);
console.log(`${workload} on ${tier}: step ${stepMs.toFixed(1)} ms unprofiled; kernels ${kernelMs.toFixed(1)} ms in ${profile.kernels.length} calls`);
console.log('kernel                      ms   calls  share');
for (const [name, e] of rows.slice(0, 15)) {
  console.log(`${name.padEnd(24)} ${e.ms.toFixed(2).padStart(7)} ${String(e.calls).padStart(6)} ${((100 * e.ms) / kernelMs).toFixed(1).padStart(5)}%`);
}
