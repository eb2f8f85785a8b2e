// The parallel HNSW build (src/search/hnsw/build-parallel.ts): recall level with the serial
// build, a well-formed graph, deterministic mode reproducible, progress, adds after removes,
// the family option and the errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { HnswIndex } from '../../src/search/hnsw/hnsw-index.js';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import { MIN_PARALLEL_POINTS } from '../../src/search/hnsw/build-parallel.js';
import { wasmFlavour } from '../../src/search/hnsw/kernel-wasm.js';
import { createIndex, emptyIndex } from '../../src/index/api.js';
import { closeSharedPool, existingSharedPool } from '../../src/parallel/index.js';
import { KnnkitError } from '../../src/core/errors.js';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { gaussianClusters } from '../helpers/data.js';

after(() => closeSharedPool());

const flavour = wasmFlavour();
const skip = !flavour || !flavour.shared ? 'no WebAssembly SIMD on shared memory here: the build runs serially' : false;

const N = 6000, D = 24, NQ = 300;
const all = gaussianClusters(N + NQ, D, 30, 11);
const X: DenseMatrix = { kind: 'dense', data: all.data.subarray(0, N * D), rows: N, cols: D };
const Q: DenseMatrix = { kind: 'dense', data: all.data.slice(N * D), rows: NQ, cols: D };
const exact = new BruteForce(X).search(Q, 10).indices;

function recall(got: Int32Array): number {
  let hit = 0;
  for (let q = 0; q < NQ; q++) {
    const want = new Set(exact.subarray(q * 10, q * 10 + 10));
    for (let j = 0; j < 10; j++) if (want.has(got[q * 10 + j])) hit++;
  }
  return hit / (NQ * 10);
}

/** Every link list: count within M0 (layer 0) or M, targets in range, no self link, no repeat. */
function checkGraph(idx: HnswIndex): void {
  const l = idx.layout, { i32, u8 } = idx.views;
  for (let s = 0; s < idx.count; s++) {
    const level = u8[l.levels + s];
    for (let lev = 0; lev <= level; lev++) {
      const at = lev === 0 ? (l.link0 >> 2) + s * (1 + idx.M0) : (l.upper >> 2) + i32[(l.upos >> 2) + s] + (lev - 1) * (1 + idx.M);
      const cnt = i32[at], max = lev === 0 ? idx.M0 : idx.M;
      assert.ok(cnt >= 0 && cnt <= max, `slot ${s} layer ${lev}: ${cnt} links (max ${max})`);
      const seen = new Set<number>();
      for (let j = 1; j <= cnt; j++) {
        const t = i32[at + j];
        assert.ok(t >= 0 && t < idx.count && t !== s && !seen.has(t), `slot ${s} layer ${lev}: bad link ${t}`);
        assert.ok(u8[l.levels + t] >= lev, `slot ${s} layer ${lev}: link to ${t} of level ${u8[l.levels + t]}`);
        seen.add(t);
      }
      if (idx.count > 1 && lev === 0) assert.ok(cnt > 0, `slot ${s} has no layer-0 link`);
    }
  }
}

test('parallel build: recall@10 within 0.01 of the serial build at equal ef, well-formed graph, same levels', { skip }, () => {
  const serial = HnswIndex.build(X, { threads: 1, reorder: false });
  const par = HnswIndex.build(X, { threads: 2, reorder: false });
  assert.ok(existingSharedPool(), 'the build ran on the worker pool');
  assert.equal(par.size, N);
  checkGraph(par);
  // levels come from the same seeded stream in point order
  const a = serial.views.u8, b = par.views.u8;
  for (let s = 0; s < N; s++) assert.equal(b[par.layout.levels + s], a[serial.layout.levels + s]);
  assert.equal(par.maxLevel, serial.maxLevel);
  for (const ef of [16, 64]) {
    const rs = recall(serial.search(Q, 10, { ef }).indices), rp = recall(par.search(Q, 10, { ef }).indices);
    assert.ok(rp >= rs - 0.01, `ef ${ef}: parallel recall ${rp} vs serial ${rs}`);
    if (ef === 64) assert.ok(rp >= 0.95, `ef 64: recall ${rp}`);
  }
  // every point is reachable as its own nearest neighbour (ids 0..n-1, distance 0)
  const self = par.search({ kind: 'dense', data: X.data.subarray(0, 200 * D), rows: 200, cols: D }, 1, { ef: 64 });
  for (let i = 0; i < 200; i++) assert.equal(self.indices[i], i);
});

