/**
 * `discern report`: one self-contained HTML file (no network: figures inline as SVG, images as
 * data URIs) from run directories and theory-lab outputs.
 *
 *   run directory (config.json): training curves from metrics.jsonl, the newest sample grid, and,
 *     when `discern eval hyperplane` has run, the sum histogram against the two baselines
 *   theory folder (theory.json): each section's checks and figures
 * Runs together give the criteria comparison table.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { renderSvg, type PlotSpec } from './plot.js';
import { sumBaselines } from '../tasks/hyperplane.js';
import { EVALUATION_FILE } from '../tasks/evaluate.js';
import { isSweepDirectory, sweepSection } from '../sweep/report.js';

export class ReportError extends Error {
  override name = 'ReportError';
}

interface RunInput {
  kind: 'run';
  path: string;
  config: Record<string, unknown>;
  metrics: Array<Record<string, number>>;
  samples: string | null;
  evaluation: Record<string, unknown> | null;
  summary: Record<string, unknown> | null;
}

interface TheoryInput {
  kind: 'theory';
  path: string;
  theory: {
    tier: string;
    quick: boolean;
    sections: Array<{
      id: string; title: string; claim: string; seconds?: number;
      summary: Array<{ label: string; value: string; expected?: string; ok?: boolean }>;
      figures: Array<{ file: string; title: string }>;
    }>;
  };
}

type Input = RunInput | TheoryInput;

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ReportError(`${path}: unreadable JSON (${(error as Error).message.split('\n')[0]})`);
  }
}

function readInput(path: string): Input {
  const dir = resolve(path);
  if (existsSync(join(dir, 'theory.json'))) {
    return { kind: 'theory', path: dir, theory: readJson(join(dir, 'theory.json')) as TheoryInput['theory'] };
  }
  if (!existsSync(join(dir, 'config.json'))) {
    throw new ReportError(`${dir}: neither a run directory (config.json) nor a theory folder (theory.json)`);
  }
  const metricsPath = join(dir, 'metrics.jsonl');
  const metrics = existsSync(metricsPath)
    ? readFileSync(metricsPath, 'utf8').split('\n').filter((l) => l.trim()).flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, number>];
      } catch {
        return []; // a line cut off by a killed run
      }
    })
    : [];
  const samplesDir = join(dir, 'samples');
  const grids = existsSync(samplesDir) ? readdirSync(samplesDir).filter((f) => f.endsWith('.png')).sort() : [];
  const optional = (name: string) => (existsSync(join(dir, name)) ? readJson(join(dir, name)) as Record<string, unknown> : null);
  return {
    kind: 'run',
    path: dir,
    config: readJson(join(dir, 'config.json')) as Record<string, unknown>,
    metrics,
    samples: grids.length > 0 ? join(samplesDir, grids[grids.length - 1]!) : null,
    evaluation: optional(EVALUATION_FILE),
    summary: optional('summary.json'),
  };
}

const runName = (run: RunInput) => `${basename(run.path)} (${String(run.config.criterion)})`;

function curvesSpec(run: RunInput): PlotSpec {
  const values = run.metrics.flatMap((m) =>
    Object.entries(m).filter(([k]) => k !== 'step' && k !== 'seconds').map(([metric, value]) => ({ step: m.step, metric, value })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    facet: { row: { field: 'metric', type: 'nominal', title: null } },
    spec: {
      width: 520, height: 140,
      mark: { type: 'line', clip: true },
      encoding: {
        x: { field: 'step', type: 'quantitative' },
        y: { field: 'value', type: 'quantitative', scale: { zero: false } },
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}

/** Sum distributions of 5 independent digits from a given per-digit distribution. */
function independentSumDistribution(digit: number[]): number[] {
  let dist = [1];
  for (let i = 0; i < 5; i++) {
    const next = new Array<number>(dist.length + 9).fill(0);
    dist.forEach((p, s) => digit.forEach((q, d) => { next[s + d]! += p * q; }));
    dist = next;
  }
  return dist;
}

