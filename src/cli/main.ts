#!/usr/bin/env node
/** The `discern` command line. */
import { Command, InvalidArgumentError } from 'commander';
import { TIERS, type TierRequest } from '../engine/index.js';
import { runDemo } from './demo.js';
import { runDoctor } from './doctor.js';

function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number (got '${value}')`);
    return n;
  };
}

function integer(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer (got '${value}')`);
    return n;
  };
}

function tier(value: string): TierRequest {
  if (value !== 'auto' && !(TIERS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`unknown tier '${value}': use auto, ${TIERS.join(', ')}`);
  }
  return value as TierRequest;
}

const program = new Command()
  .name('discern')
  .description('Estimate generative models with distinguishability criteria (NCE, GANs, MLE, adversarial divergences).')
  .showHelpAfterError();

program
  .command('doctor')
  .description('show the engine tier, SIMD, threads, kernels and versions in use')
  .option('--json', 'print as JSON', false)
  .option('--tier <tier>', `engine tier: auto, ${TIERS.join(', ')}`, tier, 'auto')
  .addHelpText('after', '\nExample:\n  discern doctor --json')
  .action(async (opts: { json: boolean; tier: TierRequest }) => {
    await runDoctor(opts);
  });

program
  .command('demo')
  .description('train a small GAN on MNIST for a fixed time and write a sample grid PNG')
  .option('--seconds <s>', 'training time in seconds', positiveNumber('--seconds'), 60)
  .option('--out <dir>', 'output folder', 'runs/demo')
  .option('--seed <n>', 'random seed', integer('--seed'), 0)
  .option('--batch <n>', 'batch size', integer('--batch'), 64)
  .option('--tier <tier>', `engine tier: auto, ${TIERS.join(', ')}`, tier, 'auto')
  .addHelpText('after', '\nExample:\n  discern demo --seconds 30 --out runs/demo --seed 1')
  .action(async (opts: { seconds: number; out: string; seed: number; batch: number; tier: TierRequest }) => {
    if (opts.batch < 1) throw new InvalidArgumentError('--batch must be at least 1');
    await runDemo(opts);
  });

try {
  await program.parseAsync();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`discern: error: ${message}`);
  if (process.env.DISCERN_DEBUG && error instanceof Error) console.error(error.stack);
  process.exit(1);
}
