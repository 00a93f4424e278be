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
}
