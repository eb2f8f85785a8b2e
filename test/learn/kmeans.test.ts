import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KMeans } from '../../src/learn/index.js';
import { KnnkitError } from '../../src/core/errors.js';
import { gaussianClusters } from '../helpers/data.js';

interface Case { n: number; d: number; k: number; X: number[]; init: number[]; sklearnInertia: number; faissInertia: number; sklearnPlusPlusInertia: number }
const fixture = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'kmeans-sklearn.json'), 'utf8')) as { cases: Case[] };

/** Direct computation: sum over rows of the squared distance to the nearest centre. */
function directInertia(X: Float32Array, n: number, d: number, C: Float32Array, k: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let j = 0; j < k; j++) {
      let v = 0;
      for (let t = 0; t < d; t++) { const e = X[i * d + t] - C[j * d + t]; v += e * e; }
      best = Math.min(best, v);
    }
    s += best;
  }
  return s;
}

test('KMeans from the same initial centres reaches scikit-learn\'s and FAISS\'s inertia (within 1e-4 relative)', () => {
  for (const c of fixture.cases) {
    const X = { data: Float32Array.from(c.X), rows: c.n, cols: c.d };
    const km = new KMeans({ nClusters: c.k, init: { data: Float32Array.from(c.init), rows: c.k, cols: c.d } }).fit(X);
    assert.ok(Math.abs(km.inertia - c.sklearnInertia) <= 1e-4 * c.sklearnInertia, `n=${c.n}: ${km.inertia} vs scikit-learn ${c.sklearnInertia}`);
    assert.ok(Math.abs(km.inertia - c.faissInertia) <= 1e-4 * c.faissInertia, `n=${c.n}: ${km.inertia} vs FAISS ${c.faissInertia}`);
    assert.ok(Math.abs(km.inertia - directInertia(X.data, c.n, c.d, km.clusterCenters.data, c.k)) <= 1e-9 * km.inertia);
  }
});

test('KMeans k-means++ (nInit 10) lands within 1 % of scikit-learn\'s k-means++ inertia', () => {
  for (const c of fixture.cases) {
    const km = new KMeans({ nClusters: c.k, nInit: 10, seed: 1 }).fit({ data: Float32Array.from(c.X), rows: c.n, cols: c.d });
    assert.ok(km.inertia <= c.sklearnPlusPlusInertia * 1.01, `n=${c.n}: ${km.inertia} vs scikit-learn ${c.sklearnPlusPlusInertia}`);
  }
});

test('KMeans: the Lloyd objective never increases; labels, predict and inertia agree', () => {
  const X = gaussianClusters(3000, 12, 25, 5, 2);
  for (const init of ['k-means++', 'random'] as const) {
    const km = new KMeans({ nClusters: 20, init, nInit: 1, seed: 9 }).fit(X);
    assert.equal(km.repairs, 0);
    const obj = km.objective;
    assert.ok(obj.length >= 2);
    for (let i = 1; i < obj.length; i++) assert.ok(obj[i] <= obj[i - 1] * (1 + 1e-12), `${init}: objective rose at iteration ${i}: ${obj[i - 1]} -> ${obj[i]}`);
    assert.deepEqual(Array.from(km.predict(X)), Array.from(km.labels));
    assert.ok(Math.abs(km.inertia - directInertia(X.data, X.rows, X.cols, km.clusterCenters.data, 20)) <= 1e-9 * km.inertia);
    // each label is the nearest centre
    const C = km.clusterCenters.data, d = 12;
    for (let i = 0; i < 200; i++) {
      const own = km.labels[i];
      const dist = (j: number) => { let v = 0; for (let t = 0; t < d; t++) { const e = X.data[i * d + t] - C[j * d + t]; v += e * e; } return v; };
      for (let j = 0; j < 20; j++) assert.ok(dist(own) <= dist(j));
    }
  }
  // same seed, same centres
  const a = new KMeans({ nClusters: 7, seed: 4 }).fit(X).clusterCenters.data;
  const b = new KMeans({ nClusters: 7, seed: 4 }).fit(X).clusterCenters.data;
  assert.deepEqual(Array.from(a), Array.from(b));
});

test('KMeans: training on at most maxPointsPerCentroid * k rows; every row still labelled', () => {
  const X = gaussianClusters(5000, 8, 10, 2);
  const km = new KMeans({ nClusters: 10, maxPointsPerCentroid: 39, seed: 2 }).fit(X);
  assert.equal(km.labels.length, 5000);
  // the training objective is over the 390 sampled rows: well below the inertia over 5000 rows
  assert.ok(km.objective[km.objective.length - 1] < km.inertia * (390 / 5000) * 1.5);
  assert.ok(km.objective[km.objective.length - 1] > km.inertia * (390 / 5000) * 0.5);
});

test('KMeans: empty clusters are repaired by splitting a large one (FAISS)', () => {
  // 3 distinct points repeated, 5 clusters, init puts 3 centres far away: they start empty
  const rows: number[][] = [];
  for (let i = 0; i < 60; i++) rows.push([i % 3, (i % 3) * 2 + (i % 7) * 0.01]);
  const init = [[0, 0], [1, 2], [100, 100], [200, 200], [300, 300]];
  const km = new KMeans({ nClusters: 5, init, maxIter: 50 }).fit(rows);
  assert.ok(km.repairs >= 3);
  const used = new Set(km.labels);
  assert.ok(used.size >= 4, `clusters in use ${used.size}`);
  for (const v of km.clusterCenters.data) assert.ok(Math.abs(v) < 10);
});

test('KMeans: bad parameters get a KnnkitError naming them', () => {
  const X = gaussianClusters(20, 3, 2, 1);
  assert.throws(() => new KMeans({ nClusters: 0 }), (e: unknown) => e instanceof KnnkitError && /nClusters/.test(e.message));
  assert.throws(() => new KMeans({ nClusters: 30 }).fit(X), (e: unknown) => e instanceof KnnkitError && /nClusters/.test(e.message));
  assert.throws(() => new KMeans({ init: 'kmeans' as never }), (e: unknown) => e instanceof KnnkitError && /init/.test(e.message));
  assert.throws(() => new KMeans({ maxPointsPerCentroid: 0 }), (e: unknown) => e instanceof KnnkitError && /maxPointsPerCentroid/.test(e.message));
  assert.throws(() => new KMeans({ nClusters: 2, init: [[1, 2, 3]] }).fit(X), (e: unknown) => e instanceof KnnkitError && /init/.test(e.message));
  assert.throws(() => new KMeans().predict(X), (e: unknown) => e instanceof KnnkitError && /fit/.test(e.message));
});
