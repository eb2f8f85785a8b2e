import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F16Codec, Sq8Codec, type Codec } from '../../src/codecs/index.js';
import { CodedScan, type ScanKind } from '../../src/codecs/coded-scan.js';
import { TopK } from '../../src/core/topk.js';
import { createIndex } from '../../src/index/api.js';
import { setWasmMode } from '../../src/wasm/loader.js';
import { gaussianClusters } from '../helpers/data.js';

/** Mulberry32: reproducible uniforms for the random cases. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

function randomRows(n: number, d: number, seed: number, scale: number): Float32Array {
  const r = rng(seed), x = new Float32Array(n * d);
  // mixed magnitudes: f16 subnormals (|v| < 2^-14), zeros and large values all occur
  for (let t = 0; t < x.length; t++) { const u = r(); x[t] = u < 0.05 ? 0 : u < 0.1 ? (r() - 0.5) * 1e-5 : (r() - 0.5) * scale; }
  return x;
}

/** Float64 score of query i against the TypeScript-decoded row j (the reference). */
function reference(codec: Codec, codes: Uint8Array, j: number, q: Float32Array, i: number, kind: ScanKind): number {
  const d = codec.dim, row = new Float32Array(d);
  codec.decode(codes, j, row);
  let s = 0;
  for (let t = 0; t < d; t++) s += kind === 'l2' ? (q[i * d + t] - row[t]) ** 2 : q[i * d + t] * row[t];
  return s;
}

for (const name of ['f16', 'sq8'] as const) {
  for (const [n, d, nq] of [[1, 1, 1], [37, 5, 3], [1000, 13, 7], [517, 128, 9], [3000, 33, 70]] as const) {
    test(`${name} SIMD scan == TypeScript decode-then-distance: n ${n}, dim ${d}, ${nq} queries`, () => {
      const X = randomRows(n, d, n * 31 + d, 20), Q = randomRows(nq, d, n + d * 7, 20);
      const codec: Codec = name === 'f16' ? new F16Codec(d) : new Sq8Codec(d);
      codec.train({ kind: 'dense', data: X, rows: n, cols: d });
      const codes = new Uint8Array(n * codec.bytesPerVector);
      codec.encode(X, n, codes, 0);
      const scan = CodedScan.create(codec, codes, n);
      assert.ok(scan, 'WebAssembly SIMD is available under Node');
      const mask = new Uint8Array(n).map((_, j) => (j % 5 === 3 ? 0 : 1));
      for (const kind of ['l2', 'dot'] as const) {
        // k = n: every allowed row comes back, so every score is compared with its reference
        const heaps = Array.from({ length: nq }, () => new TopK(n));
        scan.scan(Q, nq, kind, mask, heaps, null);
        for (let i = 0; i < nq; i++) {
          const idx = new Int32Array(n).fill(-1), dist = new Float64Array(n).fill(Infinity);
          const got = heaps[i].drainSorted(idx, dist, 0);
          assert.equal(got, mask.reduce((a, b) => a + b, 0), 'every allowed row, no masked one');
          let scale = 0;
          for (let t = 0; t < d; t++) scale += Q[i * d + t] ** 2;
          for (let t = 0; t < got; t++) {
            const j = idx[t];
            assert.equal(mask[j], 1, `row ${j} is masked out`);
            const want = reference(codec, codes, j, Q, i, kind);
            // float32 accumulation: error relative to the sum of |terms| (<= (|q| + |x|)^2)
            const tol = 1e-5 * (Math.abs(want) + scale + 1) * Math.max(1, d / 16);
            assert.ok(Math.abs(dist[t] - want) <= tol, `${kind} q${i} row ${j}: ${dist[t]} vs ${want}`);
          }
        }
      }
    });
  }
}

test('brute force f16 / sq8: the SIMD path answers as the TypeScript path (KNNKIT_WASM=off)', () => {
  const X = gaussianClusters(2003, 19, 8, 5), Q = gaussianClusters(21, 19, 8, 6);
  for (const codec of ['f16', 'sq8']) {
    for (const metric of ['euclidean', 'cosine', 'inner_product']) {
      const simd = createIndex('brute', X, { codec, metric });
      setWasmMode('off');
      try {
        const ts = createIndex('brute', X, { codec, metric });
        const a = simd.search(Q, 10), b = ts.search(Q, 10);
        let same = 0;
        for (let t = 0; t < a.indices.length; t++) {
          if (a.indices[t] === b.indices[t]) same++;
          assert.ok(Math.abs(a.distances[t] - b.distances[t]) <= 1e-4 * (1 + Math.abs(b.distances[t])), `${codec} ${metric} [${t}]: ${a.distances[t]} vs ${b.distances[t]}`);
        }
        // order may swap only between near-equal distances (float32 vs float64 sums)
        assert.ok(same >= 0.97 * a.indices.length, `${codec} ${metric}: ${same} / ${a.indices.length} same positions`);
      } finally { setWasmMode(undefined); }
    }
  }
});
