import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import { KnnkitError } from '../../src/core/errors.js';
import { wasmMode } from '../../src/wasm/loader.js';
import { Rng } from '../../src/core/rng.js';
import type { DenseMatrix } from '../../src/core/matrix.js';
import type { MetricSpec } from '../../src/metrics/types.js';
import { gaussianClusters } from '../helpers/data.js';
import { referenceSearch, referenceRadius, assertSameResult, assertSameRadius, toCsr, rowsOf } from './brute-force-helpers.js';

// Every path (WebAssembly dot pre-selection, its TS twin, blocked scalar, sparse) must return
// exactly what the one-row-at-a-time scalar reference returns: same indices, same float32
// distances, ties by lower index.

const PATHS = [{ wasm: true, name: 'wasm' }, { wasm: false, name: 'ts' }] as const;

/** Float data, integer data (many exact ties) and duplicated rows. */
function datasets(): Array<{ name: string; data: DenseMatrix; queries: DenseMatrix }> {
  const d = 13; // not a multiple of 4 or 8: exercises every tail
  const float = gaussianClusters(420, d, 6, 11);
  const ints = gaussianClusters(420, d, 6, 12, 1.5, true);
  const dup = gaussianClusters(420, d, 4, 13, 1, true);
  // every row of the first 60 repeated 3 more times (exact duplicates at scattered positions)
  for (let i = 60; i < 240; i++) dup.data.copyWithin(i * d, (i % 60) * d, (i % 60 + 1) * d);
  return [
    { name: 'gaussian', data: float, queries: gaussianClusters(23, d, 6, 21) },
    { name: 'integer ties', data: ints, queries: gaussianClusters(23, d, 6, 22, 1.5, true) },
    // queries equal to indexed rows: distance 0 ties among the duplicates
    { name: 'duplicates', data: dup, queries: rowsOf(dup, 50, 73) },
  ];
}

const DOT_METRICS: MetricSpec[] = ['euclidean', 'sqeuclidean', 'cosine', 'ip'];
const OTHER_METRICS: MetricSpec[] = ['manhattan', 'chebyshev', { name: 'minkowski', p: 3 }, 'mahalanobis'];

for (const { name, data, queries } of datasets()) {
  for (const metric of [...DOT_METRICS, ...OTHER_METRICS]) {
    const mname = typeof metric === 'string' ? metric : JSON.stringify(metric);
    test(`brute force == scalar reference: ${name}, ${mname}, k in {1, 5, 50}, both kernel paths`, () => {
      for (const path of PATHS) {
        const bf = new BruteForce(data, { metric, wasm: path.wasm });
        for (const k of [1, 5, 50]) {
          const want = referenceSearch(data, queries, k, bf.metric);
          assertSameResult(bf.search(queries, k), want, `${name}/${mname}/${path.name}/k=${k}`);
        }
      }
    });
  }
}

test('hamming on categorical data equals the reference', () => {
  const rng = new Rng(5);
  const n = 300, d = 17;
  const data = new Float32Array(n * d).map(() => rng.int(3));
  const m = { kind: 'dense' as const, data, rows: n, cols: d };
  const q = rowsOf(m, 10, 30);
  for (const path of PATHS) {
    const bf = new BruteForce(m, { metric: 'hamming', wasm: path.wasm });
    for (const k of [1, 5, 50]) assertSameResult(bf.search(q, k), referenceSearch(m, q, k, bf.metric), `hamming/${path.name} k=${k}`);
    const r = bf.search(q, 9).row(2).distances[8];
    assertSameRadius(bf.radiusSearch(q, r), referenceRadius(m, q, r, bf.metric), `hamming radius/${path.name}`);
  }
});

