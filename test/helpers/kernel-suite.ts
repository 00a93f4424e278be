/**
 * The kernel suite every tier runs: discern's kernels on the wasm backend (wasm or native tier)
 * against tfjs's `cpu` reference backend, forward values and first- and second-order gradients,
 * over many shapes. test/kernels.test.ts runs it on the wasm tier, test/native.test.ts on native.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, Rng, tf, engineInfo } from '../../src/engine/index.js';
import { assertBackendsAgree } from './engine.js';

const randn = (seed: string, shape: number[]) =>
  tf.tensor(new Rng(seed).normals(shape.reduce((a, b) => a * b, 1)), shape);

export const EXPECTED_KERNELS = {
  wasm: ['BatchMatMul', '_FusedMatMul', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'LeakyRelu', 'OneHot', 'UnsortedSegmentSum', 'GatherV2', 'Identity'],
  native: ['BatchMatMul', '_FusedMatMul', 'Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Sum', 'Mean', 'Add', 'Sub', 'Multiply', 'Tanh', 'LeakyRelu', 'OneHot', 'UnsortedSegmentSum', 'GatherV2', 'Identity'],
};

export function kernelSuite(tier: 'wasm' | 'native'): void {
before(async () => {
  await initEngine(tier);
});

describe(`${tier} kernel overrides`, () => {
  test(`are installed on the ${tier} tier`, () => {
    const { overriddenKernels, tier: active } = engineInfo();
    assert.equal(active, tier);
    for (const k of EXPECTED_KERNELS[tier]) {
      assert.ok(overriddenKernels.includes(k), `${k} not overridden`);
    }
  });
});

describe('BatchMatMul, all transpose combinations', () => {
  const cases: Array<{ a: number[]; b: number[]; tA: boolean; tB: boolean }> = [];
  for (const [m, k, n] of [[1, 1, 1], [5, 7, 3], [64, 100, 9], [3, 200, 150], [150, 20, 1]] as const) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        cases.push({ a: tA ? [k, m] : [m, k], b: tB ? [n, k] : [k, n], tA, tB });
        cases.push({ a: tA ? [2, k, m] : [2, m, k], b: tB ? [2, n, k] : [2, k, n], tA, tB });
      }
    }
  }
  cases.push({ a: [3, 4, 5], b: [1, 5, 6], tA: false, tB: false }, { a: [1, 5, 4], b: [3, 6, 5], tA: true, tB: true });
  for (const { a, b, tA, tB } of cases) {
    test(`${JSON.stringify(a)}${tA ? 'ᵀ' : ''} · ${JSON.stringify(b)}${tB ? 'ᵀ' : ''}`, () => {
      assertBackendsAgree(() => tf.matMul(randn('a', a), randn('b', b), tA, tB), 'matMul');
    });
  }

  test('fused product with bias and activation keeps the bias on C, not Cᵀ', () => {
    assertBackendsAgree(() => tf.fused.matMul({
      a: randn('a', [64, 30]), b: randn('b', [50, 30]), transposeB: true,
      bias: randn('bias', [50]), activation: 'relu',
    }), 'fused matMul');
    assertBackendsAgree(() => tf.fused.matMul({
      a: randn('a', [30, 4]), b: randn('b', [30, 50]), transposeA: true, bias: randn('bias', [50]),
    }), 'fused matMul tA');
  });

  test('gradients of a transposed product', () => {
    assertBackendsAgree(() => {
      const [ga, gb] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.matMul(a, b, true, true))))(
        [randn('a', [9, 6]), randn('b', [4, 9])]);
      return [ga!, gb!];
    }, 'matMul grads', 1e-4, 1e-4);
  });
});

describe('convolution gradients and conv2dTranspose', () => {
  const shapes = [
    { x: [1, 5, 5, 1], k: 3, out: 2 },
    // One input channel, 4×4 at stride 2 with uneven 'same' padding: a generator's last deconvolution.
    { x: [2, 9, 12, 1], k: 4, out: 6 },
    { x: [3, 9, 7, 5], k: 3, out: 4 },
    { x: [2, 8, 8, 3], k: 4, out: 6 },
    { x: [2, 7, 10, 2], k: 1, out: 3 },
    { x: [1, 11, 9, 4], k: 5, out: 2 },
    // 'valid': the filter covers the input, one output position (a matrix product on the native tier).
    { x: [3, 7, 7, 4], k: 7, out: 5 },
  ];
  for (const { x: xShape, k, out } of shapes) {
    for (const stride of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) {
        const name = `x ${JSON.stringify(xShape)} k${k} → ${out} stride ${stride} ${pad}`;
        test(name, () => {
          const wShape = [k, k, xShape[3]!, out];
          // Input and filter gradients of conv2d (Conv2DBackpropInput / Conv2DBackpropFilter).
          assertBackendsAgree(() => {
            const x = randn('x', xShape) as tf.Tensor4D;
            const w = randn('w', wShape) as tf.Tensor4D;
            const y = tf.conv2d(x, w, stride, pad);
            const dy = randn('dy', y.shape);
            const [gx, gw] = tf.grads((xx: tf.Tensor, ww: tf.Tensor) =>
              tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, stride, pad), dy)))([x, w]);
            return [y, gx!, gw!];
          }, name, 1e-5, 1e-5);
          // conv2dTranspose forward and its gradients (the generator's deconvolutions).
          assertBackendsAgree(() => {
            const w = randn('w', wShape) as tf.Tensor4D;
            const z = tf.conv2d(randn('x', xShape) as tf.Tensor4D, w, stride, pad);
            const up = (zz: tf.Tensor, ww: tf.Tensor) =>
              tf.conv2dTranspose(zz as tf.Tensor4D, ww as tf.Tensor4D, xShape as [number, number, number, number], stride, pad);
            const dx = randn('dx', xShape);
            const [gz, gw] = tf.grads((zz: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(up(zz, ww), dx)))([z, w]);
            return [up(z, w), gz!, gw!];
          }, `${name} (transpose)`, 1e-5, 1e-5);
        });
      }
    }
  }
});

describe('dilated convolution (forward; tfjs has no dilated conv gradients)', () => {
  for (const [dilation, pad] of [[2, 'same'], [2, 'valid'], [3, 'same']] as const) {
    test(`dilation ${dilation} ${pad}`, () => {
      assertBackendsAgree(() => tf.conv2d(randn('x', [2, 11, 9, 3]) as tf.Tensor4D, randn('w', [3, 3, 3, 4]) as tf.Tensor4D, 1, pad, 'NHWC', dilation),
        `dilated conv ${dilation} ${pad}`, 1e-5, 1e-5);
    });
  }
});

describe('second-order gradients (the WGAN-GP penalty) through conv and dense layers', () => {
  /** ‖∇ₓ Σ f(x)‖² for f = dense ∘ leakyRelu ∘ conv ∘ leakyRelu ∘ conv; its gradient in the weights. */
  function penaltyGradient(activation: (t: tf.Tensor) => tf.Tensor) {
    const x = randn('x', [3, 8, 8, 2]);
    const w1 = tf.mul(randn('w1', [3, 3, 2, 4]), 0.3) as tf.Tensor4D;
    const w2 = tf.mul(randn('w2', [4, 4, 4, 5]), 0.3) as tf.Tensor4D;
    const w3 = tf.mul(randn('w3', [4 * 4 * 5, 1]), 0.3) as tf.Tensor2D;
    const penalty = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
      const f = (xx: tf.Tensor) => {
        const h1 = activation(tf.conv2d(xx as tf.Tensor4D, a as tf.Tensor4D, 1, 'same'));
        const h2 = activation(tf.conv2d(h1 as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'));
        return tf.sum(tf.matMul(tf.reshape(h2, [3, -1]), c as tf.Tensor2D));
      };
      return tf.sum(tf.square(tf.grad(f)(x)));
    };
    return { penalty, weights: [w1, w2, w3] as tf.Tensor[] };
  }

  test('leaky ReLU network: wasm agrees with cpu', () => {
    assertBackendsAgree(() => {
      const { penalty, weights } = penaltyGradient((t) => tf.leakyRelu(t, 0.2));
      return tf.grads(penalty)(weights);
    }, 'penalty gradient', 1e-4, 1e-5);
  });

  test('smooth (tanh) network: autodiff matches central finite differences', () => {
    const { penalty, weights } = penaltyGradient((t) => tf.tanh(t));
    const analytic = tf.grads(penalty)(weights);
    const rng = new Rng('fd');
    for (let which = 0; which < weights.length; which++) {
      const w = weights[which]!;
      const values = w.dataSync().slice();
      for (let probe = 0; probe < 4; probe++) {
        const i = rng.int(values.length);
        const h = 1e-2;
        const at = (delta: number) => {
          const shifted = values.slice();
          shifted[i]! += delta;
          const args = weights.map((u, j) => (j === which ? tf.tensor(shifted, w.shape) : u));
          return penalty(args[0]!, args[1]!, args[2]!).dataSync()[0]!;
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        const exact = analytic[which]!.dataSync()[i]!;
        assert.ok(Math.abs(numeric - exact) <= 2e-2 * Math.max(1, Math.abs(exact)),
          `weight ${which}[${i}]: autodiff ${exact} vs finite difference ${numeric}`);
      }
    }
  });
});

