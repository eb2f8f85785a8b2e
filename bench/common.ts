// Helpers shared by the benchmark scripts (bench/brute-force.ts, bench/kd-tree.ts): command-line
// options, robust summaries of repeated timings, and the plumbing around a Python peer run
// (scikit-learn / FAISS read the same float32 files and write their neighbour ids back).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/core/rng.js';

export const args = process.argv.slice(2);
/** True when `--name` was given. */
export const flag = (name: string): boolean => args.includes(`--${name}`);
/** The value after `--name`, or `def`. */
export const opt = (name: string, def: string): string => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def; };

/** Medians, not means: one slow repeat on a shared machine should not move the figure. */
export const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

/**
 * CPU seconds used so far by this process, all its threads: beside wall time it shows the work
 * per query, which other jobs on a shared machine inflate much less than they inflate waiting.
 */
export const cpuNow = (): number => { const c = process.cpuUsage(); return (c.user + c.system) / 1e6; };

/** A figure with `d` decimals, '-' for a missing (non-finite) one. */
export const fmt = (x: number, d = 0): string => (Number.isFinite(x) ? x.toFixed(d) : '-');

/** Runs `fn` with a fresh temporary folder, removed afterwards whatever happens. */
export function withTempDir<T>(prefix: string, fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The last line of a peer script's output, where it prints its JSON summary. */
export function lastJson<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

/** A failed child's last error line (for a one-line "skipped"/"failed" note). */
export function lastErrorLine(r: { stderr?: string | null; error?: Error }): string {
  // the error's own line, not Node's version banner that follows an uncaught exception's stack
  const lines = (r.stderr || r.error?.message || '').trim().split('\n').map((l) => l.trim()).filter((l) => l && !/^Node\.js v\d/.test(l));
  return lines.find((l) => /^\w*(Error|Exception)\b/.test(l)) ?? lines.pop() ?? '';
}

/**
 * Fraction of the nq x k neighbour ids on which two row-major id lists agree, compared per
 * query as sets: an exact engine and a peer may order exact distance ties differently, so this
 * is 1 less only the ties each side cut at the k-th place.
 */
export function sameNeighbours(a: Int32Array, b: Int32Array, nq: number, k: number): number {
  let same = 0;
  for (let i = 0; i < nq; i++) {
    const s = new Set(b.subarray(i * k, i * k + k));
    for (const j of a.subarray(i * k, i * k + k)) if (s.has(j)) same++;
  }
  return same / (nq * k);
}

/**
 * A raw binary file as a typed array. Copies the file's own bytes: `readFileSync(f).buffer`
 * may be Node's shared pool (files under 4 KiB), with the data at an offset inside it.
 */
export function readTypedFile<T extends Int32Array | Float32Array>(path: string, ctor: { new (b: ArrayBuffer): T }): T {
  const b = readFileSync(path);
  return new ctor(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
}

// the data of bench:vamana and bench:diskann (kept with the tests' generators)
export { subspaceClusters } from '../test/helpers/data.js';

/**
 * The OpenBLAS settings a Python peer (FAISS, numpy) is run under, each as a label and the
 * variables to set (undefined: remove): unset; as this shell sets them, or, where it sets
 * neither, OPENBLAS_CORETYPE=Haswell (what these machines usually set); and SkylakeX (FAISS's
 * flat search is ~3x faster there than unset). The caller reports each and compares the fastest.
 */
export function openblasSettings(): Array<[string, Record<string, string | undefined>]> {
  const c = process.env.OPENBLAS_CORETYPE, l = process.env.OPENBLAS_L2_SIZE;
  const asSet: [string, Record<string, string | undefined>] = c === undefined && l === undefined
    ? ['OPENBLAS_CORETYPE=Haswell (the machines\' usual setting; this shell sets none)', { OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: undefined }]
    : [`as set (OPENBLAS_CORETYPE=${c ?? 'unset'}, OPENBLAS_L2_SIZE=${l ?? 'unset'})`, {}];
  return [['unset', { OPENBLAS_CORETYPE: undefined, OPENBLAS_L2_SIZE: undefined }], asSet, ['OPENBLAS_CORETYPE=SkylakeX', { OPENBLAS_CORETYPE: 'SkylakeX' }]];
}

/** process.env with a setting's variables applied (undefined removes one). */
export function envWith(patch: Record<string, string | undefined>, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = { ...process.env, ...extra };
  for (const [k, v] of Object.entries(patch)) { if (v === undefined) delete env[k]; else env[k] = v; }
  return env as NodeJS.ProcessEnv;
}
