import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HnswIndex } from '../../src/search/hnsw/hnsw-index.js';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import { createIndex } from '../../src/index/api.js';
import { HnswCore } from '../../src/index/hnsw/descriptor.js';
import type { ManagedIndex } from '../../src/index/managed-index.js';
import { KnnkitError } from '../../src/core/errors.js';
import type { DenseMatrix } from '../../src/core/matrix.js';
import type { SearchResult } from '../../src/search/results.js';
import { gaussianClusters, sharedData } from '../helpers/data.js';
import { readFvecsLocal, readIvecsLocal, readCsvFeatures, rows, recallAt } from './hnsw-fixtures.js';
import { wasmFlavour } from '../../src/search/hnsw/kernel-wasm.js';

const hasWasm = wasmFlavour() !== null;
const KERNELS = (hasWasm ? ['wasm', 'js'] : ['js']) as ('wasm' | 'js')[];

/** Tie-aware recall@k: a returned point counts when its true distance is within the k-th exact distance. */
function tieRecall(res: SearchResult, exact: SearchResult, k: number): number {
  let hit = 0;
  for (let q = 0; q < res.nQueries; q++) {
    const kth = exact.row(q).distances[k - 1];
    const got = res.row(q);
    for (let j = 0; j < k; j++) if (got.indices[j] >= 0 && got.distances[j] <= kth * (1 + 1e-5) + 1e-6) hit++;
  }
  return hit / (res.nQueries * k);
}

/** Every reported distance equals the metric's distance to that id. */
function checkDistances(idx: HnswIndex, X: DenseMatrix, Q: DenseMatrix, res: SearchResult, tol = 1e-3): void {
  for (let q = 0; q < Q.rows; q += 7) {
    const r = res.row(q);
    for (let j = 0; j < r.indices.length; j++) {
      if (r.indices[j] < 0) continue;
      const d = idx.metric.distance(Q.data, q * Q.cols, X.data, r.indices[j] * X.cols, X.cols);
      assert.ok(Math.abs(d - r.distances[j]) <= tol * Math.max(1, Math.abs(d)), `distance of id ${r.indices[j]}: ${r.distances[j]} vs ${d}`);
    }
    for (let j = 1; j < r.indices.length; j++) if (r.indices[j] >= 0) assert.ok(r.distances[j] >= r.distances[j - 1] - 1e-6, 'sorted nearest first');
  }
}

const sift = sharedData('ngt_sift4900_base.fvecs');
test('SIFT 4900: recall@10 >= 0.95 at the default ef against the shipped ground truth', { skip: sift.skip }, () => {
  const X = readFvecsLocal(sift.path);
  const Q = readFvecsLocal(sharedData('ngt_sift4900_query.fvecs').path);
  const gt = readIvecsLocal(sharedData('ngt_sift4900_groundtruth.ivecs').path);
  const idx = HnswIndex.build(X, { seed: 1 });
  assert.equal(idx.size, 4900);
  const res = idx.search(Q, 10);
  const r = recallAt(res, gt.data, gt.cols, 10);
  assert.ok(r >= 0.95, `recall@10 ${r}`);
  checkDistances(idx, X, Q, res);
  // the exact oracle agrees with the ground truth file
  const exact = new BruteForce(X).search(rows(Q, 0, 10), 10);
  assert.equal(recallAt(exact, gt.data, gt.cols, 10), 1);
});

for (const [file, metrics] of [['digits_dig1-10.csv', ['euclidean', 'cosine', 'manhattan']], ['binalpha.csv', ['euclidean', 'cosine']]] as const) {
  const s = sharedData(file);
  test(`${file}: recall@10 >= 0.95 against brute force (${metrics.join(', ')})`, { skip: s.skip }, () => {
    const all = readCsvFeatures(s.path);
    const X = rows(all, 0, all.rows - 100), Q = rows(all, all.rows - 100, all.rows);
    for (const metric of metrics) {
      const idx = HnswIndex.build(X, { metric, seed: 7 });
      const res = idx.search(Q, 10);
      const exact = new BruteForce(X, { metric }).search(Q, 10);
      const r = tieRecall(res, exact, 10);
      assert.ok(r >= 0.95, `${metric}: recall@10 ${r}`);
      checkDistances(idx, X, Q, res);
    }
  });
}

