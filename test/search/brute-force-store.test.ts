import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import { DotScanner, SHARED_MAX_BYTES } from '../../src/search/brute-force/dot-scanner.js';
import { closeSharedPool } from '../../src/parallel/pool.js';
import { resolveMetric } from '../../src/metrics/registry.js';
import { loadEmbedded } from '../../src/wasm/loader.js';
import * as bruteShared from '../../src/wasm/generated/brute_shared.js';
import { gaussianClusters } from '../helpers/data.js';
import { referenceSearch, referenceRadius, assertSameResult, assertSameRadius } from './brute-force-helpers.js';

// Large bases (panels over SHARED_MAX_BYTES) live once, in a panel store: WebAssembly memory in
// the packed layout that searchAsync's workers share. Rows are read back from the panels, so
// search, radius, getVector and the worker threads must all still give the scalar reference.

after(() => closeSharedPool());

const wasm = loadEmbedded('brute_shared', bruteShared) !== null;
const skip = wasm ? false : 'no shared WebAssembly SIMD memory in this engine';
// ~8,100 x 131: panels just above SHARED_MAX_BYTES (4 MiB); n and d odd (a padded last panel)
const D = 131, N = Math.floor(SHARED_MAX_BYTES / (4 * D)) + 101;

test('a large base is held once, in the panel store: search, filter, radius and getVector equal the reference', { skip }, () => {
  assert.equal(DotScanner.small(N, D), false);
  const data = gaussianClusters(N, D, 9, 71);
  const q = gaussianClusters(23, D, 9, 72);
  for (const name of ['euclidean', 'sqeuclidean', 'cosine', 'ip', 'manhattan', 'chebyshev']) {
    const m = resolveMetric(name);
    const bf = new BruteForce(data, { metric: name });
    assert.ok(bf.internals.core.scanner?.store, `${name}: a store`);
    assert.equal(bf.internals.data.kind === 'dense' && bf.internals.data.data.length, 0, `${name}: the input rows are not kept`);
    for (const k of [1, 10, 60]) assertSameResult(bf.search(q, k), referenceSearch(data, q, k, m), `${name} k=${k}`);
    const odd = (j: number) => j % 2 === 1;
    assertSameResult(bf.search(q, 7, { filter: odd }), referenceSearch(data, q, 7, m, odd), `${name} filtered`);
    if (name === 'ip') continue; // (inner-product "distances" are negative here: no radius)
    const r = bf.search(q, 5).distances[4]; // a radius that catches a handful of rows
    assertSameRadius(bf.radiusSearch(q, r), referenceRadius(data, q, r, m), `${name} radius`);
  }
  const bf = new BruteForce(data);
  for (const j of [0, 7, 8, 1000, N - 1]) assert.deepEqual(bf.getVector(j), data.data.slice(j * D, (j + 1) * D), `row ${j}`);
  assert.throws(() => bf.getVector(N), /j/);
  // one copy: the store is the rows (N x D floats) plus 12 bytes of row terms per row and scratch
  const rowBytes = N * D * 4;
  assert.ok(bf.memoryUsage() < rowBytes * 1.25 + (1 << 20), `memoryUsage ${bf.memoryUsage()} for ${rowBytes} bytes of rows`);
  assert.ok(bf.memoryUsage() >= rowBytes, 'the panels are counted');
});

test('fromRows writes the rows straight into the store and equals new BruteForce; small and TS bases too', { skip }, () => {
  const data = gaussianClusters(N, D, 9, 73);
  const q = gaussianClusters(17, D, 9, 74);
  let seen: Float32Array | undefined;
  const a = BruteForce.fromRows(N, D, (out) => { seen = out; assert.equal(out.length, N * D); out.set(data.data); });
  assert.ok(seen!.buffer instanceof SharedArrayBuffer, 'written into the shared memory');
  assert.ok(a.internals.core.scanner?.store, 'a store');
  assertSameResult(a.search(q, 10), referenceSearch(data, q, 10, resolveMetric('euclidean')), 'fromRows');
  assert.deepEqual(a.getVector(N - 1), data.data.slice((N - 1) * D));
  // small base (process-wide instance), TS path, a metric without a kernel (rows copied out)
  const small = gaussianClusters(40, 6, 3, 75), qs = gaussianClusters(5, 6, 3, 76);
  assertSameResult(BruteForce.fromRows(40, 6, (o) => o.set(small.data)).search(qs, 3), referenceSearch(small, qs, 3, resolveMetric('euclidean')), 'small');
  const ts = BruteForce.fromRows(N, D, (o) => o.set(data.data), { wasm: false });
  assert.equal(ts.kernelPath, 'ts');
  assertSameResult(ts.search(q, 4), a.search(q, 4), 'ts');
  const mink = BruteForce.fromRows(N, D, (o) => o.set(data.data), { metric: { name: 'minkowski', p: 3 } });
  assert.equal(mink.kernelPath, 'scalar');
  assertSameResult(mink.search(q, 3), referenceSearch(data, q, 3, resolveMetric({ name: 'minkowski', p: 3 })), 'scalar path from a store');
  assert.deepEqual(mink.getVector(5), data.data.slice(5 * D, 6 * D));
  assert.throws(() => BruteForce.fromRows(0, D, () => undefined), /rows/);
  assert.throws(() => BruteForce.fromRows(3, 1.5, () => undefined), /cols/);
});

test('searchAsync on a store: workers attach to the same memory (no copy) and equal search, with ties and filters', { skip }, async () => {
  const data = gaussianClusters(N, D, 9, 77, 1, true); // integer rows: many exact ties
  for (let j = 0; j < 300; j++) data.data.copyWithin((1000 + j) * D, 5 * D, 6 * D); // 300 duplicates of row 5
  const q = gaussianClusters(41, D, 9, 78, 1, true);
  q.data.set(data.data.subarray(5 * D, 6 * D), 0); // query 0 = the duplicated row: its list overflows
  for (const name of ['euclidean', 'cosine', 'manhattan', 'hamming']) {
    const bf = new BruteForce(data, { metric: name });
    const m = resolveMetric(name);
    const before = bf.memoryUsage();
    for (const k of [1, 12]) {
      const want = referenceSearch(data, q, k, m);
      assertSameResult(bf.search(q, k), want, `${name} k=${k}`);
      assertSameResult(await bf.searchAsync(q, k, { threads: 2 }), want, `${name} async k=${k}`);
    }
    const f = (j: number) => j % 3 !== 0;
    assertSameResult(await bf.searchAsync(q, 5, { threads: 2, filter: f }), referenceSearch(data, q, 5, m, f), `${name} async filtered`);
    // the workers took scratch regions of the store (a few hundred KiB), not a copy of the rows each
    assert.ok(bf.memoryUsage() - before < N * D * 4, `${name}: ${bf.memoryUsage() - before} bytes more after searchAsync`);
  }
});
