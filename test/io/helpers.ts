import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir { dir: string; file: (name: string) => string; cleanup: () => void }

/** A fresh temporary directory for one test file, removed by the returned cleanup. */
export function tempDir(prefix = 'knnkit-io-'): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, file: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs fn with a fresh temporary directory, removed afterwards whether fn passes or throws. */
export async function withTempDir<T>(fn: (t: TempDir) => Promise<T> | T, prefix?: string): Promise<T> {
  const t = tempDir(prefix);
  try {
    return await fn(t);
  } finally {
    t.cleanup();
  }
}

/** Runs fn and returns the KnnkitError message it throws (fails the test when it does not throw one). */
export async function errorOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if ((e as Error).name !== 'KnnkitError') throw e;
    return (e as Error).message;
  }
  throw new Error('expected a KnnkitError, nothing was thrown');
}
