import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { KMeans, trainCentroids, trainCentroidsLabelled, nearestOf } from '../../src/learn/kmeans.js';
import { assignNearest } from '../../src/learn/kmeans-kernel.js';
import { YinyangAssigner } from '../../src/learn/kmeans-yinyang.js';
import { KnnkitError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { gaussianClusters } from '../helpers/data.js';
import { closeSharedPool } from '../../src/parallel/pool.js';

after(() => closeSharedPool());

type M = { data: Float32Array; rows: number; cols: number };

function same(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${what}: element ${i}: ${a[i]} vs ${b[i]}`);
}

function uniform(n: number, d: number, seed: number): M {
  const r = new Rng(seed);
  return { data: Float32Array.from({ length: n * d }, () => r.random() * 10 - 5), rows: n, cols: d };
}

/** Rows drawn from a few distinct rows (many exact ties between rows and between scores). */
function duplicates(n: number, d: number, distinct: number, seed: number): M {
  const base = gaussianClusters(distinct, d, 3, seed, 1, true), r = new Rng(seed + 1);
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) { const s = r.int(distinct); data.set(base.data.subarray(s * d, s * d + d), i * d); }
  return { data, rows: n, cols: d };
}

function firstRows(X: M, k: number): M {
  return { data: X.data.slice(0, k * X.cols), rows: k, cols: X.cols };
}

/** Lloyd and Yinyang from the same initial centres: the same labels, centres, inertia, iterations, objective and repairs. */
function compare(X: M, init: M, k: number, what: string, maxIter = 40): KMeans {
  const opts = { nClusters: k, init, maxIter, tol: 0, threads: 1, maxPointsPerCentroid: Infinity };
  const plain = new KMeans({ ...opts, algorithm: 'lloyd' }).fit(X);
  const fast = new KMeans({ ...opts, algorithm: 'yinyang' }).fit(X);
  same(fast.labels, plain.labels, `${what}: labels`);
  same(fast.clusterCenters.data, plain.clusterCenters.data, `${what}: centres`);
  assert.ok(Math.abs(fast.inertia - plain.inertia) <= 1e-6 * plain.inertia, `${what}: inertia ${fast.inertia} vs ${plain.inertia}`);
  assert.equal(fast.nIter, plain.nIter, `${what}: iterations`);
  assert.equal(fast.repairs, plain.repairs, `${what}: repairs`);
  same(fast.objective, plain.objective, `${what}: objective`);
  return plain;
}

test('Yinyang k-means gives plain Lloyd\'s labels, centres and inertia from the same initial centres', () => {
  const clustered = gaussianClusters(6000, 32, 40, 3);
  compare(clustered, firstRows(clustered, 200), 200, 'clustered, k 200');
  const wide = gaussianClusters(3000, 128, 20, 4, 2);
  compare(wide, firstRows(wide, 128), 128, 'clustered d 128');
  const u = uniform(4000, 16, 7);
  compare(u, firstRows(u, 100), 100, 'uniform');
  const dup = duplicates(3000, 8, 150, 11);
  // random rows of a duplicated set: equal initial centres, hence empty clusters and ties
  const r = new Rng(2), init = new Float32Array(90 * 8);
  for (let j = 0; j < 90; j++) { const s = r.int(dup.rows); init.set(dup.data.subarray(s * 8, s * 8 + 8), j * 8); }
  const p = compare(dup, { data: init, rows: 90, cols: 8 }, 90, 'duplicates');
  assert.ok(p.repairs > 0, 'the duplicates case repairs empty clusters');
  const near = gaussianClusters(300, 24, 30, 9);
  compare(near, firstRows(near, 280), 280, 'k close to n');
  const ints = gaussianClusters(4000, 16, 30, 13, 1, true);
  compare(ints, firstRows(ints, 150), 150, 'integer rows (exact score ties)');
  // far from the origin: float32 scores ||c||^2 - 2 <x, c> err by about the gaps between
  // centres, so the bounds must allow for that error to keep the tile kernel's labels (spread 1:
  // bounded passes that pick other labels when the error is left out; spread 3: a first pass
  // over the threshold runs the full pass, whose labels the bounded passes after it keep)
  for (const spread of [1, 3]) {
    const far = gaussianClusters(4000, 16, 30, 19, spread);
    for (let i = 0; i < far.data.length; i++) far.data[i] += 1000;
    compare(far, firstRows(far, 120), 120, `far from the origin, spread ${spread}`);
  }
});

test('Yinyang assignment: the tile kernel\'s labels pass after pass, scoring a small fraction of the centres once the centres settle', () => {
  const n = 20_000, d = 64, k = 256;
  const X = gaussianClusters(n, d, 60, 21);
  const c = X.data.slice(0, k * d);
  const y = YinyangAssigner.create(X.data, n, d, k, (cc) => assignNearest(X.data, n, d, cc, k));
  if (!y) return; // WebAssembly off: KMeans runs plain Lloyd
  for (let pass = 0; pass < 8; pass++) {
    const ref = assignNearest(X.data, n, d, c, k);
    same(y.assign(c), ref, `pass ${pass}`);
    const sums = new Float64Array(k * d), cnt = new Float64Array(k);
    for (let i = 0; i < n; i++) { cnt[ref[i]]++; for (let t = 0; t < d; t++) sums[ref[i] * d + t] += X.data[i * d + t]; }
    for (let j = 0; j < k; j++) if (cnt[j] > 0) for (let t = 0; t < d; t++) c[j * d + t] = sums[j * d + t] / cnt[j];
  }
  const last = y.passes[y.passes.length - 1];
  assert.ok(last.scored < 0.2 * n * k, `last pass scored ${last.scored} of ${n * k}`);
});

test('trainCentroids: the same centroids with algorithm lloyd, yinyang and auto', () => {
  const X = gaussianClusters(5000, 32, 50, 17);
  const a = trainCentroids(X, 128, { niter: 10, seed: 1, algorithm: 'lloyd' });
  // (auto: yinyang here, k >= 64 and d >= 32)
  same(trainCentroids(X, 128, { niter: 10, seed: 1, algorithm: 'yinyang' }), a, 'yinyang');
  same(trainCentroids(X, 128, { niter: 10, seed: 1 }), a, 'auto');
});

test('trainCentroidsLabelled: the final centres\' labels of the training rows are nearestOf\'s; null when a sample was drawn', () => {
  const X = gaussianClusters(6000, 48, 40, 23);
  for (const algorithm of ['lloyd', 'yinyang'] as const) {
    const r = trainCentroidsLabelled(X, 100, { niter: 6, seed: 3, algorithm });
    same(r.labels!, nearestOf(X, r.centers, 100), `${algorithm}: labels`);
    same(r.centers, trainCentroids(X, 100, { niter: 6, seed: 3, algorithm }), `${algorithm}: centres`);
  }
  assert.equal(trainCentroidsLabelled(X, 100, { niter: 6, seed: 3, maxPointsPerCentroid: 20 }).labels, null);
});

test('Yinyang KMeans on 2 threads: the one-thread result (bounded passes, and full passes on the pool where the bounds give up)', () => {
  const clustered = gaussianClusters(20_000, 64, 50, 29), u = uniform(20_000, 32, 31);
  for (const [X, k, what] of [[clustered, 160, 'clustered'], [u, 100, 'uniform']] as const) {
    const opts = { nClusters: k, init: firstRows(X, k), maxIter: 8, tol: 0, maxPointsPerCentroid: Infinity, algorithm: 'yinyang' as const };
    const one = new KMeans({ ...opts, threads: 1 }).fit(X), two = new KMeans({ ...opts, threads: 2 }).fit(X);
    same(two.labels, one.labels, `${what}: labels`);
    same(two.clusterCenters.data, one.clusterCenters.data, `${what}: centres`);
    same(one.labels, new KMeans({ ...opts, algorithm: 'lloyd', threads: 2 }).fit(X).labels, `${what}: lloyd labels`);
  }
});

test('KMeans: a bad algorithm is a KnnkitError naming it', () => {
  assert.throws(() => new KMeans({ algorithm: 'elkan' as never }), (e: unknown) => e instanceof KnnkitError && /algorithm/.test((e as Error).message) && /elkan/.test((e as Error).message));
});
