// Shared by the brute-force tests: the scalar reference (one query at a time, every row through
// metric.reduced, the exactness contract of src/metrics/types.ts), small readers for the shared
// data files, and exact comparison helpers.
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import type { DenseMatrix } from '../../src/core/matrix.js';
import type { CsrMatrix } from '../../src/core/sparse.js';
import type { Matrix } from '../../src/core/data.js';
import { TopK, sortByDistanceThenIndex } from '../../src/core/topk.js';
import type { Metric } from '../../src/metrics/types.js';
import type { SearchResult, RadiusResult } from '../../src/search/results.js';

/** The reference: every row, metric.reduced (or sparseReduced) in float64, ties by lower index. */
export function referenceSearch(data: Matrix, q: Matrix, k: number, m: Metric, filter?: (j: number) => boolean): { indices: Int32Array; distances: Float32Array } {
  const kk = Math.min(k, data.rows);
  const indices = new Int32Array(q.rows * kk).fill(-1), distances = new Float32Array(q.rows * kk).fill(Infinity);
  const heap = new TopK(kk);
  const ii = new Int32Array(kk), dd = new Float64Array(kk);
  for (let i = 0; i < q.rows; i++) {
    heap.reset(kk);
    for (let j = 0; j < data.rows; j++) if (!filter || filter(j)) heap.push(reducedOf(data, q, i, j, m), j);
    // one rounding to float32, after reducedToDistance on the float64 reduced value
    const n = heap.drainSorted(ii, dd, 0);
    for (let t = 0; t < n; t++) { indices[i * kk + t] = ii[t]; distances[i * kk + t] = m.reducedToDistance(dd[t]); }
  }
  return { indices, distances };
}

export function referenceRadius(data: Matrix, q: Matrix, r: number, m: Metric): Array<{ idx: number[]; dist: number[] }> {
  const rr = m.distanceToReduced(r);
  const out: Array<{ idx: number[]; dist: number[] }> = [];
  for (let i = 0; i < q.rows; i++) {
    const idx: number[] = [], red: number[] = [];
    for (let j = 0; j < data.rows; j++) { const v = reducedOf(data, q, i, j, m); if (v <= rr) { idx.push(j); red.push(v); } }
    const ii = Int32Array.from(idx), dd = Float64Array.from(red);
    sortByDistanceThenIndex(ii, dd);
    out.push({ idx: Array.from(ii), dist: Array.from(Float32Array.from(Array.from(dd, (v) => m.reducedToDistance(v)))) });
  }
  return out;
}

function reducedOf(data: Matrix, q: Matrix, i: number, j: number, m: Metric): number {
  if (data.kind === 'dense' && q.kind === 'dense') return m.reduced(q.data, i * q.cols, data.data, j * data.cols, data.cols);
  if (data.kind === 'csr' && q.kind === 'csr') {
    return m.sparseReduced!(q.indices, q.values, q.indptr[i], q.indptr[i + 1], data.indices, data.values, data.indptr[j], data.indptr[j + 1], NaN, NaN);
  }
  throw new Error('reference: mixed storage');
}

/** Bit-identical indices and distances (Object.is on every distance). */
export function assertSameResult(got: SearchResult | { indices: Int32Array; distances: Float32Array }, want: { indices: Int32Array; distances: Float32Array }, what: string): void {
  assert.equal(got.indices.length, want.indices.length, `${what}: result length`);
  for (let t = 0; t < want.indices.length; t++) {
    if (got.indices[t] !== want.indices[t] || !Object.is(got.distances[t], want.distances[t])) {
      assert.fail(`${what}: slot ${t}: got (${got.indices[t]}, ${got.distances[t]}), expected (${want.indices[t]}, ${want.distances[t]})`);
    }
  }
}

export function assertSameRadius(got: RadiusResult, want: Array<{ idx: number[]; dist: number[] }>, what: string): void {
  assert.equal(got.nQueries, want.length, `${what}: query count`);
  for (let i = 0; i < want.length; i++) {
    const row = got.row(i);
    assert.deepEqual(Array.from(row.indices), want[i].idx, `${what}: query ${i} indices`);
    assert.deepEqual(Array.from(row.distances), want[i].dist, `${what}: query ${i} distances`);
  }
}

/** Features of a shared-data CSV (header row; the last column, the label, dropped). */
export function readCsvFeatures(path: string): DenseMatrix {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  const cols = lines[0].split(',').length - 1;
  const rows = lines.length - 1;
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const f = lines[i + 1].split(',');
    for (let j = 0; j < cols; j++) data[i * cols + j] = Number(f[j]);
  }
  return { kind: 'dense', data, rows, cols };
}

/** .fvecs (int32 d, then d float32 per vector). */
export function readFvecs(path: string): DenseMatrix {
  const buf = readFileSync(path);
  const d = buf.readInt32LE(0);
  const rows = buf.length / (4 * (d + 1));
  const data = new Float32Array(rows * d);
  for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) data[i * d + j] = buf.readFloatLE(4 * (i * (d + 1) + 1 + j));
  return { kind: 'dense', data, rows, cols: d };
}

/** .ivecs (int32 k, then k int32 per row). */
export function readIvecs(path: string): { data: Int32Array; rows: number; cols: number } {
  const buf = readFileSync(path);
  const k = buf.readInt32LE(0);
  const rows = buf.length / (4 * (k + 1));
  const data = new Int32Array(rows * k);
  for (let i = 0; i < rows; i++) for (let j = 0; j < k; j++) data[i * k + j] = buf.readInt32LE(4 * (i * (k + 1) + 1 + j));
  return { data, rows, cols: k };
}

/** CSR of a dense matrix (non-zeros only). */
export function toCsr(m: DenseMatrix): CsrMatrix {
  const { rows, cols, data } = m;
  const indptr = new Int32Array(rows + 1), idx: number[] = [], val: number[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) { const v = data[i * cols + j]; if (v !== 0) { idx.push(j); val.push(v); } }
    indptr[i + 1] = idx.length;
  }
  return { kind: 'csr', indptr, indices: Int32Array.from(idx), values: Float32Array.from(val), rows, cols };
}

/** Rows [a, b) of a dense matrix (a view). */
export function rowsOf(m: DenseMatrix, a: number, b: number): DenseMatrix {
  return { kind: 'dense', data: m.data.subarray(a * m.cols, b * m.cols), rows: b - a, cols: m.cols };
}
