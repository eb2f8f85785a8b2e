// HNSW with codec storage ('f16', 'sq8'): codes in the index memory scored against a float32
// query in the kernel. Recall against float32 brute force (generated and real data), the
// WebAssembly kernel against the TypeScript one on the same graph, persistence (legacy file,
// envelope copy and view), adds / removes / filters, worker threads, parallel build.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { HnswIndex } from '../../src/search/hnsw/hnsw-index.js';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import { KnnkitError } from '../../src/core/errors.js';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { readDataset } from '../../src/io/index.js';
import { createIndex, emptyIndex } from '../../src/index/api.js';
import { indexFromBytes } from '../../src/index/persist.js';
import { Sq8Codec } from '../../src/codecs/sq8.js';
import { fromHalf, toHalf } from '../../src/codecs/f16.js';
import { wasmFlavour } from '../../src/search/hnsw/kernel-wasm.js';
import { setWasmMode } from '../../src/wasm/loader.js';
import { closeSharedPool } from '../../src/parallel/pool.js';
import type { SearchResult } from '../../src/search/results.js';
import { recall, rows } from '../helpers/recall.js';
import { gaussianClusters, sharedData } from '../helpers/data.js';

after(() => closeSharedPool());

const KERNELS = (wasmFlavour() ? ['wasm', 'js'] : ['js']) as ('wasm' | 'js')[];
const CODECS = ['f16', 'sq8'] as const;
const METRICS = ['euclidean', 'cosine', 'ip'] as const;

// base and queries from the same clusters (one draw, split), dimension 30 (not a multiple of 4 or 8: SIMD tails)
const drawn = gaussianClusters(2080, 30, 16, 11);
const X: DenseMatrix = rows(drawn, 0, 2000);
const Q: DenseMatrix = rows(drawn, 2000, 2080);
const opts = { M: 12, efConstruction: 100, seed: 3 };

function sameIds(a: SearchResult, b: SearchResult): number {
  let same = 0;
  for (let t = 0; t < a.indices.length; t++) if (a.indices[t] === b.indices[t]) same++;
  return same / a.indices.length;
}

for (const kernel of KERNELS) {
  for (const storage of CODECS) {
    test(`hnsw ${storage} (${kernel}): recall against float32 brute force for L2, cosine and ip, close to float32 storage`, () => {
      for (const metric of METRICS) {
        const truth = new BruteForce(X, { metric }).search(Q, 10);
        const c = HnswIndex.build(X, { ...opts, metric, kernel, storage });
        assert.equal(c.storage, storage);
        assert.equal(c.kernelName === 'js', kernel === 'js');
        // the codec's own loss is brute force over the same codes: the graph loses little on top
        const rb = recall(createIndex('brute', X, { metric, codec: storage }).search(Q, 10), truth);
        const rc = recall(c.search(Q, 10, { ef: 64 }), truth);
        assert.ok(rc >= 0.9, `${metric}: recall@10 ${rc}`);
        assert.ok(rc >= rb - 0.03, `${metric}: ${storage} HNSW recall ${rc} vs ${storage} brute force ${rb}`);
        // reported distances are those of the decoded vectors: close to the true ones
        const r = c.search(Q, 1, { ef: 64 });
        for (let q = 0; q < Q.rows; q++) {
          const id = r.indices[q];
          const exact = new BruteForce(rows(X, id, id + 1), { metric }).search(rows(Q, q, q + 1), 1).distances[0];
          const tol = storage === 'f16' ? 2e-3 : 3e-2;
          assert.ok(Math.abs(r.distances[q] - exact) <= tol * Math.max(1, Math.abs(exact)), `${metric} q${q}: ${r.distances[q]} vs ${exact}`);
        }
      }
    });
  }
}

