/** The `discern` command as a user runs it (from the build in dist/). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { ENABLE_NATIVE, loadNativeAddon } from '../src/engine/kernels/native.js';

const main = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const discern = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });

test('the build exists (npm test builds first)', () => {
  assert.ok(existsSync(main), `${main} missing: run npm run build`);
});

test('doctor --json reports the fastest tier: native when the addon is built, else wasm with SIMD', () => {
  const run = discern('doctor', '--json');
  assert.equal(run.status, 0, run.stderr);
  const info = JSON.parse(run.stdout);
  const native = 'addon' in loadNativeAddon();
  assert.equal(info.tier, native ? 'native' : 'wasm');
  assert.equal(info.simd, true);
  assert.ok(info.threads >= 1);
  assert.ok(info.overriddenKernels.includes('Conv2DBackpropFilter'));
  if (native) assert.match(info.nativeLibrary, /^oneDNN \d+\.\d+/);
  else assert.ok(info.notes.some((n: string) => n.includes(ENABLE_NATIVE)), 'doctor must say how to enable the native tier');
});

test('doctor --tier wasm runs the portable tier even when native is available', () => {
  const run = discern('doctor', '--json', '--tier', 'wasm');
  assert.equal(run.status, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).tier, 'wasm');
});

test('bad arguments give one clear line and exit 1, no stack trace', () => {
  for (const [args, expected] of [
    [['demo', '--seconds', '-3'], /--seconds must be a positive number \(got '-3'\)/],
    [['demo', '--seed', 'x'], /--seed must be an integer/],
    [['train', 'hyperplane', '--criterion', 'gan', '--steps', '0'], /key 'steps': 0: Too small/],
    [['doctor', '--tier', 'gpu'], /unknown tier 'gpu': use auto, tfjs-node, native, wasm, cpu/],
    [['nonsense'], /unknown command 'nonsense'/],
  ] as const) {
    const run = discern(...args);
    assert.equal(run.status, 1, `${args.join(' ')}: exit ${run.status}`);
    assert.match(run.stderr, expected);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'stack trace printed');
  }
});

test('demo: theory lab, three short trainings with sample grids, hyperplane evaluations, and the report', () => {
  const out = mkdtempSync(join(tmpdir(), 'discern-demo-'));
  try {
    const run = discern('demo', '--quick', '--seconds', '2', '--out', out, '--seed', '3');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`open ${join(out, 'report.html')}`));
    assert.ok(JSON.parse(readFileSync(join(out, 'theory', 'theory.json'), 'utf8')).sections.length >= 7);
    for (const name of ['mnist-gan', 'hyperplane-wgan-gp', 'hyperplane-gan']) {
      const summary = JSON.parse(readFileSync(join(out, name, 'summary.json'), 'utf8'));
      assert.ok(summary.steps >= 1 && Object.values(summary.final).every(Number.isFinite), name);
      const metrics = readFileSync(join(out, name, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(metrics[metrics.length - 1].step, summary.steps, `${name}: the last step is logged`);
      const grid = PNG.sync.read(readFileSync(join(out, name, 'samples', `step-${String(summary.steps).padStart(7, '0')}.png`)));
      assert.ok(grid.width > 100 && grid.height > 100, name);
    }
    const scores = JSON.parse(readFileSync(join(out, 'hyperplane-gan', 'eval-hyperplane.json'), 'utf8'));
    assert.equal(scores.samples, 200);
    assert.ok(scores.pSum25 >= 0 && scores.pSum25 <= 1);
    assert.ok(scores.criticSumAuc >= 0 && scores.criticSumAuc <= 1, `criticSumAuc ${scores.criticSumAuc}`);
    // Run again into the same folder: the demo clears its own output, and refuses a folder it did not make.
    assert.equal(discern('demo', '--quick', '--seconds', '1', '--out', out).status, 0);
    const foreign = mkdtempSync(join(tmpdir(), 'discern-foreign-'));
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    const refused = discern('demo', '--quick', '--seconds', '1', '--out', foreign);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /is not empty and was not made by discern demo; choose another --out/);
    assert.equal(readFileSync(join(foreign, 'notes.txt'), 'utf8'), 'mine');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('data hyperplane --stats --json: the task\'s combination counts and computed baselines', () => {
  const run = discern('data', 'hyperplane', '--stats', '--json');
  assert.equal(run.status, 0, run.stderr);
  const stats = JSON.parse(run.stdout);
  assert.equal(stats.combinations, 5631);
  assert.equal(stats.train_combinations, 4504);
  assert.equal(stats.heldout_combinations, 1127);
  assert.equal(stats.baseline_uniform_p_sum_25, 0.05631);
  assert.ok(Math.abs(stats.baseline_marginal_p_sum_25 - 0.0636) < 5e-5);
});
