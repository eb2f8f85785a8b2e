import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  KNeighborsClassifier, KNeighborsRegressor, RadiusNeighborsClassifier, RadiusNeighborsRegressor,
  NearestNeighbors, LocalOutlierFactor,
} from '../../src/learn/index.js';
import { KnnkitError } from '../../src/core/errors.js';
import { csrMatrix } from '../../src/core/sparse.js';
import { gaussianClusters } from '../helpers/data.js';

const X = gaussianClusters(120, 5, 3, 9, 2);
const labels = Array.from({ length: 120 }, (_, i) => (X.data[i * 5] > 0 ? (X.data[i * 5 + 1] > 0 ? 'north' : 'south') : 7));
const target = Array.from({ length: 120 }, (_, i) => X.data[i * 5] * 3 - X.data[i * 5 + 2]);
const Q = gaussianClusters(30, 5, 3, 10, 3);

/** JSON.stringify + parse, as a file would do. */
const viaText = (o: unknown) => JSON.parse(JSON.stringify(o));

test('every estimator round-trips through toJSON/fromJSON with identical predictions (base64 and array encodings)', () => {
  for (const encoding of ['base64', 'array'] as const) {
    const clf = new KNeighborsClassifier({ k: 7, weights: 'tricube', metric: { name: 'minkowski', p: 3 }, classWeight: 'balanced', algorithm: 'brute' }).fit(X, labels);
    const clf2 = KNeighborsClassifier.fromJSON(viaText(clf.toJSON({ encoding })));
    assert.deepEqual(clf2.predict(Q), clf.predict(Q));
    assert.deepEqual(Array.from(clf2.predictProba(Q)), Array.from(clf.predictProba(Q)));
    assert.deepEqual(clf2.classes, ['north', 'south', 7].sort((a, b) => (typeof a === 'number' ? -1 : typeof b === 'number' ? 1 : a < b ? -1 : 1)));

    const reg = new KNeighborsRegressor({ k: 4, weights: 'shepard', power: 3, metric: 'manhattan', algorithm: 'kd-tree' }).fit(X, target);
    const reg2 = KNeighborsRegressor.fromJSON(viaText(reg.toJSON({ encoding })));
    assert.deepEqual(Array.from(reg2.predict(Q)), Array.from(reg.predict(Q)));
    assert.equal(reg2.indexParams.algorithm, 'kd-tree');

    const rc = new RadiusNeighborsClassifier({ radius: 3, weights: 'distance', outlierLabel: 'most_frequent', algorithm: 'ball-tree' }).fit(X, labels);
    const rc2 = RadiusNeighborsClassifier.fromJSON(viaText(rc.toJSON({ encoding })));
    assert.deepEqual(rc2.predict(Q), rc.predict(Q));

    const rr = new RadiusNeighborsRegressor({ radius: 3, outlierPolicy: 'mean', aggregate: 'median' }).fit(X, target);
    const rr2 = RadiusNeighborsRegressor.fromJSON(viaText(rr.toJSON({ encoding })));
    assert.deepEqual(Array.from(rr2.predict(Q)), Array.from(rr.predict(Q)));

    const nn = new NearestNeighbors({ k: 3, metric: 'cosine' }).fit(X);
    const nn2 = NearestNeighbors.fromJSON(viaText(nn.toJSON({ encoding })));
    assert.deepEqual(Array.from(nn2.kneighbors(Q).indices), Array.from(nn.kneighbors(Q).indices));

    const lof = new LocalOutlierFactor({ k: 10, contamination: 0.1 }).fit(X);
    const lof2 = LocalOutlierFactor.fromJSON(viaText(lof.toJSON({ encoding })));
    assert.deepEqual(Array.from(lof2.negativeOutlierFactor), Array.from(lof.negativeOutlierFactor));
    assert.deepEqual(Array.from(lof2.scoreSamples(Q)), Array.from(lof.scoreSamples(Q)));
  }
});

test('HNSW and Mahalanobis models round-trip (seeded rebuild; fitted VI stored)', () => {
  const h = new KNeighborsClassifier({ k: 5, algorithm: 'hnsw', M: 8, efConstruction: 64, ef: 32, seed: 3 }).fit(X, labels);
  const h2 = KNeighborsClassifier.fromJSON(viaText(h.toJSON()));
  assert.deepEqual(h2.predict(Q), h.predict(Q));
  const json = h.toJSON() as { params: Record<string, unknown> };
  assert.equal(json.params.ef, 32);
  assert.equal(json.params.seed, 3);
  const m = new KNeighborsClassifier({ k: 3, metric: 'mahalanobis', algorithm: 'brute' }).fit(X, labels);
  const mj = viaText(m.toJSON());
  assert.equal(mj.params.metric.name, 'mahalanobis');
  assert.ok(Array.isArray(mj.params.metric.VI));
  assert.deepEqual(KNeighborsClassifier.fromJSON(mj).predict(Q), m.predict(Q));
});

test('sparse training data round-trips', () => {
  const csr = csrMatrix(Int32Array.from([0, 2, 3, 5]), Int32Array.from([0, 3, 1, 0, 2]), Float32Array.from([1, 2, 3, 4, 5]), 3, 4);
  const clf = new KNeighborsClassifier({ k: 1, algorithm: 'brute' }).fit(csr, ['x', 'y', 'z']);
  const clf2 = KNeighborsClassifier.fromJSON(viaText(clf.toJSON()));
  assert.deepEqual(clf2.predict([[4, 0, 5, 0], [0, 3, 0, 0]]), ['z', 'y']);
});

test('fromJSON refuses a wrong format, version or corrupt payload with a clear error', () => {
  const clf = new KNeighborsClassifier({ k: 3, algorithm: 'brute' }).fit(X, labels);
  const good = viaText(clf.toJSON());
  const refuse = (o: unknown, param: string, re: RegExp) =>
    assert.throws(() => KNeighborsClassifier.fromJSON(o), (e: unknown) => e instanceof KnnkitError && e.param === param && re.test(e.message));
  refuse(null, 'json', /expected an object/);
  refuse({ ...good, format: 'knnkit.KNeighborsRegressor' }, 'json.format', /expected "knnkit.KNeighborsClassifier"/);
  refuse({ ...good, version: 2 }, 'json.version', /version 1/);
  refuse({ ...good, data: { ...good.data, X: { ...good.data.X, data: '!!!' } } }, 'json.data.X.data', /base64/);
  refuse({ ...good, data: { ...good.data, X: { ...good.data.X, rows: 121 } } }, 'json.data.X', /values; expected/);
  refuse({ ...good, data: { ...good.data, y: good.data.y.slice(1) } }, 'json.data.y', /120 labels/);
  refuse({ ...good, classes: ['x'] }, 'json.classes', /do not match/);
  refuse({ ...good, params: { ...good.params, k: 0 } }, 'k', /got 0/);
  assert.throws(() => KNeighborsRegressor.fromJSON(good), (e: unknown) => e instanceof KnnkitError && e.param === 'json.format');
  const fn = new KNeighborsClassifier({ k: 3, weights: (d) => d, algorithm: 'brute' }).fit(X, labels);
  assert.throws(() => fn.toJSON(), (e: unknown) => e instanceof KnnkitError && e.param === 'weights');
  assert.throws(() => new KNeighborsClassifier().toJSON(), (e: unknown) => e instanceof KnnkitError && e.param === 'fit');
});
