/**
 * Kernels discern registers on the WebAssembly backend, where tfjs's own are missing or slow.
 *
 * The wasm backend's fast path is XNNPACK's plain matrix product (~70 GFLOP/s here). Its
 * transposed products fall back to a scalar loop (~15x slower), it has no
 * Conv2DBackpropFilter at all, and its Conv2DBackpropInput is a scalar loop. So every kernel
 * below reduces its op to one plain XNNPACK product plus a memory-bound rearrangement written in
 * JavaScript directly on the wasm heap (no copies out of it):
 *
 *   BatchMatMul / _FusedMatMul with transposes:  transpose operand(s), then the plain product
 *   Conv2DBackpropFilter:  dW = (dyᵀ · im2col(x))ᵀ
 *   Conv2DBackpropInput:   dx = col2im(dy · Wᵀ)          (also conv2dTranspose's forward)
 *   OneHot:                written in JS; tfjs's writes int32 bits into float32 outputs
 *                          (1 becomes 1.4e-45)
 *   UnsortedSegmentSum:    written in JS; missing, so tf.gather had no gradient
 *   GatherV2 along axis 0: whole rows copied with one memcpy each; tfjs's computes every
 *                          element's index (~40x slower for the hyperplane critic's 2,560 rows
 *                          of 128 features, 13 ms a step)
 *   LeakyRelu:             x · step(x, α)   (tfjs's LeakyRelu is a scalar loop, ~15× slower
 *                                            than its XNNPACK-backed Step and Multiply)
 *   Identity:              shares the input's memory, as the cpu backend does, instead of
 *                          copying it: tfjs clones every tensor it saves for a gradient (about
 *                          400 copies per hyperplane training step). Sound because no kernel
 *                          writes into its inputs, here or in the native tier.
 *
 * Each is tested against the `cpu` reference backend in test/kernels.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm/dist/backend_wasm.js';
import type { KernelFunc, KernelOverride } from './index.js';

type Info = tf.TensorInfo;

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Allocates a float32 tensor on the wasm heap. Views must be taken after every allocation. */
function alloc(backend: BackendWasm, shape: number[]): Info {
  return backend.makeOutput(shape, 'float32');
}

function view(backend: BackendWasm, t: Info): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** out[b, c, r] = x[b, r, c], cache-blocked. */
function transposeInto(x: Float32Array, out: Float32Array, batch: number, rows: number, cols: number): void {
  const B = 32;
  for (let b = 0; b < batch; b++) {
    const base = b * rows * cols;
    for (let r0 = 0; r0 < rows; r0 += B) {
      const r1 = Math.min(r0 + B, rows);
      for (let c0 = 0; c0 < cols; c0 += B) {
        const c1 = Math.min(c0 + B, cols);
        for (let r = r0; r < r1; r++) {
          const src = base + r * cols;
          for (let c = c0; c < c1; c++) out[base + c * rows + r] = x[src + c]!;
        }
      }
    }
  }
}

/** A new tensor holding x with its last two axes swapped. */
function transposeLast2(backend: BackendWasm, x: Info): Info {
  const rank = x.shape.length;
  const rows = x.shape[rank - 2]!;
  const cols = x.shape[rank - 1]!;
  const out = alloc(backend, [...x.shape.slice(0, -2), cols, rows]);
  transposeInto(view(backend, x), view(backend, out), size(x.shape.slice(0, -2)), rows, cols);
  return out;
}

function asShape(x: Info, shape: number[]): Info {
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

/**
 * op(A)·op(B) through the plain product, by whichever of two routes moves fewer values:
 * materialise the transposed operands, or compute Cᵀ = op(B)ᵀ·op(A)ᵀ and transpose C. For a
 * dense layer's input gradient dY·Wᵀ the second route transposes dY and the result (batch-sized)
 * instead of the weight matrix.
 */
function untransposedMatMul(original: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return original({ inputs, backend, attrs });
    const a = inputs.a!;
    const b = inputs.b!;
    const rankA = a.shape.length;
    const rankB = b.shape.length;
    const m = transposeA ? a.shape[rankA - 1]! : a.shape[rankA - 2]!;
    const k = transposeA ? a.shape[rankA - 2]! : a.shape[rankA - 1]!;
    const n = transposeB ? b.shape[rankB - 2]! : b.shape[rankB - 1]!;
    const costDirect = (transposeA ? m * k : 0) + (transposeB ? k * n : 0);
    const costSwapped = (transposeA ? 0 : m * k) + (transposeB ? 0 : k * n) + m * n;
    const temporaries: Info[] = [];
    const transposed = (t: Info) => {
      const u = transposeLast2(backend, t);
      temporaries.push(u);
      return u;
    };
    const plain = { ...attrs, transposeA: false, transposeB: false };
    // A fused bias or activation applies to C, not Cᵀ: those take the direct route.
    const fused = inputs.bias != null || (attrs?.activation != null && attrs.activation !== 'linear');
    let out: Info;
    if (fused || costDirect <= costSwapped) {
      out = original({
        inputs: { ...inputs, a: transposeA ? transposed(a) : a, b: transposeB ? transposed(b) : b },
        backend,
        attrs: plain,
      });
    } else {
      const outT = original({
        inputs: { a: transposeB ? b : transposed(b), b: transposeA ? a : transposed(a) },
        backend,
        attrs: plain,
      });
      out = transposeLast2(backend, outT);
      temporaries.push(outT);
    }
    for (const t of temporaries) backend.disposeData(t.dataId);
    return out;
  };
}

