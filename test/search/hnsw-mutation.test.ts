import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HnswIndex } from '../../src/search/hnsw/hnsw-index.js';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import { gaussianClusters } from '../helpers/data.js';
import { rows } from './hnsw-fixtures.js';
import type { SearchResult } from '../../src/search/results.js';

const D = 16;
const all = gaussianClusters(4200, D, 20, 31);
const X = rows(all, 0, 4000), Q = rows(all, 4000, 4200);

/** recall@k of res against exact results whose indices are translated by `map` (row -> id). */
function recallIds(res: SearchResult, exact: SearchResult, k: number, map: (i: number) => number = (i) => i): number {
  let hit = 0, total = 0;
  for (let q = 0; q < res.nQueries; q++) {
    const want = new Set(Array.from(exact.row(q).indices).filter((i) => i >= 0).map(map));
    total += Math.min(k, want.size);
    for (const i of res.row(q).indices) if (want.has(i)) hit++;
  }
  return total === 0 ? 1 : hit / total;
}

test('user ids: results carry the ids given to add, not internal slots', () => {
  const ids = Int32Array.from({ length: 4000 }, (_, i) => 1_000_000 - 3 * i);
  const idx = HnswIndex.build(X, { seed: 2 }, ids);
  const res = idx.search(Q, 10);
  const exact = new BruteForce(X).search(Q, 10);
  assert.ok(recallIds(res, exact, 10, (i) => ids[i]) >= 0.95);
  assert.ok(idx.has(1_000_000) && !idx.has(1));
  assert.deepEqual(Array.from(idx.getVector(ids[5])!), Array.from(X.data.subarray(5 * D, 6 * D)));
});

test('capacity grows by doubling from 1; batches and single adds; auto ids continue', () => {
  const idx = new HnswIndex(D, { capacity: 1, seed: 4 });
  assert.equal(idx.capacity, 1);
  const first = idx.add(rows(X, 0, 1000));
  assert.deepEqual([first[0], first[999]], [0, 999]);
  const caps = [idx.capacity];
  for (let i = 1000; i < 1100; i++) idx.add(X.data.subarray(i * D, (i + 1) * D));
  caps.push(idx.capacity);
  idx.add(rows(X, 1100, 4000));
  assert.equal(idx.size, 4000);
  assert.ok(idx.capacity >= 4000 && idx.capacity < 8000, `capacity ${idx.capacity}`);
  assert.ok(caps[1] >= 2000, 'doubling, not +1');
  const res = idx.search(Q, 10);
  assert.ok(recallIds(res, new BruteForce(X).search(Q, 10), 10) >= 0.95);
  assert.deepEqual(Array.from(idx.add([Array.from(X.data.subarray(0, D))])), [4000]);
});

test('removed points never appear; search still routes through them; slots are reused with repair', () => {
  const idx = HnswIndex.build(X, { seed: 6 });
  const removed = new Set<number>();
  for (let i = 0; i < 4000; i += 3) { idx.remove(i); removed.add(i); }
  assert.equal(idx.size, 4000 - removed.size);
  const keep = Int32Array.from({ length: 4000 }, (_, i) => i).filter((i) => !removed.has(i));
  const Xk = { kind: 'dense' as const, data: new Float32Array(keep.length * D), rows: keep.length, cols: D };
  keep.forEach((id, r) => Xk.data.set(X.data.subarray(id * D, (id + 1) * D), r * D));
  const res = idx.search(Q, 10);
  for (const i of res.indices) assert.ok(!removed.has(i), `removed id ${i} returned`);
  const exact = new BruteForce(Xk).search(Q, 10);
  const r1 = recallIds(res, exact, 10, (i) => keep[i]);
  assert.ok(r1 >= 0.95, `recall after removals ${r1}`);
  // re-adding reuses the tombstoned slots (no growth) and repairs their neighbourhoods
  const cap = idx.capacity, bytes = idx.layout.total;
  const fresh = rows(gaussianClusters(5200, D, 20, 31), 4200, 5200); // same clusters (same seed), unseen points
  const newIds = idx.add(fresh, Int32Array.from({ length: 1000 }, (_, i) => 50_000 + i));
  assert.equal(idx.capacity, cap);
  assert.equal(idx.layout.total, bytes, 'no new vector storage');
  for (let i = 0; i < 1000; i += 97) {
    const r = idx.search(fresh.data.subarray(i * D, (i + 1) * D), 1);
    assert.equal(r.indices[0], newIds[i], 'a re-added point is its own nearest neighbour');
  }
  const res2 = idx.search(Q, 10);
  for (const i of res2.indices) assert.ok(!removed.has(i));
  // recall over the union
  const union = { kind: 'dense' as const, data: new Float32Array((keep.length + 1000) * D), rows: keep.length + 1000, cols: D };
  union.data.set(Xk.data); union.data.set(fresh.data, Xk.data.length);
  const uid = [...keep, ...newIds];
  const r2 = recallIds(res2, new BruteForce(union).search(Q, 10), 10, (i) => uid[i]);
  assert.ok(r2 >= 0.95, `recall after reuse ${r2}`);
});

