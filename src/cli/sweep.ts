/**
 * `discern sweep <file>`, `discern sweep status <dir>` and `discern worker`: grids of trials run
 * here (a local pool of child processes) or by workers on any number of machines through a
 * BullMQ queue in Redis. The design, and what guarantees each trial completes exactly once, is in
 * src/sweep/worker.ts and src/sweep/trial.ts.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { TierRequest } from '../engine/index.js';
import { MAX_ATTEMPTS, readSweepFile, type Sweep } from '../sweep/spec.js';
import { SweepDirectory } from '../sweep/sweep_dir.js';
import { positiveNumber, tier, TIER_HELP } from './options.js';

const DEFAULT_ARTIFACTS = 'runs/sweeps';
const log = (line: string) => console.error(line);

function count(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max} (got '${value}')`);
    return n;
  };
}

function queueUrl(value: string): string {
  let protocol = '';
  try {
    protocol = new URL(value).protocol;
  } catch {
    // reported below
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') throw new InvalidArgumentError(`--queue must be a Redis URL such as redis://127.0.0.1:6379 (got '${value}')`);
  return value;
}

interface SweepCommandOptions {
  artifacts: string;
  queue?: string;
  concurrency: number;
  attempts: number;
  wait: boolean;
  tier: TierRequest;
}

async function runSweep(file: string, options: SweepCommandOptions): Promise<void> {
  const sweep = readSweepFile(file);
  const dir = SweepDirectory.inArtifacts(options.artifacts, sweep.name);
  dir.writeManifest({ name: sweep.name, gridKeys: sweep.gridKeys, queue: options.queue ?? null, trials: sweep.trials });
  log(`sweep ${sweep.name}: ${sweep.trials.length} trial${sweep.trials.length === 1 ? '' : 's'} → ${dir.path}`);
  const ended = options.queue ? await runOnQueue(sweep, dir, options.queue, options) : await runHere(sweep, dir, options);
  if (ended === 'failures') {
    process.exitCode = 1;
    log(`some trials failed: discern sweep status ${dir.path}`);
  } else if (ended === 'all done') {
    log(`report: discern report ${dir.path}`);
  }
}

type Ending = 'all done' | 'failures' | 'not finished';

async function runHere(sweep: Sweep, dir: SweepDirectory, options: SweepCommandOptions): Promise<Ending> {
  const { runLocalPool } = await import('../sweep/local_pool.js');
  const outcome = await runLocalPool(dir, sweep.trials, { concurrency: options.concurrency, attempts: options.attempts, tier: options.tier, log });
  log(`${outcome.done} done, ${outcome.failed} failed, ${sweep.trials.length - outcome.done - outcome.failed} not finished`);
  if (outcome.interrupted) {
    process.exitCode = 130;
    log('stopped: run the same command again to resume');
    return 'not finished';
  }
  return outcome.failed > 0 ? 'failures' : 'all done';
}

/** Queues the trials and, unless --no-wait, follows them until each is done or failed. */
async function runOnQueue(sweep: Sweep, dir: SweepDirectory, url: string, options: SweepCommandOptions): Promise<Ending> {
  const { openQueue, submitTrials } = await import('../sweep/queue.js');
  const { followTrials } = await import('../sweep/status.js');
  const queue = await openQueue(url);
  try {
    const counts = await submitTrials(queue, dir, sweep.name, sweep.trials, options.attempts);
    log(`queued ${counts.added} new and ${counts.resubmitted} again (failed, or result gone); ${counts.alreadyQueued} already queued, ${counts.done} already done`);
    log(`workers: discern worker --queue ${url} --artifacts ${options.artifacts}`);
    if (!options.wait) return 'not finished';
    const failed = await followTrials(queue, sweep, log);
    return failed > 0 ? 'failures' : 'all done';
  } finally {
    await queue.close();
  }
}

