/**
 * `discern worker`: pulls trials from the queue and runs each in a child process (trial_process.ts),
 * writing run directories under --artifacts and returning each TrialResult as the job's value.
 *
 * Exactly once, and what makes it so:
 *   - A job is held by one worker at a time: BullMQ's job lock, renewed by this process while the
 *     child trains (the training runs in the child, so nothing blocks the renewal). Only the lock
 *     holder can move the job to completed, so a job completes once.
 *   - A worker killed mid-trial stops renewing; its child exits when the IPC channel closes; after
 *     --lock-seconds BullMQ's stalled-job check moves the job back to the queue, and the next
 *     worker resumes the run directory from its newest checkpoint (runTrial).
 *   - A worker told by Redis that it lost a job's lock kills that trial's child at once, so it stops
 *     writing where the new holder trains. (A worker cut off from Redis cannot be told: until it
 *     notices, two processes may train the same trial. A trial is a pure function of its config,
 *     so both write the same checkpoints and result, each by atomic rename, though metrics.jsonl
 *     may get repeated lines; only the lock holder completes the job.)
 *   - runTrial is idempotent (result.json, then summary.json, short-circuit), so an attempt that
 *     starts after another finished the trial but before the job was marked (a crash in between)
 *     returns the recorded result without training again.
 *   - Attempts are bounded: errors retry up to the job's `attempts` (with backoff), errors that the
 *     config determines (divergence, invalid config) fail at once, and a job started more than
 *     `attempts` times (its workers keep dying) fails with that reason instead of cycling forever.
 *     Starts a worker hands back (its shutdown, or its --artifacts lacking the sweep) do not count.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { DelayedError, UnrecoverableError, Worker } from 'bullmq';
import type { TierRequest } from '../engine/index.js';
import { startTrialProcess, threadsPerTrial, TrialFailedError, type TrialProcess } from './child.js';
import { countedStarts, QUEUE_NAME, redisConnection, type TrialJob } from './queue.js';
import { MAX_ATTEMPTS } from './spec.js';
import { SweepDirectory, SweepError } from './sweep_dir.js';
import type { TrialResult } from './result.js';
import { TrialInterruptedError } from './trial.js';

export interface WorkerOptions {
  queue: string;
  artifacts: string;
  concurrency: number;
  /** How long a job stays claimed by a worker that stopped renewing its lock. */
  lockSeconds: number;
  tier: TierRequest;
  log: (line: string) => void;
}

/**
 * Returns a job to the queue without counting this start against its attempts; the processor
 * then throws the DelayedError this returns, which tells BullMQ the job was moved.
 */
async function handBack(job: TrialJob, token: string | undefined): Promise<DelayedError> {
  await job.updateData({ ...job.data, handedBack: (job.data.handedBack ?? 0) + 1 });
  await job.moveToDelayed(Date.now(), token);
  return new DelayedError();
}

/** Runs until SIGINT or SIGTERM, or until a job shows this worker cannot see the sweep's directory. */
export async function runWorker(options: WorkerOptions): Promise<void> {
  const name = `${hostname()}:${process.pid}`;
  const active = new Set<TrialProcess>();
  let stopReason: Error | null = null;

  async function processTrial(job: TrialJob, token: string | undefined, signal: AbortSignal | undefined): Promise<TrialResult> {
    const { sweep, trial } = job.data;
    const attempts = job.opts.attempts ?? 1;
    const started = countedStarts(job);
    if (started > attempts) {
      throw new UnrecoverableError(`started ${started} times, more than its ${attempts} attempts: the workers running it stopped before it finished (killed, or cut off from Redis)`);
    }
    const dir = SweepDirectory.inArtifacts(options.artifacts, sweep);
    if (!SweepDirectory.isSweep(dir.path)) {
      // This worker's --artifacts is not where the sweep lives: hand the job back and stop, rather than use up attempts.
      stopReason = new SweepError(`${dir.path} does not exist here: start workers with --artifacts set to the folder that holds sweep '${sweep}' (a shared filesystem path as seen on this machine)`);
      void worker.close();
      throw await handBack(job, token);
    }
    options.log(`start ${trial.name} (attempt ${started} of ${attempts})`);
    const child = startTrialProcess(trial, dir.runPath(trial), {
      tier: options.tier,
      exclusive: true,
      threads: threadsPerTrial(options.concurrency),
      log: (line) => options.log(`[${trial.name}] ${line}`),
      signal,
    });
    active.add(child);
    try {
      const result = await child.done;
      options.log(`done ${trial.name}`);
      return result;
    } catch (error) {
      if (error instanceof TrialInterruptedError) {
        throw await handBack(job, token); // stopped by this worker's shutdown
      }
      if (error instanceof TrialFailedError && !error.retryable) throw new UnrecoverableError(error.message);
      throw error;
    } finally {
      active.delete(child);
    }
  }

  const worker = new Worker<TrialJob['data'], TrialResult>(QUEUE_NAME, processTrial, {
    connection: redisConnection(options.queue, { failFast: false }),
    name,
    concurrency: options.concurrency,
    lockDuration: options.lockSeconds * 1000,
    stalledInterval: options.lockSeconds * 1000,
    // The job's own attempts bound restarts (processTrial); this only keeps BullMQ from failing a job sooner.
    maxStalledCount: MAX_ATTEMPTS,
  });
  let lastError = '';
  worker.on('error', (error) => {
    if (error.message !== lastError) options.log(`queue error: ${error.message}`); // once, not on every reconnection attempt
    lastError = error.message;
  });
  worker.on('failed', (job, error) => {
    if (job) options.log(`attempt ${countedStarts(job)} of ${job.data.trial.name} failed: ${error.message}`);
  });
  worker.on('lockRenewalFailed', (jobIds) => {
    for (const id of jobIds) {
      options.log(`lost the lock on job ${id}: stopping its trial (another worker resumes it)`);
      worker.cancelJob(id, 'lock lost');
    }
  });

  const stop = (signal: NodeJS.Signals) => {
    if (worker.closing) process.exit(130);
    options.log(`${signal}: checkpointing ${active.size} running trial(s) and returning them to the queue (again to quit at once)`);
    for (const child of active) child.interrupt();
    // Idle, nothing to hand back: force, which does not wait for a Redis that may be unreachable.
    void worker.close(active.size === 0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  options.log(`worker ${name} on ${options.queue}, artifacts ${resolve(options.artifacts)}, concurrency ${options.concurrency}`);
  try {
    await new Promise<void>((resolve) => worker.once('closed', resolve));
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  if (stopReason) throw stopReason;
}
