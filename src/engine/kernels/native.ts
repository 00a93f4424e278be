/**
 * The native tier: the wasm backend's tensors (they live in the WebAssembly heap) handed, as
 * typed-array views with no copies, to oneDNN through discern's Node addon (native/). It takes
 * the kernels where training spends its time: matrix products in every transpose combination,
 * convolution forward, input-gradient (also conv2dTranspose's forward) and filter-gradient, and
 * sums and means over leading axes (bias gradients, batch-norm statistics), add, subtract and
 * multiply by an operand repeated along leading axes (biases, batch-norm factors), tanh (the
 * generator's output), and a fused Adam update (src/train/adam.ts).
 * Everything else stays on the wasm tier's kernels.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm/dist/backend_wasm.js';
import { ADAM_KERNEL } from '../../train/adam.js';
import type { KernelArgs, KernelFunc, KernelOverride } from './index.js';

type Info = tf.TensorInfo;

export interface NativeAddon {
  matMul(a: Float32Array, b: Float32Array, out: Float32Array, batchA: number, batchB: number,
    m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): void;
  conv2dForward(x: Float32Array, filter: Float32Array, out: Float32Array, ...geometry: number[]): void;
  conv2dBackwardData(dy: Float32Array, filter: Float32Array, dx: Float32Array, ...geometry: number[]): void;
  conv2dBackwardWeights(x: Float32Array, dy: Float32Array, dw: Float32Array, ...geometry: number[]): void;
  sumLeading(x: Float32Array, out: Float32Array, rows: number, cols: number, scale: number): void;
  rowBroadcast(big: Float32Array, small: Float32Array, out: Float32Array, rows: number, cols: number, op: number, smallFirst: boolean): void;
  tanh(x: Float32Array, out: Float32Array): void;
  adam(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array,
    paramOut: Float32Array, mOut: Float32Array, vOut: Float32Array,
    stepSize: number, beta1: number, beta2: number, epsilon: number, inverseSqrtBiasCorrection2: number): void;
  setThreads(threads: number): void;
  info(): { library: string; isa: number; threads: number };
}

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const NATIVE_ADDON_PATH = join(packageRoot, 'native', 'build', 'Release', 'discern_native.node');
export const ENABLE_NATIVE = 'apt-get install -y libdnnl-dev && npm run build:native';

let loaded: { addon: NativeAddon } | { error: string } | null = null;

/** The addon, or why it is unavailable. Loaded once. */
export function loadNativeAddon(): { addon: NativeAddon } | { error: string } {
  if (!loaded) {
    try {
      loaded = { addon: createRequire(import.meta.url)(NATIVE_ADDON_PATH) as NativeAddon };
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND'
        ? 'the native addon is not built'
        : `the native addon failed to load (${(error as Error).message.split('\n')[0]})`;
      loaded = { error: reason };
    }
  }
  return loaded;
}

const view = (backend: BackendWasm, t: Info) => backend.typedArrayFromHeap(t) as Float32Array;
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function matMul(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const a = inputs.a!;
    const b = inputs.b!;
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const fused = inputs.bias != null || (attrs?.activation != null && attrs.activation !== 'linear');
    const batchA = size(a.shape.slice(0, -2));
    const batchB = size(b.shape.slice(0, -2));
    const broadcastable = batchA === batchB || batchA === 1 || batchB === 1;
    if (fused || !broadcastable || a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length > 3 || b.shape.length > 3) {
      return fallback(args);
    }
    const rankA = a.shape.length;
    const rankB = b.shape.length;
    const m = transposeA ? a.shape[rankA - 1]! : a.shape[rankA - 2]!;
    const k = transposeA ? a.shape[rankA - 2]! : a.shape[rankA - 1]!;
    const n = transposeB ? b.shape[rankB - 2]! : b.shape[rankB - 1]!;
    const batch = Math.max(batchA, batchB);
    const outShape = rankA === 2 && rankB === 2 ? [m, n] : [batch, m, n];
    const out = backend.makeOutput(outShape, 'float32');
    addon.matMul(view(backend, a), view(backend, b), view(backend, out), batchA, batchB, m, k, n, transposeA, transposeB);
    return out;
  };
}

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The geometry the addon takes: n, inH, inW, inC, outH, outW, outC, kH, kW, strides, dilations, pads. */
function geometry(info: tf.backend_util.Conv2DInfo): number[] {
  const p = info.padInfo;
  return [
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth, p.top, p.left, p.bottom, p.right,
  ];
}

