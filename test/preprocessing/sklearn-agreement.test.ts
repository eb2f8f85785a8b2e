import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StandardScaler, MinMaxScaler, Normalizer, PCA, KNNImputer } from '../../src/preprocessing/index.js';
import { toDense, toArray, type DenseMatrix } from '../../src/core/matrix.js';
import type { Matrix } from '../../src/core/data.js';

const fx = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'preprocessing-sklearn.json'), 'utf8'));
const nanRows = (rows: (number | null)[][]) => rows.map((r) => r.map((v) => (v === null ? NaN : v)));

/** |a - b| <= tol * max(1, |b|) entry by entry (outputs are float32). */
function near(actual: ArrayLike<number> | Matrix, expected: number[] | number[][], tol = 2e-6, what = ''): void {
  const a = (actual as Matrix).kind === 'dense' ? (actual as DenseMatrix).data : (actual as ArrayLike<number>);
  const e = (expected as unknown[]).flat() as number[];
  assert.equal(a.length, e.length, `${what}: length`);
  for (let i = 0; i < e.length; i++) {
    assert.ok(Math.abs(a[i] - e[i]) <= tol * Math.max(1, Math.abs(e[i])), `${what}[${i}]: ${a[i]} vs ${e[i]}`);
  }
}

test('StandardScaler agrees with scikit-learn (population std, constant column scale 1)', () => {
  const s = new StandardScaler().fit(fx.X);
  near(s.mean!, fx.standard.mean, 1e-12, 'mean');
  near(s.variance!, fx.standard.var, 1e-10, 'var');
  near(s.scale!, fx.standard.scale, 1e-12, 'scale');
  assert.equal(s.scale![4], 1);
  near(s.transform(fx.Xtest), fx.standard.transform, 2e-6, 'transform');
});

test('MinMaxScaler agrees with scikit-learn (feature range, constant column)', () => {
  const s = new MinMaxScaler({ featureRange: [-1, 2] }).fit(fx.X);
  near(s.scale!, fx.minmax.scale, 1e-12, 'scale');
  near(s.min!, fx.minmax.min, 1e-12, 'min');
  near(s.transform(fx.Xtest), fx.minmax.transform, 2e-6, 'transform');
  const clipped = toDense(new MinMaxScaler({ featureRange: [-1, 2], clip: true }).fit(fx.X).transform(fx.Xtest));
  assert.ok(clipped.data.every((v) => v >= -1 && v <= 2));
});

test('Normalizer agrees with scikit-learn for l2, l1, max (zero row stays zero)', () => {
  const X = [...fx.Xtest, [0, 0, 0, 0, 0, 0]];
  for (const norm of ['l2', 'l1', 'max'] as const) near(new Normalizer({ norm }).fitTransform(X), fx.normalizer[norm], 2e-6, norm);
});

test('PCA agrees with scikit-learn: components (svd_flip signs), variances, projections', () => {
  const p = new PCA().fit(fx.pca.X);
  near(p.mean!, fx.pca.mean, 1e-12, 'mean');
  near(p.explainedVariance!, fx.pca.explainedVariance, 1e-9, 'explainedVariance');
  near(p.explainedVarianceRatio!, fx.pca.explainedVarianceRatio, 1e-9, 'ratio');
  // the two smallest components have eigenvalues close together: compare the well-separated ones
  near(p.components!.slice(0, 3 * 7), fx.pca.components.slice(0, 3), 1e-7, 'components');
  near(toArray(p.transform(fx.pca.Xtest)).flatMap((r) => r.slice(0, 3)), (fx.pca.transform as number[][]).map((r) => r.slice(0, 3)), 1e-5, 'transform');
  const w = new PCA({ nComponents: 3, whiten: true }).fit(fx.pca.X);
  assert.equal(w.nComponents, 3);
  near(w.transform(fx.pca.Xtest), fx.pca.whiten3.transform, 1e-5, 'whitened');
  assert.equal(new PCA({ nComponents: 0.9 }).fit(fx.pca.X).nComponents, fx.pca.frac90.nComponents);
});

test('PCA on wide data (n < d, Gram route) agrees with scikit-learn', () => {
  const p = new PCA({ nComponents: 5 }).fit(fx.pca.wide.X);
  near(p.explainedVariance!, fx.pca.wide.explainedVariance, 1e-9, 'explainedVariance');
  near(p.explainedVarianceRatio!, fx.pca.wide.explainedVarianceRatio, 1e-9, 'ratio');
  near(p.components!, fx.pca.wide.components, 1e-6, 'components');
  near(p.transform(fx.pca.wide.X), fx.pca.wide.transform, 1e-5, 'transform');
});

test('KNNImputer agrees with scikit-learn (nan_euclidean, uniform and distance weights)', () => {
  const X = nanRows(fx.knnImputer.X), T = nanRows(fx.knnImputer.Xtest);
  for (const weights of ['uniform', 'distance'] as const) {
    const imp = new KNNImputer({ nNeighbors: 3, weights }).fit(X);
    near(imp.transform(X), fx.knnImputer[weights].fitTransform, 2e-6, `${weights} fit`);
    near(imp.transform(T), fx.knnImputer[weights].transform, 2e-6, `${weights} test`);
  }
});
