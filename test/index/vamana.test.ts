import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIndex, emptyIndex } from '../../src/index/api.js';
import { indexFromBytes } from '../../src/index/persist.js';
import type { ManagedIndex } from '../../src/index/managed-index.js';
import type { VamanaCore } from '../../src/index/vamana/core.js';
import { LIVE, PURGED } from '../../src/index/vamana/graph.js';
import { KnnkitError } from '../../src/core/errors.js';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { readFvecs, readIvecs } from '../../src/io/vecs.js';
import { gaussianClusters, sharedData, subspaceClusters } from '../helpers/data.js';

const K = 10;
const core = (ix: unknown) => (ix as ManagedIndex).core as VamanaCore;

function split(n: number, nq: number, d: number, seed = 7): { X: DenseMatrix; Q: DenseMatrix } {
  const all = gaussianClusters(n + nq, d, 20, seed);
  return {
    X: { kind: 'dense', data: all.data.slice(0, n * d), rows: n, cols: d },
    Q: { kind: 'dense', data: all.data.slice(n * d), rows: nq, cols: d },
  };
}

/** Mean fraction of the true k neighbours (per query, as sets) that `got` holds. */
function recall(got: Int32Array, truth: Int32Array, nq: number, k = K): number {
  let hit = 0;
  for (let q = 0; q < nq; q++) {
    const s = new Set(truth.subarray(q * k, q * k + k));
    for (let j = 0; j < k; j++) if (got[q * k + j] >= 0 && s.has(got[q * k + j])) hit++;
  }
  return hit / (nq * k);
}

test('recall@10 at default parameters against brute force (euclidean, cosine, ip)', () => {
  const { X, Q } = split(2000, 100, 24);
  for (const metric of ['euclidean', 'cosine', 'ip']) {
    const ix = createIndex('vamana', X, { metric });
    const res = ix.search(Q, K);
    const truth = createIndex('brute', X, { metric }).search(Q, K);
    const r = recall(res.indices, truth.indices, Q.rows);
    assert.ok(r >= 0.95, `${metric}: recall ${r}`);
    // reported distances are the metric's true distances: the exact ones wherever ids agree
    for (let i = 0; i < res.indices.length; i++) {
      const j = truth.indices.indexOf(res.indices[i]);
      if (j >= 0 && Math.floor(j / K) === Math.floor(i / K)) assert.ok(Math.abs(res.distances[i] - truth.distances[j]) <= 1e-4 * Math.max(1, Math.abs(truth.distances[j])), `${metric} distance`);
    }
    // rows sorted by distance
    for (let q = 0; q < Q.rows; q++) for (let j = 1; j < K; j++) assert.ok(res.distances[q * K + j - 1] <= res.distances[q * K + j]);
  }
});

test('the degree bound R holds after the build, inserts and consolidation; the entry point is the medoid', () => {
  const { X, Q } = split(1200, 50, 16, 3);
  const R = 8;
  const ix = createIndex('vamana', X, { R, L: 40 });
  const g = core(ix).graph;
  const check = () => {
    assert.equal(g.stride, R);
    for (let v = 0; v < g.n; v++) {
      assert.ok(g.degree[v] <= R, `node ${v} degree ${g.degree[v]}`);
      const seen = new Set<number>();
      for (let j = 0; j < g.degree[v]; j++) {
        const u = g.adj[v * R + j];
        assert.ok(u !== v && !seen.has(u) && u >= 0 && u < g.n, `node ${v} edge ${u}`);
        seen.add(u);
      }
    }
  };
  check();
  // medoid = the point nearest the centroid, computed here independently
  const d = X.cols, c = new Float64Array(d);
  for (let i = 0; i < X.rows; i++) for (let j = 0; j < d; j++) c[j] += X.data[i * d + j] / X.rows;
  let best = -1, bd = Infinity;
  for (let i = 0; i < X.rows; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += (X.data[i * d + j] - c[j]) ** 2;
    if (s < bd) { bd = s; best = i; }
  }
  assert.equal(g.medoid, best);
  ix.add(Q);
  check();
  ix.remove(Array.from({ length: 300 }, (_, i) => i * 4));
  core(ix).consolidate();
  check();
  assert.ok(g.degree.subarray(0, g.n).some((x) => x === R), 'some node is at the bound (R binds)');
});

test('the build is seeded: same data and seed give the same graph, another seed another graph', () => {
  const { X } = split(600, 1, 16, 11);
  const a = core(createIndex('vamana', X, { R: 12, seed: 5 })).graph, b = core(createIndex('vamana', X, { R: 12, seed: 5 })).graph;
  const c = core(createIndex('vamana', X, { R: 12, seed: 6 })).graph;
  assert.deepEqual(a.adj.subarray(0, a.n * 12), b.adj.subarray(0, b.n * 12));
  assert.notDeepEqual(a.adj.subarray(0, a.n * 12), c.adj.subarray(0, c.n * 12));
});

