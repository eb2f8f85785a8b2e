import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KNeighborsRegressor, RadiusNeighborsRegressor, RadiusNeighborsClassifier, NearestNeighbors } from '../../src/learn/index.js';
import { KnnkitError } from '../../src/core/errors.js';

const X = [[0], [1], [2], [3], [10]];
const y = [0, 10, 20, 30, 1000];

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-12, msg = '') {
  assert.equal(a.length, b.length, msg);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol || (Number.isNaN(a[i]) && Number.isNaN(b[i])), `${msg} [${i}] ${a[i]} vs ${b[i]}`);
}

function throwsParam(fn: () => unknown, param: string, re?: RegExp) {
  assert.throws(fn, (e: unknown) => e instanceof KnnkitError && e.param === param && (!re || re.test(e.message)));
}

test('KNeighborsRegressor: mean, median, distance, Shepard power, kernels', () => {
  const q = [[0.5]];
  // neighbours of 0.5 for k = 3: 0 (d .5), 1 (d .5), 2 (d 1.5)
  close(new KNeighborsRegressor({ k: 3, algorithm: 'brute' }).fit(X, y).predict(q), [10]);
  close(new KNeighborsRegressor({ k: 4, aggregate: 'median', algorithm: 'brute' }).fit(X, y).predict([[1.4]]), [15]);
  // median resists the outlier target 1000 where the mean does not
  const med = new KNeighborsRegressor({ k: 3, aggregate: 'median', algorithm: 'brute' }).fit(X, y).predict([[6.5]]);
  const mean = new KNeighborsRegressor({ k: 3, algorithm: 'brute' }).fit(X, y).predict([[6.5]]);
  assert.equal(med[0], 30);
  assert.ok(mean[0] > 300);
  const wd = [2, 2, 1 / 1.5];
  close(new KNeighborsRegressor({ k: 3, weights: 'distance', algorithm: 'brute' }).fit(X, y).predict(q), [(0 * wd[0] + 10 * wd[1] + 20 * wd[2]) / (wd[0] + wd[1] + wd[2])]);
  const ws = [4, 4, 1 / 2.25];
  close(new KNeighborsRegressor({ k: 3, weights: 'shepard', algorithm: 'brute' }).fit(X, y).predict(q), [(10 * ws[1] + 20 * ws[2]) / (ws[0] + ws[1] + ws[2])]);
  const w3 = [8, 8, 1 / 3.375];
  close(new KNeighborsRegressor({ k: 3, weights: 'shepard', power: 3, algorithm: 'brute' }).fit(X, y).predict(q), [(10 * w3[1] + 20 * w3[2]) / (w3[0] + w3[1] + w3[2])]);
  // exact match: the matched target (Shepard interpolation passes through the data)
  close(new KNeighborsRegressor({ k: 3, weights: 'shepard', algorithm: 'brute' }).fit(X, y).predict([[2]]), [20]);
  // epanechnikov with h = 1.5: weights 8/9, 8/9, 0
  close(new KNeighborsRegressor({ k: 3, weights: 'epanechnikov', algorithm: 'brute' }).fit(X, y).predict(q), [5]);
  // weighted median: weights 8/9, 8/9, 0 on targets 0, 10, 20 -> exactly half at 0 -> (0 + 10) / 2
  close(new KNeighborsRegressor({ k: 3, weights: 'epanechnikov', aggregate: 'median', algorithm: 'brute' }).fit(X, y).predict(q), [5]);
  const r = new KNeighborsRegressor({ k: 1, algorithm: 'brute' }).fit(X, y);
  assert.equal(r.score(X, y), 1);
  throwsParam(() => new KNeighborsRegressor({ power: 3 }), 'power', /shepard/);
  throwsParam(() => new KNeighborsRegressor({ aggregate: 'mode' as 'mean' }), 'aggregate');
  throwsParam(() => new KNeighborsRegressor().fit(X, [1, 2, NaN, 4, 5]), 'y', /position 2/);
  throwsParam(() => new KNeighborsRegressor().fit(X, [1, 2]), 'y', /2 targets for 5 samples/);
  throwsParam(() => new KNeighborsRegressor().predict(X), 'fit');
});