test('hnsw f16 / sq8: code rows of 2 d and d bytes (padded to 4) in the index memory, getVector decodes', () => {
  const f = HnswIndex.build(X, opts), h = HnswIndex.build(X, { ...opts, storage: 'f16' }), s = HnswIndex.build(X, { ...opts, storage: 'sq8' });
  assert.deepEqual([f.words, h.words, s.words], [30, 15, 8]);
  const vecBytes = (i: HnswIndex) => i.layout.norm - i.layout.vec;
  assert.equal(vecBytes(f), 4 * 30 * f.capacity);
  assert.equal(vecBytes(h), 4 * 15 * h.capacity);
  assert.equal(vecBytes(s), (4 * 8 * s.capacity + 15) & ~15);
  assert.ok(s.memoryUsage() < h.memoryUsage() && h.memoryUsage() < f.memoryUsage());
  const sq = s.codec as Sq8Codec;
  for (const id of [0, 17, 1999]) {
    const row = X.data.subarray(id * 30, id * 30 + 30);
    const vh = h.getVector(id)!, vs = s.getVector(id)!;
    for (let j = 0; j < 30; j++) {
      assert.equal(vh[j], fromHalf(toHalf(row[j])));
      assert.ok(Math.abs(vs[j] - row[j]) <= sq.vdiff[j] / 510 + 1e-4, `sq8 ${id} ${j}`);
    }
  }
});

test('hnsw sq8: ranges trained on the build data (cosine: unit vectors), by train() on an empty index, refused after points', () => {
  const s = HnswIndex.build(X, { ...opts, storage: 'sq8' });
  const ref = new Sq8Codec(30);
  ref.train(X);
  assert.deepEqual(Array.from((s.codec as Sq8Codec).vmin), Array.from(ref.vmin));
  assert.deepEqual(Array.from((s.codec as Sq8Codec).vdiff), Array.from(ref.vdiff));
  const cos = HnswIndex.build(X, { ...opts, storage: 'sq8', metric: 'cosine' });
  assert.ok((cos.codec as Sq8Codec).vmin.every((v) => v >= -1 && v < 1), 'cosine ranges are those of unit vectors');
  // train() on an empty index: later adds are encoded with those ranges
  const e = new HnswIndex(30, { ...opts, storage: 'sq8' });
  e.train(rows(X, 0, 500));
  const part = new Sq8Codec(30);
  part.train(rows(X, 0, 500));
  e.add(X);
  assert.deepEqual(Array.from((e.codec as Sq8Codec).vmin), Array.from(part.vmin));
  assert.ok(recall(e.search(Q, 10), new BruteForce(X).search(Q, 10)) >= 0.9);
  assert.throws(() => e.train(X), (err: unknown) => err instanceof KnnkitError && /train/.test(err.message));
});

test('hnsw f16 / sq8: bad input refused with a KnnkitError naming the parameter', () => {
  const big = rows(X, 0, 3);
  big.data[2 * 30 + 4] = 1e6;
  assert.throws(() => HnswIndex.build(big, { storage: 'f16' }), (e: unknown) => e instanceof KnnkitError && /vectors\[2\]\[4\].*1000000/.test(e.message));
  for (const storage of CODECS) {
    assert.throws(() => HnswIndex.build(X, { storage, metric: 'manhattan' }), (e: unknown) => e instanceof KnnkitError && e.message.includes('storage') && e.message.includes(storage));
  }
  assert.throws(() => HnswIndex.build(X, { storage: 'f8' as never }), (e: unknown) => e instanceof KnnkitError && e.message.includes('storage'));
  const h = HnswIndex.build(rows(X, 0, 50), { storage: 'f16' });
  assert.throws(() => h.add([[...Array(29).fill(0), -70000]]), (e: unknown) => e instanceof KnnkitError && /vectors\[0\]\[29\]/.test(e.message));
  assert.equal(h.size, 50, 'nothing inserted by a refused add');
});