test('compact() drops tombstones, reclaims memory and equals a fresh build of the live points', () => {
  const idx = HnswIndex.build(X, { seed: 8, reuseDeleted: false });
  const ids: number[] = [];
  for (let i = 0; i < 4000; i++) if (i % 2 === 0) idx.remove(i); else ids.push(i);
  const before = idx.memoryUsage();
  idx.compact();
  assert.ok(idx.memoryUsage() < 0.6 * before, `${idx.memoryUsage()} vs ${before}`);
  assert.equal(idx.size, 2000);
  const live = { kind: 'dense' as const, data: new Float32Array(2000 * D), rows: 2000, cols: D };
  ids.forEach((id, r) => live.data.set(X.data.subarray(id * D, (id + 1) * D), r * D));
  const ref = HnswIndex.build(live, { seed: 8, reuseDeleted: false }, ids);
  const a = idx.search(Q, 10), b = ref.search(Q, 10);
  assert.deepEqual(a.indices, b.indices);
  assert.deepEqual(a.distances, b.distances);
  for (const i of a.indices) assert.ok(i % 2 === 1);
  // and keeps working: new adds get fresh auto ids
  assert.deepEqual(Array.from(idx.add([Array.from(X.data.subarray(0, D))])), [4000]);
});

test('filters (predicate, Set, Int32Array) never leak a disallowed id; recall at 10 % and 1 % selectivity', () => {
  const idx = HnswIndex.build(X, { seed: 12 });
  const report: string[] = [];
  for (const frac of [0.1, 0.01]) {
    const step = Math.round(1 / frac);
    const allowedIds = Int32Array.from({ length: 4000 }, (_, i) => i).filter((i) => (i * 7919) % step === 0);
    const allow = new Set(allowedIds);
    const sub = { kind: 'dense' as const, data: new Float32Array(allowedIds.length * D), rows: allowedIds.length, cols: D };
    allowedIds.forEach((id, r) => sub.data.set(X.data.subarray(id * D, (id + 1) * D), r * D));
    const exact = new BruteForce(sub).search(Q, 10);
    for (const strategy of ['graph', 'scan', 'auto'] as const) {
      for (const filter of [(id: number) => allow.has(id), allow, allowedIds]) {
        const res = idx.search(Q, 10, { filter, filterStrategy: strategy });
        for (const i of res.indices) assert.ok(i === -1 || allow.has(i), `leaked ${i}`);
        const r = recallIds(res, exact, 10, (i) => allowedIds[i]);
        if (strategy === 'scan') assert.equal(r, 1);
        else assert.ok(r >= 0.9, `${frac} ${strategy} ${typeof filter}: recall ${r}`);
        if (filter === allow) report.push(`${frac * 100}% ${strategy}: ${r.toFixed(3)}`);
      }
    }
  }
  console.log(`# filtered recall@10 (4000 x 16, ef 64): ${report.join(', ')}`);
});

test('an empty index and an index whose points are all removed return empty rows', () => {
  const idx = new HnswIndex(3);
  assert.equal(idx.search([[1, 2, 3]], 5).k, 0);
  idx.add([[1, 2, 3], [4, 5, 6]]);
  idx.remove(0); idx.remove(1);
  const r = idx.search([[1, 2, 3]], 5);
  assert.equal(r.k, 0);
  assert.equal(idx.size, 0);
  idx.add([[7, 8, 9]], [42]);
  assert.deepEqual(Array.from(idx.search([[1, 2, 3]], 5).indices), [42]);
});
