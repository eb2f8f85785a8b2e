import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HnswIndex } from '../../src/search/hnsw/hnsw-index.js';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import { KnnkitError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { crc32 } from '../../src/io/crc32.js';
import { firstNonBinary, packRow, popcount32, unpackRow, wordsFor } from '../../src/search/hnsw/bits.js';
import { wasmFlavour } from '../../src/search/hnsw/kernel-wasm.js';

const KERNELS = (wasmFlavour() ? ['wasm', 'js'] : ['js']) as ('wasm' | 'js')[];

/** 0/1 rows around a few prototypes (bits flipped with probability `flip`), so that neighbours are meaningful. */
function binaryData(rows: number, dim: number, seed: number, flip = 0.15): DenseMatrix {
  const rng = new Rng(seed);
  const protos = Array.from({ length: 6 }, () => Array.from({ length: dim }, () => (rng.random() < 0.4 ? 1 : 0)));
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < rows; i++) {
    const p = protos[Math.floor(rng.random() * protos.length)];
    for (let j = 0; j < dim; j++) data[i * dim + j] = rng.random() < flip ? 1 - p[j] : p[j];
  }
  return { kind: 'dense', data, rows, cols: dim };
}

const opts = { M: 8, efConstruction: 64, seed: 7 };

test('bits helpers: popcount, packing round trip, padding to 64-bit words', () => {
  assert.equal(popcount32(0), 0);
  assert.equal(popcount32(-1), 32);
  assert.equal(popcount32(0x80000001 | 0), 2);
  assert.deepEqual([1, 63, 64, 65, 320].map(wordsFor), [2, 2, 2, 4, 10]);
  const X = binaryData(5, 70, 1);
  for (let r = 0; r < 5; r++) {
    const w = new Int32Array(wordsFor(70));
    packRow(X.data, r * 70, 70, w, 0, w.length);
    assert.deepEqual(Array.from(unpackRow(w, 0, 70)), Array.from(X.data.subarray(r * 70, r * 70 + 70)));
    assert.equal(w[3] >>> 6, 0, 'padding bits stay zero');
  }
  assert.equal(firstNonBinary(new Float32Array([0, 1, -0, 1, 0.5]), 1, 5), 4);
  assert.equal(firstNonBinary([0, 1, NaN], 1, 3), 2);
  assert.equal(firstNonBinary(new Float32Array([0, 1, -0]), 1, 3), -1);
});

for (const kernel of KERNELS) {
  test(`bits storage (${kernel}): same graph, neighbours and distances as float32 storage on 0/1 data`, () => {
    for (const dim of [1, 64, 70, 200]) {
      const X = binaryData(400, dim, dim), Q = binaryData(60, dim, dim + 1000);
      const f = HnswIndex.build(X, { ...opts, kernel });
      const b = HnswIndex.build(X, { ...opts, kernel, storage: 'bits' });
      assert.equal(b.storage, 'bits');
      for (const [k, ef] of [[1, 1], [1, 16], [5, 32]]) {
        const rf = f.search(Q, k, { ef }), rb = b.search(Q, k, { ef });
        assert.deepEqual(Array.from(rb.indices), Array.from(rf.indices), `dim ${dim} k ${k} ef ${ef}`);
        assert.deepEqual(Array.from(rb.distances), Array.from(rf.distances));
      }
      // memory: dim / 8 bytes per vector (rounded up to 8) instead of 4 dim
      if (dim >= 64) assert.ok(b.memoryUsage() < f.memoryUsage());
    }
  });

  test(`bits storage (${kernel}): exact distances, recall against brute force`, () => {
    const X = binaryData(600, 100, 3), Q = binaryData(80, 100, 4);
    const idx = HnswIndex.build(X, { M: 12, efConstruction: 100, seed: 1, kernel, storage: 'bits' });
    const ex = new BruteForce(X, { metric: 'euclidean' }).search(Q, 5);
    const res = idx.search(Q, 5, { ef: 64 });
    let hit = 0;
    for (let q = 0; q < Q.rows; q++) {
      const kth = ex.distances[q * 5 + 4];
      for (let j = 0; j < 5; j++) {
        const id = res.indices[q * 5 + j];
        let diff = 0;
        for (let c = 0; c < 100; c++) if (X.data[id * 100 + c] !== Q.data[q * 100 + c]) diff++;
        // the reported distance is sqrt(number of differing bits), rounded to float32 once
        assert.equal(res.distances[q * 5 + j], Math.fround(Math.sqrt(diff)));
        if (res.distances[q * 5 + j] <= kth) hit++;
      }
    }
    assert.ok(hit / (Q.rows * 5) >= 0.95, `recall ${hit / (Q.rows * 5)}`);
  });
}

