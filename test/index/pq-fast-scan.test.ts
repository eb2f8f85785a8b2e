import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIndex, emptyIndex } from '../../src/index/api.js';
import { indexFromBytes } from '../../src/index/persist.js';
import { setWasmMode } from '../../src/wasm/loader.js';
import { TopK } from '../../src/core/topk.js';
import { ProductQuantizer } from '../../src/index/pq/product-quantizer.js';
import { quantizeTables, scanFs } from '../../src/index/pq/fast-scan.js';
import { InvertedLists, pack4, unpack4 } from '../../src/index/ivf/lists.js';
import { IvfKernels } from '../../src/index/ivf/kernels.js';
import type { SearchResult } from '../../src/search/results.js';
import { recall } from '../helpers/recall.js';
import { gaussianClusters } from '../helpers/data.js';

const base = gaussianClusters(2000, 32, 16, 31);
const queries = gaussianClusters(30, 32, 16, 32);


test('pq4 packing: blocks of 32, two entries per byte, round trip and swap', () => {
  const m = 5, n = 70, codes = new Uint8Array(n * m);
  for (let i = 0; i < codes.length; i++) codes[i] = (i * 7 + 3) % 16;
  const blocks = new Uint8Array(Math.ceil(n / 32) * 16 * m);
  for (let s = 0; s < n; s++) pack4(blocks, s, m, codes, s * m);
  const out = new Uint8Array(m);
  for (let s = 0; s < n; s++) { unpack4(blocks, s, m, out, 0); assert.deepEqual(Array.from(out), Array.from(codes.subarray(s * m, s * m + m)), `entry ${s}`); }
  // entry 17 is the high nibble of byte 1 of each group of block 0
  assert.equal(blocks[1] >> 4, codes[17 * m]);
  assert.equal(blocks[16 + 1] & 15, codes[1 * m + 1]);
});

test('LUT quantisation: uint8 entries, every estimate within m / (2a) of the exact table sum', () => {
  const m = 8, lut = new Float32Array(m * 16);
  for (let i = 0; i < lut.length; i++) lut[i] = Math.fround(Math.sin(i * 1.7) * 3 + (i % 16) * 0.25);
  const q8 = new Uint8Array(m * 16);
  const { a, bsum } = quantizeTables(lut, m, q8);
  let R = 0;
  for (let j = 0; j < m; j++) {
    const row = Array.from(lut.subarray(j * 16, j * 16 + 16));
    R = Math.max(R, Math.max(...row) - Math.min(...row));
    assert.equal(Math.min(...q8.subarray(j * 16, j * 16 + 16)), 0, `sub-quantiser ${j}: its minimum maps to 0`);
  }
  assert.ok(Math.abs(a - 255 / R) < 1e-4 * a);
  assert.ok(q8.some((v) => v === 255));
  for (let trial = 0; trial < 200; trial++) {
    let exact = 0, S = 0;
    for (let j = 0; j < m; j++) { const c = (trial * 5 + j * 3) % 16; exact += lut[j * 16 + c]; S += q8[j * 16 + c]; }
    assert.ok(Math.abs(bsum + S / a - exact) <= m / (2 * a) + 1e-5, `trial ${trial}`);
  }
});

/** A 4-bit product quantiser over `base`, its pq4 list, and the exact-LUT (float) ADC values of a query. */
function fixture(arena: IvfKernels | null) {
  const m = 16, pq = ProductQuantizer.train(base, m, 4, { niter: 10, seed: 3, maxPointsPerCentroid: 256 });
  const codes = pq.encode(base);
  const lists = new InvertedLists(1, m, 'pq4', arena?.arena ?? null);
  const labels = Int32Array.from({ length: base.rows }, (_, i) => i);
  lists.append(new Int32Array(base.rows), labels, codes);
  return { m, pq, codes, lists };
}

test('4-bit fast scan: ranking equals the exact-LUT ranking up to the documented LUT quantisation; WebAssembly and TypeScript agree', () => {
  setWasmMode(undefined);
  const K = IvfKernels.create();
  const { m, pq, codes, lists } = fixture(K);
  const n = base.rows, k = 20;
  const lut = new Float32Array(m * 16), q8 = new Uint8Array(m * 16);
  for (let q = 0; q < queries.rows; q++) {
    pq.lutL2(queries.data, q * 32, lut);
    const exact = new Float64Array(n);
    for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j < m; j++) s += lut[j * 16 + codes[i * m + j]]; exact[i] = s; }
    const { a, bsum } = quantizeTables(lut, m, q8);
    const bound = m / (2 * a) + 1e-4 * Math.max(...exact.subarray(0, 50));
    const heap = new TopK(k);
    scanFs(q8, m, a, bsum, lists.codes[0] as Uint8Array, lists.labels[0], n, null, heap);
    const ids = new Int32Array(k), dist = new Float64Array(k);
    assert.equal(heap.drainSorted(ids, dist), k);
    const sorted = Array.from(exact).sort((x, y) => x - y);
    for (let t = 0; t < k; t++) {
      // each estimate is within the bound of its exact-LUT value ...
      assert.ok(Math.abs(dist[t] - exact[ids[t]]) <= bound, `q${q} rank ${t}: ${dist[t]} vs ${exact[ids[t]]} (bound ${bound})`);
      // ... so the t-th returned entry is within 2 bounds of the exact t-th value
      assert.ok(Math.abs(exact[ids[t]] - sorted[t]) <= 2 * bound + 1e-9, `q${q} rank ${t}`);
    }
    // everything the exact ranking puts clearly inside the top k (by more than 2 bounds) is returned
    for (let i = 0; i < n; i++) if (exact[i] < sorted[k - 1] - 2 * bound) assert.ok(Array.from(ids).includes(i), `q${q}: entry ${i} missing`);
    if (K) {
      // the kernel: same tables, same ranking, same estimates
      K.reserve('lut', m * 64); K.reserve('qlut', m * 16); K.reserve('info', 8); K.reserveHeap(k);
      K.f32('lut', m * 16).set(lut);
      K.ex.quantizeTables(K.offset('lut'), m, K.offset('qlut'), K.offset('info'));
      assert.deepEqual(Array.from(K.u8('qlut', m * 16)), Array.from(q8), `q${q}: uint8 tables`);
      const info = K.f32('info', 2);
      assert.equal(info[0], Math.fround(a)); assert.equal(info[1], Math.fround(bsum));
      K.heapReset(k);
      K.ex.scanFs(K.offset('qlut'), m, info[0], info[1], lists.codes[0].byteOffset, lists.labels[0].byteOffset, n, 0);
      const wi = new Int32Array(k), wd = new Float64Array(k);
      assert.equal(K.drain(wi, wd), k);
      assert.deepEqual(Array.from(wi), Array.from(ids), `q${q}: wasm ids`);
      assert.deepEqual(Array.from(wd), Array.from(dist), `q${q}: wasm estimates`);
    }
  }
});