interface ConvGeometry {
  batch: number; inH: number; inW: number; inC: number;
  outH: number; outW: number; outC: number;
  kH: number; kW: number; strideH: number; strideW: number; padTop: number; padLeft: number;
}

function geometry(info: tf.backend_util.Conv2DInfo): ConvGeometry {
  return {
    batch: info.batchSize, inH: info.inHeight, inW: info.inWidth, inC: info.inChannels,
    outH: info.outHeight, outW: info.outWidth, outC: info.outChannels,
    kH: info.filterHeight, kW: info.filterWidth,
    strideH: info.strideHeight, strideW: info.strideWidth,
    padTop: info.padInfo.top, padLeft: info.padInfo.left,
  };
}

/**
 * col[(n, oh, ow), (kh, kw, c)] = x[n, oh·s + kh − pad, ow·s + kw − pad, c], zero outside x.
 * Rows are contiguous runs of `inC` values, copied with `set`.
 */
function im2col(x: Float32Array, col: Float32Array, g: ConvGeometry): void {
  const rowLen = g.kH * g.kW * g.inC;
  let row = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++, row++) {
        let o = row * rowLen;
        for (let kh = 0; kh < g.kH; kh++) {
          const ih = oh * g.strideH + kh - g.padTop;
          for (let kw = 0; kw < g.kW; kw++, o += g.inC) {
            const iw = ow * g.strideW + kw - g.padLeft;
            if (ih < 0 || ih >= g.inH || iw < 0 || iw >= g.inW) {
              col.fill(0, o, o + g.inC);
            } else {
              const s = ((n * g.inH + ih) * g.inW + iw) * g.inC;
              if (g.inC === 1) col[o] = x[s]!;
              else col.set(x.subarray(s, s + g.inC), o);
            }
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: x[n, ih, iw, c] += col[(n, oh, ow), (kh, kw, c)]; x must start zeroed. */
function col2im(col: Float32Array, x: Float32Array, g: ConvGeometry): void {
  const rowLen = g.kH * g.kW * g.inC;
  let row = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++, row++) {
        let o = row * rowLen;
        for (let kh = 0; kh < g.kH; kh++) {
          const ih = oh * g.strideH + kh - g.padTop;
          for (let kw = 0; kw < g.kW; kw++, o += g.inC) {
            const iw = ow * g.strideW + kw - g.padLeft;
            if (ih < 0 || ih >= g.inH || iw < 0 || iw >= g.inW) continue;
            const s = ((n * g.inH + ih) * g.inW + iw) * g.inC;
            for (let c = 0; c < g.inC; c++) x[s + c]! += col[o + c]!;
          }
        }
      }
    }
  }
}

interface ConvBackpropAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function assertNHWC(kernel: string, dataFormat: string): void {
  if (dataFormat !== 'NHWC') {
    throw new Error(`${kernel} on the wasm tier supports only NHWC data (got ${dataFormat}); transpose to NHWC first.`);
  }
}

function conv2DBackpropFilter(matMul: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: Info; dy: Info };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as ConvBackpropAttrs & {
      filterShape: [number, number, number, number];
    };
    assertNHWC('Conv2DBackpropFilter', dataFormat);
    const g = geometry(tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode));
    const positions = g.batch * g.outH * g.outW;
    const patch = g.kH * g.kW * g.inC;
    const col = alloc(backend, [positions, patch]);
    im2col(view(backend, x), view(backend, col), g);
    // dWᵀ[outC, patch] = dyᵀ · col, then one small transpose back to [kH, kW, inC, outC].
    const dyT = transposeLast2(backend, asShape(dy, [positions, g.outC]));
    const dWT = matMul({ inputs: { a: dyT, b: col }, backend, attrs: { transposeA: false, transposeB: false } });
    const dW = transposeLast2(backend, asShape(dWT, [g.outC, patch]));
    for (const t of [col, dyT, dWT]) backend.disposeData(t.dataId);
    return asShape(dW, [...filterShape]);
  };
}

function conv2DBackpropInput(matMul: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: Info; filter: Info };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as ConvBackpropAttrs & {
      inputShape: [number, number, number, number];
    };
    assertNHWC('Conv2DBackpropInput', dataFormat);
    const g = geometry(tf.backend_util.computeConv2DInfo(
      inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode));
    const positions = g.batch * g.outH * g.outW;
    const patch = g.kH * g.kW * g.inC;
    // cols[positions, patch] = dy · Wᵀ with W viewed as [patch, outC].
    const cols = matMul({
      inputs: { a: asShape(dy, [positions, g.outC]), b: asShape(filter, [patch, g.outC]) },
      backend,
      attrs: { transposeA: false, transposeB: true },
    });
    const dx = alloc(backend, [...inputShape]);
    const dxValues = view(backend, dx);
    dxValues.fill(0);
    col2im(view(backend, cols), dxValues, g);
    backend.disposeData(cols.dataId);
    return dx;
  };
}

