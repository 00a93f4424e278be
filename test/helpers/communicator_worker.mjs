/**
 * Worker side of test/replicas.test.ts: worker `rank` of a Communicator. 'reduce' all-reduces
 * tensors filled with rank-dependent values three times and posts what it got back; 'fail'
 * reports a failure the way src/train/replica_worker.ts does.
 */
import { workerData, parentPort } from 'node:worker_threads';
// A worker thread does not get tsx's loader, so this helper runs the built package (npm test builds first).
import { initEngine, tf } from '../../dist/engine/index.js';
import { Communicator } from '../../dist/train/replicas.js';

const { buffers, rank, workers, capacity, mode } = workerData;
const communicator = new Communicator(buffers, rank, workers, capacity);
await initEngine('cpu');
if (mode === 'fail') {
  communicator.fail(`worker ${rank}: out of patience`);
} else {
  const results = [];
  for (let round = 0; round < 3; round++) {
    const inputs = [tf.fill([2, 3], rank + round), tf.tensor1d([rank * 10, -rank, 0.5])];
    results.push(communicator.reduce(inputs).map((t) => [...t.dataSync()]));
  }
  parentPort.postMessage(results);
}
