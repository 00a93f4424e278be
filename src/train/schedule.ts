/**
 * A training setting that may change as training goes: a number, held; `{ from, to, steps }`,
 * linear from `from` to `to` over the first `steps` updates of what it sets, then held at `to`; or
 * points `[[update, value], …]` (updates increasing), linear between them and held before the
 * first and after the last: a warm-up then a decay, say. `{ from, to, steps }` is the two points
 * `[[0, from], [steps, to]]`. Resumes stay exact because the update count is part of a checkpoint
 * (the optimizers' `t`).
 */
export interface Schedule {
  from: number;
  to: number;
  steps: number;
}

export type Points = [update: number, value: number][];

export type Scheduled = number | Schedule | Points;

/** The setting's value at update `update` (0, 1, …). */
export function valueAt(setting: Scheduled, update: number): number {
  if (typeof setting === 'number') return setting;
  const points: Points = Array.isArray(setting) ? setting : [[0, setting.from], [setting.steps, setting.to]];
  const next = points.findIndex(([at]) => at > update);
  if (next === 0) return points[0]![1];
  if (next === -1) return points[points.length - 1]![1];
  const [start, from] = points[next - 1]!;
  const [end, to] = points[next]!;
  // Written from the end point, as `to + (from − to)·(1 − t/steps)`, so that runs and checkpoints
  // made before points existed replay to the bit.
  return to + (from - to) * (1 - (update - start) / (end - start));
}