test('RadiusNeighborsRegressor outlier policies: nan (default), error listing queries, mean', () => {
  const q = [[0.5], [50], [2.2], [-40]];
  const nan = new RadiusNeighborsRegressor({ radius: 1, algorithm: 'brute' }).fit(X, y).predict(q);
  close(nan, [5, NaN, 25, NaN]);
  const mean = new RadiusNeighborsRegressor({ radius: 1, outlierPolicy: 'mean', algorithm: 'brute' }).fit(X, y).predict(q);
  close(mean, [5, 212, 25, 212]);
  const err = new RadiusNeighborsRegressor({ radius: 1, outlierPolicy: 'error', algorithm: 'brute' }).fit(X, y);
  throwsParam(() => err.predict(q), 'outlierPolicy', /\[1, 3\]/);
  throwsParam(() => new RadiusNeighborsRegressor({ outlierPolicy: 'drop' as 'nan' }), 'outlierPolicy');
  // radius is inclusive: d <= r
  close(new RadiusNeighborsRegressor({ radius: 1, algorithm: 'brute' }).fit(X, y).predict([[1]]), [10]);
});

test('RadiusNeighborsClassifier: outlier label, most_frequent, kernels with h = radius', () => {
  const Xc = [[0], [0.5], [1], [5], [5.5]];
  const yc = ['a', 'a', 'b', 'c', 'c'];
  const clf = new RadiusNeighborsClassifier({ radius: 0.6, outlierLabel: 'none', algorithm: 'brute' }).fit(Xc, yc);
  assert.deepEqual(clf.predict([[0.1], [20], [5.2]]), ['a', 'none', 'c']);
  // the outlier label is not a class: an all-zero probability row (as scikit-learn)
  const p = clf.predictProba([[20]]);
  assert.deepEqual(Array.from(p), [0, 0, 0]);
  const mf = new RadiusNeighborsClassifier({ radius: 0.6, outlierLabel: 'most_frequent', algorithm: 'brute' }).fit(Xc, yc);
  assert.deepEqual(mf.predict([[20]]), ['a']); // a and c both twice: the lowest class
  assert.deepEqual(Array.from(mf.predictProba([[20]])), [1, 0, 0]);
  const none = new RadiusNeighborsClassifier({ radius: 0.6, algorithm: 'brute' }).fit(Xc, yc);
  throwsParam(() => none.predict([[0], [20], [30]]), 'outlierLabel', /\[1, 2\]/);
  // gaussian with h = radius = 1: query 0.5 -> a at d .5, .0 ; b at .5
  const g = new RadiusNeighborsClassifier({ radius: 1, weights: 'gaussian', algorithm: 'brute' }).fit(Xc, yc);
  const wa = Math.exp(-0.125) + 1, wb = Math.exp(-0.125);
  close(g.predictProba([[0.5]]), [wa / (wa + wb), wb / (wa + wb), 0]);
  const rn = g.radiusNeighbors([[0.5]]);
  assert.deepEqual(Array.from(rn.indices), [1, 0, 2]);
  const self = g.radiusNeighbors();
  assert.deepEqual(Array.from(self.row(0).indices), [1, 2]);
});

test('NearestNeighbors: kneighbors, radiusNeighbors and CSR k-NN graphs', () => {
  const pts = [[0, 0], [1, 0], [0, 2], [3, 3]];
  const nn = new NearestNeighbors({ k: 2, algorithm: 'brute' }).fit(pts);
  const r = nn.kneighbors([[0.1, 0]]);
  assert.deepEqual(Array.from(r.indices), [0, 1]);
  close(r.distances, [0.1, 0.9], 1e-6);
  const g = nn.kneighborsGraph(undefined, 2, 'distance');
  assert.equal(g.rows, 4); assert.equal(g.cols, 4);
  // point 0: neighbours 1 (d 1) and 2 (d 2), columns ascending
  assert.deepEqual(Array.from(g.indptr), [0, 2, 4, 6, 8]);
  assert.deepEqual(Array.from(g.indices.subarray(0, 2)), [1, 2]);
  close(g.values.subarray(0, 2), [1, 2], 1e-6);
  for (let i = 0; i < 4; i++) for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) assert.notEqual(g.indices[p], i, 'no self loops');
  const c = nn.kneighborsGraph([[3, 2.5]], 1);
  assert.deepEqual(Array.from(c.indices), [3]);
  assert.deepEqual(Array.from(c.values), [1]);
  const rad = nn.radiusNeighbors(undefined, 1.5);
  assert.deepEqual(Array.from(rad.row(0).indices), [1]);
  assert.deepEqual(Array.from(rad.row(3).indices), []);
  const rg = nn.radiusNeighborsGraph([[0, 0]], 2.1);
  assert.deepEqual(Array.from(rg.indices), [0, 1, 2]);
  throwsParam(() => nn.kneighborsGraph(undefined, 2, 'weights' as 'distance'), 'mode');
  throwsParam(() => new NearestNeighbors().kneighbors(), 'fit', /fit\(X\)/);
  throwsParam(() => new NearestNeighbors().fit([[1]]).kneighbors(), 'X', /1 point/);
});
