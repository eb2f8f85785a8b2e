import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopK } from '../../src/core/topk.js';
import { Rng } from '../../src/core/rng.js';

test('TopK keeps the k smallest (distance, index) pairs, ties by lower index', () => {
  const rng = new Rng(1);
  for (let trial = 0; trial < 200; trial++) {
    const n = 1 + rng.int(60);
    const k = 1 + rng.int(12);
    const d = Array.from({ length: n }, () => rng.int(8)); // many ties
    const heap = new TopK(k);
    const order = rng.permutation(n);
    for (const i of order) heap.push(d[i], i);
    const idx = new Int32Array(k), dist = new Float64Array(k);
    const m = heap.drainSorted(idx, dist);
    const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[a] - d[b] || a - b).slice(0, k);
    assert.equal(m, Math.min(k, n));
    assert.deepEqual(Array.from(idx.subarray(0, m)), expected);
  }
});

test('Rng is deterministic for a seed and differs across seeds', () => {
  const a = new Rng(42), b = new Rng(42), c = new Rng(43);
  const xa = Array.from({ length: 5 }, () => a.nextUint32());
  const xb = Array.from({ length: 5 }, () => b.nextUint32());
  const xc = Array.from({ length: 5 }, () => c.nextUint32());
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
  for (let i = 0; i < 1000; i++) { const u = a.random(); assert.ok(u >= 0 && u < 1); }
});