export function registerSweepCommands(program: Command): void {
  const sweep = program
    .command('sweep')
    .description('train a grid of trials (criterion × seed × hyperparameters × task) here, or on workers through a Redis queue')
    .argument('<file>', 'sweep file (YAML or JSON): base, grid, optional name and evaluation')
    .option('--artifacts <dir>', 'folder holding sweep directories (on a filesystem shared with the workers)', DEFAULT_ARTIFACTS)
    .option('--queue <url>', 'put the trials on this Redis for `discern worker` instead of running them here (redis://host:port)', queueUrl)
    .option('--concurrency <n>', 'trials at once in the local pool (each uses every core by default)', count('--concurrency', 256), 1)
    .option('--attempts <n>', `starts per trial before it is marked failed (1-${MAX_ATTEMPTS})`, count('--attempts', MAX_ATTEMPTS), 3)
    .option('--no-wait', 'with --queue: return once the trials are queued')
    .option('--tier <tier>', `${TIER_HELP} (local pool)`, tier, 'auto')
    .addHelpText('after', [
      '\nExample sweep.yaml:',
      '  name: gan-vs-wgan',
      '  base: { task: hyperplane, steps: 2000, batch: 64, checkpointEvery: 100 }',
      '  grid: { criterion: [gan, wgan-gp], seed: [0, 1, 2, 3, 4], adam.learningRate: [0.0002, 0.001] }',
      '\nExamples:',
      '  discern sweep sweep.yaml --concurrency 2',
      '  discern sweep sweep.yaml --queue redis://10.0.0.5:6379 --artifacts /shared/sweeps',
      '  discern sweep status runs/sweeps/gan-vs-wgan',
    ].join('\n'))
    .action(async (file: string, opts: SweepCommandOptions) => {
      await runSweep(file, opts);
    });

  sweep
    .command('status')
    .description("a sweep's progress: queued, running, done and failed counts, and a line per trial")
    .argument('<dir>', 'the sweep directory (<artifacts>/<sweep name>)')
    .option('--queue <url>', 'the Redis to ask (default: the one the sweep was queued on)', queueUrl)
    .option('--json', 'print the trials as JSON', false)
    .addHelpText('after', '\nExample:\n  discern sweep status runs/sweeps/gan-vs-wgan')
    .action(async (path: string, opts: { json: boolean }) => {
      const { formatStatus, sweepStatus } = await import('../sweep/status.js');
      const dir = new SweepDirectory(path);
      const manifest = dir.readManifest();
      // commander hands --queue to the parent `sweep`, which has one too; status declares it for its --help.
      const queue = (sweep.opts() as { queue?: string }).queue ?? manifest.queue;
      const statuses = await sweepStatus(dir, manifest, queue);
      if (opts.json) {
        console.log(JSON.stringify(statuses.map(({ trial, state, detail, result }) => ({ id: trial.id, name: trial.name, state, detail, result }))));
      } else {
        console.log(formatStatus(manifest, statuses));
      }
    });

  program
    .command('worker')
    .description('run trials from a sweep queue until stopped (Ctrl-C or SIGTERM checkpoints and hands running trials back)')
    .requiredOption('--queue <url>', 'the Redis the sweep put its trials on (redis://host:port)', queueUrl)
    .option('--artifacts <dir>', 'folder holding sweep directories, as this machine sees it', DEFAULT_ARTIFACTS)
    .option('--concurrency <n>', 'trials at once on this machine', count('--concurrency', 256), 1)
    .option('--lock-seconds <s>', "how long a trial of a worker that stopped answering stays claimed before another worker resumes it", positiveNumber('--lock-seconds'), 30)
    .option('--tier <tier>', TIER_HELP, tier, 'auto')
    .addHelpText('after', '\nExample:\n  discern worker --queue redis://10.0.0.5:6379 --artifacts /shared/sweeps --concurrency 2')
    .action(async (opts: { queue: string; artifacts: string; concurrency: number; lockSeconds: number; tier: TierRequest }) => {
      const { runWorker } = await import('../sweep/worker.js');
      await runWorker({ ...opts, log });
    });
}