test('the WebAssembly path is in use where SIMD exists, and both paths agree', () => {
  const data = gaussianClusters(300, 32, 5, 3);
  const q = gaussianClusters(40, 32, 5, 4);
  const a = new BruteForce(data, { wasm: true }), b = new BruteForce(data, { wasm: false });
  assert.equal(b.kernelPath, 'ts');
  const wasmOn = typeof WebAssembly === 'object' && wasmMode() !== 'off'; // KNNKIT_WASM=off runs everything in TS
  if (wasmOn) assert.match(a.kernelPath, /^(simd|relaxed)$/);
  assertSameResult(a.search(q, 7), b.search(q, 7), 'wasm vs ts');
  assert.equal(new BruteForce(data, { metric: { name: 'minkowski', p: 3 } }).kernelPath, 'scalar');
  assert.equal(new BruteForce(data, { metric: 'manhattan', wasm: false }).kernelPath, 'ts');
  if (wasmOn) assert.match(new BruteForce(data, { metric: 'chebyshev' }).kernelPath, /^(simd|relaxed)$/);
});

test('k > n clamps to n; a filter restricts the candidates (unfilled slots -1 / Infinity)', () => {
  const data = gaussianClusters(37, 6, 3, 8);
  const q = gaussianClusters(5, 6, 3, 9);
  for (const path of PATHS) {
    const bf = new BruteForce(data, { wasm: path.wasm });
    const r = bf.search(q, 100);
    assert.equal(r.k, 37);
    assertSameResult(r, referenceSearch(data, q, 37, bf.metric), `clamp/${path.name}`);
    const even = (j: number) => j % 2 === 0;
    assertSameResult(bf.search(q, 4, { filter: even }), referenceSearch(data, q, 4, bf.metric, even), `filter/${path.name}`);
    // fewer allowed rows than k
    const few = (j: number) => j < 3;
    const rf = bf.search(q, 5, { filter: few });
    assertSameResult(rf, referenceSearch(data, q, 5, bf.metric, few), `few/${path.name}`);
    assert.deepEqual(Array.from(rf.row(0).indices.subarray(3)), [-1, -1]);
    assert.equal(rf.row(0).distances[4], Infinity);
  }
});

test('many rows tied with the k-th (candidate-list overflow path) stay exact', () => {
  // 2000 identical rows plus a few others: the band of ties is far wider than any list.
  const d = 8, n = 2100;
  const data = new Float32Array(n * d);
  for (let i = 2000; i < n; i++) for (let t = 0; t < d; t++) data[i * d + t] = (i % 7) + t;
  const m = { kind: 'dense' as const, data, rows: n, cols: d };
  const q = { kind: 'dense' as const, data: new Float32Array(3 * d).fill(0.25), rows: 3, cols: d };
  for (const metric of ['euclidean', 'ip', 'cosine', 'manhattan', 'chebyshev', 'hamming']) {
    for (const path of PATHS) {
      const bf = new BruteForce(m, { metric, wasm: path.wasm });
      for (const k of [1, 50, 1500]) assertSameResult(bf.search(q, k), referenceSearch(m, q, k, bf.metric), `ties/${metric}/${path.name}/k=${k}`);
    }
  }
});

test('cosine with zero vectors (query and data) matches the reference', () => {
  const data = gaussianClusters(120, 9, 3, 30);
  data.data.fill(0, 5 * 9, 8 * 9); // rows 5..7 are zero
  const q = gaussianClusters(6, 9, 3, 31);
  q.data.fill(0, 0, 9); // query 0 is zero: every distance is exactly 1
  for (const path of PATHS) {
    const bf = new BruteForce(data, { metric: 'cosine', wasm: path.wasm });
    assertSameResult(bf.search(q, 10), referenceSearch(data, q, 10, bf.metric), `cosine zeros/${path.name}`);
  }
});