describe('leaky ReLU', () => {
  test('forward and gradient agree with cpu to float32 rounding (α is rounded to float32 on wasm)', () => {
    for (const alpha of [0.2, 0.01, 0]) {
      assertBackendsAgree(() => {
        const x = tf.concat([randn('x', [1000]), tf.zeros([3]), tf.tensor1d([-1e-30, 1e-30, -5, 5])]);
        const dy = randn('dy', x.shape);
        const gx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(xx, alpha), dy)))(x);
        return [tf.leakyRelu(x, alpha), gx];
      }, `leakyRelu α=${alpha}`, 2e-7, 0);
    }
  });
});

describe('tanh', () => {
  test('forward and gradient agree with cpu to a few float32 ulps, from tiny to saturated inputs; NaN stays NaN', () => {
    assertBackendsAgree(() => {
      const x = tf.concat([
        tf.mul(randn('x', [2000]), 3), tf.linspace(-12, 12, 4001),
        tf.tensor1d([0, -1e-30, 3e-4, -4e-4, 5e-4, 7.9, -7.91, 40, Infinity, -Infinity]),
      ]);
      const dy = randn('dy', x.shape);
      return [tf.tanh(x), tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.tanh(xx), dy)))(x)];
    }, 'tanh', 1e-6, 0);
    assert.ok(Number.isNaN(tf.tanh(tf.tensor1d([NaN])).dataSync()[0]!));
  });
});

