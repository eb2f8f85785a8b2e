import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { gaussianClusters } from '../helpers/data.js';
import { classNeighbourhoods, densityLambda, medianOfSquared, medianPairwiseDistance, MATLAB_EPS } from '../../src/knn-graph/density.js';
import { pairwiseSquaredDistances, nearestOthers } from '../../src/knn-graph/distances.js';
import { consensus, referenceRule, supportRule } from '../../src/knn-graph/neighbours.js';
import { denseToCsr } from '../../src/knn-graph/convert.js';
import { denseMatrix } from '../../src/core/matrix.js';
import { ENN_K, wilsonEditing } from '../../src/knn-graph/baselines.js';

function labels(n: number, c: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => rng.int(c));
}

test('pairwise squared distances: dense GEMM form and CSR blocks agree with the direct sums', () => {
  const X = gaussianClusters(70, 9, 3, 1);
  const D = new Float32Array(70 * 70);
  pairwiseSquaredDistances(X, D);
  const Ds = new Float32Array(70 * 70);
  pairwiseSquaredDistances(denseToCsr(X), Ds);
  for (let i = 0; i < 70; i++) {
    assert.equal(D[i * 70 + i], 0);
    for (let k = 0; k < 70; k++) {
      let s = 0;
      for (let t = 0; t < 9; t++) { const v = X.data[i * 9 + t] - X.data[k * 9 + t]; s += v * v; }
      assert.ok(Math.abs(D[i * 70 + k] - s) <= 1e-3 * (1 + s), `D[${i}][${k}]`);
      assert.ok(Math.abs(Ds[i * 70 + k] - s) <= 1e-3 * (1 + s), `Dcsr[${i}][${k}]`);
      assert.equal(D[i * 70 + k], D[k * 70 + i]);
    }
  }
  const nn = nearestOthers(X, 4);
  for (let i = 0; i < 70; i++) {
    const row = Array.from({ length: 70 }, (_, k) => k).filter((k) => k !== i).sort((a, b) => (D[i * 70 + a] - D[i * 70 + b]) || a - b);
    assert.equal(nn.indices[i * 4], row[0]);
    assert.ok(!Array.from(nn.indices.subarray(i * 4, i * 4 + 4)).includes(i));
  }
});

