import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StandardScaler, MinMaxScaler, Normalizer, PCA, KNNImputer, Pipeline } from '../../src/preprocessing/index.js';
import { toArray, toDense } from '../../src/core/matrix.js';
import { csrMatrix, type CsrMatrix } from '../../src/core/sparse.js';
import { KnnkitError } from '../../src/core/errors.js';
import { gaussianClusters } from '../helpers/data.js';
import { TinyKnn } from '../model-selection/helpers.js';
import { KNeighborsClassifier } from '../../src/learn/index.js';

const isErr = (re: RegExp) => (e: unknown) => e instanceof KnnkitError && re.test(e.message);

function sparse(): CsrMatrix {
  // [[1, 0, 2], [0, 0, 3], [4, 5, 0]]
  return csrMatrix(Int32Array.from([0, 2, 3, 5]), Int32Array.from([0, 2, 2, 0, 1]), Float32Array.from([1, 2, 3, 4, 5]), 3, 3);
}

test('StandardScaler on CSR scales without centering and stays sparse', () => {
  const s = new StandardScaler({ withMean: false }).fit(sparse());
  const dense = new StandardScaler({ withMean: false }).fit([[1, 0, 2], [0, 0, 3], [4, 5, 0]]);
  assert.deepEqual(Array.from(s.scale!), Array.from(dense.scale!));
  const t = s.transform(sparse());
  assert.equal(t.kind, 'csr');
  const td = toDense(dense.transform([[1, 0, 2], [0, 0, 3], [4, 5, 0]]));
  const tc = t as CsrMatrix;
  assert.ok(Math.abs(tc.values[4] - td.data[7]) < 1e-7);
  assert.throws(() => new StandardScaler().fit(sparse()), isErr(/withMean: cannot center sparse/));
});

test('Normalizer keeps CSR sparse', () => {
  const t = new Normalizer().fitTransform(sparse()) as CsrMatrix;
  assert.equal(t.kind, 'csr');
  assert.ok(Math.abs(t.values[0] - 1 / Math.sqrt(5)) < 1e-7);
  assert.ok(Math.abs(t.values[2] - 1) < 1e-7);
});

test('fit/transform round trips: inverse transforms and toJSON/fromJSON', () => {
  const X = gaussianClusters(30, 5, 2, 4);
  const Q = gaussianClusters(7, 5, 2, 5);
  const s = new StandardScaler().fit(X);
  const back = toDense(s.inverseTransform(s.transform(Q)));
  for (let i = 0; i < back.data.length; i++) assert.ok(Math.abs(back.data[i] - Q.data[i]) < 1e-4 * Math.max(1, Math.abs(Q.data[i])));
  const m = new MinMaxScaler().fit(X);
  const p = new PCA({ nComponents: 3 }).fit(X);
  const imp = new KNNImputer({ nNeighbors: 2 }).fit(X);
  const n = new Normalizer({ norm: 'l1' }).fit(X);
  for (const [t, F] of [[s, StandardScaler], [m, MinMaxScaler], [p, PCA], [imp, KNNImputer], [n, Normalizer]] as const) {
    const json = JSON.parse(JSON.stringify(t.toJSON()));
    const r = (F as unknown as { fromJSON(j: unknown): { transform(x: unknown): unknown } }).fromJSON(json);
    assert.deepEqual(toArray(toDense(r.transform(Q) as never)), toArray(toDense(t.transform(Q) as never)), t.constructor.name);
  }
  assert.throws(() => PCA.fromJSON({ format: 'knnkit.MinMaxScaler', version: 1 }), isErr(/expected a serialised PCA/));
  assert.throws(() => StandardScaler.fromJSON({ format: 'knnkit.StandardScaler', version: 99 }), isErr(/version 99 is not supported/));
});

