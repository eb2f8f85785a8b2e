import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIndex, emptyIndex } from '../../src/index/api.js';
import { indexFromBytes } from '../../src/index/persist.js';
import { KnnkitError } from '../../src/core/errors.js';
import type { SearchResult } from '../../src/search/results.js';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { recall, rows } from '../helpers/recall.js';
import { gaussianClusters } from '../helpers/data.js';

const base = gaussianClusters(3000, 20, 30, 11);
const queries = gaussianClusters(80, 20, 30, 12);



test('ivf-flat: nprobe = nlist scans every list: brute force\'s neighbours and distances, for L2, ip and cosine', () => {
  for (const metric of ['euclidean', 'sqeuclidean', 'ip', 'cosine']) {
    const idx = createIndex('ivf-flat', base, { metric, nlist: 25 });
    const got = idx.search(queries, 10, { nprobe: 25 });
    const want = createIndex('brute', base, { metric }).search(queries, 10);
    assert.equal(recall(got, want), 1, metric);
    for (let i = 0; i < want.distances.length; i++) assert.ok(Math.abs(got.distances[i] - want.distances[i]) <= 1e-4 * Math.max(1, Math.abs(want.distances[i])), `${metric} distance ${i}`);
    assert.equal(idx.size, 3000);
  }
});

test('ivf-flat: recall grows with nprobe, and is high at the defaults', () => {
  const idx = createIndex('ivf-flat', base);
  const want = createIndex('brute', base).search(queries, 10);
  let prev = 0;
  for (const nprobe of [1, 2, 4, 8, 16, 64]) {
    const r = recall(idx.search(queries, 10, { nprobe }), want);
    assert.ok(r >= prev - 1e-12, `nprobe ${nprobe}: ${r} < ${prev}`);
    prev = r;
  }
  assert.ok(recall(idx.search(queries, 10), want) >= 0.95);
  assert.ok(recall(idx.search(queries, 10, { nprobe: 1 }), want) < 1, 'nprobe 1 misses some neighbours on this data');
});

test('ivf-flat: empty index, train, add in batches, remove, filters, getVector', () => {
  const e = emptyIndex('ivf-flat', 20, { nlist: 16 });
  assert.equal(e.isTrained, false);
  assert.throws(() => e.add(base), (err: unknown) => err instanceof KnnkitError && /train/.test(err.message));
  e.train(rows(base, 0, 1000));
  assert.ok(e.isTrained);
  e.add(rows(base, 0, 1500));
  e.add(rows(base, 1500, 3000));
  assert.equal(e.size, 3000);
  assert.throws(() => e.train(base), (err: unknown) => err instanceof KnnkitError && /train/.test(err.message));
  const v = e.getVector(1234);
  assert.deepEqual(Array.from(v), Array.from(base.data.subarray(1234 * 20, 1235 * 20)));
  // every point is its own nearest neighbour (nprobe 1 probes its own list)
  const self = e.search(rows(base, 0, 200), 1, { nprobe: 1 });
  for (let i = 0; i < 200; i++) assert.equal(self.indices[i], i);
  // remove the even ids
  const gone = Float64Array.from({ length: 1500 }, (_, i) => 2 * i);
  assert.equal(e.remove(gone), 1500);
  assert.equal(e.size, 1500);
  const r = e.search(queries, 10, { nprobe: 16 });
  for (const id of r.indices) assert.ok(id % 2 === 1, `removed id ${id}`);
  const want = createIndex('brute', base).search(queries, 10, { filter: (id: number) => id % 2 === 1 });
  assert.deepEqual(Array.from(r.indices), Array.from(want.indices));
  assert.throws(() => e.getVector(0), KnnkitError);
  // filter forms
  const allowed = new Set(Array.from({ length: 300 }, (_, i) => 10 * i + 1));
  const f = e.search(queries, 10, { nprobe: 16, filter: allowed });
  const fw = createIndex('brute', base).search(queries, 10, { filter: allowed });
  assert.deepEqual(Array.from(f.indices), Array.from(fw.indices));
});

