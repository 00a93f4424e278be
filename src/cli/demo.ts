/**
 * The README's main job (`npm start`): the theory lab, short trainings (a GAN on MNIST; the visual
 * hyperplane with WGAN-GP and with the standard GAN on the same time budget), their evaluation,
 * and the HTML report, all in one output folder.
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { initEngine, type TierRequest } from '../engine/index.js';
import { parseRunConfig } from '../train/config.js';
import { RunDirectory } from '../train/run_dir.js';
import { runReport } from './report.js';
import { runTheory } from './theory.js';
import { evaluateAndSave } from '../tasks/evaluate.js';
import { notifyEval, trainWithProgress } from './train.js';

export interface DemoOptions {
  out: string;
  /** Training budget per run. */
  seconds: number;
  /** Theory lab in quick mode and fewer evaluation samples (the tests use it). */
  quick: boolean;
  seed: number;
  tier: TierRequest;
}

const MARKER = 'demo.json';
const RUNS = [
  { task: 'mnist', criterion: 'gan', batch: 64 },
  { task: 'hyperplane', criterion: 'wgan-gp', batch: 32 },
  { task: 'hyperplane', criterion: 'gan', batch: 32 },
] as const;

/** The demo owns its folder: it clears what an earlier demo wrote, and refuses any other non-empty folder. */
function prepare(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    if (!existsSync(join(dir, MARKER))) {
      throw new Error(`${dir} is not empty and was not made by discern demo; choose another --out`);
    }
    for (const entry of ['theory', ...RUNS.map((r) => `${r.task}-${r.criterion}`), 'report.html', MARKER]) {
      rmSync(join(dir, entry), { recursive: true, force: true });
    }
  }
}

export async function runDemo({ out, seconds, quick, seed, tier }: DemoOptions): Promise<void> {
  const dir = resolve(out);
  prepare(dir);
  const engine = await initEngine(tier);
  const start = performance.now();
  console.error(`discern demo on the ${engine.tier} tier → ${dir}`);
  await runTheory({ out: join(dir, 'theory'), json: false, quick, seed, tier });
  writeFileSync(join(dir, MARKER), JSON.stringify({ seed, seconds, quick }) + '\n');

  const runDirs: string[] = [];
  for (const { task, criterion, batch } of RUNS) {
    const config = parseRunConfig({
      task, criterion, batch, seed, seconds, steps: 1_000_000, logEvery: 5, sampleEvery: 1_000_000, checkpointEvery: 1_000_000,
    }, 'demo');
    const runDir = new RunDirectory(join(dir, `${task}-${criterion}`));
    const summary = await trainWithProgress(config, runDir, { resume: false });
    console.error(`  ${task}/${criterion}: ${summary.steps} steps in ${summary.seconds.toFixed(0)} s`);
    if (task === 'hyperplane') {
      const scores = evaluateAndSave(runDir.path, { samples: quick ? 200 : 2000, seed, notify: notifyEval });
      console.error(`  P(sum = 25) = ${(100 * scores.pSum25).toFixed(1)}% (uniform digits ${(100 * scores.baselines.uniform).toFixed(2)}%)`);
    }
    runDirs.push(runDir.path);
  }
  await runReport([join(dir, 'theory'), ...runDirs], join(dir, 'report.html'));
  console.log(`demo finished in ${((performance.now() - start) / 1000).toFixed(0)} s; open ${join(dir, 'report.html')}`);
}
