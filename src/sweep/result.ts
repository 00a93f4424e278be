/**
 * A finished trial's result: result.json in its run directory, written last (atomically) by the
 * attempt that finishes the trial, and the job's return value on a queue. Its presence is what
 * "done" means everywhere in a sweep.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HyperplaneEvaluation } from '../tasks/evaluate.js';
import type { TrainSummary } from '../train/trainer.js';
import type { Trial } from './spec.js';

export interface TrialResult {
  trialId: string;
  name: string;
  config: Trial['config'];
  summary: TrainSummary;
  /** The hyperplane scores (also in eval-hyperplane.json); null for tasks without an evaluation. */
  evaluation: HyperplaneEvaluation | null;
  tier: string;
  /** The machine that finished the trial. */
  host: string;
}

export const RESULT_FILE = 'result.json';

/** The trial's result if its run directory holds it; null while it is not done. */
export function readTrialResult(runPath: string, trialId: string): TrialResult | null {
  const path = join(runPath, RESULT_FILE);
  if (!existsSync(path)) return null;
  try {
    const result = JSON.parse(readFileSync(path, 'utf8')) as TrialResult;
    return result.trialId === trialId ? result : null;
  } catch {
    return null; // unreadable: not done, and finishing the trial rewrites the file
  }
}

const compact = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(3));

/** One line: the final training metrics and, for hyperplane trials, the evaluation's headline scores. */
export function describeResult(result: TrialResult): string {
  const metrics = Object.entries(result.summary.final).map(([k, v]) => `${k} ${compact(v)}`);
  const e = result.evaluation;
  const scores = e ? [`P(sum=25) ${(100 * e.pSum25).toFixed(2)}%`, `recall held-out ${e.recallHeldOut.toFixed(3)}`] : [];
  return [`step ${result.summary.steps}`, ...metrics, ...scores].join(', ');
}
