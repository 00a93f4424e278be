/** What each theory-lab section computes and hands to the CLI and the report. */
import type { PlotSpec } from '../report/plot.js';

export interface TheoryOptions {
  /** Smaller grids and sample sizes (tests, the demo); the claims still hold to their tolerances. */
  quick: boolean;
  seed: number;
}

/** One line of the printed table: a measured figure, and what theory says it should be. */
export interface SummaryRow {
  label: string;
  value: string;
  expected?: string;
  /** Whether the measurement agrees with `expected` to the stated tolerance. */
  ok?: boolean;
}

export interface TheoryFigure {
  /** File name for the rendered SVG, e.g. 'figure1.svg'. */
  file: string;
  title: string;
  spec: PlotSpec;
}

export interface TheorySection {
  id: string;
  title: string;
  /** The [G14] claim (or question) in one sentence. */
  claim: string;
  summary: SummaryRow[];
  /** The figures as JSON (written by `discern theory --json`). */
  data: Record<string, unknown>;
  figures: TheoryFigure[];
}
