// The preparation of the kNN-Graph `candidates: m` mode against direct oracles: candidate sets
// (exact m nearest other rows, ties to the lower index), per-class neighbourhoods (Eq. 3's
// inputs), the median-distance sigma, and the local kernel block / Gram form of one column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import type { Matrix } from '../../src/core/data.js';
import { setWasmMode } from '../../src/wasm/loader.js';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import { gaussianClusters } from '../helpers/data.js';
import { denseToCsr } from '../../src/knn-graph/convert.js';
import { nearestOthers, rowSquaredNorms } from '../../src/knn-graph/distances.js';
import { classNeighbourhoods, medianOfSquared } from '../../src/knn-graph/density.js';
import { kernelValue } from '../../src/knn-graph/kernel.js';
import { LocalKernel, localGram } from '../../src/knn-graph/local-kernel.js';
import { drawPairs, medianDistanceStreaming, medianPlan, medianPairValues, EXACT_MEDIAN_PAIRS } from '../../src/knn-graph/median.js';

/** Integer-valued clusters with planted exact duplicates: many tied distances. */
function tiedData(n: number, d: number, seed: number) {
  const X = gaussianClusters(n, d, 3, seed, 1.5, true);
  const rng = new Rng(seed + 7);
  // copies of row 5 at six higher indices (more than m + 1 = 5 rows at distance 0 from it)
  for (const r of [9, 17, 23, 31, 40, 47]) X.data.copyWithin(r * d, 5 * d, 6 * d);
  for (let t = 0; t < 10; t++) { const a = rng.int(n), b = rng.int(n); X.data.copyWithin(a * d, b * d, b * d + d); }
  const y = Int32Array.from({ length: n }, () => rng.int(3));
  y[63] = 3; // a class of one: the all-samples fallback
  return { X, y, nClasses: 4 };
}

/** sum (a - b)^2 in float64, sequentially: the exact engines' reduced squared Euclidean distance. */
function sqL2(X: Matrix, i: number, k: number): number {
  const row = (r: number) => {
    const out = new Float64Array(X.cols);
    if (X.kind === 'dense') for (let t = 0; t < X.cols; t++) out[t] = X.data[r * X.cols + t];
    else for (let p = X.indptr[r]; p < X.indptr[r + 1]; p++) out[X.indices[p]] = X.values[p];
    return out;
  };
  const a = row(i), b = row(k);
  let s = 0;
  for (let t = 0; t < X.cols; t++) { const v = a[t] - b[t]; s += v * v; }
  return s;
}

/** D2 by the blockwise kernels' arithmetic: norms + sequential float64 dot, clamped at 0. */
function formulaD2(X: Matrix, norms: Float64Array, j: number, i: number): number {
  let s = 0;
  if (X.kind === 'dense') for (let t = 0; t < X.cols; t++) s += X.data[i * X.cols + t] * X.data[j * X.cols + t];
  else {
    const row = new Float32Array(X.cols);
    for (let p = X.indptr[j]; p < X.indptr[j + 1]; p++) row[X.indices[p]] = X.values[p];
    for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) s += row[X.indices[p]] * X.values[p];
  }
  const v = norms[j] + norms[i] - 2 * s;
  return v > 0 ? v : 0;
}