if (KERNELS.includes('wasm')) {
  test('hnsw f16 / sq8: the TypeScript kernel answers as the WebAssembly kernel on the same graph (L2, cosine, ip)', () => {
    for (const storage of CODECS) {
      for (const metric of METRICS) {
        const w = HnswIndex.build(X, { ...opts, metric, storage, kernel: 'wasm' });
        const js = HnswIndex.fromBytes(w.toBytes(), { kernel: 'js' });
        assert.equal(js.kernelName, 'js');
        const a = w.search(Q, 10, { ef: 48 }), b = js.search(Q, 10, { ef: 48 });
        // float32 sums in another order can swap near-ties: nearly every position agrees
        assert.ok(sameIds(a, b) >= 0.97, `${storage} ${metric}: ${sameIds(a, b)}`);
        for (let t = 0; t < a.distances.length; t++) {
          if (a.indices[t] === b.indices[t]) assert.ok(Math.abs(a.distances[t] - b.distances[t]) <= 1e-4 * Math.max(1, Math.abs(a.distances[t])), `${storage} ${metric} ${t}`);
        }
        // and a TypeScript-built graph is as good as the WebAssembly one
        const truth = new BruteForce(X, { metric }).search(Q, 10);
        const tsBuilt = HnswIndex.build(X, { ...opts, metric, storage, kernel: 'js' });
        assert.ok(Math.abs(recall(tsBuilt.search(Q, 10), truth) - recall(a, truth)) <= 0.03);
      }
    }
  });
}

test('hnsw f16 / sq8: toBytes / fromBytes, save / load and the envelope (copy and view, WebAssembly on and off) answer identically; sq8 ranges in the file', async () => {
  for (const storage of CODECS) {
    for (const metric of ['euclidean', 'cosine'] as const) {
      const idx = createIndex('hnsw', X, { codec: storage, metric, M: 12, efConstruction: 100 });
      const want = idx.search(Q, 10);
      const bytes = idx.toBytes();
      for (const mode of [undefined, 'off'] as const) {
        setWasmMode(mode);
        try {
          for (const view of [false, true]) {
            const back = indexFromBytes(bytes.slice(), { view });
            const got = back.search(Q, 10);
            if (mode === undefined) {
              assert.deepEqual(Array.from(got.ids), Array.from(want.ids), `${storage} ${metric} view ${view}`);
              assert.deepEqual(Array.from(got.distances), Array.from(want.distances));
            } else {
              assert.ok(sameIds(got, want) >= 0.97, `${storage} ${metric} TypeScript kernel view ${view}`);
            }
            // a view load stays correct through copy-on-write changes
            back.remove([5]);
            back.add(rows(X, 5, 6));
            assert.equal(back.size, 2000);
          }
        } finally {
          setWasmMode(undefined);
        }
      }
      // the legacy HNSW file keeps the storage and the sq8 ranges too
      const h = HnswIndex.build(X, { ...opts, storage, metric });
      const back = HnswIndex.fromBytes(h.toBytes());
      assert.equal(back.storage, storage);
      if (storage === 'sq8') assert.deepEqual(Array.from((back.codec as Sq8Codec).vmin), Array.from((h.codec as Sq8Codec).vmin));
      assert.deepEqual(Array.from(back.search(Q, 10).indices), Array.from(h.search(Q, 10).indices));
      // later adds to the loaded index are encoded with the saved ranges, as in the original
      h.add(rows(X, 0, 20), Array.from({ length: 20 }, (_, i) => 5000 + i));
      back.add(rows(X, 0, 20), Array.from({ length: 20 }, (_, i) => 5000 + i));
      assert.deepEqual(Array.from(back.getVector(5007)!), Array.from(h.getVector(5007)!));
    }
  }
  // a crafted header without ranges is refused
  const s = HnswIndex.build(rows(X, 0, 100), { ...opts, storage: 'sq8' });
  const b = s.toBytes();
  const hl = new DataView(b.buffer).getUint32(12, true);
  const json = new TextDecoder().decode(b.subarray(16, 16 + hl)).replace('"sq8":{"vmin"', '"sq9":{"vmin"');
  const bad = new Uint8Array(b);
  bad.set(new TextEncoder().encode(json), 16);
  const { crc32 } = await import('../../src/io/crc32.js');
  new DataView(bad.buffer).setUint32(bad.length - 4, crc32(bad.subarray(0, bad.length - 4)), true);
  assert.throws(() => HnswIndex.fromBytes(bad), (e: unknown) => e instanceof KnnkitError && /sq8/.test(e.message));
});

