/**
 * A sweep in `discern report`: one table row per setting (task, criterion and the other grid
 * values), each metric as its mean over the setting's finished seeds ± the half-width of a 95%
 * Student-t confidence interval. Metrics: the final training metrics, and for hyperplane trials
 * the evaluation's scores.
 */
import { canonicalJson, type Trial } from './spec.js';
import { SweepDirectory } from './sweep_dir.js';
import { meanInterval } from './stats.js';
import type { TrialResult } from './result.js';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface Metric {
  label: string;
  value: (result: TrialResult) => number | undefined;
  percent: boolean;
}

const EVALUATION_METRICS: Metric[] = [
  { label: 'P(sum=25)', value: (r) => r.evaluation?.pSum25, percent: true },
  { label: 'P(|sum−25|≤1)', value: (r) => r.evaluation?.pSumWithin1, percent: true },
  { label: 'sum mean', value: (r) => r.evaluation?.sumMean, percent: false },
  { label: 'recall train', value: (r) => r.evaluation?.recallTrain, percent: false },
  { label: 'recall held-out', value: (r) => r.evaluation?.recallHeldOut, percent: false },
];

function metricsOf(results: TrialResult[]): Metric[] {
  const finals = [...new Set(results.flatMap((r) => Object.keys(r.summary.final)))];
  const evaluated = results.some((r) => r.evaluation);
  return [
    ...finals.map((key): Metric => ({ label: key, value: (r) => r.summary.final[key], percent: false })),
    ...(evaluated ? EVALUATION_METRICS : []),
  ];
}

/** A value of the config at a grid key (`adam.learningRate` reads config.adam.learningRate). */
function valueAt(config: Trial['config'], key: string): unknown {
  return key.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), config);
}

const showValue = (value: unknown) => (value === undefined ? 'default' : typeof value === 'string' ? value : JSON.stringify(value));

function cell(values: number[], percent: boolean): string {
  if (values.length === 0) return '—';
  const scale = percent ? 100 : 1;
  const { mean, halfWidth } = meanInterval(values.map((v) => v * scale));
  const digits = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(3));
  const unit = percent ? '%' : '';
  return halfWidth === null ? `${digits(mean)}${unit}` : `${digits(mean)}${unit} ± ${digits(halfWidth)}`;
}

export const isSweepDirectory = SweepDirectory.isSweep;

/** The sweep's section of the report: the per-setting table over seeds. */
export function sweepSection(path: string): string {
  const dir = new SweepDirectory(path);
  const manifest = dir.readManifest();
  const labelKeys = ['task', 'criterion', ...manifest.gridKeys.filter((k) => !['task', 'criterion', 'seed'].includes(k))];
  const groups = new Map<string, { trials: Trial[]; results: TrialResult[] }>();
  for (const trial of manifest.trials) {
    const { seed: _, ...setting } = trial.config;
    const key = canonicalJson({ setting, evaluationSamples: trial.evaluationSamples });
    const group = groups.get(key) ?? { trials: [], results: [] };
    group.trials.push(trial);
    const result = dir.result(trial);
    if (result) group.results.push(result);
    groups.set(key, group);
  }
  const metrics = metricsOf([...groups.values()].flatMap((g) => g.results));
  const rows = [...groups.values()].map(({ trials, results }) => {
    const labels = labelKeys.map((k) => `<td>${escape(showValue(valueAt(trials[0]!.config, k)))}</td>`).join('');
    const cells = metrics.map((m) => `<td>${cell(results.map(m.value).filter((v): v is number => typeof v === 'number'), m.percent)}</td>`).join('');
    return `<tr>${labels}<td>${results.length} / ${trials.length}</td>${cells}</tr>`;
  });
  const done = [...groups.values()].reduce((a, g) => a + g.results.length, 0);
  return `<h2>Sweep ${escape(manifest.name)}</h2><p class="note">${escape(dir.path)} · ${done} of ${manifest.trials.length} trials done · ` +
    'each cell: mean over seeds ± half-width of the 95% confidence interval (Student t, n − 1 degrees of freedom); ' +
    'training metrics are those of the last step</p>' +
    `<table><thead><tr>${labelKeys.map((k) => `<th>${escape(k)}</th>`).join('')}<th>seeds done</th>${metrics.map((m) => `<th>${escape(m.label)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>`;
}