test('generated clusters: every metric family, both kernels, recall@10 >= 0.95 and exact distances', () => {
  const all = gaussianClusters(1300, 24, 12, 3);
  const X = rows(all, 0, 1200), Q = rows(all, 1200, 1300);
  const unit = (m: DenseMatrix): DenseMatrix => {
    const d = m.data.slice();
    for (let i = 0; i < m.rows; i++) { let s = 0; for (let j = 0; j < m.cols; j++) s += d[i * m.cols + j] ** 2; s = Math.sqrt(s); for (let j = 0; j < m.cols; j++) d[i * m.cols + j] /= s; }
    return { ...m, data: d };
  };
  const cases: [string | { name: string; p: number }, DenseMatrix, DenseMatrix][] = [
    ['euclidean', X, Q], ['sqeuclidean', X, Q], ['cosine', X, Q], ['ip', unit(X), unit(Q)],
    ['manhattan', X, Q], [{ name: 'minkowski', p: 3 }, X, Q], ['chebyshev', X, Q],
  ];
  for (const kernel of KERNELS) {
    for (const [metric, x, q] of cases) {
      let idx: HnswIndex;
      try { idx = HnswIndex.build(x, { metric, kernel, M: 10, efConstruction: 60 }); } catch (e) {
        // metrics without a native kernel refuse kernel: 'wasm'
        assert.ok(kernel === 'wasm' && e instanceof KnnkitError && /no WebAssembly kernel/.test(e.message), String(e));
        continue;
      }
      const res = idx.search(q, 10, { ef: 80 });
      const exact = new BruteForce(x, { metric }).search(q, 10);
      const r = tieRecall(res, exact, 10);
      assert.ok(r >= 0.95, `${JSON.stringify(metric)} / ${kernel}: recall@10 ${r}`);
      checkDistances(idx, x, q, res);
    }
  }
});

test('cosine is a true cosine distance: scale-invariant, 1 - cos reported, zero vector at distance 1', () => {
  const X = [[1, 0], [0, 2], [-3, 0], [1, 1], [0, 0]];
  for (const kernel of KERNELS) {
    const idx = HnswIndex.build(X, { metric: 'cosine', kernel });
    const r = idx.search([[10, 0]], 5);
    assert.deepEqual(Array.from(r.indices.subarray(0, 2)), [0, 3]);
    assert.ok(Math.abs(r.distances[0]) < 1e-6);
    assert.ok(Math.abs(r.distances[1] - (1 - Math.SQRT1_2)) < 1e-6);
    const row = r.row(0);
    const far = Array.from(row.indices).indexOf(2);
    assert.ok(Math.abs(row.distances[far] - 2) < 1e-6);
    const zero = Array.from(row.indices).indexOf(4);
    assert.ok(Math.abs(row.distances[zero] - 1) < 1e-6);
    assert.deepEqual(Array.from(idx.getVector(1)!), [0, 2]);
  }
});

test('the TypeScript and WebAssembly kernels build the same graph on integer data (exact sums)', { skip: hasWasm ? false : 'no WebAssembly SIMD' }, () => {
  const X = gaussianClusters(800, 16, 5, 11, 3, true);
  const a = HnswIndex.build(X, { kernel: 'wasm', seed: 5, M: 8, efConstruction: 64 });
  const b = HnswIndex.build(X, { kernel: 'js', seed: 5, M: 8, efConstruction: 64 });
  assert.notEqual(a.kernelName, 'js');
  assert.equal(b.kernelName, 'js');
  assert.deepEqual(a.toBytes(), b.toBytes());
  const Q = gaussianClusters(50, 16, 5, 12, 3, true);
  const ra = a.search(Q, 5), rb = b.search(Q, 5);
  assert.deepEqual(ra.indices, rb.indices);
  assert.deepEqual(ra.distances, rb.distances);
});