test('median of pairwise distances: selection equals sorting (odd and even counts), 0 -> 1', () => {
  const rng = new Rng(4);
  for (const m of [1, 2, 7, 10, 1001]) {
    const v = Float64Array.from({ length: m }, () => Math.floor(rng.random() * 50));
    const s = Array.from(v).map(Math.sqrt).sort((a, b) => a - b);
    const want = m % 2 ? s[(m - 1) / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
    assert.ok(Math.abs(medianOfSquared(v) - (want > 0 ? want : 1)) < 1e-12, `m = ${m}`);
  }
  assert.equal(medianPairwiseDistance(new Float32Array(9), 3), 1);
});

test('density (Eq. 3): rho in [0, 1], lambda in [lambda_min, lambda_max], high density -> small lambda', () => {
  const X = gaussianClusters(90, 5, 3, 2);
  const y = labels(90, 3, 2);
  const nb = classNeighbourhoods(X, y, 3, 15);
  const r = densityLambda(nb, 90, [3, 7, 15], 1, 100);
  assert.equal(r.scaleWeights.length, 3);
  assert.ok(Math.abs(r.scaleWeights.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  let argmax = 0;
  for (let j = 0; j < 90; j++) {
    assert.ok(r.rho[j] >= 0 && r.rho[j] <= 1);
    assert.ok(r.lambda[j] >= 1 && r.lambda[j] <= 100);
    if (r.rho[j] > r.rho[argmax]) argmax = j;
    // sorted, non-zero same-class distances
    for (let t = 1; t < nb.count[j]; t++) assert.ok(nb.d2[j * 15 + t] >= nb.d2[j * 15 + t - 1]);
  }
  assert.ok(Math.abs(r.lambda[argmax] - (1 + 99 * (1 - r.rho[argmax]))) < 1e-12);
  // mean density falls with the scale here (farther neighbours): weights favour small scales
  assert.ok(r.scaleWeights[0] > r.scaleWeights[2]);
  // fixed weights are normalised
  const f = densityLambda(nb, 90, [3, 7, 15], 1, 100, [1, 1, 2]);
  assert.deepEqual(f.scaleWeights, [0.25, 0.25, 0.5]);
  assert.ok(MATLAB_EPS > 0);
});

test('density fallback: a node alone in its class uses all samples', () => {
  const X = { kind: 'dense' as const, data: Float32Array.from([0, 0, 1, 0, 3, 0, 10, 0]), rows: 4, cols: 2 };
  const y = Int32Array.from([0, 0, 0, 1]);
  const nb = classNeighbourhoods(X, y, 2, 2);
  assert.equal(nb.count[3], 2);
  assert.deepEqual(Array.from(nb.d2.subarray(6, 8)), [49, 81]);
  assert.deepEqual(Array.from(nb.nearestSame.subarray(0, 2)), [1, 2]);
  assert.deepEqual(Array.from(nb.nearestSame.subarray(6, 8)), [-1, -1]);
});

test('consensus (Eq. 4): no neighbours -> own label; self weight 2 x max; inverse distances', () => {
  const s = new Float64Array(3);
  assert.equal(consensus(2, [], [], s), 2);
  assert.deepEqual(Array.from(s), [0, 0, 1]);
  // one neighbour of another class: self weight 2 v > v
  assert.equal(consensus(0, [1], [1], s), 0);
  // two close neighbours of class 1 (v = 1/0.5 each = 4 total) vs self 2 * 2 = 4 -> tie -> lowest class (0)
  assert.equal(consensus(1, [0, 0], [0.5 - 1e-6, 0.5 - 1e-6], s), 0);
  // three equal neighbours of class 1 beat the self weight 2 x max
  assert.equal(consensus(0, [1, 1, 1], [1, 1, 1], s), 1);
  assert.ok(Math.abs(s[1] - 3 / (1 + 1e-6)) < 1e-9 && Math.abs(s[0] - 2 / (1 + 1e-6)) < 1e-9);
});

test('neighbour rules: support keeps every non-zero; reference keeps 1-3 largest |w| or falls back', () => {
  const sol = { idx: Int32Array.from([4, 7, 9, 11, 15]), val: Float64Array.from([0.1, -0.9, 0.3, 0.05, 0.3]), iterations: 3 };
  const sup = supportRule(sol);
  assert.deepEqual(Array.from(sup.idx), [7, 9, 15, 4, 11]);
  const rng = new Rng(3);
  for (let j = 0; j < 40; j++) {
    const r = referenceRule(j, sol, rng, new Int32Array(80).fill(-1), () => -1);
    assert.ok(r.idx.length >= 1 && r.idx.length <= 3);
    assert.equal(r.idx[0], 7);
    if (r.idx.length > 1) assert.equal(r.idx[1], 9); // tie 0.3 / 0.3 -> lower index first
  }
  const one = { idx: Int32Array.from([2]), val: Float64Array.from([0.5]), iterations: 1 };
  assert.equal(referenceRule(0, one, rng, new Int32Array(2), () => -1).idx.length, 1);
  const zero = { idx: new Int32Array(0), val: new Float64Array(0), iterations: 1 };
  const nearest = Int32Array.from([5, 6, 8, 9]);
  // j = 0: colFactor = mod(20, 10) / 10 = 0 -> k = 1; j = 1: mod(27, 10) = 7 -> k = round(1.7) = 2
  assert.deepEqual(Array.from(referenceRule(0, zero, rng, nearest, () => -1).idx), [5]);
  assert.deepEqual(Array.from(referenceRule(1, zero, rng, nearest, () => -1).idx), [8, 9]);
  assert.deepEqual(Array.from(referenceRule(0, zero, rng, Int32Array.from([-1, -1]), () => 3).idx), [3]);
});

test('reference rule: rand() > 0.7 adds randi([-1, 1]) = ceil(3 rand) - 2, which may be 0 (lasso_self_rep_kernel.m)', () => {
  // |w| spread: std of [1, 0.9, 0.8, 0.7] = 0.129 <= 0.5 mean and >= 0.1 mean -> k = round(1 + 2 colFactor)
  const sol = { idx: Int32Array.from([1, 2, 3, 4]), val: Float64Array.from([1, 0.9, 0.8, 0.7]), iterations: 5 };
  const draws = (...u: number[]) => ({ random: () => { const v = u.shift(); assert.ok(v !== undefined, 'too many draws'); return v; } });
  // j = 0 (1-based 1): colFactor = mod(20, 10) / 10 = 0 -> k = 1
  assert.equal(referenceRule(0, sol, draws(0.7), new Int32Array(2), () => -1).idx.length, 1); // 0.7 is not > 0.7: no second draw
  assert.equal(referenceRule(0, sol, draws(0.71, 0.9), new Int32Array(2), () => -1).idx.length, 2); // ceil(2.7) - 2 = +1
  assert.equal(referenceRule(0, sol, draws(0.71, 0.5), new Int32Array(2), () => -1).idx.length, 1); // ceil(1.5) - 2 = 0
  assert.equal(referenceRule(0, sol, draws(0.71, 0.1), new Int32Array(2), () => -1).idx.length, 1); // -1, clamped to 1
  // j = 4 (1-based 5): colFactor = mod(48, 10) / 10 = 0.8 -> k = round(2.6) = 3
  assert.equal(referenceRule(4, sol, draws(0.2), new Int32Array(10), () => -1).idx.length, 3);
  assert.equal(referenceRule(4, sol, draws(0.9, 0.2), new Int32Array(10), () => -1).idx.length, 2);
  assert.equal(referenceRule(4, sol, draws(0.9, 0.99), new Int32Array(10), () => -1).idx.length, 3); // +1, clamped to 3
});

test('ENN baseline: Wilson editing = drop the points misclassified by their 3 nearest other points', () => {
  const rng = new Rng(21);
  const n = 60, d = 3;
  const data = new Float32Array(n * d);
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    for (let t = 0; t < d; t++) data[i * d + t] = c * 1.5 + rng.normal();
    y.push(rng.random() < 0.1 ? (c + 1) % 3 : c); // some label noise to edit away
  }
  const X = denseMatrix(data, n, d);
  // brute force: 3 nearest other points (ties by lower index), majority vote, lowest class on ties
  const expected: number[] = [];
  for (let i = 0; i < n; i++) {
    const order = Array.from({ length: n }, (_, k) => k).filter((k) => k !== i).map((k) => {
      let s = 0;
      for (let t = 0; t < d; t++) s += (data[i * d + t] - data[k * d + t]) ** 2;
      return [s, k];
    }).sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, ENN_K);
    const votes = [0, 0, 0];
    for (const [, k] of order) votes[y[k]]++;
    let best = 0;
    for (let c = 1; c < 3; c++) if (votes[c] > votes[best]) best = c;
    if (best === y[i]) expected.push(i);
  }
  const kept = Array.from(wilsonEditing(X, y, ENN_K));
  assert.deepEqual(kept, expected);
  assert.ok(kept.length < n && kept.length > n / 2);
  // a set that would be edited away entirely is kept whole
  const tiny = denseMatrix(Float32Array.from([0, 1, 2, 3]), 4, 1);
  assert.deepEqual(Array.from(wilsonEditing(tiny, [0, 1, 0, 1], 3)), [0, 1, 2, 3]);
});
