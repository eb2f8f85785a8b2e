import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editedNearestNeighbors, condensedNearestNeighbors, stolp, knnOutlierScores, LocalOutlierFactor, KNeighborsClassifier } from '../../src/learn/index.js';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import { takeRows } from '../../src/core/matrix.js';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { Rng } from '../../src/core/rng.js';
import { KnnkitError } from '../../src/core/errors.js';

/** Two overlapping 2-D classes with a few flipped labels (label noise). */
function noisy(n: number, seed: number): { X: DenseMatrix; y: number[]; flipped: Set<number> } {
  const rng = new Rng(seed);
  const data = new Float32Array(n * 2);
  const y: number[] = [];
  const flipped = new Set<number>();
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    data[i * 2] = (c ? 2 : -2) + rng.normal();
    data[i * 2 + 1] = rng.normal();
    y.push(c);
    if (rng.random() < 0.05) { y[i] = 1 - c; flipped.add(i); }
  }
  return { X: { kind: 'dense', data, rows: n, cols: 2 }, y, flipped };
}

/** k-NN (excluding self) majority vote of point i over the full set, lowest class on ties. */
function looVote(X: DenseMatrix, y: number[], i: number, k: number): number {
  const r = new BruteForce(X).search({ kind: 'dense', data: X.data.slice(i * 2, i * 2 + 2), rows: 1, cols: 2 }, k + 1);
  const idx = Array.from(r.indices).filter((j) => j !== i).slice(0, k);
  const votes = [0, 0];
  for (const j of idx) votes[y[j]]++;
  return votes[1] > votes[0] ? 1 : 0;
}

test('ENN (Wilson): keeps exactly the points their k nearest others classify correctly; removes most label noise', () => {
  const { X, y, flipped } = noisy(300, 1);
  const kept = editedNearestNeighbors(X, y, { k: 3 });
  const keptSet = new Set(kept);
  for (let i = 0; i < 300; i++) assert.equal(keptSet.has(i), looVote(X, y, i, 3) === y[i], `point ${i}`);
  for (let i = 1; i < kept.length; i++) assert.ok(kept[i] > kept[i - 1], 'ascending');
  let removedNoise = 0;
  for (const i of flipped) if (!keptSet.has(i)) removedNoise++;
  assert.ok(removedNoise >= 0.7 * flipped.size, `${removedNoise}/${flipped.size} flipped labels removed`);
  const all = editedNearestNeighbors(X, y, { k: 3, kind: 'all' });
  assert.ok(all.length <= kept.length);
  for (const i of all) assert.ok(keptSet.has(i), '"all" keeps a subset of "mode"');
});

test('CNN (Hart): a consistent subset, deterministic per seed, much smaller than the data', () => {
  const { X, y } = noisy(300, 2);
  const edited = editedNearestNeighbors(X, y, { k: 3 });
  const Xe = takeRows(X, edited), ye = Array.from(edited, (i) => y[i]);
  for (const seed of [0, 1]) {
    const S = condensedNearestNeighbors(Xe, ye, { seed });
    assert.deepEqual(Array.from(condensedNearestNeighbors(Xe, ye, { seed })), Array.from(S), 'deterministic');
    assert.ok(S.length < Xe.rows / 4, `|S| = ${S.length} of ${Xe.rows}`);
    assert.deepEqual(new Set(Array.from(S, (i) => ye[i])), new Set([0, 1]), 'every class represented');
    // consistency: 1-NN on S (ties by lower index) classifies every point of the set correctly
    const clf = new KNeighborsClassifier({ k: 1, algorithm: 'brute' }).fit(takeRows(Xe, S), Array.from(S, (i) => ye[i]));
    assert.deepEqual(clf.predict(Xe), ye);
  }
  // conflicting exact duplicates end in S and the loop terminates
  const S = condensedNearestNeighbors([[0], [0], [1]], ['a', 'b', 'a'], { seed: 0 });
  assert.ok(S.length >= 2);
});

test('STOLP: drops noise by margin, and its prototypes classify every remaining point by 1-NN', () => {
  const { X, y } = noisy(200, 3);
  const { prototypes, noise } = stolp(X, y, { k: 5 });
  assert.ok(noise.length > 0 && noise.length < 40, `noise ${noise.length}`);
  assert.ok(prototypes.length < 60, `${prototypes.length} prototypes`);
  const noiseSet = new Set(noise);
  const rest = Array.from({ length: 200 }, (_, i) => i).filter((i) => !noiseSet.has(i));
  const clf = new KNeighborsClassifier({ k: 1, algorithm: 'brute' }).fit(takeRows(X, prototypes), Array.from(prototypes, (i) => y[i]));
  const pred = clf.predict(takeRows(X, rest));
  let wrong = 0;
  rest.forEach((i, t) => { if (pred[t] !== y[i]) wrong++; });
  assert.equal(wrong, 0);
  const loose = stolp(X, y, { k: 5, maxErrors: 10 });
  assert.ok(loose.prototypes.length <= prototypes.length);
});

test('kNN-distance outlier score and LOF rank a planted outlier first', () => {
  const rng = new Rng(4);
  const rows = Array.from({ length: 80 }, () => [rng.normal(), rng.normal()]);
  rows.push([9, 9]);
  for (const aggregate of ['kth', 'mean', 'median'] as const) {
    const s = knnOutlierScores(rows, { k: 5, aggregate });
    assert.equal(s.indexOf(Math.max(...s)), 80, aggregate);
  }
  // kth = distance to the 5th nearest other point
  const kth = knnOutlierScores(rows, { k: 5 });
  const d = rows.slice(0, 80).map((r) => Math.hypot(r[0] - 9, r[1] - 9)).sort((a, b) => a - b);
  assert.ok(Math.abs(kth[80] - d[4]) < 1e-5);
  const lof = new LocalOutlierFactor({ k: 10 });
  const labels = lof.fitPredict(rows);
  assert.equal(labels[80], -1);
  const nof = lof.negativeOutlierFactor;
  assert.equal(nof.indexOf(Math.min(...nof)), 80);
  const sorted = Array.from(nof).sort((a, b) => a - b);
  assert.ok(sorted[0] < 3 * sorted[1], `planted LOF ${-sorted[0]} vs next ${-sorted[1]}`);
  assert.throws(() => new LocalOutlierFactor({ contamination: 0.7 }), (e: unknown) => e instanceof KnnkitError && e.param === 'contamination');
  assert.throws(() => new LocalOutlierFactor().scoreSamples(), (e: unknown) => e instanceof KnnkitError && e.param === 'fit');
  assert.throws(() => knnOutlierScores(rows, { aggregate: 'max' as 'kth' }), (e: unknown) => e instanceof KnnkitError && e.param === 'aggregate');
});