test('PCA: full rank reconstruction is exact, components orthonormal, ratio sums to 1', () => {
  const X = gaussianClusters(25, 4, 3, 8);
  const p = new PCA().fit(X);
  const Z = p.transform(X);
  const R = p.inverseTransform(Z);
  for (let i = 0; i < X.data.length; i++) assert.ok(Math.abs(R.data[i] - X.data[i]) < 1e-3 * Math.max(1, Math.abs(X.data[i])));
  const c = p.components!, d = 4;
  for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) {
    let s = 0; for (let j = 0; j < d; j++) s += c[a * d + j] * c[b * d + j];
    assert.ok(Math.abs(s - (a === b ? 1 : 0)) < 1e-10);
  }
  assert.ok(Math.abs(p.explainedVarianceRatio!.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  for (let r = 0; r < 4; r++) {
    let arg = 0; for (let j = 1; j < d; j++) if (Math.abs(c[r * d + j]) > Math.abs(c[r * d + arg])) arg = j;
    assert.ok(c[r * d + arg] > 0, 'svd_flip sign convention');
  }
});

test('NaN: only the imputer accepts it; imputed data flows through a Pipeline', () => {
  const X = [[1, 2], [NaN, 3], [2, 2], [3, 4], [2.5, NaN], [8, 9], [9, 8], [8.5, 9.5]];
  const y = ['a', 'a', 'a', 'a', 'a', 'b', 'b', 'b'];
  assert.throws(() => new StandardScaler().fit(X), isErr(/value NaN at row 1, column 0; expected finite numbers \(no NaN/));
  assert.throws(() => new PCA().fit(X), isErr(/NaN/));
  assert.throws(() => new TinyKnn().fit(toDense(X), y), isErr(/NaN/));
  const filled = toDense(new KNNImputer({ nNeighbors: 2 }).fitTransform(X));
  assert.ok(filled.data.every(Number.isFinite));
  const pipe = new Pipeline([new KNNImputer({ nNeighbors: 2 }), new StandardScaler(), new TinyKnn(1) as never]);
  pipe.fit(X as never, y);
  assert.deepEqual(Array.from(pipe.predict([[1.5, NaN], [NaN, 9]] as never)), ['a', 'b']);
});

test('KNNImputer: drops all-missing columns, falls back to the column mean, exact match takes all weight', () => {
  const X = [[1, NaN, 5], [2, NaN, 7], [3, NaN, NaN]];
  const imp = new KNNImputer({ nNeighbors: 2, weights: 'distance' }).fit(X);
  const t = toDense(imp.transform(X));
  assert.equal(t.cols, 2);
  // row 2 misses col 2: donors rows 0, 1 at distances (nan-euclidean over col 0 with weight 3/1)
  const w0 = 1 / Math.sqrt(3 * 4), w1 = 1 / Math.sqrt(3 * 1);
  assert.ok(Math.abs(t.data[5] - (5 * w0 + 7 * w1) / (w0 + w1)) < 1e-5);
  const keep = toDense(new KNNImputer({ keepEmptyFeatures: true }).fit(X).transform(X));
  assert.equal(keep.cols, 3);
  assert.equal(keep.data[1], 0);
  // a receiver with no coordinate in common with any donor gets the column mean
  const Y = [[1, NaN], [3, NaN], [NaN, 4]];
  const u = toDense(new KNNImputer().fit(Y).transform([[NaN, 2]]));
  assert.equal(u.data[0], 2);
  // exact match
  const e = toDense(new KNNImputer({ nNeighbors: 3, weights: 'distance' }).fit([[0, 10], [1, 20], [5, 30]]).transform([[1, NaN]]));
  assert.equal(e.data[1], 20);
});

test('Pipeline: fit/predict/score/toJSON, named steps, validation', () => {
  const X = gaussianClusters(40, 3, 2, 11);
  const y = Array.from({ length: 40 }, (_, i) => (X.data[i * 3] > X.data[i * 3 + 1] ? 'x' : 'y'));
  const pipe = new Pipeline([['scale', new StandardScaler()], ['pca', new PCA({ nComponents: 2 })], ['knn', new TinyKnn(3) as never]]);
  pipe.fit(X, y);
  const pred = pipe.predict(X);
  assert.equal(pred.length, 40);
  assert.ok(pipe.score(X, y) > 0.7);
  assert.ok(pipe.step('pca') instanceof PCA);
  // scaler fitted inside the pipeline only on what fit saw
  assert.equal((pipe.step('scale') as StandardScaler).nSamplesSeen, 40);
  const tOnly = new Pipeline([new StandardScaler(), new PCA({ nComponents: 2 })]);
  const Z = tOnly.fitTransform(X);
  assert.equal(Z.cols, 2);
  const rev = Pipeline.fromJSON(JSON.parse(JSON.stringify(tOnly.toJSON())));
  assert.deepEqual(toArray(toDense(rev.transform(X))), toArray(toDense(Z)));
  assert.throws(() => pipe.toJSON(), isErr(/step "knn" cannot be serialised/));
  assert.throws(() => Pipeline.fromJSON({ format: 'knnkit.Pipeline', version: 1, steps: [{ name: 'm', step: { format: 'knnkit.Mystery' } }] }), isErr(/format "knnkit.Mystery"/));
  // with a k-NN estimator: saved and revived without extra revivers, same predictions
  const full = new Pipeline([['scale', new StandardScaler()], ['knn', new KNeighborsClassifier({ k: 3, weights: 'distance' }) as never]]).fit(X, y);
  const back = Pipeline.fromJSON(JSON.parse(JSON.stringify(full.toJSON())));
  assert.deepEqual(Array.from(back.predict(X)), Array.from(full.predict(X)));
  assert.deepEqual(Array.from(back.predictProba(X)), Array.from(full.predictProba(X)));
  assert.throws(() => new Pipeline([]), isErr(/steps: got array\(length 0\)/));
  assert.throws(() => new Pipeline([new TinyKnn() as never, new StandardScaler()]), isErr(/every step but the last must be a transformer/));
  assert.throws(() => new Pipeline([['a', new StandardScaler()], ['a', new PCA()]]), isErr(/duplicate step name "a"/));
});

test('bad options name the parameter', () => {
  assert.throws(() => new PCA({ nComponents: 0 }), isErr(/nComponents: got 0/));
  assert.throws(() => new PCA({ nComponents: 2.5 }), isErr(/nComponents: got 2.5/));
  assert.throws(() => new PCA({ nComponents: 9 }).fit([[1, 2], [3, 4], [5, 7]]), isErr(/nComponents: got 9; expected an integer in \[1, min\(n_samples, n_features\)\] = \[1, 2\]/));
  assert.throws(() => new MinMaxScaler({ featureRange: [1, 1] }), isErr(/featureRange/));
  assert.throws(() => new Normalizer({ norm: 'l3' as never }), isErr(/norm: got "l3"/));
  assert.throws(() => new KNNImputer({ nNeighbors: 0 }), isErr(/nNeighbors: got 0/));
  assert.throws(() => new KNNImputer({ weights: 'gaussian' as never }), isErr(/weights: got "gaussian"/));
  assert.throws(() => new StandardScaler().transform([[1]]), isErr(/transform called before fit/));
  assert.throws(() => new StandardScaler().fit([[1, 2]]).transform([[1, 2, 3]]), isErr(/dimension mismatch: rows have 3 columns but 2 were expected/));
  assert.throws(() => new MinMaxScaler().fit(sparse()), isErr(/does not take sparse/));
});