test('hnsw f16 / sq8: add, remove (slot reuse), filters, compaction and searchAsync = search', async () => {
  for (const storage of CODECS) {
    const idx = createIndex('hnsw', rows(X, 0, 1500), { codec: storage, M: 12, efConstruction: 100 });
    idx.add(rows(X, 1500, 2000));
    const removed = Array.from({ length: 100 }, (_, i) => i * 7);
    idx.remove(removed);
    const gone = new Set(removed);
    const res = idx.search(Q, 10);
    for (const id of res.ids) assert.ok(!gone.has(id));
    // slots reused by new points (their neighbourhoods repaired first)
    idx.add(rows(X, 0, 50), Array.from({ length: 50 }, (_, i) => 10_000 + i));
    assert.equal(idx.size, 1950);
    const allowed = new Set(Array.from({ length: 2000 }, (_, i) => i).filter((i) => i % 3 === 0 && !gone.has(i)));
    for (const filter of [allowed, (id: number) => allowed.has(id)]) {
      const f = idx.search(Q, 10, { filter });
      for (const id of f.ids) assert.ok(allowed.has(id) || id === -1);
      const truth = new BruteForce(rows(X, 0, 2000)).search(Q, 10, { filter: (i: number) => allowed.has(i) });
      assert.ok(recall(f, truth) >= 0.9, `${storage} filtered recall ${recall(f, truth)}`);
    }
    const many = rows(drawn, 0, 300);
    const a = await idx.searchAsync(many, 10, { threads: 2 }), s = idx.search(many, 10);
    assert.deepEqual(Array.from(a.ids), Array.from(s.ids), `${storage} searchAsync`);
    assert.deepEqual(Array.from(a.distances), Array.from(s.distances));
  }
  // compaction keeps the sq8 ranges (the codes re-encode to themselves)
  const h = HnswIndex.build(X, { ...opts, storage: 'sq8' });
  const before = h.getVector(43)!;
  const vmin = Array.from((h.codec as Sq8Codec).vmin);
  for (let i = 0; i < 200; i++) h.remove(i * 3);
  h.compact();
  assert.deepEqual(Array.from((h.codec as Sq8Codec).vmin), vmin);
  assert.deepEqual(Array.from(h.getVector(43)!), Array.from(before));
  // an empty sq8 index through the contract: trained by its first add, answers as the built one
  const e = emptyIndex('hnsw', 30, { codec: 'sq8', M: 12, efConstruction: 100 });
  e.add(X);
  const built = createIndex('hnsw', X, { codec: 'sq8', M: 12, efConstruction: 100 });
  assert.deepEqual(Array.from(e.search(Q, 10).ids), Array.from(built.search(Q, 10).ids));
});

test('hnsw f16 / sq8: parallel build (2 threads) reaches the serial recall', () => {
  const big = gaussianClusters(6100, 24, 30, 5);
  const B = rows(big, 0, 6000), QQ = rows(big, 6000, 6100);
  const truth = new BruteForce(B).search(QQ, 10);
  for (const storage of CODECS) {
    const serial = HnswIndex.build(B, { ...opts, storage });
    const par = HnswIndex.build(B, { ...opts, storage, threads: 2 });
    const rs = recall(serial.search(QQ, 10), truth), rp = recall(par.search(QQ, 10), truth);
    assert.ok(rp >= 0.9 && rp >= rs - 0.03, `${storage}: parallel ${rp} serial ${rs}`);
  }
});

