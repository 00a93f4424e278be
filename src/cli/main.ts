#!/usr/bin/env node
/** The `discern` command line. */
import { createRequire } from 'node:module';
import { Command, InvalidArgumentError, Option } from 'commander';
import { integer, positiveNumber, tier, TIER_HELP } from './options.js';
import type { TierRequest } from '../engine/index.js';
import { CLASSIFIER_PATH } from '../tasks/classifier.js';
import { hyperplaneCombinations, splitCombinations, sumBaselines } from '../tasks/hyperplane.js';
import { runClassifier } from './classifier.js';
import { writeThinDigits } from './data.js';
import { runDemo } from './demo.js';
import { runDoctor } from './doctor.js';
import { runTheory } from './theory.js';
import { runReport } from './report.js';
import { runEvalHyperplane, runTrain, type EvalCommandOptions, type TrainCommandOptions } from './train.js';
import { registerExperimentCommand } from './experiment.js';
import { registerRobustnessCommand } from './robustness.js';
import { registerSweepCommands } from './sweep.js';

const program = new Command()
  .name('discern')
  .description('Estimate generative models with distinguishability criteria (NCE, GANs, MLE, adversarial divergences).')
  .version((createRequire(import.meta.url)('../../package.json') as { version: string }).version)
  .showHelpAfterError();

program
  .command('doctor')
  .description('show the engine tier, SIMD, threads, kernels and versions in use')
  .option('--json', 'print as JSON', false)
  .option('--tier <tier>', TIER_HELP, tier, 'auto')
  .addHelpText('after', '\nExample:\n  discern doctor --json')
  .action(async (opts: { json: boolean; tier: TierRequest }) => {
    await runDoctor(opts);
  });

program
  .command('demo')
  .description('the main job: theory lab, short MNIST and visual-hyperplane trainings, their evaluation and the HTML report')
  .option('--seconds <s>', 'training time per run (3 runs)', positiveNumber('--seconds'), 90)
  .option('--out <dir>', 'output folder (cleared if an earlier demo made it)', 'runs/demo')
  .option('--seed <n>', 'random seed', integer('--seed'), 0)
  .option('--quick', 'theory lab in quick mode, fewer evaluation samples', false)
  .option('--tier <tier>', TIER_HELP, tier, 'auto')
  .addHelpText('after', '\nExample:\n  discern demo --seconds 60 --out runs/demo')
  .action(async (opts: { seconds: number; out: string; seed: number; quick: boolean; tier: TierRequest }) => {
    await runDemo(opts);
  });

