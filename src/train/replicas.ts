/**
 * Data-parallel training on worker threads (config `workers`): every worker holds an identical
 * replica of the networks and optimizers, computes the gradient of its own batch / workers
 * examples, and every update applies the mean gradient over the workers (an all-reduce through
 * shared memory), so the replicas stay identical. Worker 0 is the trainer's own thread; it alone
 * logs, samples, scores and checkpoints. On a machine whose cores scale poorly inside one kernel
 * (ENGINE-NOTES: 2 OpenMP threads ran slower than 1 on this VM) this is how one run uses them all.
 *
 * A step's randomness is Rng(seed).fork(`step/k`).fork(`worker/r`) on worker r, so a run is a
 * function of its config, `workers` included, and resumes exactly. Losses are means over workers.
 * Batch norm normalizes each worker's share separately ("ghost" batches of batch / workers; the
 * running statistics kept are worker 0's), and MMD and Sinkhorn compare batches of that size.
 */
import { Worker } from 'node:worker_threads';
import { tf, type Rng, type Tier } from '../engine/index.js';
import type { Task } from '../tasks/index.js';
import type { RunConfig } from './config.js';
import type { Networks, Objective, Reduce } from './objectives.js';

/** What one worker does at step k: its share of the batch, its own stream of randomness. */
export function workerStep(
  objective: Objective, task: Task, config: RunConfig, rng: Rng, step: number, rank: number,
): Record<string, number> {
  const stepRng = rng.fork(`step/${step}`);
  const ownRng = config.workers > 1 ? stepRng.fork(`worker/${rank}`) : stepRng;
  const dataRng = ownRng.fork('data');
  return objective.step(() => task.batch(config.batch / config.workers, dataRng), ownRng);
}

/** Floats in one all-reduce at most: every trainable variable plus one loss. */
export function reduceCapacity(networks: Networks): number {
  const variables = [networks.generator, networks.critic, networks.encoder].flatMap((n) => n?.variables ?? []);
  return variables.reduce((total, v) => total + v.size, 1);
}

const STOP = -1;
const MAX_COUNTERS = 8;
// Int32 control words.
const ARRIVED = 0; // barrier arrivals, ever increasing
const FAILED = 1; // 1 once a worker has failed; its message is in the text buffer
const STEP = 2; // the step worker 0 announces, or STOP

export interface SharedBuffers {
  control: SharedArrayBuffer;
  /** Two phases × workers × capacity floats: phase g % 2 holds all-reduce g's contributions. */
  slots: SharedArrayBuffer;
  /** The networks' and optimizers' state, sent once from worker 0 to the others. */
  state: SharedArrayBuffer;
  text: SharedArrayBuffer;
}

export class WorkerFailedError extends Error {
  override name = 'WorkerFailedError';
}

/** One worker's end of the shared memory: barriers, the all-reduce, the step announcements. */
export class Communicator {
  private readonly control: Int32Array;
  private readonly slots: Float32Array;
  private generation = 0;

  constructor(readonly buffers: SharedBuffers, readonly rank: number, readonly workers: number, readonly capacity: number) {
    this.control = new Int32Array(buffers.control);
    this.slots = new Float32Array(buffers.slots);
  }

  static create(workers: number, capacity: number, stateFloats: number): Communicator {
    return new Communicator({
      control: new SharedArrayBuffer(3 * 4),
      slots: new SharedArrayBuffer(2 * workers * capacity * 4),
      state: new SharedArrayBuffer(stateFloats * 4 + MAX_COUNTERS * 4),
      text: new SharedArrayBuffer(4096),
    }, 0, workers, capacity);
  }

  /** Waits until all workers have arrived here (the g-th barrier waits for workers·(g+1) arrivals). */
  private barrier(): void {
    const target = this.workers * ++this.generation;
    let seen = Atomics.add(this.control, ARRIVED, 1) + 1;
    if (seen === target) Atomics.notify(this.control, ARRIVED);
    while (seen < target) {
      // Timed waits, so a failed worker is noticed instead of waited for forever.
      Atomics.wait(this.control, ARRIVED, seen, 1000);
      if (Atomics.load(this.control, FAILED)) throw new WorkerFailedError(this.failure());
      seen = Atomics.load(this.control, ARRIVED);
    }
  }

