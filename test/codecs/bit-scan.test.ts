import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BitScan, type BitScanKernel } from '../../src/codecs/bit-scan.js';
import { BitsCodec } from '../../src/codecs/bits.js';
import { Rng } from '../../src/core/rng.js';
import { readDataset } from '../../src/io/index.js';
import { matrixTakeRows } from '../../src/core/data.js';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { cvpartitionStratifiedKFold } from '../../src/knn-graph/matlab-folds.js';
import { setWasmMode } from '../../src/wasm/loader.js';
import { sharedData } from '../helpers/data.js';

// The segment-bound scans (k = 1, after prepareNearest: the min-sum kernel, the default, and the
// abs-difference one), the held-register scan (rows of <= 8 words) and the four-query blocked
// scan (every width) must return exactly the neighbours of a plain sort by (Hamming distance,
// row): same rows, same distances, ties by the lower row, -1 / MAX padding when k exceeds the
// candidates.

/** 0/1 rows with few distinct patterns, so that equal distances and duplicate rows are common. */
function binaryRows(n: number, d: number, rng: Rng, density: number): Float32Array {
  const protos = Array.from({ length: 5 }, () => Float32Array.from({ length: d }, () => (rng.random() < density ? 1 : 0)));
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const p = protos[rng.int(protos.length)];
    for (let t = 0; t < d; t++) x[i * d + t] = rng.random() < 0.08 ? 1 - p[t] : p[t];
  }
  return x;
}

function pack(x: Float32Array, rows: number, d: number): { codes: Uint8Array; W: number } {
  const codec = new BitsCodec(d);
  const codes = new Uint8Array(rows * codec.bytesPerVector);
  codec.encode(x, rows, codes, 0);
  return { codes, W: codec.bytesPerVector / 8 };
}

/** The oracle: every allowed row sorted by (distance, row), first k, padded. */
function oracle(X: Float32Array, n: number, Q: Float32Array, nq: number, d: number, k: number, mask: Uint8Array | null): { I: Int32Array; D: Int32Array } {
  const I = new Int32Array(nq * k).fill(-1), D = new Int32Array(nq * k).fill(0x7fffffff);
  for (let i = 0; i < nq; i++) {
    const all: [number, number][] = [];
    for (let j = 0; j < n; j++) {
      if (mask && !mask[j]) continue;
      let h = 0;
      for (let t = 0; t < d; t++) if (X[j * d + t] !== Q[i * d + t]) h++;
      all.push([h, j]);
    }
    all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let t = 0; t < Math.min(k, all.length); t++) { D[i * k + t] = all[t][0]; I[i * k + t] = all[t][1]; }
  }
  return { I, D };
}

function run(scan: BitScan, Q: Float32Array, nq: number, d: number, k: number, mask: Uint8Array | null, f32: boolean): { I: Int32Array; D: Int32Array } {
  const I = new Int32Array(nq * k), D = new Int32Array(nq * k);
  if (f32) assert.ok(scan.searchF32(Q, nq, d, k, I, D), 'searchF32 accepts 0/1 queries');
  else scan.search(pack(Q, nq, d).codes, nq, k, mask, I, D);
  return { I, D };
}

test('bit scan: held and blocked kernels (and the TypeScript twin) equal the sorted oracle, W = 1..10, ties, masks, k > n', () => {
  const rng = new Rng(12);
  // dims chosen for 1..10 words, with partial last words
  for (const d of [1, 64, 65, 150, 200, 320, 400, 512, 513, 640]) {
    for (const n of [1, 7, 40, 131]) {
      const nq = 1 + rng.int(9);
      const X = binaryRows(n, d, rng, 0.3), Q = binaryRows(nq, d, rng, 0.3);
      // some queries equal a training row (distance 0 ties among duplicates)
      if (n > 3) Q.set(X.subarray(3 * d, 4 * d), 0);
      const { codes, W } = pack(X, n, d);
      const mask = Uint8Array.from({ length: n }, (_, j) => (j % 4 === 1 ? 0 : 1));
      for (const k of [1, 3, n, n + 5]) {
        for (const m of [null, mask]) {
          const want = oracle(X, n, Q, nq, d, k, m);
          const scans: [string, BitScan][] = (['auto', 'held', 'blocked'] as BitScanKernel[]).map((kk) => [kk, new BitScan(codes, n, W, kk)]);
          for (const kk of ['auto', 'absdiff'] as BitScanKernel[]) {
            const bound = new BitScan(codes, n, W, kk);
            assert.equal(bound.prepareNearest(), W >= 3 && W <= 8, `W ${W}: the bound scan is for 3..8 words`);
            scans.push([`bound ${kk}`, bound]);
          }
          setWasmMode('off');
          try { scans.push(['ts', new BitScan(codes, n, W)]); } finally { setWasmMode(undefined); }
          for (const [name, scan] of scans) {
            if (name !== 'ts') assert.equal(scan.path, 'wasm');
            const got = run(scan, Q, nq, d, k, m, false);
            const at = `${name} d ${d} (W ${W}) n ${n} nq ${nq} k ${k}${m ? ' masked' : ''}`;
            assert.deepEqual(got.I, want.I, `${at}: rows`);
            assert.deepEqual(got.D, want.D, `${at}: distances`);
            if (!m) assert.deepEqual(run(scan, Q, nq, d, k, null, true), want, `${at}: float32 queries packed in the module`);
          }
        }
      }
    }
  }
});

