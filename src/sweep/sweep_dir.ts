/**
 * A sweep directory, `<artifacts>/<sweep name>/`:
 *   sweep.json             the manifest: the sweep's trials and the queue they were put on
 *   trials/<trial name>/   each trial's run directory (discern train's layout, plus result.json)
 *   failed/<trial id>.json the error of a trial the local pool gave up on (a queue keeps its own)
 * Workers on other machines find a trial's run directory from their own --artifacts and the
 * sweep's name, so the shared filesystem may be mounted at different paths.
 */
import { writeAtomically } from '../write_atomically.js';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Trial } from './spec.js';
import { readTrialResult, type TrialResult } from './result.js';

export class SweepError extends Error {
  override name = 'SweepError';
}

export interface SweepManifest {
  name: string;
  /** Grid keys, seed included: what varies between trials (the report groups by the others). */
  gridKeys: string[];
  /** The Redis URL the trials were put on; null when the local pool runs them. */
  queue: string | null;
  trials: Trial[];
}

export interface TrialFailure {
  error: string;
  attempts: number;
}

const MANIFEST = 'sweep.json';

function writeJsonAtomically(path: string, value: unknown): void {
  writeAtomically(path, JSON.stringify(value, null, 2) + '\n');
}

export class SweepDirectory {
  readonly path: string;

  constructor(path: string) {
    this.path = resolve(path);
  }

  static inArtifacts(artifacts: string, sweepName: string): SweepDirectory {
    return new SweepDirectory(join(artifacts, sweepName));
  }

  static isSweep(path: string): boolean {
    return existsSync(join(resolve(path), MANIFEST));
  }

  get manifestPath(): string { return join(this.path, MANIFEST); }

  readManifest(): SweepManifest {
    if (!existsSync(this.manifestPath)) throw new SweepError(`${this.path} is not a sweep directory (no ${MANIFEST}); discern sweep <file> creates one`);
    try {
      return JSON.parse(readFileSync(this.manifestPath, 'utf8')) as SweepManifest;
    } catch (error) {
      throw new SweepError(`${this.manifestPath}: unreadable (${(error as Error).message})`);
    }
  }

  writeManifest(manifest: SweepManifest): void {
    writeJsonAtomically(this.manifestPath, manifest);
  }

  runPath(trial: Trial): string {
    return join(this.path, 'trials', trial.name);
  }

  result(trial: Trial): TrialResult | null {
    return readTrialResult(this.runPath(trial), trial.id);
  }

  private failurePath(trial: Trial): string {
    return join(this.path, 'failed', `${trial.id}.json`);
  }

  readFailure(trial: Trial): TrialFailure | null {
    const path = this.failurePath(trial);
    return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) as TrialFailure : null;
  }

  writeFailure(trial: Trial, failure: TrialFailure): void {
    writeJsonAtomically(this.failurePath(trial), failure);
  }

  clearFailure(trial: Trial): void {
    rmSync(this.failurePath(trial), { force: true });
  }
}
