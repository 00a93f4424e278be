/**
 * The training loop, one for every task and criterion: seeded steps, a JSONL metrics log (with
 * the task's own score every `evalEvery` steps), sample grids, checksummed checkpoints, exact
 * resume, a stop on non-finite values, and a clean stop on Ctrl-C or SIGTERM.
 *
 * Step k draws all its randomness from Rng(seed).fork(`step/k`), so a run is a pure function of
 * its config: resuming from the checkpoint at step k replays steps k+1… exactly as an
 * uninterrupted run would (same seed, same engine tier). A `seconds` budget ends a run at a step
 * that depends on the machine's speed; the steps it does take are still exact. Like `steps`, it is
 * a total: each checkpoint records the training time spent up to it, and a resumed run (or a
 * branch) counts its budget from there. With `workers` > 1 the steps are shared out to threads
 * (src/train/replicas.ts) and this loop is worker 0's.
 */
import { engineInfo, Rng, shareCores, tf } from '../engine/index.js';
import type { Worker } from 'node:worker_threads';
import { writeImageGrid } from '../report/png.js';
import { getTask, type Task } from '../tasks/index.js';
import type { Checkpoint } from './checkpoint.js';
import { objectiveSettings, type RunConfig } from './config.js';
import { averageGenerator } from './generator_average.js';
import { makeObjective, samplingGenerator, type Objective, type Reduce } from './objectives.js';
import { Communicator, reduceCapacity, startWorkers, workerStep } from './replicas.js';
import { RunDirectory, RunDirectoryError } from './run_dir.js';

export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
}

export interface TrainOptions {
  /** Continue the run in the directory from its newest good checkpoint. */
  resume: boolean;
  /**
   * Start the directory, which must hold no run, from another run's checkpoint of `step` (default:
   * its newest good one) and go on under this config: a branch, for changing a setting mid-run.
   */
  branch?: { from: RunDirectory; step?: number };
  /** Warnings and notices (stderr in the CLI). */
  notify: (message: string) => void;
  /** After each step, with the training time spent in all (as the `seconds` budget counts it). */
  onStep?: (step: number, metrics: Record<string, number>, seconds: number) => void;
}

export interface TrainSummary {
  steps: number;
  startedAt: number;
  /** Interrupted (Ctrl-C, SIGTERM) before either budget, steps or seconds, was spent. */
  stoppedEarly: boolean;
  /** Training time in all, this run and the ones it resumed or branched from (as `steps` counts). */
  seconds: number;
  /** Of which before this invocation (the checkpoint it started from). */
  secondsBefore: number;
  final: Record<string, number>;
  checkpoint: string | null;
}

export interface BuiltRun {
  task: Task;
  objective: Objective;
  rng: Rng;
}

/** The task, networks and objective a config describes, initialized from its seed. */
export function buildRun(config: RunConfig, reduce?: Reduce): BuiltRun {
  const task = getTask(config.task, config);
  const rng = new Rng(config.seed);
  const networks = task.networks(config.criterion, rng.fork('init'));
  const objective = makeObjective(config.criterion, networks, objectiveSettings(config, task.settings), task.negatives, reduce);
  if (config.emaDecay === undefined) return { task, objective, rng };
  // The same seed again: the average starts at the generator's initial weights.
  const copy = task.networks(config.criterion, rng.fork('init'));
  copy.critic?.dispose();
  copy.encoder?.dispose();
  return { task, objective: averageGenerator(objective, copy.generator, config.emaDecay), rng };
}

function toCheckpoint(objective: Objective, step: number, seconds: number, config: RunConfig): Checkpoint {
  const arrays = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const [name, v] of objective.state()) {
    const values = v.dataSync() as Float32Array;
    const bad = values.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) {
      throw new TrainingDivergedError(`step ${step}, criterion ${config.criterion}: '${name}' holds ${values[bad]} at index ${bad}`);
    }
    arrays.set(name, { shape: v.shape, values });
  }
  return { arrays, meta: { step, seconds, counters: { ...objective.counters }, config } };
}

export function restoreCheckpoint(objective: Objective, checkpoint: Checkpoint, source: string): void {
  const state = objective.state();
  for (const [name, variable] of state) {
    const saved = checkpoint.arrays.get(name);
    if (!saved || saved.shape.join() !== variable.shape.join()) {
      throw new RunDirectoryError(`${source}: '${name}' is ${saved ? `shaped [${saved.shape}]` : 'missing'}; it does not belong to this run's networks`);
    }
    variable.assign(tf.tensor(saved.values, saved.shape));
  }
  Object.assign(objective.counters, (checkpoint.meta as { counters: Record<string, number> }).counters);
}

