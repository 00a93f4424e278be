/** Checkpoint files: exact round trips, every kind of damage detected and named, and which ones a run keeps. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine, Rng } from '../src/engine/index.js';
import { dcganGenerator } from '../src/models/gan.js';
import { CheckpointError, loadCheckpoint, saveCheckpoint, type Checkpoint } from '../src/train/checkpoint.js';
import { MILESTONE_STEPS, RunDirectory, RunDirectoryError } from '../src/train/run_dir.js';

before(async () => {
  await initEngine();
});

const dir = mkdtempSync(join(tmpdir(), 'discern-ckpt-'));

function sample(): Checkpoint {
  const rng = new Rng('ckpt');
  return {
    arrays: new Map([
      ['a', { shape: [2, 3], values: rng.normals(6) }],
      ['b.weight', { shape: [5], values: new Float32Array([NaN, -0, Infinity, 1e-38, 3.5]) }],
      ['empty', { shape: [0, 4], values: new Float32Array(0) }],
    ]),
    meta: { step: 12, criterion: 'wgan-gp' },
  };
}

test('round trip is bit-exact, metadata included, and leaves no temporary file', () => {
  const path = join(dir, 'round.ckpt');
  saveCheckpoint(path, sample());
  const loaded = loadCheckpoint(path);
  assert.deepEqual(loaded.meta, sample().meta);
  for (const [name, { shape, values }] of sample().arrays) {
    const got = loaded.arrays.get(name)!;
    assert.deepEqual(got.shape, shape);
    assert.deepEqual(new Uint8Array(got.values.buffer, got.values.byteOffset, got.values.byteLength),
      new Uint8Array(values.buffer, values.byteOffset, values.byteLength), name);
  }
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
});

test('truncation, corruption, appended bytes, a wrong magic and a missing file are named errors', () => {
  const path = join(dir, 'good.ckpt');
  saveCheckpoint(path, sample());
  const good = readFileSync(path);
  const cases: Array<[string, Buffer, RegExp]> = [
    ['truncated.ckpt', good.subarray(0, good.length - 7), /payload is \d+ bytes, the header says \d+/],
    ['header-cut.ckpt', good.subarray(0, 30), /truncated inside the header/],
    ['flipped.ckpt', Buffer.from(good.map((b, i) => (i === good.length - 3 ? b ^ 0x10 : b))), /checksum mismatch/],
    ['appended.ckpt', Buffer.concat([good, Buffer.from([1, 2, 3, 4])]), /truncated or appended/],
    ['magic.ckpt', Buffer.concat([Buffer.from('PK'), good.subarray(2)]), /bad magic/],
  ];
  for (const [file, bytes, pattern] of cases) {
    const target = join(dir, file);
    writeFileSync(target, bytes);
    assert.throws(() => loadCheckpoint(target), (e: unknown) =>
      e instanceof CheckpointError && e.message.startsWith(target) && pattern.test(e.message), file);
  }
  assert.throws(() => loadCheckpoint(join(dir, 'absent.ckpt')), /absent\.ckpt: no such checkpoint/);
});

test('a network restores its parameters and running statistics; mismatches are named', () => {
  const source = dcganGenerator(new Rng(1));
  const arrays = new Map([...source.state()].map(([n, v]) => [n, { shape: v.shape, values: v.dataSync() as Float32Array }]));
  assert.ok(arrays.has('2.runningMean'), 'batch-norm statistics are part of the state');
  const target = dcganGenerator(new Rng(2));
  target.loadState(arrays, 'saved.ckpt');
  for (const [name, v] of target.state()) assert.deepEqual(v.dataSync(), arrays.get(name)!.values, name);
  const wrongShape = new Map(arrays);
  wrongShape.set('0.weight', { shape: [3], values: new Float32Array(3) });
  assert.throws(() => target.loadState(wrongShape, 'saved.ckpt'), /saved\.ckpt: '0\.weight' has shape \[3\], the network expects \[100,6272\]/);
  const extra = new Map(arrays);
  extra.set('9.bias', { shape: [1], values: new Float32Array(1) });
  assert.throws(() => target.loadState(extra, 'saved.ckpt'), /holds '9\.bias', which this network does not have/);
});

test('a run directory keeps its newest three checkpoints and the first past every 5,000 steps', () => {
  const keptAfter = (name: string, every: number, last: number) => {
    const run = new RunDirectory(join(dir, name));
    run.acquire();
    for (let step = every; step <= last; step += every) run.saveCheckpoint(step, { arrays: new Map(), meta: { step } });
    run.release();
    return run;
  };
  assert.equal(MILESTONE_STEPS, 5_000);
  assert.deepEqual(keptAfter('every-200', 200, 12_000).checkpointSteps(), [5_000, 10_000, 11_600, 11_800, 12_000]);
  const run = keptAfter('every-300', 300, 12_000);
  assert.deepEqual(run.checkpointSteps(), [5_100, 10_200, 11_400, 11_700, 12_000]);
  assert.equal(run.checkpointAt(5_100).checkpoint.meta.step, 5_100);
  assert.throws(() => run.checkpointAt(5_000), (e: unknown) => e instanceof RunDirectoryError &&
    /keeps no checkpoint of step 5000; it keeps steps 5100, 10200, 11400, 11700, 12000$/.test(e.message));
});