test('deterministic: true gives the same graph twice, equal to the serial build, whatever threads says', { skip }, () => {
  const a = HnswIndex.build(X, { threads: 2, deterministic: true });
  const b = HnswIndex.build(X, { threads: 2, deterministic: true });
  const c = HnswIndex.build(X, { threads: 1 });
  const ra = a.search(Q, 10, { ef: 32 }), rb = b.search(Q, 10, { ef: 32 }), rc = c.search(Q, 10, { ef: 32 });
  assert.deepEqual(ra.indices, rb.indices);
  assert.deepEqual(ra.distances, rb.distances);
  assert.deepEqual(ra.indices, rc.indices);
  assert.deepEqual(a.toBytes(), b.toBytes());
});

test('parallel build: onProgress rises to the number of points in phase "hnsw insert"', { skip }, () => {
  const events: { phase: string; done: number; total: number }[] = [];
  HnswIndex.build(X, { threads: 2, onProgress: (p) => events.push(p) });
  assert.ok(events.length >= 20, `${events.length} events`);
  for (let i = 1; i < events.length; i++) assert.ok(events[i].done >= events[i - 1].done);
  assert.deepEqual(events.at(-1), { phase: 'hnsw insert', done: N, total: N });
  assert.ok(events.every((e) => e.phase === 'hnsw insert' && e.total === N));
});

test('parallel add after removes: reused slots first, then threads; removed ids never come back', { skip }, () => {
  const half = N / 2;
  const idx = HnswIndex.build({ kind: 'dense', data: X.data.subarray(0, half * D), rows: half, cols: D }, { threads: 2 });
  for (let id = 0; id < 500; id++) idx.remove(id);
  const ids = Int32Array.from({ length: half }, (_, i) => 100000 + i);
  idx.add({ kind: 'dense', data: X.data.subarray(half * D), rows: half, cols: D }, ids);
  assert.equal(idx.size, N - 500);
  assert.ok(idx.count <= N, `${idx.count} slots: the 500 removed slots were reused`);
  checkGraph(idx);
  const res = idx.search(Q, 10, { ef: 64 }).indices;
  // map the ground truth: ids < 500 are gone, ids >= half were re-added as 100000 + (i - half)
  const ref = new BruteForce({ kind: 'dense', data: X.data.subarray(500 * D), rows: N - 500, cols: D }).search(Q, 10).indices;
  let hit = 0;
  for (let q = 0; q < NQ; q++) {
    const want = new Set(Array.from(ref.subarray(q * 10, q * 10 + 10), (r) => (r + 500 < half ? r + 500 : 100000 + r + 500 - half)));
    for (let j = 0; j < 10; j++) {
      assert.ok(!(res[q * 10 + j] >= 0 && res[q * 10 + j] < 500), `removed id ${res[q * 10 + j]} returned`);
      if (want.has(res[q * 10 + j])) hit++;
    }
  }
  assert.ok(hit / (NQ * 10) >= 0.93, `recall after removes and a parallel add: ${hit / (NQ * 10)}`);
});

test('HNSW family: the threads option builds in parallel; createIndex and emptyIndex + add', { skip }, () => {
  const a = createIndex('hnsw', X, { threads: 2 });
  const ra = recall(a.search(Q, 10, { ef: 64 }).indices);
  assert.ok(ra >= 0.95, `createIndex threads 2: recall ${ra}`);
  const e = emptyIndex('hnsw', D, { threads: 2, deterministic: false });
  e.add(X);
  assert.equal(e.size, N);
  const re = recall(e.search(Q, 10, { ef: 64 }).indices);
  assert.ok(re >= 0.95, `emptyIndex + add, threads 2: recall ${re}`);
  // cosine takes the same path on unit vectors
  const c = createIndex('hnsw', X, { threads: 2, metric: 'cosine' });
  const cx = new BruteForce(X, { metric: 'cosine' }).search(Q, 10).indices;
  const rc = c.search(Q, 10, { ef: 64 }).indices;
  let hit = 0;
  for (let q = 0; q < NQ; q++) { const w = new Set(cx.subarray(q * 10, q * 10 + 10)); for (let j = 0; j < 10; j++) if (w.has(rc[q * 10 + j])) hit++; }
  assert.ok(hit / (NQ * 10) >= 0.95, `cosine threads 2: recall ${hit / (NQ * 10)}`);
});

test('threads and deterministic: bad values name the parameter', () => {
  assert.throws(() => new HnswIndex(4, { threads: 0 }), (e: unknown) => e instanceof KnnkitError && /threads/.test(e.message) && /0/.test(e.message));
  assert.throws(() => new HnswIndex(4, { threads: 1.5 }), (e: unknown) => e instanceof KnnkitError && /threads/.test(e.message));
  assert.throws(() => new HnswIndex(4, { deterministic: 'yes' as never }), (e: unknown) => e instanceof KnnkitError && /deterministic/.test(e.message) && /true or false/.test(e.message));
  assert.throws(() => createIndex('hnsw', X, { threads: -2 }), (e: unknown) => e instanceof KnnkitError && /threads/.test(e.message));
  assert.ok(MIN_PARALLEL_POINTS < N / 2, 'the tests above add enough points to take the parallel path');
});
