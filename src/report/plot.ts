/**
 * Plots: Vega-Lite specifications rendered to standalone SVG in Node (no browser, no network).
 * Modules describe a chart as a Vega-Lite spec; this is the one place that renders it.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type PlotSpec = TopLevelSpec;

export async function renderSvg(spec: PlotSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
