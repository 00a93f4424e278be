/** Float64 numerics for exact expectations: sums over small spaces and quadrature in 1-D. */

export const LOG_2PI = Math.log(2 * Math.PI);

export function gaussianLogPdf(x: number, mean: number, sd: number): number {
  const z = (x - mean) / sd;
  return -0.5 * z * z - Math.log(sd) - 0.5 * LOG_2PI;
}

export function logSumExp(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]!);
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.exp(values[i]! - max);
  return max + Math.log(sum);
}

/** log(1 + eˣ), stable for any x. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/**
 * ∫ₐᵇ f(x) dx by composite Simpson's rule on `intervals` (rounded up to even) subintervals.
 * For the smooth, Gaussian-tailed integrands of the lab, [μ ± 12σ] with 4,000 intervals is exact
 * to ~1e-12.
 */
export function integrate(f: (x: number) => number, a: number, b: number, intervals = 4000): number {
  const n = intervals + (intervals % 2);
  const h = (b - a) / n;
  let sum = f(a) + f(b);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((ai, i) => {
    dot += ai * b[i]!;
    na += ai * ai;
    nb += b[i]! * b[i]!;
  });
  return dot / Math.sqrt(na * nb);
}

export function norm(a: readonly number[]): number {
  return Math.sqrt(a.reduce((s, v) => s + v * v, 0));
}

/** Least-squares slope of log y against log x (a rate: −0.5 for 1/√n). */
export function logLogSlope(x: readonly number[], y: readonly number[]): number {
  const lx = x.map(Math.log);
  const ly = y.map(Math.log);
  const mx = lx.reduce((s, v) => s + v, 0) / lx.length;
  const my = ly.reduce((s, v) => s + v, 0) / ly.length;
  let num = 0;
  let den = 0;
  lx.forEach((v, i) => {
    num += (v - mx) * (ly[i]! - my);
    den += (v - mx) ** 2;
  });
  return num / den;
}
