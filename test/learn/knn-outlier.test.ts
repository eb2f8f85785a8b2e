import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KNNOutlierDetector, LocalOutlierFactor } from '../../src/learn/index.js';
import { rocAuc, precisionAtN } from '../../src/evaluation/index.js';
import { NumpyRandomState } from '../../src/evaluation/numpy-random.js';
import { gaussianClusters, sharedData } from '../helpers/data.js';
import { Rng } from '../../src/core/rng.js';
import type { DenseMatrix } from '../../src/core/matrix.js';

const dist = (X: DenseMatrix, i: number, Q: DenseMatrix, q: number) => {
  let s = 0;
  for (let j = 0; j < X.cols; j++) { const t = X.data[i * X.cols + j] - Q.data[q * Q.cols + j]; s += t * t; }
  return Math.sqrt(s);
};

/** Brute force: sorted distances from query q to every training point, leaving out `self`. */
function sortedDistances(X: DenseMatrix, Q: DenseMatrix, q: number, self: number): number[] {
  const d: number[] = [];
  for (let i = 0; i < X.rows; i++) if (i !== self) d.push(dist(X, i, Q, q));
  return d.sort((a, b) => a - b);
}

const agg = (d: number[], k: number, method: string) => {
  const s = d.slice(0, k);
  if (method === 'largest') return s[k - 1];
  if (method === 'mean') return s.reduce((a, b) => a + b, 0) / k;
  return k % 2 ? s[(k - 1) / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
};

test('KNNOutlierDetector scores equal brute force, training points without themselves, new points against the training set', () => {
  const X = gaussianClusters(300, 4, 3, 11);
  const Q = gaussianClusters(50, 4, 3, 12, 3);
  for (const method of ['largest', 'mean', 'median'] as const) {
    for (const k of [1, 4, 5]) {
      for (const algorithm of ['brute', 'kd-tree', 'ball-tree'] as const) {
        const det = new KNNOutlierDetector({ k, method, algorithm }).fit(X);
        const tr = det.outlierScores();
        for (let i = 0; i < X.rows; i += 7) assert.ok(Math.abs(tr[i] - agg(sortedDistances(X, X, i, i), k, method)) < 1e-9, `${method} k=${k} ${algorithm} train ${i}`);
        const nv = det.outlierScores(Q);
        for (let q = 0; q < Q.rows; q++) assert.ok(Math.abs(nv[q] - agg(sortedDistances(X, Q, q, -1), k, method)) < 1e-9, `${method} k=${k} ${algorithm} new ${q}`);
      }
    }
  }
});

test('KNNOutlierDetector threshold, predict (+1 / -1), decisionFunction and scoreSamples follow scikit-learn / PyOD', () => {
  const X = gaussianClusters(200, 3, 2, 5);
  const det = new KNNOutlierDetector({ contamination: 0.1 }).fit(X);
  const s = det.decisionScores;
  const sorted = Float64Array.from(s).sort();
  // numpy.percentile(s, 90), linear interpolation
  const pos = 0.9 * (s.length - 1), lo = Math.floor(pos);
  assert.ok(Math.abs(det.threshold - (sorted[lo] + (sorted[lo + 1] - sorted[lo]) * (pos - lo))) < 1e-12);
  const pred = det.predict();
  let out = 0;
  for (let i = 0; i < pred.length; i++) { assert.equal(pred[i], s[i] > det.threshold ? -1 : 1); out += pred[i] === -1 ? 1 : 0; }
  assert.equal(out, 20);
  const df = det.decisionFunction(), ss = det.scoreSamples();
  for (let i = 0; i < s.length; i++) { assert.equal(ss[i], -s[i]); assert.ok(Math.abs(df[i] - (ss[i] - det.offset)) < 1e-12); }
  // a far point is an outlier, a training point's twin is not
  const far = det.predict([[1e3, 1e3, 1e3]]);
  assert.equal(far[0], -1);
  const json = det.toJSON();
  const back = KNNOutlierDetector.fromJSON(JSON.parse(JSON.stringify(json)));
  assert.deepEqual(back.outlierScores([[0, 0, 0]]), det.outlierScores([[0, 0, 0]]));
  assert.throws(() => new KNNOutlierDetector({ method: 'max' as never }), /method: got "max"; expected one of "largest", "mean", "median"/);
  assert.throws(() => new KNNOutlierDetector({ contamination: 0.7 }), /contamination: got 0.7; expected a number in \(0, 0.5\]/);
  assert.throws(() => new KNNOutlierDetector().fit([[1, 2]]), /at least 2 points/);
  assert.throws(() => new KNNOutlierDetector().fit(X).outlierScores([[1, 2]]), /X/);
});

test('LocalOutlierFactor scores new points (novelty) as the LOF definition, by brute force', () => {
  const X = gaussianClusters(120, 3, 2, 8);
  const Q = gaussianClusters(20, 3, 2, 9, 2);
  const k = 10;
  const lof = new LocalOutlierFactor({ k }).fit(X);
  const kNN = (Qm: DenseMatrix, q: number, self: number) => {
    const d: [number, number][] = [];
    for (let i = 0; i < X.rows; i++) if (i !== self) d.push([dist(X, i, Qm, q), i]);
    return d.sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, k);
  };
  const kdist = Array.from({ length: X.rows }, (_, i) => kNN(X, i, i)[k - 1][0]);
  const lrdOf = (nb: [number, number][]) => 1 / (nb.reduce((a, [d, o]) => a + Math.max(d, kdist[o]), 0) / k + 1e-10);
  const lrd = Array.from({ length: X.rows }, (_, i) => lrdOf(kNN(X, i, i)));
  const got = lof.scoreSamples(Q);
  for (let q = 0; q < Q.rows; q++) {
    const nb = kNN(Q, q, -1);
    const lrdQ = lrdOf(nb);
    const expected = -nb.reduce((a, [, o]) => a + lrd[o] / lrdQ, 0) / k;
    assert.ok(Math.abs(got[q] - expected) < 1e-6 * Math.abs(expected), `query ${q}: ${got[q]} vs ${expected}`);
  }
});

