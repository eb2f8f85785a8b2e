// The contract suite: every registered family, with no per-family edits. A new family joins by
// registering (src/index/families.ts); what it declares (exact, metrics, capabilities,
// recallFloor, searchParams) decides which checks apply and what they demand.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { KnnkitError } from '../../src/core/errors.js';
import { resolveMetric } from '../../src/metrics/registry.js';
import { readDataset } from '../../src/io/index.js';
import { createIndex, emptyIndex } from '../../src/index/api.js';
import { listFamilies, type FamilyDescriptor } from '../../src/index/registry.js';
import { indexFromBytes, saveIndex, loadIndex } from '../../src/index/persist.js';
import { IdBitmap } from '../../src/index/filter.js';
import type { VectorIndex } from '../../src/index/types.js';
import type { SearchResult } from '../../src/search/results.js';
import { closeSharedPool } from '../../src/parallel/pool.js';
import { recall, rows } from '../helpers/recall.js';
import { gaussianClusters, sharedData } from '../helpers/data.js';

after(() => closeSharedPool());

const FAMILIES = listFamilies();
const METRICS = ['euclidean', 'sqeuclidean', 'manhattan', 'chebyshev', { name: 'minkowski', p: 3 }, 'cosine', 'ip', 'hamming'] as const;
const K = 10;



function sameResults(a: SearchResult, b: SearchResult, what: string): void {
  assert.deepEqual(Array.from(a.ids), Array.from(b.ids), `${what}: ids`);
  assert.deepEqual(Array.from(a.distances), Array.from(b.distances), `${what}: distances`);
}

const supports = (f: FamilyDescriptor, m: typeof METRICS[number]) => {
  try { return f.supportsMetric(resolveMetric(m as never)) === null; } catch { return false; }
};

/** Builds with the family's defaults (families that train are trained on the data itself). */
function build(f: FamilyDescriptor, X: DenseMatrix, opts: Record<string, unknown> = {}): VectorIndex {
  return createIndex(f.name, X, opts);
}

// base and queries from the same clusters (one draw, split), as real queries come from the data's distribution
const drawn = gaussianClusters(2060, 24, 20, 7);
const base: DenseMatrix = { kind: 'dense', data: drawn.data.slice(0, 2000 * 24), rows: 2000, cols: 24 };
const queries: DenseMatrix = { kind: 'dense', data: drawn.data.slice(2000 * 24), rows: 60, cols: 24 };

