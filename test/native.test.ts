/**
 * The native tier's kernels (src/engine/kernels/native.ts, oneDNN) against the cpu reference
 * backend, plus the wasm tier's suite of shapes. The addon is optional for users, so without it
 * this file skips with the command that enables it; CI builds it, and there a missing addon fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineInfo, initEngine, shareCores } from '../src/engine/index.js';
import { loadNativeAddon, ENABLE_NATIVE } from '../src/engine/kernels/native.js';
import { determinismSuite } from './helpers/determinism-suite.js';
import { kernelSuite } from './helpers/kernel-suite.js';

const native = loadNativeAddon();
if ('addon' in native) {
  kernelSuite('native');
  determinismSuite('native');
  test('kernels interrupted by signals (the V8 profiler\'s SIGPROF every 20 µs) give the same gradients and keep the heap intact', () => {
    // Before the addon held signals back during kernels, this child aborted with glibc's
    // "corrupted size vs. prev_size" within its first iterations.
    const profiles = mkdtempSync(join(tmpdir(), 'discern-cpuprof-'));
    try {
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--cpu-prof', '--cpu-prof-interval', '20', '--cpu-prof-dir', profiles,
        join(import.meta.dirname, 'helpers', 'native_under_signals.ts')], { encoding: 'utf8' });
      assert.equal(child.status, 0, `exit ${child.status} (signal ${child.signal}): ${child.stderr.slice(-500)}`);
      assert.deepEqual(JSON.parse(child.stdout.trim().split('\n').pop()!), { worst: 0 });
    } finally {
      rmSync(profiles, { recursive: true, force: true });
    }
  });
  test('data-parallel workers share the cores: each gets cores / workers kernel threads, unless DISCERN_THREADS says otherwise', async () => {
    await initEngine('native');
    const requested = process.env.DISCERN_THREADS;
    try {
      delete process.env.DISCERN_THREADS;
      shareCores(2);
      assert.equal(engineInfo().threads, Math.max(1, Math.floor(availableParallelism() / 2)));
      shareCores(availableParallelism() + 1);
      assert.equal(engineInfo().threads, 1);
      process.env.DISCERN_THREADS = '3';
      shareCores(2);
      assert.equal(engineInfo().threads, 3);
    } finally {
      if (requested === undefined) delete process.env.DISCERN_THREADS;
      else process.env.DISCERN_THREADS = requested;
      shareCores(1);
    }
  });
} else if (process.env.CI) {
  test('the native addon is built in CI', () => assert.fail(`${native.error}; .ci/run must run: ${ENABLE_NATIVE}`));
} else {
  test(`native tier (${native.error}; enable with: ${ENABLE_NATIVE})`, { skip: true }, () => {});
}
