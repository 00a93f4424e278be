import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradient functions; tfjs-layers' bundle carries and
// registers all of core's (the same ones `@tensorflow/tfjs` registers). Imported for that effect.
import '@tensorflow/tfjs-layers';

/**
 * Comparison ops are piecewise constant, so their gradient is zero almost everywhere. tfjs
 * registers none, which breaks second-order autodiff (the WGAN-GP penalty) through `relu` and
 * `leakyRelu`, whose gradients call `Greater`/`GreaterEqual`.
 */
const PIECEWISE_CONSTANT_BINARY = [
  'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual', 'LogicalAnd', 'LogicalOr',
];

/**
 * dW = Conv2DBackpropFilter(x, dy) is bilinear in (x, dy); given the upstream gradient G (filter
 * shaped), d/dx = conv2dTranspose-style input gradient of dy with filter G, d/ddy = conv2d(x, G).
 * Only needed beyond second order, registered so no chain of gradients dead-ends.
 */
function registerConv2DBackpropFilterGradient(): void {
  tf.registerGradient({
    kernelName: tf.Conv2DBackpropFilter,
    inputsToSave: ['x', 'dy'],
    gradFunc: (g, saved, attrs) => {
      const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
      const { strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      const G = g as tf.Tensor4D;
      return {
        x: () => tf.conv2dTranspose(dy, G, x.shape, strides, pad as 'same' | 'valid', dimRoundingMode),
        dy: () => tf.conv2d(x, G, strides, pad as 'same' | 'valid', dataFormat as 'NHWC', 1, dimRoundingMode),
      };
    },
  });
}

interface TapeNode {
  inputs: Record<string, { id: number }>;
  outputs: Array<{ id: number }>;
}

/**
 * tfjs saves the tensors a gradient needs by cloning them onto the tape *before* the tape node
 * of the op that produced them. Backprop walks the tape in order, so a clone of an op's own
 * output looks unreachable and is treated as a constant: first-order gradients are right, but
 * second-order ones through every op whose gradient uses its output (tanh, sigmoid, exp, elu,
 * pow, softmax, logSoftmax, max-pooling, …) are silently wrong. After each new node, this moves
 * the clones that read its outputs behind it, where they belong.
 */
function placeSavedOutputsAfterTheirOp(): void {
  const engine = tf.engine() as unknown as {
    addTapeNode: (...args: unknown[]) => void;
    state: { activeTape: TapeNode[] };
  };
  const addTapeNode = engine.addTapeNode.bind(engine);
  engine.addTapeNode = (...args: unknown[]) => {
    addTapeNode(...args);
    const tape = engine.state.activeTape;
    const node = tape[tape.length - 1]!;
    const outputs = new Set(node.outputs.map((t) => t.id));
    let first = tape.length - 1;
    while (first > 0 && Object.values(tape[first - 1]!.inputs).some((t) => outputs.has(t.id))) first--;
    if (first < tape.length - 1) tape.push(...tape.splice(first, tape.length - 1 - first));
  };
}

/** EluGrad(dy, y) = dy · (y > 0 ? 1 : y + 1), the ELU's backward kernel: its own gradient, for second order. */
function registerEluGradGradient(): void {
  tf.registerGradient({
    kernelName: tf.EluGrad,
    inputsToSave: ['dy', 'y'],
    gradFunc: (g, saved) => {
      const [dy, y] = saved as [tf.Tensor, tf.Tensor];
      const positive = tf.greater(y, 0);
      return {
        dy: () => tf.mul(g as tf.Tensor, tf.where(positive, tf.onesLike(y), tf.add(y, 1))),
        y: () => tf.where(positive, tf.zerosLike(y), tf.mul(g as tf.Tensor, dy)),
      };
    },
  });
}

/**
 * d leakyRelu(x)/dx = step(x, α) (1 for x > 0, else α). tfjs's own gradient builds the same
 * mask from Greater and Select, two scalar-loop kernels on wasm; Step is vectorized. The mask is
 * piecewise constant, so second-order gradients through it are zero, as they should be.
 */
const leakyReluGradient: tf.GradConfig = {
  kernelName: tf.LeakyRelu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const { alpha } = attrs as unknown as tf.LeakyReluAttrs;
    return { x: () => tf.mul(dy as tf.Tensor, tf.step(x, alpha)) };
  },
};

/**
 * Sum and Mean send dy back to every summed element. tfjs's gradients multiply it by
 * `ones(x.shape)`, an array filled in JavaScript and copied into the backend on every call, as
 * large as x (batch-norm statistics reduce whole activations: ~3% of a visual-hyperplane GAN
 * step); `onesLike(x)` is one fill kernel. Sum's gradient is also made lazy, like Mean's.
 */
function reductionGradient(kernelName: string, mean: boolean): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const axes = tf.util.parseAxisParam((attrs as unknown as tf.SumAttrs).axis, x.shape);
      const kept = x.shape.map((size, axis) => (axes.includes(axis) ? 1 : size));
      const count = axes.reduce((n, axis) => n * x.shape[axis]!, 1);
      return {
        x: () => {
          const perElement = tf.reshape(dy as tf.Tensor, kept);
          return tf.mul(mean ? tf.div(perElement, count) : perElement, tf.onesLike(x));
        },
      };
    },
  };
}

let registered = false;

export function registerGradients(): void {
  if (registered) return;
  registered = true;
  for (const kernelName of PIECEWISE_CONSTANT_BINARY) {
    if (tf.getGradient(kernelName)) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy, saved) => {
        const [a, b] = saved as [tf.Tensor, tf.Tensor];
        return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
      },
    });
  }
  if (!tf.getGradient(tf.Conv2DBackpropFilter)) registerConv2DBackpropFilterGradient();
  if (!tf.getGradient(tf.EluGrad)) registerEluGradGradient();
  tf.registerGradient(leakyReluGradient);
  tf.registerGradient(reductionGradient(tf.Sum, false));
  tf.registerGradient(reductionGradient(tf.Mean, true));
  placeSavedOutputsAfterTheirOp();
}