for (const kind of ['dense', 'csr'] as const) {
  test(`candidates (${kind}): the m nearest other rows equal a brute-force oracle, ties to the lower index`, () => {
    const { X: D } = tiedData(64, 5, 1);
    const X: Matrix = kind === 'dense' ? D : denseToCsr(D);
    const n = X.rows;
    for (const m of [4, 11, n - 1]) {
      const got = nearestOthers(X, m);
      assert.equal(got.m, m);
      for (let i = 0; i < n; i++) {
        const want = Array.from({ length: n }, (_, k) => k).filter((k) => k !== i)
          .map((k) => ({ k, d: sqL2(X, i, k) })).sort((a, b) => a.d - b.d || a.k - b.k).slice(0, m);
        assert.deepEqual(Array.from(got.indices.subarray(i * m, (i + 1) * m)), want.map((w) => w.k), `row ${i}, m = ${m}`);
        for (let t = 0; t < m; t++) assert.equal(got.d2[i * m + t], Math.fround(want[t].d));
      }
    }
    // row 5 has six exact copies above it: with m = 4 its list is four of them, by index
    assert.deepEqual(Array.from(nearestOthers(X, 4).indices.subarray(5 * 4, 6 * 4)), [9, 17, 23, 31]);
    // row 47 (a copy of 5): the first m rows at distance 0 (5, 9, 17, 23), never itself
    assert.deepEqual(Array.from(nearestOthers(X, 4).indices.subarray(47 * 4, 48 * 4)), [5, 9, 17, 23]);
  });

  test(`class neighbourhoods (${kind}): equal a scan of the full D2 (values bit for bit, zeros skipped, fallback)`, () => {
    const { X: D, y, nClasses } = tiedData(64, 5, 2);
    const X: Matrix = kind === 'dense' ? D : denseToCsr(D);
    const n = X.rows, sMax = 7;
    const norms = rowSquaredNorms(X);
    const nb = classNeighbourhoods(X, y, nClasses, sMax);
    for (let j = 0; j < n; j++) {
      // the reference scan: same-class rows ascending, two closest (zeros kept), smallest non-zero
      let b0 = -1, b1 = -1, v0 = Infinity, v1 = Infinity;
      const vals: number[] = [];
      for (let t = 0; t < n; t++) {
        if (t === j || y[t] !== y[j]) continue;
        const v = formulaD2(X, norms, j, t);
        if (v < v0) { b1 = b0; v1 = v0; b0 = t; v0 = v; } else if (v < v1) { b1 = t; v1 = v; }
        if (v !== 0) vals.push(v);
      }
      assert.deepEqual([nb.nearestSame[2 * j], nb.nearestSame[2 * j + 1]], [b0, b1], `nearestSame of ${j}`);
      let want = vals.sort((a, b) => a - b).slice(0, sMax);
      if (want.length === 0) {
        // no other same-class sample at a non-zero distance: every other sample, zeros kept
        want = Array.from({ length: n }, (_, t) => t).filter((t) => t !== j).map((t) => formulaD2(X, norms, j, t)).sort((a, b) => a - b).slice(0, sMax);
      }
      assert.equal(nb.count[j], want.length, `count of ${j}`);
      assert.deepEqual(Array.from(nb.d2.subarray(j * sMax, j * sMax + want.length)), want, `d2 of ${j}`);
    }
    assert.deepEqual([nb.nearestSame[126], nb.nearestSame[127]], [-1, -1]); // row 63: alone in its class
  });
}

test('median distance: exact path equals the median of all pairs; dense and CSR agree bit for bit (exact and sampled)', () => {
  const { X } = tiedData(64, 5, 3);
  const norms = rowSquaredNorms(X);
  const all: number[] = [];
  for (let i = 0; i < 64; i++) for (let k = i + 1; k < 64; k++) all.push(Math.sqrt(formulaD2(X, norms, i, k)));
  all.sort((a, b) => a - b);
  const m = all.length;
  const want = m % 2 ? all[(m - 1) / 2] : (all[m / 2 - 1] + all[m / 2]) / 2;
  assert.equal(medianDistanceStreaming(X, norms, 3), want);
  const S = denseToCsr(X);
  assert.equal(medianDistanceStreaming(S, rowSquaredNorms(S), 3), want);
  // any split of the rows gives the same values (the worker threads take row ranges)
  const plan = medianPlan(64, 3);
  const v = new Float64Array(plan.count);
  for (const [lo, hi] of [[0, 5], [5, 40], [40, 64]]) medianPairValues(S, rowSquaredNorms(S), plan, lo, hi, v);
  assert.equal(medianOfSquared(v), want);
  // sampled: beyond 2^24 pairs; the sparse merge adds the same products as the dense dot
  const n = 6000;
  assert.ok((n * (n - 1)) / 2 > EXACT_MEDIAN_PAIRS);
  const big = gaussianClusters(n, 3, 4, 9);
  for (let i = 0; i < n * 3; i += 7) big.data[i] = 0; // some zeros, so that the CSR rows differ in length
  const sBig = denseToCsr(big);
  const a = medianDistanceStreaming(big, rowSquaredNorms(big), 5);
  assert.equal(medianDistanceStreaming(sBig, rowSquaredNorms(sBig), 5), a);
  assert.notEqual(medianDistanceStreaming(big, rowSquaredNorms(big), 6), a); // the seed picks the pairs
});

