/**
 * The process one trial attempt runs in (started by child.ts with an IPC channel). It receives a
 * TrialRequest, runs the trial, and answers with one TrialReply.
 *
 * Trials run in their own processes so that the process talking to the queue is never blocked
 * by a long synchronous training step (it must keep renewing the job's lock), and so that a
 * crash or out-of-memory kill costs one attempt, not the worker. If the parent dies (a worker
 * killed with SIGKILL), the IPC channel closes and this process exits at the next step boundary:
 * no orphan keeps training a trial that another worker is about to resume.
 */
import { initEngine, type TierRequest } from '../engine/index.js';
import { ConfigError } from '../train/config.js';
import { TrainingDivergedError } from '../train/trainer.js';
import type { Trial } from './spec.js';
import type { TrialResult } from './result.js';
import { runTrial, TrialInterruptedError } from './trial.js';

export interface TrialRequest {
  trial: Trial;
  runPath: string;
  tier: TierRequest;
  exclusive: boolean;
}

export type TrialReply =
  | { kind: 'done'; result: TrialResult }
  | { kind: 'interrupted'; message: string }
  /** `retryable` is false for errors that a trial's config determines: another attempt would fail the same way. */
  | { kind: 'failed'; message: string; retryable: boolean };

/** Exit status when the parent went away: the attempt was abandoned, not finished. */
const PARENT_GONE_EXIT = 70;

const exitWhenParentGone = () => process.exit(PARENT_GONE_EXIT);

function reply(message: TrialReply): void {
  process.off('disconnect', exitWhenParentGone);
  process.send!(message, () => process.exit(0));
}

async function attempt({ trial, runPath, tier, exclusive }: TrialRequest): Promise<TrialReply> {
  try {
    await initEngine(tier);
    const result = await runTrial(trial, runPath, { notify: (m) => process.stderr.write(`${m}\n`), exclusive });
    return { kind: 'done', result };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof TrialInterruptedError) return { kind: 'interrupted', message };
    const retryable = !(error instanceof TrainingDivergedError || error instanceof ConfigError);
    return { kind: 'failed', message: error instanceof Error ? `${error.name}: ${message}` : message, retryable };
  }
}

if (!process.send) throw new Error('trial_process.ts is started by the sweep (child.ts) with an IPC channel, not run directly');
process.on('disconnect', exitWhenParentGone);
process.once('message', (request: TrialRequest) => {
  void attempt(request).then(reply);
});
