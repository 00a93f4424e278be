/**
 * A run directory: config.json, metrics.jsonl, checkpoints/step-NNNNNNN.ckpt (the newest few, and
 * one per MILESTONE_STEPS steps), samples/step-NNNNNNN.png, summary.json, and a lock file while a
 * process trains in it.
 */
import { writeAtomically } from '../write_atomically.js';
import {
  appendFileSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync,
  writeFileSync, writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { CheckpointError, loadCheckpoint, saveCheckpoint, type Checkpoint } from './checkpoint.js';

export class RunDirectoryError extends Error {
  override name = 'RunDirectoryError';
}

const KEEP_CHECKPOINTS = 3;
/**
 * Besides the newest few, the first checkpoint at or past every multiple of this many steps stays:
 * a run can go bad without going non-finite (a GAN's blow-up to logits in the thousands), and by
 * the time anyone looks the newest few would all be from after it.
 */
export const MILESTONE_STEPS = 5_000;
const stepFile = (step: number, extension: string) => `step-${String(step).padStart(7, '0')}.${extension}`;

/** The steps of the step-NNNNNNN.<extension> files in `folder`, ascending. */
function stepsIn(folder: string, extension: string): number[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .map((f) => /^step-(\d+)\.(\w+)$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null && m[2] === extension)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** Whether a process with this pid exists (signal 0 probes without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class RunDirectory {
  readonly path: string;
  private locked = false;

  constructor(path: string) {
    this.path = resolve(path);
  }

  get configPath(): string { return join(this.path, 'config.json'); }
  get metricsPath(): string { return join(this.path, 'metrics.jsonl'); }
  get checkpointsPath(): string { return join(this.path, 'checkpoints'); }
  get samplesPath(): string { return join(this.path, 'samples'); }
  get lockPath(): string { return join(this.path, 'lock'); }

  /** Creates the directory (checking it is writable) and takes the lock; a live owner means refusal. */
  acquire(): void {
    try {
      mkdirSync(this.checkpointsPath, { recursive: true });
      mkdirSync(this.samplesPath, { recursive: true });
    } catch (error) {
      throw new RunDirectoryError(`${this.path}: cannot create the run directory (${(error as NodeJS.ErrnoException).code}); choose a writable --out`);
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.lockPath, 'wx');
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        this.locked = true;
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST') {
          throw new RunDirectoryError(`${this.path}: cannot write the lock file (${code}); choose a writable --out`);
        }
        const owner = Number(readFileSync(this.lockPath, 'utf8').trim());
        if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
          throw new RunDirectoryError(`${this.path}: another discern process (pid ${owner}) is training in this run directory; wait for it or use another --out`);
        }
        rmSync(this.lockPath, { force: true }); // left by a process that died: take it over
      }
    }
    throw new RunDirectoryError(`${this.path}: could not take the lock`);
  }

  release(): void {
    if (this.locked) rmSync(this.lockPath, { force: true });
    this.locked = false;
  }

  hasRun(): boolean {
    return existsSync(this.configPath);
  }

  writeJson(name: string, value: unknown): void {
    const path = join(this.path, name);
    writeAtomically(path, JSON.stringify(value, null, 2) + '\n');
  }

  readConfig(): Record<string, unknown> {
    try {
      return JSON.parse(readFileSync(this.configPath, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new RunDirectoryError(`${this.configPath}: unreadable (${(error as Error).message}); the run cannot be resumed`);
    }
  }

  appendMetrics(record: Record<string, unknown>): void {
    appendFileSync(this.metricsPath, JSON.stringify(record) + '\n');
  }

  /** Keeps only metric lines up to `step`, so a resumed run's log matches an uninterrupted one. */
  truncateMetrics(step: number): void {
    if (!existsSync(this.metricsPath)) return;
    const kept = readFileSync(this.metricsPath, 'utf8').split('\n').filter((line) => {
      if (!line.trim()) return false;
      try {
        return (JSON.parse(line) as { step: number }).step <= step;
      } catch {
        return false; // a line cut off by the kill
      }
    });
    writeFileSync(this.metricsPath, kept.map((l) => l + '\n').join(''));
  }

  /**
   * Fills this directory, which holds no run, with `source`'s checkpoint of `step` (default: its
   * newest good one) and its metrics and sample grids up to that step; returns the step. Resuming
   * here then goes on from that step under this directory's own config.
   */
  branchFrom(source: RunDirectory, step: number | undefined, warn: (message: string) => void): number {
    if (source.path === this.path) throw new RunDirectoryError(`${this.path}: a branch needs its own --out; to go on in the same directory, use --resume`);
    if (this.checkpointSteps().length > 0) throw new RunDirectoryError(`${this.path} holds checkpoints already; branch into an empty --out`);
    const at = step === undefined ? source.latestGoodCheckpoint(warn) : source.checkpointAt(step);
    if (!at) throw new RunDirectoryError(`${source.path} has no usable checkpoint to branch from`);
    copyFileSync(at.path, this.checkpointPath(at.step));
    if (existsSync(source.metricsPath)) copyFileSync(source.metricsPath, this.metricsPath);
    this.truncateMetrics(at.step);
    for (const sampleStep of stepsIn(source.samplesPath, 'png')) {
      if (sampleStep <= at.step) copyFileSync(source.samplePath(sampleStep), this.samplePath(sampleStep));
    }
    return at.step;
  }

  saveCheckpoint(step: number, checkpoint: Checkpoint): string {
    const path = this.checkpointPath(step);
    saveCheckpoint(path, checkpoint);
    const all = this.checkpointSteps();
    const milestones = new Set<number>();
    let passed = 0; // multiples of MILESTONE_STEPS passed so far
    for (const s of all) {
      if (Math.floor(s / MILESTONE_STEPS) > passed) {
        passed = Math.floor(s / MILESTONE_STEPS);
        milestones.add(s);
      }
    }
    for (const old of all.slice(0, Math.max(0, all.length - KEEP_CHECKPOINTS))) {
      if (!milestones.has(old)) rmSync(this.checkpointPath(old), { force: true });
    }
    return path;
  }

  checkpointSteps(): number[] {
    return stepsIn(this.checkpointsPath, 'ckpt');
  }

  /** The newest checkpoint that loads; damaged newer ones are reported through `warn` and skipped. */
  latestGoodCheckpoint(warn: (message: string) => void): { step: number; checkpoint: Checkpoint; path: string } | null {
    for (const step of this.checkpointSteps().reverse()) {
      try {
        return this.loadCheckpointOf(step);
      } catch (error) {
        if (!(error instanceof CheckpointError)) throw error;
        warn(`skipping damaged checkpoint: ${error.message}`);
      }
    }
    return null;
  }

  /** The checkpoint of `step`; an error names the steps the run keeps if it has none there. */
  checkpointAt(step: number): { step: number; checkpoint: Checkpoint; path: string } {
    const kept = this.checkpointSteps();
    if (!kept.includes(step)) {
      throw new RunDirectoryError(`${this.path} keeps no checkpoint of step ${step}; it keeps steps ${kept.join(', ') || '(none)'}`);
    }
    try {
      return this.loadCheckpointOf(step);
    } catch (error) {
      if (error instanceof CheckpointError) throw new RunDirectoryError(`cannot use the checkpoint of step ${step}: ${error.message}`);
      throw error;
    }
  }

  private loadCheckpointOf(step: number): { step: number; checkpoint: Checkpoint; path: string } {
    const path = this.checkpointPath(step);
    return { step, checkpoint: loadCheckpoint(path), path };
  }

  checkpointPath(step: number): string {
    return join(this.checkpointsPath, stepFile(step, 'ckpt'));
  }

  samplePath(step: number): string {
    return join(this.samplesPath, stepFile(step, 'png'));
  }
}
