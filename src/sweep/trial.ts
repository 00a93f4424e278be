/**
 * Running one trial to completion in its run directory, in this process (the engine initialized).
 *
 * Idempotent, so that any number of attempts, on any machines, add up to one completion:
 *   1. result.json present (written last, atomically): the trial is done; return it, train nothing.
 *   2. summary.json at the config's step count: training finished; only evaluate and record.
 *   3. otherwise train, resuming from the newest good checkpoint if an earlier attempt left one
 *      (trainRun's exact resume: the result is the one an uninterrupted run gives).
 * A trial is a pure function of its config, so every file an attempt writes holds the same bytes
 * whichever attempt writes it.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { engineInfo } from '../engine/index.js';
import { evaluateAndSave, type HyperplaneEvaluation } from '../tasks/evaluate.js';
import { RunDirectory, RunDirectoryError } from '../train/run_dir.js';
import { trainRun, type TrainSummary } from '../train/trainer.js';
import { readTrialResult, RESULT_FILE, type TrialResult } from './result.js';
import { canonicalJson, type Trial } from './spec.js';

/** Training stopped early on request (Ctrl-C, a worker shutting down): not a failure, not done. */
export class TrialInterruptedError extends Error {
  override name = 'TrialInterruptedError';
}

/** Which machine last started training in the run directory (the lock file holds only a pid). */
const HOST_FILE = 'host.json';

export interface RunTrialOptions {
  notify: (message: string) => void;
  /**
   * The caller holds the trial exclusively (the queue's job lock), so a run-directory lock left by
   * a process on another machine is stale: that process's job lock expired. The lock file's pid
   * means nothing on this machine, so it is removed rather than checked.
   */
  exclusive: boolean;
}

/** Removes a lock file written on another machine (see RunTrialOptions.exclusive). */
function takeOverForeignLock(dir: RunDirectory, notify: (message: string) => void): void {
  const hostPath = join(dir.path, HOST_FILE);
  if (existsSync(dir.lockPath) && existsSync(hostPath)) {
    const { host } = JSON.parse(readFileSync(hostPath, 'utf8')) as { host: string };
    if (host !== hostname()) {
      notify(`taking over the lock left by a worker on ${host}`);
      rmSync(dir.lockPath, { force: true });
    }
  }
}

function trainingFinished(dir: RunDirectory, trial: Trial): TrainSummary | null {
  const path = join(dir.path, 'summary.json');
  if (!existsSync(path)) return null;
  const summary = JSON.parse(readFileSync(path, 'utf8')) as TrainSummary;
  return summary.steps === trial.config.steps ? summary : null;
}

/**
 * The last step's metrics as metrics.jsonl logged them. An attempt killed after the final
 * checkpoint but before summary.json resumes at the last step and trains none, so trainRun's
 * summary has no final metrics; the log still has them.
 */
function loggedFinalMetrics(dir: RunDirectory, steps: number): Record<string, number> {
  const lines = readFileSync(dir.metricsPath, 'utf8').trim().split('\n');
  const { step, seconds: _, ...metrics } = JSON.parse(lines[lines.length - 1]!) as Record<string, number>;
  if (step !== steps) throw new RunDirectoryError(`${dir.metricsPath}: the last line is step ${step}, not the final step ${steps}`);
  return metrics;
}

export async function runTrial(trial: Trial, runPath: string, { notify, exclusive }: RunTrialOptions): Promise<TrialResult> {
  const done = readTrialResult(runPath, trial.id);
  if (done) {
    notify('already done: returning the recorded result');
    return done;
  }
  const dir = new RunDirectory(runPath);
  if (dir.hasRun() && canonicalJson(dir.readConfig()) !== canonicalJson(trial.config)) {
    throw new RunDirectoryError(`${dir.path} holds a run with a different config than trial ${trial.id}; move it away`);
  }
  let summary = trainingFinished(dir, trial);
  if (!summary) {
    if (exclusive) takeOverForeignLock(dir, notify);
    mkdirSync(dir.path, { recursive: true });
    dir.writeJson(HOST_FILE, { host: hostname(), pid: process.pid });
    summary = await trainRun(trial.config, dir, { resume: dir.hasRun(), notify });
    if (summary.stoppedEarly) throw new TrialInterruptedError(`stopped at step ${summary.steps} of ${trial.config.steps}`);
    if (Object.keys(summary.final).length === 0) summary = { ...summary, final: loggedFinalMetrics(dir, trial.config.steps) };
  }
  let evaluation: HyperplaneEvaluation | null = null;
  if (trial.evaluationSamples !== null) {
    evaluation = evaluateAndSave(dir.path, { samples: trial.evaluationSamples, notify });
  }
  const result: TrialResult = {
    trialId: trial.id, name: trial.name, config: trial.config, summary, evaluation, tier: engineInfo().tier, host: hostname(),
  };
  dir.writeJson(RESULT_FILE, result);
  return result;
}
