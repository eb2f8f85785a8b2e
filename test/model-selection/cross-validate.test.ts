import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossValidate, GridSearchCV, parameterGrid, meanStd, stratifiedKFold } from '../../src/model-selection/index.js';
import { accuracy } from '../../src/evaluation/index.js';
import { takeRows } from '../../src/core/matrix.js';
import { KnnkitError } from '../../src/core/errors.js';
import { gaussianClusters } from '../helpers/data.js';
import { TinyKnn, MeanRegressor } from './helpers.js';
import { Pipeline, StandardScaler } from '../../src/preprocessing/index.js';

// clustered points with three balanced classes
function data(n = 90, seed = 3) {
  const X = gaussianClusters(n, 4, 3, seed, 1.5);
  // labels: terciles of x0 + x1 (three classes of equal size whatever the cluster centres)
  const s = Array.from({ length: n }, (_, i) => X.data[i * 4] + X.data[i * 4 + 1]);
  const sorted = [...s].sort((a, b) => a - b);
  const y = s.map((v) => (v < sorted[Math.floor(n / 3)] ? 'neg' : v < sorted[Math.floor((2 * n) / 3)] ? 'mid' : 'pos'));
  return { X, y };
}

test('crossValidate: per-fold scores, mean/std, timings, out-of-fold predictions', () => {
  const { X, y } = data();
  const r = crossValidate(() => new TinyKnn(1), X, y, { folds: 5, seed: 2 });
  assert.equal(r.folds.length, 5);
  assert.deepEqual(Object.keys(r.scores), ['accuracy', 'macroPrecision', 'macroRecall', 'macroF1']);
  for (const f of r.folds) {
    assert.equal(f.trainSize + f.testSize, 90);
    assert.ok(f.fitSeconds >= 0 && f.predictSeconds >= 0);
    for (const v of Object.values(f.scores)) assert.ok(v >= 0 && v <= 1);
  }
  const ms = meanStd(r.folds.map((f) => f.scores.accuracy));
  assert.equal(r.scores.accuracy.mean, ms.mean);
  assert.equal(r.scores.accuracy.std, ms.std);
  // the out-of-fold predictions reproduce the pooled accuracy
  const pooled = accuracy(y, r.predictions);
  const folds = stratifiedKFold(y, { folds: 5, seed: 2 });
  let weighted = 0;
  folds.forEach((f, i) => { weighted += r.folds[i].scores.accuracy * f.test.length; });
  assert.ok(Math.abs(pooled - weighted / 90) < 1e-12);
  // each fold's model saw only its training rows
  const seen: number[] = [];
  crossValidate(() => { const m = new TinyKnn(1); const fit = m.fit.bind(m); m.fit = (A, b) => { seen.push(A.rows); return fit(A, b); }; return m; }, X, y, { folds: 5, seed: 2 });
  assert.deepEqual(seen, folds.map((f) => f.train.length));
});

test('crossValidate: regression uses plain k-fold and MSE/MAE/R^2', () => {
  const { X } = data(40);
  const y = Array.from({ length: 40 }, (_, i) => i % 7);
  const r = crossValidate(() => new MeanRegressor() as never, X, y, { folds: 4, task: 'regression' });
  assert.deepEqual(Object.keys(r.scores), ['mse', 'mae', 'r2']);
  assert.ok(r.scores.mse.mean > 0 && r.scores.r2.mean <= 0);
  assert.throws(() => crossValidate(() => new MeanRegressor() as never, X, y.map((v) => 'c' + v), { task: 'regression' }), /not a finite number; regression needs numeric targets/);
});

test('parameterGrid order matches scikit-learn (keys sorted, last fastest)', () => {
  assert.deepEqual(parameterGrid({ weights: ['u', 'd'], k: [1, 3] }), [
    { k: 1, weights: 'u' }, { k: 1, weights: 'd' }, { k: 3, weights: 'u' }, { k: 3, weights: 'd' },
  ]);
  assert.equal(parameterGrid([{ a: [1, 2] }, { b: [1, 2, 3] }]).length, 5);
  assert.throws(() => parameterGrid({ k: [] }), /paramGrid.k: got array\(length 0\)/);
});

