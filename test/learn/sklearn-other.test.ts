// KNeighborsRegressor, RadiusNeighbors* and LocalOutlierFactor against scikit-learn 1.9.1
// (fixtures from scripts/fixtures/sklearn_estimators.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KNeighborsRegressor, RadiusNeighborsClassifier, RadiusNeighborsRegressor, LocalOutlierFactor } from '../../src/learn/index.js';
import { KnnkitError } from '../../src/core/errors.js';
import { sharedData } from '../helpers/data.js';
import { loadFixture, readNumericCsv, dense, splitRows, decodeProba } from './fixtures.js';

const reg = loadFixture('estimators-regression.json');

function checkRegression(t: { diagnostic(s: string): void }, name: string, X: number[][], y: number[], block: any) {
  const xs = splitRows(X, block.test), ys = splitRows(y, block.test);
  const Xtr = dense(xs.train), Xte = dense(xs.testRows);
  let checked = 0, ties = 0, maxRel = 0;
  for (const c of block.cases) {
    const metric = c.metric.name;
    const model = c.estimator === 'KNeighborsRegressor'
      ? new KNeighborsRegressor({ k: c.k, weights: c.weights, metric, algorithm: 'brute' }).fit(Xtr, ys.train)
      : new RadiusNeighborsRegressor({ radius: c.radius, weights: c.weights, metric, algorithm: 'brute' }).fit(Xtr, ys.train);
    const pred = model.predict(Xte);
    const tieSet = new Set<number>(c.ties ?? []);
    for (let q = 0; q < pred.length; q++) {
      if (tieSet.has(q)) { ties++; continue; }
      const want = c.pred[q];
      const where = `${name} ${c.estimator} ${metric} k=${c.k ?? '-'} r=${c.radius ?? '-'} ${c.weights} query ${q}`;
      if (want === null) { assert.ok(Number.isNaN(pred[q]), `expected NaN (no neighbour): ${where}`); checked++; continue; }
      // 1e-6 relative, plus the float32-storage effect the fixture measured with sklearn itself
      const diff = Math.abs(pred[q] - want);
      maxRel = Math.max(maxRel, diff / Math.max(1, Math.abs(want)));
      assert.ok(diff <= 1e-6 * Math.max(1, Math.abs(want)) + 2 * (c.float32Diff ?? 0), `${pred[q]} vs ${want}: ${where}`);
      checked++;
    }
  }
  t.diagnostic(`${name}: ${checked} regression predictions agree (max relative diff ${maxRel.toExponential(2)}), ${ties} tie queries not compared`);
}

test('KNeighborsRegressor / RadiusNeighborsRegressor agree with scikit-learn (embedded make_regression)', (t) => {
  checkRegression(t, 'make_regression', reg.synthetic.X, reg.synthetic.y, reg.synthetic);
});

const glass = sharedData('glass.csv');
test('KNeighborsRegressor agrees with scikit-learn on glass refractive index', { skip: glass.skip || !reg.glassRI }, (t) => {
  const { X } = readNumericCsv(glass.path);
  checkRegression(t, 'glass RI', X.map((r) => r.slice(1)), X.map((r) => r[0]), reg.glassRI);
});

test('RadiusNeighborsClassifier agrees with scikit-learn (iris, outlier labels)', () => {
  const rad = loadFixture('estimators-radius.json');
  const iris = loadFixture('estimators-knn-iris.json');
  const xs = splitRows(iris.X as number[][], iris.test), ys = splitRows(iris.y as number[], iris.test);
  const Xtr = dense(xs.train), Xq = dense(rad.queries);
  for (const c of rad.cases) {
    const clf = new RadiusNeighborsClassifier({ radius: c.radius, weights: c.weights, outlierLabel: c.outlierLabel, algorithm: 'brute' }).fit(Xtr, ys.train);
    const where = `r=${c.radius} ${c.weights} outlier=${c.outlierLabel}`;
    assert.deepEqual(clf.predict(Xq), c.pred, where);
    const want = decodeProba(c.proba, 3, null), got = clf.predictProba(Xq);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-6, `proba ${i}: ${got[i]} vs ${want[i]} (${where})`);
  }
  // no outlier label: an error naming the offending queries (sklearn: "No neighbors found for test samples array([45, 46])")
  const clf = new RadiusNeighborsClassifier({ radius: 0.35, algorithm: 'brute' }).fit(Xtr, ys.train);
  assert.match(rad.noneOutlierError, /No neighbors found for test samples/);
  const offending = [...rad.noneOutlierError.matchAll(/\d+/g)].map((m: RegExpMatchArray) => m[0]);
  assert.throws(() => clf.predict(Xq), (e: unknown) => e instanceof KnnkitError && e.param === 'outlierLabel' && offending.every((i: string) => e.message.includes(i)));
});

test('LocalOutlierFactor agrees with scikit-learn (negative_outlier_factor_, offset_, labels, novelty scores)', (t) => {
  const lof = loadFixture('estimators-lof.json');
  const X = dense(lof.X), Xnew = dense(lof.Xnew);
  let maxRel = 0;
  for (const c of lof.cases) {
    const m = new LocalOutlierFactor({ k: c.k, contamination: c.contamination, algorithm: 'brute' });
    const labels = m.fitPredict(X);
    const nof = m.negativeOutlierFactor;
    for (let i = 0; i < nof.length; i++) {
      const rel = Math.abs(nof[i] - c.negativeOutlierFactor[i]) / Math.abs(c.negativeOutlierFactor[i]);
      maxRel = Math.max(maxRel, rel);
      assert.ok(rel <= 1e-5, `k=${c.k} point ${i}: ${nof[i]} vs ${c.negativeOutlierFactor[i]}`);
    }
    assert.ok(Math.abs(m.offset - c.offset) <= 1e-5 * Math.abs(c.offset), `offset ${m.offset} vs ${c.offset}`);
    assert.deepEqual(Array.from(labels), c.labels, `labels k=${c.k} contamination=${c.contamination}`);
    const sc = m.scoreSamples(Xnew);
    for (let i = 0; i < sc.length; i++) assert.ok(Math.abs(sc[i] - c.scoreSamplesNew[i]) <= 1e-5 * Math.abs(c.scoreSamplesNew[i]), `novelty score ${i}: ${sc[i]} vs ${c.scoreSamplesNew[i]}`);
    assert.deepEqual(Array.from(m.predict(Xnew)), c.predictNew);
  }
  t.diagnostic(`LOF: max relative difference of negative_outlier_factor_ ${maxRel.toExponential(2)} (float32 storage of 3-decimal data)`);
});
