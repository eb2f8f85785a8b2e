import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KDTree } from '../../src/search/kd-tree/kd-tree.js';
import { buildLayout, treeLevels } from '../../src/search/tree/layout.js';
import { nthElement } from '../../src/search/tree/select.js';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import { Rng } from '../../src/core/rng.js';
import { TopK } from '../../src/core/topk.js';
import { SortedTopK } from '../../src/search/tree/sorted-topk.js';
import { gaussianClusters } from '../helpers/data.js';

test('nthElement partitions around the k-th element, with many duplicates too', () => {
  const rng = new Rng(3);
  for (const distinct of [1000, 3, 1]) {
    for (const n of [1, 2, 7, 100, 1001]) {
      const keys = Float64Array.from({ length: n }, () => rng.int(distinct));
      const perm = Int32Array.from({ length: n }, (_, i) => i);
      const orig = keys.slice();
      const kth = rng.int(n);
      nthElement(keys, perm, 0, n - 1, kth);
      const sorted = Array.from(orig).sort((a, b) => a - b);
      assert.equal(keys[kth], sorted[kth]);
      for (let i = 0; i < kth; i++) assert.ok(keys[i] <= keys[kth]);
      for (let i = kth + 1; i < n; i++) assert.ok(keys[i] >= keys[kth]);
      for (let i = 0; i < n; i++) assert.equal(keys[i], orig[perm[i]], 'perm follows keys');
    }
  }
});

test('SortedTopK keeps exactly what TopK keeps (ties by lower index), in the same order', () => {
  const rng = new Rng(5);
  for (const k of [1, 2, 10, 32]) {
    const a = new TopK(k), b = new SortedTopK(k);
    for (let round = 0; round < 20; round++) {
      a.reset(k); b.reset(k);
      const n = rng.int(200);
      for (let i = 0; i < n; i++) {
        const d = rng.int(round % 2 ? 5 : 1000); // few distinct distances: many ties
        const id = rng.int(round % 3 ? 10000 : 30); // and, sometimes, the same pair twice
        assert.equal(b.worst(), a.worst());
        a.push(d, id); b.push(d, id);
      }
      const ia = new Int32Array(k), da = new Float64Array(k), ib = new Int32Array(k), db = new Float64Array(k);
      assert.equal(b.drainSorted(ib, db), a.drainSorted(ia, da));
      assert.deepEqual(Array.from(ib), Array.from(ia));
      assert.deepEqual(Array.from(db), Array.from(da));
    }
  }
});

test('layout: scikit-learn level count, a permutation, boxes holding exactly their points, leaf sizes', () => {
  assert.equal(treeLevels(1, 40), 1);
  assert.equal(treeLevels(100000, 40), 12); // 1 + floor(log2(99999 / 40))
  const X = gaussianClusters(2000, 3, 5, 7, 1, true);
  for (const leaf of [1, 5, 40, 5000]) {
    const t = buildLayout(X.data, X.rows, X.cols, leaf);
    assert.equal(t.nNodes, 2 ** t.nLevels - 1);
    const seen = new Uint8Array(X.rows);
    for (const p of t.perm) seen[p]++;
    assert.ok(seen.every((c) => c === 1), 'perm is a permutation');
    for (let node = 0; node < t.nNodes; node++) {
      const s = t.nodeStart[node], e = t.nodeEnd[node];
      if (node < t.firstLeaf) {
        assert.equal(t.nodeStart[2 * node + 1], s); assert.equal(t.nodeEnd[2 * node + 2], e);
        assert.equal(t.nodeEnd[2 * node + 1], t.nodeStart[2 * node + 2]);
      } else if (X.rows > leaf) {
        assert.ok(e - s >= Math.floor(leaf / 2) && e - s <= 2 * leaf, `leaf ${node} holds ${e - s} points (leafSize ${leaf})`);
      }
      for (let j = 0; j < 3; j++) {
        let lo = Infinity, hi = -Infinity;
        for (let p = s; p < e; p++) {
          const v = X.data[t.perm[p] * 3 + j];
          assert.equal(t.points[p * 3 + j], v, 'points are the rows in tree order');
          lo = Math.min(lo, v); hi = Math.max(hi, v);
        }
        assert.ok(t.lower[node * 3 + j] === lo && t.upper[node * 3 + j] === hi, `box of node ${node}, axis ${j}`);
      }
    }
  }
});

