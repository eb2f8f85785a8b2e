import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { KnnkitError } from '../../src/core/errors.js';
import type { MetricSpec } from '../../src/metrics/types.js';
import { readDataset } from '../../src/io/index.js';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import { KDTree } from '../../src/search/kd-tree/kd-tree.js';
import { BallTree } from '../../src/search/ball-tree/ball-tree.js';
import { createIndex } from '../../src/index/api.js';
import { chooseAlgorithm } from '../../src/index/auto.js';
import type { NeighborIndex } from '../../src/search/types.js';
import type { SearchResult, RadiusResult } from '../../src/search/results.js';
import { gaussianClusters, sharedData } from '../helpers/data.js';
import { closeSharedPool } from '../../src/parallel/pool.js';

// The one-interface contract: brute force, KD-tree and ball tree return the same neighbours,
// index for index and distance for distance (Float32 equality), for every metric each tree
// supports, k in {1, 5, 50} and radius search, on generated and real data.

const KD_METRICS: MetricSpec[] = ['euclidean', 'sqeuclidean', 'manhattan', 'chebyshev', { name: 'minkowski', p: 3 }];
const BALL_METRICS: MetricSpec[] = ['euclidean', 'manhattan', 'chebyshev', { name: 'minkowski', p: 3 }, 'mahalanobis', 'hamming'];

function rows(m: DenseMatrix, list: number[]): DenseMatrix {
  const data = new Float32Array(list.length * m.cols);
  list.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return { kind: 'dense', data, rows: list.length, cols: m.cols };
}

function range(a: number, b: number, step = 1): number[] {
  const out: number[] = [];
  for (let i = a; i < b; i += step) out.push(i);
  return out;
}

function concat(a: DenseMatrix, b: DenseMatrix): DenseMatrix {
  const data = new Float32Array((a.rows + b.rows) * a.cols);
  data.set(a.data); data.set(b.data, a.data.length);
  return { kind: 'dense', data, rows: a.rows + b.rows, cols: a.cols };
}

function assertSame(got: SearchResult, want: SearchResult, what: string): void {
  assert.equal(got.k, want.k, `${what}: width`);
  assert.equal(got.indices.length, want.indices.length, `${what}: length`);
  for (let t = 0; t < want.indices.length; t++) {
    if (got.indices[t] !== want.indices[t] || !Object.is(got.distances[t], want.distances[t])) {
      assert.fail(`${what}: query ${Math.floor(t / want.k)} rank ${t % want.k}: got (${got.indices[t]}, ${got.distances[t]}), brute force (${want.indices[t]}, ${want.distances[t]})`);
    }
  }
}

function assertSameRadius(got: RadiusResult, want: RadiusResult, what: string): void {
  assert.deepEqual(Array.from(got.offsets), Array.from(want.offsets), `${what}: row lengths`);
  assert.deepEqual(Array.from(got.indices), Array.from(want.indices), `${what}: indices`);
  for (let t = 0; t < want.distances.length; t++) {
    if (!Object.is(got.distances[t], want.distances[t])) assert.fail(`${what}: radius slot ${t}: ${got.distances[t]} vs ${want.distances[t]}`);
  }
}

/** Every tree/metric combination against brute force on one data set. */
function checkAll(name: string, X: DenseMatrix, Q: DenseMatrix, opts: { leafSizes?: number[]; skipMetrics?: string[] } = {}): void {
  const skip = new Set(opts.skipMetrics ?? []);
  const cases: Array<[string, MetricSpec, (m: MetricSpec, leaf: number) => NeighborIndex]> = [];
  for (const m of KD_METRICS) cases.push(['kd-tree', m, (metric, leafSize) => new KDTree(X, { metric, leafSize })]);
  for (const m of BALL_METRICS) cases.push(['ball-tree', m, (metric, leafSize) => new BallTree(X, { metric, leafSize })]);
  const oracles = new Map<string, { bf: BruteForce; res: Map<number, SearchResult>; r: number; rad: RadiusResult }>();
  for (const [engine, metric, make] of cases) {
    const key = JSON.stringify(metric);
    if (skip.has(typeof metric === 'string' ? metric : metric.name)) continue;
    let o = oracles.get(key);
    if (!o) {
      const bf = new BruteForce(X, { metric });
      const res = new Map([1, 5, 50].map((k) => [k, bf.search(Q, k)]));
      // radius: the median over queries of the 5th-neighbour distance, so some rows are cut
      // exactly at a distance shared by several points (the inclusive d <= r boundary)
      const fifth = Array.from({ length: Q.rows }, (_, i) => res.get(5)!.row(i).distances[Math.min(4, res.get(5)!.k - 1)]).sort((a, b) => a - b);
      const r = fifth[Q.rows >> 1];
      o = { bf, res, r, rad: bf.radiusSearch(Q, r) };
      oracles.set(key, o);
    }
    for (const leafSize of opts.leafSizes ?? [40]) {
      const idx = make(metric, leafSize);
      const what = `${name}/${engine}/${key}/leaf ${leafSize}`;
      for (const k of [1, 5, 50]) assertSame(idx.search(Q, k), o.res.get(k)!, `${what}/k=${k}`);
      assertSameRadius(idx.radiusSearch(Q, o.r), o.rad, `${what}/r=${o.r}`);
    }
  }
}

