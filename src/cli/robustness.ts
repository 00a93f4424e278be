/**
 * `discern robustness`: the [H17] Fig. 3 probe. Writes robustness.json (raw estimates per seed,
 * mean ± sd, normalized curves) and the SVG figures, and prints a table of the curves.
 */
import { writeAtomically } from '../write_atomically.js';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { initEngine, type TierRequest } from '../engine/index.js';
import { DEFAULT_SEED_COUNT, robustnessFigures, runRobustness } from '../experiments/robustness.js';
import { renderSvg } from '../report/plot.js';
import { integer, tier, TIER_HELP } from './options.js';
import { progress } from './progress.js';

export interface RobustnessCommandOptions {
  quick: boolean;
  out: string;
  json: boolean;
  seed: number;
  /** Seeds seed, seed + 1, …; default DEFAULT_SEED_COUNT, 1 with --quick. */
  seeds?: number;
  tier: TierRequest;
}

const fixed = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(3));

export async function runRobustnessCommand({ quick, out, json, seed, seeds, tier: tierRequest }: RobustnessCommandOptions): Promise<void> {
  const count = seeds ?? (quick ? 1 : DEFAULT_SEED_COUNT);
  if (count < 1) throw new Error('--seeds must be at least 1');
  const engine = await initEngine(tierRequest);
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });
  const bar = progress('robustness');
  const result = await runRobustness({
    quick,
    seeds: Array.from({ length: count }, (_, i) => seed + i),
    onProgress: (fraction, status) => bar.update(fraction, { at: status }),
  });
  bar.stop();
  const figures = robustnessFigures(result);
  for (const figure of figures) writeAtomically(join(dir, figure.file), await renderSvg(figure.spec));
  const report = { ...result, tier: engine.tier, figures: figures.map(({ file, title }) => ({ file, title })) };
  writeAtomically(join(dir, 'robustness.json'), JSON.stringify(report, null, 2) + '\n');
  if (json) {
    console.log(JSON.stringify(report));
    return;
  }
  for (const p of result.perturbations) {
    console.log(`\n${p.id} (${p.unit}): held-out estimate, mean over ${count} seed(s), at levels ${p.levels.join(', ')}`);
    for (const e of p.estimators) {
      const trend = `${e.monotone ? 'monotone' : 'not monotone'}, Spearman ${e.spearman.toFixed(2)}`;
      console.log(`  ${e.id.padEnd(10)} ${e.mean.map(fixed).map((v) => v.padStart(8)).join(' ')}   ${trend}`);
    }
  }
  console.log(`\n${result.seconds.toFixed(0)} s · figures and robustness.json: ${dir}`);
}

export function registerRobustnessCommand(program: Command): void {
  program
    .command('robustness')
    .description('[H17] Fig. 3: estimated divergences between MNIST and rotated / noised MNIST as the perturbation grows')
    .option('--quick', 'three levels per perturbation, short critic training, one seed (seconds instead of minutes)', false)
    .option('--out <dir>', 'folder for robustness.json and the SVG figures', 'runs/robustness')
    .option('--json', 'print the results as JSON instead of the table', false)
    .option('--seed <n>', 'first random seed', integer('--seed'), 0)
    .option('--seeds <n>', `number of seeds (default ${DEFAULT_SEED_COUNT}, 1 with --quick)`, integer('--seeds'))
    .option('--tier <tier>', TIER_HELP, tier, 'auto')
    .addHelpText('after', '\nExamples:\n  discern robustness --out runs/robustness\n  discern robustness --quick --json')
    .action(async (opts: RobustnessCommandOptions) => {
      await runRobustnessCommand(opts);
    });
}
