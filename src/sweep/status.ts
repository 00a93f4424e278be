/**
 * `discern sweep status`: each trial's state and a line about it. A result.json in the sweep
 * directory means done, whatever ran it; otherwise the queue's job says queued, running or failed
 * (with the error), or, for the local pool, the run directory's lock and failed/<id>.json do.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAlive, RunDirectory } from '../train/run_dir.js';
import { jobViews, openQueue, type JobView, type TrialQueue, type TrialState } from './queue.js';
import type { Sweep, Trial } from './spec.js';
import type { SweepDirectory, SweepManifest } from './sweep_dir.js';
import { describeResult, type TrialResult } from './result.js';

export interface TrialStatus {
  trial: Trial;
  state: TrialState;
  detail: string;
  result: TrialResult | null;
}

/** "checkpoint at step k of n", or "" before the first checkpoint (or where the run directory is not visible). */
function progress(dir: SweepDirectory, trial: Trial): string {
  const steps = new RunDirectory(dir.runPath(trial)).checkpointSteps();
  return steps.length > 0 ? `checkpoint at step ${steps[steps.length - 1]} of ${trial.config.steps}` : '';
}

function localStatus(dir: SweepDirectory, trial: Trial): TrialStatus {
  const failure = dir.readFailure(trial);
  if (failure) return { trial, state: 'failed', detail: `after ${failure.attempts} attempt(s): ${failure.error}`, result: null };
  const lock = new RunDirectory(dir.runPath(trial)).lockPath;
  const running = existsSync(lock) && isAlive(Number(readFileSync(lock, 'utf8').trim()));
  return { trial, state: running ? 'running' : 'queued', detail: progress(dir, trial), result: null };
}

function queueStatus(dir: SweepDirectory, trial: Trial, view: JobView | undefined): TrialStatus {
  if (!view) return { trial, state: 'queued', detail: 'not on the queue: run discern sweep <file> again to submit it', result: null };
  const attempts = `attempt ${view.attemptsStarted} of ${view.attempts}`;
  const details: Record<TrialState, string> = {
    done: view.result ? describeResult(view.result) : '',
    failed: `after ${view.attemptsStarted} attempt(s): ${view.error ?? 'no error recorded'}`,
    running: [`${attempts} on ${view.worker ?? 'a worker'}`, progress(dir, trial)].filter(Boolean).join(', '),
    queued: view.attemptsStarted > 0 ? [`retry after ${attempts}${view.error ? ` (${view.error})` : ''}`, progress(dir, trial)].filter(Boolean).join(', ') : '',
  };
  return { trial, state: view.state, detail: details[view.state], result: view.result };
}

/** The status of every trial in the manifest; `queueUrl` overrides the manifest's queue. */
export async function sweepStatus(dir: SweepDirectory, manifest: SweepManifest, queueUrl: string | null): Promise<TrialStatus[]> {
  let views: Map<string, JobView> | null = null;
  if (queueUrl) {
    const queue = await openQueue(queueUrl);
    try {
      views = await jobViews(queue, manifest.name, manifest.trials);
    } finally {
      await queue.close();
    }
  }
  return manifest.trials.map((trial) => {
    const result = dir.result(trial);
    if (result) return { trial, state: 'done', detail: describeResult(result), result };
    return views ? queueStatus(dir, trial, views.get(trial.id)) : localStatus(dir, trial);
  });
}

const STATES: TrialState[] = ['queued', 'running', 'done', 'failed'];

export function formatStatus(manifest: SweepManifest, statuses: TrialStatus[]): string {
  const counts = STATES.map((s) => `${statuses.filter((t) => t.state === s).length} ${s}`).join(', ');
  const width = Math.max(...statuses.map((s) => s.trial.name.length));
  const lines = statuses.map((s) => `  ${s.state.padEnd(7)} ${s.trial.name.padEnd(width)}  ${s.detail}`.trimEnd());
  return [`sweep ${manifest.name}: ${statuses.length} trial${statuses.length === 1 ? '' : 's'} (${manifest.queue ? `queue ${manifest.queue}` : 'local pool'}): ${counts}`, ...lines].join('\n');
}

const FOLLOW_POLL_MS = 1000;

/**
 * Polls the queue until every trial is done or failed, logging each as it finishes (with the
 * result the worker returned through the queue) and the counts when they change. Returns how
 * many failed.
 */
export async function followTrials(queue: TrialQueue, sweep: Sweep, log: (line: string) => void): Promise<number> {
  const unfinished = new Map(sweep.trials.map((t) => [t.id, t]));
  let failed = 0;
  let lastCounts = '';
  let lastError = '';
  while (unfinished.size > 0) {
    try {
      const views = await jobViews(queue, sweep.name, [...unfinished.values()]);
      for (const trial of [...unfinished.values()]) {
        const view = views.get(trial.id);
        if (view && view.state !== 'done' && view.state !== 'failed') continue;
        if (view?.state === 'done') {
          log(`done ${trial.name}: ${view.result ? describeResult(view.result) : ''}`);
        } else {
          failed++;
          log(`failed ${trial.name}: ${view ? view.error : 'its job is no longer on the queue'}`);
        }
        unfinished.delete(trial.id);
      }
      const states = [...views.values()].map((v) => v.state);
      const counts = `${sweep.trials.length - unfinished.size} finished, ${states.filter((s) => s === 'running').length} running, ${states.filter((s) => s === 'queued').length} queued`;
      if (counts !== lastCounts) log(counts);
      lastCounts = counts;
      lastError = '';
    } catch (error) {
      const message = (error as Error).message;
      if (message !== lastError) log(`queue: ${message} (retrying)`);
      lastError = message;
    }
    if (unfinished.size > 0) await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
  }
  return failed;
}