test('radius search is inclusive (d <= r) and equals the reference', () => {
  const data = gaussianClusters(400, 10, 5, 40);
  const q = gaussianClusters(12, 10, 5, 41);
  for (const metric of ['euclidean', 'sqeuclidean', 'cosine', 'ip', 'manhattan', 'chebyshev']) {
    for (const path of PATHS) {
      const bf = new BruteForce(data, { metric, wasm: path.wasm });
      // r = exactly (float64) the 20th neighbour's distance of query 0: it must be included
      const j20 = bf.search(q, 20).row(0).indices[19];
      const r = Math.max(0, bf.metric.distance(q.data, 0, data.data, j20 * 10, 10));
      const got = bf.radiusSearch(q, r);
      assertSameRadius(got, referenceRadius(data, q, r, bf.metric), `radius/${metric}/${path.name}`);
      if (bf.metric.distanceToReduced(r) === bf.metric.reduced(q.data, 0, data.data, j20 * 10, 10)) {
        assert.ok(Array.from(got.row(0).indices).includes(j20), `radius/${metric}: inclusive boundary`);
      }
    }
  }
  const bf = new BruteForce(data);
  assert.equal(bf.radiusSearch(q, 0).row(0).indices.length, 0);
  assert.equal(bf.radiusSearch(rowsOf(data, 3, 4), 0).row(0).indices[0], 3);
});

test('sparse (CSR) data: equal to the densified search, for every sparse metric', () => {
  const rng = new Rng(77);
  const n = 350, d = 60;
  const dense = new Float32Array(n * d);
  for (let i = 0; i < dense.length; i++) if (rng.random() < 0.12) dense[i] = Math.round(rng.normal() * 4) / 2 || 1;
  const D = { kind: 'dense' as const, data: dense, rows: n, cols: d };
  const Q = rowsOf(D, 0, 20);
  const S = toCsr(D), SQ = toCsr(Q);
  for (const metric of ['euclidean', 'sqeuclidean', 'manhattan', 'cosine', 'ip', { name: 'minkowski', p: 1 }] as MetricSpec[]) {
    const sp = new BruteForce(S, { metric });
    const dn = new BruteForce(D, { metric });
    const mname = JSON.stringify(metric);
    for (const k of [1, 5, 50]) {
      const want = dn.search(Q, k);
      assertSameResult(want, referenceSearch(D, Q, k, dn.metric), `dense ref ${mname} k=${k}`);
      assertSameResult(sp.search(SQ, k), want, `sparse ${mname} k=${k}`);
      assertSameResult(sp.search(SQ, k), referenceSearch(S, SQ, k, sp.metric), `sparse ref ${mname} k=${k}`);
      assertSameResult(sp.search(Q, k), want, `sparse data, dense queries ${mname} k=${k}`);
      assertSameResult(dn.search(SQ, k), want, `dense data, sparse queries ${mname} k=${k}`);
    }
    const r = Math.max(0, dn.search(Q, 8).row(1).distances[7]);
    assertSameRadius(sp.radiusSearch(SQ, r), referenceRadius(D, Q, r, dn.metric), `sparse radius ${mname}`);
    const odd = (j: number) => j % 2 === 1;
    assertSameResult(sp.search(SQ, 5, { filter: odd }), dn.search(Q, 5, { filter: odd }), `sparse filter ${mname}`);
  }
  assert.throws(() => new BruteForce(S, { metric: 'chebyshev' }), (e: unknown) => e instanceof KnnkitError && e.param === 'metric');
});

test('bad input: NaN, dimension mismatch, k < 1, empty data, negative radius, bad filter', () => {
  const data = gaussianClusters(20, 4, 2, 1);
  const bf = new BruteForce(data);
  const isErr = (param: string) => (e: unknown) => e instanceof KnnkitError && e.param === param;
  assert.throws(() => bf.search([[1, 2, NaN, 4]], 3), isErr('queries'));
  assert.throws(() => bf.search([[1, 2, 3]], 3), (e: unknown) => e instanceof KnnkitError && /dimension mismatch/.test((e as Error).message));
  assert.throws(() => bf.search([[1, 2, 3, 4]], 0), isErr('k'));
  assert.throws(() => bf.search([[1, 2, 3, 4]], 2.5), isErr('k'));
  assert.throws(() => new BruteForce([]), isErr('data'));
  assert.throws(() => new BruteForce([[1, Infinity]]), isErr('data'));
  assert.throws(() => bf.radiusSearch([[1, 2, 3, 4]], -1), isErr('r'));
  assert.throws(() => bf.search([[1, 2, 3, 4]], 2, { filter: 3 as unknown as (j: number) => boolean }), isErr('filter'));
  assert.rejects(() => bf.searchAsync([[1, 2, 3, 4]], 2, { threads: 0 }), isErr('threads'));
});

