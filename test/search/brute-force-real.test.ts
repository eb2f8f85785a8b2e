import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import type { MetricSpec } from '../../src/metrics/types.js';
import { sharedData } from '../helpers/data.js';
import { referenceSearch, assertSameResult, readCsvFeatures, readFvecs, readIvecs, rowsOf, toCsr } from './brute-force-helpers.js';

// Real data from ../shared/data: integer-valued images (digits 0..16, binalpha 0/1) are full of
// exact distance ties, the hardest case for a fast path that must match the scalar reference.

/** The first k columns of a k0-wide result (the ranking is a total order, so top-k is a prefix). */
function prefix(r: { indices: Int32Array; distances: Float32Array }, k0: number, k: number): { indices: Int32Array; distances: Float32Array } {
  const n = r.indices.length / k0;
  const indices = new Int32Array(n * k), distances = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    indices.set(r.indices.subarray(i * k0, i * k0 + k), i * k);
    distances.set(r.distances.subarray(i * k0, i * k0 + k), i * k);
  }
  return { indices, distances };
}

const METRICS: MetricSpec[] = ['euclidean', 'sqeuclidean', 'cosine', 'ip', 'manhattan', 'chebyshev', { name: 'minkowski', p: 3 }, 'hamming'];

for (const file of ['digits_dig1-10.csv', 'binalpha.csv']) {
  const s = sharedData(file);
  test(`${file}: every metric, k in {1, 5, 50}, WebAssembly and TS paths == scalar reference`, { skip: s.skip }, () => {
    const X = readCsvFeatures(s.path);
    const Q = rowsOf(X, 0, 20); // queries that are indexed rows: distance-0 self matches and ties
    for (const metric of METRICS) {
      let ref: ReturnType<typeof referenceSearch> | undefined;
      for (const wasm of [true, false]) {
        const bf = new BruteForce(X, { metric, wasm });
        ref ??= referenceSearch(X, Q, 50, bf.metric);
        for (const k of [1, 5, 50]) {
          assertSameResult(bf.search(Q, k), prefix(ref, 50, k), `${file}/${JSON.stringify(metric)}/${wasm ? 'wasm' : 'ts'}/k=${k}`);
        }
      }
    }
    // sparse form of the same data gives the same neighbours
    const sp = new BruteForce(toCsr(X), { metric: 'euclidean' });
    assertSameResult(sp.search(toCsr(Q), 10), new BruteForce(X).search(Q, 10), `${file}: sparse == dense`);
  });
}

const base = sharedData('ngt_sift4900_base.fvecs');
test('ngt_sift4900: recall 1.0 at 10 and 100 against the ground truth (squared L2, ties by index)', { skip: base.skip }, async () => {
  const X = readFvecs(base.path);
  const Q = readFvecs(sharedData('ngt_sift4900_query.fvecs').path);
  const gt = readIvecs(sharedData('ngt_sift4900_groundtruth.ivecs').path);
  assert.equal(X.rows, 4900); assert.equal(Q.rows, 100); assert.equal(gt.cols, 100);
  const bf = new BruteForce(X, { metric: 'sqeuclidean' });
  const r = bf.search(Q, 100);
  for (const k of [10, 100]) {
    let hit = 0;
    for (let i = 0; i < Q.rows; i++) {
      const want = new Set(gt.data.subarray(i * 100, i * 100 + k));
      for (const j of r.row(i).indices.subarray(0, k)) if (want.has(j)) hit++;
    }
    assert.equal(hit / (Q.rows * k), 1, `recall@${k}`);
  }
  // the ordering too: the ground truth lists neighbours nearest first, ties by lower index
  assert.deepEqual(Array.from(r.indices), Array.from(gt.data));
  assertSameResult(await bf.searchAsync(Q, 100, { threads: 2 }), r, 'sift searchAsync');
});