test('median split: the two children of a node are separated along one axis', () => {
  const X = gaussianClusters(500, 4, 3, 9);
  const t = buildLayout(X.data, X.rows, X.cols, 10);
  for (let node = 0; node < t.firstLeaf; node++) {
    const l = 2 * node + 1, r = l + 1;
    let separated = false;
    for (let j = 0; j < 4; j++) if (t.upper[l * 4 + j] <= t.lower[r * 4 + j]) separated = true;
    assert.ok(separated, `node ${node}: children overlap on every axis`);
  }
});

test('KDTree: exact on a grid full of ties, for every Minkowski metric', () => {
  // points on an integer grid: a query at a grid point has 4 (L1, L2) or 8 (L-inf) neighbours
  // at the same distance, and only the lower indices may win
  const pts: number[][] = [];
  for (let x = 0; x < 20; x++) for (let y = 0; y < 20; y++) pts.push([x, y]);
  const Q = [[5, 5], [0, 0], [19.5, 3], [10, 10.5], [-3, 25]];
  for (const metric of ['euclidean', 'sqeuclidean', 'manhattan', 'chebyshev', { name: 'minkowski', p: 1.5 }]) {
    const bf = new BruteForce(pts, { metric });
    for (const leafSize of [1, 4, 40]) {
      const kd = new KDTree(pts, { metric, leafSize });
      for (const k of [1, 5, 9, 30]) {
        const a = kd.search(Q, k), b = bf.search(Q, k);
        assert.deepEqual(Array.from(a.indices), Array.from(b.indices), `${JSON.stringify(metric)} leaf ${leafSize} k ${k}`);
        assert.deepEqual(Array.from(a.distances), Array.from(b.distances));
      }
    }
  }
  const kd = new KDTree(pts, { metric: 'manhattan', leafSize: 2 });
  assert.deepEqual(Array.from(kd.search([[5, 5]], 5).indices), [105, 85, 104, 106, 125], 'self, then 4 ties by index');
});

test('KDTree: metadata and memory', () => {
  const X = gaussianClusters(1000, 5, 3, 1);
  const kd = new KDTree(X, { leafSize: 20 });
  assert.equal(kd.kind, 'kd-tree'); assert.equal(kd.exact, true); assert.equal(kd.size, 1000); assert.equal(kd.dim, 5);
  assert.equal(kd.leafSize, 20); assert.equal(new KDTree(X).leafSize, 40);
  // the rows (float32) + permutation + node ranges + two boxes of doubles per node + the split
  // axis and value of every internal node
  const nodes = 2 ** 6 - 1, internal = 2 ** 5 - 1;
  assert.equal(kd.memoryUsage(), 1000 * 5 * 4 + 1000 * 4 + nodes * 8 + nodes * 5 * 16 + internal * 12);
  // the tree copies the data: later changes to the caller's array do not affect it
  const before = kd.search([[0, 0, 0, 0, 0]], 3);
  X.data.fill(0);
  assert.deepEqual(Array.from(kd.search([[0, 0, 0, 0, 0]], 3).indices), Array.from(before.indices));
});

test('KDTree: a query far outside the data and radius 0 / huge', () => {
  const X = gaussianClusters(300, 2, 3, 4);
  const kd = new KDTree(X, { leafSize: 8 }), bf = new BruteForce(X);
  const far = [[1e6, -1e6]];
  assert.deepEqual(Array.from(kd.search(far, 7).indices), Array.from(bf.search(far, 7).indices));
  assert.equal(kd.radiusSearch(far, 0).row(0).indices.length, 0);
  assert.equal(kd.radiusSearch(far, 1e12).row(0).indices.length, 300);
  assert.deepEqual(Array.from(kd.radiusSearch([Array.from(X.data.subarray(0, 2))], 0).row(0).indices), [0]);
});