function leakyRelu(step: KernelFunc, multiply: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const mask = step({ inputs: { x: inputs.x! }, backend, attrs: { alpha: (attrs as { alpha: number }).alpha } });
    const out = multiply({ inputs: { a: inputs.x!, b: mask }, backend });
    backend.disposeData(mask.dataId);
    return out;
  };
}

function oneHot(original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { depth, onValue, offValue, dtype } = attrs as unknown as { depth: number; onValue: number; offValue: number; dtype: tf.DataType };
    if (dtype !== 'float32') return original(args);
    const indices = inputs.indices!;
    const out = backend.makeOutput([...indices.shape, depth], 'float32');
    const values = view(backend, out).fill(offValue);
    const index = backend.typedArrayFromHeap(indices);
    for (let i = 0; i < index.length; i++) {
      const k = index[i]!;
      if (k >= 0 && k < depth) values[i * depth + k] = onValue;
    }
    return out;
  };
}

/** out[s, …] = Σ_{i : segmentIds[i] = s} x[i, …]; ids outside [0, numSegments) are dropped, as in TF. */
function unsortedSegmentSum(): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, segmentIds } = inputs as { x: Info; segmentIds: Info };
    const { numSegments } = attrs as unknown as { numSegments: number };
    const idShape = segmentIds.shape;
    if (x.shape.slice(0, idShape.length).join() !== idShape.join()) {
      throw new Error(`UnsortedSegmentSum: segmentIds ${JSON.stringify(idShape)} must be a prefix of x ${JSON.stringify(x.shape)}`);
    }
    const inner = size(x.shape.slice(idShape.length));
    const out = backend.makeOutput([numSegments, ...x.shape.slice(idShape.length)], x.dtype);
    const result = backend.typedArrayFromHeap(out);
    const values = backend.typedArrayFromHeap(x);
    const ids = backend.typedArrayFromHeap(segmentIds);
    result.fill(0);
    for (let i = 0; i < ids.length; i++) {
      const s = ids[i]!;
      if (s < 0 || s >= numSegments) continue;
      for (let j = 0; j < inner; j++) result[s * inner + j]! += values[i * inner + j]!;
    }
    return out;
  };
}

/** out[i, …] = x[indices[i], …] when gathering whole rows (axis 0, no batch dims); tfjs's kernel otherwise. */
function gatherRows(original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { x, indices } = inputs as { x: Info; indices: Info };
    const { axis, batchDims } = attrs as unknown as { axis: number; batchDims: number };
    if (axis !== 0 || batchDims !== 0 || x.dtype === 'string' || x.shape.length === 0) return original(args);
    const rows = x.shape[0]!;
    const inner = size(x.shape.slice(1));
    const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
    const [from, to, at] = [x, out, indices].map((t) => backend.typedArrayFromHeap(t));
    for (let i = 0; i < at!.length; i++) {
      const row = at![i]!;
      if (!(row >= 0 && row < rows)) {
        backend.disposeData(out.dataId);
        throw new Error(`GatherV2: index ${row} is not in [0, ${rows - 1}]`);
      }
      to!.set(from!.subarray(row * inner, (row + 1) * inner), i * inner);
    }
    return out;
  };
}

function identity(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: Info };
    if (x.dtype === 'string') return original(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}

/** The wasm tier's overrides; `original` gives the backend's own kernel (registered at init). */
export function wasmKernels(original: (name: string) => KernelFunc): KernelOverride[] {
  const batchMatMul = untransposedMatMul(original(tf.BatchMatMul));
  return [
    { kernelName: tf.BatchMatMul, kernelFunc: batchMatMul },
    { kernelName: tf._FusedMatMul, kernelFunc: untransposedMatMul(original(tf._FusedMatMul)) },
    { kernelName: tf.Conv2DBackpropFilter, kernelFunc: conv2DBackpropFilter(batchMatMul) },
    { kernelName: tf.Conv2DBackpropInput, kernelFunc: conv2DBackpropInput(batchMatMul) },
    { kernelName: tf.OneHot, kernelFunc: oneHot(original(tf.OneHot)) },
    { kernelName: tf.UnsortedSegmentSum, kernelFunc: unsortedSegmentSum() },
    { kernelName: tf.GatherV2, kernelFunc: gatherRows(original(tf.GatherV2)) },
    { kernelName: tf.LeakyRelu, kernelFunc: leakyRelu(original(tf.Step), original(tf.Multiply)) },
    { kernelName: tf.Identity, kernelFunc: identity(original(tf.Identity)) },
  ];
}