test('hnsw f16 / sq8: real data (SIFT 4,900 x 128 of ../shared/data) recall@10 >= 0.95 at ef 64', (t) => {
  const s = sharedData('ngt_sift4900_base.fvecs');
  if (s.skip) { t.skip(s.skip); return; }
  return (async () => {
    const B = (await readDataset(s.path)).X as DenseMatrix;
    const QQ = (await readDataset(sharedData('ngt_sift4900_query.fvecs').path)).X as DenseMatrix;
    const truth = new BruteForce(B).search(QQ, 10);
    for (const storage of CODECS) {
      const idx = HnswIndex.build(B, { M: 16, efConstruction: 200, storage });
      const r = recall(idx.search(QQ, 10, { ef: 64 }), truth);
      assert.ok(r >= 0.95, `${storage}: sift4900 recall@10 ${r}`);
    }
  })();
});

test('hnsw f16 / sq8 with refine: the float32 rows re-rank k x kFactor exactly (true distances), kept through save / load, adds and searchAsync', async () => {
  const truth = createIndex('brute', X).search(Q, 10);
  const plain = createIndex('hnsw', X, { codec: 'sq8', M: 12, efConstruction: 100 });
  const ref = createIndex('hnsw', X, { codec: 'sq8', refine: true, M: 12, efConstruction: 100 });
  const r0 = recall(plain.search(Q, 10), truth), r1 = recall(ref.search(Q, 10), truth);
  assert.ok(r1 >= 0.98 && r1 > r0, `sq8 recall ${r0}, refined ${r1}`);
  assert.ok(recall(ref.search(Q, 10, { kFactor: 1 }), truth) <= r1, 'kFactor 1 re-ranks the graph\'s own k only');
  // re-ranked distances are the exact float32 ones
  const res = ref.search(Q, 10);
  for (let t = 0; t < res.ids.length; t++) {
    const q = Math.floor(t / 10), id = res.ids[t];
    const exact = new BruteForce(rows(X, id, id + 1)).search(rows(Q, q, q + 1), 1).distances[0];
    assert.ok(Math.abs(res.distances[t] - exact) <= 1e-5 * Math.max(1, exact), `${t}: ${res.distances[t]} vs ${exact}`);
  }
  assert.ok(ref.memoryUsage() >= plain.memoryUsage() + 2000 * 30 * 4);
  assert.deepEqual(Array.from(ref.getVector(7)), Array.from(X.data.subarray(7 * 30, 8 * 30)));
  const bytes = ref.toBytes();
  for (const view of [false, true]) {
    const back = indexFromBytes(bytes.slice(), { view });
    assert.deepEqual(Array.from(back.search(Q, 10).ids), Array.from(res.ids), `view ${view}`);
    assert.deepEqual(Array.from(back.search(Q, 10).distances), Array.from(res.distances));
  }
  const many = rows(drawn, 0, 300);
  assert.deepEqual(Array.from((await ref.searchAsync(many, 10, { threads: 2 })).ids), Array.from(ref.search(many, 10).ids));
  // adds keep their rows (label order), removals are honoured
  const ids = ref.add(rows(Q, 0, 5));
  assert.deepEqual(Array.from(ref.search(rows(Q, 0, 5), 1).ids), Array.from(ids));
  assert.equal(ref.search(rows(Q, 0, 5), 1).distances[0], 0);
  ref.remove([ids[0]]);
  assert.ok(!Array.from(ref.search(rows(Q, 0, 1), 10).ids).includes(ids[0]));
  // f32 storage keeps no second copy (it is exact already)
  assert.equal(createIndex('hnsw', X, { refine: true }).memoryUsage(), createIndex('hnsw', X).memoryUsage());
});