for (const f of FAMILIES) {
  test(`contract [${f.name}]: neighbours (exact = brute force for every metric; approximate >= the recall floor)`, () => {
    if (f.exact) {
      for (const m of METRICS) {
        if (!supports(f, m)) continue;
        const data = m === 'hamming' ? gaussianClusters(500, 12, 5, 3, 1, true) : base;
        const q = m === 'hamming' ? gaussianClusters(30, 12, 5, 4, 1, true) : queries;
        // (hamming: integer data, queries from other clusters: many exact ties, the hard case for exactness)
        const want = createIndex('brute', data, { metric: m as never }).search(q, K);
        sameResults(build(f, data, { metric: m }).search(q, K), want, `${f.name} ${JSON.stringify(m)}`);
      }
    } else {
      const floor = f.recallFloor;
      assert.ok(floor !== undefined && floor > 0, `${f.name}: an approximate family declares recallFloor`);
      const idx = build(f, base);
      const r = recall(idx.search(queries, K), createIndex('brute', base).search(queries, K));
      assert.ok(r >= floor, `${f.name}: recall@${K} ${r.toFixed(3)} below its floor ${floor}`);
    }
  });

  test(`contract [${f.name}]: real data from ../shared/data`, (t) => {
    const s = sharedData('ngt_sift4900_base.fvecs');
    if (s.skip) { t.skip(s.skip); return; }
    return (async () => {
      const X = (await readDataset(s.path)).X as DenseMatrix;
      const Q = (await readDataset(sharedData('ngt_sift4900_query.fvecs').path)).X as DenseMatrix;
      const want = createIndex('brute', X).search(Q, K);
      const got = build(f, X).search(Q, K);
      if (f.exact) sameResults(got, want, `${f.name} sift4900`);
      else assert.ok(recall(got, want) >= f.recallFloor!, `${f.name}: sift4900 recall@10 ${recall(got, want).toFixed(3)} below ${f.recallFloor}`);
    })();
  });

  test(`contract [${f.name}]: toBytes / fromBytes (copy and view) and saveIndex / loadIndex give identical results`, async () => {
    const idx = build(f, base);
    const want = idx.search(queries, K);
    const bytes = idx.toBytes();
    for (const view of [false, true]) {
      const back = indexFromBytes(bytes.slice(), { view });
      assert.equal(back.kind, f.name);
      assert.equal(back.size, idx.size);
      sameResults(back.search(queries, K), want, `${f.name} fromBytes view=${view}`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'knnkit-contract-'));
    try {
      const path = join(dir, 'index.knnkit');
      // a stale temporary file of a killed save (a pid that cannot be alive) is cleaned up
      writeFileSync(join(dir, '.index.knnkit.999999999.x.tmp'), 'stale');
      await saveIndex(idx, path);
      assert.deepEqual(readdirSync(dir), ['index.knnkit']);
      sameResults((await loadIndex(path)).search(queries, K), want, `${f.name} loadIndex`);
      sameResults((await loadIndex(path, { view: true })).search(queries, K), want, `${f.name} loadIndex view`);
      // a flipped byte anywhere in a section is refused
      const bad = bytes.slice();
      bad[Math.floor(bad.length / 2)] ^= 0xff;
      assert.throws(() => indexFromBytes(bad), (e: unknown) => e instanceof KnnkitError && /checksum|corrupt|not a valid/.test(e.message));
      assert.throws(() => indexFromBytes(bytes.subarray(0, bytes.length - 9)), KnnkitError);
      await assert.rejects(saveIndex(idx, join(dir, 'missing', 'x.knnkit')), (e: unknown) => e instanceof KnnkitError && e.message.includes(join(dir, 'missing', 'x.knnkit')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`contract [${f.name}]: external ids, add, remove and every filter form never return a removed or disallowed id`, () => {
    const n = 600;
    const X = rows(base, 0, n);
    const big = Float64Array.from({ length: n }, (_, i) => 2 ** 40 + 3 * i);
    const idx = build(f, X, { ids: big });
    assert.equal(idx.size, n);
    assert.ok(idx.has(big[5]) && !idx.has(5));
    const res = idx.search(queries, K);
    assert.ok(res.wideIds);
    for (const id of res.ids) assert.ok(id === -1 || (id >= 2 ** 40 && (id - 2 ** 40) % 3 === 0), `id ${id} is an external id`);
    if (f.exact) {
      const want = createIndex('brute', X).search(queries, K);
      assert.deepEqual(Array.from(res.ids), Array.from(want.indices, (l) => big[l]));
    }
    assert.deepEqual([...idx.ids()].slice(0, 3), Array.from(big.subarray(0, 3)));
    const allowedSet = new Set(Array.from(big).filter((_, i) => i % 3 === 0));
    const bits = new IdBitmap(0);
    const forms: [string, unknown][] = [
      ['predicate', (id: number) => allowedSet.has(id)],
      ['Set', allowedSet],
      ['array', [...allowedSet]],
      ['Float64Array', Float64Array.from(allowedSet)],
      ['BigInt64Array', BigInt64Array.from([...allowedSet].map((v) => BigInt(v)))],
    ];
    for (const [name, filter] of forms) {
      const r = idx.search(queries, K, { filter: filter as never });
      for (const id of r.ids) assert.ok(id === -1 || allowedSet.has(id), `${f.name} filter ${name}: id ${id} is not allowed`);
      if (f.exact) {
        const ref = createIndex('brute', X, { ids: big }).search(queries, K, { filter: filter as never });
        assert.deepEqual(Array.from(r.ids), Array.from(ref.ids), `${f.name} filter ${name} = brute force's`);
      }
    }
    void bits;
    // a bitmap over small ids
    const small = build(f, X);
    const bm = new IdBitmap(n);
    for (let i = 0; i < n; i += 7) bm.set(i);
    for (const id of small.search(queries, K, { filter: bm }).ids) assert.ok(id === -1 || id % 7 === 0, `${f.name} bitmap filter: id ${id}`);
    // remove
    if (f.capabilities.remove) {
      const gone = Array.from(big).filter((_, i) => i % 2 === 1);
      assert.equal(idx.remove(Float64Array.from(gone)), gone.length);
      assert.equal(idx.remove(Float64Array.from(gone)), 0, 'removing twice removes nothing');
      assert.equal(idx.size, n - gone.length);
      const goneSet = new Set(gone);
      for (const id of idx.search(queries, K).ids) assert.ok(!goneSet.has(id), `${f.name}: removed id ${id} returned`);
      assert.ok(!idx.has(gone[0]));
      if (f.exact) {
        const kept = Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === 0);
        const ref = createIndex('brute', { data: Float32Array.from(kept.flatMap((i) => Array.from(X.data.subarray(i * 24, i * 24 + 24)))), rows: kept.length, cols: 24 }, { ids: Float64Array.from(kept, (i) => big[i]) });
        assert.deepEqual(Array.from(idx.search(queries, K).ids), Array.from(ref.search(queries, K).ids), `${f.name}: after remove = brute force over the rest`);
      }
      // removed points survive a save / load as removed
      const back = indexFromBytes(idx.toBytes());
      for (const id of back.search(queries, K).ids) assert.ok(!goneSet.has(id));
    } else {
      assert.throws(() => idx.remove([big[0]]), (e: unknown) => e instanceof KnnkitError && e.message.includes(f.name) && /remove/.test(e.message));
    }
    // add after build
    const more = rows(base, n, n + 50);
    if (f.capabilities.add) {
      const newIds = idx.add(more);
      assert.equal(newIds.length, 50);
      assert.ok(newIds[0] > big[n - 1], 'automatic ids continue after the largest id');
      const r = idx.search(more, 1);
      if (f.exact) assert.deepEqual(Array.from(r.ids), Array.from(newIds), 'each added point is its own nearest neighbour');
      assert.throws(() => idx.add(more, [newIds[0]] as never), KnnkitError);
    } else {
      assert.throws(() => idx.add(more), (e: unknown) => e instanceof KnnkitError && e.message.includes(f.name) && /add/.test(e.message));
    }
  });

  test(`contract [${f.name}]: searchAsync = search; getVector; memoryUsage; capabilities are honest`, async () => {
    const idx = build(f, base);
    sameResults(await idx.searchAsync(queries, K, { threads: 2 }), idx.search(queries, K), `${f.name} searchAsync`);
    if (f.capabilities.getVector) {
      const v = idx.getVector(3);
      assert.equal(v.length, 24);
      if (f.codecs[0] === 'f32' && (idx.options.codec ?? 'f32') === 'f32') for (let j = 0; j < 24; j++) assert.ok(Math.abs(v[j] - base.data[3 * 24 + j]) < 1e-4);
    } else {
      assert.throws(() => idx.getVector(3), (e: unknown) => e instanceof KnnkitError && e.message.includes(f.name));
    }
    assert.ok(idx.memoryUsage() >= 2000 * 4, `${f.name}: memoryUsage ${idx.memoryUsage()}`);
    if (f.capabilities.rangeSearch) {
      const r = idx.rangeSearch(rows(queries, 0, 5), 3);
      for (let q = 0; q < 5; q++) for (const d of r.row(q).distances) assert.ok(d <= 3);
      if (f.exact) {
        const ref = createIndex('brute', base).rangeSearch(rows(queries, 0, 5), 3);
        assert.deepEqual(Array.from(r.indices), Array.from(ref.indices));
      }
    } else {
      assert.throws(() => idx.rangeSearch(queries, 1), (e: unknown) => e instanceof KnnkitError && e.message.includes(f.name));
    }
    if (!f.capabilities.train) assert.throws(() => idx.train(base), (e: unknown) => e instanceof KnnkitError && e.message.includes(f.name));
    // k above the size is clamped
    const tiny = build(f, rows(base, 0, f.capabilities.train ? 300 : 5));
    assert.equal(tiny.search(queries, 1000).k, tiny.size);
  });

  test(`contract [${f.name}]: bad input gets a KnnkitError naming the parameter`, () => {
    const idx = build(f, rows(base, 0, 300));
    const bad = (fn: () => unknown, param: string) => assert.throws(fn, (e: unknown) => e instanceof KnnkitError && e.message.includes(param), `${f.name}: ${param}`);
    bad(() => idx.search(queries, 0), 'k');
    bad(() => idx.search(queries, 1.5), 'k');
    bad(() => idx.search([[1, 2, 3]], 1), 'queries');
    bad(() => idx.search([[...Array(23).fill(0), NaN]], 1), 'NaN');
    bad(() => idx.search(queries, 1, { noSuchParam: 1 }), 'noSuchParam');
    bad(() => idx.search(queries, 1, { filter: 'x' as never }), 'filter');
    bad(() => idx.add([[1, 2]]), 'vectors');
    bad(() => idx.add(rows(base, 0, 1), [-1]), 'ids[0]');
    bad(() => idx.add(rows(base, 0, 1), [2 ** 53]), 'ids[0]');
    bad(() => createIndex(f.name, base, { noSuchOption: 1 }), 'noSuchOption');
    bad(() => createIndex(f.name, base, { metric: 'nope' }), 'metric');
    bad(() => createIndex(f.name, base, { codec: 'nope' }), 'codec');
    bad(() => createIndex(f.name, [] as never), 'data');
    for (const o of f.options) {
      if (o.type === 'integer' || o.type === 'number') bad(() => createIndex(f.name, base, { [o.name]: 'x' }), o.name);
    }
    for (const o of f.searchParams) {
      if (o.type === 'integer' || o.type === 'number') bad(() => idx.search(queries, 1, { [o.name]: -5 }), o.name);
    }
  });

  test(`contract [${f.name}]: an empty index takes train / add and answers as the built one`, () => {
    const e = emptyIndex(f.name, 24);
    assert.equal(e.size, 0);
    assert.equal(e.search(queries, 3).k, 0);
    if (!e.isTrained) {
      assert.throws(() => e.add(base), (err: unknown) => err instanceof KnnkitError && /train/.test(err.message));
      e.train(base);
    }
    e.add(base);
    const built = build(f, base);
    if (f.exact) sameResults(e.search(queries, K), built.search(queries, K), `${f.name} empty + add`);
    else assert.ok(recall(e.search(queries, K), createIndex('brute', base).search(queries, K)) >= f.recallFloor!);
  });
}