test('bit scan: bound and held kernels equal the blocked kernel on the Binalpha folds (k = 1 and 5)', async (t) => {
  const data = sharedData('binalpha.csv');
  if (data.skip) { t.skip(data.skip); return; }
  const ds = await readDataset(data.path);
  const X = ds.X as DenseMatrix, d = X.cols;
  for (const fold of cvpartitionStratifiedKFold(ds.y!, 10, 5).slice(0, 3)) {
    const tr = matrixTakeRows(X, fold.train) as DenseMatrix, te = matrixTakeRows(X, fold.test) as DenseMatrix;
    const { codes, W } = pack(tr.data, tr.rows, d);
    const held = new BitScan(codes, tr.rows, W, 'held'), blocked = new BitScan(codes, tr.rows, W, 'blocked'), bound = new BitScan(codes, tr.rows, W);
    const absdiff = new BitScan(codes, tr.rows, W, 'absdiff');
    assert.ok(bound.prepareNearest() && absdiff.prepareNearest());
    for (const k of [1, 5]) {
      const b = run(blocked, te.data, te.rows, d, k, null, true);
      assert.deepEqual(run(held, te.data, te.rows, d, k, null, true), b, `held, k ${k}`);
      assert.deepEqual(run(bound, te.data, te.rows, d, k, null, true), b, `bound, k ${k}`);
      assert.deepEqual(run(absdiff, te.data, te.rows, d, k, null, true), b, `abs-difference bound, k ${k}`);
      if (k === 1) assert.deepEqual(b, oracle(tr.data, tr.rows, te.data, te.rows, d, 1, null), 'k 1: the sorted oracle');
      // the training rows as queries: every one has a distance-0 match (itself, or a lower duplicate)
      const self = run(bound, tr.data, tr.rows, d, k, null, true);
      assert.deepEqual(self, run(blocked, tr.data, tr.rows, d, k, null, true), `bound on the training rows, k ${k}`);
    }
  }
});

test('bit scan: the min-sum bound equals the oracle at every width 3..8, past 4,096 rows, on sparse and dense rows', () => {
  // 4,500 rows: the seed's u8 block numbers wrap (256 blocks of 16 rows); dense rows fill the
  // segments (counts capped at 15 for W = 8) and push the sum of minima past 255 (kept mod 256);
  // few prototypes: many equal distances, so ties by the lower row are exercised
  const rng = new Rng(31);
  for (const d of [130, 256, 300, 384, 448, 512]) {
    for (const density of [0.1, 0.5, 0.95]) {
      const n = 4500, nq = 5;
      const X = binaryRows(n, d, rng, density), Q = binaryRows(nq, d, rng, density);
      Q.set(X.subarray(4400 * d, 4401 * d), 0);
      Q.set(X.subarray(17 * d, 18 * d), d);
      const { codes, W } = pack(X, n, d);
      const scan = new BitScan(codes, n, W);
      assert.ok(scan.prepareNearest());
      const at = `d ${d} (W ${W}) density ${density}`;
      assert.deepEqual(run(scan, Q, nq, d, 1, null, true), oracle(X, n, Q, nq, d, 1, null), at);
    }
  }
});

test('bit scan: float32 queries are packed exactly (16 at a time and the tail) and refused when a value is not 0 or 1', () => {
  const rng = new Rng(5);
  for (const d of [7, 16, 33, 320, 130]) {
    const n = 20, nq = 4;
    const X = binaryRows(n, d, rng, 0.5), Q = binaryRows(nq, d, rng, 0.5);
    const { codes, W } = pack(X, n, d);
    const want = oracle(X, n, Q, nq, d, 2, null);
    // -0 is a 0 (squared L2 of 0/1 data does not see the sign)
    const Qm = Q.map((v) => (v === 0 ? -0 : v));
    const scans = [new BitScan(codes, n, W)];
    setWasmMode('off');
    try { scans.push(new BitScan(codes, n, W)); } finally { setWasmMode(undefined); }
    for (const scan of scans) {
      assert.deepEqual(run(scan, Qm, nq, d, 2, null, true), want, `${scan.path} d ${d}: -0 packs as 0`);
      // one bad value anywhere (first chunk, last position of a chunk, the tail, the last query)
      for (const at of [0, Math.min(15, d - 1), d - 1, nq * d - 1, 2 * d + (d >> 1)]) {
        for (const bad of [0.5, 2, -1, Number.NaN, Infinity, 1e-40]) {
          const Qb = Q.slice(); Qb[at] = bad;
          const I = new Int32Array(nq * 2), D = new Int32Array(nq * 2);
          assert.equal(scan.searchF32(Qb, nq, d, 2, I, D), false, `${scan.path} d ${d}: ${bad} at ${at} refused`);
        }
      }
    }
  }
});
