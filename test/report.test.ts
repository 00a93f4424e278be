/**
 * The HTML report in a real browser: headless Chromium (Debian's `chromium`, driven by
 * playwright-core) loads it with no console errors, and every plot and image has a non-zero size.
 * A screenshot is kept as a test artifact under test-artifacts/ (git-ignored).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const root = join(import.meta.dirname, '..');
const main = join(root, 'dist', 'cli', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'discern-report-'));
const discern = (...args: string[]) => {
  const run = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });
  assert.equal(run.status, 0, `discern ${args.join(' ')}: ${run.stderr}`);
  return run;
};
const CHROMIUM = '/usr/bin/chromium';
let browser: Browser;
let html = '';

before(async () => {
  // A small real run, evaluated, plus a quick theory lab: every kind of input the report takes.
  writeFileSync(join(work, 'run.json'), JSON.stringify({ task: 'hyperplane', criterion: 'gan', steps: 4, batch: 8, logEvery: 1, sampleEvery: 2, checkpointEvery: 2 }));
  discern('train', '--config', join(work, 'run.json'), '--out', join(work, 'hp-gan'));
  // An older checkpoint than the newest (step 4), by the critic's rejection sampler at a temperature other than 1: the
  // comparison row must say all three.
  discern('eval', 'hyperplane', '--run', join(work, 'hp-gan'), '--samples', '200', '--step', '2', '--rejection', '2');
  discern('theory', '--quick', '--only', 'figure-1,game-dynamics', '--out', join(work, 'theory'));
  discern('report', join(work, 'hp-gan'), join(work, 'theory'), '--out', join(work, 'report.html'));
  html = readFileSync(join(work, 'report.html'), 'utf8');
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (.ci/run installs it)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
});

test('the report is self-contained: no external URLs to fetch', () => {
  assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)="https?:/);
  assert.match(html, /<img( class="enlarged")? alt="samples of hp-gan \(gan\)" src="data:image\/png;base64,/);
});

test('a run evaluated at an older checkpoint, through its critic, says which step, sampler and temperature its scores are from', () => {
  assert.match(html, /<td>4 <span class="note">\(scores: step 2, samples the critic kept \((100|\d\d?)\.\d\d% of proposals, temperature 2\)\)<\/span><\/td>/);
});

test('the hyperplane table shows how clearly the classifier reads the digits', () => {
  assert.match(html, /all digits clear \(P\(sum=25\) among them\)<\/th>/);
  assert.match(html, /<td>\d+\.\d\d% \((\d+\.\d\d%|—)\)<\/td>/);
});

test('Chromium renders it without console errors; every plot and image has a size; screenshot kept', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push(`network request: ${r.url()}`); });
  await page.goto(`file://${join(work, 'report.html')}`, { waitUntil: 'load' });
  assert.deepEqual(problems, []);

  const sizes = await page.$$eval('figure svg, img', (nodes) => nodes.map((n) => {
    const box = n.getBoundingClientRect();
    const image = n as unknown as { complete?: boolean; naturalWidth?: number; tagName: string };
    const loaded = image.tagName === 'IMG' ? Boolean(image.complete) && (image.naturalWidth ?? 0) > 0 : true;
    return { tag: n.tagName, width: box.width, height: box.height, loaded };
  }));
  // Curves + histogram for the run, its samples, Figure 1 and three dynamics figures.
  assert.ok(sizes.length >= 7, `only ${sizes.length} figures and images`);
  for (const s of sizes) assert.ok(s.width > 0 && s.height > 0 && s.loaded, JSON.stringify(s));

  const table = await page.$$eval('table', (tables) => tables.map((t) => t.querySelectorAll('tr').length));
  assert.ok(table.length >= 3 && table.every((rows) => rows > 1), 'comparison and theory tables have rows');
  const marks = await page.$$eval('td.mark', (cells) => cells.map((c) => c.textContent));
  assert.ok(marks.includes('✓') && !marks.includes('✗'), `theory checks: ${marks.join('')}`);

  mkdirSync(join(root, 'test-artifacts'), { recursive: true });
  await page.screenshot({ path: join(root, 'test-artifacts', 'report.png'), fullPage: true });
  await page.close();
});
