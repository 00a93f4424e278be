import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../src/engine/index.js';
import { nceContinuousSection } from '../src/theory/nce_continuous.js';
import { selfContrastiveSection } from '../src/theory/self_contrastive.js';
import type { TheorySection } from '../src/theory/types.js';

before(async () => {
  await initEngine();
});

interface DrawCheck {
  model: string;
  exact: number;
  autodiff: number;
  staleCopy: number;
  c?: { gradient: number; offsetGradient: number; offsetDeviation: number };
}
interface SelfContrastiveData {
  draws: DrawCheck[];
  monteCarlo: { sampleSizes: number[]; series: Array<{ model: string; rms: number[]; slope: number }> };
}
interface NceFit {
  nu: number;
  params: { w: number[]; c: number };
  normalizationError: number;
  integral: number;
  heldOutLogLikelihood: number;
  distanceToMle: number;
}
interface NceContinuousData {
  mle: { heldOutLogLikelihood: number };
  nce: NceFit[];
}

const logSumExp = (v: number[]): number => {
  const m = Math.max(...v);
  return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0));
};

function assertWellFormed(section: TheorySection): void {
  assert.deepEqual(JSON.parse(JSON.stringify(section.data)), section.data, 'data must be plain JSON');
  assert.ok(section.figures.length > 0);
  for (const row of section.summary) assert.notEqual(row.ok, false, `${row.label}: ${row.value}, expected ${row.expected}`);
}

const selfContrastive = new Map<number, Promise<TheorySection>>();
const selfContrastiveRun = (seed: number): Promise<TheorySection> => {
  if (!selfContrastive.has(seed)) selfContrastive.set(seed, selfContrastiveSection({ quick: true, seed }));
  return selfContrastive.get(seed)!;
};

test('self-contrastive NCE gradient = ½ × MLE gradient: ≤ 1e-9 exact, ≤ 1e-5 through nceLoss, both models, several θ', async () => {
  for (const seed of [1, 2]) {
    const section = await selfContrastiveRun(seed);
    assertWellFormed(section);
    const { draws } = section.data as unknown as SelfContrastiveData;
    assert.equal(new Set(draws.map((d) => d.model)).size, 2);
    assert.ok(draws.length >= 8);
    for (const d of draws) {
      assert.ok(d.exact <= 1e-9, `${d.model} exact deviation ${d.exact}`);
      assert.ok(d.autodiff <= 1e-5, `${d.model} autodiff deviation ${d.autodiff}`);
      if (d.c) assert.ok(Math.abs(d.c.gradient) <= 1e-9, `∂V/∂c at c* = ${d.c.gradient}`);
    }
  }
});

test('the check can fail: a wrong c or a stale noise copy moves the ratio measurably off ½', async () => {
  const { draws } = (await selfContrastiveRun(1)).data as unknown as SelfContrastiveData;
  const unnormalized = draws.filter((d) => d.c);
  assert.ok(unnormalized.length > 0);
  for (const d of unnormalized) {
    assert.ok(d.c!.offsetDeviation > 0.05, `c off: deviation ${d.c!.offsetDeviation}`);
    // a ≡ δ = 0.5 everywhere, so ∂V/∂c = E_d(1 − σ(δ)) − E_g σ(δ) = 1 − 2σ(0.5).
    assert.ok(Math.abs(d.c!.offsetGradient - (1 - 2 / (1 + Math.exp(-0.5)))) < 1e-12);
  }
  for (const d of draws) assert.ok(d.staleCopy > 0.01, `${d.model} stale copy: deviation ${d.staleCopy}`);
});

test('Monte-Carlo gradient error falls like 1/√n', async () => {
  const { monteCarlo } = (await selfContrastiveRun(1)).data as unknown as SelfContrastiveData;
  for (const { model, rms, slope } of monteCarlo.series) {
    assert.ok(slope >= -0.7 && slope <= -0.3, `${model}: slope ${slope}`);
    assert.ok(rms.at(-1)! < rms[0]! / 4, `${model}: RMS ${rms[0]} → ${rms.at(-1)}`);
  }
});

test('NCE on a continuous mixture energy learns its normalizer and matches MLE (quick mode)', async () => {
  const section = await nceContinuousSection({ quick: true, seed: 1 });
  assertWellFormed(section);
  const { mle, nce } = section.data as unknown as NceContinuousData;
  const fit = nce.find((f) => f.nu === 5)!;
  const normalizationError = fit.params.c + logSumExp(fit.params.w);
  assert.ok(Math.abs(normalizationError - fit.normalizationError) < 1e-12);
  assert.ok(Math.abs(normalizationError) < 0.1, `ν = 5: c + logsumexp(w) = ${normalizationError}`);
  assert.ok(Math.abs(fit.integral - 1) < 0.1, `ν = 5: ∫ exp(log p̃) dx = ${fit.integral}`);
  for (const f of nce) {
    assert.ok(Math.abs(f.heldOutLogLikelihood - mle.heldOutLogLikelihood) < 0.03, `ν = ${f.nu}: held-out ${f.heldOutLogLikelihood} vs MLE ${mle.heldOutLogLikelihood}`);
  }
  assert.ok(nce.at(-1)!.distanceToMle < nce[0]!.distanceToMle, 'the largest ν lands closer to MLE than ν = 1');
});
