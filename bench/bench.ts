/**
 * `npm run bench [-- --json] [-- --quick] [-- --tiers wasm,cpu] [-- --workloads mlp,dcgan]`
 *
 * Trains the three reference workloads (bench/workloads.ts) on each engine tier, each in its own
 * process, then runs the same workloads in PyTorch (bench/torch_reference.py, Debian's
 * python3-torch) and prints discern / PyTorch per workload. Figures only: nothing here asserts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKLOADS, type Workload } from './workloads.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const json = flag('json');
const quick = flag('quick');
const tiers = option('tiers', 'wasm').split(',');
const workloads = option('workloads', WORKLOADS.join(',')).split(',') as Workload[];
for (const w of workloads) {
  if (!WORKLOADS.includes(w)) throw new Error(`unknown workload '${w}': use ${WORKLOADS.join(', ')}`);
}
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Measurement {
  workload: Workload;
  tier: string;
  steps_per_s: number;
  gflop_per_step: number;
  gflop_per_s: number;
  peak_rss_mib: number;
}

function measure(workload: Workload, tier: string): Measurement | null {
  log(`bench: ${workload} on ${tier}…`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'run_workload.ts'), workload, tier, ...(quick ? ['--quick'] : [])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) {
    log(`bench: ${workload} on ${tier} failed (exit ${result.status})`);
    return null;
  }
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as Measurement;
}

interface TorchWorkload {
  best_steps_per_s: number;
  best_threads: number;
  by_threads: Record<string, { peak_rss_mib: number }>;
}

function torchReference(): { version: string; blas: string[]; workloads: Record<string, TorchWorkload> } | null {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return null;
  try {
    execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    log('bench: PyTorch not found (apt-get install python3-torch libopenblas0-pthread); printing discern figures only');
    return null;
  }
  log('bench: PyTorch reference (best of 1 and 2 threads)…');
  const out = execFileSync(python, [join(here, 'torch_reference.py'), '--workloads', workloads.join(','), ...(quick ? ['--quick'] : [])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const parsed = JSON.parse(out) as { torch_version: string; blas: string[]; workloads: Record<string, TorchWorkload> };
  return { version: parsed.torch_version, blas: parsed.blas, workloads: parsed.workloads };
}

const measurements = workloads.flatMap((w) => tiers.map((t) => measure(w, t))).filter((m): m is Measurement => m !== null);
const torch = torchReference();

const rows = measurements.map((m) => {
  const reference = torch?.workloads[m.workload];
  return {
    ...m,
    reference: 'pytorch',
    reference_version: torch?.version ?? null,
    reference_steps_per_s: reference?.best_steps_per_s ?? null,
    reference_threads: reference?.best_threads ?? null,
    reference_gflop_per_s: reference ? reference.best_steps_per_s * m.gflop_per_step : null,
    reference_peak_rss_mib: reference ? reference.by_threads[String(reference.best_threads)]?.peak_rss_mib ?? null : null,
    ratio: reference ? m.steps_per_s / reference.best_steps_per_s : null,
  };
});

if (json) {
  for (const row of rows) console.log(JSON.stringify(row));
} else {
  const f = (x: number | null, digits = 2) => (x === null ? '—' : x.toFixed(digits));
  console.log(`workload   tier   steps/s  GFLOP/s  peak MiB │ PyTorch steps/s (threads)  GFLOP/s │ ratio`);
  for (const r of rows) {
    console.log(
      `${r.workload.padEnd(10)} ${r.tier.padEnd(6)} ${f(r.steps_per_s).padStart(7)} ${f(r.gflop_per_s, 1).padStart(8)} ${f(r.peak_rss_mib, 0).padStart(9)} │ ` +
      `${f(r.reference_steps_per_s).padStart(15)} (${r.reference_threads ?? '—'})${''.padStart(6)} ${f(r.reference_gflop_per_s, 1).padStart(7)} │ ${f(r.ratio)}`,
    );
  }
  if (torch) console.log(`PyTorch ${torch.version}, BLAS: ${torch.blas.join(', ') || 'unknown'}`);
  console.log('GFLOP per step counts 4·F_G + 8·F_D (+6·F_D for the gradient penalty), F = forward FLOPs of a network on one batch.');
}
