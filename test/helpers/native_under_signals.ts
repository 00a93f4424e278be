/**
 * Child process of test/native.test.ts, run under `node --cpu-prof --cpu-prof-interval 20`: the
 * V8 sampler interrupts the main thread with SIGPROF every 20 µs while the native tier computes
 * the hyperplane critic's 7×7 convolution (oneDNN's sgemm path) forward and backward. Prints the
 * largest difference between any iteration's gradients and the first's; the parent asserts 0.
 */
import { initEngine, tf } from '../../src/engine/index.js';

await initEngine('native');
const x = tf.randomNormal([80, 7, 7, 64], 0, 1, 'float32', 1);
const filter = tf.randomNormal([7, 7, 64, 128], 0, 0.05, 'float32', 2);
const gradients = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid'))));
const first = gradients([x, filter]).map((g) => g.dataSync().slice());
let worst = 0;
for (let i = 0; i < 300; i++) {
  tf.tidy(() => {
    gradients([x, filter]).forEach((g, k) => {
      const values = g.dataSync();
      for (let j = 0; j < values.length; j++) worst = Math.max(worst, Math.abs(values[j]! - first[k]![j]!));
    });
  });
}
console.log(JSON.stringify({ worst }));