test('determinism: the same seed gives the same graph; another seed another graph', () => {
  const X = gaussianClusters(1500, 16, 8, 21);
  const a = HnswIndex.build(X, { seed: 9 }), b = HnswIndex.build(X, { seed: 9 }), c = HnswIndex.build(X, { seed: 10 });
  assert.deepEqual(a.toBytes(), b.toBytes());
  assert.notDeepEqual(a.toBytes(), c.toBytes());
  const Q = gaussianClusters(40, 16, 8, 22);
  assert.deepEqual(a.search(Q, 10).indices, b.search(Q, 10).indices);
  // one-by-one adds equal one batch
  const d = new HnswIndex(16, { seed: 9, capacity: 1 });
  for (let i = 0; i < 300; i++) d.add(X.data.subarray(i * 16, (i + 1) * 16));
  const e = HnswIndex.build(rows(X, 0, 300), { seed: 9 });
  assert.deepEqual(d.search(Q, 10).indices, e.search(Q, 10).indices);
});

test('levels follow floor(-ln U * mL) with mL = 1/ln M; M0 = 2M', () => {
  const X = gaussianClusters(4000, 4, 4, 1);
  const idx = HnswIndex.build(X, { M: 8, efConstruction: 16 });
  assert.equal(idx.M0, 16);
  assert.ok(Math.abs(idx.mL - 1 / Math.log(8)) < 1e-12);
  const levels = idx.views.u8.subarray(idx.layout.levels, idx.layout.levels + 4000);
  const above = levels.filter((l) => l >= 1).length / 4000;
  assert.ok(Math.abs(above - 1 / 8) < 0.02, `P(level >= 1) = ${above}, expected 1/M = 0.125`);
  // layer-0 lists never exceed M0 and point at live slots
  const i32 = idx.views.i32, base = idx.layout.link0 >> 2;
  for (let s = 0; s < 4000; s++) {
    const c = i32[base + s * 17];
    assert.ok(c >= 1 && c <= 16);
    for (let j = 1; j <= c; j++) assert.ok(i32[base + s * 17 + j] >= 0 && i32[base + s * 17 + j] < 4000 && i32[base + s * 17 + j] !== s);
  }
});

test('ef < k is raised to k; ef is per call; k larger than the live count returns what exists', () => {
  const X = gaussianClusters(1000, 8, 4, 2);
  const Q = gaussianClusters(20, 8, 4, 3);
  const idx = HnswIndex.build(X, { ef: 4 });
  const a = idx.search(Q, 50, { ef: 5 }), b = idx.search(Q, 50, { ef: 50 });
  assert.equal(a.k, 50);
  assert.deepEqual(a.indices, b.indices);
  assert.ok(Array.from(a.indices).every((i) => i >= 0));
  assert.equal(idx.ef, 4);
  const small = HnswIndex.build([[0], [1], [2]]);
  const r = small.search([[0.1]], 10);
  assert.equal(r.k, 3);
  assert.deepEqual(Array.from(r.indices), [0, 1, 2]);
  small.remove(1);
  const r2 = small.search([[0.1]], 10);
  assert.equal(r2.k, 2);
  assert.deepEqual(Array.from(r2.indices), [0, 2]);
  // a filter that allows fewer than k pads with -1 / Infinity
  const r3 = idx.search(Q.data.subarray(0, 8), 5, { filter: new Set([3, 7]) });
  assert.deepEqual(Array.from(r3.indices).slice(2), [-1, -1, -1]);
  assert.deepEqual(new Set(Array.from(r3.indices).slice(0, 2)), new Set([3, 7]));
  assert.equal(r3.distances[4], Infinity);
});

test('createIndex("hnsw") builds an HNSW graph with the family options', () => {
  const X = gaussianClusters(300, 8, 3, 4);
  const idx = createIndex('hnsw', X, { M: 8, efConstruction: 50, seed: 3 }) as ManagedIndex;
  const core = idx.core as HnswCore;
  assert.ok(core instanceof HnswCore && core.hnsw instanceof HnswIndex);
  assert.equal(idx.kind, 'hnsw');
  assert.equal(idx.exact, false);
  const h = core.hnsw;
  assert.deepEqual([h.M, h.efConstruction, h.seed, idx.dim, idx.size], [8, 50, 3, 8, 300]);
  assert.deepEqual([idx.options.M, idx.options.efConstruction, idx.options.seed], [8, 50, 3]);
  assert.ok(idx.memoryUsage() > 300 * 8 * 4);
  // ef is a search parameter, never a build option
  assert.throws(() => createIndex('hnsw', X, { ef: 30 }), /has no option "ef"/);
});

