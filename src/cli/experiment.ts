/**
 * `discern experiment sample-complexity`: [H17] Table 1 made measurable. Writes
 * sample-complexity.json (every estimate, the errors, the fitted slopes beside the expected and the
 * paper's rates, the structured-prediction counts) and the SVG figures, and prints the tables.
 */
import { writeAtomically } from '../write_atomically.js';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { initEngine, type TierRequest } from '../engine/index.js';
import {
  dataLabel, DIVERGENCE_INFO, DIVERGENCES, runSampleComplexity, SAMPLE_COMPLEXITY_GRIDS, sampleComplexityFigure, type DivergenceId,
} from '../experiments/sample_complexity.js';
import {
  LEARNERS, runStructuredPrediction, STRUCTURED_GRIDS, structuredPredictionFigure, TASK_LOSSES, type StructuredPredictionResult,
} from '../experiments/structured_prediction.js';
import { PROBE_CRITERIA, PROBE_INPUTS, runCriticProbe, type ProbeCriterion, type ProbeInput } from '../experiments/critic_probe.js';
import { SHUFFLED_PER_REAL } from '../tasks/hyperplane.js';
import { renderSvg } from '../report/plot.js';
import { integer, nonNegativeNumber, positiveNumber, tier, TIER_HELP } from './options.js';
import { progress } from './progress.js';

export interface SampleComplexityCommandOptions {
  out: string;
  quick: boolean;
  full: boolean;
  seed: number;
  seeds?: number;
  dims?: number[];
  divergences?: DivergenceId[];
  /** false with --no-structured. */
  structured: boolean;
  json: boolean;
  tier: TierRequest;
}

function dimensionList(value: string): number[] {
  const dims = value.split(',').map((v) => Number(v.trim()));
  if (dims.some((d) => !Number.isInteger(d) || d < 1)) throw new InvalidArgumentError(`--dims must be positive integers separated by commas (got '${value}')`);
  return dims;
}

