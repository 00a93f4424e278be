/**
 * Sweeps: grid expansion and validation (no Redis); the local pool (the embedded default); and the
 * queue, end to end: a real redis-server on loopback, two worker processes, one killed with
 * SIGKILL mid-trial. Every trial completes exactly once, the killed one resumed from its
 * checkpoint by the other worker and bit-identical to an uninterrupted run, and a trial that
 * keeps failing is marked failed with its error after its attempts.
 *
 * The commands run as `discern` itself (dist/cli/main.js, built by npm test).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '../src/train/checkpoint.js';
import { ConfigError } from '../src/train/config.js';
import { jobViews, openQueue } from '../src/sweep/queue.js';
import { expandSweep, readSweepFile, type Trial } from '../src/sweep/spec.js';
import { SweepDirectory } from '../src/sweep/sweep_dir.js';
import { meanInterval, tQuantile975 } from '../src/sweep/stats.js';
import { buildReport } from '../src/report/html.js';

const repo = join(import.meta.dirname, '..');
const entry = join(repo, 'dist', 'cli', 'main.js');
const root = mkdtempSync(join(tmpdir(), 'discern-sweep-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A sweep command as a separate process; the promise settles when it exits. */
function start(args: string[]): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [entry, ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr!.on('data', (d) => { output += d; });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

function sweepCommand(...args: string[]) {
  const run = spawnSync(process.execPath, [entry, ...args], { cwd: repo, encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr, stdout: run.stdout };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const finalWeights = (runPath: string, steps: number) =>
  loadCheckpoint(join(runPath, 'checkpoints', `step-${String(steps).padStart(7, '0')}.ckpt`)).arrays;

/** Tiny trials: a few steps of a GAN on MNIST, a checkpoint every 2 steps. */
const STEPS = 12;
const base = { task: 'mnist', criterion: 'gan', steps: STEPS, batch: 8, logEvery: 1, sampleEvery: 100, checkpointEvery: 2 };

function writeSweep(name: string, grid: Record<string, unknown[]>, extra: Record<string, unknown> = {}): string {
  const path = join(root, `${name}.json`);
  writeFileSync(path, JSON.stringify({ name, base: { ...base, ...extra }, grid }));
  return path;
}

test('a grid expands into validated trials: criterion × seed × hyperparameters × task, with ids from the config', () => {
  const input = {
    base: { steps: 10, adam: { beta1: 0.5 } },
    grid: { task: ['mnist', 'hyperplane'], criterion: ['gan', 'wgan-gp'], seed: [0, 1, 2], 'adam.learningRate': [0.001, 0.0002] },
    evaluation: { samples: 500 },
  };
  const sweep = expandSweep(input, 'grid.yaml');
  assert.equal(sweep.name, 'grid');
  assert.deepEqual(sweep.gridKeys, ['task', 'criterion', 'seed', 'adam.learningRate']);
  assert.equal(sweep.trials.length, 2 * 2 * 3 * 2);
  const first = sweep.trials[0]!;
  assert.deepEqual(first.config.adam, { beta1: 0.5, learningRate: 0.001 });
  assert.equal(first.config.batch, 64, 'defaults are filled in by parseRunConfig');
  assert.match(first.id, /^[0-9a-f]{12}$/);
  assert.equal(first.name, `mnist-gan-seed0-${first.id}`);
  assert.equal(new Set(sweep.trials.map((t) => t.id)).size, sweep.trials.length, 'ids are unique');
  assert.deepEqual(new Set(sweep.trials.map((t) => t.evaluationSamples)), new Set([null, 500]));

  // Ids depend on the trial, not on the file: reordered keys and another sweep name give the same ids.
  const reordered = expandSweep({ name: 'other', evaluation: { samples: 500 }, grid: { 'adam.learningRate': [0.0002, 0.001], seed: [2, 1, 0], criterion: ['wgan-gp', 'gan'], task: ['hyperplane', 'mnist'] }, base: { adam: { beta1: 0.5 }, steps: 10 } }, 'x.json');
  assert.deepEqual(new Set(reordered.trials.map((t) => t.id)), new Set(sweep.trials.map((t) => t.id)));
  // A default made explicit is the same trial; another value is not.
  const idOf = (input: unknown) => expandSweep(input, 'a.json').trials[0]!.id;
  const implicit = idOf({ base: { task: 'mnist', criterion: 'gan', steps: 10 }, grid: { seed: [1] } });
  assert.equal(idOf({ base: { task: 'mnist', steps: 10, batch: 64 }, grid: { criterion: ['gan'], seed: [1] } }), implicit);
  assert.notEqual(idOf({ base: { task: 'mnist', criterion: 'gan', steps: 10, batch: 32 }, grid: { seed: [1] } }), implicit);
});

test('sweep files are validated: each error names the file, the key and what is allowed', () => {
  const { criterion: _, ...anyCriterion } = base;
  const cases: Array<[unknown, RegExp]> = [
    [{ grids: {} }, /s\.yaml: .*unknown key 'grids'; allowed: name, base, grid, evaluation/],
    [{ base, grid: { lr: [0.1] } }, /s\.yaml: grid key 'lr' is not a run config key; allowed: task, criterion, .*adam\.learningRate/],
    [{ base: { ...base, learning_rate: 1 }, grid: { seed: [1] } }, /base key 'learning_rate' is not a run config key/],
    [{ base, grid: { seed: [] } }, /key 'grid\.seed': list at least one value/],
    [{ base, grid: { seed: 3 } }, /key 'grid\.seed': a list of values, e.g. \[0, 1, 2\]/],
    [{ base: anyCriterion, grid: { criterion: ['gan', 'ganx'] } }, /s\.yaml \(grid point criterion="ganx"\): key 'criterion': "ganx" is not allowed; use one of gan, gan-minimax/],
    [{ base: { task: 'mnist', criterion: 'gan' }, grid: { seed: [1] } }, /s\.yaml: key 'steps' is required \(in base or grid\): a sweep's trials train a fixed number of steps/],
    [{ base, grid: { penaltyWeight: [1, -1] } }, /grid point penaltyWeight=-1\): key 'penaltyWeight': -1/],
    [{ base, grid: { seconds: [10] } }, /key 'seconds' is not allowed in a sweep/],
    [{ base, grid: { criterion: ['gan'] } }, /key 'criterion' set in both base and grid/],
    [{ base, grid: { seed: [1, 1] } }, /grid points seed=1 and seed=1 describe the same trial/],
    [{ name: 'a b', base, grid: { seed: [1] } }, /key 'name': use letters, digits, dots, dashes and underscores/],
  ];
  for (const [input, expected] of cases) {
    assert.throws(() => expandSweep(input, 's.yaml'), (error: Error) => {
      assert.ok(error instanceof ConfigError, `${JSON.stringify(input)}: ${error}`);
      assert.match(error.message, expected);
      return true;
    });
  }
  assert.throws(() => readSweepFile(join(root, 'missing.yaml')), /missing\.yaml: cannot be read \(ENOENT\)/);
  const bad = sweepCommand('sweep', join(root, 'missing.yaml'));
  assert.equal(bad.status, 1);
  assert.match(bad.output, /discern: error: .*missing\.yaml: cannot be read/);
  assert.doesNotMatch(bad.output, /\n\s+at /, 'no stack trace');
});

test('means and 95% intervals over seeds use Student t', () => {
  assert.equal(tQuantile975(1), 12.706);
  assert.ok(Math.abs(tQuantile975(40) - 2.0211) < 1e-3);
  assert.ok(Math.abs(tQuantile975(1000) - 1.9623) < 1e-3);
  const { n, mean, halfWidth } = meanInterval([1, 2, 3]);
  assert.deepEqual([n, mean], [3, 2]);
  assert.ok(Math.abs(halfWidth! - 4.303 * 1 / Math.sqrt(3)) < 1e-9);
  assert.equal(meanInterval([5]).halfWidth, null);
});

const artifactsLocal = join(root, 'local');
let reference: Trial;

test('the local pool runs trials in child processes, skips done ones on a re-run, and marks a diverging trial failed at once', () => {
  const file = writeSweep('here', { seed: [1] });
  [reference] = readSweepFile(file).trials as [Trial];
  const first = sweepCommand('sweep', file, '--artifacts', artifactsLocal);
  assert.equal(first.status, 0, first.output);
  assert.match(first.output, new RegExp(`done ${reference.name}: step ${STEPS}, critic_loss`));
  const dir = SweepDirectory.inArtifacts(artifactsLocal, 'here');
  assert.equal(dir.result(reference)?.summary.steps, STEPS);

  const again = sweepCommand('sweep', file, '--artifacts', artifactsLocal);
  assert.equal(again.status, 0, again.output);
  assert.doesNotMatch(again.output, /start /, 'a done trial is not run again');
  assert.match(again.output, /1 done, 0 failed, 0 not finished/);

  const diverging = writeSweep('diverges', { seed: [1] }, { adam: { learningRate: 1e30 } });
  const failed = sweepCommand('sweep', diverging, '--artifacts', artifactsLocal);
  assert.equal(failed.status, 1, failed.output);
  assert.match(failed.output, /attempt 1 of mnist-gan-seed1-\w+ failed: TrainingDivergedError: step \d+, criterion gan/);
  assert.doesNotMatch(failed.output, /attempt 2/, 'an error the config determines is not retried');
  const status = sweepCommand('sweep', 'status', join(artifactsLocal, 'diverges'));
  assert.equal(status.status, 0, status.output);
  assert.match(status.stdout, /sweep diverges: 1 trial \(local pool\): 0 queued, 0 running, 0 done, 1 failed/);
  assert.match(status.stdout, /failed {2}mnist-gan-seed1-\w+ {2}after 1 attempt\(s\): TrainingDivergedError/);
});

/** A free loopback port (bound, then released for redis-server). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const redisMissing = spawnSync('redis-server', ['--version']).error !== undefined;
if (redisMissing && process.env.CI === 'true') {
  throw new Error('redis-server is not installed: .ci/run must install the Debian package redis-server (apt-get install -y redis-server)');
}

test('queue: two workers, one killed mid-trial; every trial completes exactly once, the killed one resumed and identical', {
  skip: redisMissing ? 'redis-server not installed: apt-get install -y redis-server' : false,
}, async () => {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const redisDir = join(root, 'redis');
  mkdirSync(redisDir);
  const redis = spawn('redis-server', ['--save', '', '--appendonly', 'no', '--port', String(port), '--bind', '127.0.0.1', '--dir', redisDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let redisLog = '';
  redis.stdout!.on('data', (d) => { redisLog += d; });
  const processes: ChildProcess[] = [redis];
  try {
    await waitFor(() => redisLog.includes('Ready to accept connections'), 'redis-server');
    const artifacts = join(root, 'shared');
    const file = writeSweep('queued', { seed: [1, 2, 3] });
    const trials = readSweepFile(file).trials;
    const [killedTrial, , blocked] = trials as [Trial, Trial, Trial];
    assert.equal(killedTrial.id, reference.id, 'the first trial is the local pool’s, which serves as the uninterrupted reference');
    const dir = SweepDirectory.inArtifacts(artifacts, 'queued');
    // A file where a run directory belongs: every attempt of that trial fails.
    mkdirSync(join(dir.path, 'trials'), { recursive: true });
    writeFileSync(dir.runPath(blocked), 'not a directory');

    const workers = [1, 2].map(() => start(['worker', '--queue', url, '--artifacts', artifacts, '--lock-seconds', '2']));
    processes.push(...workers.map((w) => w.child));
    const sweep = start(['sweep', file, '--queue', url, '--artifacts', artifacts, '--attempts', '2']);
    processes.push(sweep.child);

    // Kill the worker that runs the first trial once that trial has a checkpoint.
    let victim = -1;
    await waitFor(() => (victim = workers.findIndex((w) => w.output().includes(`start ${killedTrial.name}`))) >= 0, 'a worker to start the first trial');
    await waitFor(() => existsSync(join(dir.runPath(killedTrial), 'checkpoints', 'step-0000002.ckpt')), 'its first checkpoint');
    workers[victim]!.child.kill('SIGKILL');
    await workers[victim]!.exit;
    assert.ok(!dir.result(killedTrial), 'the kill came too late to test anything');
    const survivor = workers[1 - victim]!;

    assert.equal(await sweep.exit, 1, sweep.output());
    assert.match(sweep.output(), new RegExp(`failed ${blocked.name}: .*EEXIST`));

    // Exactly once: each good trial finished by one worker, once; the killed trial's second start resumed it.
    for (const trial of trials.slice(0, 2)) {
      const finishes = workers.map((w) => w.output().split('\n').filter((l) => l === `done ${trial.name}`).length);
      assert.equal(finishes.reduce((a, b) => a + b), 1, `${trial.name} finished ${finishes} times:\n${survivor.output()}`);
      assert.equal(sweep.output().split('\n').filter((l) => l.startsWith(`done ${trial.name}: step ${STEPS}`)).length, 1);
    }
    assert.match(survivor.output(), new RegExp(`\\[${killedTrial.name}\\] resuming from step \\d+`));
    const resumed = dir.result(killedTrial)!;
    assert.ok(resumed.summary.startedAt > 0, 'the retry resumed from a checkpoint');
    const queue = await openQueue(url);
    try {
      const views = await jobViews(queue, 'queued', trials);
      assert.deepEqual(trials.map((t) => [views.get(t.id)!.state, views.get(t.id)!.attemptsStarted]), [['done', 2], ['done', 1], ['failed', 2]]);
      assert.match(views.get(blocked.id)!.error!, /EEXIST: file already exists, mkdir/);
      assert.deepEqual(views.get(killedTrial.id)!.result, resumed, 'the result came back through the queue');
    } finally {
      await queue.close();
    }

    // Correct: bit-identical to the uninterrupted run, and each step logged once.
    const uninterrupted = SweepDirectory.inArtifacts(artifactsLocal, 'here').result(reference)!;
    assert.deepEqual(resumed.summary.final, uninterrupted.summary.final);
    const expected = finalWeights(SweepDirectory.inArtifacts(artifactsLocal, 'here').runPath(reference), STEPS);
    for (const [name, { values }] of finalWeights(dir.runPath(killedTrial), STEPS)) assert.deepEqual(values, expected.get(name)!.values, name);
    const steps = readFileSync(join(dir.runPath(killedTrial), 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step);
    assert.deepEqual(steps, Array.from({ length: STEPS }, (_, i) => i + 1));

    // The report: one row for the setting (mnist, gan), mean ± 95% interval over its two finished seeds.
    const losses = trials.slice(0, 2).map((t) => dir.result(t)!.summary.final.critic_loss!);
    const mean = (losses[0]! + losses[1]!) / 2;
    const halfWidth = 12.706 * Math.abs(losses[0]! - losses[1]!) / 2;
    const html = await buildReport([dir.path]);
    assert.ok(html.includes(`<td>mnist</td><td>gan</td><td>2 / 3</td><td>${mean.toPrecision(3)} ± ${halfWidth.toPrecision(3)}</td>`), html);

    const status = sweepCommand('sweep', 'status', dir.path);
    assert.equal(status.status, 0, status.output);
    assert.match(status.stdout, new RegExp(`sweep queued: 3 trials \\(queue ${url}\\): 0 queued, 0 running, 2 done, 1 failed`));
    assert.match(status.stdout, new RegExp(`failed {2}${blocked.name} {2}after 2 attempt\\(s\\): .*EEXIST`));

    survivor.child.kill('SIGTERM');
    assert.equal(await survivor.exit, 0, survivor.output());

    // A re-run queues nothing that is done; the failed trial gets fresh attempts.
    const rerun = sweepCommand('sweep', file, '--queue', url, '--artifacts', artifacts, '--no-wait');
    assert.equal(rerun.status, 0, rerun.output);
    assert.match(rerun.output, /queued 0 new and 1 again \(failed, or result gone\); 0 already queued, 2 already done/);
  } finally {
    for (const p of processes) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }
});