test('IVF1024,PQ32x4fs,RFlat is accepted; 4-bit ivf-pq: recall, refine, m/2 bytes per code', () => {
  const want = createIndex('brute', base).search(queries, 10);
  const fsIdx = createIndex('IVF32,PQ16x4fs', base);
  assert.equal(fsIdx.kind, 'ivf-pq');
  assert.equal(fsIdx.options.nbits, 4);
  const r0 = recall(fsIdx.search(queries, 10, { nprobe: 32 }), want);
  const refined = createIndex('IVF32,PQ16x4fs,RFlat', base);
  const r1 = recall(refined.search(queries, 10, { nprobe: 32, kFactor: 10 }), want);
  assert.ok(r0 >= 0.4, `fast scan ${r0}`);
  assert.ok(r1 >= 0.97 && r1 > r0, `fast scan + refine ${r1}`);
  // memory: m / 2 = 8 bytes of code + list label + label -> list per vector
  const e = emptyIndex('IVF32,PQ16x4fs', 32);
  e.train(base);
  const fixed = e.memoryUsage();
  e.add(base);
  const per = (e.memoryUsage() - fixed) / base.rows;
  assert.ok(per >= 16 && per <= 16 * 1.25, `${per} bytes per vector`);
  // the full-size factory string parses to the same family
  const big = emptyIndex('IVF1024,PQ32x4fs,RFlat', 128);
  assert.equal(big.options.nlist, 1024); assert.equal(big.options.m, 32); assert.equal(big.options.refine, true);
});

test('4-bit pq / ivf-pq: save / load (copy and view), remove, filters, ip; the TypeScript path gives the same answers', () => {
  for (const [fam, opts] of [['pq', { m: 8 }], ['ivf-pq', { m: 16, nlist: 20 }], ['ivf-pq', { m: 8, nlist: 20, metric: 'ip' }], ['ivf-pq', { m: 8, nlist: 20, precomputedTable: false }]] as const) {
    setWasmMode(undefined);
    const sp = fam === 'pq' ? {} : { nprobe: 8 };
    const idx = createIndex(fam, base, { nbits: 4, ...opts });
    const want = idx.search(queries, 10, sp);
    const bytes = idx.toBytes(), keep = bytes.slice();
    for (const view of [false, true]) {
      const back = indexFromBytes(bytes, { view });
      const got = back.search(queries, 10, sp);
      assert.deepEqual(Array.from(got.indices), Array.from(want.indices), `${fam} ${JSON.stringify(opts)} view=${view}`);
      assert.deepEqual(Array.from(got.distances), Array.from(want.distances));
      back.remove(Array.from(want.indices.subarray(0, 3)));
      for (const id of back.search(queries, 10, sp).indices) assert.ok(id < 0 || !want.indices.subarray(0, 3).includes(id));
      back.add({ data: base.data.slice(0, 5 * 32), rows: 5, cols: 32 });
    }
    assert.deepEqual(bytes, keep, 'a view load never writes to the loaded bytes');
    const allowed = new Set(Array.from({ length: 100 }, (_, i) => 7 * i + 1));
    for (const id of idx.search(queries, 10, { ...sp, filter: allowed }).indices) assert.ok(id === -1 || allowed.has(id));
    // the TypeScript twins on the same codes (loaded with WebAssembly off)
    setWasmMode('off');
    const ts = indexFromBytes(bytes).search(queries, 10, sp);
    setWasmMode(undefined);
    let same = 0;
    for (let i = 0; i < want.indices.length; i++) {
      if (ts.indices[i] === want.indices[i]) same++;
      assert.ok(Math.abs(ts.distances[i] - want.distances[i]) <= 1e-3 * Math.max(1, Math.abs(want.distances[i])), `${fam} ts distance ${i}: ${ts.distances[i]} vs ${want.distances[i]}`);
    }
    assert.ok(same >= 0.98 * want.indices.length, `${fam} ${JSON.stringify(opts)}: ${same} of ${want.indices.length} ids equal`);
  }
});
