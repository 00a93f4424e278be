import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.js';

/** Initializes the wasm tier (with discern's kernels) and returns a runner for cross-checks. */
export async function setupBackends(): Promise<void> {
  await initEngine('wasm');
}

/** Runs `f` on `backend` and returns its outputs' values (the backend is restored afterwards). */
export function valuesOn(backend: string, f: () => tf.Tensor | tf.Tensor[]): Float32Array[] {
  const previous = tf.getBackend();
  tf.setBackend(backend);
  try {
    const outs = tf.tidy(() => [f()].flat());
    const values = outs.map((t) => t.dataSync() as Float32Array);
    tf.dispose(outs);
    return values;
  } finally {
    tf.setBackend(previous);
  }
}

/** max |a − b| ≤ atol + rtol · max |b|, elementwise over arrays. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs ${expected.length}`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!);
    assert.ok(Number.isFinite(actual[i]!), `${what}: element ${i} is ${actual[i]}`);
    assert.ok(diff <= atol + rtol * scale, `${what}: element ${i}: ${actual[i]} vs ${expected[i]} (|diff| ${diff.toExponential(2)}, scale ${scale.toExponential(2)})`);
  }
}

/** The same computation on wasm (discern's kernels) and on the cpu reference must agree. */
export function assertBackendsAgree(f: () => tf.Tensor | tf.Tensor[], what: string, rtol = 1e-5, atol = 1e-5): void {
  const wasm = valuesOn('wasm', f);
  const cpu = valuesOn('cpu', f);
  assert.equal(wasm.length, cpu.length);
  wasm.forEach((w, i) => assertClose(w, cpu[i]!, rtol, atol, `${what} [output ${i}]`));
}
