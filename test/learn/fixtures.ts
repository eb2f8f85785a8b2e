import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DenseMatrix } from '../../src/core/matrix.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export function loadFixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
}

/** A numeric CSV with a header row and the label in the last column (the ../shared/data layout). */
export function readNumericCsv(path: string): { X: number[][]; y: number[] } {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  const X: number[][] = [], y: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].split(',').map(Number);
    y.push(f.pop()!);
    X.push(f);
  }
  return { X, y };
}

export function dense(rows: number[][]): DenseMatrix {
  const cols = rows[0].length;
  const data = new Float32Array(rows.length * cols);
  rows.forEach((r, i) => data.set(r, i * cols));
  return { kind: 'dense', data, rows: rows.length, cols };
}

/** Train rows = every row not in `test`, ascending (the fixture script's split). */
export function splitRows<T>(rows: T[], test: number[]): { train: T[]; testRows: T[] } {
  const inTest = new Set(test);
  return { train: rows.filter((_, i) => !inTest.has(i)), testRows: test.map((i) => rows[i]) };
}

/** Decodes the fixture's sparse probability rows into a dense n x C Float64Array. */
export function decodeProba(rows: number[][], C: number, scale: number | null): Float64Array {
  const out = new Float64Array(rows.length * C);
  rows.forEach((r, q) => { for (let t = 0; t < r.length; t += 2) out[q * C + r[t]] = scale ? r[t + 1] / scale : r[t + 1]; });
  return out;
}

import type { Metric, MetricSpec } from '../../src/metrics/types.js';
import { resolveMetric } from '../../src/metrics/registry.js';

/**
 * The real metric with its reduced distances between fixed query and training matrices computed
 * once, by the metric's own kernel, into a table: the 40 estimator fits per dataset then cost
 * table lookups instead of 40 full scans (the machine is shared; binalpha x minkowski p=3 would
 * otherwise take a minute). Any pair outside the two matrices falls back to the kernel, so the
 * estimator and the engine run unchanged. Fast paths (dotForm, sparse) are removed so the engine
 * uses the scalar kernel, which is the ranking contract anyway.
 */
export function tabulatedMetric(spec: MetricSpec, Q: DenseMatrix, T: DenseMatrix): Metric {
  const m = resolveMetric(spec);
  const d = Q.cols, nt = T.rows;
  const table = new Float64Array(Q.rows * nt);
  for (let q = 0; q < Q.rows; q++) for (let j = 0; j < nt; j++) table[q * nt + j] = m.reduced(Q.data, q * d, T.data, j * d, d);
  const same = new WeakSet<object>([T.data]);
  const isTraining = (b: ArrayLike<number>): boolean => {
    if (same.has(b as object)) return true;
    if (b.length !== T.data.length) return false;
    for (let i = 0; i < b.length; i++) if (b[i] !== T.data[i]) return false;
    same.add(b as object); // a copy of the training data (fit copies X)
    return true;
  };
  const reduced: Metric['reduced'] = (a, ao, b, bo, dd) =>
    a === Q.data && dd === d && isTraining(b) ? table[(ao / d) * nt + bo / d] : m.reduced(a, ao, b, bo, dd);
  return { ...m, reduced, dotForm: undefined, sparseReduced: undefined };
}
