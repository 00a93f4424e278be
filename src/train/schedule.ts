/**
 * A training setting that may change as training goes: a number, held; or `{ from, to, steps }`,
 * linear from `from` to `to` over the first `steps` updates of what it sets, then held at `to`.
 * Resumes stay exact because the update count is part of a checkpoint (the optimizers' `t`).
 */
export interface Schedule {
  from: number;
  to: number;
  steps: number;
}

export type Scheduled = number | Schedule;

/** The setting's value at update `update` (0, 1, …). */
export function valueAt(setting: Scheduled, update: number): number {
  if (typeof setting === 'number') return setting;
  return setting.to + (setting.from - setting.to) * Math.max(0, 1 - update / setting.steps);
}
