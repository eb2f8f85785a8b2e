import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { jacobiSvd } from '../../src/index/pq/jacobi-svd.js';
import { trainOpq } from '../../src/index/pq/opq.js';
import { createIndex } from '../../src/index/api.js';
import { indexFromBytes } from '../../src/index/persist.js';
import { KnnkitError } from '../../src/core/errors.js';
import type { VectorIndex } from '../../src/index/types.js';

function randomMatrix(d: number, seed: number): Float64Array {
  const rng = new Rng(seed), A = new Float64Array(d * d);
  for (let i = 0; i < d * d; i++) A[i] = rng.normal();
  return A;
}

/** max |(M^T M)_ij - I_ij| of a row-major d x d matrix (orthonormal columns: 0). */
function orthoError(M: ArrayLike<number>, d: number): number {
  let worst = 0;
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += M[i * d + a] * M[i * d + b];
    worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
  }
  return worst;
}

/**
 * Correlated data: a few strong directions mixed into every coordinate by a random orthogonal
 * matrix, so that PQ's contiguous sub-spaces each see a share of every direction (the case OPQ
 * is for: Ge et al. 2013, section 3.2).
 */
function correlated(n: number, d: number, seed: number): DenseMatrix {
  const rng = new Rng(seed);
  const { U: Q } = jacobiSvd(randomMatrix(d, seed + 1), d);
  const data = new Float32Array(n * d), z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < d; t++) z[t] = rng.normal() * (t < 4 ? 10 / (t + 1) : 0.3);
    for (let b = 0; b < d; b++) { let s = 0; for (let a = 0; a < d; a++) s += z[a] * Q[a * d + b]; data[i * d + b] = s; }
  }
  return { kind: 'dense', data, rows: n, cols: d };
}

function mse(idx: VectorIndex, X: DenseMatrix): number {
  let s = 0;
  for (let i = 0; i < X.rows; i++) {
    const v = idx.getVector(i);
    for (let t = 0; t < X.cols; t++) s += (v[t] - X.data[i * X.cols + t]) ** 2;
  }
  return s / X.rows;
}

test('jacobiSvd: A = U diag(s) V^T with orthonormal U and V, also for a rank-deficient A', () => {
  for (const [d, rank] of [[12, 12], [20, 20], [9, 5]]) {
    const A = randomMatrix(d, d * 7);
    // rank-deficient: the last rows are copies of the first
    for (let i = rank; i < d; i++) for (let j = 0; j < d; j++) A[i * d + j] = A[(i - rank) * d + j];
    const { U, s, V } = jacobiSvd(A, d);
    assert.ok(orthoError(U, d) < 1e-9, `U orthonormal (d ${d}): ${orthoError(U, d)}`);
    assert.ok(orthoError(V, d) < 1e-9, `V orthonormal (d ${d})`);
    let worst = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      let r = 0;
      for (let t = 0; t < d; t++) r += U[i * d + t] * s[t] * V[j * d + t];
      worst = Math.max(worst, Math.abs(r - A[i * d + j]));
    }
    assert.ok(worst < 1e-9, `reconstruction error ${worst} (d ${d}, rank ${rank})`);
    assert.equal(Array.from(s).filter((v) => v < 1e-8).length, d - rank, 'zero singular values = d - rank');
  }
});

test('OPQ: the trained rotation is orthonormal, and it lowers PQ reconstruction MSE on correlated data', () => {
  const X = correlated(3000, 16, 5);
  const R = trainOpq(X, { m: 4, niter: 10, seed: 1 });
  assert.ok(orthoError(R, 16) < 1e-5, `R^T R = I: max error ${orthoError(R, 16)}`);
  const plain = createIndex('pq', X, { m: 4, metric: 'sqeuclidean' });
  const opq = createIndex('pq', X, { m: 4, opqM: 4, opqIter: 10, metric: 'sqeuclidean' });
  const a = mse(plain, X), b = mse(opq, X);
  assert.ok(b < 0.8 * a, `OPQ MSE ${b.toFixed(4)} vs PQ ${a.toFixed(4)}`);
});

test('OPQ16,IVF256,PQ16-style factory strings: rotation saved and loaded, getVector in the input space', () => {
  const X = correlated(2000, 16, 9);
  const idx = createIndex('OPQ4,IVF16,PQ4,RFlat', X, { metric: 'ip' });
  assert.equal(idx.kind, 'ivf-pq');
  assert.equal(idx.options.opqM, 4);
  // refine keeps the rotated float vectors: getVector rotates them back to the input
  for (const i of [0, 7, 1999]) {
    const v = idx.getVector(i);
    for (let t = 0; t < 16; t++) assert.ok(Math.abs(v[t] - X.data[i * 16 + t]) < 1e-3, `row ${i}[${t}]: ${v[t]} vs ${X.data[i * 16 + t]}`);
  }
  const Q: DenseMatrix = { kind: 'dense', data: X.data.slice(0, 20 * 16), rows: 20, cols: 16 };
  const want = idx.search(Q, 10, { nprobe: 4, kFactor: 4 });
  for (const view of [false, true]) {
    const back = indexFromBytes(idx.toBytes(), { view });
    const got = back.search(Q, 10, { nprobe: 4, kFactor: 4 });
    assert.deepEqual(Array.from(got.ids), Array.from(want.ids));
    assert.deepEqual(Array.from(got.distances), Array.from(want.distances));
  }
  // exact inner products after refinement (rotation preserves them)
  const row = want.row(0);
  for (let t = 0; t < 10; t++) {
    const j = row.indices[t];
    let s = 0;
    for (let u = 0; u < 16; u++) s += X.data[u] * X.data[j * 16 + u];
    assert.ok(Math.abs(row.distances[t] - (1 - s)) < 1e-3 * Math.max(1, Math.abs(s)));
  }
  assert.throws(() => createIndex('pq', X, { m: 4, opqM: 5 }), (e: unknown) => e instanceof KnnkitError && /opqM: got 5/.test(e.message));
});
