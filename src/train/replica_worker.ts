/**
 * Entry of workers 1…n−1 of a data-parallel run (src/train/replicas.ts): the same networks from
 * the same config, worker 0's state, then its share of every step that worker 0 announces.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initEngine, shareCores } from '../engine/index.js';
import { Communicator, workerStep, type WorkerData } from './replicas.js';
import { buildRun } from './trainer.js';

const { config, tier, rank, capacity, buffers } = workerData as WorkerData;
const communicator = new Communicator(buffers, rank, config.workers, capacity);
try {
  await initEngine(tier);
  shareCores(config.workers);
  const { task, objective, rng } = buildRun(config, communicator.reduce);
  parentPort!.postMessage('ready');
  communicator.shareState(objective);
  for (let step = communicator.nextStep(); step !== null; step = communicator.nextStep()) {
    workerStep(objective, task, config, rng, step, rank);
  }
} catch (error) {
  communicator.fail(`worker ${rank}: ${(error as Error).message ?? String(error)}`);
  throw error;
}