test('rocAuc equals the direct pairwise count (ties count 1/2); precisionAtN as PyOD', () => {
  const rng = new Rng(3);
  for (let trial = 0; trial < 20; trial++) {
    const n = 30 + rng.int(50);
    const y = Array.from({ length: n }, () => (rng.random() < 0.3 ? 1 : 0));
    y[0] = 1; y[1] = 0;
    const s = Array.from({ length: n }, () => rng.int(8)); // many ties
    let num = 0, pairs = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      if (y[i] === 1 && y[j] === 0) { pairs++; num += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0; }
    }
    assert.ok(Math.abs(rocAuc(y, s) - num / pairs) < 1e-12);
  }
  assert.equal(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
  assert.equal(rocAuc([true, false], [1, 1]), 0.5);
  // 2 outliers of 5: threshold = percentile 60 of the scores; above it: 0.9 (outlier) and 0.8 (inlier)
  assert.equal(precisionAtN([1, 0, 0, 1, 0], [0.9, 0.8, 0.1, 0.3, 0.2]), 0.5);
  assert.throws(() => rocAuc([1, 1], [0.2, 0.3]), /needs both classes/);
  assert.throws(() => rocAuc([1, 2], [0.2, 0.3]), /yTrue: got 2 at 1; expected 0 \/ 1/);
  assert.throws(() => rocAuc([1, 0], [0.2]), /scores: 1 values for 2 labels/);
});

test('numpy RandomState permutations (the splits of PyOD\'s benchmark)', () => {
  assert.deepEqual(Array.from(new NumpyRandomState(0).permutation(10)), [2, 8, 4, 9, 1, 6, 7, 3, 0, 5]);
  assert.deepEqual(Array.from(new NumpyRandomState(42).permutation(10)), [8, 1, 5, 0, 7, 2, 9, 4, 3, 6]);
  assert.deepEqual(Array.from(new NumpyRandomState(3).permutation(70000).subarray(0, 5)), [2758, 37134, 29158, 5365, 52942]);
});

const wbc = sharedData('odds/wbc.csv');
test('PyOD benchmark on ODDS wbc: KNN 0.9366 and LOF 0.9349 ROC-AUC, its published values', { skip: wbc.skip }, async () => {
  const { readDataset } = await import('../../src/io/index.js');
  const { toDense } = await import('../../src/core/matrix.js');
  const { outlierTrials, outlierLabels } = await import('../../src/cli/commands/outliers.js');
  const ds = await readDataset(wbc.path);
  const X = toDense(ds.X), y = outlierLabels(ds.y!, wbc.path);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const base = { trainFraction: 0.6, trials: 10, seed: 0, standardize: true, aggregate: 'largest' as const };
  const knn = outlierTrials(X, y, { ...base, method: 'knn', k: 5 });
  const lof = outlierTrials(X, y, { ...base, method: 'lof', k: 20 });
  assert.ok(Math.abs(mean(knn.map((t) => t.rocAuc)) - 0.9366) < 5e-5);
  assert.ok(Math.abs(mean(lof.map((t) => t.rocAuc)) - 0.9349) < 5e-5);
});