program
  .command('theory')
  .description("run the theory lab: Goodfellow (2014)'s claims checked on models where the truth is exact")
  .option('--out <dir>', 'folder for theory.json and the SVG figures', 'runs/theory')
  .option('--json', 'print the figures as JSON instead of the table', false)
  .option('--quick', 'smaller grids and samples (seconds instead of a minute)', false)
  .option('--only <ids>', 'comma-separated section ids', (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .option('--seed <n>', 'random seed', integer('--seed'), 0)
  .option('--tier <tier>', TIER_HELP, tier, 'auto')
  .addHelpText('after', '\nExamples:\n  discern theory\n  discern theory --quick --only self-contrastive-nce,figure-1 --json')
  .action(async (opts: { out: string; json: boolean; quick: boolean; only?: string[]; seed: number; tier: TierRequest }) => {
    const failed = await runTheory(opts);
    if (failed > 0) process.exitCode = 3;
  });

program
  .command('classifier')
  .description('the digit classifier that labels generated digits: evaluate it on MNIST test, or retrain it')
  .option('--eval', 'evaluate on MNIST test (the default action)', true)
  .option('--train', 'train from scratch on MNIST train and save the weights first', false)
  .option('--json', 'print { "test_accuracy": … } as JSON', false)
  .option('--epochs <n>', 'training epochs', integer('--epochs'), 3)
  .option('--seed <n>', 'random seed', integer('--seed'), 0)
  .option('--weights <file>', 'checkpoint to read (and write with --train)', CLASSIFIER_PATH)
  .option('--tier <tier>', TIER_HELP, tier, 'auto')
  .addHelpText('after', '\nExamples:\n  discern classifier --eval --json\n  discern classifier --train --epochs 3 --seed 0')
  .action(async (opts: { train: boolean; json: boolean; epochs: number; seed: number; weights: string; tier: TierRequest }) => {
    if (opts.epochs < 1) throw new InvalidArgumentError('--epochs must be at least 1');
    await runClassifier(opts);
  });

program
  .command('train')
  .description('train a generative model on a task with a criterion; resumable, with metrics, samples and checkpoints')
  .argument('[task]', 'mnist, hyperplane or highres (or set task in --config)')
  .option('--criterion <name>', 'gan, gan-minimax, gan-ml, wgan-gp, wgan-gp-one-sided, mmd, sinkhorn, vae')
  .option('--config <file>', 'a JSON or YAML run config (flags override it)')
  .option('--steps <n>', 'training steps (generator updates); give --steps, --seconds or both', integer('--steps'))
  .option('--seconds <s>', 'a time budget: stop once the run has trained this many seconds in all, counting the runs it resumes or branches from (or at --steps, whichever is first)', positiveNumber('--seconds'))
  .option('--batch <n>', 'batch size', integer('--batch'))
  .option('--resolution <n>', 'highres: image side, a power of two (32, 128, 512; default 128)', integer('--resolution'))
  .option('--images <dir>', 'highres: train on this folder of same-size square PNGs instead of the built thin digits')
  .option('--seed <n>', 'random seed', integer('--seed'))
  .option('--out <dir>', 'run directory (default runs/<task>-<criterion>)')
  .option('--resume', 'continue the run in --out from its newest good checkpoint', false)
  .option('--from <dir>', "branch: start --out from this run's checkpoint and config; --config and flags change settings from there (not task, resolution, images, emaDecay; the criterion only to one with the same networks, e.g. gan → gan-ml)")
  .option('--from-step <n>', '--from: the checkpoint of this step (default: the newest good one)', integer('--from-step'))
  .option('--tier <tier>', TIER_HELP, tier, 'auto')
  .addHelpText('after', '\nExamples:\n  discern train hyperplane --criterion wgan-gp --steps 2000 --out runs/hp-wgan\n' +
    '  discern train highres --criterion vae --resolution 128 --seconds 600 --batch 32\n' +
    '  discern train --config runs.yaml --resume --out runs/hp-wgan\n' +
    '  discern train --from runs/hp-gan --from-step 10000 --config faster-generator.yaml --steps 20000 --out runs/hp-gan-fast')
  .action(async (task: string | undefined, opts: Omit<TrainCommandOptions, 'task'>) => {
    await runTrain({ task, ...opts });
  });

program
  .command('data')
  .description("describe a task's data, or write the highres task's thin digits as PNGs")
  .argument('<task>', 'hyperplane or highres')
  .option('--stats', 'hyperplane: print the combination counts and the reference rates (the default)', true)
  .option('--json', 'print as JSON', false)
  .option('--resolution <n>', 'highres: image side, a power of two from 16 to 1024', integer('--resolution'), 128)
  .option('--count <n>', 'highres: how many thin digits to write', integer('--count'), 64)
  .option('--seed <n>', 'highres: which digits and deformations', integer('--seed'), 0)
  .option('--out <dir>', 'highres: the folder to write thin-<n>.png files into (train on it with --images)')
  .addHelpText('after', '\nExamples:\n  discern data hyperplane --stats --json\n  discern data highres --resolution 512 --count 16 --out thin8-512')
  .action((task: string, opts: { json: boolean; resolution: number; count: number; seed: number; out?: string }) => {
    if (task === 'highres') return writeThinDigits(opts);
    if (task !== 'hyperplane') throw new InvalidArgumentError(`no data command for task '${task}': use hyperplane or highres`);
    const split = splitCombinations(0);
    const { uniform, marginal, marginalDistribution } = sumBaselines();
    const stats = {
      combinations: hyperplaneCombinations().length,
      train_combinations: split.train.length,
      heldout_combinations: split.heldOut.length,
      baseline_uniform_p_sum_25: uniform,
      baseline_marginal_p_sum_25: marginal,
      digit_marginal: marginalDistribution,
    };
    if (opts.json) console.log(JSON.stringify(stats));
    else for (const [k, v] of Object.entries(stats)) console.log(`${k.padEnd(28)} ${Array.isArray(v) ? v.map((p) => p.toFixed(4)).join(' ') : v}`);
  });

program
  .command('eval')
  .description('evaluate a trained run: the digit classifier labels generated examples (P(sum = 25), recall, …); adversarial runs also get the critic\'s AUC of real over slot-shuffled examples')
  .argument('<task>', 'hyperplane')
  .requiredOption('--run <dir>', 'the run directory')
  .option('--samples <n>', 'examples to generate', integer('--samples'), 10_000)
  .option('--seed <n>', 'sampling seed', integer('--seed'), 0)
  .option('--json', 'print the scores as JSON', false)
  .option('--trained-weights', 'runs with emaDecay: evaluate the generator\'s trained weights instead of their average', false)
  .option('--step <n>', 'evaluate the checkpoint of this step (the run keeps its newest three and one per 5,000 steps) instead of the newest', integer('--step'))
  .addOption(
    new Option(
      '--rejection [temperature]',
      'GAN runs: evaluate the generator corrected by its critic, keeping each sample with probability exp((logit − M)/temperature) ' +
        '(discriminator rejection sampling; temperature 1, the default, targets the data\'s density, below 1 trades recall for precision)',
    ).preset('1').argParser(positiveNumber('--rejection')),
  )
  .option('--tier <tier>', TIER_HELP, tier, 'auto')
  .addHelpText('after', '\nExamples:\n  discern eval hyperplane --run runs/hp-wgan --json\n  discern eval hyperplane --run runs/hp-gan --step 10000\n  discern eval hyperplane --run runs/hp-gan --rejection\n  discern eval hyperplane --run runs/hp-gan --rejection 0.5')
  .action(async (task: string, opts: EvalCommandOptions) => {
    if (task !== 'hyperplane') throw new InvalidArgumentError(`no evaluation for task '${task}': use hyperplane`);
    await runEvalHyperplane(opts);
  });

program
  .command('report')
  .description('write one self-contained HTML report from run directories and theory folders')
  .argument('<paths...>', 'run directories (discern train) and theory folders (discern theory)')
  .option('--out <file>', 'the HTML file to write', 'runs/report.html')
  .addHelpText('after', '\nExample:\n  discern report runs/theory runs/hp-wgan runs/hp-gan --out runs/report.html')
  .action(async (paths: string[], opts: { out: string }) => {
    await runReport(paths, opts.out);
  });

registerRobustnessCommand(program);
registerExperimentCommand(program);
registerSweepCommands(program);

try {
  await program.parseAsync();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`discern: error: ${message}`);
  if (process.env.DISCERN_DEBUG && error instanceof Error) console.error(error.stack);
  process.exit(1);
}