export async function trainRun(config: RunConfig, dir: RunDirectory, { resume, branch, notify, onStep }: TrainOptions): Promise<TrainSummary> {
  dir.acquire();
  let stopRequested = false;
  // SIGTERM too: schedulers, `timeout` and `docker stop` send it, and they expect a clean stop.
  const onInterrupt = (signal: NodeJS.Signals) => {
    if (stopRequested) process.exit(signal === 'SIGTERM' ? 143 : 130);
    stopRequested = true;
    notify(`stopping (${signal}): saving a checkpoint after this step (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to abort at once)`);
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  let workers: Worker[] = [];
  try {
    if (!resume && dir.hasRun()) {
      throw new RunDirectoryError(`${dir.path} already holds a run; continue it with --resume, or choose another --out`);
    }
    if (resume && !dir.hasRun()) throw new RunDirectoryError(`${dir.path} holds no run to resume (no config.json)`);
    if (branch) notify(`branching from ${branch.from.path} at step ${dir.branchFrom(branch.from, branch.step, notify)}`);
    let communicator: Communicator | null = null;
    const { task, objective, rng } = buildRun(config, config.workers > 1 ? (tensors) => communicator!.reduce(tensors) : undefined);
    if (config.workers > 1) {
      const stateFloats = [...objective.state().values()].reduce((n, v) => n + v.size, 0);
      communicator = Communicator.create(config.workers, reduceCapacity(objective.networks), stateFloats);
    }
    let startedAt = 0;
    let spentBefore = 0;
    let lastCheckpoint: string | null = null;
    if (resume || branch) {
      const good = dir.latestGoodCheckpoint(notify);
      if (good) {
        restoreCheckpoint(objective, good.checkpoint, good.path);
        startedAt = good.step;
        lastCheckpoint = good.path;
        const seconds = good.checkpoint.meta.seconds;
        if (typeof seconds === 'number') spentBefore = seconds;
        else if (config.seconds !== undefined) notify(`${good.path} predates time accounting: the ${config.seconds} s budget counts from now`);
        notify(`resuming from step ${good.step}, ${spentBefore.toFixed(0)} s of training in (${good.path})`);
      } else {
        notify('no usable checkpoint: starting from step 0');
      }
      dir.truncateMetrics(startedAt);
    }
    dir.writeJson('config.json', config);
    if (communicator) {
      shareCores(config.workers);
      workers = await startWorkers(config, engineInfo().tier, communicator);
      communicator.shareState(objective);
    }

    const { count, columns } = task.samples;
    const fixedNoise = tf.tensor2d(rng.fork('samples').normals(count * task.latent), [count, task.latent]);
    const writeSamples = (step: number) => {
      const samples = tf.tidy(() => samplingGenerator(objective.networks).apply(fixedNoise, false));
      writeImageGrid(dir.samplePath(step), task.toImages(samples), columns);
      samples.dispose();
    };

    const start = performance.now();
    const spent = () => spentBefore + (performance.now() - start) / 1000;
    let final: Record<string, number> = {};
    let lastScore: Record<string, number> = {};
    const maxSteps = config.steps ?? Infinity;
    let step = startedAt;
    let outOfTime = config.seconds !== undefined && spentBefore >= config.seconds;
    if (step >= maxSteps || outOfTime) {
      notify(`the run has spent its budget (${step >= maxSteps ? `${step} steps` : `${spentBefore.toFixed(0)} s`}): give a larger --steps or --seconds to train on`);
    }
    while (step < maxSteps && !outOfTime) {
      step++;
      communicator?.announce(step);
      const metrics = workerStep(objective, task, config, rng, step, 0);
      const bad = Object.entries(metrics).find(([, v]) => !Number.isFinite(v));
      if (bad) {
        throw new TrainingDivergedError(`step ${step}, criterion ${config.criterion}: ${bad[0]} = ${bad[1]}; ` +
          (lastCheckpoint ? `the last good checkpoint is ${lastCheckpoint}` : 'no checkpoint was written yet'));
      }
      final = metrics;
      const score = task.score && step % config.evalEvery === 0 ? task.score({ ...objective.networks, generator: samplingGenerator(objective.networks) }, rng.fork('score')) : null;
      if (score) lastScore = score;
      const seconds = spent();
      outOfTime = config.seconds !== undefined && seconds >= config.seconds;
      const last = step === maxSteps || stopRequested || outOfTime;
      if (score || step % config.logEvery === 0 || last) {
        dir.appendMetrics({ step, ...metrics, ...score, seconds });
      }
      if (step % config.sampleEvery === 0 || last) writeSamples(step);
      if (step % config.checkpointEvery === 0 || last) lastCheckpoint = dir.saveCheckpoint(step, toCheckpoint(objective, step, seconds, config));
      onStep?.(step, { ...metrics, ...lastScore }, seconds);
      if (last) break;
      // The loop is synchronous: yield so a SIGINT or SIGTERM handler can run between steps.
      await new Promise((resolve) => setImmediate(resolve));
    }
    fixedNoise.dispose();
    communicator?.stopAll();
    const summary: TrainSummary = {
      steps: step,
      startedAt,
      stoppedEarly: step < maxSteps && !outOfTime,
      seconds: spent(),
      secondsBefore: spentBefore,
      final,
      checkpoint: lastCheckpoint,
    };
    dir.writeJson('summary.json', summary);
    return summary;
  } finally {
    // After stopAll() they have returned; after an error this stops them wherever they wait.
    await Promise.all(workers.map((w) => w.terminate()));
    if (config.workers > 1) shareCores(1);
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    dir.release();
  }
}
