/**
 * The one place where discern replaces or adds backend kernels. Each tier lists its overrides in
 * a file of its own (wasm.ts; a native tier will add native.ts); this module installs them.
 * Every override is tested against the `cpu` reference backend (test/kernels.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm/dist/backend_wasm.js';
import { wasmKernels } from './wasm.js';

export interface KernelOverride {
  kernelName: string;
  kernelFunc: (args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs?: tf.NamedAttrMap }) => tf.TensorInfo;
}

const installed = new Set<string>();

/** Installs the overrides for `backendName`; call after the backend is initialized. */
export function installKernelOverrides(backendName: string): string[] {
  if (backendName !== 'wasm' || installed.has(backendName)) return [];
  installed.add(backendName);
  const originals = new Map<string, tf.KernelConfig>();
  const original = (name: string) => {
    const config = originals.get(name) ?? tf.getKernel(name, backendName);
    if (!config) throw new Error(`backend '${backendName}' has no kernel '${name}' to build on`);
    originals.set(name, config);
    return config.kernelFunc as unknown as KernelOverride['kernelFunc'];
  };
  const overrides = wasmKernels(original);
  for (const { kernelName, kernelFunc } of overrides) {
    if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
  return overrides.map((o) => o.kernelName);
}
