/**
 * Run configuration: a JSON or YAML file and/or command-line flags, validated by a schema. Every
 * error names the key, the bad value and what is allowed; unknown keys are errors.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isResolution } from '../data/thin_digits.js';
import { TASKS } from '../tasks/index.js';
import { CRITERIA, defaultSettings, isAdversarial, type CriterionName, type ObjectiveSettings } from './objectives.js';

const positiveInt = z.number().int().positive();

/**
 * A number; { from, to, steps }: linear from `from` to `to` over the first `steps` updates; or
 * [[update, value], …] with updates increasing: linear between the points (src/train/schedule.ts).
 */
function scheduled(value: z.ZodNumber, allowed: string) {
  const points = z.array(z.tuple([z.number().int().nonnegative(), value]))
    .min(2, 'needs at least two [update, value] points (a single value is a plain number)')
    .refine((p) => p.every(([at], i) => i === 0 || at > p[i - 1]![0]), 'the points\' updates must increase: [[0, a], [1000, b], …]');
  return z.union([value, z.strictObject({ from: value, to: value, steps: positiveInt }), points], {
    error: `must be a number ${allowed}, { from, to, steps } (numbers ${allowed} and a whole number of updates ≥ 1), or [[update, value], …] points`,
  });
}

export const RunConfigSchema = z.strictObject({
  task: z.enum(TASKS),
  criterion: z.enum(CRITERIA),
  /** Generator updates; training stops at `steps` or after `seconds`, whichever comes first (one is required). */
  steps: positiveInt.optional(),
  /** A budget of training time in seconds, counted over resumes and from a branch's source, as `steps` is. */
  seconds: z.number().positive().optional(),
  batch: positiveInt.default(64),
  seed: z.number().int().default(0),
  /** highres only: the side of the square images (a power of two, 16…1024; default 128). */
  resolution: z.number().int().refine(isResolution, 'must be a power of two from 16 to 1024').optional(),
  /** highres only: a folder of same-size square PNGs to train on instead of the built thin digits. */
  images: z.string().min(1).optional(),
  /** Critic updates per generator update; default per criterion (5 for WGAN-GP, else 1). */
  criticSteps: positiveInt.optional(),
  /** The generator's Adam (and the critic's but for criticLearningRate); learningRate may be scheduled over its updates. */
  adam: z.strictObject({
    learningRate: scheduled(z.number().positive(), '> 0'),
    beta1: z.number().min(0).lt(1),
    beta2: z.number().min(0).lt(1),
  }).partial().optional(),
  /**
   * Adversarial criteria: the critic's own Adam learning rate (two time-scale updates, Heusel et
   * al. 2017), may be scheduled over the critic's updates; default: adam.learningRate, the generator's.
   */
  criticLearningRate: scheduled(z.number().positive(), '> 0').optional(),
  /**
   * The critic's gradient penalty: WGAN-GP's λ (default 10), or for the GANs R1's weight (default
   * 0, off), may be scheduled over the critic's updates.
   */
  penaltyWeight: scheduled(z.number().nonnegative(), '≥ 0').optional(),
  /** Lazy regularization: the penalty on every k-th critic update only, weighted ×k (default 1: every update). */
  penaltyEvery: positiveInt.optional(),
  mmdBandwidths: z.array(z.number().positive()).min(1).optional(),
  sinkhornBlur: z.number().positive().optional(),
  vaeSigma: z.number().positive().optional(),
  /**
   * Adversarial criteria: the weight α of the task's negative examples among the critic's
   * negatives, the rest (1 − α) being generator samples (hyperplane: shuffled slots, 32 per real example).
   */
  negativeData: z.number().min(0).lt(1).optional(),
  /**
   * Keep an exponential moving average of the generator's weights with this decay (e.g. 0.999;
   * src/train/generator_average.ts); samples, scores and evaluation then use it. Default: none.
   */
  emaDecay: z.number().gt(0).lt(1).optional(),
  /**
   * Data-parallel worker threads: each computes the gradient of batch / workers examples and every
   * update applies their mean (src/train/replicas.ts). 2 uses both cores of a 2-core machine.
   */
  workers: positiveInt.default(1),
  logEvery: positiveInt.default(10),
  sampleEvery: positiveInt.default(500),
  /** Steps between the task's own scores in the metrics log (hyperplane: P(sum = 25), the critic's AUC). */
  evalEvery: positiveInt.default(1000),
  checkpointEvery: positiveInt.default(200),
}).superRefine((config, context) => {
  if (config.steps === undefined && config.seconds === undefined) {
    context.addIssue({ code: 'custom', path: ['steps'], message: 'a budget is required: give steps, seconds, or both (training stops at whichever comes first)' });
  }
  if (config.negativeData && (config.task !== 'hyperplane' || !isAdversarial(config.criterion))) {
    context.addIssue({ code: 'custom', path: ['negativeData'], message: `applies to adversarial criteria on task hyperplane (its negatives shuffle the digit slots), not ${config.criterion} on ${config.task}; remove it` });
  }
  if (config.batch % config.workers !== 0) {
    context.addIssue({ code: 'custom', path: ['workers'], message: `must divide batch (${config.batch}) evenly: every worker takes batch / workers examples` });
  }
  for (const key of ['penaltyEvery', 'criticLearningRate'] as const) {
    if (config[key] !== undefined && !isAdversarial(config.criterion)) {
      context.addIssue({ code: 'custom', path: [key], message: `applies to the critic (adversarial criteria), not ${config.criterion}; remove it` });
    }
  }
  for (const key of ['resolution', 'images'] as const) {
    if (config[key] !== undefined && config.task !== 'highres') {
      context.addIssue({ code: 'custom', path: [key], message: `applies to task highres only, not ${config.task}; remove it` });
    }
  }
});

