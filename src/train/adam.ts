/**
 * Adam (Kingma & Ba, 2015) in PyTorch's form, so runs can be cross-checked against PyTorch:
 *   m ← β1·m + (1−β1)·g,   v ← β2·v + (1−β2)·g²,
 *   θ ← θ − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε).
 * (tfjs's own Adam puts ε inside the bias correction, a slightly different update.) On the native
 * tier one fused kernel does a parameter's whole update; elsewhere the same formula runs as tf ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import { valueAt, type Scheduled } from './schedule.js';

/** The fused update kernel's name; registered by the native tier (src/engine/kernels/native.ts). */
export const ADAM_KERNEL = 'DiscernAdam';

export interface AdamSettings {
  /** Scheduled over this optimizer's updates (src/train/schedule.ts). */
  learningRate: Scheduled;
  beta1: number;
  beta2: number;
  epsilon?: number;
}

export class Adam {
  readonly epsilon: number;
  /** Updates applied so far (the t of the bias corrections); part of a checkpoint. */
  t = 0;
  private readonly slots: Array<{ m: tf.Variable; v: tf.Variable }>;

  constructor(readonly variables: tf.Variable[], readonly settings: AdamSettings) {
    this.epsilon = settings.epsilon ?? 1e-8;
    this.slots = tf.tidy(() => variables.map((p) => ({
      m: tf.variable(tf.zerosLike(p), false),
      v: tf.variable(tf.zerosLike(p), false),
    })));
  }

  /** Applies one update; `grads[i]` is the gradient of `variables[i]`. */
  step(grads: tf.Tensor[]): void {
    if (grads.length !== this.variables.length) {
      throw new Error(`Adam.step: ${grads.length} gradients for ${this.variables.length} variables`);
    }
    const learningRate = valueAt(this.settings.learningRate, this.t);
    this.t++;
    const { beta1, beta2 } = this.settings;
    const stepSize = learningRate / (1 - beta1 ** this.t);
    const inverseSqrtBiasCorrection2 = 1 / Math.sqrt(1 - beta2 ** this.t);
    const fused = tf.getKernel(ADAM_KERNEL, tf.getBackend()) !== undefined;
    this.variables.forEach((param, i) => {
      const { m, v } = this.slots[i]!;
      const grad = grads[i]!;
      tf.tidy(() => {
        let next: tf.Tensor[];
        if (fused) {
          next = tf.engine().runKernel(ADAM_KERNEL, { param, grad, m, v },
            { stepSize, beta1, beta2, epsilon: this.epsilon, inverseSqrtBiasCorrection2 }) as tf.Tensor[];
        } else {
          const m1 = tf.add(tf.mul(m, beta1), tf.mul(grad, 1 - beta1));
          const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(grad), 1 - beta2));
          const denominator = tf.add(tf.mul(tf.sqrt(v1), inverseSqrtBiasCorrection2), this.epsilon);
          next = [tf.sub(param, tf.mul(stepSize, tf.div(m1, denominator))), m1, v1];
        }
        param.assign(next[0]!);
        m.assign(next[1]!);
        v.assign(next[2]!);
      });
    });
  }

  /** The moment estimates by variable index, for checkpoints (`t` goes with them). */
  moments(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    this.slots.forEach(({ m, v }, i) => {
      out.set(`${i}.m`, m);
      out.set(`${i}.v`, v);
    });
    return out;
  }

  dispose(): void {
    for (const { m, v } of this.slots) tf.dispose([m, v]);
  }
}
