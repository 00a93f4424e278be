/**
 * Runs that survive faults, exercised through the real `discern train` command: a run killed with
 * SIGKILL and resumed ends bit-identical to an uninterrupted one (weights and metrics), damaged
 * checkpoints are skipped by name, a second process is refused by the lock, a branch from a
 * checkpoint replays its source until a setting changes, divergence stops the run naming the step,
 * and bad configs and output folders give one clear line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '../src/train/checkpoint.js';
import { ConfigError, parseRunConfig, readConfigFile } from '../src/train/config.js';
import { Rng } from '../src/engine/random.js';

const main = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const root = mkdtempSync(join(tmpdir(), 'discern-train-'));
const discern = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });

const config = { task: 'mnist', criterion: 'gan', steps: 40, batch: 16, seed: 5, logEvery: 1, sampleEvery: 20, checkpointEvery: 4 };
const configPath = join(root, 'run.json');
writeFileSync(configPath, JSON.stringify(config));

const metricsWithoutTime = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => {
    const { seconds: _, ...rest } = JSON.parse(l) as Record<string, number>;
    return rest;
  });

function finalWeights(dir: string) {
  return loadCheckpoint(join(dir, 'checkpoints', 'step-0000040.ckpt')).arrays;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a run killed with SIGKILL and resumed ends bit-identical to an uninterrupted run', async () => {
  const reference = join(root, 'reference');
  const straight = discern('train', '--config', configPath, '--out', reference);
  assert.equal(straight.status, 0, straight.stderr);

  const killed = join(root, 'killed');
  const child = spawn(process.execPath, [main, 'train', '--config', configPath, '--out', killed], { stdio: 'ignore' });
  await waitFor(() => existsSync(join(killed, 'checkpoints', 'step-0000012.ckpt')), 'the step-12 checkpoint');

  // While it trains, a second process on the same directory is refused.
  const intruder = discern('train', '--config', configPath, '--out', killed, '--resume');
  assert.equal(intruder.status, 1);
  assert.match(intruder.stderr, new RegExp(`another discern process \\(pid ${child.pid}\\) is training in this run directory`));

  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  assert.ok(!existsSync(join(killed, 'checkpoints', 'step-0000040.ckpt')), 'the kill came too late to test anything');

  const resumed = discern('train', '--out', killed, '--resume');
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming from step \d+/);

  assert.deepEqual(metricsWithoutTime(killed), metricsWithoutTime(reference));
  const a = finalWeights(reference);
  const b = finalWeights(killed);
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [name, { values }] of a) assert.deepEqual(b.get(name)!.values, values, name);
});

for (const [signal, sender] of [['SIGINT', 'Ctrl-C'], ['SIGTERM', 'a scheduler, `timeout` or `docker stop`']] as const) {
  test(`${signal} (${sender}) saves a checkpoint at the current step and exits cleanly; resuming finishes the same run`, async () => {
    const dir = join(root, `interrupted-${signal}`);
    const child = spawn(process.execPath, [main, 'train', '--config', configPath, '--out', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; });
    await waitFor(() => existsSync(join(dir, 'checkpoints', 'step-0000004.ckpt')), 'the step-4 checkpoint');
    child.kill(signal);
    const code = await new Promise((r) => child.on('exit', r));
    assert.equal(code, 0);
    const stoppedAt = Number(/stopped at step (\d+)/.exec(stdout)?.[1]);
    assert.ok(stoppedAt >= 4 && stoppedAt < 40, stdout);
    assert.equal(loadCheckpoint(join(dir, 'checkpoints', `step-${String(stoppedAt).padStart(7, '0')}.ckpt`)).meta.step, stoppedAt);
    assert.ok(!existsSync(join(dir, 'lock')), 'the lock is released');
    const resumed = discern('train', '--out', dir, '--resume');
    assert.equal(resumed.status, 0, resumed.stderr);
    const reference = finalWeights(join(root, 'reference'));
    for (const [name, { values }] of finalWeights(dir)) assert.deepEqual(values, reference.get(name)!.values, name);
  });
}

test('a full disk fails the checkpoint with a clear message and leaves no partial file', (t) => {
  const mount = join(root, 'small-disk');
  mkdirSync(mount, { recursive: true });
  // A 1 MiB tmpfs: room for the config and metrics, not for a 12 MB checkpoint. Needs root.
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount]).status !== 0) {
    t.skip('cannot mount a small tmpfs here (needs root)');
    return;
  }
  try {
    const dir = join(mount, 'run');
    const result = discern('train', '--config', configPath, '--out', dir);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /step-\d+\.ckpt: could not be written \(ENOSPC: no space left on the device\); earlier checkpoints are untouched/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    const left = readdirSync(join(dir, 'checkpoints'));
    assert.deepEqual(left.filter((f) => f.includes('.tmp-')), [], 'no partial file left behind');
    for (const f of left) loadCheckpoint(join(dir, 'checkpoints', f)); // whatever was written whole still loads
  } finally {
    spawnSync('umount', [mount]);
  }
});

test('a damaged newest checkpoint is named and skipped; the run resumes from the one before', () => {
  const dir = join(root, 'damaged');
  const first = discern('train', '--config', configPath, '--out', dir, '--steps', '12');
  assert.equal(first.status, 0, first.stderr);
  const newest = join(dir, 'checkpoints', 'step-0000012.ckpt');
  truncateSync(newest, 100);
  const resumed = discern('train', '--out', dir, '--resume', '--steps', '40');
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.ok(resumed.stderr.includes(`skipping damaged checkpoint: ${newest}`), resumed.stderr);
  assert.match(resumed.stderr, /resuming from step 8/);
  const reference = finalWeights(join(root, 'reference'));
  for (const [name, { values }] of finalWeights(dir)) assert.deepEqual(values, reference.get(name)!.values, name);
});

test('resume refuses to change the run’s configuration, except its length', () => {
  const result = discern('train', '--out', join(root, 'reference'), '--resume', '--criterion', 'wgan-gp');
  assert.equal(result.status, 1);
  assert.match(result.stderr, /criterion \("gan" there, "wgan-gp" given\) cannot change \(only --steps and --seconds can\)/);
  const fresh = discern('train', '--config', configPath, '--out', join(root, 'reference'));
  assert.equal(fresh.status, 1);
  assert.match(fresh.stderr, /already holds a run; continue it with --resume, or choose another --out/);
});

test('a branch under its source\'s config replays the source exactly; under a changed one it goes its own way', () => {
  const reference = join(root, 'reference');
  const same = join(root, 'branch-same');
  const replay = discern('train', '--from', reference, '--from-step', '32', '--out', same);
  assert.equal(replay.status, 0, replay.stderr);
  assert.match(replay.stderr, /branching from \S+reference at step 32/);
  assert.deepEqual(metricsWithoutTime(same), metricsWithoutTime(reference));
  const expected = finalWeights(reference);
  for (const [name, { values }] of finalWeights(same)) assert.deepEqual(values, expected.get(name)!.values, name);
  assert.deepEqual(readFileSync(join(same, 'samples', 'step-0000020.png')), readFileSync(join(reference, 'samples', 'step-0000020.png')));
  // Its time, like its steps, counts on from the source's at the branch point.
  const branchedAt = loadCheckpoint(join(reference, 'checkpoints', 'step-0000032.ckpt')).meta.seconds as number;
  assert.ok(branchedAt > 0);
  assert.equal(JSON.parse(readFileSync(join(same, 'summary.json'), 'utf8')).secondsBefore, branchedAt);

  const faster = join(root, 'branch-faster');
  const changesPath = join(root, 'faster.yaml');
  writeFileSync(changesPath, 'adam:\n  learningRate: 0.01\n');
  const branch = discern('train', '--from', reference, '--from-step', '32', '--config', changesPath, '--out', faster);
  assert.equal(branch.status, 0, branch.stderr);
  const saved = JSON.parse(readFileSync(join(faster, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(saved, { ...JSON.parse(readFileSync(join(reference, 'config.json'), 'utf8')) as object, adam: { learningRate: 0.01 } });
  const before = metricsWithoutTime(reference);
  const after = metricsWithoutTime(faster);
  assert.deepEqual(after.filter((m) => m.step! <= 32), before.filter((m) => m.step! <= 32));
  assert.notDeepEqual(after.at(-1), before.at(-1));
  const weights = finalWeights(faster);
  assert.ok([...expected].some(([name, { values }]) => values.some((v, i) => v !== weights.get(name)!.values[i])), 'the changed rate changed the weights');
});

test('a branch may change the generator\'s cost: gan → gan-ml trains on from the same networks', () => {
  const reference = join(root, 'reference');
  const dir = join(root, 'branch-ml');
  const branch = discern('train', '--from', reference, '--from-step', '32', '--criterion', 'gan-ml', '--out', dir);
  assert.equal(branch.status, 0, branch.stderr);
  assert.equal((JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { criterion: string }).criterion, 'gan-ml');
  const before = metricsWithoutTime(reference);
  const after = metricsWithoutTime(dir);
  assert.deepEqual(after.filter((m) => m.step! <= 32), before.filter((m) => m.step! <= 32));
  // The critic's update is the same for both costs, so the first branched step's critic loss is the
  // reference's; the generator's loss is another function of the same scores.
  const first = (metrics: typeof before) => metrics.find((m) => m.step === 33)!;
  assert.equal(first(after).critic_loss, first(before).critic_loss);
  assert.notEqual(first(after).generator_loss, first(before).generator_loss);
});

test('a branch refuses a change the checkpoint cannot take, a step it does not keep, and an --out that holds a run', () => {
  const reference = join(root, 'reference');
  const refusals: Array<[string[], RegExp]> = [
    [['--criterion', 'vae', '--out', join(root, 'branch-bad')],
      /a branch keeps the networks of \S+reference; criterion \("gan" there, "vae" given: it trains the generator and encoder, not the generator and critic; a branch of this run may take gan, gan-minimax, gan-ml, wgan-gp, wgan-gp-one-sided\) cannot change/],
    [['--from-step', '5', '--out', join(root, 'branch-retry')], /keeps no checkpoint of step 5; it keeps steps 32, 36, 40/],
    [['--out', join(root, 'branch-same')], /already holds a run/],
    [['--resume', '--out', join(root, 'branch-bad')], /give one of them/],
  ];
  for (const [args, message] of refusals) {
    const result = discern('train', '--from', reference, ...args);
    assert.equal(result.status, 1, args.join(' '));
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  }
  const notARun = discern('train', '--from', join(root, 'nowhere'), '--out', join(root, 'branch-bad'));
  assert.match(notARun.stderr, /--from \S+nowhere: holds no run to branch from \(no config.json\)/);
  // The refused step left nothing behind: the same --out takes a good branch.
  const retry = discern('train', '--from', reference, '--from-step', '36', '--out', join(root, 'branch-retry'));
  assert.equal(retry.status, 0, retry.stderr);
  assert.match(retry.stderr, /at step 36/);
});

test('a time budget alone (--seconds, no --steps) trains until the time is spent, counts as finished, and counts over resumes', () => {
  const dir = join(root, 'timed');
  const result = discern('train', 'mnist', '--criterion', 'gan', '--seconds', '1.5', '--batch', '8', '--out', dir);
  assert.equal(result.status, 0, result.stderr);
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { steps: number; seconds: number; stoppedEarly: boolean };
  assert.equal(summary.stoppedEarly, false);
  assert.ok(summary.steps > 1 && summary.seconds >= 1.5, JSON.stringify(summary));
  assert.match(result.stdout, new RegExp(`finished at step ${summary.steps} in`));
  assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).steps, undefined);
  const checkpoint = loadCheckpoint(join(dir, 'checkpoints', `step-${String(summary.steps).padStart(7, '0')}.ckpt`));
  assert.ok((checkpoint.meta.seconds as number) >= 1.5, 'the checkpoint records the time spent');

  // Like steps, the budget is a total: resumed as it is, the run has nothing left to do.
  const again = discern('train', '--out', dir, '--resume');
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /the run has spent its budget \(\d+ s\): give a larger --steps or --seconds/);
  assert.equal(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).steps, summary.steps);

  const extended = discern('train', '--out', dir, '--resume', '--seconds', '3');
  assert.equal(extended.status, 0, extended.stderr);
  const more = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as typeof summary & { secondsBefore: number };
  assert.ok(more.steps > summary.steps && more.seconds >= 3, JSON.stringify(more));
  assert.equal(more.secondsBefore, checkpoint.meta.seconds);
  const times = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { seconds: number }).seconds);
  assert.ok(times.every((t, i) => i === 0 || t > times[i - 1]!), 'the logged time runs on across the resume');
});

test('the task’s score is logged every evalEvery steps and leaves the training itself unchanged', () => {
  const run = (name: string, extra: Record<string, unknown>) => {
    const path = join(root, `${name}.json`);
    writeFileSync(path, JSON.stringify({
      task: 'hyperplane', criterion: 'gan', steps: 4, batch: 4, seed: 2, logEvery: 3, sampleEvery: 4, checkpointEvery: 4, ...extra,
    }));
    const result = discern('train', '--config', path, '--out', join(root, name));
    assert.equal(result.status, 0, result.stderr);
    return metricsWithoutTime(join(root, name));
  };
  const scored = run('scored', { evalEvery: 2 });
  assert.deepEqual(scored.map((m) => m.step), [2, 3, 4]);
  for (const m of [scored[0]!, scored[2]!]) {
    assert.ok(m.p_sum_25! >= 0 && m.p_sum_25! <= m.p_sum_within_1! && m.p_sum_within_1! <= 1, JSON.stringify(m));
    assert.ok(m.critic_sum_auc! >= 0 && m.critic_sum_auc! <= 1, JSON.stringify(m));
  }
  assert.equal(scored[1]!.p_sum_25, undefined, 'step 3 is a plain log line');

  const unscored = run('unscored', { evalEvery: 1000, checkpointEvery: 2 });
  assert.deepEqual(unscored.map((m) => m.step), [3, 4]);
  const losses = ({ critic_loss, generator_loss }: Record<string, number>) => ({ critic_loss, generator_loss });
  assert.deepEqual(unscored.map(losses), scored.slice(1).map(losses));
  const weights = (name: string) => loadCheckpoint(join(root, name, 'checkpoints', 'step-0000004.ckpt')).arrays;
  assert.deepEqual(weights('unscored'), weights('scored'), 'scoring changed the networks');

  // With a weight average (emaDecay) the training is the same; eval scores the average unless told otherwise.
  run('averaged', { evalEvery: 1000, emaDecay: 0.9 });
  const averagedWeights = weights('averaged');
  for (const [name, array] of weights('unscored')) assert.deepEqual(averagedWeights.get(name), array, name);
  assert.ok(averagedWeights.has('generatorAverage/0.weight'));
  const evaluate = (name: string, ...flags: string[]) => {
    const result = discern('eval', 'hyperplane', '--run', join(root, name), '--samples', '300', '--json', ...flags);
    assert.equal(result.status, 0, result.stderr);
    const { run: _, ...scores } = JSON.parse(result.stdout) as Record<string, unknown>;
    return scores;
  };
  assert.deepEqual(evaluate('averaged', '--trained-weights'), evaluate('unscored'));
  assert.equal(evaluate('averaged').generator, 'average');
  // --step picks an older checkpoint the run keeps, and names the kept ones when it has none there.
  assert.equal(evaluate('unscored').step, 4);
  assert.equal(evaluate('unscored', '--step', '2').step, 2);
  const missing = discern('eval', 'hyperplane', '--run', join(root, 'unscored'), '--step', '3');
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /keeps no checkpoint of step 3; it keeps steps 2, 4/);
  assert.doesNotMatch(missing.stderr, /\n\s+at /, 'a stack trace');
  const grid = (name: string) => readFileSync(join(root, name, 'samples', 'step-0000004.png'));
  assert.notDeepEqual(grid('averaged'), grid('unscored'), 'the sample grid is not drawn from the average');

  // Shuffled negatives (scored from the real digits' features) and a critic rate of its own: the same
  // generator updates get a different critic, so the losses differ from the plain run's.
  const negatives = run('negatives', { evalEvery: 1000, negativeData: 0.5, criticLearningRate: 1e-3 });
  assert.ok(negatives.every((m) => Number.isFinite(m.critic_loss) && Number.isFinite(m.generator_loss)), JSON.stringify(negatives));
  assert.notDeepEqual(negatives.map(losses), unscored.map(losses));

  const vae = run('scored-vae', { criterion: 'vae', evalEvery: 2 });
  assert.ok(vae[0]!.p_sum_25! >= 0 && !('critic_sum_auc' in vae[0]!), 'no critic, no AUC');
  // MMD trains no critic, so none is built and none scored (an untrained one's AUC would mean nothing).
  const mmd = run('scored-mmd', { criterion: 'mmd', evalEvery: 2 });
  assert.ok(mmd[0]!.p_sum_25! >= 0 && !('critic_sum_auc' in mmd[0]!), 'mmd: no critic, no AUC');

  // --rejection scores the samples the GAN's critic keeps, with the sampler's counts; a run whose
  // critic is not a logistic classifier is refused, naming its criterion.
  const plain = evaluate('unscored');
  assert.equal(plain.sampler, 'generator');
  assert.equal(plain.rejection, null);
  const corrected = evaluate('unscored', '--rejection');
  const { kept, proposals, acceptance, aboveBound } = corrected.rejection as Record<string, number>;
  assert.equal(corrected.sampler, 'rejection');
  assert.ok(kept! >= 300 && kept! <= proposals! && aboveBound! <= proposals!, JSON.stringify(corrected.rejection));
  assert.equal(acceptance, kept! / proposals!);
  assert.ok(acceptance! > 0 && acceptance! <= 1, `acceptance ${acceptance}`);
  assert.equal((corrected.rejection as Record<string, number>).temperature, 1);
  // A temperature: the same pilot (so the same bound M), recorded with the counts; 0 is refused by name.
  const sharpened = evaluate('unscored', '--rejection', '0.25').rejection as Record<string, number>;
  assert.equal(sharpened.temperature, 0.25);
  assert.equal(sharpened.bound, (corrected.rejection as Record<string, number>).bound);
  const frozen = discern('eval', 'hyperplane', '--run', join(root, 'unscored'), '--rejection', '0');
  assert.notEqual(frozen.status, 0);
  assert.match(frozen.stderr, /--rejection must be a positive number \(got '0'\)/);
  const refused = discern('eval', 'hyperplane', '--run', join(root, 'scored-vae'), '--rejection');
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /rejection sampling needs a critic whose logit estimates log p_data − log p_generator \(criteria gan, gan-minimax, gan-ml\); .* trained 'vae'/);
  assert.doesNotMatch(refused.stderr, /\n\s+at /, 'a stack trace');
});

test('two data-parallel workers: a run stopped and resumed ends bit-identical to a straight one, and differs from one worker', () => {
  // With a generator average: its state and update counter must also reach worker 1 and survive the resume.
  const parallel = { ...config, steps: 12, workers: 2, checkpointEvery: 6, sampleEvery: 100, emaDecay: 0.9 };
  const path = join(root, 'workers.json');
  writeFileSync(path, JSON.stringify(parallel));
  const straight = join(root, 'workers-straight');
  const resumed = join(root, 'workers-resumed');
  const alone = join(root, 'workers-alone');
  for (const [args, dir] of [[['--config', path], straight], [['--config', path, '--steps', '6'], resumed], [['--resume', '--steps', '12'], resumed]] as const) {
    const result = discern('train', ...args, '--out', dir);
    assert.equal(result.status, 0, result.stderr);
  }
  writeFileSync(join(root, 'alone.json'), JSON.stringify({ ...parallel, workers: 1 }));
  assert.equal(discern('train', '--config', join(root, 'alone.json'), '--out', alone).status, 0);
  const weights = (dir: string) => loadCheckpoint(join(dir, 'checkpoints', 'step-0000012.ckpt')).arrays;
  // Worker 1 must have taken worker 0's resumed state: otherwise the mean gradients would differ.
  assert.deepEqual(weights(resumed), weights(straight));
  assert.deepEqual(metricsWithoutTime(resumed), metricsWithoutTime(straight));
  assert.notDeepEqual(weights(straight).get('generator/0.weight'), weights(alone).get('generator/0.weight'));
  assert.ok(metricsWithoutTime(straight).every((m) => Number.isFinite(m.critic_loss) && Number.isFinite(m.generator_loss)));
});

test('divergence stops the run naming the step and criterion, keeping the last good checkpoint', () => {
  const dir = join(root, 'diverged');
  const path = join(root, 'diverge.json');
  // The maximum-likelihood cost −exp(a) overflows once the discriminator is confident enough.
  writeFileSync(path, JSON.stringify({ ...config, criterion: 'gan-ml', steps: 400, adam: { learningRate: 0.05 } }));
  const result = discern('train', '--config', path, '--out', dir);
  assert.equal(result.status, 1, result.stdout);
  assert.match(result.stderr, /discern: error: step \d+, criterion gan-ml: (generator_loss|critic_loss) = (-?Infinity|NaN); (the last good checkpoint is \S+|no checkpoint was written yet)/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});

test('bad configs and output folders: one line naming the problem', () => {
  const cases: Array<[string[], RegExp]> = [
    [['train', 'mnist', '--criterion', 'wgan', '--steps', '3', '--out', join(root, 'x')], /key 'criterion': "wgan" is not allowed; use one of gan, gan-minimax/],
    [['train', 'mnist', '--criterion', 'gan', '--out', join(root, 'y')], /key 'steps': a budget is required: give steps, seconds, or both/],
    [['train', '--config', join(root, 'missing.yaml')], /missing\.yaml: cannot be read \(ENOENT\)/],
    [['train', 'mnist', '--criterion', 'gan', '--steps', '2', '--out', join(configPath, 'sub')], /cannot create the run directory \(ENOTDIR\); choose a writable --out/],
  ];
  writeFileSync(join(root, 'bad.yaml'), 'task: mnist\ncriterion: gan\nsteps: 3\nstpes: 4\n');
  cases.push([['train', '--config', join(root, 'bad.yaml'), '--out', join(root, 'z')], /unknown key 'stpes'; allowed: task, criterion, steps/]);
  writeFileSync(join(root, 'nda.yaml'), 'task: mnist\ncriterion: gan\nsteps: 3\nnegativeData: 0.5\n');
  cases.push([['train', '--config', join(root, 'nda.yaml'), '--out', join(root, 'n')], /key 'negativeData': 0\.5: applies to adversarial criteria on task hyperplane/]);
  writeFileSync(join(root, 'split.yaml'), 'task: mnist\ncriterion: gan\nsteps: 3\nbatch: 10\nworkers: 4\n');
  cases.push([['train', '--config', join(root, 'split.yaml'), '--out', join(root, 's')], /key 'workers': 4: must divide batch \(10\) evenly/]);
  writeFileSync(join(root, 'lazy.yaml'), 'task: mnist\ncriterion: vae\nsteps: 3\npenaltyEvery: 4\n');
  writeFileSync(join(root, 'ttur.yaml'), 'task: mnist\ncriterion: mmd\nsteps: 3\ncriticLearningRate: 0.001\n');
  cases.push([['train', '--config', join(root, 'ttur.yaml'), '--out', join(root, 't')], /key 'criticLearningRate': 0\.001: applies to the critic \(adversarial criteria\), not mmd/]);
  cases.push([['train', '--config', join(root, 'lazy.yaml'), '--out', join(root, 'l')], /key 'penaltyEvery': 4: applies to the critic \(adversarial criteria\), not vae/]);
  writeFileSync(join(root, 'ema.yaml'), 'task: mnist\ncriterion: gan\nsteps: 3\nemaDecay: 1\n');
  cases.push([['train', '--config', join(root, 'ema.yaml'), '--out', join(root, 'e')], /key 'emaDecay': 1: /]);
  writeFileSync(join(root, 'schedule.yaml'), 'task: mnist\ncriterion: gan\nsteps: 3\npenaltyWeight: { from: 5, to: 1 }\n');
  cases.push([['train', '--config', join(root, 'schedule.yaml'), '--out', join(root, 'w')], /key 'penaltyWeight': \{"from":5,"to":1\}: must be a number ≥ 0, \{ from, to, steps \}/]);
  writeFileSync(join(root, 'points.yaml'), 'task: mnist\ncriterion: gan\nsteps: 3\npenaltyWeight: [[0, 5], [6000, 1], [6000, 0.5]]\n');
  cases.push([['train', '--config', join(root, 'points.yaml'), '--out', join(root, 'p')], /key 'penaltyWeight': \[\[0,5\],\[6000,1\],\[6000,0\.5\]\]: the points' updates must increase/]);
  writeFileSync(join(root, 'point.yaml'), 'task: mnist\ncriterion: gan\nsteps: 3\nadam: { learningRate: [[0, 0.001]] }\n');
  cases.push([['train', '--config', join(root, 'point.yaml'), '--out', join(root, 'p1')], /key 'adam\.learningRate': \[\[0,0\.001\]\]: needs at least two \[update, value\] points/]);
  writeFileSync(join(root, 'schedule2.yaml'), 'task: mnist\ncriterion: gan\nsteps: 3\npenaltyWeight: { from: 5, to: 1, steps: 9, over: 2 }\n');
  cases.push([['train', '--config', join(root, 'schedule2.yaml'), '--out', join(root, 'w2')], /unknown key 'penaltyWeight\.over'; allowed: from, to, steps/]);
  writeFileSync(join(root, 'lr.yaml'), 'task: mnist\ncriterion: gan\nsteps: 3\nadam: { learningRate: { from: 0.001, to: 0, steps: 10 } }\n');
  cases.push([['train', '--config', join(root, 'lr.yaml'), '--out', join(root, 'lr')], /key 'adam\.learningRate\.to': 0: .*>0/]);
  writeFileSync(join(root, 'lr2.yaml'), 'task: mnist\ncriterion: gan\nsteps: 3\nadam: { learningRate: { from: 0.001, to: 0.002, steps: 10, over: 2 } }\n');
  cases.push([['train', '--config', join(root, 'lr2.yaml'), '--out', join(root, 'lr2')], /unknown key 'adam\.learningRate\.over'; allowed: from, to, steps/]);
  writeFileSync(join(root, 'broken.yaml'), 'task: [mnist\n');
  cases.push([['train', '--config', join(root, 'broken.yaml')], /broken\.yaml: not valid YAML/]);
  for (const [args, pattern] of cases) {
    const result = discern(...args);
    assert.equal(result.status, 1, args.join(' '));
    assert.match(result.stderr, pattern);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'stack trace printed');
  }
});

test('the recipes shipped in configs/ are valid run configs', () => {
  const dir = join(import.meta.dirname, '..', 'configs');
  const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));
  assert.ok(files.length > 0, 'configs/ holds no recipe');
  // A recipe the schema has outgrown fails here with the key it names, not in a user's hour.
  for (const file of files) parseRunConfig(readConfigFile(join(dir, file)), `configs/${file}`);
});

test('fuzzed configs are either valid or rejected with a ConfigError naming a key', () => {
  const valid: Record<string, unknown> = { task: 'hyperplane', criterion: 'wgan-gp', steps: 10, batch: 8, adam: { learningRate: 1e-4 } };
  const keys = ['task', 'criterion', 'steps', 'batch', 'seed', 'criticSteps', 'adam', 'mmdBandwidths', 'vaeSigma', 'negativeData', 'penaltyEvery', 'emaDecay', 'workers', 'logEvery', 'resolution', 'images', 'bogus'];
  const values: unknown[] = [null, -1, 0, 1.5, 3, 'gan', '', [], [1, -2], {}, { learningRate: -1 }, { beta1: 2 }, true, 1e308, NaN];
  const rng = new Rng('fuzz');
  for (let i = 0; i < 500; i++) {
    const candidate: Record<string, unknown> = structuredClone(valid);
    for (let m = 0; m <= rng.int(3); m++) {
      const key = keys[rng.int(keys.length)]!;
      if (rng.uniform() < 0.2) delete candidate[key];
      else candidate[key] = values[rng.int(values.length)];
    }
    try {
      parseRunConfig(candidate, 'fuzz.yaml');
    } catch (error) {
      assert.ok(error instanceof ConfigError, `${JSON.stringify(candidate)} threw ${String(error)}`);
      assert.match(error.message, /^fuzz\.yaml: (key '|unknown key)/, error.message);
    }
  }
});