function histogramSpec(runs: RunInput[]): PlotSpec {
  const { marginalDistribution } = sumBaselines();
  const reference = [
    ['independent uniform digits', independentSumDistribution(new Array<number>(10).fill(0.1))],
    ['independent digits, constraint marginals', independentSumDistribution(marginalDistribution)],
  ] as const;
  const bars = runs.flatMap((run) => {
    const histogram = run.evaluation!.sumHistogram as number[];
    const total = histogram.reduce((a, b) => a + b, 0);
    return histogram.map((count, sum) => ({ sum, fraction: count / total, source: runName(run) }));
  });
  const lines = reference.flatMap(([source, dist]) => dist.map((fraction, sum) => ({ sum, fraction, source })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 620, height: 260,
    layer: [
      { data: { values: bars }, mark: { type: 'bar', opacity: 0.55 }, encoding: {
        x: { field: 'sum', type: 'quantitative', title: 'sum of the five predicted digits', scale: { domain: [0, 45] } },
        y: { field: 'fraction', type: 'quantitative', title: 'fraction of samples', stack: null },
        color: { field: 'source', type: 'nominal', title: null, legend: { labelLimit: 320, orient: 'bottom', direction: 'vertical' } },
      } },
      { data: { values: lines }, mark: { type: 'line', strokeDash: [4, 3] }, encoding: {
        x: { field: 'sum', type: 'quantitative' },
        y: { field: 'fraction', type: 'quantitative' },
        color: { field: 'source', type: 'nominal' },
      } },
      { data: { values: [{ sum: 25 }] }, mark: { type: 'rule', color: 'black' }, encoding: { x: { field: 'sum', type: 'quantitative' } } },
    ],
  };
}

const pct = (x: unknown) => (typeof x === 'number' ? `${(100 * x).toFixed(2)}%` : '—');
const num = (x: unknown, digits = 3) => (typeof x === 'number' ? x.toFixed(digits) : '—');

/** What the scores are of, when not the newest checkpoint's generator: an older step (`discern eval --step N`), the critic's rejection sampler (`--rejection`). */
function scoresNote(evaluation: Record<string, unknown> | null, lastStep: unknown): string {
  const notes: string[] = [];
  if (typeof evaluation?.step === 'number' && evaluation.step !== lastStep) notes.push(`step ${evaluation.step}`);
  const rejection = evaluation?.rejection as { acceptance?: unknown; temperature?: unknown } | null | undefined;
  if (evaluation?.sampler === 'rejection') {
    // Evaluations saved before the temperature existed sampled at 1.
    const sharpened = typeof rejection?.temperature === 'number' && rejection.temperature !== 1 ? `, temperature ${rejection.temperature}` : '';
    notes.push(`samples the critic kept (${pct(rejection?.acceptance)} of proposals${sharpened})`);
  }
  return notes.length ? ` <span class="note">(scores: ${notes.join(', ')})</span>` : '';
}

/** The evaluation's digit clarity (src/tasks/hyperplane.ts scoreDigitClarity); evaluations saved before it have none. */
function clarityCell(evaluation: Record<string, unknown> | null): string {
  const clarity = evaluation?.clarity as { clearExamples?: unknown; pSum25Clear?: unknown } | undefined;
  return clarity ? `${pct(clarity.clearExamples)} (${pct(clarity.pSum25Clear)})` : '—';
}

/** One row per run; the visual hyperplane's columns and baselines only when a hyperplane run is among them. */
function comparisonTable(runs: RunInput[]): string {
  const hyperplane = runs.some((run) => run.config.task === 'hyperplane');
  const rows = runs.map((run) => {
    const e = run.evaluation;
    const last = run.metrics[run.metrics.length - 1] ?? {};
    const finals = Object.entries(last).filter(([k]) => k !== 'step' && k !== 'seconds').map(([k, v]) => `${k} ${num(v)}`).join(', ');
    return `<tr><td>${escape(basename(run.path))}</td><td>${escape(String(run.config.task))}</td><td>${escape(String(run.config.criterion))}</td>` +
      `<td>${last.step ?? '—'}${scoresNote(e, last.step)}</td><td>${num(last.seconds, 0)}</td><td>${escape(finals)}</td>` +
      (hyperplane
        ? `<td>${pct(e?.pSum25)}</td><td>${pct(e?.pSumWithin1)}</td><td>${e ? `${num(e.sumMean, 2)} ± ${num(e.sumSd, 2)}` : '—'}</td>` +
          `<td>${num(e?.recallTrain)}</td><td>${num(e?.recallHeldOut)}</td><td>${clarityCell(e)}</td><td>${num(e?.criticSumAuc)}</td>`
        : '') + '</tr>';
  });
  const head = '<th>run</th><th>task</th><th>criterion</th><th>steps</th><th>seconds</th><th>final metrics</th>';
  if (!hyperplane) return `<table><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
  const { uniform, marginal } = sumBaselines();
  return `<table><thead><tr>${head}` +
    `<th>P(sum=25)</th><th>P(|sum−25|≤1)</th><th>sum mean ± sd</th><th>recall train</th><th>recall held-out</th>` +
    `<th title="examples whose five digits the classifier reads with p ≥ 0.9, and P(sum = 25) among them: wrong sums of clear digits are coordination errors, not drawing errors">all digits clear (P(sum=25) among them)</th>` +
    `<th title="P(critic scores a held-out real example above a slot-shuffled one); 0.5: the critic ignores the sum">critic AUC, real vs shuffled</th></tr></thead>` +
    `<tbody>${rows.join('')}<tr class="baseline"><td colspan="6">independent uniform digits</td><td>${pct(uniform)}</td><td colspan="6"></td></tr>` +
    `<tr class="baseline"><td colspan="6">independent digits from the constraint marginals</td><td>${pct(marginal)}</td><td colspan="6"></td></tr></tbody></table>`;
}

function figure(svg: string, caption: string): string {
  return `<figure class="plot">${svg}<figcaption>${escape(caption)}</figcaption></figure>`;
}

async function theorySection(input: TheoryInput): Promise<string> {
  const parts = input.theory.sections.map((section) => {
    const rows = section.summary.map((r) =>
      `<tr><td class="mark">${r.ok === undefined ? '' : r.ok ? '✓' : '✗'}</td><td>${escape(r.label)}</td><td>${escape(r.value)}</td><td>${escape(r.expected ?? '')}</td></tr>`).join('');
    const figures = section.figures.map((f) => {
      const path = join(input.path, f.file);
      if (!existsSync(path)) throw new ReportError(`${path}: figure listed in theory.json is missing; rerun discern theory`);
      return figure(readFileSync(path, 'utf8'), f.title);
    }).join('');
    return `<section class="theory" id="${escape(section.id)}"><h3>${escape(section.title)}</h3><p class="claim">${escape(section.claim)}</p>` +
      `<table><thead><tr><th></th><th>check</th><th>measured</th><th>theory</th></tr></thead><tbody>${rows}</tbody></table>${figures}</section>`;
  });
  return `<h2>Theory lab (Goodfellow 2014)</h2><p class="note">${escape(input.path)} · tier ${escape(input.theory.tier)}${input.theory.quick ? ' · quick mode' : ''}</p>${parts.join('')}`;
}

async function runSection(run: RunInput): Promise<string> {
  const curves = run.metrics.length > 0 ? figure(await renderSvg(curvesSpec(run)), 'training curves (metrics.jsonl)') : '<p>No metrics logged yet.</p>';
  const png = run.samples ? readFileSync(run.samples) : null;
  // Small grids (28² digits) are enlarged with hard pixel edges; high-resolution ones shown as they are.
  const enlarged = png !== null && png.readUInt32BE(16) < 480;
  const samples = png
    ? `<figure class="samples"><img${enlarged ? ' class="enlarged"' : ''} alt="samples of ${escape(runName(run))}" src="data:image/png;base64,${png.toString('base64')}"><figcaption>${escape(basename(run.samples!))}</figcaption></figure>`
    : '';
  return `<section class="run"><h3>${escape(runName(run))}</h3><p class="note">${escape(run.path)}</p>${curves}${samples}</section>`;
}

/** A `discern robustness` folder: robustness.json and the figures it lists ([H17] Fig. 3). */
const isRobustnessFolder = (path: string) => existsSync(join(resolve(path), 'robustness.json'));

async function robustnessSection(path: string): Promise<string> {
  const dir = resolve(path);
  const result = readJson(join(dir, 'robustness.json')) as {
    tier?: string; quick: boolean; seeds: number[];
    perturbations: Array<{ id: string; unit: string; levels: number[]; estimators: Array<{
      id: string; label: string; mean: number[]; sd: number[]; normalized: number[]; monotone: boolean; spearman: number;
    }> }>;
    figures: Array<{ file: string; title: string }>;
  };
  const tables = result.perturbations.map((p) => {
    const last = p.levels.length - 1;
    const rows = p.estimators.map((e) => `<tr><td>${escape(e.label)}</td><td>${num(e.mean[0])} ± ${num(e.sd[0])}</td>` +
      `<td>${num(e.mean[last])} ± ${num(e.sd[last])}</td><td>${num(e.normalized[1], 2)}</td><td>${e.monotone ? 'yes' : 'no'}</td><td>${num(e.spearman, 2)}</td></tr>`).join('');
    return `<h3>${escape(p.id)} (${escape(p.unit)}: ${p.levels.join(', ')})</h3><table><thead><tr><th>estimator</th><th>at ${p.levels[0]}</th>` +
      `<th>at ${p.levels[last]}</th><th>normalized at ${p.levels[1]}</th><th>monotone</th><th>Spearman</th></tr></thead><tbody>${rows}</tbody></table>`;
  });
  const figures = result.figures.map((f) => {
    const file = join(dir, f.file);
    if (!existsSync(file)) throw new ReportError(`${file}: figure listed in robustness.json is missing; rerun discern robustness`);
    return figure(readFileSync(file, 'utf8'), f.title);
  });
  return `<h2>Divergence robustness probe (Huang et al. 2017, Fig. 3)</h2><p class="note">${escape(dir)} · tier ${escape(result.tier ?? '?')} · ` +
    `${result.seeds.length} seed(s)${result.quick ? ' · quick mode' : ''} · held-out estimates between MNIST and perturbed (different) MNIST images; ` +
    `mean ± sd over seeds</p>${tables.join('')}${figures.join('')}`;
}

/** A `discern experiment sample-complexity` folder: sample-complexity.json, its figures and fitted slopes ([H17] Table 1). */
const isSampleComplexityFolder = (path: string) => existsSync(join(resolve(path), 'sample-complexity.json'));

function sampleComplexitySection(path: string): string {
  const dir = resolve(path);
  const result = readJson(join(dir, 'sample-complexity.json')) as {
    tier?: string; mode: string; grid: { dims: number[]; seeds: number };
    divergences: Array<{ id: string; label: string; paperRate: string }>;
    slopes: Array<{ divergence: string; d: number; case: string; slope: number | null; expectedSlope: number }>;
    figures: Array<{ file: string; title: string }>;
  };
  const rows = result.divergences.flatMap((div) => ['same', 'different'].map((kase) => {
    const cells = result.grid.dims.map((d) => {
      const s = result.slopes.find((r) => r.divergence === div.id && r.d === d && r.case === kase);
      return `<td>${s ? `${num(s.slope, 2)} (${num(s.expectedSlope, 2)})` : '—'}</td>`;
    });
    return `<tr><td>${escape(div.label)}</td><td>${kase}</td>${cells.join('')}<td>${escape(div.paperRate)}</td></tr>`;
  }));
  const figures = result.figures.map((f) => {
    const file = join(dir, f.file);
    if (!existsSync(file)) throw new ReportError(`${file}: figure listed in sample-complexity.json is missing; rerun discern experiment sample-complexity`);
    return figure(readFileSync(file, 'utf8'), f.title);
  });
  return `<h2>Sample complexity of divergence estimates (Huang et al. 2017, Table 1)</h2><p class="note">${escape(dir)} · tier ${escape(result.tier ?? '?')} · ` +
    `${escape(result.mode)} grid · ${result.grid.seeds} seeds per point</p>${figures.join('')}<table><thead><tr><th>divergence</th><th>case</th>` +
    `${result.grid.dims.map((d) => `<th>d = ${d}${d === 784 ? ' (MNIST)' : ''}: fitted (expected) slope</th>`).join('')}<th>[H17] Table 1</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export async function buildReport(paths: string[]): Promise<string> {
  if (paths.length === 0) throw new ReportError('give at least one run directory or theory folder');
  const inputs = paths.filter((p) => !isRobustnessFolder(p) && !isSweepDirectory(p) && !isSampleComplexityFolder(p)).map(readInput);
  const runs = inputs.filter((i): i is RunInput => i.kind === 'run');
  const theory = inputs.filter((i): i is TheoryInput => i.kind === 'theory');
  const evaluated = runs.filter((r) => r.evaluation?.sumHistogram);
  const body: string[] = [];
  body.push(...paths.filter(isSweepDirectory).map(sweepSection));
  if (runs.length > 0) {
    body.push(`<h2>Criteria comparison</h2>${comparisonTable(runs)}`);
    if (evaluated.length > 0) body.push(figure(await renderSvg(histogramSpec(evaluated)), 'visual hyperplane: sums of the five predicted digits against independent-digit baselines (dashed); 25 is the target'));
    for (const run of runs) body.push(await runSection(run));
  }
  for (const t of theory) body.push(await theorySection(t));
  for (const p of paths.filter(isRobustnessFolder)) body.push(await robustnessSection(p));
  for (const p of paths.filter(isSampleComplexityFolder)) body.push(sampleComplexitySection(p));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>discern report</title><style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222;line-height:1.4}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
th{background:#f3f3f3}.baseline td{color:#666;font-style:italic}.mark{text-align:center}.claim{font-style:italic}
.note{color:#666;font-size:.85rem}figure{margin:1rem 0}figure svg{max-width:100%;height:auto}img{min-width:480px;max-width:100%}img.enlarged{image-rendering:pixelated}
figcaption{color:#555;font-size:.85rem}</style></head><body><h1>discern report</h1>
<p class="note">Generated ${new Date().toISOString()} from ${paths.length} input${paths.length > 1 ? 's' : ''}.</p>${body.join('\n')}</body></html>\n`;
}