describe('Sum and Mean', () => {
  const shapes = [[64, 5, 5, 8], [7, 3], [1, 4, 1, 2], [300], [2, 3, 4], [3000, 2]];
  for (const shape of shapes) {
    for (const keepDims of [false, true]) {
      test(`${JSON.stringify(shape)} over every axis subset (keepDims ${keepDims})`, () => {
        const rank = shape.length;
        for (let mask = 1; mask < 1 << rank; mask++) {
          const axes = [...Array(rank).keys()].filter((a) => mask & (1 << a));
          assertBackendsAgree(() => {
            const x = randn('x', shape);
            return [tf.sum(x, axes, keepDims), tf.mean(x, axes, keepDims)];
          }, `axes ${axes}`, 1e-5, 1e-5);
        }
      });
    }
  }

  test('int32 sums stay exact', () => {
    assertBackendsAgree(() => tf.sum(tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32'), 0), 'int32 sum', 0, 0);
  });
});

describe('Add, Sub and Multiply with broadcasting', () => {
  // [a, b]: an operand repeated along the other's leading axes, on either side (the native
  // tier's own case), then cases it leaves to the wasm kernels: same shapes, scalars, broadcasts
  // along inner axes, both sides broadcast, and a small operand of higher rank.
  const pairs = [
    [[6, 5, 5, 8], [8]], [[1, 1, 1, 8], [6, 5, 5, 8]], [[4, 3, 7], [3, 7]], [[5, 300], [1, 300]], [[9, 1, 4], [4]],
    [[6, 5], [6, 5]], [[6, 5], []], [[6, 5], [6, 1]], [[4, 1], [1, 4]], [[1, 1, 5], [3, 5]], [[2, 2, 1], [1]],
  ];
  for (const [aShape, bShape] of pairs) {
    test(`${JSON.stringify(aShape)} ⊕ ${JSON.stringify(bShape)}, with gradients`, () => {
      assertBackendsAgree(() => {
        const a = randn('a', aShape!);
        const b = randn('b', bShape!);
        const outputs = [tf.add(a, b), tf.sub(a, b), tf.mul(a, b)];
        const dy = randn('dy', outputs[0]!.shape);
        const gradients = [tf.add, tf.sub, tf.mul].flatMap((op) =>
          tf.grads((aa: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(op(aa, bb), dy)))([a, b]));
        return [...outputs, ...gradients];
      }, `${aShape} ⊕ ${bShape}`, 1e-6, 1e-6);
    });
  }
});

describe('OneHot, GatherV2 and UnsortedSegmentSum (the gradient of gather)', () => {
  test('gather of rows, in every dtype, with repeated indices; other axes; an out-of-range index refused', () => {
    const x = randn('x', [6, 3, 2]);
    assertBackendsAgree(() => tf.gather(x, tf.tensor2d([[5, 0], [0, 2], [3, 3]], [3, 2], 'int32')), 'gather rows', 0, 0);
    assertBackendsAgree(() => tf.cast(tf.gather(tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], 'int32'), tf.tensor1d([2, 0, 2], 'int32')), 'float32'), 'int gather', 0, 0);
    assertBackendsAgree(() => tf.gather(x, tf.tensor1d([1, 0, 1], 'int32'), 1), 'gather along axis 1', 0, 0);
    assertBackendsAgree(() => tf.gather(tf.tensor1d([7, 8, 9]), tf.tensor1d([2, 2, 0], 'int32')), 'gather scalars', 0, 0);
    const before = tf.memory().numTensors;
    assert.throws(() => tf.gather(x, tf.tensor1d([0, 6], 'int32')), /index 6 is not in \[0, 5\]/);
    assert.ok(tf.memory().numTensors <= before + 1, 'the refused gather left no output behind');
    x.dispose();
  });

  test('oneHot in every dtype, with on/off values and out-of-range indices', () => {
    for (const dtype of ['float32', 'int32'] as const) {
      assertBackendsAgree(() => tf.cast(tf.oneHot(tf.tensor2d([[0, 3], [9, -1]], [2, 2], 'int32'), 4, 2, -1, dtype), 'float32'), `oneHot ${dtype}`, 0, 0);
    }
  });

  test('unsortedSegmentSum and the gradient of gather, float and int', () => {
    assertBackendsAgree(() => tf.unsortedSegmentSum(randn('x', [6, 3, 2]), tf.tensor1d([2, 0, 2, 5, -1, 0], 'int32'), 4), 'segment sum', 1e-6, 1e-6);
    assertBackendsAgree(() => tf.cast(tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4], 'int32'), tf.tensor1d([1, 1, 0, 3], 'int32'), 4), 'float32'), 'int segment sum', 0, 0);
    assertBackendsAgree(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.gather(x, tf.tensor1d([0, 0, 2, 1, 2], 'int32')), randn('w', [5, 3]))))(randn('x', [4, 3])), 'gather gradient', 1e-6, 1e-6);
  });
});

