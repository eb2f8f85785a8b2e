import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GridSearchCV, knnClassifierGrid, knnRegressorGrid, stratifiedKFold } from '../../src/model-selection/index.js';
import { KNeighborsClassifier, KNeighborsRegressor } from '../../src/learn/index.js';
import { takeRows } from '../../src/core/matrix.js';
import { toDense } from '../../src/core/matrix.js';
import type { Label } from '../../src/core/labels.js';

const fx = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'preprocessing-folds-metrics.json'), 'utf8')).cvKnn;
const GRID = { k: [1, 3, 5, 7, 9, 11, 15], weights: ['uniform', 'distance'] };

function search(shared: boolean, extra: Record<string, unknown> = {}) {
  return new GridSearchCV({
    estimator: (p) => new KNeighborsClassifier({ k: p.k as number, weights: p.weights as 'uniform', ...extra }) as never,
    paramGrid: GRID, folds: 5, shuffle: false,
    ...(shared ? { sharedPredict: knnClassifierGrid(extra) } : {}),
  });
}

test('CV-kNN grid search agrees with scikit-learn GridSearchCV (unshuffled StratifiedKFold(5))', () => {
  for (const shared of [false, true]) {
    const gs = search(shared).fit(fx.X, fx.y);
    assert.deepEqual(gs.cvResults!.params, fx.params);
    const m = Array.from(gs.cvResults!.meanTestScore);
    m.forEach((v, i) => assert.ok(Math.abs(v - fx.meanTestScore[i]) < 1e-12, `candidate ${i}: ${v} vs ${fx.meanTestScore[i]}`));
    assert.deepEqual(Array.from(gs.cvResults!.rankTestScore), fx.rankTestScore);
    assert.deepEqual(gs.bestParams, fx.bestParams);
    assert.ok(Math.abs(gs.bestScore - fx.bestScore) < 1e-12);
  }
});

test('knnClassifierGrid predictions equal fitting every candidate (shared search is exact)', () => {
  const X = toDense(fx.X), y = fx.y as Label[];
  const [fold] = stratifiedKFold(y, { folds: 4, seed: 3 });
  const Xtr = takeRows(X, fold.train), Xte = takeRows(X, fold.test);
  const ytr = Array.from(fold.train, (i) => y[i]);
  for (const base of [{}, { metric: 'manhattan', algorithm: 'kd-tree' as const }, { metric: 'cosine' }]) {
    const cands = [1, 2, 4, 8, 200].flatMap((k) => ['uniform', 'distance', 'tricube'].map((weights) => ({ k, weights })));
    const shared = knnClassifierGrid(base)(cands, Xtr, ytr, Xte)!;
    assert.equal(shared.length, cands.length);
    cands.forEach((c, i) => {
      const direct = new KNeighborsClassifier({ ...base, k: c.k, weights: c.weights as 'uniform' }).fit(Xtr, ytr).predict(Xte);
      assert.deepEqual(Array.from(shared[i]), direct, `${JSON.stringify(base)} ${JSON.stringify(c)}`);
    });
  }
  // not applicable: other parameters, or an approximate engine
  assert.equal(knnClassifierGrid()([{ k: 3, metric: 'cosine' }], Xtr, ytr, Xte), undefined);
  assert.equal(knnClassifierGrid({ algorithm: 'hnsw' })([{ k: 3 }], Xtr, ytr, Xte), undefined);
});

test('knnRegressorGrid predictions equal fitting every candidate', () => {
  const X = toDense(fx.X);
  const y = (fx.X as number[][]).map((r) => r[0] * 2 - r[1] + r[2] * r[3]);
  const idx = Int32Array.from({ length: 100 }, (_, i) => i), rest = Int32Array.from({ length: 50 }, (_, i) => 100 + i);
  const Xtr = takeRows(X, idx), Xte = takeRows(X, rest), ytr = Array.from(idx, (i) => y[i]);
  const cands = [1, 3, 7, 150].flatMap((k) => ['uniform', 'distance', 'shepard', 'epanechnikov'].map((weights) => ({ k, weights })));
  const shared = knnRegressorGrid({ metric: 'chebyshev' })(cands, Xtr, ytr, Xte)!;
  cands.forEach((c, i) => {
    const direct = new KNeighborsRegressor({ metric: 'chebyshev', k: c.k, weights: c.weights as 'uniform' }).fit(Xtr, ytr).predict(Xte);
    assert.deepEqual(Array.from(shared[i] as ArrayLike<number>), Array.from(direct), JSON.stringify(c));
  });
  // inside a regression grid search: same search results with and without the shortcut
  const make = (shared: boolean) => new GridSearchCV({
    estimator: (p) => new KNeighborsRegressor({ k: p.k as number, weights: p.weights as 'uniform' }) as never,
    paramGrid: GRID, folds: 4, task: 'regression', scoring: 'mse',
    ...(shared ? { sharedPredict: knnRegressorGrid() } : {}),
  }).fit(X, y);
  const a = make(false), b = make(true);
  assert.deepEqual(Array.from(b.cvResults!.meanTestScore), Array.from(a.cvResults!.meanTestScore));
  assert.deepEqual(b.bestParams, a.bestParams);
});