  readonly reduce: Reduce = (tensors) => {
    const total = tensors.reduce((n, t) => n + t.size, 0);
    if (total > this.capacity) throw new Error(`all-reduce of ${total} floats exceeds the buffer's ${this.capacity}`);
    // Double buffering: the barrier of all-reduce g + 1 cannot complete before every worker has
    // read all-reduce g's phase, so writing phase (g + 2) % 2 after it is safe.
    const phase = this.generation % 2;
    const slot = (rank: number) => (phase * this.workers + rank) * this.capacity;
    let offset = slot(this.rank);
    for (const t of tensors) {
      this.slots.set(t.dataSync() as Float32Array, offset);
      offset += t.size;
    }
    this.barrier();
    // Every worker runs the same kernels on the same inputs, so all get bit-identical means; the
    // engine's vectorized add is several times faster than a JavaScript loop here.
    const parts = Array.from({ length: this.workers }, (_, r) => this.slots.subarray(slot(r), slot(r) + total));
    const mean = tf.tidy(() => tf.div(tf.addN(parts.map((part) => tf.tensor1d(part))), this.workers));
    const values = mean.dataSync() as Float32Array;
    mean.dispose();
    offset = 0;
    return tensors.map((t) => {
      const tensor = tf.tensor(values.subarray(offset, offset + t.size), t.shape, 'float32');
      offset += t.size;
      return tensor;
    });
  };

  /** Worker 0: every other worker starts step k (or stops, with STOP). */
  announce(step: number): void {
    Atomics.store(this.control, STEP, step);
    this.barrier();
  }

  /** Other workers: the step worker 0 announced, or null to stop. */
  nextStep(): number | null {
    this.barrier();
    const step = Atomics.load(this.control, STEP);
    return step === STOP ? null : step;
  }

  stopAll(): void {
    this.announce(STOP);
  }

  /** Worker 0 sends its state and counters (after init or a resume); the others take them. */
  shareState(objective: Objective): void {
    const names = Object.keys(objective.counters);
    if (names.length > MAX_COUNTERS) throw new Error(`shareState: ${names.length} counters exceed the buffer's ${MAX_COUNTERS}`);
    const floats = new Float32Array(this.buffers.state, 0, (this.buffers.state.byteLength - 4 * MAX_COUNTERS) / 4);
    const counters = new Int32Array(this.buffers.state, floats.byteLength, MAX_COUNTERS);
    let offset = 0;
    if (this.rank === 0) {
      for (const v of objective.state().values()) {
        floats.set(v.dataSync() as Float32Array, offset);
        offset += v.size;
      }
      names.forEach((name, i) => { counters[i] = objective.counters[name]!; });
      this.barrier();
    } else {
      this.barrier();
      for (const v of objective.state().values()) {
        v.assign(tf.tensor(floats.subarray(offset, offset + v.size), v.shape, 'float32'));
        offset += v.size;
      }
      names.forEach((name, i) => { objective.counters[name] = counters[i]!; });
    }
    // Nobody writes the buffer again, but worker 0 must not move on before the others have read it.
    this.barrier();
  }

  fail(message: string): void {
    new Uint8Array(this.buffers.text).set(new TextEncoder().encode(message.slice(0, 1000)));
    Atomics.store(this.control, FAILED, 1);
    Atomics.notify(this.control, ARRIVED);
  }

  private failure(): string {
    const bytes = new Uint8Array(this.buffers.text).slice();
    const end = bytes.indexOf(0);
    return `a training worker failed: ${new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end))}`;
  }
}

export interface WorkerData {
  config: RunConfig;
  tier: Tier;
  rank: number;
  capacity: number;
  buffers: SharedBuffers;
}

/**
 * Starts workers 1…workers−1 on threads (src/train/replica_worker.ts, from the built package) and
 * resolves once each has built its networks, or rejects with the first one's error: until then
 * worker 0 must not block in a barrier, where it could not hear of a worker that failed to start.
 */
export async function startWorkers(config: RunConfig, tier: Tier, communicator: Communicator): Promise<Worker[]> {
  const entry = new URL('./replica_worker.js', import.meta.url);
  const workers = Array.from({ length: config.workers - 1 }, (_, i) => {
    const workerData: WorkerData = { config, tier, rank: i + 1, capacity: communicator.capacity, buffers: communicator.buffers };
    return new Worker(entry, { workerData });
  });
  const ready = (worker: Worker, rank: number) => new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', (error) => reject(new WorkerFailedError(`training worker ${rank} failed to start: ${error.message}`)));
    worker.once('exit', (code) => reject(new WorkerFailedError(`training worker ${rank} exited (code ${code}) before it started`)));
  });
  try {
    await Promise.all(workers.map((w, i) => ready(w, i + 1)));
  } catch (error) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw error;
  }
  // Later failures reach worker 0 through the shared FAILED word (replica_worker.ts catches them).
  for (const worker of workers) worker.on('error', () => {});
  return workers;
}