test('lazy deletes are never returned; consolidation purges them and keeps recall over the rest', () => {
  const { X, Q } = split(2000, 100, 24, 5);
  const ix = createIndex('vamana', X, { consolidateAt: 1 }); // consolidate only when asked
  const removed = Array.from({ length: 600 }, (_, i) => (i * 7919) % 2000);
  const gone = new Set(removed);
  assert.equal(ix.remove(removed), gone.size);
  const keep = Int32Array.from({ length: 2000 }, (_, i) => i).filter((i) => !gone.has(i));
  const truth = createIndex('brute', X).search(Q, K, { filter: keep });
  const g = core(ix).graph;
  assert.equal(g.pendingDeletes, gone.size);
  for (const phase of ['lazy', 'consolidated']) {
    const res = ix.search(Q, K);
    for (const id of res.indices) assert.ok(!gone.has(id), `${phase}: removed id ${id} returned`);
    const r = recall(res.indices, truth.indices, Q.rows);
    assert.ok(r >= 0.93, `${phase}: recall ${r}`);
    if (phase === 'lazy') assert.equal(core(ix).consolidate(), gone.size);
  }
  // after consolidation no live node links to a deleted one, and the entry point is live
  assert.equal(g.pendingDeletes, 0);
  for (let v = 0; v < g.n; v++) {
    if (gone.has(v)) { assert.equal(g.flags[v], PURGED); assert.equal(g.degree[v], 0); continue; }
    for (let j = 0; j < g.degree[v]; j++) assert.ok(!gone.has(g.adj[v * g.R + j]), `edge ${v} -> ${g.adj[v * g.R + j]}`);
  }
  assert.equal(g.flags[g.medoid], LIVE);
  assert.throws(() => ix.getVector(removed[0]), KnnkitError);
  assert.equal(ix.size, 2000 - gone.size);
});

test('remove past consolidateAt consolidates by itself; removing everything leaves an empty search', () => {
  const { X, Q } = split(500, 5, 8, 9);
  const ix = createIndex('vamana', X, { consolidateAt: 0.1 });
  const g = core(ix).graph;
  ix.remove(Array.from({ length: 40 }, (_, i) => i));
  assert.equal(g.pendingDeletes, 40);
  ix.remove(Array.from({ length: 20 }, (_, i) => 40 + i));
  assert.equal(g.pendingDeletes, 0);
  assert.equal(g.deletedTotal, 60);
  ix.remove(Array.from({ length: 500 }, (_, i) => i));
  const res = ix.search(Q, 3);
  assert.equal(ix.size, 0);
  assert.ok(res.indices.every((x) => x === -1));
  // adding after everything was deleted starts a new entry point
  ix.add(Q);
  assert.deepEqual(Array.from(ix.search(Q, 1).indices), [500, 501, 502, 503, 504]);
});

test('filters are applied inside the walk and by the scan rule; only allowed ids come back', () => {
  const { X, Q } = split(2000, 60, 24, 13);
  const ix = createIndex('vamana', X);
  const bf = createIndex('brute', X);
  const even = (id: number) => id % 2 === 0;
  const set = new Set(Array.from({ length: 40 }, (_, i) => i * 50)); // 2 %: the scan rule
  for (const [filter, ok] of [[even, even], [set, (id: number) => set.has(id)]] as const) {
    for (const filterStrategy of ['auto', 'graph', 'scan']) {
      const res = ix.search(Q, K, { filter, filterStrategy });
      const truth = bf.search(Q, K, { filter });
      for (const id of res.indices) assert.ok(id === -1 || ok(id), `${filterStrategy}: id ${id} not allowed`);
      const r = recall(res.indices, truth.indices, Q.rows);
      assert.ok(r >= (filterStrategy === 'scan' ? 0.999 : 0.9), `${filterStrategy} recall ${r}`);
    }
  }
});

test('save / load / view round trip: identical results, view searches from the bytes, writes copy first', () => {
  const { X, Q } = split(800, 16, 16, 17);
  for (const metric of ['euclidean', 'cosine', 'ip']) {
    const ix = createIndex('vamana', X, { metric, R: 16 });
    ix.remove([3, 5, 7]);
    const ref = ix.search(Q, K, { L: 30 });
    const bytes = ix.toBytes();
    for (const view of [false, true]) {
      const back = indexFromBytes(bytes, { view });
      assert.equal(back.kind, 'vamana');
      const res = back.search(Q, K, { L: 30 });
      assert.deepEqual(res.indices, ref.indices, `${metric} view=${view}`);
      assert.deepEqual(res.distances, ref.distances);
      assert.deepEqual(Array.from(back.getVector(9)), Array.from(ix.getVector(9)).map((x) => Math.fround(x)));
      if (view) {
        const g = core(back).graph;
        assert.equal(g.vectors.buffer, bytes.buffer, 'view: vectors are the saved bytes');
        const before = bytes.slice();
        back.remove([10, 11]);
        back.add(Q);
        assert.deepEqual(bytes, before, 'writes never touch the caller\'s bytes');
        assert.ok(!back.has(10) && back.has(800));
      }
    }
  }
});

