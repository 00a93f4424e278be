/**
 * Network building blocks as plain objects holding `tf.Variable`s, so custom training loops can
 * take first- and second-order gradients through them with `tf.grad` / `tf.variableGrads`.
 * Images are NHWC. Initialization follows PyTorch's defaults (weights and biases uniform on
 * ±1/√fan_in) so that cross-checks against PyTorch start from the same distribution.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../engine/random.js';

export interface Layer {
  /** Trainable parameters by name, in a fixed order (used by optimizers and checkpoints). */
  readonly params: Record<string, tf.Variable>;
  apply(x: tf.Tensor, training: boolean): tf.Tensor;
  /** Forward multiply-adds ×2 for a batch of `batch` (benchmarks report GFLOP/s from it). */
  flops(batch: number): number;
}

function uniformVariable(rng: Rng, shape: number[], bound: number): tf.Variable {
  const count = shape.reduce((a, b) => a * b, 1);
  return tf.tidy(() => tf.variable(tf.tensor(rng.uniforms(count, -bound, bound), shape)));
}

export class Dense implements Layer {
  readonly params: Record<string, tf.Variable>;

  constructor(readonly inFeatures: number, readonly outFeatures: number, rng: Rng) {
    const bound = 1 / Math.sqrt(inFeatures);
    this.params = {
      weight: uniformVariable(rng, [inFeatures, outFeatures], bound),
      bias: uniformVariable(rng, [outFeatures], bound),
    };
  }

  apply(x: tf.Tensor): tf.Tensor {
    return tf.add(tf.matMul(x as tf.Tensor2D, this.params.weight as tf.Tensor2D), this.params.bias!);
  }

  flops(batch: number): number {
    return 2 * batch * this.inFeatures * this.outFeatures;
  }
}

/** 'same' padding at stride s maps H to ceil(H/s), like PyTorch's padding=(k−s)/2 for even k−s. */
export class Conv2d implements Layer {
  readonly params: Record<string, tf.Variable>;
  private outSpatial = 0;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernel: number,
    readonly stride: number,
    rng: Rng,
    readonly padding: 'same' | 'valid' = 'same',
  ) {
    const bound = 1 / Math.sqrt(inChannels * kernel * kernel);
    this.params = {
      weight: uniformVariable(rng, [kernel, kernel, inChannels, outChannels], bound),
      bias: uniformVariable(rng, [outChannels], bound),
    };
  }

  apply(x: tf.Tensor): tf.Tensor {
    const y = tf.conv2d(x as tf.Tensor4D, this.params.weight as tf.Tensor4D, this.stride, this.padding);
    this.outSpatial = y.shape[1] * y.shape[2];
    return tf.add(y, this.params.bias!);
  }

  flops(batch: number): number {
    return 2 * batch * this.outSpatial * this.outChannels * this.kernel * this.kernel * this.inChannels;
  }
}

/** Transposed convolution: with 'same' padding, H → H·stride (PyTorch: padding=(k−s)/2). */
export class ConvTranspose2d implements Layer {
  readonly params: Record<string, tf.Variable>;
  private inSpatial = 0;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernel: number,
    readonly stride: number,
    rng: Rng,
  ) {
    // PyTorch computes fan_in of a transposed conv from weight dim 1 (= outChannels).
    const bound = 1 / Math.sqrt(outChannels * kernel * kernel);
    this.params = {
      weight: uniformVariable(rng, [kernel, kernel, outChannels, inChannels], bound),
      bias: uniformVariable(rng, [outChannels], bound),
    };
  }

  apply(x: tf.Tensor): tf.Tensor {
    const [n, h, w] = x.shape as [number, number, number, number];
    this.inSpatial = h * w;
    const outShape: [number, number, number, number] = [n, h * this.stride, w * this.stride, this.outChannels];
    const y = tf.conv2dTranspose(x as tf.Tensor4D, this.params.weight as tf.Tensor4D, outShape, this.stride, 'same');
    return tf.add(y, this.params.bias!);
  }

  flops(batch: number): number {
    return 2 * batch * this.inSpatial * this.inChannels * this.kernel * this.kernel * this.outChannels;
  }
}

/**
 * Batch normalization over all axes but the last (features / channels). Training mode uses the
 * batch's statistics (biased variance, as PyTorch) and updates running averages with
 * `momentum`; evaluation uses the running averages.
 */