function convInfo(xShape: number[], filterShape: number[], attrs: ConvAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
}

/**
 * A filter that covers the whole unpadded input (one output position) makes the convolution a
 * dense layer on the flattened input: NHWC rows of length H·W·C against the HWIO filter as a
 * (H·W·C) × out matrix, with no copy. oneDNN 2.6's convolution runs this shape (the hyperplane
 * critic's 7×7 → 1×1) at a fifth of its matrix product's speed. Returns H·W·C, or 0 if not covered.
 */
function coveredInput(info: tf.backend_util.Conv2DInfo): number {
  const p = info.padInfo;
  const covered = info.outHeight === 1 && info.outWidth === 1 && p.top + p.bottom + p.left + p.right === 0 &&
    info.filterHeight === info.inHeight && info.filterWidth === info.inWidth &&
    info.dilationHeight === 1 && info.dilationWidth === 1;
  return covered ? info.inHeight * info.inWidth * info.inChannels : 0;
}

function conv2D(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend } = args;
    const attrs = args.attrs as unknown as ConvAttrs;
    const { x, filter } = inputs as { x: Info; filter: Info };
    if (attrs.dataFormat !== 'NHWC' || x.dtype !== 'float32') return fallback(args);
    const info = convInfo(x.shape, filter.shape, attrs);
    const out = backend.makeOutput(info.outShape, 'float32');
    const k = coveredInput(info);
    if (k) addon.matMul(view(backend, x), view(backend, filter), view(backend, out), 1, 1, info.batchSize, k, info.outChannels, false, false);
    else addon.conv2dForward(view(backend, x), view(backend, filter), view(backend, out), ...geometry(info));
    return out;
  };
}

function conv2DBackpropInput(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend } = args;
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
    const { dy, filter } = inputs as { dy: Info; filter: Info };
    if (attrs.dataFormat !== 'NHWC' || dy.dtype !== 'float32') return fallback(args);
    const info = convInfo(attrs.inputShape, filter.shape, attrs);
    const dx = backend.makeOutput([...attrs.inputShape], 'float32');
    const k = coveredInput(info);
    if (k) addon.matMul(view(backend, dy), view(backend, filter), view(backend, dx), 1, 1, info.batchSize, info.outChannels, k, false, true);
    else addon.conv2dBackwardData(view(backend, dy), view(backend, filter), view(backend, dx), ...geometry(info));
    return dx;
  };
}

function conv2DBackpropFilter(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend } = args;
    const attrs = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
    const { x, dy } = inputs as { x: Info; dy: Info };
    if (attrs.dataFormat !== 'NHWC' || x.dtype !== 'float32') return fallback(args);
    const info = convInfo(x.shape, attrs.filterShape, attrs);
    const dw = backend.makeOutput([...attrs.filterShape], 'float32');
    const k = coveredInput(info);
    if (k) addon.matMul(view(backend, x), view(backend, dy), view(backend, dw), 1, 1, k, info.batchSize, info.outChannels, true, false);
    else addon.conv2dBackwardWeights(view(backend, x), view(backend, dy), view(backend, dw), ...geometry(info));
    return dw;
  };
}

/** Sum (scale 1) or Mean (scale 1/R) over a leading block of axes; other reductions fall back. */
function leadingReduction(addon: NativeAddon, fallback: KernelFunc, mean: boolean): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x!;
    const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    if (x.dtype !== 'float32' || axes.length === 0 || !axes.every((a, i) => a === i)) return fallback(args);
    const rows = size(x.shape.slice(0, axes.length));
    const kept = x.shape.slice(axes.length);
    const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32');
    addon.sumLeading(view(backend, x), view(backend, out), rows, size(kept), mean ? 1 / rows : 1);
    return out;
  };
}