test('radiusSearch returns the points within r (inclusive), sorted', () => {
  const X = gaussianClusters(500, 4, 3, 5);
  const idx = HnswIndex.build(X);
  const Q = rows(X, 0, 5);
  const exact = new BruteForce(X).radiusSearch(Q, 3);
  const got = idx.radiusSearch(Q, 3);
  for (let q = 0; q < 5; q++) {
    const e = new Set(exact.row(q).indices), g = got.row(q);
    assert.ok(g.indices.length >= 0.95 * e.size);
    for (const i of g.indices) assert.ok(e.has(i));
  }
});

test('bad input is refused with KnnkitError naming the parameter', () => {
  const X = gaussianClusters(50, 4, 2, 1);
  const idx = HnswIndex.build(X);
  const cases: [() => unknown, RegExp][] = [
    [() => HnswIndex.build(X, { M: 1 }), /^M: got 1/],
    [() => HnswIndex.build(X, { M: 2.5 }), /^M:/],
    [() => HnswIndex.build(X, { efConstruction: 0 }), /^efConstruction: got 0/],
    [() => HnswIndex.build(X, { ef: -1 }), /^ef: got -1/],
    [() => HnswIndex.build(X, { seed: -3 }), /^seed: got -3/],
    [() => HnswIndex.build(X, { metric: 'nope' }), /^metric: got "nope"/],
    [() => HnswIndex.build(X, { kernel: 'gpu' as 'js' }), /^kernel: got "gpu"/],
    [() => HnswIndex.build([[1, NaN]]), /data: value NaN/],
    [() => HnswIndex.build([]), /empty data/],
    [() => idx.search(X, 0), /^k: got 0/],
    [() => idx.search(X, 3, { ef: 0 }), /^ef: got 0/],
    [() => idx.search([[1, 2]], 3), /dimension mismatch/],
    [() => idx.search(X, 3, { filter: 'x' as unknown as Set<number> }), /^filter: got "x"/],
    [() => idx.search(X, 3, { filter: new Set([1]), filterStrategy: 'fast' as 'scan' }), /^filterStrategy/],
    [() => idx.add([[1, 2, 3, 4]], [0]), /id 0 is already in the index/],
    [() => idx.add([[1, 2, 3, 4], [1, 2, 3, 4]], [500, 500]), /repeated/],
    [() => idx.add([[1, 2, 3, 4]], [1.5]), /^ids\[0\]: got 1.5/],
    [() => idx.add([[1, 2, 3, 4]], [1, 2]), /one id per vector/],
    [() => idx.remove(12345), /^id: got 12345/],
    [() => new HnswIndex(0), /^dim: got 0/],
  ];
  for (const [fn, re] of cases) assert.throws(fn, (e: unknown) => e instanceof KnnkitError && re.test(e.message), re.source);
  if (hasWasm) assert.throws(() => HnswIndex.build(X, { metric: 'manhattan', kernel: 'wasm' }), /no WebAssembly kernel/);
});

test('cache-friendly slot order (breadth-first) changes memory positions, not results', () => {
  const X = gaussianClusters(3000, 16, 30, 8);
  const Q = gaussianClusters(60, 16, 30, 9);
  const a = HnswIndex.build(X, { seed: 4, reorder: false }), b = HnswIndex.build(X, { seed: 4 });
  const ra = a.search(Q, 10, { ef: 30 }), rb = b.search(Q, 10, { ef: 30 });
  assert.deepEqual(rb.indices, ra.indices);
  assert.deepEqual(rb.distances, ra.distances);
  assert.notDeepEqual(a.toBytes(), b.toBytes());
  // ids still resolve after the renumbering
  for (const id of [0, 1234, 2999]) assert.deepEqual(Array.from(b.getVector(id)!), Array.from(X.data.subarray(id * 16, id * 16 + 16)));
  b.remove(1234);
  assert.ok(!Array.from(b.search(X.data.subarray(1234 * 16, 1235 * 16), 5).indices).includes(1234));
});
