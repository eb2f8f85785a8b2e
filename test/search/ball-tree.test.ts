import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BallTree } from '../../src/search/ball-tree/ball-tree.js';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import { resolveMetric } from '../../src/metrics/registry.js';
import { Rng } from '../../src/core/rng.js';
import { gaussianClusters } from '../helpers/data.js';

type Internals = { tree: { nNodes: number; nodeStart: Int32Array; nodeEnd: Int32Array; perm: Int32Array }; centers: Float64Array; radii: Float64Array };

test('every node ball holds all of its points (radius = max distance to the centre)', () => {
  const X = gaussianClusters(600, 4, 3, 5, 1, true);
  for (const metric of ['euclidean', 'manhattan', 'chebyshev', 'hamming', 'mahalanobis']) {
    const bt = new BallTree(X, { metric, leafSize: 6 });
    const t = bt as unknown as Internals;
    const m = bt.metric;
    for (let node = 0; node < t.tree.nNodes; node++) {
      let max = 0;
      for (let p = t.tree.nodeStart[node]; p < t.tree.nodeEnd[node]; p++) {
        max = Math.max(max, m.distance(t.centers, node * 4, X.data, t.tree.perm[p] * 4, 4));
      }
      assert.equal(t.radii[node], max, `${metric} node ${node}`);
    }
  }
});

test('hamming on binary data: the median centre gives balls much smaller than the mean would', () => {
  const rng = new Rng(8);
  const n = 800, d = 40;
  const data = new Float32Array(n * d);
  // two prototypes with 10 % noise
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = ((i % 2 === 0 ? j % 2 : (j >> 2) % 2) ^ (rng.random() < 0.1 ? 1 : 0));
  const X = { kind: 'dense' as const, data, rows: n, cols: d };
  const bt = new BallTree(X, { metric: 'hamming', leafSize: 20 });
  const t = bt as unknown as Internals;
  assert.ok(t.radii[1] < 0.6 && t.radii[2] < 0.6, `child radii ${t.radii[1]}, ${t.radii[2]}`);
  const Q = { kind: 'dense' as const, data: data.slice(0, 20 * d), rows: 20, cols: d };
  const a = bt.search(Q, 10), b = new BruteForce(X, { metric: 'hamming' }).search(Q, 10);
  assert.deepEqual(Array.from(a.indices), Array.from(b.indices));
  assert.deepEqual(Array.from(a.distances), Array.from(b.distances));
});

test('mahalanobis: fitted from data or given as VI, both exact', () => {
  const X = gaussianClusters(500, 3, 4, 12);
  const Q = gaussianClusters(25, 3, 4, 13);
  const VI = [2, 0.5, 0, 0.5, 1, 0.2, 0, 0.2, 3];
  for (const metric of ['mahalanobis', { name: 'mahalanobis', VI }]) {
    const bt = new BallTree(X, { metric, leafSize: 5 }), bf = new BruteForce(X, { metric });
    for (const k of [1, 7]) {
      const a = bt.search(Q, k), b = bf.search(Q, k);
      assert.deepEqual(Array.from(a.indices), Array.from(b.indices));
      assert.deepEqual(Array.from(a.distances), Array.from(b.distances));
    }
  }
  assert.equal(new BallTree(X, { metric: { name: 'mahalanobis', VI } }).metric.name, 'mahalanobis');
  assert.deepEqual(resolveMetric({ name: 'mahalanobis', VI }).params.VI, VI);
});

test('BallTree: metadata and memory', () => {
  const X = gaussianClusters(1000, 5, 3, 1);
  const bt = new BallTree(X, { leafSize: 20 });
  assert.equal(bt.kind, 'ball-tree'); assert.equal(bt.exact, true); assert.equal(bt.size, 1000); assert.equal(bt.dim, 5);
  assert.equal(bt.leafSize, 20); assert.equal(new BallTree(X).leafSize, 40);
  const nodes = 2 ** 6 - 1, internal = 2 ** 5 - 1;
  // rows + permutation + node ranges + split axis/value + a centre (doubles) and a radius per node
  assert.equal(bt.memoryUsage(), 1000 * 5 * 4 + 1000 * 4 + nodes * 8 + internal * 12 + nodes * 5 * 8 + nodes * 8);
});