export class BatchNorm implements Layer {
  readonly params: Record<string, tf.Variable>;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(readonly features: number, readonly momentum = 0.1, readonly epsilon = 1e-5) {
    // tidy disposes the initial values; variables outlive it.
    this.params = tf.tidy(() => ({
      gamma: tf.variable(tf.ones([features])),
      beta: tf.variable(tf.zeros([features])),
    }));
    this.runningMean = tf.tidy(() => tf.variable(tf.zeros([features]), false));
    this.runningVar = tf.tidy(() => tf.variable(tf.ones([features]), false));
  }

  apply(x: tf.Tensor, training: boolean): tf.Tensor {
    const { gamma, beta } = this.params as { gamma: tf.Variable; beta: tf.Variable };
    if (!training) return tf.batchNorm(x, this.runningMean, this.runningVar, beta, gamma, this.epsilon);
    const axes = x.shape.map((_, i) => i).slice(0, -1);
    const { mean, variance } = tf.moments(x, axes);
    const count = x.size / this.features;
    tf.tidy(() => {
      const m = this.momentum;
      const unbiased = tf.mul(variance, count / Math.max(count - 1, 1));
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
    });
    // Written out rather than tf.batchNorm: its registered gradient tiles per-channel factors to
    // the full activation shape, which costs more than the rest of the layer.
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, this.epsilon)));
    return tf.add(tf.mul(tf.sub(x, mean), scale), beta);
  }

  flops(batch: number): number {
    return 0 * batch;
  }
}

/** A parameter-free step: activation, reshape, flatten. */
export class Fn implements Layer {
  readonly params: Record<string, tf.Variable> = {};
  constructor(readonly name: string, private readonly f: (x: tf.Tensor) => tf.Tensor) {}
  apply(x: tf.Tensor): tf.Tensor {
    return this.f(x);
  }
  flops(): number {
    return 0;
  }
}

export const leakyRelu = (alpha = 0.2) => new Fn(`leakyRelu(${alpha})`, (x) => tf.leakyRelu(x, alpha));
export const relu = () => new Fn('relu', (x) => tf.relu(x));
export const tanh = () => new Fn('tanh', (x) => tf.tanh(x));
export const reshape = (shape: number[]) =>
  new Fn(`reshape(${shape})`, (x) => tf.reshape(x, [x.shape[0]!, ...shape]));
export const flatten = () => new Fn('flatten', (x) => tf.reshape(x, [x.shape[0]!, -1]));

export class Sequential implements Layer {
  readonly params: Record<string, tf.Variable>;

  constructor(readonly layers: Layer[]) {
    this.params = {};
    layers.forEach((layer, i) => {
      for (const [name, v] of Object.entries(layer.params)) this.params[`${i}.${name}`] = v;
    });
  }

  apply(x: tf.Tensor, training: boolean): tf.Tensor {
    return this.layers.reduce((h, layer) => layer.apply(h, training), x);
  }

  /** Valid after one forward pass (convolutions learn their spatial sizes then). */
  flops(batch: number): number {
    return this.layers.reduce((sum, layer) => sum + layer.flops(batch), 0);
  }

  get variables(): tf.Variable[] {
    return Object.values(this.params);
  }

  /** Everything a checkpoint must hold: the parameters and batch norms' running statistics. */
  state(): Map<string, tf.Variable> {
    const state = new Map(Object.entries(this.params));
    this.layers.forEach((layer, i) => {
      if (layer instanceof BatchNorm) {
        state.set(`${i}.runningMean`, layer.runningMean);
        state.set(`${i}.runningVar`, layer.runningVar);
      }
    });
    return state;
  }

  /** Loads values saved from `state()`; names and shapes must match exactly. */
  loadState(arrays: Map<string, { shape: number[]; values: Float32Array }>, source: string): void {
    const state = this.state();
    for (const name of arrays.keys()) {
      if (!state.has(name)) throw new Error(`${source}: holds '${name}', which this network does not have`);
    }
    for (const [name, variable] of state) {
      const saved = arrays.get(name);
      if (!saved) throw new Error(`${source}: has no '${name}'`);
      if (saved.shape.join() !== variable.shape.join()) {
        throw new Error(`${source}: '${name}' has shape [${saved.shape}], the network expects [${variable.shape}]`);
      }
      variable.assign(tf.tensor(saved.values, saved.shape));
    }
  }

  dispose(): void {
    for (const layer of this.layers) {
      for (const v of Object.values(layer.params)) v.dispose();
      if (layer instanceof BatchNorm) {
        layer.runningMean.dispose();
        layer.runningVar.dispose();
      }
    }
  }
}
