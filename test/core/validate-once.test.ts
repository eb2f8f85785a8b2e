// Input is normalised and validated once, at the public boundary: inner layers receive the
// validated matrix and do not scan it again for NaN / Infinity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finiteScans, toArray } from '../../src/core/matrix.js';
import { createIndex } from '../../src/index/api.js';
import { KNeighborsClassifier } from '../../src/learn/index.js';
import { gaussianClusters } from '../helpers/data.js';

const X = toArray(gaussianClusters(400, 8, 4, 1));
const Q = toArray(gaussianClusters(3, 8, 4, 2));

function scansOf(fn: () => unknown): number {
  const before = finiteScans();
  fn();
  return finiteScans() - before;
}

for (const family of ['brute', 'kd-tree', 'ball-tree', 'hnsw']) {
  test(`${family}: build, search, rangeSearch and add scan their input once`, () => {
    let idx = createIndex(family, X);
    assert.equal(scansOf(() => { idx = createIndex(family, X); }), 1, 'build');
    assert.equal(scansOf(() => idx.search(Q, 5)), 1, 'search');
    assert.equal(scansOf(() => idx.rangeSearch(Q, 2)), 1, 'rangeSearch of 3 queries');
    assert.equal(scansOf(() => idx.add(Q)), 1, 'add');
  });
}

test('estimators: fit and predict scan their input once', () => {
  const y = X.map((_, i) => i % 3);
  for (const algorithm of ['brute', 'kd-tree', 'hnsw'] as const) {
    const clf = new KNeighborsClassifier({ k: 3, algorithm });
    assert.equal(scansOf(() => clf.fit(X, y)), 1, `${algorithm} fit`);
    assert.equal(scansOf(() => clf.predict(Q)), 1, `${algorithm} predict`);
  }
});
