import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toHalf, fromHalf, F16Codec, Sq8Codec, BitsCodec } from '../../src/codecs/index.js';
import { KnnkitError } from '../../src/core/errors.js';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { createIndex } from '../../src/index/api.js';
import { indexFromBytes } from '../../src/index/persist.js';
import { setWasmMode } from '../../src/wasm/loader.js';
import type { SearchResult } from '../../src/search/results.js';
import { gaussianClusters } from '../helpers/data.js';

function recall(a: SearchResult, truth: SearchResult): number {
  let hit = 0;
  for (let q = 0; q < truth.nQueries; q++) {
    const t = new Set(truth.row(q).indices);
    for (const i of a.row(q).indices) if (t.has(i)) hit++;
  }
  return hit / (truth.nQueries * truth.k);
}

function binary(n: number, d: number, seed: number): DenseMatrix {
  const X = gaussianClusters(n, d, 6, seed);
  return { kind: 'dense', data: X.data.map((v) => (v > 0 ? 1 : 0)), rows: n, cols: d };
}

test('f16: exact on representable values, relative error <= 2^-11, round to nearest even, range refused', () => {
  for (const v of [0, 1, -1, 0.5, 65504, -65504, 2 ** -14, 2 ** -24, 1000.5]) assert.equal(fromHalf(toHalf(v)), v, `${v}`);
  for (let t = 0; t < 2000; t++) {
    const v = (Math.sin(t * 12.9898) * 43758.5453) % 1000;
    const f = Math.fround(v);
    assert.ok(Math.abs(fromHalf(toHalf(f)) - f) <= Math.abs(f) * 2 ** -11 + 2 ** -25, `${f}`);
  }
  assert.equal(fromHalf(toHalf(1 + 2 ** -11)), 1, 'a tie rounds to the even mantissa');
  assert.equal(fromHalf(toHalf(1 + 3 * 2 ** -11)), 1 + 2 ** -9, 'a tie rounds to the even mantissa (up)');
  const c = new F16Codec(2);
  assert.throws(() => c.encode(Float32Array.of(1, 70000), 1, new Uint8Array(4), 0), (e: unknown) => e instanceof KnnkitError && /\[0\]\[1\].*70000/.test(e.message));
});

test('sq8: trained ranges, decode error <= range / 510 inside them, clamped outside', () => {
  const X = gaussianClusters(500, 6, 3, 1);
  const c = new Sq8Codec(6);
  assert.throws(() => c.encode(X.data, 1, new Uint8Array(6), 0), /train/);
  c.train(X);
  const codes = new Uint8Array(500 * 6);
  c.encode(X.data, 500, codes, 0);
  const out = new Float32Array(6);
  for (let i = 0; i < 500; i++) {
    c.decode(codes, i, out);
    for (let j = 0; j < 6; j++) assert.ok(Math.abs(out[j] - X.data[i * 6 + j]) <= c.vdiff[j] / 510 + 1e-5);
  }
  const far = new Uint8Array(6);
  c.encode(Float32Array.from({ length: 6 }, (_, j) => c.vmin[j] - 100), 1, far, 0);
  assert.deepEqual(Array.from(far), [0, 0, 0, 0, 0, 0]);
});

test('bits: brute force over bit codes returns exactly the float32 answers (WebAssembly and TypeScript), filters too', () => {
  const X = binary(700, 75, 3), Q = binary(41, 75, 4);
  const want = createIndex('brute', X).search(Q, 7);
  for (const mode of [undefined, 'off'] as const) {
    setWasmMode(mode);
    try {
      const idx = createIndex('brute', X, { codec: 'bits' });
      assert.ok(idx.exact);
      const got = idx.search(Q, 7);
      assert.deepEqual(Array.from(got.indices), Array.from(want.indices), `mode ${mode}`);
      assert.deepEqual(Array.from(got.distances), Array.from(want.distances));
      const f = (id: number) => id % 3 === 1;
      assert.deepEqual(Array.from(idx.search(Q, 7, { filter: f }).indices), Array.from(createIndex('brute', X).search(Q, 7, { filter: f }).indices));
      assert.equal(idx.memoryUsage() >= 700 * 16, true);
    } finally {
      setWasmMode(undefined);
    }
  }
  const idx = createIndex('brute', X, { codec: 'bits', metric: 'sqeuclidean' });
  assert.throws(() => idx.search([Array(75).fill(0.5)], 1), (e: unknown) => e instanceof KnnkitError && /queries\[0\]\[0\]/.test(e.message));
  assert.throws(() => createIndex('brute', X, { codec: 'bits', metric: 'cosine' }), (e: unknown) => e instanceof KnnkitError && /metric/.test(e.message));
  assert.equal(new BitsCodec(75).bytesPerVector, 16);
});

test('f16 / sq8 brute force: high recall, refine recovers exact ranking, bytes per vector, save/load', () => {
  const X = gaussianClusters(3000, 32, 15, 5), Q = gaussianClusters(50, 32, 15, 6);
  const truth = createIndex('brute', X).search(Q, 10);
  const f16 = createIndex('brute', X, { codec: 'f16' });
  const sq8 = createIndex('brute', X, { codec: 'sq8' });
  const ref = createIndex('brute', X, { codec: 'sq8', refine: true });
  assert.ok(!f16.exact && !sq8.exact);
  const rF16 = recall(f16.search(Q, 10), truth), rSq8 = recall(sq8.search(Q, 10), truth), rRef = recall(ref.search(Q, 10, { kFactor: 4 }), truth);
  assert.ok(rF16 >= 0.99, `f16 recall ${rF16}`);
  assert.ok(rSq8 >= 0.85, `sq8 recall ${rSq8}`);
  assert.ok(rRef >= rSq8 && rRef >= 0.99, `refined recall ${rRef}`);
  // refined distances are the exact ones
  const r = ref.search(Q, 10, { kFactor: 8 });
  for (let t = 0; t < 10; t++) if (r.indices[t] === truth.indices[t]) assert.equal(r.distances[t], truth.distances[t]);
  // the SIMD scan holds the only copy of the codes; its WebAssembly memory adds query and score
  // scratch and rounds up to 64 KiB pages
  assert.ok(sq8.memoryUsage() <= 3000 * 32 + 2 * 65536, `sq8 ${sq8.memoryUsage()} bytes`);
  assert.ok(f16.memoryUsage() < 3000 * 64 + 2 * 65536, `f16 ${f16.memoryUsage()} bytes`);
  for (const idx of [f16, sq8, ref]) {
    for (const view of [false, true]) {
      const back = indexFromBytes(idx.toBytes(), { view });
      assert.deepEqual(Array.from(back.search(Q, 10).indices), Array.from(idx.search(Q, 10).indices));
    }
  }
  assert.equal(sq8.getVector(0).length, 32);
});
