/**
 * A generator corrected by its logistic critic: discriminator rejection sampling (Azadi et al.,
 * ICLR 2019). At its optimum the GAN critic's logit is a*(x) = log p_d(x) − log p_g(x) (Goodfellow
 * et al. 2014), so p_d = p_g · exp(a*): draw x ~ p_g and keep it with probability exp(a(x) − M),
 * M ≥ sup a. The kept samples follow p_g · exp(a) / Z, which is p_d when a = a* and M bounds it, and
 * a proposal is kept with probability Z · exp(−M) (exp(−M) when a = a*).
 *
 * A temperature T keeps x with probability exp((a(x) − M)/T): the kept samples follow
 * p_g · exp(a/T) / Z, which is p_g^(1 − 1/T) · p_d^(1/T) = p_d · (p_d/p_g)^(1/T − 1) when a = a*.
 * T = 1 is the exact correction; T > 1 a partial one, between p_g and p_d; T < 1 leans past p_d
 * towards where the critic most prefers data, trading the data's spread (recall) for the critic's
 * favourites (precision), as the truncation trick does for a latent.
 *
 * sup a is unknown: M is the largest logit of `pilot` proposals drawn first. A later proposal above M
 * is kept with probability 1 (counted in `aboveBound`), which under-weights the region above M. Each
 * later proposal exceeds the largest of `pilot` draws with probability 1/(pilot + 1) on average over
 * pilots, so with the default pilot about one proposal in 10,000 (a few in 10,000 for an unlucky
 * pilot) is kept too readily.
 */
import { tf, type Rng } from '../engine/index.js';

export interface RejectionStatistics {
  /** M: the pilot's largest logit. */
  bound: number;
  /** T: a proposal is kept with probability exp((logit − M)/T). */
  temperature: number;
  /** Proposals drawn after the pilot, and how many of them were kept. */
  proposals: number;
  kept: number;
  /** Proposals whose logit exceeded M (kept with probability 1). */
  aboveBound: number;
}

/** Below this fraction kept (after MIN_PROPOSALS), the critic's logits are too spread to sample by. */
const MIN_ACCEPTANCE = 1e-3;
const MIN_PROPOSALS = 100_000;

export class RejectionSampler {
  readonly statistics: RejectionStatistics;
  private readonly chunk: number;
  private pending: tf.Tensor | null = null;

  /**
   * `propose(n)`: n samples of p_g, first axis the sample; `logits(x)`: the critic's logit of each;
   * `rng`: the acceptance draws; `temperature`: T (default 1, the exact correction).
   */
  constructor(
    private readonly propose: (n: number) => tf.Tensor,
    private readonly logits: (x: tf.Tensor) => Float32Array,
    private readonly rng: Rng,
    { pilot = 10_000, chunk = 500, temperature = 1 } = {},
  ) {
    if (!(temperature > 0 && Number.isFinite(temperature))) {
      throw new Error(`rejection sampling: the temperature must be a positive number (got ${temperature}); 1 samples the data's density`);
    }
    this.chunk = chunk;
    let bound = -Infinity;
    for (let done = 0; done < pilot; done += chunk) {
      const x = propose(Math.min(chunk, pilot - done));
      for (const a of logits(x)) bound = Math.max(bound, a);
      x.dispose();
    }
    if (!Number.isFinite(bound)) throw new Error(`rejection sampling: the critic's largest logit over ${pilot} proposals is ${bound}`);
    this.statistics = { bound, temperature, proposals: 0, kept: 0, aboveBound: 0 };
  }

  /** `n` samples kept by the critic (the caller disposes them). */
  draw(n: number): tf.Tensor {
    const parts: tf.Tensor[] = this.pending ? [this.pending] : [];
    let have = this.pending?.shape[0] ?? 0;
    this.pending = null;
    const s = this.statistics;
    while (have < n) {
      const x = this.propose(this.chunk);
      const a = this.logits(x);
      const keep: number[] = [];
      for (let i = 0; i < a.length; i++) {
        if (a[i]! > s.bound) s.aboveBound++;
        if (this.rng.uniform() < Math.exp((a[i]! - s.bound) / s.temperature)) keep.push(i);
      }
      s.proposals += a.length;
      s.kept += keep.length;
      if (keep.length > 0) parts.push(tf.gather(x, keep));
      x.dispose();
      have += keep.length;
      if (s.proposals >= MIN_PROPOSALS && s.kept < MIN_ACCEPTANCE * s.proposals) {
        tf.dispose(parts);
        throw new Error(
          `rejection sampling kept ${s.kept} of ${s.proposals} proposals: the critic's logits spread too far below their largest (${s.bound.toFixed(2)}) ` +
          `for its density ratio to correct this generator; sample the generator alone${s.temperature < 1 ? ' or at a temperature nearer 1' : ''}`,
        );
      }
    }
    const all = parts.length === 1 ? parts[0]! : tf.concat(parts);
    if (parts.length > 1) tf.dispose(parts);
    if (have === n) return all;
    const [samples, rest] = tf.split(all, [n, have - n]);
    all.dispose();
    this.pending = rest!;
    return samples!;
  }

  /** Frees the samples kept beyond the last draw. */
  dispose(): void {
    this.pending?.dispose();
    this.pending = null;
  }
}
