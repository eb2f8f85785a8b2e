import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolveMetric, METRIC_NAMES } from '../../src/metrics/registry.js';
import { KnnkitError } from '../../src/core/errors.js';
import { csrMatrix } from '../../src/core/sparse.js';

const fx = JSON.parse(readFileSync(new URL('../fixtures/metrics-scipy.json', import.meta.url), 'utf8'));
const flat = (rows: number[][]) => Float32Array.from(rows.flat());

function pairwise(spec: Parameters<typeof resolveMetric>[0], A: number[][], B: number[][], fit?: number[][]): number[][] {
  const d = A[0].length;
  const m = resolveMetric(spec, fit ? { data: flat(fit), rows: fit.length, cols: d } : undefined);
  const a = flat(A), b = flat(B);
  return A.map((_, i) => B.map((_, j) => {
    const dist = m.distance(a, i * d, b, j * d, d);
    // reduced <-> distance round trip must be consistent with distance()
    assert.ok(Math.abs(m.reducedToDistance(m.reduced(a, i * d, b, j * d, d)) - dist) <= 1e-9 * Math.max(1, dist));
    return dist;
  }));
}

function close(actual: number[][], expected: number[][], tol: number, label: string) {
  for (let i = 0; i < expected.length; i++) for (let j = 0; j < expected[i].length; j++) {
    assert.ok(Math.abs(actual[i][j] - expected[i][j]) <= tol * Math.max(1, Math.abs(expected[i][j])), `${label}[${i}][${j}]: ${actual[i][j]} vs ${expected[i][j]}`);
  }
}

for (const [spec, key] of [
  ['euclidean', 'euclidean'], ['l2', 'euclidean'], ['sqeuclidean', 'sqeuclidean'], ['manhattan', 'manhattan'],
  ['cityblock', 'manhattan'], ['chebyshev', 'chebyshev'], [{ name: 'minkowski', p: 3 }, 'minkowski3'],
  [{ name: 'minkowski', p: 2 }, 'euclidean'], [{ name: 'minkowski', p: 1 }, 'manhattan'],
  ['cosine', 'cosine'], ['ip', 'ip'],
] as const) {
  test(`metric ${JSON.stringify(spec)} agrees with scipy/scikit-learn`, () => {
    close(pairwise(spec, fx.A, fx.B), fx[key], 1e-9, key);
  });
}

test('cosine: a zero vector is at distance 1 from everything (documented convention)', () => {
  const m = resolveMetric('cosine');
  const z = new Float32Array(3), v = Float32Array.of(1, 2, 3);
  assert.equal(m.distance(z, 0, v, 0, 3), 1);
  assert.equal(m.distance(z, 0, z, 0, 3), 1);
  assert.equal(m.distance(v, 0, v, 0, 3), 0);
});

test('mahalanobis fitted from data agrees with scipy (VI = inv(cov))', () => {
  close(pairwise('mahalanobis', fx.A, fx.B, fx.fitX), fx.mahalanobis_fitted, 1e-6, 'mahalanobis');
});

test('mahalanobis with an explicit identity VI equals euclidean', () => {
  const I = [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]];
  close(pairwise({ name: 'mahalanobis', VI: I }, fx.A, fx.B), fx.euclidean, 1e-9, 'mahalanobis-identity');
  close(pairwise({ name: 'mahalanobis', V: I }, fx.A, fx.B), fx.euclidean, 1e-9, 'mahalanobis-V');
});

test('hamming agrees with scipy (fraction of differing coordinates)', () => {
  close(pairwise('hamming', fx.binA, fx.binB), fx.hamming, 1e-12, 'hamming');
});

test('sparse kernels equal the dense kernels on the same rows', () => {
  const A: number[][] = fx.A, B: number[][] = fx.B, d = A[0].length;
  const toCsr = (rows: number[][]) => {
    const indptr = [0], indices: number[] = [], values: number[] = [];
    for (const r of rows) { r.forEach((v, j) => { if (v !== 0 && j % 2 === 0) { indices.push(j); values.push(v); } }); indptr.push(indices.length); }
    return csrMatrix(Int32Array.from(indptr), Int32Array.from(indices), Float32Array.from(values), rows.length, d);
  };
  const sa = toCsr(A), sb = toCsr(B);
  const dense = (rows: number[][]) => Float32Array.from(rows.flatMap((r) => r.map((v, j) => (j % 2 === 0 ? v : 0))));
  const da = dense(A), db = dense(B);
  for (const name of ['euclidean', 'sqeuclidean', 'manhattan', 'cosine', 'ip']) {
    const m = resolveMetric(name);
    assert.ok(m.sparseReduced, name);
    for (let i = 0; i < A.length; i++) for (let j = 0; j < B.length; j++) {
      const s = m.sparseReduced!(sa.indices, sa.values, sa.indptr[i], sa.indptr[i + 1], sb.indices, sb.values, sb.indptr[j], sb.indptr[j + 1], NaN, NaN);
      const r = m.reduced(da, i * d, db, j * d, d);
      assert.ok(Math.abs(s - r) <= 1e-9 * Math.max(1, Math.abs(r)), `${name} ${i},${j}: ${s} vs ${r}`);
    }
  }
});

test('dotForm reproduces reduced distances from dot products and norms', () => {
  const A: number[][] = fx.A, B: number[][] = fx.B, d = A[0].length;
  const a = flat(A), b = flat(B);
  for (const name of ['euclidean', 'sqeuclidean', 'cosine', 'ip']) {
    const m = resolveMetric(name);
    for (let i = 0; i < A.length; i++) for (let j = 0; j < B.length; j++) {
      let dot = 0, na = 0, nb = 0;
      for (let t = 0; t < d; t++) { dot += a[i * d + t] * b[j * d + t]; na += a[i * d + t] ** 2; nb += b[j * d + t] ** 2; }
      const viaDot = m.dotForm!.fromDot(dot, na, nb);
      assert.ok(Math.abs(viaDot - m.reduced(a, i * d, b, j * d, d)) < 1e-9 * Math.max(1, na + nb), name);
    }
  }
});

test('capability flags: tree support follows the metric family', () => {
  assert.equal(resolveMetric('euclidean').minkowskiP, 2);
  assert.equal(resolveMetric('chebyshev').minkowskiP, Infinity);
  assert.equal(resolveMetric({ name: 'minkowski', p: 3 }).minkowskiP, 3);
  assert.equal(resolveMetric('cosine').isTrueMetric, false);
  assert.equal(resolveMetric('cosine').minkowskiP, undefined);
  assert.equal(resolveMetric('hamming').isTrueMetric, true);
  assert.equal(resolveMetric('sqeuclidean').isTrueMetric, false);
});

test('bad metric specs give errors naming the parameter and what is accepted', () => {
  assert.throws(() => resolveMetric('nope'), (e: unknown) => e instanceof KnnkitError && /metric: got "nope"; expected one of euclidean/.test((e as Error).message));
  assert.throws(() => resolveMetric({ name: 'minkowski', p: 0.5 }), /p: got 0.5; expected a number >= 1/);
  assert.throws(() => resolveMetric('mahalanobis'), /mahalanobis.*needs VI/);
  assert.throws(() => resolveMetric({ name: 'mahalanobis', VI: [1, 2, 3] }), /not a square matrix/);
  assert.throws(() => resolveMetric({ name: 'mahalanobis', V: [[1, 1], [1, 1]] }), /singular/);
  assert.ok(METRIC_NAMES.includes('cityblock'));
});