test('sampled median pairs: the same stream as core Rng (int(n), then int(n - 1) shifted past i)', () => {
  for (const [seed, n] of [[3 ^ 0x5eed, 18000], [0, 7], [0xffffffff, 1000003], [12345, 2]]) {
    const I = new Int32Array(5000), K = new Int32Array(5000);
    drawPairs(seed, n, I, K);
    const rng = new Rng(seed);
    for (let q = 0; q < 5000; q++) {
      const i = rng.int(n);
      let k = rng.int(n - 1);
      if (k >= i) k++;
      assert.equal(I[q], i, `seed ${seed}, pair ${q}`);
      assert.equal(K[q], k, `seed ${seed}, pair ${q}`);
    }
  }
});

/** The kernel block and Gram form of one column the straightforward way (strided sums). */
function naiveLocal(X: Matrix, norms: Float64Array, y: Int32Array, R: Int32Array, sigma: number) {
  const q = R.length, m = q - 1, inv = 1 / (2 * sigma * sigma);
  const AR = new Float64Array(q * q);
  for (let u = 0; u < q; u++) {
    AR[u * q + u] = 0.7 + 0.3;
    for (let v = u + 1; v < q; v++) {
      const val = kernelValue(formulaD2(X, norms, R[u], R[v]), inv, 0.7, 0.3, 0.1, y[R[u]] === y[R[v]]);
      AR[u * q + v] = val; AR[v * q + u] = val;
    }
  }
  const H = new Float32Array(m * m), b = new Float64Array(m);
  let c = 0;
  for (let r = 0; r < q; r++) c += AR[r * q] * AR[r * q];
  for (let u = 0; u < m; u++) {
    let s = 0;
    for (let r = 0; r < q; r++) s += AR[r * q + u + 1] * AR[r * q];
    b[u] = s;
    for (let v = u; v < m; v++) {
      let h = 0;
      for (let r = 0; r < q; r++) h += AR[r * q + u + 1] * AR[r * q + v + 1];
      H[u * m + v] = h; H[v * m + u] = h;
    }
  }
  return { AR, H, b, c };
}

for (const kind of ['dense', 'csr'] as const) {
  test(`local kernel block and Gram form (${kind}): bit-identical to the direct strided sums`, () => {
    const X0 = gaussianClusters(90, 7, 3, 4);
    for (let i = 0; i < 90 * 7; i += 3) X0.data[i] = 0;
    const X: Matrix = kind === 'dense' ? X0 : denseToCsr(X0);
    const y = Int32Array.from({ length: 90 }, (_, i) => i % 3);
    const norms = rowSquaredNorms(X);
    const rng = new Rng(5);
    for (const q of [2, 6, 9, 17]) {
      const lk = new LocalKernel({
        sigma: 2.5, gaussWeight: 0.7, labelWeight: 0.3, labelDiscount: 0.1, yIds: y, norms,
        ...(X.kind === 'dense' ? { dense: { data: X.data, cols: X.cols } } : { csr: { indptr: X.indptr, indices: X.indices, values: X.values, cols: X.cols } }),
      }, q);
      for (let rep = 0; rep < 3; rep++) {
        const R = Int32Array.from(rng.permutation(90).subarray(0, q));
        const AR = new Float64Array(q * q), H = new Float32Array((q - 1) * (q - 1)), b = new Float64Array(q - 1);
        lk.block(R, AR);
        const c = localGram(AR, q, H, b);
        const want = naiveLocal(X, norms, y, R, 2.5);
        assert.deepEqual(AR, want.AR, `AR, q = ${q}`);
        assert.deepEqual(H, want.H, `H, q = ${q}`);
        assert.deepEqual(b, want.b, `b, q = ${q}`);
        assert.equal(c, want.c);
      }
    }
  });
}

test('candidates without WebAssembly (KNNKIT_WASM=off): the same lists', () => {
  const { X } = tiedData(64, 5, 6);
  const on = nearestOthers(X, 6);
  setWasmMode('off');
  try {
    assert.equal(new BruteForce(X, { metric: 'sqeuclidean' }).kernelPath, 'ts');
    const off = nearestOthers(X, 6);
    assert.deepEqual(off.indices, on.indices);
    assert.deepEqual(off.d2, on.d2);
  } finally {
    setWasmMode(undefined);
  }
});
