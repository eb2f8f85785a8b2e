import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { emptyIndex } from '../../src/index/api.js';
import type { ManagedIndex } from '../../src/index/managed-index.js';
import type { HnswCore } from '../../src/index/hnsw/descriptor.js';
import { denseMatrix } from '../../src/core/matrix.js';
import { Rng } from '../../src/core/rng.js';
import { closeSharedPool } from '../../src/parallel/pool.js';

// HNSW's minQueriesPerThread search parameter: searchAsync normally runs batches under 64
// queries per thread in the calling thread; minQueriesPerThread 1 with threads 1 sends even one
// query to one worker thread (a server keeping its event loop free), with the same answers.

after(() => closeSharedPool());

test('searchAsync with minQueriesPerThread 1: small batches on a worker, same answers as search', async () => {
  const D = 16, N = 1500, rng = new Rng(5);
  const X = new Float32Array(N * D).map(() => rng.normal());
  for (const metric of ['cosine', 'euclidean'] as const) {
    const idx = emptyIndex('hnsw', D, { metric, M: 8, efConstruction: 64 });
    idx.add(denseMatrix(X, N, D));
    const hnsw = ((idx as ManagedIndex).core as HnswCore).hnsw;
    const blocks = () => hnsw.layout.threads;
    for (const n of [1, 3, 17]) {
      const Q = denseMatrix(X.slice(0, n * D).map((x) => x + 0.05), n, D);
      const before = blocks();
      const plain = await idx.searchAsync(Q, 5, { ef: 40 });
      assert.equal(blocks(), before, `${metric} n=${n}: without the parameter a small batch stays in this thread`);
      const off = await idx.searchAsync(Q, 5, { ef: 40, threads: 1, minQueriesPerThread: 1 });
      assert.ok(blocks() >= 2, `${metric} n=${n}: a worker's scratch block was laid out (the batch ran on a worker)`);
      const sync = idx.search(Q, 5, { ef: 40 });
      assert.deepEqual(Array.from(off.ids), Array.from(sync.ids), `${metric} n=${n} ids`);
      assert.deepEqual(Array.from(off.distances), Array.from(sync.distances), `${metric} n=${n} distances`);
      assert.deepEqual(Array.from(plain.ids), Array.from(sync.ids));
    }
    assert.throws(() => idx.search(denseMatrix(X.slice(0, D), 1, D), 5, { minQueriesPerThread: 0 }), /minQueriesPerThread/);
  }
});
