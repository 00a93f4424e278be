/**
 * The engine: TensorFlow.js with the fastest backend this machine has, discern's kernel
 * overrides installed, and gradients registered. Call `initEngine()` once before any tensor work.
 *
 * Tiers, fastest first: `tfjs-node` (only if the user installed @tensorflow/tfjs-node),
 * `native` (the wasm backend with oneDNN kernels from discern's Node addon, when it is built),
 * `wasm` (XNNPACK + SIMD, runs anywhere), `cpu` (plain JavaScript, the correctness reference).
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { registerGradients } from './gradients.js';
import { installKernelOverrides } from './kernels/index.js';
import { ENABLE_NATIVE, loadNativeAddon, type NativeAddon } from './kernels/native.js';

export { tf };
export { Rng } from './random.js';

export const TIERS = ['tfjs-node', 'native', 'wasm', 'cpu'] as const;
export type Tier = (typeof TIERS)[number];
export type TierRequest = Tier | 'auto';

export interface EngineInfo {
  tier: Tier;
  backend: string;
  simd: boolean | null;
  threads: number;
  /** The native library, when the native tier is active. */
  nativeLibrary: string | null;
  overriddenKernels: string[];
  versions: Record<string, string>;
  notes: string[];
}

let current: EngineInfo | null = null;
let currentAddon: NativeAddon | null = null;

async function tryTfjsNode(): Promise<boolean> {
  try {
    // Optional: present only if the user installed it; its install needs a download.
    await import('@tensorflow/tfjs-node' as string);
    return tf.findBackend('tensorflow') !== undefined || (await tf.setBackend('tensorflow'));
  } catch {
    return false;
  }
}

async function activate(tier: Tier): Promise<boolean> {
  if (tier === 'tfjs-node') {
    if (!(await tryTfjsNode())) return false;
    return tf.setBackend('tensorflow');
  }
  const backend = tier === 'native' ? 'wasm' : tier;
  const before = processListeners();
  try {
    const ok = await tf.setBackend(backend);
    await tf.ready();
    return ok && tf.getBackend() === backend;
  } catch {
    return false;
  } finally {
    removeListenersAddedSince(before);
  }
}

type ProcessEvent = 'uncaughtException' | 'unhandledRejection';
const PROCESS_EVENTS: ProcessEvent[] = ['uncaughtException', 'unhandledRejection'];
const listenersOf = (event: ProcessEvent): Function[] => process.listeners(event as 'uncaughtException');

function processListeners(): Map<ProcessEvent, Function[]> {
  return new Map(PROCESS_EVENTS.map((e) => [e, listenersOf(e)]));
}

/**
 * Emscripten's runtime (inside the wasm backend) installs process handlers that rethrow every
 * uncaught error, so a user's mistake would print a megabyte of minified backend source instead
 * of the message. discern reports its own errors; the handlers go.
 */
function removeListenersAddedSince(before: Map<ProcessEvent, Function[]>): void {
  for (const event of PROCESS_EVENTS) {
    for (const listener of listenersOf(event)) {
      if (!before.get(event)!.includes(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
}

/**
 * Selects and initializes a backend. `auto` takes the fastest available; naming a tier that
 * cannot start is an error that says why.
 */
export async function initEngine(request: TierRequest = 'auto'): Promise<EngineInfo> {
  if (current) {
    if (request === 'auto' || request === current.tier) return current;
    throw new Error(`the engine already runs the '${current.tier}' tier in this process; it cannot switch to '${request}'`);
  }
  if (request !== 'auto' && !TIERS.includes(request)) {
    throw new Error(`unknown engine tier '${request}': use one of auto, ${TIERS.join(', ')}`);
  }
  registerGradients();
  const notes: string[] = [];
  const native = loadNativeAddon();
  if ('error' in native) notes.push(`native tier unavailable: ${native.error}; to enable it: ${ENABLE_NATIVE}`);
  const candidates: Tier[] = request === 'auto' ? [...TIERS] : [request];
  let tier: Tier | null = null;
  for (const candidate of candidates) {
    if (candidate === 'native' && 'error' in native) continue;
    if (await activate(candidate)) {
      tier = candidate;
      break;
    }
    if (candidate !== 'tfjs-node' || request !== 'auto') notes.push(`tier '${candidate}' could not start`);
  }
  if (!tier) {
    throw new Error(`engine tier '${request}' could not start on this machine: ${notes.join('; ')}. Try --tier auto.`);
  }
  const addon: NativeAddon | null = tier === 'native' && 'addon' in native ? native.addon : null;
  const overriddenKernels = tf.getBackend() === 'wasm' ? installKernelOverrides(addon) : [];
  let simd: boolean | null = null;
  let threads = 1;
  if (tf.getBackend() === 'wasm') {
    simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    threads = wasm.getThreadsCount();
    if (!tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')) {
      notes.push('wasm threads: tfjs disables WebAssembly threads under Node, so XNNPACK runs on 1 thread');
    }
  }
  if (addon) {
    addon.setThreads(nativeThreads());
    threads = addon.info().threads;
  }
  currentAddon = addon;
  tf.enableProdMode();
  current = {
    tier,
    backend: tf.getBackend(),
    simd,
    threads,
    nativeLibrary: addon ? addon.info().library : null,
    overriddenKernels,
    versions: { 'tfjs-core': tf.version_core, 'tfjs-backend-wasm': wasm.version_wasm, node: process.versions.node },
    notes,
  };
  return current;
}

/**
 * Threads for the native kernels of each of `parts` threads that run kernels at once:
 * DISCERN_THREADS if set, else the cores shared among them. The addon gives them to large
 * products and convolutions only (see native/src/discern_native.cc).
 */
function nativeThreads(parts = 1): number {
  const requested = process.env.DISCERN_THREADS;
  if (requested === undefined) return Math.max(1, Math.floor(availableParallelism() / parts));
  const n = Number(requested);
  if (!Number.isInteger(n) || n < 1) throw new Error(`DISCERN_THREADS must be a positive integer (got '${requested}')`);
  return n;
}

/**
 * Shares the cores among `workers` data-parallel training threads (src/train/replicas.ts), so that
 * two workers on two cores do not each fork a second OpenMP thread: four threads on two cores run
 * slower than two. The addon's setting holds for the whole process, so every worker calls this
 * after initEngine (which gives each thread every core). DISCERN_THREADS, if set, still decides.
 */
export function shareCores(workers: number): void {
  if (!current) throw new Error('engine not initialized: call initEngine() first');
  if (!currentAddon) return;
  currentAddon.setThreads(nativeThreads(workers));
  current.threads = currentAddon.info().threads;
}

export function engineInfo(): EngineInfo {
  if (!current) throw new Error('engine not initialized: call initEngine() first');
  return current;
}
