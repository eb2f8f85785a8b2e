import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { DenseGram, fistaLasso } from '../../src/knn-graph/fista.js';
import { createLayout, Kernels, kernelModule } from '../../src/knn-graph/wasm/kernels.js';
import { symmetricGramRows } from '../../src/knn-graph/kernel.js';

/** A random lasso min ||A w - a||^2 + lambda ||w||_1 in Gram form (H = A^T A, b = A^T a, c = a.a). */
function problem(rows: number, p: number, seed: number) {
  const rng = new Rng(seed);
  const A = Array.from({ length: rows }, () => Array.from({ length: p }, () => rng.normal()));
  const a = Array.from({ length: rows }, () => rng.normal() * 2);
  const H = new Float32Array(p * p);
  const H64 = new Float64Array(p * p);
  const b = new Float64Array(p);
  let c = 0;
  for (let r = 0; r < rows; r++) c += a[r] * a[r];
  for (let u = 0; u < p; u++) {
    for (let r = 0; r < rows; r++) b[u] += A[r][u] * a[r];
    for (let v = 0; v < p; v++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += A[r][u] * A[r][v];
      // round once to float32 and use the rounded matrix everywhere (both solvers see the same H)
      H[u * p + v] = s; H64[u * p + v] = H[u * p + v];
    }
  }
  return { H, H64, b, c, p };
}

/** Cyclic coordinate descent to machine precision: the brute-force oracle. */
function coordinateDescent(H: Float64Array, b: Float64Array, p: number, lambda: number, exclude: number): Float64Array {
  const w = new Float64Array(p);
  for (let sweep = 0; sweep < 200000; sweep++) {
    let change = 0;
    for (let i = 0; i < p; i++) {
      if (i === exclude) continue;
      // d/dw_i of w.Hw - 2 b.w = 2 (H w)_i - 2 b_i; minimise over w_i with the L1 term
      let r = b[i];
      for (let k = 0; k < p; k++) if (k !== i) r -= H[i * p + k] * w[k];
      const z = Math.sign(r) * Math.max(Math.abs(r) - lambda / 2, 0) / H[i * p + i];
      change = Math.max(change, Math.abs(z - w[i]));
      w[i] = z;
    }
    if (change < 1e-15) break;
  }
  return w;
}

function objective(H: Float64Array, b: Float64Array, c: number, p: number, lambda: number, w: Float64Array): number {
  let f = c;
  for (let u = 0; u < p; u++) {
    f -= 2 * b[u] * w[u];
    for (let v = 0; v < p; v++) f += w[u] * H[u * p + v] * w[v];
    f += lambda * Math.abs(w[u]);
  }
  return f;
}

for (const [rows, p, lambda, exclude, seed] of [[30, 8, 4, -1, 1], [20, 12, 10, 3, 2], [15, 25, 2, 0, 3], [40, 6, 60, 5, 4]] as const) {
  test(`FISTA reaches the lasso solution (rows ${rows}, p ${p}, lambda ${lambda}, w_${exclude} = 0)`, () => {
    const { H, H64, b, c } = problem(rows, p, seed);
    const oracle = coordinateDescent(H64, b, p, lambda, exclude);
    const r = fistaLasso(new DenseGram(H, p), b, c, lambda, { maxIter: 20000, tol: 1e-15, eta: 1.5, L0: 1, exclude });
    const fo = objective(H64, b, c, p, lambda, oracle), ff = objective(H64, b, c, p, lambda, r.w);
    assert.ok(ff - fo <= 1e-7 * Math.max(1, Math.abs(fo)), `objective ${ff} vs oracle ${fo}`);
    for (let i = 0; i < p; i++) assert.ok(Math.abs(r.w[i] - oracle[i]) < 1e-4, `w[${i}] = ${r.w[i]} vs ${oracle[i]}`);
    if (exclude >= 0) assert.equal(r.w[exclude], 0);
    // KKT: zero entries have |grad| <= lambda, non-zeros have grad = -lambda sign(w)
    const g = new Float64Array(p);
    for (let u = 0; u < p; u++) { let s = 0; for (let v = 0; v < p; v++) s += H64[u * p + v] * r.w[v]; g[u] = 2 * (s - b[u]); }
    for (let i = 0; i < p; i++) {
      if (i === exclude) continue;
      if (r.w[i] === 0) assert.ok(Math.abs(g[i]) <= lambda * (1 + 1e-4) + 1e-6, `KKT at zero ${i}: ${g[i]}`);
      else assert.ok(Math.abs(g[i] + lambda * Math.sign(r.w[i])) < 1e-3 * Math.max(1, lambda), `KKT at ${i}: ${g[i]}`);
    }
  });
}

test('FISTA: a large lambda gives w = 0; the stopping rule and maxIter bound the iterations', () => {
  const { H, b, c, p } = problem(20, 10, 7);
  let bmax = 0;
  for (const v of b) bmax = Math.max(bmax, Math.abs(v));
  const zero = fistaLasso(new DenseGram(H, p), b, c, 2 * bmax + 1, { maxIter: 50, tol: 1e-3, eta: 1.5, L0: 1, exclude: -1 });
  assert.ok(zero.w.every((v) => v === 0));
  const five = fistaLasso(new DenseGram(H, p), b, c, 1, { maxIter: 5, tol: 0, eta: 1.5, L0: 1, exclude: -1 });
  assert.equal(five.iterations, 5);
  assert.equal(five.objective.length, 5);
  const early = fistaLasso(new DenseGram(H, p), b, c, 1, { maxIter: 1000, tol: 1e-3, eta: 1.5, L0: 1, exclude: -1 });
  assert.ok(early.iterations < 1000);
  const o = early.objective;
  const last = o[o.length - 1], prev = o.length > 1 ? o[o.length - 2] : c;
  assert.ok(Math.abs(prev - last) < 1e-3 * Math.max(1, Math.abs(prev)));
});

test('WebAssembly kernels agree with the TS loops (H v and H = A A)', { skip: kernelModule() ? false : 'WebAssembly SIMD / shared memory unavailable' }, () => {
  const n = 37;
  const L = createLayout(n, 1)!;
  const A = new Float32Array(L.memory.buffer, L.A, n * n);
  const rng = new Rng(9);
  for (let i = 0; i < n; i++) for (let k = i; k < n; k++) { const v = rng.random(); A[i * n + k] = v; A[k * n + i] = v; }
  const H = new Float32Array(L.memory.buffer, L.H, n * n);
  const k = new Kernels(L, 0);
  k.gramRows(0, 20); k.gramRows(20, n);
  const H2 = new Float32Array(n * n);
  symmetricGramRows(A, n, 0, n, H2);
  for (let i = 0; i < n * n; i++) assert.ok(Math.abs(H[i] - H2[i]) <= 1e-5 * Math.abs(H2[i]), `H[${i}]`);
  const v = Float64Array.from({ length: n }, () => rng.normal());
  const o1 = new Float64Array(n), o2 = new Float64Array(n);
  new DenseGram(H, n).apply(v, o1);
  k.matvec(v, o2, n);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(o1[i] - o2[i]) <= 1e-5 * (1 + Math.abs(o1[i])), `Hv[${i}]`);
});
