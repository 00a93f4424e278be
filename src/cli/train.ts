/** `discern train <task> --criterion <name>` and `discern eval hyperplane --run DIR`. */
import { engineInfo, initEngine, type TierRequest } from '../engine/index.js';
import { parseRunConfig, readConfigFile, type RunConfig } from '../train/config.js';
import { CRITERIA, networksTrainedBy, type CriterionName } from '../train/objectives.js';
import { RunDirectory } from '../train/run_dir.js';
import { trainRun, type TrainOptions, type TrainSummary } from '../train/trainer.js';
import { evaluateAndSave } from '../tasks/evaluate.js';
import { progress } from './progress.js';

export interface TrainCommandOptions {
  task?: string;
  config?: string;
  criterion?: string;
  steps?: number;
  seconds?: number;
  batch?: number;
  resolution?: number;
  images?: string;
  seed?: number;
  out?: string;
  resume: boolean;
  from?: string;
  fromStep?: number;
  tier: TierRequest;
}

/** What decides the networks a checkpoint holds besides the criterion; a branch keeps them (everything else may change). */
const FIXED_IN_A_BRANCH = ['task', 'resolution', 'images', 'emaDecay'];

/**
 * A branch may change the criterion to one that trains the same networks: gan → gan-ml or wgan-gp
 * keeps the generator and critic (Goodfellow's generator costs against one critic). Returns the
 * refusal's text, or nothing. An unknown criterion is left for parseRunConfig to name.
 */
function criterionChange(there: unknown, given: unknown): string | undefined {
  const known = (c: unknown): c is CriterionName => (CRITERIA as readonly unknown[]).includes(c);
  if (there === given || !known(there) || !known(given) || networksTrainedBy(there) === networksTrainedBy(given)) return undefined;
  const sharing = CRITERIA.filter((c) => networksTrainedBy(c) === networksTrainedBy(there));
  return `criterion ("${there}" there, "${given}" given: it trains the ${networksTrainedBy(given)}, not the ${networksTrainedBy(there)}; `
    + `a branch of this run may take ${sharing.join(', ')})`;
}

/** `key (value there, value given)` for each of `keys` whose value differs between two configs. */
function differences(keys: string[], there: Record<string, unknown>, given: Record<string, unknown>): string[] {
  return keys.filter((k) => JSON.stringify(there[k]) !== JSON.stringify(given[k]))
    .map((k) => `${k} (${JSON.stringify(there[k])} there, ${JSON.stringify(given[k])} given)`);
}

export async function runTrain(options: TrainCommandOptions): Promise<void> {
  const out = options.out ?? `runs/${options.task ?? 'run'}-${options.criterion ?? 'run'}`;
  const dir = new RunDirectory(out);
  const source = options.from === undefined ? null : new RunDirectory(options.from);
  if (options.fromStep !== undefined && !source) throw new Error('--from-step names a checkpoint of the run given by --from; add --from <dir>');
  if (source && options.resume) throw new Error('--from starts a new run directory from another run\'s checkpoint and --resume continues one; give one of them');
  if (source && !source.hasRun()) throw new Error(`--from ${options.from}: holds no run to branch from (no config.json)`);
  const sourceConfig = source?.readConfig() ?? {};
  const file = () => (options.config ? readConfigFile(options.config) : {});
  // On --resume the run's own config is the base; flags may only change the budget (steps, seconds).
  // A branch starts from its source's config; --config's keys and flags replace what they name.
  const base = source ? { ...sourceConfig, ...file() } : options.resume && dir.hasRun() ? dir.readConfig() : file();
  const flags = Object.fromEntries(Object.entries({
    task: options.task, criterion: options.criterion, steps: options.steps, seconds: options.seconds, batch: options.batch,
    seed: options.seed, resolution: options.resolution, images: options.images,
  }).filter(([, v]) => v !== undefined));
  const merged = { ...base, ...flags };
  if (options.resume && dir.hasRun()) {
    const changed = differences(Object.keys(flags).filter((k) => k !== 'steps' && k !== 'seconds'), base, flags);
    if (changed.length > 0) throw new Error(`--resume continues ${dir.path} as it was configured; ${changed.join(', ')} cannot change (only --steps and --seconds can)`);
  }
  if (source) {
    const changed = [criterionChange(sourceConfig.criterion, merged.criterion), ...differences(FIXED_IN_A_BRANCH, sourceConfig, merged)].filter(Boolean);
    if (changed.length > 0) throw new Error(`a branch keeps the networks of ${source.path}; ${changed.join(', ')} cannot change (the criterion's networks, ${FIXED_IN_A_BRANCH.join(', ')} decide them)`);
  }
  const config = parseRunConfig(merged, options.config ?? (options.resume ? dir.configPath : source ? source.configPath : 'command line'));
  await initEngine(options.tier);
  const summary = await trainWithProgress(config, dir, { resume: options.resume, branch: source ? { from: source, step: options.fromStep } : undefined });
  const thisTime = summary.secondsBefore > 0 ? ` (${(summary.seconds - summary.secondsBefore).toFixed(1)} s this time)` : '';
  console.log(`${summary.stoppedEarly ? 'stopped' : 'finished'} at step ${summary.steps} in ${summary.seconds.toFixed(1)} s${thisTime}; checkpoint ${summary.checkpoint}`);
}