test('generated Gaussian clusters, d = 2: every metric, leaf sizes 40 and 3', () => {
  const X = gaussianClusters(1500, 2, 6, 11);
  const Q = concat(gaussianClusters(40, 2, 6, 12), rows(X, range(0, 1500, 150)));
  checkAll('gauss d=2', X, Q, { leafSizes: [40, 3] });
});

test('generated integer data with duplicate points, d = 8 (many exact ties)', () => {
  // integer coordinates with a small spread: many equal distances; the last 200 rows repeat
  // earlier rows, so some queries have several neighbours at distance 0
  const base = gaussianClusters(800, 8, 4, 21, 1.2, true);
  const X = concat(base, rows(base, range(0, 800, 4)));
  const Q = concat(gaussianClusters(30, 8, 4, 22, 1.2, true), rows(X, [0, 1, 2, 3, 800, 801, 999]));
  checkAll('integer d=8', X, Q, { leafSizes: [40, 5] });
});

test('generated Gaussian clusters, d = 16', () => {
  const X = gaussianClusters(1200, 16, 8, 31);
  const Q = concat(gaussianClusters(30, 16, 8, 32), rows(X, [5, 500]));
  checkAll('gauss d=16', X, Q);
});

test('degenerate data: all points identical, and a single point', () => {
  const same: DenseMatrix = { kind: 'dense', data: new Float32Array(300).fill(3), rows: 100, cols: 3 };
  const q: DenseMatrix = { kind: 'dense', data: Float32Array.from([3, 3, 3, 0, 0, 0]), rows: 2, cols: 3 };
  for (const idx of [new KDTree(same, { leafSize: 4 }), new BallTree(same, { leafSize: 4 })]) {
    const r = idx.search(q, 5);
    assert.deepEqual(Array.from(r.row(0).indices), [0, 1, 2, 3, 4], `${idx.kind}: ties by lower index`);
    assert.deepEqual(Array.from(r.row(0).distances), [0, 0, 0, 0, 0]);
    assertSame(r, new BruteForce(same).search(q, 5), `${idx.kind} identical points`);
    assert.equal(idx.radiusSearch(q, 0).row(0).indices.length, 100);
  }
  const one: DenseMatrix = { kind: 'dense', data: Float32Array.from([1, 2]), rows: 1, cols: 2 };
  for (const idx of [new KDTree(one), new BallTree(one)]) {
    const r = idx.search([[0, 0]], 3);
    assert.equal(r.k, 1, 'k > n is clamped to n');
    assert.deepEqual(Array.from(r.indices), [0]);
    assert.equal(r.distances[0], Math.fround(Math.sqrt(5)));
  }
});

test('k > n clamps to n; filters give what brute force gives', () => {
  const X = gaussianClusters(37, 3, 2, 41);
  const Q = gaussianClusters(5, 3, 2, 42);
  const bf = new BruteForce(X);
  for (const idx of [new KDTree(X, { leafSize: 4 }), new BallTree(X, { leafSize: 4 })]) {
    const r = idx.search(Q, 100);
    assert.equal(r.k, 37);
    assertSame(r, bf.search(Q, 100), `${idx.kind} k > n`);
    const filter = (id: number) => id % 3 === 1;
    const f = idx.search(Q, 20, { filter });
    assertSame(f, bf.search(Q, 20, { filter }), `${idx.kind} filter`);
    for (let t = 0; t < f.indices.length; t++) assert.ok(f.indices[t] === -1 || f.indices[t] % 3 === 1);
    assert.equal(f.indices[19], -1, 'only 12 points pass the filter: unfilled slots hold -1');
    assertSameRadius(idx.radiusSearch(Q, 4, { filter }), bf.radiusSearch(Q, 4, { filter }), `${idx.kind} radius filter`);
  }
});