export type RunConfig = z.infer<typeof RunConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const key = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  const value = issue.path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), input);
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${issue.path.concat(k).join('.')}'`).join(', ')}; allowed: ${allowedKeys(issue.path)}`;
    case 'invalid_value':
      return `key '${key}': ${JSON.stringify(value)} is not allowed; use one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_type':
      return value === undefined
        ? `key '${key}' is required (${issue.expected})`
        : `key '${key}': ${JSON.stringify(value)} is not a ${issue.expected}`;
    default:
      return value === undefined ? `key '${key}': ${issue.message}` : `key '${key}': ${JSON.stringify(value)}: ${issue.message}`;
  }
}

/** The mappings a config value's schema may take, looking through optionals, defaults and unions (a schedule). */
function mappingsOf(schema: z.ZodType | undefined): z.ZodObject[] {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) return mappingsOf(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodUnion) return schema.options.flatMap((option) => mappingsOf(option as z.ZodType));
  return schema instanceof z.ZodObject ? [schema] : [];
}

/** The keys a config mapping may hold at `path`: the top level's, adam's, a schedule's. */
function allowedKeys(path: PropertyKey[]): string {
  const schemaAt = path.reduce<z.ZodType | undefined>(
    (schema, key) => mappingsOf(schema).map((m) => (m.shape as Record<string, z.ZodType>)[String(key)]).find(Boolean), RunConfigSchema);
  return mappingsOf(schemaAt).flatMap((m) => Object.keys(m.shape)).join(', ');
}

/** Validates a parsed config; `source` names where it came from in errors. */
export function parseRunConfig(input: unknown, source: string): RunConfig {
  const result = RunConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(`${source}: ${result.error.issues.map((i) => describeIssue(i, input)).join('; ')}`);
}

/** Reads a .json, .yaml or .yml file into a plain object (validation is parseRunConfig's). */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const extension = extname(path).toLowerCase();
  let parsed: unknown;
  try {
    parsed = extension === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${path}: not valid ${extension === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`${path}: must hold a mapping of keys to values (task, criterion, steps, …)`);
  }
  return parsed as Record<string, unknown>;
}

/** The objective's settings: the criterion's defaults, then the task's, then the config's. */
export function objectiveSettings(config: RunConfig, taskDefaults: Partial<ObjectiveSettings> = {}): ObjectiveSettings {
  const defaults = { ...defaultSettings(config.criterion as CriterionName), ...taskDefaults };
  return {
    adam: { ...defaults.adam, ...config.adam },
    criticLearningRate: config.criticLearningRate,
    criticSteps: config.criticSteps ?? defaults.criticSteps,
    penaltyWeight: config.penaltyWeight ?? defaults.penaltyWeight,
    penaltyEvery: config.penaltyEvery ?? defaults.penaltyEvery,
    mmdBandwidths: config.mmdBandwidths ?? defaults.mmdBandwidths,
    sinkhornBlur: config.sinkhornBlur ?? defaults.sinkhornBlur,
    vaeSigma: config.vaeSigma ?? defaults.vaeSigma,
    negativeData: config.negativeData ?? defaults.negativeData,
  };
}