test('bits storage: non-binary vectors and queries are refused with the parameter, position and value', () => {
  const X = binaryData(50, 20, 5);
  const idx = HnswIndex.build(X, { ...opts, storage: 'bits' });
  const bad = { kind: 'dense' as const, data: X.data.slice(0, 40), rows: 2, cols: 20 };
  bad.data[27] = 0.5;
  assert.throws(() => idx.add(bad), (e: unknown) => e instanceof KnnkitError && /vectors\[1\]\[7\]: got 0\.5/.test(e.message) && /0 or 1/.test(e.message));
  assert.equal(idx.size, 50, 'nothing added');
  const q = X.data.slice(0, 40);
  q[25] = 2;
  assert.throws(() => idx.search({ data: q, rows: 2, cols: 20 }, 1), (e: unknown) => e instanceof KnnkitError && /queries\[1\]\[5\]: got 2/.test(e.message));
  const nan = X.data.slice(0, 20);
  nan[3] = NaN;
  assert.throws(() => idx.search({ data: nan, rows: 1, cols: 20 }, 1), KnnkitError);
  assert.equal(idx.searchIfBinary({ data: q, rows: 2, cols: 20 }, 1, 16), null, 'the fast path declines non-binary queries');
  assert.throws(() => new HnswIndex(8, { storage: 'bits', metric: 'cosine' }), (e: unknown) => e instanceof KnnkitError && /storage/.test(e.message) && /euclidean/.test(e.message));
  assert.throws(() => new HnswIndex(8, { storage: 'int8' as never }), (e: unknown) => e instanceof KnnkitError && /storage/.test(e.message) && /"bits"/.test(e.message));
});

test('bits storage: -0 counts as 0; getVector unpacks; remove, reuse and compact keep answers exact', () => {
  const X = binaryData(300, 40, 9);
  const idx = HnswIndex.build(X, { ...opts, storage: 'bits' });
  const v = X.data.slice(40 * 17, 40 * 18);
  assert.deepEqual(Array.from(idx.getVector(17)!), Array.from(v));
  const negZero = Float32Array.from(v, (x) => (x === 0 ? -0 : x));
  assert.equal(idx.search(negZero, 1, { ef: 64 }).distances[0], 0);
  for (let id = 0; id < 300; id += 3) idx.remove(id);
  idx.add(binaryData(50, 40, 10), Int32Array.from({ length: 50 }, (_, i) => 1000 + i));
  idx.compact();
  assert.equal(idx.size, 250);
  const Q = binaryData(40, 40, 11);
  const res = idx.search(Q, 1, { ef: 200 });
  for (let q = 0; q < Q.rows; q++) {
    const id = res.indices[q];
    assert.ok(id % 3 !== 0 || id >= 1000, 'no removed id');
  }
});

test('bits storage: save/load round trip, version 1 (pre-storage) files still load, corruption refused', () => {
  const X = binaryData(200, 90, 12), Q = binaryData(30, 90, 13);
  const idx = HnswIndex.build(X, { ...opts, storage: 'bits' });
  const bytes = idx.toBytes();
  const back = HnswIndex.fromBytes(bytes);
  assert.equal(back.storage, 'bits');
  assert.deepEqual(Array.from(back.search(Q, 3).indices), Array.from(idx.search(Q, 3).indices));
  const flipped = bytes.slice();
  flipped[flipped.length - 40] ^= 1;
  assert.throws(() => HnswIndex.fromBytes(flipped), (e: unknown) => e instanceof KnnkitError && /checksum/.test(e.message));
  // a float32 file written as version 1 (no storage field) reads as float32 storage
  const f = HnswIndex.build(X, opts);
  const v1 = f.toBytes().slice();
  const dv = new DataView(v1.buffer);
  dv.setUint32(8, 1, true);
  dv.setUint32(v1.length - 4, crc32(v1.subarray(0, v1.length - 4)), true);
  const old = HnswIndex.fromBytes(v1);
  assert.equal(old.storage, 'f32');
  assert.deepEqual(Array.from(old.search(Q, 3).indices), Array.from(f.search(Q, 3).indices));
});

test('bits storage: searchAsync on worker threads equals search', async () => {
  const X = binaryData(500, 128, 14), Q = binaryData(200, 128, 15);
  const idx = HnswIndex.build(X, { ...opts, storage: 'bits' });
  const a = idx.search(Q, 4, { ef: 32 });
  const b = await idx.searchAsync(Q, 4, { ef: 32, threads: 2 });
  assert.deepEqual(Array.from(b.indices), Array.from(a.indices));
  assert.deepEqual(Array.from(b.distances), Array.from(a.distances));
  const bad = Q.data.slice();
  bad[5] = 3;
  await assert.rejects(idx.searchAsync({ data: bad, rows: Q.rows, cols: 128 }, 1, { threads: 2 }), KnnkitError);
});

test('bits storage: filtered search (graph walk and exact scan) returns only allowed ids, nearest first', () => {
  const X = binaryData(500, 48, 16), Q = binaryData(30, 48, 17);
  const idx = HnswIndex.build(X, { ...opts, storage: 'bits' });
  const allowed = new Set(Array.from({ length: 500 }, (_, i) => i).filter((i) => i % 7 === 0));
  for (const filterStrategy of ['graph', 'scan'] as const) {
    const res = idx.search(Q, 3, { ef: 64, filter: (id: number) => allowed.has(id), filterStrategy });
    for (let q = 0; q < Q.rows; q++) {
      // exact answer over the allowed ids: differing bits, ties by id
      const exact = [...allowed].map((id) => {
        let d = 0;
        for (let c = 0; c < 48; c++) if (X.data[id * 48 + c] !== Q.data[q * 48 + c]) d++;
        return { id, d };
      }).sort((a, b) => a.d - b.d || a.id - b.id);
      for (let j = 0; j < 3; j++) {
        const id = res.indices[q * 3 + j];
        assert.ok(allowed.has(id), `${filterStrategy}: id ${id} not allowed`);
        if (filterStrategy === 'scan') assert.equal(res.distances[q * 3 + j], Math.fround(Math.sqrt(exact[j].d)));
      }
    }
  }
});
