// Data helpers shared by the HNSW test files (local parsers keep the tests independent of src/io).
import { readFileSync } from 'node:fs';
import type { DenseMatrix } from '../../src/core/matrix.js';
import type { SearchResult } from '../../src/search/results.js';

/** .fvecs: per vector int32 d then d float32. */
export function readFvecsLocal(path: string): DenseMatrix {
  const b = readFileSync(path);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const d = dv.getInt32(0, true);
  const rows = b.byteLength / (4 + 4 * d);
  const data = new Float32Array(rows * d);
  for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) data[i * d + j] = dv.getFloat32(i * (4 + 4 * d) + 4 + 4 * j, true);
  return { kind: 'dense', data, rows, cols: d };
}

/** .ivecs: per row int32 k then k int32. */
export function readIvecsLocal(path: string): { data: Int32Array; rows: number; cols: number } {
  const b = readFileSync(path);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const k = dv.getInt32(0, true);
  const rows = b.byteLength / (4 + 4 * k);
  const data = new Int32Array(rows * k);
  for (let i = 0; i < rows; i++) for (let j = 0; j < k; j++) data[i * k + j] = dv.getInt32(i * (4 + 4 * k) + 4 + 4 * j, true);
  return { data, rows, cols: k };
}

/** Numeric CSV with a header and the label in the last column: features only. */
export function readCsvFeatures(path: string): DenseMatrix {
  const lines = readFileSync(path, 'utf8').trim().split('\n').slice(1);
  const cols = lines[0].split(',').length - 1;
  const data = new Float32Array(lines.length * cols);
  lines.forEach((line, i) => { const f = line.split(','); for (let j = 0; j < cols; j++) data[i * cols + j] = +f[j]; });
  return { kind: 'dense', data, rows: lines.length, cols };
}

/** Rows [from, to) of a matrix (copy). */
export function rows(m: DenseMatrix, from: number, to: number): DenseMatrix {
  return { kind: 'dense', data: m.data.slice(from * m.cols, to * m.cols), rows: to - from, cols: m.cols };
}

/** recall@k of `res` against exact neighbour lists (first k of each row of `truth`, width `tk`). */
export function recallAt(res: SearchResult, truth: ArrayLike<number>, tk: number, k: number): number {
  let hit = 0;
  for (let q = 0; q < res.nQueries; q++) {
    const want = new Set<number>();
    for (let j = 0; j < k; j++) want.add(truth[q * tk + j]);
    const got = res.row(q).indices;
    for (let j = 0; j < Math.min(k, got.length); j++) if (want.has(got[j])) hit++;
  }
  return hit / (res.nQueries * k);
}