test('GridSearchCV: picks the best mean score, ties to the earlier candidate, refits on all data', () => {
  const { X, y } = data(60, 9);
  const made: TinyKnn[] = [];
  const gs = new GridSearchCV({
    estimator: (p) => { const m = new TinyKnn(p.k as number, p.weights as 'uniform'); made.push(m); return m; },
    paramGrid: { k: [1, 3, 59], weights: ['uniform', 'distance'] }, folds: 3, seed: 1,
  });
  gs.fit(X, y);
  const cv = gs.cvResults!;
  assert.equal(cv.params.length, 6);
  assert.equal(cv.splitTestScores.length, 3);
  const best = Math.max(...cv.meanTestScore);
  assert.equal(gs.bestScore, best);
  assert.equal(gs.bestIndex, Array.from(cv.meanTestScore).indexOf(best));
  assert.deepEqual(gs.bestParams, cv.params[gs.bestIndex]);
  assert.equal(cv.rankTestScore[gs.bestIndex], 1);
  // k = 59 uniform on 40 training rows predicts the majority: worst
  assert.ok(cv.meanTestScore[4] < best);
  // refit: one more model, fitted on all 60 rows
  assert.equal(made.length, 6 * 3 + 1);
  assert.equal((gs.bestEstimator as TinyKnn).y.length, 60);
  assert.deepEqual(gs.predict(X), (gs.bestEstimator as TinyKnn).predict(X));
  assert.equal(gs.score(X, y), accuracy(y, gs.predict(X)));
});

test('GridSearchCV with an error scorer minimises it', () => {
  const { X } = data(30);
  const y = Array.from({ length: 30 }, (_, i) => (i % 3) * 10);
  class Const { constructor(readonly c: number) {} fit() { return this; } predict(Q: { rows: number }) { return new Float64Array(Q.rows).fill(this.c); } }
  const gs = new GridSearchCV({ estimator: (p) => new Const(p.c as number) as never, paramGrid: { c: [0, 10, 25] }, task: 'regression', scoring: 'mse', folds: 3 });
  gs.fit(X, y);
  assert.deepEqual(gs.bestParams, { c: 10 });
});

test('bad options name the parameter', () => {
  const { X, y } = data(30);
  const isErr = (re: RegExp) => (e: unknown) => e instanceof KnnkitError && re.test(e.message);
  assert.throws(() => crossValidate(null as never, X, y), isErr(/makeModel/));
  assert.throws(() => crossValidate(() => new TinyKnn(), X, y.slice(1)), isErr(/29 labels for 30 samples/));
  assert.throws(() => crossValidate(() => new TinyKnn(), X, y, { scoring: 'auc' }), isErr(/scoring: got "auc"/));
  assert.throws(() => crossValidate(() => new TinyKnn(), X, y, { task: 'ranking' as never }), isErr(/task: got "ranking"/));
  assert.throws(() => new GridSearchCV({ estimator: () => new TinyKnn(), paramGrid: { k: 3 as never } }), isErr(/paramGrid.k/));
  assert.throws(() => new GridSearchCV({ estimator: () => new TinyKnn(), paramGrid: { k: [1] } }).predict(takeRows(X, [0])), isErr(/call fit first/));
});

test('crossValidate with a Pipeline: the scaler of each fold is fitted on that training part only', () => {
  const { X, y } = data(50, 4);
  const scalers: StandardScaler[] = [];
  const r = crossValidate(() => { const s = new StandardScaler(); scalers.push(s); return new Pipeline([s, new TinyKnn(3) as never]); }, X, y, { folds: 5, seed: 7 });
  const folds = stratifiedKFold(y, { folds: 5, seed: 7 });
  folds.forEach((f, i) => {
    assert.equal(scalers[i].nSamplesSeen, f.train.length);
    const ref = new StandardScaler().fit(takeRows(X, f.train));
    assert.deepEqual(Array.from(scalers[i].mean!), Array.from(ref.mean!));
  });
  assert.equal(r.folds.length, 5);
});
