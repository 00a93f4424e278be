/**
 * The theory lab: each of [G14]'s claims as a computation whose truth is known (exact sums or
 * quadrature in float64), with Monte-Carlo estimates beside it. `discern theory` runs them all.
 */
import { figure1Section } from './figure1.js';
import { gameDynamicsSection } from './dynamics.js';
import { generatorCostsSection, gradientVarianceSection } from './generator_costs.js';
import { likelihoodComparisonSection } from './likelihood.js';
import { nceContinuousSection } from './nce_continuous.js';
import { selfContrastiveSection } from './self_contrastive.js';
import type { TheoryOptions, TheorySection } from './types.js';

export type { SummaryRow, TheoryFigure, TheoryOptions, TheorySection } from './types.js';

export const THEORY_SECTIONS: ReadonlyArray<{ id: string; run: (options: TheoryOptions) => Promise<TheorySection> }> = [
  { id: 'self-contrastive-nce', run: selfContrastiveSection },
  { id: 'generator-costs', run: generatorCostsSection },
  { id: 'gradient-variance', run: gradientVarianceSection },
  { id: 'figure-1', run: figure1Section },
  { id: 'game-dynamics', run: gameDynamicsSection },
  { id: 'nce-continuous', run: nceContinuousSection },
  { id: 'likelihood-comparison', run: likelihoodComparisonSection },
];
