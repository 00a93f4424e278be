/**
 * Trials on a BullMQ queue in Redis: what a job is, how a sweep submits its trials, and how the
 * submitter reads their states and results back.
 *
 * One job per trial, with job id `<sweep>/<trial id>`: adding a job whose id exists is a no-op in
 * BullMQ, so submitting a sweep twice (or from two terminals) queues each trial once. A job's
 * return value is the trial's TrialResult: results come back through the queue, while the run
 * directories stay on the shared filesystem (`--artifacts`).
 */
import { Queue, type Job } from 'bullmq';
import type { Trial } from './spec.js';
import { SweepError, type SweepDirectory } from './sweep_dir.js';
import type { TrialResult } from './result.js';

export const QUEUE_NAME = 'discern-trials';

/** A job's data: the sweep's name (for the run directory under the worker's --artifacts) and the trial. */
export interface TrialJobData {
  sweep: string;
  trial: Trial;
  /** Times workers handed the trial back unrun (shutting down, or not seeing the sweep): starts not counted as attempts. */
  handedBack?: number;
}

export type TrialJob = Job<TrialJobData, TrialResult>;
export type TrialQueue = Queue<TrialJobData, TrialResult>;

/** Starts that count against the job's attempts: all but those workers handed back (see worker.ts). */
export const countedStarts = (job: TrialJob) => job.attemptsStarted - (job.data.handedBack ?? 0);

export const jobId = (sweep: string, trial: Trial) => `${sweep}/${trial.id}`;

/** BullMQ connection options: workers wait out a Redis restart (BullMQ requires null); the CLI's commands fail instead of hanging. */
export function redisConnection(url: string, { failFast }: { failFast: boolean }) {
  return { url, maxRetriesPerRequest: failFast ? 1 : null };
}

const CONNECT_TIMEOUT_MS = 5000;

/** A queue handle for the CLI (submit, status); Redis not answering within 5 s is an error naming the URL. */
export async function openQueue(url: string): Promise<TrialQueue> {
  const queue: TrialQueue = new Queue(QUEUE_NAME, { connection: redisConnection(url, { failFast: true }) });
  let lastError: string | null = null;
  queue.on('error', (error) => { lastError = error.message; }); // ioredis reconnects; commands report failures
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
  });
  try {
    await Promise.race([queue.waitUntilReady(), timeout]);
  } catch (error) {
    await queue.close().catch(() => {});
    throw new SweepError(`cannot reach Redis at ${url}: ${lastError ?? (error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  return queue;
}

export interface SubmitCounts {
  added: number;
  /** Failed before, or finished but with its result.json gone: put back with fresh attempts. */
  resubmitted: number;
  alreadyQueued: number;
  done: number;
}

/**
 * Puts each trial that is not done on the queue. Done means result.json is in the sweep directory
 * (which workers share: they refuse to run without its sweep.json). Failed jobs, and completed
 * ones whose result is gone, are replaced by fresh jobs: re-running a sweep is how a user retries
 * its failed trials. Queued and running jobs are left alone.
 */
export async function submitTrials(queue: TrialQueue, dir: SweepDirectory, sweep: string, trials: Trial[], attempts: number): Promise<SubmitCounts> {
  const counts: SubmitCounts = { added: 0, resubmitted: 0, alreadyQueued: 0, done: 0 };
  for (const trial of trials) {
    if (dir.result(trial)) {
      counts.done++;
      continue;
    }
    const existing = await queue.getJob(jobId(sweep, trial));
    const state = existing ? await existing.getState() : 'unknown';
    if (state !== 'completed' && state !== 'failed' && state !== 'unknown') {
      counts.alreadyQueued++;
      continue;
    }
    if (existing) await existing.remove();
    await queue.add(trial.name, { sweep, trial }, { jobId: jobId(sweep, trial), attempts, backoff: { type: 'exponential', delay: 2000 } });
    counts[existing ? 'resubmitted' : 'added']++;
  }
  return counts;
}

export type TrialState = 'queued' | 'running' | 'done' | 'failed';

/** A trial as its job describes it: state, attempts started, and the worker or the error. */
export interface JobView {
  state: TrialState;
  /** Starts counted against `attempts` (countedStarts). */
  attemptsStarted: number;
  attempts: number;
  worker: string | null;
  error: string | null;
  result: TrialResult | null;
}

/** The trials' jobs, by trial id; trials without a job are absent. */
export async function jobViews(queue: TrialQueue, sweep: string, trials: Trial[]): Promise<Map<string, JobView>> {
  const views = new Map<string, JobView>();
  await Promise.all(trials.map(async (trial) => {
    const job = await queue.getJob(jobId(sweep, trial));
    if (!job) return;
    const state = await job.getState();
    views.set(trial.id, {
      state: state === 'completed' ? 'done' : state === 'failed' ? 'failed' : state === 'active' ? 'running' : 'queued',
      attemptsStarted: countedStarts(job),
      attempts: job.opts.attempts ?? 1,
      worker: job.processedBy ?? null,
      error: job.failedReason || null,
      result: state === 'completed' ? job.returnvalue : null,
    });
  }));
  return views;
}