/** Trains with a progress bar (steps/s, ETA, live metrics) and notices on stderr. */
export async function trainWithProgress(config: RunConfig, dir: RunDirectory, how: Pick<TrainOptions, 'resume' | 'branch'>): Promise<TrainSummary> {
  console.error(`discern train: ${config.task} with ${config.criterion} for ${[config.steps && `${config.steps} steps`, config.seconds && `${config.seconds} s`].filter(Boolean).join(' or ')} on the ${engineInfo().tier} tier → ${dir.path}`);
  const bar = progress(`${config.task}/${config.criterion}`);
  const start = performance.now();
  let first: number | null = null;
  const summary = await trainRun(config, dir, {
    ...how,
    notify: (m) => console.error(`discern train: ${m}`),
    onStep: (step, metrics, seconds) => {
      first ??= step - 1;
      const elapsed = (performance.now() - start) / 1000;
      const fraction = Math.max(step / (config.steps ?? Infinity), seconds / (config.seconds ?? Infinity));
      bar.update(Math.min(1, fraction), { step, 'steps/s': (step - first) / elapsed, ...metrics });
    },
  });
  bar.stop();
  return summary;
}

export interface EvalCommandOptions {
  run: string;
  samples: number;
  seed: number;
  json: boolean;
  tier: TierRequest;
  trainedWeights: boolean;
  step?: number;
  /** The rejection sampler's temperature (bare `--rejection`: 1, the exact correction). */
  rejection?: number;
}

export async function runEvalHyperplane({ run, samples, seed, json, tier, trainedWeights, step, rejection }: EvalCommandOptions): Promise<void> {
  await initEngine(tier);
  const result = evaluateAndSave(run, {
    samples, seed, trainedWeights, step, rejection: rejection === undefined ? undefined : { temperature: rejection }, notify: notifyEval,
  });
  if (json) {
    console.log(JSON.stringify(result));
    return;
  }
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const generator = result.generator === 'average' ? ', the generator\'s weight average' : '';
  console.log(`${result.run} (${result.criterion}, step ${result.step}${generator}, ${result.samples} samples)`);
  if (result.rejection) {
    const { kept, proposals, bound, aboveBound, temperature } = result.rejection;
    const sharpened = temperature === 1 ? '' : `, temperature ${temperature}`;
    console.log(`  samples the critic kept: ${kept} of ${proposals} proposals (${pct(kept / proposals)}), bound ${bound.toFixed(2)} on its logit, ${aboveBound} above it${sharpened}`);
  }
  console.log(`  P(sum = 25)          ${pct(result.pSum25)}   (uniform digits ${pct(result.baselines.uniform)}, constraint marginals ${pct(result.baselines.marginal)})`);
  console.log(`  P(|sum − 25| ≤ 1)    ${pct(result.pSumWithin1)}`);
  console.log(`  sum                  mean ${result.sumMean.toFixed(2)}, sd ${result.sumSd.toFixed(2)}`);
  console.log(`  recall               train ${result.recallTrain.toFixed(3)}, held-out ${result.recallHeldOut.toFixed(3)}`);
  const { threshold, clearDigits, clearExamples, pSum25Clear } = result.clarity;
  console.log(`  digits read clearly  ${pct(clearDigits)} (classifier p ≥ ${threshold}); all five in ${pct(clearExamples)} of examples, P(sum = 25) among them ${pSum25Clear === null ? '—' : pct(pSum25Clear)}`);
  if (result.criticSumAuc !== null) {
    console.log(`  critic               ranks real above slot-shuffled examples with probability ${result.criticSumAuc.toFixed(3)} (0.5: it ignores the sum)`);
  }
}

/** Where evaluation reports damaged checkpoints it skipped. */
export const notifyEval = (message: string) => console.error(`discern eval: ${message}`);
