/** discern's wasm-tier kernels (src/engine/kernels/wasm.ts) against the cpu reference backend. */
import { kernelSuite } from './helpers/kernel-suite.js';

kernelSuite('wasm');
