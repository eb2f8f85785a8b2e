// Cross-validation copies each fold's rows once and scans the data for NaN / Infinity once:
// the training rows are handed over to the fold's model (its fit keeps them instead of copying
// them again), the fold matrices inherit the whole matrix's validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finiteScans, handOver, takeRows, toDense, type DenseMatrix } from '../../src/core/matrix.js';
import { toMatrix, type MatrixInput } from '../../src/core/data.js';
import type { Label } from '../../src/core/labels.js';
import { crossValidate } from '../../src/model-selection/cross-validate.js';
import type { Estimator } from '../../src/model-selection/types.js';
import { KNeighborsClassifier } from '../../src/learn/index.js';
import { gaussianClusters } from '../helpers/data.js';

test('handOver: the next copy: true conversion takes the matrix itself, once; later ones copy', () => {
  const m = toDense(gaussianClusters(20, 3, 2, 1));
  const t = takeRows(m, [3, 1, 4]);
  assert.deepEqual(Array.from(t.data.subarray(0, 3)), Array.from(m.data.subarray(9, 12)), 'row 3 first');
  assert.notEqual(toDense(t, { copy: true }), t, 'not handed over: a copy');
  handOver(t);
  assert.equal(toDense(t, { copy: true }), t, 'handed over: taken as is');
  const again = toDense(t, { copy: true });
  assert.notEqual(again, t, 'the mark is used up');
  assert.deepEqual(Array.from(again.data), Array.from(t.data));
  // a handed-over matrix of the wrong width is still an error naming the dimensions
  assert.throws(() => toDense(handOver(takeRows(m, [0])), { copy: true, cols: 4 }), /dimension mismatch: rows have 3 columns but 4/);
});

test('takeRows of a validated matrix is not scanned again; of an unchecked one it is', () => {
  const m = toDense(gaussianClusters(30, 4, 2, 2));
  let before = finiteScans();
  toDense(takeRows(m, [0, 5, 7]));
  assert.equal(finiteScans() - before, 0, 'rows of a checked matrix');
  const raw: DenseMatrix = { kind: 'dense', data: new Float32Array([1, NaN, 3, 4]), rows: 2, cols: 2 };
  before = finiteScans();
  assert.throws(() => toDense(takeRows(raw, [1, 0])), /value NaN at row 1, column 1/);
  assert.equal(finiteScans() - before, 1);
});

test('crossValidate: each fold model receives its own rows (no second copy in fit), scans once, and the scores are unchanged', () => {
  const X = gaussianClusters(240, 6, 3, 5);
  const y: number[] = Array.from({ length: 240 }, (_, i) => (i * 7) % 3);
  const seen: Float32Array[] = [];
  /** Records what fit's defensive copy returns, then delegates to a real classifier. */
  class Probe {
    inner = new KNeighborsClassifier({ k: 3, algorithm: 'brute' });
    fit(Xf: MatrixInput, yf: ArrayLike<Label>) {
      const kept = toMatrix(Xf, { copy: true }) as DenseMatrix;
      assert.equal(kept, Xf, 'the fold rows are taken as is');
      seen.push(kept.data);
      this.inner.fit(kept, yf);
      return this;
    }
    predict(Xq: MatrixInput) { return this.inner.predict(Xq); }
  }
  const before = finiteScans();
  const probe = crossValidate(() => new Probe() as unknown as Estimator, X, y, { folds: 4, seed: 3, shuffle: true });
  assert.equal(finiteScans() - before, 1, 'one NaN/Infinity scan for the whole cross-validation');
  assert.equal(seen.length, 4);
  assert.equal(new Set(seen.map((d) => d.buffer)).size, 4, 'one buffer per fold');
  const plain = crossValidate(() => new KNeighborsClassifier({ k: 3, algorithm: 'brute' }) as unknown as Estimator, X, y, { folds: 4, seed: 3, shuffle: true });
  assert.deepEqual(probe.predictions, plain.predictions);
  assert.deepEqual(probe.scores, plain.scores);
  // the copy the caller passed in is never written: the folds hold copies of its rows
  assert.deepEqual(Array.from(X.data.subarray(0, 6)), Array.from(gaussianClusters(240, 6, 3, 5).data.subarray(0, 6)));
});
