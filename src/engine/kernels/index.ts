/**
 * The one place where discern replaces or adds backend kernels. Each tier lists its overrides in
 * a file of its own (wasm.ts, native.ts); this module installs them on the wasm backend, whose
 * heap holds the tensors of both tiers. Every override is tested against the `cpu` reference
 * backend (test/kernels.test.ts, test/native.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm/dist/backend_wasm.js';
import { nativeKernels, type NativeAddon } from './native.js';
import { wasmKernels } from './wasm.js';

export type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs?: tf.NamedAttrMap };
/** A single-output kernel, what every override builds on. */
export type KernelFunc = (args: KernelArgs) => tf.TensorInfo;

export interface KernelOverride {
  kernelName: string;
  kernelFunc: KernelFunc | ((args: KernelArgs) => tf.TensorInfo[]);
}

const BACKEND = 'wasm';
let installed = false;

/** The kernel registered now for `name`, which an override builds on or falls back to. */
function current(name: string): KernelFunc {
  const config = tf.getKernel(name, BACKEND);
  if (!config) throw new Error(`backend '${BACKEND}' has no kernel '${name}' to build on`);
  return config.kernelFunc as unknown as KernelFunc;
}

function install(overrides: KernelOverride[]): void {
  // A kernel the backend lacks (UnsortedSegmentSum) is simply registered.
  for (const { kernelName, kernelFunc } of overrides) {
    if (tf.getKernel(kernelName, BACKEND)) tf.unregisterKernel(kernelName, BACKEND);
    tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
}

/**
 * Installs the wasm tier's overrides, then, given the native addon, the native tier's on top
 * (each native kernel falls back to the wasm one for cases it does not take). Call once, after
 * the wasm backend is initialized. Returns the names of the kernels discern now provides.
 */
export function installKernelOverrides(native: NativeAddon | null): string[] {
  if (installed) throw new Error('kernel overrides are already installed in this process');
  installed = true;
  const wasm = wasmKernels(current);
  install(wasm);
  const names = new Set(wasm.map((o) => o.kernelName));
  if (native) {
    const overrides = nativeKernels(native, current);
    install(overrides);
    for (const o of overrides) names.add(o.kernelName);
  }
  return [...names];
}