test('searchAsync on worker threads returns exactly what search returns (with and without a filter)', async () => {
  const X = gaussianClusters(3000, 5, 6, 71, 1, true);
  const Q = gaussianClusters(400, 5, 6, 72, 1, true);
  const filter = (id: number) => id % 5 !== 0;
  try {
    for (const idx of [new KDTree(X, { metric: 'chebyshev' }), new BallTree(X, { metric: 'hamming' }), new BallTree(X, { metric: 'mahalanobis' })]) {
      assertSame(await idx.searchAsync(Q, 9, { threads: 2 }), idx.search(Q, 9), `${idx.kind} ${idx.metric.name} searchAsync`);
      assertSame(await idx.searchAsync(Q, 9, { threads: 2, filter }), idx.search(Q, 9, { filter }), `${idx.kind} ${idx.metric.name} searchAsync filter`);
      assertSame(await idx.searchAsync(Q, 9, { threads: 1 }), idx.search(Q, 9), `${idx.kind} threads 1`);
    }
    await assert.rejects(new KDTree(X).searchAsync(Q, 3, { threads: 0 }), (e: unknown) => e instanceof KnnkitError && e.param === 'threads');
  } finally {
    await closeSharedPool();
  }
});

test('bad input: unsupported metrics, sparse data, k, r, leafSize, dimension mismatch', () => {
  const X = gaussianClusters(50, 4, 2, 51);
  const throwsParam = (fn: () => unknown, param: string, ...words: string[]) => {
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof KnnkitError, `expected KnnkitError, got ${String(e)}`);
      assert.equal(e.param, param);
      for (const w of words) assert.ok(e.message.includes(w), `message ${JSON.stringify(e.message)} should mention ${w}`);
      return true;
    });
  };
  throwsParam(() => new KDTree(X, { metric: 'cosine' }), 'metric', 'cosine', 'euclidean', 'chebyshev', 'minkowski');
  throwsParam(() => new KDTree(X, { metric: 'hamming' }), 'metric', 'hamming', 'ball-tree');
  throwsParam(() => new BallTree(X, { metric: 'cosine' }), 'metric', 'cosine', 'mahalanobis', 'hamming');
  throwsParam(() => new BallTree(X, { metric: 'sqeuclidean' }), 'metric', 'sqeuclidean', 'triangle');
  throwsParam(() => new BallTree(X, { metric: 'ip' }), 'metric', 'ip');
  const csr = { kind: 'csr' as const, indptr: Int32Array.from([0, 1, 1]), indices: Int32Array.from([0]), values: Float32Array.from([1]), rows: 2, cols: 3 };
  throwsParam(() => new KDTree(csr), 'data', 'sparse', 'brute');
  throwsParam(() => new BallTree(csr), 'data', 'sparse');
  for (const Engine of [KDTree, BallTree]) {
    throwsParam(() => new Engine(X, { leafSize: 0 }), 'leafSize', '0');
    throwsParam(() => new Engine(X, { leafSize: 2.5 }), 'leafSize', '2.5');
    throwsParam(() => new Engine([], {}), 'data', 'empty');
    const idx = new Engine(X);
    throwsParam(() => idx.search(X, 0), 'k', '0');
    throwsParam(() => idx.search([[1, 2, 3]], 1), 'queries', 'dimension mismatch');
    throwsParam(() => idx.radiusSearch(X, -1), 'r', '-1');
    throwsParam(() => idx.search([[1, 2, NaN, 4]], 1), 'queries', 'NaN');
  }
});