test('number[][] and Float64Array inputs give the same result as Float32 DenseMatrix', () => {
  const data = gaussianClusters(50, 5, 2, 2);
  const rows = Array.from({ length: 50 }, (_, i) => Array.from(data.data.subarray(i * 5, i * 5 + 5)));
  const a = new BruteForce(data).search(rowsOf(data, 0, 4), 3);
  const b = new BruteForce(rows).search(rows.slice(0, 4), 3);
  const c = new BruteForce({ data: Float64Array.from(data.data), rows: 50, cols: 5 }).search(rows.slice(0, 4), 3);
  assertSameResult(b, a, 'number[][]');
  assertSameResult(c, a, 'Float64Array');
});

test('tiny and subnormal values (float32 underflow) stay exact', () => {
  const d = 11;
  const base = gaussianClusters(200, d, 4, 50);
  const q = gaussianClusters(12, d, 4, 51);
  // rows 0..19 scaled to ~1e-24 (their products underflow float32), rows 20..29 subnormal (~1e-40)
  for (let i = 0; i < 20; i++) for (let t = 0; t < d; t++) base.data[i * d + t] *= 1e-25;
  for (let i = 20; i < 30; i++) for (let t = 0; t < d; t++) base.data[i * d + t] *= 1e-41;
  // queries: a tiny row (its own nearest), a subnormal row, a scaled tiny row, a tiny query
  for (let t = 0; t < d; t++) {
    q.data[t] = base.data[3 * d + t]; q.data[d + t] = base.data[25 * d + t];
    q.data[2 * d + t] = base.data[7 * d + t] * 1e-3; q.data[3 * d + t] *= 1e-25;
  }
  for (const metric of ['euclidean', 'cosine', 'ip', 'manhattan', 'chebyshev']) {
    for (const path of PATHS) {
      const bf = new BruteForce(base, { metric, wasm: path.wasm });
      if (path.wasm && wasmMode() !== 'off') assert.match(bf.kernelPath, /^(simd|relaxed)$/);
      for (const k of [1, 5, 50]) assertSameResult(bf.search(q, k), referenceSearch(base, q, k, bf.metric), `tiny/${metric}/${path.name}/k=${k}`);
    }
  }
});

test('huge norms (beyond the float32-safe range of the kernels) fall back to exact scalar loops', () => {
  const d = 11;
  const base = gaussianClusters(100, d, 4, 52);
  for (let i = 30; i < 35; i++) for (let t = 0; t < d; t++) base.data[i * d + t] *= 1e17;
  const q = gaussianClusters(6, d, 4, 53);
  for (let t = 0; t < d; t++) q.data[t] *= 1e19;
  for (const metric of ['euclidean', 'cosine', 'ip']) {
    const bf = new BruteForce(base, { metric });
    assert.equal(bf.kernelPath, 'scalar');
    assertSameResult(bf.search(q, 7), referenceSearch(base, q, 7, bf.metric), `huge/${metric}`);
  }
  // huge queries alone (base in range): those queries are ranked exhaustively
  const ok = gaussianClusters(100, d, 4, 54);
  const bf = new BruteForce(ok);
  assertSameResult(bf.search(q, 7), referenceSearch(ok, q, 7, bf.metric), 'huge queries');
});