function divergenceList(value: string): DivergenceId[] {
  const ids = value.split(',').map((v) => v.trim());
  const unknown = ids.filter((id) => !(DIVERGENCES as readonly string[]).includes(id));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown divergence '${unknown[0]}': use ${DIVERGENCES.join(', ')}`);
  return ids as DivergenceId[];
}

const twoDecimals = (x: number | null) => (x === null ? '—' : x.toFixed(2));

function printStructured(result: StructuredPredictionResult): void {
  const columns = LEARNERS.flatMap((learner) => TASK_LOSSES.map((loss) => ({ learner, loss })));
  console.log(`\nStructured prediction, y ∈ {0,1}^T: training samples until the mean test error is ≤ ${result.targetError} (${result.grid.seeds} seeds)`);
  console.log(`  ${'T'.padEnd(4)}${columns.map(({ learner, loss }) => `${learner} · ${loss}`.padStart(20)).join('')}`);
  for (const length of result.grid.lengths) {
    const cells = columns.map(({ learner, loss }) => {
      const samples = result.samplesNeeded.find((s) => s.length === length && s.learner === learner && s.taskLoss === loss)!.samples;
      return (samples === null ? `> 2^${result.grid.maxLog2Samples}` : samples.toFixed(0)).padStart(20);
    });
    console.log(`  ${String(length).padEnd(4)}${cells.join('')}`);
  }
  console.log('  bitwise: T binary classifiers (the Hamming loss\'s rule); joint: one classifier over 2^T labels (the 0-1 loss\'s rule)');
}

export async function runSampleComplexityCommand(options: SampleComplexityCommandOptions): Promise<void> {
  if (options.quick && options.full) throw new Error('--quick and --full exclude each other');
  if (options.seeds !== undefined && options.seeds < 2) throw new Error('--seeds must be at least 2 (errors need a spread over seeds)');
  const mode = options.quick ? 'quick' : options.full ? 'full' : 'default';
  const grid = { ...SAMPLE_COMPLEXITY_GRIDS[mode], ...(options.dims && { dims: options.dims }), ...(options.seeds && { seeds: options.seeds }) };
  const engine = await initEngine(options.tier);
  const dir = resolve(options.out);
  mkdirSync(dir, { recursive: true });
  const start = performance.now();

  const bar = progress('sample-complexity');
  const divergences = await runSampleComplexity({
    grid, seed: options.seed, divergences: options.divergences, onProgress: (fraction, status) => bar.update(fraction, { at: status }),
  });
  bar.stop();
  let structured: StructuredPredictionResult | null = null;
  if (options.structured) {
    const structuredBar = progress('structured-prediction');
    const structuredGrid = { ...STRUCTURED_GRIDS[mode], ...(options.seeds && { seeds: options.seeds }) };
    structured = await runStructuredPrediction({ grid: structuredGrid, seed: options.seed, onProgress: (fraction, status) => structuredBar.update(fraction, { at: status }) });
    structuredBar.stop();
  }

  const figures = [
    {
      file: 'sample-complexity.svg',
      title: 'Error of each divergence estimate against the sample size n per side (log-log): (a) p = q, RMS error (truth 0); ' +
        '(b) p ≠ q, RMS error against the closed form (MNIST vs rotated MNIST: sd over seeds, truth unknown)',
      spec: sampleComplexityFigure(divergences),
    },
    ...(structured ? [{ file: 'structured-prediction.svg', title: 'Structured prediction: samples needed under the 0-1 and the Hamming loss', spec: structuredPredictionFigure(structured) }] : []),
  ];
  for (const figure of figures) writeAtomically(join(dir, figure.file), await renderSvg(figure.spec));
  const report = {
    experiment: 'sample-complexity',
    tier: engine.tier,
    mode,
    ...divergences,
    seconds: (performance.now() - start) / 1000,
    structuredPrediction: structured,
    figures: figures.map(({ file, title }) => ({ file, title })),
  };
  writeAtomically(join(dir, 'sample-complexity.json'), JSON.stringify(report, null, 2) + '\n');
  if (options.json) {
    console.log(JSON.stringify(report));
    return;
  }
  const sizes = `n = ${grid.sampleSizes[0]}…${grid.sampleSizes[grid.sampleSizes.length - 1]}`;
  console.log(`\nSample complexity (${mode}, ${grid.seeds} seeds, ${sizes}): fitted slope of log error on log n`);
  console.log(`  ${'divergence'.padEnd(36)}${'data'.padEnd(20)}${'case'.padEnd(11)}${'fitted'.padStart(7)}${'expected'.padStart(10)}   [H17] Table 1 → slope`);
  for (const row of divergences.slopes) {
    const info = DIVERGENCE_INFO[row.divergence];
    console.log(`  ${info.label.padEnd(36)}${dataLabel(row.d).padEnd(20)}${row.case.padEnd(11)}${twoDecimals(row.slope).padStart(7)}` +
      `${twoDecimals(row.expectedSlope).padStart(10)}   ${row.paperRate} → ${twoDecimals(row.paperSlope)}`);
  }
  console.log('  expected: this estimator\'s known rate in this case (reasons in sample-complexity.json); MNIST "different": sd over seeds only');
  if (structured) printStructured(structured);
  console.log(`\n${report.seconds.toFixed(0)} s · figures and sample-complexity.json: ${dir}`);
}

export interface CriticProbeCommandOptions {
  out: string;
  input: ProbeInput;
  criterion: ProbeCriterion;
  steps: number;
  learningRate: number;
  batch: number;
  shuffledPerReal: number;
  penaltyWeight?: number;
  seed: number;
  json: boolean;
  tier: TierRequest;
}

export async function runCriticProbeCommand(options: CriticProbeCommandOptions): Promise<void> {
  const engine = await initEngine(options.tier);
  const name = `critic-probe-${options.input}-${options.criterion}`;
  const bar = progress(name);
  const result = runCriticProbe({ ...options, onProgress: (fraction, status) => bar.update(fraction, { at: status }) });
  bar.stop();
  const dir = resolve(options.out);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  const report = { experiment: 'critic-probe', tier: engine.tier, seed: options.seed, ...result };
  writeAtomically(file, JSON.stringify(report, null, 2) + '\n');
  if (options.json) {
    console.log(JSON.stringify(report));
    return;
  }
  console.log(`\nHyperplane critic probe (${options.input}, ${result.criterion} critic loss, Adam ${options.learningRate}, batch ${result.batch}, ${result.shuffledPerReal} shuffled per real${result.penaltyWeight > 0 ? `, ${result.criterion === 'gan' ? 'R1' : 'GP'} weight ${result.penaltyWeight}` : ''}): held-out real vs product of marginals (chance 0.500; best accuracy ${result.ceiling.toFixed(3)})`);
  for (const { step, loss, heldOutAccuracy, heldOutAuc } of result.curve) {
    console.log(`  step ${String(step).padStart(6)}   loss ${loss.toFixed(3)}   AUC ${heldOutAuc.toFixed(3)}${heldOutAccuracy === null ? '' : `   accuracy ${heldOutAccuracy.toFixed(3)}`}`);
  }
  console.log(`\n${result.seconds.toFixed(0)} s · ${file}`);
}

export function registerExperimentCommand(program: Command): void {
  const experiment = program
    .command('experiment')
    .description('run one of the papers\' experiments end to end');
  experiment
    .command('sample-complexity')
    .description('[H17] Table 1: error of MMD, energy, Sinkhorn, parametric JS and W estimates against n, and structured prediction under the 0-1 vs the Hamming loss')
    .option('--out <dir>', 'folder for sample-complexity.json and the SVG figures', 'runs/sample-complexity')
    .option('--quick', 'd ∈ {2, 8}, n ≤ 256, short critic training, T ≤ 8 (about 15 s; for tests)', false)
    .option('--full', 'every power of 2 from 16 to 4,096, 5 seeds, Sinkhorn to n = 1,024 / 2,048, every T = 4…12 (far longer than the default\'s ~6 minutes)', false)
    .option('--seed <n>', 'random seed', integer('--seed'), 0)
    .option('--seeds <n>', 'seeds per point (default 3, --full 5; structured prediction 5, --full 10)', integer('--seeds'))
    .option('--dims <list>', 'dimensions, comma-separated; 784 = MNIST vs rotated MNIST, others two Gaussians (default 2,8,32,784)', dimensionList)
    .option('--divergences <list>', `comma-separated subset of ${DIVERGENCES.join(', ')}`, divergenceList)
    .option('--no-structured', 'skip the structured-prediction illustration')
    .option('--json', 'print the results as JSON instead of the tables', false)
    .option('--tier <tier>', TIER_HELP, tier, 'auto')
    .addHelpText('after', '\nExamples:\n  discern experiment sample-complexity --out runs/sample-complexity\n  discern experiment sample-complexity --quick --dims 2,32 --divergences mmd,parametric-w --json')
    .action(async (opts: SampleComplexityCommandOptions) => {
      await runSampleComplexityCommand(opts);
    });
  experiment
    .command('critic-probe')
    .description('visual hyperplane: can the critic learn the sum constraint? Supervised real vs product-of-marginals accuracy against steps')
    .option('--input <kind>', 'pixels: the hyperplane critic on the images; labels: its MLP head on one-hot digit labels', probeInput, 'pixels')
    .option('--steps <n>', 'training steps', integer('--steps'), 4000)
    .option('--learning-rate <x>', 'Adam learning rate (β = 0.5, 0.9)', positiveNumber('--learning-rate'), 2e-4)
    .option('--batch <n>', 'real examples per step', integer('--batch'), 32)
    .option('--shuffled-per-real <k>', 'slot-shuffled examples per real one in each step (the GAN critic\'s negativeData uses 32)', integer('--shuffled-per-real'), SHUFFLED_PER_REAL)
    .option('--criterion <name>', 'whose critic loss: gan (logistic), wgan-gp or wgan-gp-one-sided (Wasserstein, the gradient penalty at interpolates of real and shuffled images)', probeCriterion, 'gan')
    .option('--penalty-weight <w>', 'gan: R1\'s weight (· E‖∇ₓD‖² on the real examples; default 0); the WGAN-GPs: the gradient penalty\'s λ (default 10)', nonNegativeNumber('--penalty-weight'))
    .option('--seed <n>', 'random seed', integer('--seed'), 0)
    .option('--out <dir>', 'folder for critic-probe-<input>-<criterion>.json', 'runs/critic-probe')
    .option('--json', 'print the result as JSON', false)
    .option('--tier <tier>', TIER_HELP, tier, 'auto')
    .addHelpText('after', '\nExamples:\n  discern experiment critic-probe --input pixels --steps 4000\n  discern experiment critic-probe --input labels --steps 2000 --learning-rate 1e-3\n  discern experiment critic-probe --criterion wgan-gp --batch 16 --learning-rate 1e-3 --steps 2000')
    .action(async (opts: CriticProbeCommandOptions) => {
      await runCriticProbeCommand(opts);
    });
}

function probeCriterion(value: string): ProbeCriterion {
  if (!(PROBE_CRITERIA as readonly string[]).includes(value)) throw new InvalidArgumentError(`--criterion must be one of ${PROBE_CRITERIA.join(', ')} (got '${value}')`);
  return value as ProbeCriterion;
}

function probeInput(value: string): ProbeInput {
  if (!(PROBE_INPUTS as readonly string[]).includes(value)) throw new InvalidArgumentError(`--input must be ${PROBE_INPUTS.join(' or ')} (got '${value}')`);
  return value as ProbeInput;
}