describe('Identity (clones share memory)', () => {
  test('a clone keeps its values when the original is disposed, and the memory is freed with the last of them', () => {
    const before = tf.memory();
    const x = randn('x', [1000]);
    const expected = x.dataSync().slice();
    const inner = tf.clone(x);
    const clones = [tf.clone(x), tf.clone(inner)];
    inner.dispose();
    assert.equal(tf.memory().numDataBuffers, before.numDataBuffers + 1, 'clones hold no memory of their own');
    x.dispose();
    for (const c of clones) assert.deepEqual(c.dataSync(), expected);
    // Ops on a clone produce new tensors and leave the shared values alone.
    const doubled = tf.mul(clones[0]!, 2);
    assert.deepEqual(clones[1]!.dataSync(), expected);
    doubled.dispose();
    clones.forEach((c) => c.dispose());
    assert.equal(tf.memory().numBytes, before.numBytes);
    assert.equal(tf.memory().numTensors, before.numTensors);
  });

  test('gradients that save their inputs and outputs agree with cpu (tanh, exp, sigmoid to second order)', () => {
    assertBackendsAgree(() => {
      const x = randn('x', [300]);
      const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.tanh(t), tf.sigmoid(tf.exp(tf.mul(t, 0.3)))));
      const g = (t: tf.Tensor) => tf.grad(f)(t);
      return [g(x), tf.grad((t: tf.Tensor) => tf.sum(tf.square(g(t))))(x)];
    }, 'second-order gradient', 1e-4, 1e-5);
  });
});
}
