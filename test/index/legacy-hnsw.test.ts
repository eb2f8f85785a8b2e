// Files written by the HNSW format of earlier releases (KNNKHNSW, versions 1 and 2) load through
// the contract's loader as "hnsw" indexes with the same answers and ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HnswIndex } from '../../src/search/hnsw/hnsw-index.js';
import { indexFromBytes, describeBytes } from '../../src/index/persist.js';
import { KnnkitError } from '../../src/core/errors.js';
import { gaussianClusters } from '../helpers/data.js';

test('a legacy HNSW file (format 2) loads as an hnsw index: same neighbours, same ids, removals kept', () => {
  const X = gaussianClusters(400, 12, 4, 1), Q = gaussianClusters(20, 12, 4, 2);
  const h = HnswIndex.build(X, { seed: 4 });
  h.remove(7); h.remove(100);
  const want = h.search(Q, 5, { ef: 40 });
  const bytes = h.toBytes();
  const idx = indexFromBytes(bytes);
  assert.equal(idx.kind, 'hnsw');
  assert.equal(idx.size, 398);
  assert.ok(!idx.has(7) && idx.has(8));
  const got = idx.search(Q, 5, { ef: 40 });
  assert.deepEqual(Array.from(got.indices), Array.from(want.indices));
  assert.deepEqual(Array.from(got.distances), Array.from(want.distances));
  assert.equal(describeBytes(bytes).formatVersion, 'legacy');
  // a re-save uses the envelope and keeps everything
  const again = indexFromBytes(idx.toBytes());
  assert.deepEqual(Array.from(again.search(Q, 5, { ef: 40 }).indices), Array.from(want.indices));
  // explicit negative ids of the old format cannot become contract ids
  const neg = new HnswIndex(12);
  neg.add(X, Int32Array.from({ length: 400 }, (_, i) => -2 - i));
  assert.throws(() => indexFromBytes(neg.toBytes()), (e: unknown) => e instanceof KnnkitError && /negative id/.test(e.message));
});

test('index bytes in a Node Buffer at any offset (a pooled, misaligned view) load, legacy and envelope', async () => {
  const { createIndex } = await import('../../src/index/api.js');
  const X = gaussianClusters(300, 8, 3, 1);
  const legacy = Buffer.concat([Buffer.alloc(7), Buffer.from(HnswIndex.build(X).toBytes())]).subarray(7);
  assert.equal(indexFromBytes(legacy).size, 300);
  assert.equal(HnswIndex.fromBytes(legacy).size, 300);
  for (const family of ['hnsw', 'brute', 'ivf-flat']) {
    const env = Buffer.concat([Buffer.alloc(3), Buffer.from(createIndex(family, X).toBytes())]).subarray(3);
    assert.equal(indexFromBytes(env).size, 300, family);
    assert.equal(indexFromBytes(env, { view: true }).size, 300, family);
  }
});
