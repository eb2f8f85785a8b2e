import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import { resolveMetric } from '../../src/metrics/registry.js';
import { loadEmbedded } from '../../src/wasm/loader.js';
import * as bruteWasm from '../../src/wasm/generated/brute.js';
import { gaussianClusters } from '../helpers/data.js';
import { referenceSearch, referenceRadius, assertSameResult, assertSameRadius } from './brute-force-helpers.js';

// Small bases share one WebAssembly instance and are packed into it when their search finds
// another base resident (dot-scanner.ts, SHARED_MAX_BYTES; these bases are all under 32 KiB).
// Interleaved searches over several small indexes (different n, d, metric; the larger one
// first, so that the smaller one's padding rows sit on the larger one's bytes) must each equal
// the scalar reference.

const wasm = loadEmbedded('brute', bruteWasm) !== null;

test('small indexes sharing the WebAssembly instance: interleaved searches, filters and radius equal the reference', { skip: wasm ? false : 'no WebAssembly SIMD in this engine (the TS path has no shared instance)' }, () => {
  const a = gaussianClusters(301, 19, 5, 31), b = gaussianClusters(45, 19, 3, 32, 1, true), c = gaussianClusters(203, 7, 4, 33);
  const qa = gaussianClusters(9, 19, 5, 41), qb = gaussianClusters(11, 19, 3, 42, 1, true), qc = gaussianClusters(6, 7, 4, 43);
  const l2 = resolveMetric('euclidean'), cos = resolveMetric('cosine'), l1 = resolveMetric('manhattan');
  const ia = new BruteForce(a, { metric: 'euclidean' }), ib = new BruteForce(b, { metric: 'cosine' }), ic = new BruteForce(c, { metric: 'manhattan' });
  for (const i of [ia, ib, ic]) assert.equal(i.kernelPath === 'simd' || i.kernelPath === 'relaxed', true, `kernel path ${i.kernelPath}`);
  const odd = (j: number) => j % 2 === 1;
  for (let round = 0; round < 2; round++) {
    assertSameResult(ia.search(qa, 7), referenceSearch(a, qa, 7, l2), `a, round ${round}`);
    assertSameResult(ib.search(qb, 5), referenceSearch(b, qb, 5, cos), `b, round ${round}`);
    assertSameResult(ic.search(qc, 4), referenceSearch(c, qc, 4, l1), `c, round ${round}`);
    assertSameResult(ia.search(qa, 3, { filter: odd }), referenceSearch(a, qa, 3, l2, odd), `a filtered, round ${round}`);
    assertSameResult(ib.search(qb, 3, { filter: odd }), referenceSearch(b, qb, 3, cos, odd), `b filtered, round ${round}`);
    assertSameRadius(ic.radiusSearch(qc, 9), referenceRadius(c, qc, 9, l1), `c radius, round ${round}`);
    assertSameRadius(ia.radiusSearch(qa, 12), referenceRadius(a, qa, 12, l2), `a radius, round ${round}`);
    // the same index twice in a row (no repack) after another one
    assertSameResult(ib.search(qb, 45), referenceSearch(b, qb, 45, cos), `b all rows, round ${round}`);
    assertSameResult(ib.search(qb, 2), referenceSearch(b, qb, 2, cos), `b again, round ${round}`);
  }
});