const ROW_OPS: Record<string, number> = { [tf.Add]: 0, [tf.Sub]: 1, [tf.Multiply]: 2 };

/**
 * a ⊕ b where the smaller operand, its leading 1s dropped, is the larger one's trailing shape:
 * x + bias, (x − mean)·scale. Same shapes, scalars and other broadcasts fall back.
 */
function rowBroadcast(addon: NativeAddon, kernelName: string, fallback: KernelFunc): KernelFunc {
  const op = ROW_OPS[kernelName]!;
  return (args) => {
    const { inputs, backend } = args;
    const { a, b } = inputs as { a: Info; b: Info };
    const smallFirst = size(a.shape) < size(b.shape);
    const [big, small] = smallFirst ? [b, a] : [a, b];
    const trailing = small.shape.slice(small.shape.findIndex((d) => d !== 1));
    const cols = size(trailing);
    const matches = trailing.length > 0 && small.shape.length <= big.shape.length &&
      big.shape.slice(big.shape.length - trailing.length).every((d, i) => d === trailing[i]);
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || cols <= 1 || size(big.shape) === cols || !matches) return fallback(args);
    const out = backend.makeOutput([...big.shape], 'float32');
    addon.rowBroadcast(view(backend, big), view(backend, small), view(backend, out), size(big.shape) / cols, cols, op, smallFirst);
    return out;
  };
}

function tanh(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend } = args;
    const x = inputs.x!;
    if (x.dtype !== 'float32') return fallback(args);
    const out = backend.makeOutput([...x.shape], 'float32');
    addon.tanh(view(backend, x), view(backend, out));
    return out;
  };
}

/** Inputs param, grad, m, v; outputs param′, m′, v′ (see src/train/adam.ts). */
function adam(addon: NativeAddon): (args: KernelArgs) => Info[] {
  return ({ inputs, backend, attrs }) => {
    const { param, grad, m, v } = inputs as Record<'param' | 'grad' | 'm' | 'v', Info>;
    const a = attrs as unknown as { stepSize: number; beta1: number; beta2: number; epsilon: number; inverseSqrtBiasCorrection2: number };
    const outs = [param, m, v].map((t) => backend.makeOutput([...t.shape], 'float32'));
    addon.adam(view(backend, param), view(backend, grad), view(backend, m), view(backend, v),
      view(backend, outs[0]!), view(backend, outs[1]!), view(backend, outs[2]!),
      a.stepSize, a.beta1, a.beta2, a.epsilon, a.inverseSqrtBiasCorrection2);
    return outs;
  };
}

/**
 * The native tier's overrides. `previous` gives the kernel each one replaces (the wasm tier's
 * override or the backend's own), used for the cases the addon does not take (NCHW, fused
 * bias/activation, non-float inputs).
 */
export function nativeKernels(addon: NativeAddon, previous: (name: string) => KernelFunc): KernelOverride[] {
  return [
    { kernelName: tf.BatchMatMul, kernelFunc: matMul(addon, previous(tf.BatchMatMul)) },
    { kernelName: tf._FusedMatMul, kernelFunc: matMul(addon, previous(tf._FusedMatMul)) },
    { kernelName: ADAM_KERNEL, kernelFunc: adam(addon) },
    { kernelName: tf.Sum, kernelFunc: leadingReduction(addon, previous(tf.Sum), false) },
    { kernelName: tf.Mean, kernelFunc: leadingReduction(addon, previous(tf.Mean), true) },
    ...[tf.Add, tf.Sub, tf.Multiply].map((name) => ({ kernelName: name, kernelFunc: rowBroadcast(addon, name, previous(name)) })),
    { kernelName: tf.Tanh, kernelFunc: tanh(addon, previous(tf.Tanh)) },
    { kernelName: tf.Conv2D, kernelFunc: conv2D(addon, previous(tf.Conv2D)) },
    { kernelName: tf.Conv2DBackpropInput, kernelFunc: conv2DBackpropInput(addon, previous(tf.Conv2DBackpropInput)) },
    { kernelName: tf.Conv2DBackpropFilter, kernelFunc: conv2DBackpropFilter(addon, previous(tf.Conv2DBackpropFilter)) },
  ];
}
