/** Means and 95% confidence intervals over a handful of seeds (Student's t, n − 1 degrees of freedom). */

/** t quantiles at 0.975 for 1…30 degrees of freedom. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
  2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
  2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The 0.975 quantile of Student's t; past 30 degrees of freedom, the Cornish–Fisher expansion around z = 1.96 (error < 1e-4). */
export function tQuantile975(degreesOfFreedom: number): number {
  if (degreesOfFreedom <= T_975.length) return T_975[degreesOfFreedom - 1]!;
  const z = 1.959964;
  const v = degreesOfFreedom;
  return z + (z ** 3 + z) / (4 * v) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * v ** 2);
}

export interface MeanInterval {
  n: number;
  mean: number;
  /** Half-width of the 95% interval, mean ± halfWidth; null for a single value. */
  halfWidth: number | null;
}

export function meanInterval(values: number[]): MeanInterval {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, halfWidth: null };
  const variance = values.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  return { n, mean, halfWidth: tQuantile975(n - 1) * Math.sqrt(variance / n) };
}