test('hnsw through the index contract: emptyIndex(..., sq8).train(sample) learns the ranges later adds use; f32 train learns nothing; createIndex still bulk-builds', () => {
  const e = emptyIndex('hnsw', 30, { codec: 'sq8', M: 12, efConstruction: 100 });
  assert.equal(e.capabilities.train, true);
  e.train(rows(X, 0, 500));
  e.add(X);
  const part = new Sq8Codec(30);
  part.train(rows(X, 0, 500));
  const code = new Uint8Array(30), want = new Float32Array(30);
  part.encode(X.data.subarray(1234 * 30, 1235 * 30), 1, code, 0);
  part.decode(code, 0, want);
  const decoded = e.getVector(1234);
  assert.deepEqual(Array.from(decoded), Array.from(want), 'rows encoded with the sample\'s ranges');
  assert.ok(recall(e.search(Q, 10), createIndex('brute', X).search(Q, 10)) >= 0.85);
  assert.throws(() => e.train(X), (err: unknown) => err instanceof KnnkitError && /train/.test(err.message) && /sq8/.test(err.message));
  // f32: nothing to learn (FAISS IndexHNSWFlat.train), the graph is the same as without train
  const f = emptyIndex('hnsw', 30, { M: 12, efConstruction: 100 });
  f.train(X);
  f.add(X);
  const g = emptyIndex('hnsw', 30, { M: 12, efConstruction: 100 });
  g.add(X);
  assert.deepEqual(Array.from(f.search(Q, 10).ids), Array.from(g.search(Q, 10).ids));
  // createIndex keeps the bulk build (its breadth-first renumbering is what a built index answers with)
  assert.deepEqual(Array.from(createIndex('hnsw', X, { M: 12, efConstruction: 100 }).search(Q, 10).ids), Array.from(createIndex('hnsw', X, { M: 12, efConstruction: 100, reorder: true }).search(Q, 10).ids));
});

test('hnsw sq8 + refine: rangeSearch applies r to the exact distances (never a point outside r, every distance the float32 one)', () => {
  const ref = createIndex('hnsw', X, { codec: 'sq8', refine: true, M: 12, efConstruction: 100 });
  const plain = createIndex('hnsw', X, { codec: 'sq8', M: 12, efConstruction: 100 });
  const exact = createIndex('brute', X);
  const k10 = exact.search(Q, 10);
  const r = k10.distances[9]; // the first query's 10th distance: a handful of points inside for each query
  const want = exact.rangeSearch(Q, r), got = ref.rangeSearch(Q, r), codes = plain.rangeSearch(Q, r);
  let found = 0, total = 0, codeOutside = 0;
  for (let q = 0; q < Q.rows; q++) {
    const truth = new Map<number, number>();
    for (let j = want.offsets[q]; j < want.offsets[q + 1]; j++) truth.set(want.indices[j], want.distances[j]);
    total += truth.size;
    for (let j = got.offsets[q]; j < got.offsets[q + 1]; j++) {
      const id = got.indices[j];
      assert.ok(truth.has(id), `query ${q}: ${id} at ${got.distances[j]} is outside r = ${r}`);
      assert.ok(Math.abs(got.distances[j] - truth.get(id)!) <= 1e-5 * Math.max(1, got.distances[j]), `query ${q}: distance ${got.distances[j]} vs exact ${truth.get(id)}`);
      if (j > got.offsets[q]) assert.ok(got.distances[j] >= got.distances[j - 1]);
      found++;
    }
    for (let j = codes.offsets[q]; j < codes.offsets[q + 1]; j++) if (!truth.has(codes.indices[j])) codeOutside++;
  }
  assert.ok(total > Q.rows, `${total} points within r over ${Q.rows} queries`);
  assert.ok(found / total >= 0.95, `refined range recall ${found / total}`);
  assert.ok(codeOutside > 0 || found > 0, 'the codes\' own radius differs from the exact one');
});
