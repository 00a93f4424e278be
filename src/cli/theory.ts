/** `discern theory`: runs the theory lab, writes theory.json and one SVG per figure, prints the checks. */
import { writeAtomically } from '../write_atomically.js';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { initEngine, type TierRequest } from '../engine/index.js';
import { renderSvg } from '../report/plot.js';
import { THEORY_SECTIONS, type TheorySection } from '../theory/index.js';

export interface TheoryCommandOptions {
  out: string;
  json: boolean;
  quick: boolean;
  seed: number;
  only?: string[];
  tier: TierRequest;
}

/** Returns the number of checks that disagreed with theory. */
export async function runTheory({ out, json, quick, seed, only, tier }: TheoryCommandOptions): Promise<number> {
  const known = THEORY_SECTIONS.map((s) => s.id);
  for (const id of only ?? []) {
    if (!known.includes(id)) throw new Error(`unknown theory section '${id}': use ${known.join(', ')}`);
  }
  const engine = await initEngine(tier);
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });
  const sections: Array<TheorySection & { seconds: number }> = [];
  for (const { id, run } of THEORY_SECTIONS) {
    if (only && !only.includes(id)) continue;
    process.stderr.write(`theory: ${id}…`);
    const start = performance.now();
    const section = await run({ quick, seed });
    const seconds = (performance.now() - start) / 1000;
    process.stderr.write(` ${seconds.toFixed(1)} s\n`);
    for (const figure of section.figures) writeAtomically(join(dir, figure.file), await renderSvg(figure.spec));
    sections.push({ ...section, seconds });
  }
  const report = {
    tier: engine.tier,
    seed,
    quick,
    sections: sections.map(({ figures, ...rest }) => ({ ...rest, figures: figures.map((f) => ({ file: f.file, title: f.title })) })),
  };
  writeAtomically(join(dir, 'theory.json'), JSON.stringify(report, null, 2) + '\n');
  const failed = sections.flatMap((s) => s.summary.filter((r) => r.ok === false).map((r) => `${s.id}: ${r.label}`));
  if (json) {
    console.log(JSON.stringify(report));
  } else {
    for (const section of sections) {
      console.log(`\n${section.title}\n  ${section.claim}`);
      for (const row of section.summary) {
        const mark = row.ok === undefined ? ' ' : row.ok ? '✓' : '✗';
        console.log(`  ${mark} ${row.label.padEnd(46)} ${row.value.padEnd(16)} ${row.expected ? `expected ${row.expected}` : ''}`);
      }
    }
    console.log(`\nfigures and theory.json: ${dir}`);
  }
  if (failed.length > 0) console.error(`discern theory: ${failed.length} check(s) disagree with theory:\n  ${failed.join('\n  ')}`);
  return failed.length;
}
