/**
 * The native tier's kernels (src/engine/kernels/native.ts, oneDNN) against the cpu reference
 * backend, plus the wasm tier's suite of shapes. The addon is optional for users, so without it
 * this file skips with the command that enables it; CI builds it, and there a missing addon fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNativeAddon, ENABLE_NATIVE } from '../src/engine/kernels/native.js';
import { determinismSuite } from './helpers/determinism-suite.js';
import { kernelSuite } from './helpers/kernel-suite.js';

const native = loadNativeAddon();
if ('addon' in native) {
  kernelSuite('native');
  determinismSuite('native');
} else if (process.env.CI) {
  test('the native addon is built in CI', () => assert.fail(`${native.error}; .ci/run must run: ${ENABLE_NATIVE}`));
} else {
  test(`native tier (${native.error}; enable with: ${ENABLE_NATIVE})`, { skip: true }, () => {});
}
