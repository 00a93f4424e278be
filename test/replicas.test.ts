/** Data-parallel workers' shared memory (src/train/replicas.ts): the all-reduce and failures. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { initEngine, tf } from '../src/engine/index.js';
import { Communicator, WorkerFailedError } from '../src/train/replicas.js';

before(async () => {
  await initEngine('cpu');
});

const helper = join(import.meta.dirname, 'helpers', 'communicator_worker.mjs');
const spawnWorker = (communicator: Communicator, rank: number, mode: string) =>
  new Worker(helper, { workerData: { buffers: communicator.buffers, rank, workers: communicator.workers, capacity: communicator.capacity, mode } });

test('the all-reduce gives every worker the exact mean, round after round (the phases alternate)', async () => {
  const workers = 3;
  const communicator = Communicator.create(workers, 16, 0);
  const others = [1, 2].map((rank) => spawnWorker(communicator, rank, 'reduce'));
  const received = others.map((w) => new Promise<number[][][]>((resolve, reject) => { w.on('message', resolve); w.on('error', reject); }));
  const mine: number[][][] = [];
  for (let round = 0; round < 3; round++) {
    const inputs = [tf.fill([2, 3], round), tf.tensor1d([0, 0, 0.5])];
    const means = communicator.reduce(inputs);
    assert.deepEqual(means.map((t) => t.shape), [[2, 3], [3]]);
    mine.push(means.map((t) => [...t.dataSync()]));
  }
  // Ranks 0, 1, 2 sent rank + round and [10·rank, −rank, 0.5]: means round + 1 and [10, −1, 0.5].
  assert.deepEqual(mine, [0, 1, 2].map((round) => [Array(6).fill(round + 1), [10, -1, 0.5]]));
  for (const theirs of await Promise.all(received)) assert.deepEqual(theirs, mine);
  await Promise.all(others.map((w) => w.terminate()));
});

test('an all-reduce larger than the buffer is refused before anything is written', () => {
  const communicator = Communicator.create(2, 4, 0);
  assert.throws(() => communicator.reduce([tf.zeros([5])]), /all-reduce of 5 floats exceeds the buffer's 4/);
});

test('a failed worker stops worker 0 with its message instead of leaving it waiting', async () => {
  const communicator = Communicator.create(2, 4, 0);
  const worker = spawnWorker(communicator, 1, 'fail');
  await new Promise((resolve) => worker.on('exit', resolve));
  assert.throws(() => communicator.reduce([tf.zeros([2])]), (error: Error) =>
    error instanceof WorkerFailedError && /a training worker failed: worker 1: out of patience/.test(error.message));
});
