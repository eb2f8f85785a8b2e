import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KNeighborsClassifier } from '../../src/learn/index.js';
import { KnnkitError } from '../../src/core/errors.js';
import { csrMatrix } from '../../src/core/sparse.js';
import { gaussianClusters } from '../helpers/data.js';
import { Rng } from '../../src/core/rng.js';

const line = [[0], [1], [2], [3]];
const lineY = ['a', 'b', 'b', 'a'];

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-12, msg = '') {
  assert.equal(a.length, b.length, msg);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${msg} [${i}] ${a[i]} vs ${b[i]}`);
}

function throwsParam(fn: () => unknown, param: string, re?: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof KnnkitError, `expected KnnkitError, got ${e}`);
    assert.equal(e.param, param, e.message);
    if (re) assert.match(e.message, re);
    return true;
  });
}

test('uniform votes: probabilities are vote fractions in sorted class order; ties go to the lowest class', () => {
  const clf = new KNeighborsClassifier({ k: 2, algorithm: 'brute' }).fit(line, lineY);
  assert.deepEqual(clf.classes, ['a', 'b']);
  // query 0.4: neighbours 0 (a) and 1 (b): a 1:1 tie -> 'a', the lowest class
  close(clf.predictProba([[0.4]]), [0.5, 0.5]);
  assert.deepEqual(clf.predict([[0.4]]), ['a']);
  // numeric labels sort numerically (2 before 10), so the tie goes to 2
  const num = new KNeighborsClassifier({ k: 2, algorithm: 'brute' }).fit(line, [10, 2, 2, 10]);
  assert.deepEqual(num.classes, [2, 10]);
  assert.deepEqual(num.predict([[0.4]]), [2]);
  // labels keep their type and spelling
  const str = new KNeighborsClassifier({ k: 1, algorithm: 'brute' }).fit(line, ['1', '01', '1', '01']);
  assert.deepEqual(str.predict([[0.1], [1.1]]), ['1', '01']);
});

test('distance weights: 1/d, and an exact match takes all the weight (scikit-learn rule)', () => {
  const clf = new KNeighborsClassifier({ k: 3, weights: 'distance', algorithm: 'brute' }).fit(line, lineY);
  // query 0.25: d = 0.25 (a), 0.75 (b), 1.75 (b)
  const wa = 1 / 0.25, wb = 1 / 0.75 + 1 / 1.75;
  close(clf.predictProba([[0.25]]), [wa / (wa + wb), wb / (wa + wb)]);
  assert.deepEqual(clf.predict([[0.25]]), ['a']);
  // query exactly on x=1 (b): only the zero-distance neighbour counts
  close(clf.predictProba([[1]]), [0, 1]);
  // two coincident training points with different labels: split evenly, tie -> lowest class
  const dup = new KNeighborsClassifier({ k: 3, weights: 'distance', algorithm: 'brute' }).fit([[0], [0], [5]], ['y', 'x', 'y']);
  close(dup.predictProba([[0]]), [0.5, 0.5]);
  assert.deepEqual(dup.predict([[0]]), ['x']);
});

test('kernels use h = distance to the k-th neighbour unless a bandwidth is given', () => {
  // query 0.5, k = 3: neighbours 0 (a, d .5), 1 (b, d .5), 2 (b, d 1.5); h = 1.5, u = 1/3, 1/3, 1
  const q = [[0.5]];
  const cases: Array<[string, number, number]> = [
    ['gaussian', Math.exp(-0.5 / 9), Math.exp(-0.5)],
    ['epanechnikov', 1 - 1 / 9, 0],
    ['tricube', (1 - 1 / 27) ** 3, 0],
  ];
  for (const [kernel, wNear, wK] of cases) {
    const clf = new KNeighborsClassifier({ k: 3, weights: kernel as 'gaussian', algorithm: 'brute' }).fit(line, lineY);
    const tot = 2 * wNear + wK;
    close(clf.predictProba(q), [wNear / tot, (wNear + wK) / tot], 1e-12, kernel);
  }
  // a fixed bandwidth h = 1: u = 0.5, 0.5, 1.5
  const g = new KNeighborsClassifier({ k: 3, weights: 'gaussian', bandwidth: 1, algorithm: 'brute' }).fit(line, lineY);
  const a = Math.exp(-0.125), b = Math.exp(-0.125) + Math.exp(-1.125);
  close(g.predictProba(q), [a / (a + b), b / (a + b)]);
  // h = 0 (the query coincides with all k neighbours): uniform weights among them
  const z = new KNeighborsClassifier({ k: 2, weights: 'epanechnikov', algorithm: 'brute' }).fit([[0], [0], [9]], ['a', 'b', 'a']);
  close(z.predictProba([[0]]), [0.5, 0.5]);
  // compact kernel with every neighbour beyond the bandwidth: falls back to uniform
  const far = new KNeighborsClassifier({ k: 2, weights: 'tricube', bandwidth: 0.1, algorithm: 'brute' }).fit(line, lineY);
  close(far.predictProba([[10]]), [0.5, 0.5]);
});

test('a user weight function gets each query\'s distances; all-zero weights are an error', () => {
  const seen: number[][] = [];
  const clf = new KNeighborsClassifier({ k: 2, algorithm: 'brute', weights: (d) => { seen.push(Array.from(d)); return d.map((x) => (x < 0.5 ? 3 : 1)); } }).fit(line, lineY);
  close(clf.predictProba([[0.25]]), [0.75, 0.25]);
  assert.deepEqual(seen, [[0.25, 0.75]]);
  const zero = new KNeighborsClassifier({ k: 2, algorithm: 'brute', weights: (d) => new Float64Array(d.length) }).fit(line, lineY);
  throwsParam(() => zero.predict([[0.25]]), 'weights', /query 0/);
  const short = new KNeighborsClassifier({ k: 2, algorithm: 'brute', weights: () => [1] }).fit(line, lineY);
  throwsParam(() => short.predict([[0.25]]), 'weights', /expected 2/);
});

test('classWeight multiplies votes: balanced = n / (C * count_c), or a map', () => {
  // 6 majority points around 0, 2 minority points around 1; query at 0.7 with k = 5
  const X = [[0], [0.1], [0.2], [0.3], [0.4], [0.5], [1.0], [1.1]];
  const y = ['maj', 'maj', 'maj', 'maj', 'maj', 'maj', 'min', 'min'];
  const plain = new KNeighborsClassifier({ k: 5, algorithm: 'brute' }).fit(X, y);
  // neighbours of 0.7: 0.5, 0.4 (maj), 1.0 (min), 0.3 (maj), 1.1 (min) -> 3 maj, 2 min
  close(plain.predictProba([[0.7]]), [3 / 5, 2 / 5]);
  assert.deepEqual(plain.predict([[0.7]]), ['maj']);
  const bal = new KNeighborsClassifier({ k: 5, algorithm: 'brute', classWeight: 'balanced' }).fit(X, y);
  const wMaj = 8 / (2 * 6), wMin = 8 / (2 * 2);
  close(bal.predictProba([[0.7]]), [3 * wMaj / (3 * wMaj + 2 * wMin), 2 * wMin / (3 * wMaj + 2 * wMin)]);
  assert.deepEqual(bal.predict([[0.7]]), ['min']);
  const map = new KNeighborsClassifier({ k: 5, algorithm: 'brute', classWeight: { min: 1.6 } }).fit(X, y);
  close(map.predictProba([[0.7]]), [3 / 6.2, 3.2 / 6.2]);
  throwsParam(() => new KNeighborsClassifier({ classWeight: { nope: 2 } }).fit(X, y), 'classWeight', /"nope"/);
  throwsParam(() => new KNeighborsClassifier({ classWeight: 'auto' as 'balanced' }), 'classWeight');
  throwsParam(() => new KNeighborsClassifier({ classWeight: { min: -1 } }), 'classWeight["min"]');
});

test('k larger than the training set is clamped to it', () => {
  const clf = new KNeighborsClassifier({ k: 100, algorithm: 'brute' }).fit(line, lineY);
  close(clf.predictProba([[7]]), [0.5, 0.5]);
  const r = clf.kneighbors([[7]]);
  assert.equal(r.k, 4);
  assert.deepEqual(Array.from(r.indices), [3, 2, 1, 0]);
});

test('kneighbors without X excludes each training point itself (duplicates handled as scikit-learn)', () => {
  const clf = new KNeighborsClassifier({ k: 2, algorithm: 'brute' }).fit([[0], [0], [0], [5]], [1, 1, 1, 2]);
  const r = clf.kneighbors();
  assert.equal(r.nQueries, 4);
  assert.deepEqual(Array.from(r.indices), [1, 2, 0, 2, 0, 1, 0, 1]);
  close(r.distances, [0, 0, 0, 0, 0, 0, 5, 5]);
  const withX = clf.kneighbors([[4]], 1);
  assert.deepEqual(Array.from(withX.indices), [3]);
  assert.equal(withX.distances[0], 1);
});

test('score is the accuracy; accuracy on well separated clusters is high for every exact engine', () => {
  const X = gaussianClusters(300, 4, 3, 5, 1);
  // labels = nearest cluster id by construction of the generator: recover them by 1-NN on the centres is not available, so use k-means-free labelling: sign pattern of the first coordinate
  const y = Array.from({ length: 300 }, (_, i) => (X.data[i * 4] > 0 ? 'pos' : 'neg'));
  const base = new KNeighborsClassifier({ k: 5, algorithm: 'brute' }).fit(X, y);
  const pb = base.predictProba(X);
  for (const algorithm of ['kd-tree', 'ball-tree', 'auto'] as const) {
    const other = new KNeighborsClassifier({ k: 5, algorithm }).fit(X, y);
    assert.deepEqual(other.predict(X), base.predict(X), algorithm);
    close(other.predictProba(X), pb, 0, algorithm);
  }
  assert.ok(base.score(X, y) > 0.9);
  const hnsw = new KNeighborsClassifier({ k: 5, algorithm: 'hnsw', ef: 100, seed: 1 }).fit(X, y);
  assert.ok(hnsw.score(X, y) > 0.9);
  assert.equal(hnsw.algorithmUsed, 'hnsw');
});

test('CSR training data and dense queries (or the reverse) give the dense results', () => {
  const rng = new Rng(3);
  const rows = Array.from({ length: 40 }, () => Array.from({ length: 6 }, () => (rng.random() < 0.5 ? 0 : Math.round(rng.random() * 5))));
  const y = rows.map((r) => (r[0] + r[1] > 4 ? 1 : 0));
  const indptr = [0], indices: number[] = [], values: number[] = [];
  for (const r of rows) { r.forEach((v, j) => { if (v !== 0) { indices.push(j); values.push(v); } }); indptr.push(indices.length); }
  const csr = csrMatrix(Int32Array.from(indptr), Int32Array.from(indices), Float32Array.from(values), 40, 6);
  for (const metric of ['euclidean', 'manhattan', 'cosine']) {
    const d = new KNeighborsClassifier({ k: 3, weights: 'distance', metric, algorithm: 'brute' }).fit(rows, y);
    const s = new KNeighborsClassifier({ k: 3, weights: 'distance', metric, algorithm: 'brute' }).fit(csr, y);
    close(s.predictProba(rows), d.predictProba(rows), 1e-12, metric);
    close(d.predictProba(csr), d.predictProba(rows), 1e-12, metric);
  }
});

test('bad input: clear KnnkitErrors naming the parameter', () => {
  throwsParam(() => new KNeighborsClassifier().predict(line), 'fit', /not fitted/);
  throwsParam(() => new KNeighborsClassifier().predictProba(line), 'fit');
  throwsParam(() => new KNeighborsClassifier({ k: 0 }), 'k', /got 0/);
  throwsParam(() => new KNeighborsClassifier({ k: 2.5 }), 'k');
  throwsParam(() => new KNeighborsClassifier({ weights: 'cubic' as 'uniform' }), 'weights', /"cubic"/);
  throwsParam(() => new KNeighborsClassifier({ metric: 'nope' }), 'metric', /"nope"/);
  throwsParam(() => new KNeighborsClassifier({ metric: { name: 'minkowski', p: 0.5 } }), 'p');
  throwsParam(() => new KNeighborsClassifier({ algorithm: 'octree' }), 'algorithm', /"octree"/);
  throwsParam(() => new KNeighborsClassifier({ bandwidth: 0 }), 'bandwidth');
  throwsParam(() => new KNeighborsClassifier().fit(line, undefined as unknown as string[]), 'y', /labels missing/);
  throwsParam(() => new KNeighborsClassifier().fit(line, ['a', 'b']), 'y', /2 labels for 4 samples/);
  throwsParam(() => new KNeighborsClassifier().fit([[0], [NaN]], ['a', 'b']), 'X', /NaN/);
  const clf = new KNeighborsClassifier({ k: 1, algorithm: 'brute' }).fit(line, lineY);
  throwsParam(() => clf.predict([[0, 1]]), 'X', /dimension mismatch/);
  throwsParam(() => clf.predict([[NaN]]), 'X', /NaN/);
  throwsParam(() => clf.kneighbors(undefined, 0), 'k');
  throwsParam(() => clf.score(line, ['a']), 'y');
  throwsParam(() => new KNeighborsClassifier({ metric: 'cosine', algorithm: 'kd-tree' }).fit(line, lineY), 'algorithm', /Minkowski/);
  throwsParam(() => new KNeighborsClassifier({ metric: 'cosine', algorithm: 'ball-tree' }).fit(line, lineY), 'algorithm', /true metric/);
});

test("algorithm 'auto' follows scikit-learn's rule (src/search/auto.ts)", () => {
  const low = gaussianClusters(200, 3, 2, 1), high = gaussianClusters(200, 20, 2, 1);
  const yl = Array.from({ length: 200 }, (_, i) => i % 2);
  assert.equal(new KNeighborsClassifier({ k: 5 }).fit(low, yl).algorithmUsed, 'kd-tree');
  assert.equal(new KNeighborsClassifier({ k: 5 }).fit(high, yl).algorithmUsed, 'brute');
  assert.equal(new KNeighborsClassifier({ k: 5, metric: 'cosine' }).fit(low, yl).algorithmUsed, 'brute');
  assert.equal(new KNeighborsClassifier({ k: 150 }).fit(low, yl).algorithmUsed, 'brute');
  assert.equal(new KNeighborsClassifier({ k: 5, algorithm: 'ball-tree' }).fit(low, yl).algorithmUsed, 'ball-tree');
});
