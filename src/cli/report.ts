/** `discern report <paths…>`: the HTML report, written atomically. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { buildReport } from '../report/html.js';

export async function runReport(paths: string[], out: string): Promise<void> {
  const html = await buildReport(paths);
  const file = resolve(out);
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, html);
  renameSync(temporary, file);
  console.log(`report: ${file}`);
}