test('incremental build (emptyIndex + add in batches) reaches the bulk build\'s recall', () => {
  const { X, Q } = split(1500, 80, 20, 19);
  const ix = emptyIndex('vamana', 20);
  for (let i = 0; i < 1500; i += 500) ix.add({ kind: 'dense', data: X.data.subarray(i * 20, (i + 500) * 20), rows: 500, cols: 20 });
  const truth = createIndex('brute', X).search(Q, K);
  const r = recall(ix.search(Q, K).indices, truth.indices, Q.rows);
  assert.ok(r >= 0.95, `recall ${r}`);
});

test('bad options and metrics are refused with the parameter named', () => {
  const { X } = split(50, 1, 4);
  assert.throws(() => createIndex('vamana', X, { R: 1 }), (e: Error) => e instanceof KnnkitError && /R/.test(e.message) && /2/.test(e.message));
  assert.throws(() => createIndex('vamana', X, { alpha: 0.5 }), (e: Error) => e instanceof KnnkitError && /alpha/.test(e.message));
  assert.throws(() => createIndex('vamana', X, { metric: 'manhattan' }), (e: Error) => e instanceof KnnkitError && /metric/.test(e.message) && /manhattan/.test(e.message));
  const ix = createIndex('vamana', X);
  assert.throws(() => ix.search(X, 1, { L: 0 }), (e: Error) => e instanceof KnnkitError && /L/.test(e.message));
  assert.throws(() => ix.search(X, 1, { ef: 10 }), (e: Error) => e instanceof KnnkitError && /ef/.test(e.message));
});

const sift = sharedData('ngt_sift4900_base.fvecs');
test('real SIFT descriptors (NGT 4,900 + 100 held-out queries, R 32, build L 50): recall@10 >= 0.97 at L = 100', { skip: sift.skip }, async () => {
  const X = await readFvecs(sift.path);
  const Q = await readFvecs(sift.path.replace('_base', '_query'));
  const gt = await readIvecs(sift.path.replace('_base.fvecs', '_groundtruth.ivecs'));
  const truth = new Int32Array(Q.rows * K);
  for (let q = 0; q < Q.rows; q++) truth.set(gt.data.subarray(q * gt.cols, q * gt.cols + K), q * K);
  const ix = createIndex('vamana', X, { R: 32, L: 50 });
  const r = recall(ix.search(Q, K, { L: 100 }).indices, truth, Q.rows);
  assert.ok(r >= 0.97, `recall ${r}`);
});

test('α is applied in levels (DiskANN\'s implementation): a large α keeps recall on clustered data, in the kernel and in TypeScript', async () => {
  // 20 clusters on 8-d subspaces of R^32, R = 16. Applied at once, α = 2 filled every node's
  // slots with near neighbours of its own cluster (recall@10 0.05 at L = 10); in levels
  // (1, 1.2, ..., α) the first sweep keeps the diverse edges, as α = 1 does
  const n = 5000, nq = 200, d = 32;
  const all = subspaceClusters(n + nq, d, 8, 20, 7);
  const X: DenseMatrix = { kind: 'dense', data: all.subarray(0, n * d), rows: n, cols: d };
  const Q: DenseMatrix = { kind: 'dense', data: all.slice(n * d), rows: nq, cols: d };
  const truth = createIndex('brute', X).search(Q, K).indices;
  const { setWasmMode } = await import('../../src/wasm/loader.js');
  for (const mode of ['auto', 'off'] as const) {
    setWasmMode(mode);
    try {
      const r1 = recall(createIndex('vamana', X, { R: 16, L: 50, alpha: 1 }).search(Q, K, { L: 10 }).indices, truth, nq);
      for (const alpha of [1.4, 2]) {
        const r = recall(createIndex('vamana', X, { R: 16, L: 50, alpha }).search(Q, K, { L: 10 }).indices, truth, nq);
        assert.ok(r >= 0.95 && r >= r1 - 0.01, `wasm ${mode}, α ${alpha}: recall@10 ${r} (α = 1: ${r1})`);
      }
    } finally {
      setWasmMode('auto');
    }
  }
});
