import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { KMeans } from '../../src/learn/index.js';
import { assignNearest, nearestOf, trainCentroids } from '../../src/learn/kmeans.js';
import { ParallelAssigner, MIN_PARALLEL_WORK, parallelStats } from '../../src/learn/kmeans-parallel.js';
import { createIndex } from '../../src/index/api.js';
import { KnnkitError } from '../../src/core/errors.js';
import { closeSharedPool } from '../../src/parallel/pool.js';
import { gaussianClusters } from '../helpers/data.js';

after(() => closeSharedPool());

// n k d above MIN_PARALLEL_WORK, so that threads > 1 really hands chunks to a worker
const X = gaussianClusters(9_001, 24, 30, 5);
const K = 96;

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${what}: element ${i}: ${a[i]} vs ${b[i]}`);
}

test('k-means assignment on 2 and 3 threads: the labels of one thread, row for row, over repeated passes and alternating assigners', async () => {
  assert.ok(X.rows * K * X.cols >= MIN_PARALLEL_WORK);
  // until a worker has taken chunks (its thread and module start while this one works alone),
  // so that the comparisons below cover chunks assigned by workers
  const big = gaussianClusters(40_000, 32, 30, 7), CB = big.data.subarray(0, 256 * 32);
  for (let i = 0; i < 50 && parallelStats.workerChunks === 0; i++) {
    ParallelAssigner.create(big.data, big.rows, big.cols, 256, 2)!.assign(CB);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(parallelStats.workerChunks > 0, 'a worker took part');
  const a = ParallelAssigner.create(X.data, X.rows, X.cols, K, 2)!;
  const b = ParallelAssigner.create(X.data, X.rows, X.cols, 50, 3)!;
  for (let pass = 0; pass < 4; pass++) {
    const C = gaussianClusters(K, X.cols, 10, 100 + pass).data;
    sameArray(a.assign(C), assignNearest(X.data, X.rows, X.cols, C, K), `pass ${pass}, k ${K}`);
    // another assigner in between: the shared rows and the workers' centres are switched
    const C2 = C.subarray(0, 50 * X.cols);
    sameArray(b.assign(C2), assignNearest(X.data, X.rows, X.cols, C2, 50), `pass ${pass}, k 50`);
  }
  sameArray(nearestOf(X, X.data.subarray(0, K * X.cols), K, 2), assignNearest(X.data, X.rows, X.cols, X.data.subarray(0, K * X.cols), K), 'nearestOf');
});

test('KMeans with threads 1, 2 and 4: bit-identical centres, labels, inertia and objective', () => {
  const fits = [1, 2, 4].map((threads) => new KMeans({ nClusters: K, init: 'random', nInit: 2, maxIter: 15, seed: 3, threads }).fit(X));
  for (const f of fits.slice(1)) {
    sameArray(f.clusterCenters.data, fits[0].clusterCenters.data, `centres, threads ${f.threads}`);
    sameArray(f.labels, fits[0].labels, `labels, threads ${f.threads}`);
    assert.equal(f.inertia, fits[0].inertia);
    sameArray(f.objective, fits[0].objective, 'objective');
  }
  // FAISS-style training, as the IVF coarse quantiser runs it
  const t1 = trainCentroids(X, K, { niter: 10, seed: 1234, threads: 1 });
  const t2 = trainCentroids(X, K, { niter: 10, seed: 1234, threads: 2 });
  sameArray(t2, t1, 'trainCentroids');
});

test('ivf-flat and ivf-pq built with threads 1 and 2 are the same index (centroids, lists, answers)', () => {
  for (const family of ['ivf-flat', 'ivf-pq']) {
    const opts = family === 'ivf-pq' ? { nlist: 96, m: 8 } : { nlist: 96 }; // n nlist d above MIN_PARALLEL_WORK
    const one = createIndex(family, X, { ...opts, threads: 1 });
    const two = createIndex(family, X, { ...opts, threads: 2 });
    const Q = gaussianClusters(200, X.cols, 30, 6);
    const r1 = one.search(Q, 10, { nprobe: 8 }), r2 = two.search(Q, 10, { nprobe: 8 });
    sameArray(r2.indices, r1.indices, `${family} ids`);
    sameArray(r2.distances, r1.distances, `${family} distances`);
    const core1 = (one as unknown as { core: { coarse: { centroids: Float32Array } } }).core, core2 = (two as unknown as { core: { coarse: { centroids: Float32Array } } }).core;
    sameArray(core2.coarse.centroids, core1.coarse.centroids, `${family} centroids`);
  }
});

test('threads: bad values are refused naming the parameter', () => {
  assert.throws(() => new KMeans({ threads: 0 }), (e: unknown) => e instanceof KnnkitError && /threads/.test(e.message));
  assert.throws(() => new KMeans({ threads: 1.5 }), (e: unknown) => e instanceof KnnkitError && /threads/.test(e.message));
  assert.throws(() => createIndex('ivf-flat', X, { nlist: 16, threads: 0 }), (e: unknown) => e instanceof KnnkitError && /threads/.test(e.message));
});
