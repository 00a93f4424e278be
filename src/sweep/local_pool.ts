/**
 * The embedded default: a sweep's trials run on this machine, `concurrency` child processes at a
 * time, with the same attempt rules as queue workers. This process is the only scheduler, so each
 * trial is started by one slot at a time; the run directory's lock still refuses a second sweep
 * process working on the same trial. Ctrl-C checkpoints the running trials; re-running the sweep
 * skips done trials and resumes the others from their checkpoints.
 */
import type { TierRequest } from '../engine/index.js';
import { startTrialProcess, threadsPerTrial, TrialFailedError, type TrialProcess } from './child.js';
import type { Trial } from './spec.js';
import type { SweepDirectory } from './sweep_dir.js';
import { TrialInterruptedError } from './trial.js';
import { describeResult } from './result.js';

export interface PoolOptions {
  concurrency: number;
  attempts: number;
  tier: TierRequest;
  log: (line: string) => void;
}

export interface PoolOutcome {
  done: number;
  failed: number;
  /** Ctrl-C stopped the pool before every trial ran. */
  interrupted: boolean;
}

export async function runLocalPool(dir: SweepDirectory, trials: Trial[], options: PoolOptions): Promise<PoolOutcome> {
  const outcome: PoolOutcome = { done: 0, failed: 0, interrupted: false };
  const pending = trials.filter((trial) => {
    if (!dir.result(trial)) return true;
    outcome.done++;
    return false;
  });
  const active = new Set<TrialProcess>();
  const onInterrupt = () => {
    if (outcome.interrupted) process.exit(130);
    outcome.interrupted = true;
    options.log(`stopping: checkpointing ${active.size} running trial(s) (Ctrl-C again to quit at once)`);
    for (const child of active) child.interrupt();
  };

  async function runWithAttempts(trial: Trial): Promise<void> {
    dir.clearFailure(trial);
    for (let attempt = 1; attempt <= options.attempts && !outcome.interrupted; attempt++) {
      options.log(`start ${trial.name} (attempt ${attempt} of ${options.attempts})`);
      const child = startTrialProcess(trial, dir.runPath(trial), {
        tier: options.tier,
        exclusive: false,
        threads: threadsPerTrial(options.concurrency),
        log: (line) => options.log(`[${trial.name}] ${line}`),
      });
      active.add(child);
      try {
        const result = await child.done;
        outcome.done++;
        options.log(`done ${trial.name}: ${describeResult(result)}`);
        return;
      } catch (error) {
        if (error instanceof TrialInterruptedError) return;
        const message = error instanceof Error ? error.message : String(error);
        const last = attempt === options.attempts || (error instanceof TrialFailedError && !error.retryable);
        options.log(`attempt ${attempt} of ${trial.name} failed: ${message}${last ? '' : '; retrying from its last checkpoint'}`);
        if (last) {
          outcome.failed++;
          dir.writeFailure(trial, { error: message, attempts: attempt });
          return;
        }
      } finally {
        active.delete(child);
      }
    }
  }

  async function slot(): Promise<void> {
    for (let trial = pending.shift(); trial && !outcome.interrupted; trial = pending.shift()) await runWithAttempts(trial);
  }

  process.on('SIGINT', onInterrupt);
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, pending.length) }, slot));
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  return outcome;
}