test('createIndex builds each engine with its options; auto follows the scikit-learn rule', () => {
  const X = gaussianClusters(300, 3, 3, 61);
  const kd = createIndex('kd-tree', X, { leafSize: 7, metric: 'manhattan' });
  assert.equal(kd.kind, 'kd-tree'); assert.equal(kd.options.leafSize, 7); assert.equal(kd.metric.name, 'manhattan');
  assert.deepEqual(Array.from(kd.search(X, 5).indices), Array.from(new KDTree(X, { leafSize: 7, metric: 'manhattan' }).search(X, 5).indices));
  const bt = createIndex('ball-tree', X, { leafSize: 9, metric: 'hamming' });
  assert.equal(bt.kind, 'ball-tree'); assert.equal(bt.options.leafSize, 9);
  assert.deepEqual(Array.from(bt.search(X, 5).indices), Array.from(new BallTree(X, { leafSize: 9, metric: 'hamming' }).search(X, 5).indices));
  assert.equal(createIndex('auto', X).kind, 'kd-tree');
  assert.equal(createIndex('auto', X, { metric: 'hamming' }).kind, 'ball-tree');
  assert.equal(createIndex('auto', X, { metric: 'cosine' }).kind, 'brute');
  assert.equal(createIndex('auto', gaussianClusters(100, 20, 2, 62)).kind, 'brute');
  assert.throws(() => createIndex('octree', X), (e: unknown) => e instanceof KnnkitError && /octree/.test(e.message) && /kd-tree/.test(e.message));

  assert.equal(chooseAlgorithm({ n: 1000, d: 3, k: 5, metric: 'euclidean' }), 'kd-tree');
  assert.equal(chooseAlgorithm({ n: 1000, d: 15, k: 5, metric: { name: 'minkowski', p: 3 } }), 'kd-tree');
  assert.equal(chooseAlgorithm({ n: 1000, d: 16, k: 5 }), 'brute', 'd > 15');
  assert.equal(chooseAlgorithm({ n: 1000, d: 3, k: 500 }), 'brute', 'k >= n / 2');
  assert.equal(chooseAlgorithm({ n: 1000, d: 3, k: 499 }), 'kd-tree');
  assert.equal(chooseAlgorithm({ n: 1000, d: 3, k: 5, sparse: true }), 'brute');
  assert.equal(chooseAlgorithm({ n: 1000, d: 3, metric: 'hamming' }), 'ball-tree');
  assert.equal(chooseAlgorithm({ n: 1000, d: 2, metric: { name: 'mahalanobis', VI: [1, 0, 0, 1] } }), 'ball-tree');
  assert.equal(chooseAlgorithm({ n: 1000, d: 3, metric: 'cosine' }), 'brute');
  assert.equal(chooseAlgorithm({ n: 1000, d: 3, metric: 'ip' }), 'brute');
  assert.equal(chooseAlgorithm({ n: 1000, d: 3, metric: 'sqeuclidean' }), 'kd-tree');
});

// ---- real data (../shared/data) ----

async function features(path: string): Promise<DenseMatrix> {
  const ds = await readDataset(path); // CSV: the label column is dropped
  assert.equal(ds.X.kind, 'dense');
  return ds.X as DenseMatrix;
}

const letter = sharedData('letter.csv');
test('letter.csv (16 integer features 0..15, 20000 rows): all engines agree', { skip: letter.skip }, async () => {
  const X = await features(letter.path);
  const base = rows(X, range(0, 3000));
  const Q = concat(rows(X, range(16000, 20000, 160)), rows(X, [0, 1, 2, 2999]));
  checkAll('letter', base, Q);
});

const digits = sharedData('digits_dig1-10.csv');
test('digits_dig1-10.csv (64 features 0..16): all engines agree', { skip: digits.skip }, async () => {
  const X = await features(digits.path);
  // constant pixel columns make the covariance singular: Mahalanobis is not defined here
  checkAll('digits', X, rows(X, range(0, 1797, 60)), { skipMetrics: ['mahalanobis'] });
});

const glass = sharedData('glass.csv');
test('glass.csv (214 x 9): all engines agree, every row as a query', { skip: glass.skip }, async () => {
  const X = await features(glass.path);
  checkAll('glass', X, X, { leafSizes: [40, 4] });
});

const binalpha = sharedData('binalpha.csv');
test('binalpha.csv (binary 20x16 images, d = 320): all engines agree', { skip: binalpha.skip }, async () => {
  const X = await features(binalpha.path);
  checkAll('binalpha', X, rows(X, range(0, 1404, 100)), { skipMetrics: ['mahalanobis'] });
});
