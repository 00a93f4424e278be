/**
 * A RealNVP normalizing flow on 2-D points (Dinh, Sohl-Dickstein & Bengio, 2017): a generator whose
 * density is exact and differentiable, so one model can be trained by MLE, NCE and GAN costs alike.
 *
 *   x = f(z) = f_K ∘ … ∘ f_1(z),  z ~ N(0, I₂).
 *
 * Coupling k keeps coordinate c = k mod 2 and moves the other one, u, by an affine map whose
 * log-scale s and shift t are computed from the kept coordinate by a small MLP:
 *
 *   u' = u·exp(s) + t,   s = B·tanh(ŝ/B),   (ŝ, t) = MLP_k(x_c).
 *
 * Its Jacobian is triangular with diagonal (1, exp(s)), so log|det ∂f_k| = s, and it inverts in
 * closed form: u = (u' − t)·exp(−s). By the change of variables,
 *
 *   log p(x) = log N(f⁻¹(x); 0, I₂) − Σ_k s_k(x),   log N(z; 0, I₂) = −½‖z‖² − log 2π.
 *
 * Bounding each log-scale by B keeps one update from sending a scale to 0 or ∞ (so log p stays
 * finite), while tanh(ŝ/B)·B ≈ ŝ near zero leaves small scales unbent. The MLPs use tanh units, so
 * f and log p are smooth.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../engine/random.js';
import { Dense, Sequential, tanh } from './layers.js';

export interface CouplingFlowOptions {
  /** Coupling layers; they alternate which coordinate conditions the other (default 6). */
  couplings?: number;
  /** Width of the two hidden layers of each conditioner MLP (default 32). */
  hidden?: number;
  /** B, the bound on each layer's log-scale |s| (default 2). */
  logScaleBound?: number;
}

/** The flow's points with the log|det| of the map that produced them, per point. */
export interface Transformed {
  points: tf.Tensor2D;
  logAbsDetJacobian: tf.Tensor1D;
}

export class CouplingFlow {
  readonly logScaleBound: number;
  /** Conditioner k maps the kept coordinate [n, 1] to (ŝ, t) [n, 2]. */
  private readonly conditioners: Sequential[];

  /** Weights drawn from `rng` (PyTorch defaults): the same seed gives the same flow. */
  constructor(rng: Rng, { couplings = 6, hidden = 32, logScaleBound = 2 }: CouplingFlowOptions = {}) {
    this.logScaleBound = logScaleBound;
    const conditioners: Sequential[] = [];
    // Dense keeps the tensors its variables start from alive; variables outlive a tidy, they do not.
    tf.tidy(() => {
      for (let k = 0; k < couplings; k++) {
        conditioners.push(new Sequential([
          new Dense(1, hidden, rng), tanh(),
          new Dense(hidden, hidden, rng), tanh(),
          new Dense(hidden, 2, rng),
        ]));
      }
    });
    this.conditioners = conditioners;
  }

  get variables(): tf.Variable[] {
    return this.conditioners.flatMap((net) => net.variables);
  }

  /** x = f(z) and log|det ∂f/∂z| for z [n, 2]. */
  forward(z: tf.Tensor2D): Transformed {
    return this.transform(z, 'forward');
  }

  /** z = f⁻¹(x) and log|det ∂f⁻¹/∂x| for x [n, 2]. */
  inverse(x: tf.Tensor2D): Transformed {
    return this.transform(x, 'inverse');
  }

  /** Samples x = f(z) for standard-normal z [n, 2]; differentiable in the flow's weights. */
  sample(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.forward(z).points);
  }

  /** log p(x) [n] for x [n, 2], exact; differentiable in x and in the flow's weights. */
  logDensity(x: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const { points: z, logAbsDetJacobian } = this.inverse(x);
      return tf.add(standardNormalLogDensity(z), logAbsDetJacobian);
    });
  }

  /** Overwrites this flow's weights with `source`'s (same architecture): a frozen snapshot. */
  copyFrom(source: CouplingFlow): void {
    const from = source.variables;
    const to = this.variables;
    if (from.length !== to.length || from.some((v, i) => v.size !== to[i]!.size)) {
      throw new Error('CouplingFlow.copyFrom: the two flows have different architectures');
    }
    to.forEach((v, i) => v.assign(from[i]!));
  }

  dispose(): void {
    for (const net of this.conditioners) net.dispose();
  }

  /**
   * Runs the couplings in order (forward) or in reverse, each on the two coordinates as separate
   * [n, 1] columns, so no layer splits and re-joins the points.
   */
  private transform(points: tf.Tensor2D, direction: 'forward' | 'inverse'): Transformed {
    return tf.tidy(() => {
      const sign = direction === 'forward' ? 1 : -1;
      const columns = tf.split(points, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      let logAbsDet: tf.Tensor = tf.zeros([points.shape[0], 1]);
      const order = this.conditioners.map((_, k) => k);
      for (const k of direction === 'forward' ? order : order.reverse()) {
        const kept = columns[k % 2]!;
        const moved = columns[1 - (k % 2)]!;
        const [rawLogScale, shift] = tf.split(this.conditioners[k]!.apply(kept, true), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
        const logScale = tf.mul(tf.tanh(tf.div(rawLogScale, this.logScaleBound)), this.logScaleBound);
        columns[1 - (k % 2)] = direction === 'forward'
          ? tf.add(tf.mul(moved, tf.exp(logScale)), shift)
          : tf.mul(tf.sub(moved, shift), tf.exp(tf.neg(logScale)));
        logAbsDet = tf.add(logAbsDet, tf.mul(logScale, sign));
      }
      return { points: tf.concat(columns, 1) as tf.Tensor2D, logAbsDetJacobian: tf.reshape(logAbsDet, [-1]) as tf.Tensor1D };
    });
  }
}

/** log N(z; 0, I₂) per row of z [n, 2]. */
export function standardNormalLogDensity(z: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sub(tf.mul(-0.5, tf.sum(tf.square(z), 1)), Math.log(2 * Math.PI)) as tf.Tensor1D);
}
