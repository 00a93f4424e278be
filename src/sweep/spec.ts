/**
 * Sweep files: a grid over run-config keys, expanded into trials.
 *
 *   name: gan-vs-wgan            # optional; default: the file's name
 *   base: { steps: 2000, batch: 64, checkpointEvery: 100 }
 *   grid:
 *     task: [hyperplane]
 *     criterion: [gan, wgan-gp]
 *     seed: [0, 1, 2, 3, 4]
 *     adam.learningRate: [0.0002, 0.001]
 *   evaluation: { samples: 10000 }  # hyperplane trials are evaluated after training
 *
 * Every grid point, merged over `base`, is one trial: a RunConfig validated by parseRunConfig.
 * A trial's id is a hash of its validated config (defaults filled in) and evaluation settings, so
 * the same trial has the same id in every sweep that contains it, on every machine, and a re-run
 * sweep recognizes the trials it already finished.
 */
import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import { z } from 'zod';
import { ConfigError, parseRunConfig, readConfigFile, RunConfigSchema, type RunConfig } from '../train/config.js';

/** What a trial is: everything its result depends on. */
export interface Trial {
  /** A hash of `config` and `evaluationSamples`. */
  id: string;
  /** The run directory's name inside the sweep: readable, and unique through the id. */
  name: string;
  /** A sweep's trials always have a step budget (never seconds). */
  config: RunConfig & { steps: number };
  /** Samples generated to evaluate a hyperplane trial; null for tasks without an evaluation. */
  evaluationSamples: number | null;
}

export interface Sweep {
  name: string;
  /** The grid's keys in file order, seed included: what varies between trials. */
  gridKeys: string[];
  trials: Trial[];
}

const DEFAULT_EVALUATION_SAMPLES = 10_000;
/** The most starts a trial may be given (--attempts). */
export const MAX_ATTEMPTS = 20;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const NAME_RULE = 'use letters, digits, dots, dashes and underscores';

const SweepFileSchema = z.strictObject({
  name: z.string().regex(NAME, NAME_RULE).optional(),
  base: z.record(z.string(), z.unknown(), 'a mapping of run-config keys to values').default({}),
  grid: z.record(z.string(), z.array(z.unknown(), 'a list of values, e.g. [0, 1, 2]').min(1, 'list at least one value'), 'a mapping of run-config keys to lists of values'),
  evaluation: z.strictObject({ samples: z.number().int().positive() }).optional(),
});

/** Run-config keys a sweep may set: the top-level ones, and `adam.learningRate`-style paths into nested ones. */
function settableKeys(): string[] {
  return Object.entries(RunConfigSchema.shape).flatMap(([key, schema]) => {
    const inner = schema instanceof z.ZodOptional ? schema.unwrap() : schema;
    return inner instanceof z.ZodObject ? [key, ...Object.keys(inner.shape).map((k) => `${key}.${k}`)] : [key];
  });
}

/** Sets `a.b` in a nested plain object (creating `a`), or `a` itself. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const [head, ...rest] = path.split('.') as [string, ...string[]];
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const inner = (target[head] ??= {}) as Record<string, unknown>;
  setPath(inner, rest.join('.'), value);
}

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function trialId(config: RunConfig, evaluationSamples: number | null): string {
  return createHash('sha256').update(canonicalJson({ config, evaluationSamples })).digest('hex').slice(0, 12);
}

function describeZodIssue(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${issue.path.concat(k).join('.')}'`).join(', ')}; allowed: ${Object.keys(SweepFileSchema.shape).join(', ')}`;
  }
  const key = issue.path.length > 0 ? `key '${issue.path.join('.')}'` : '(top level)';
  const value = issue.path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), input);
  return issue.code === 'invalid_type' && value === undefined ? `${key} is required: ${issue.message}` : `${key}: ${issue.message}`;
}

/** The cartesian product of the grid's value lists, as (key, value) pairs per point, first key slowest. */
function gridPoints(grid: Record<string, unknown[]>): Array<Array<[string, unknown]>> {
  return Object.entries(grid).reduce<Array<Array<[string, unknown]>>>(
    (points, [key, values]) => points.flatMap((point) => values.map((value) => [...point, [key, value] as [string, unknown]])),
    [[]],
  );
}

/**
 * Validates a parsed sweep file and expands it into trials; `source` (the file) and the grid point
 * are named in every error.
 */
export function expandSweep(input: unknown, source: string): Sweep {
  const parsed = SweepFileSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(`${source}: ${parsed.error.issues.map((issue) => describeZodIssue(issue, input)).join('; ')}`);
  const { base, grid, evaluation } = parsed.data;
  if ('seconds' in base || 'seconds' in grid) {
    throw new ConfigError(`${source}: key 'seconds' is not allowed in a sweep: a time budget makes a trial's result depend on the machine that runs it; use steps`);
  }
  if (!('steps' in base || 'steps' in grid)) {
    throw new ConfigError(`${source}: key 'steps' is required (in base or grid): a sweep's trials train a fixed number of steps`);
  }
  const allowed = settableKeys().filter((k) => k !== 'seconds');
  for (const [section, keys] of [['base', Object.keys(base)], ['grid', Object.keys(grid)]] as const) {
    const unknown = keys.filter((k) => !allowed.includes(k));
    if (unknown.length > 0) {
      throw new ConfigError(`${source}: ${section} key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} ${unknown.length > 1 ? 'are not run config keys' : 'is not a run config key'}; allowed: ${allowed.join(', ')}`);
    }
  }
  const both = Object.keys(grid).filter((k) => Object.keys(base).some((b) => b === k || b.startsWith(`${k}.`)));
  if (both.length > 0) throw new ConfigError(`${source}: key${both.length > 1 ? 's' : ''} ${both.map((k) => `'${k}'`).join(', ')} set in both base and grid; keep each in one place`);

  const trials: Trial[] = [];
  const seen = new Map<string, string>();
  for (const point of gridPoints(grid)) {
    const where = point.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
    const raw: Record<string, unknown> = {};
    for (const [key, value] of [...Object.entries(base), ...point]) setPath(raw, key, structuredClone(value));
    const config = parseRunConfig(raw, `${source} (grid point ${where || 'base only'})`);
    const evaluationSamples = config.task === 'hyperplane' ? evaluation?.samples ?? DEFAULT_EVALUATION_SAMPLES : null;
    const id = trialId(config, evaluationSamples);
    const earlier = seen.get(id);
    if (earlier !== undefined) throw new ConfigError(`${source}: grid points ${earlier} and ${where} describe the same trial; list each value once`);
    seen.set(id, where);
    trials.push({ id, name: `${config.task}-${config.criterion}-seed${config.seed}-${id}`, config: { ...config, steps: config.steps! }, evaluationSamples }); // steps: checked above
  }
  const name = parsed.data.name ?? basename(source, extname(source));
  if (!NAME.test(name)) throw new ConfigError(`${source}: the file name '${name}' cannot name a sweep directory; set key 'name' (${NAME_RULE})`);
  return { name, gridKeys: Object.keys(grid), trials };
}

/** Reads and expands a sweep file (.yaml, .yml or .json). */
export function readSweepFile(path: string): Sweep {
  return expandSweep(readConfigFile(path), path);
}
