/**
 * Child process of bench/bench.ts: measures one workload on one engine tier and prints one JSON
 * line. A process per measurement keeps peak-memory figures separate.
 *   node --import tsx bench/run_workload.ts <workload> <tier> [--quick]
 */
import { initEngine } from '../src/engine/index.js';
import { buildWorkload, WORKLOADS, type Workload } from './workloads.js';

const [workload, tier] = process.argv.slice(2) as [Workload, 'wasm' | 'cpu' | 'tfjs-node'];
const quick = process.argv.includes('--quick');
if (!WORKLOADS.includes(workload)) throw new Error(`unknown workload '${workload}'`);

const engine = await initEngine(tier);
const built = buildWorkload(workload);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Warm up (compiles wasm tiers, grows the heap), then size windows to ~1.5 s each.
const warmStart = performance.now();
let warmSteps = 0;
while (warmSteps < 2 || performance.now() - warmStart < (quick ? 300 : 1500)) {
  built.step();
  warmSteps++;
}
const stepMs = (performance.now() - warmStart) / warmSteps;
const perWindow = Math.max(1, Math.round((quick ? 500 : 1500) / stepMs));
const windows: number[] = [];
for (let w = 0; w < (quick ? 3 : 5); w++) {
  const t0 = performance.now();
  for (let i = 0; i < perWindow; i++) built.step();
  windows.push(perWindow / ((performance.now() - t0) / 1000));
}
const stepsPerS = median(windows);
const flops = built.flopsPerStep();
built.dispose();
console.log(JSON.stringify({
  workload,
  tier: engine.tier,
  steps_per_s: stepsPerS,
  windows,
  gflop_per_step: flops / 1e9,
  gflop_per_s: (flops * stepsPerS) / 1e9,
  peak_rss_mib: process.resourceUsage().maxRSS / 1024,
}));
