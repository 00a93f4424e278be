/**
 * Starting one trial attempt in its own process (trial_process.ts) and waiting for its reply.
 * Used by the local pool and by queue workers alike.
 */
import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TierRequest } from '../engine/index.js';
import type { Trial } from './spec.js';
import type { TrialResult } from './result.js';
import { TrialInterruptedError } from './trial.js';
import type { TrialReply, TrialRequest } from './trial_process.js';

/** An attempt that ended in an error. */
export class TrialFailedError extends Error {
  override name = 'TrialFailedError';
  constructor(message: string, readonly retryable: boolean) {
    super(message);
  }
}

const here = fileURLToPath(import.meta.url);
/** The child entry next to this file: .ts under tsx (tests, development), .js from dist/. */
const TRIAL_PROCESS = join(dirname(here), `trial_process${extname(here)}`);
const EXEC_ARGV = extname(here) === '.ts' ? ['--import', import.meta.resolve('tsx')] : [];
/** Lines of the child's output kept to explain a crash that left no reply. */
const TAIL_LINES = 20;

/** Cores per trial when several run at once (DISCERN_THREADS); null leaves the engine's default. */
export function threadsPerTrial(concurrency: number): number | null {
  return concurrency > 1 ? Math.max(1, Math.floor(availableParallelism() / concurrency)) : null;
}

export interface TrialProcessOptions {
  tier: TierRequest;
  /** See RunTrialOptions.exclusive: true when a queue's job lock guards the trial. */
  exclusive: boolean;
  /** DISCERN_THREADS for the child, so that concurrent trials share the cores instead of oversubscribing them. */
  threads: number | null;
  /** Each line the child prints (notices, warnings). */
  log: (line: string) => void;
  /** Aborting kills the child at once (SIGKILL): the trial was taken away from this process. */
  signal?: AbortSignal;
}

export interface TrialProcess {
  /** Resolves with the result; rejects with TrialFailedError, or TrialInterruptedError after interrupt(). */
  readonly done: Promise<TrialResult>;
  /** Asks the child to checkpoint and stop after its current step (SIGINT, as Ctrl-C does for discern train). */
  interrupt(): void;
}

export function startTrialProcess(trial: Trial, runPath: string, options: TrialProcessOptions): TrialProcess {
  const env = options.threads !== null && !process.env.DISCERN_THREADS ? { ...process.env, DISCERN_THREADS: String(options.threads) } : process.env;
  // detached: a terminal's Ctrl-C reaches only the parent, which forwards exactly one SIGINT.
  const child = fork(TRIAL_PROCESS, [], { execArgv: EXEC_ARGV, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
  const tail: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      options.log(line);
    });
  }
  let interrupted = false;
  const kill = () => child.kill('SIGKILL');
  options.signal?.addEventListener('abort', kill, { once: true });

  const done = new Promise<TrialResult>((resolve, reject) => {
    let reply: TrialReply | null = null;
    child.on('message', (message: TrialReply) => { reply = message; });
    child.on('error', (error) => reject(new TrialFailedError(`cannot start the trial process: ${error.message}`, true)));
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', kill);
      const answer = reply as TrialReply | null;
      if (answer?.kind === 'done') resolve(answer.result);
      else if (answer?.kind === 'interrupted' || (interrupted && !answer)) reject(new TrialInterruptedError(answer?.message ?? 'stopped'));
      else if (answer?.kind === 'failed') reject(new TrialFailedError(answer.message, answer.retryable));
      else {
        const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
        reject(new TrialFailedError(`the trial process ${how} without a result${tail.length ? `; its last output:\n${tail.join('\n')}` : ''}`, true));
      }
    });
  });
  child.send({ trial, runPath, tier: options.tier, exclusive: options.exclusive } satisfies TrialRequest);
  return {
    done,
    interrupt: () => {
      interrupted = true;
      child.kill('SIGINT');
    },
  };
}
