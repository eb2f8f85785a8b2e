import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import { closeSharedPool } from '../../src/parallel/pool.js';
import { resolveMetric } from '../../src/metrics/registry.js';
import { gaussianClusters } from '../helpers/data.js';
import { assertSameResult, toCsr } from './brute-force-helpers.js';

// searchAsync runs the same engine on worker threads over the shared base vectors: the result
// must be identical to search, for every path (dot / scalar / sparse, filters, clamping).

after(() => closeSharedPool());

test('searchAsync (2 threads) == search: dense dot and scalar metrics, filter, k > n', async () => {
  const data = gaussianClusters(900, 24, 8, 61);
  const q = gaussianClusters(70, 24, 8, 62);
  for (const metric of ['euclidean', 'cosine', 'ip', 'manhattan', { name: 'minkowski', p: 3 }, 'mahalanobis']) {
    const bf = new BruteForce(data, { metric });
    for (const k of [1, 10]) assertSameResult(await bf.searchAsync(q, k, { threads: 2 }), bf.search(q, k), `async ${JSON.stringify(metric)} k=${k}`);
  }
  const bf = new BruteForce(data);
  const f = (j: number) => j % 3 !== 0;
  assertSameResult(await bf.searchAsync(q, 5, { threads: 2, filter: f }), bf.search(q, 5, { filter: f }), 'async filter');
  const small = new BruteForce(gaussianClusters(6, 24, 2, 3));
  assertSameResult(await small.searchAsync(q, 50, { threads: 2 }), small.search(q, 50), 'async clamp');
  // a second call reuses the workers' engines
  assertSameResult(await bf.searchAsync(q, 3), bf.search(q, 3), 'async default threads');
});

test('searchAsync on sparse data, on the TS path, and with a metric object that stays in-thread', async () => {
  const data = gaussianClusters(300, 20, 4, 71, 1, true);
  for (let i = 0; i < data.data.length; i += 3) data.data[i] = 0;
  const S = toCsr(data);
  const sp = new BruteForce(S, { metric: 'cosine' });
  const q = toCsr({ ...data, data: data.data.subarray(0, 40 * 20), rows: 40 });
  assertSameResult(await sp.searchAsync(q, 7, { threads: 2 }), sp.search(q, 7), 'async sparse');
  const ts = new BruteForce(data, { wasm: false });
  const qd = gaussianClusters(33, 20, 4, 72);
  assertSameResult(await ts.searchAsync(qd, 4, { threads: 2 }), ts.search(qd, 4), 'async ts path');
  const custom = { ...resolveMetric('manhattan'), name: 'my-l1' };
  const cb = new BruteForce(data, { metric: custom });
  assertSameResult(await cb.searchAsync(qd, 4, { threads: 2 }), cb.search(qd, 4), 'async custom metric');
});
