/** `discern report <paths…>`: the HTML report, written atomically. */
import { writeAtomically } from '../write_atomically.js';
import { resolve } from 'node:path';
import { buildReport } from '../report/html.js';

export async function runReport(paths: string[], out: string): Promise<void> {
  const html = await buildReport(paths);
  const file = resolve(out);
  writeAtomically(file, html);
  console.log(`report: ${file}`);
}