test('ivf-flat: toBytes / fromBytes (copy and view) round trip; a removal after a view load leaves the bytes intact', () => {
  const idx = createIndex('ivf-flat', base, { metric: 'cosine', nlist: 20 });
  const want = idx.search(queries, 10);
  const bytes = idx.toBytes();
  const keep = bytes.slice();
  for (const view of [false, true]) {
    const back = indexFromBytes(bytes, { view });
    assert.deepEqual(Array.from(back.search(queries, 10).indices), Array.from(want.indices));
    assert.deepEqual(Array.from(back.search(queries, 10).distances), Array.from(want.distances));
    back.remove([want.indices[0], want.indices[1]]);
    back.add(rows(base, 0, 10));
    assert.ok(!Array.from(back.search(queries, 10).indices).includes(want.indices[0]));
  }
  assert.deepEqual(bytes, keep);
  const untrained = indexFromBytes(emptyIndex('ivf-flat', 20).toBytes());
  assert.equal(untrained.isTrained, false);
});

test('ivf-flat: memory as FAISS: d floats + an id per vector, plus the centroids', () => {
  const idx = createIndex('ivf-flat', base, { nlist: 30 });
  const mem = idx.memoryUsage();
  assert.ok(mem >= 3000 * 20 * 4 + 30 * 20 * 4, `${mem}`);
  assert.ok(mem <= 2 * (3000 * (20 * 4 + 4)) + 3000 * 16 + 200_000, `${mem}`);
});

test('ivf-flat: bad options and parameters are refused naming them', () => {
  const bad = (fn: () => unknown, word: string) => assert.throws(fn, (e: unknown) => e instanceof KnnkitError && e.message.includes(word));
  bad(() => createIndex('ivf-flat', base, { nlist: 0 }), 'nlist');
  bad(() => createIndex('ivf-flat', rows(base, 0, 10), { nlist: 64 }), 'nlist');
  bad(() => createIndex('ivf-flat', base, { metric: 'manhattan' }), 'metric');
  bad(() => createIndex('ivf-flat', base).search(queries, 5, { nprobe: 0 }), 'nprobe');
});

test('ivf-flat: the WebAssembly list scan and its TypeScript twin give the same neighbours (float32 vs float64 sums: distances within 1e-5 relative)', async () => {
  const { setWasmMode } = await import('../../src/wasm/loader.js');
  for (const metric of ['sqeuclidean', 'ip']) {
    setWasmMode(undefined);
    const idx = createIndex('ivf-flat', base, { metric, nlist: 25 });
    const got = idx.search(queries, 10, { nprobe: 5, filter: (id: number) => id % 3 !== 0 });
    setWasmMode('off');
    const ts = indexFromBytes(idx.toBytes()).search(queries, 10, { nprobe: 5, filter: (id: number) => id % 3 !== 0 });
    setWasmMode(undefined);
    let same = 0;
    for (let i = 0; i < got.indices.length; i++) {
      if (got.indices[i] === ts.indices[i]) same++;
      assert.ok(got.indices[i] % 3 !== 0);
      assert.ok(Math.abs(got.distances[i] - ts.distances[i]) <= 1e-5 * Math.max(1, Math.abs(ts.distances[i])), `${metric} ${i}: ${got.distances[i]} vs ${ts.distances[i]}`);
    }
    assert.ok(same >= 0.99 * got.indices.length, `${metric}: ${same} equal ids`);
  }
});

test('ivf-flat: a batch is scanned list by list (queries grouped by probed list) and answers as each query searched alone, past one pass of 1,024 queries, with filters, L2 and ip', () => {
  const qs = gaussianClusters(1100, 20, 30, 13);
  for (const metric of ['euclidean', 'ip']) {
    const idx = createIndex('ivf-flat', base, { metric, nlist: 40 });
    const allow = new Set<number>();
    for (let i = 0; i < 3000; i += 3) allow.add(i);
    for (const filter of [undefined, allow]) {
      const batch = idx.search(qs, 7, { nprobe: 5, filter });
      for (const q of [0, 1, 513, 1023, 1024, 1099]) {
        const one = idx.search({ data: qs.data.subarray(q * 20, q * 20 + 20), rows: 1, cols: 20 }, 7, { nprobe: 5, filter });
        assert.deepEqual([...batch.indices.subarray(q * 7, q * 7 + 7)], [...one.indices], `${metric} query ${q}`);
        assert.deepEqual([...batch.distances.subarray(q * 7, q * 7 + 7)], [...one.distances], `${metric} query ${q} distances`);
      }
    }
  }
});
