import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { KnnkitError } from '../../src/core/errors.js';
import { createIndex, emptyIndex } from '../../src/index/api.js';
import { indexFromBytes } from '../../src/index/persist.js';
import { gaussianMatrix, hyperplaneCollision, pStableCollision, project, tableRecall } from '../../src/index/lsh/hash-family.js';
import { ProbeSequencer } from '../../src/index/lsh/probe.js';
import { tuneLsh } from '../../src/index/lsh/tune.js';
import type { SearchResult } from '../../src/search/results.js';
import { gaussianClusters } from '../helpers/data.js';

function recall(res: SearchResult, truth: SearchResult): number {
  let hit = 0, total = 0;
  for (let q = 0; q < truth.nQueries; q++) {
    const t = new Set(truth.row(q).indices);
    total += t.size;
    for (const i of res.row(q).indices) if (t.has(i)) hit++;
  }
  return hit / total;
}

/** Pairs (u, v) of unit-free random vectors with a prescribed angle or distance. */
function pair(d: number, rng: Rng, scale: number, angle?: number): { u: Float64Array; v: Float64Array } {
  const u = new Float64Array(d), e = new Float64Array(d);
  for (let i = 0; i < d; i++) { u[i] = rng.normal(); e[i] = rng.normal(); }
  let nu = 0; for (const x of u) nu += x * x; nu = Math.sqrt(nu);
  for (let i = 0; i < d; i++) u[i] /= nu;
  let dot = 0; for (let i = 0; i < d; i++) dot += e[i] * u[i];
  let ne = 0; for (let i = 0; i < d; i++) { e[i] -= dot * u[i]; ne += e[i] * e[i]; }
  ne = Math.sqrt(ne);
  for (let i = 0; i < d; i++) e[i] /= ne;
  const v = new Float64Array(d);
  if (angle !== undefined) for (let i = 0; i < d; i++) v[i] = Math.cos(angle) * u[i] + Math.sin(angle) * e[i];
  else for (let i = 0; i < d; i++) { v[i] = u[i] * 3 + e[i] * scale; u[i] *= 3; }
  return { u, v };
}

test('random hyperplanes: one-bit collision rate on sampled pairs = 1 - theta / pi', () => {
  const d = 32, H = 4000, rng = new Rng(3);
  const A = gaussianMatrix(H, d, rng);
  const zu = new Float64Array(H), zv = new Float64Array(H);
  for (const theta of [0.2, Math.PI / 4, Math.PI / 2, 2.5]) {
    let same = 0, trials = 0;
    for (let p = 0; p < 10; p++) {
      const { u, v } = pair(d, rng, 0, theta);
      project(A, H, d, u, 0, zu); project(A, H, d, v, 0, zv);
      for (let h = 0; h < H; h++) { if ((zu[h] > 0) === (zv[h] > 0)) same++; trials++; }
    }
    const want = hyperplaneCollision(theta), got = same / trials;
    // 40,000 Bernoulli draws: standard error <= 0.0025; allow 4 of them
    assert.ok(Math.abs(got - want) < 0.012, `theta ${theta.toFixed(3)}: collision ${got.toFixed(4)} vs 1 - theta/pi = ${want.toFixed(4)}`);
  }
  assert.equal(hyperplaneCollision(0), 1);
  assert.equal(hyperplaneCollision(Math.PI), 0);
});

test('p-stable hashing: collision rate of floor((a.v + b) / w) on sampled pairs = the Datar et al. formula', () => {
  const d = 24, H = 4000, w = 4, rng = new Rng(5);
  const A = gaussianMatrix(H, d, rng);
  const b = Float64Array.from({ length: H }, () => rng.random() * w);
  const zu = new Float64Array(H), zv = new Float64Array(H);
  for (const c of [0.5, 2, 4, 10]) {
    let same = 0, trials = 0;
    for (let p = 0; p < 10; p++) {
      const { u, v } = pair(d, rng, c);
      project(A, H, d, u, 0, zu); project(A, H, d, v, 0, zv);
      for (let h = 0; h < H; h++) { if (Math.floor((zu[h] + b[h]) / w) === Math.floor((zv[h] + b[h]) / w)) same++; trials++; }
    }
    const want = pStableCollision(c, w), got = same / trials;
    assert.ok(Math.abs(got - want) < 0.015, `c ${c}: collision ${got.toFixed(4)} vs formula ${want.toFixed(4)}`);
  }
  // the formula's known values: p decreases with c; p(w) ~ 0.609 for w/c = 1 ... checked against numeric integration
  assert.ok(pStableCollision(1, 4) > pStableCollision(2, 4));
  assert.ok(Math.abs(pStableCollision(4, 4) - 0.3687) < 1e-3, `p(c = w) = ${pStableCollision(4, 4)}`);
  assert.ok(Math.abs(tableRecall(0.5, 2, 4) - (1 - 0.75 ** 4)) < 1e-12);
});

test('multi-probe sequence: perturbation sets in increasing score, each coordinate moved once', () => {
  // p-stable elements: 2j = h_j - 1, 2j + 1 = h_j + 1
  const scores = Float64Array.from([0.01, 0.81, 0.25, 0.25, 0.64, 0.04]);
  const coordOf = Int32Array.from([0, 0, 1, 1, 2, 2]);
  const order = Int32Array.from([0, 1, 2, 3, 4, 5]).sort((a, b) => scores[a] - scores[b]);
  const sets: number[][] = [];
  new ProbeSequencer().sequence(order, scores, coordOf, 20, sets);
  const cost = (s: number[]) => s.reduce((a, e) => a + scores[e], 0);
  for (let i = 1; i < sets.length; i++) assert.ok(cost(sets[i]) >= cost(sets[i - 1]) - 1e-12, `set ${i} out of order`);
  for (const s of sets) assert.equal(new Set(s.map((e) => coordOf[e])).size, s.length, `set ${s} moves a coordinate twice`);
  // all valid non-empty sets: 3^3 - 1 = 26; the first 20 are distinct
  assert.equal(sets.length, 20);
  assert.equal(new Set(sets.map((s) => [...s].sort().join(','))).size, 20);
  assert.deepEqual(sets[0], [0]);
  assert.deepEqual(sets[1], [5]);
  assert.deepEqual([...sets[2]].sort(), [0, 5]);
});

const base = gaussianClusters(3000, 32, 30, 11);
// queries near the data (held-out rows of the same clusters)
const all = gaussianClusters(3200, 32, 30, 11);
const queries = { kind: 'dense' as const, data: all.data.slice(3000 * 32), rows: 200, cols: 32 };

test('lsh at defaults: recall@10 on clustered data, cosine and euclidean, and multi-probe raises it', () => {
  for (const metric of ['euclidean', 'cosine']) {
    const truth = createIndex('brute', base, { metric }).search(queries, 10);
    const idx = createIndex('lsh', base, { metric });
    const r = recall(idx.search(queries, 10), truth);
    assert.ok(r >= 0.9, `${metric}: recall ${r}`);
    const one = recall(idx.search(queries, 10, { probes: 1 }), truth);
    const many = recall(idx.search(queries, 10, { probes: 32 }), truth);
    assert.ok(many >= one, `${metric}: probes 32 recall ${many} < probes 1 ${one}`);
  }
});

test('lsh faiss mode (IndexLSH): Hamming shortlist re-ranked; a shortlist of n is exact', () => {
  const idx = createIndex('lsh', base, { mode: 'faiss', bits: 64 });
  const truth = createIndex('brute', base).search(queries, 10);
  const r = recall(idx.search(queries, 10, { probes: 20 }), truth);
  assert.ok(r >= 0.7, `recall ${r}`);
  const exact = idx.search(queries, 10, { probes: 300 });
  assert.deepEqual(Array.from(exact.indices), Array.from(truth.indices));
  assert.ok(recall(idx.search(queries, 10, { probes: 1 }), truth) < r);
});

test('lsh: mode / metric / bits validation names the parameter', () => {
  const bad = (fn: () => unknown, p: string) => assert.throws(fn, (e: unknown) => e instanceof KnnkitError && e.message.includes(p));
  bad(() => createIndex('lsh', base, { metric: 'manhattan' }), 'metric');
  bad(() => createIndex('lsh', base, { metric: 'cosine', mode: 'pstable' }), 'mode');
  bad(() => createIndex('lsh', base, { metric: 'cosine', bits: 40 }), 'bits');
  bad(() => createIndex('lsh', base, { mode: 'nope' }), 'mode');
  bad(() => createIndex('lsh', base).search(queries, 5, { probes: 0 }), 'probes');
});

test('lsh: save / load (copy and view) gives identical results; add after a view load; filters and removal', () => {
  for (const mode of ['pstable', 'faiss']) {
    const idx = createIndex('lsh', base, { mode });
    const want = idx.search(queries, 10);
    for (const view of [false, true]) {
      const back = indexFromBytes(idx.toBytes(), { view });
      assert.deepEqual(Array.from(back.search(queries, 10).indices), Array.from(want.indices), `${mode} view=${view}`);
      assert.deepEqual(Array.from(back.search(queries, 10).distances), Array.from(want.distances));
      const ids = back.add(queries);
      // faiss mode: a cluster's codes can all be equal (Hamming 0), so the shortlist must cover a cluster
      const self = back.search(queries, 1, { probes: mode === 'faiss' ? 400 : 8 });
      assert.deepEqual(Array.from(self.indices), Array.from(ids), 'each added point is its own nearest neighbour');
    }
    const even = (id: number) => id % 2 === 0;
    for (const id of idx.search(queries, 10, { filter: even }).indices) assert.ok(id === -1 || id % 2 === 0);
    const gone = Array.from({ length: 1500 }, (_, i) => 2 * i + 1);
    idx.remove(gone);
    const r = idx.search(queries, 10);
    for (const id of r.indices) assert.ok(id % 2 === 0, `removed id ${id} returned`);
    // a tiny allowed set is scanned exactly
    const few = new Set([4, 8, 15, 16, 23, 42]);
    const f = idx.search(queries, 3, { filter: few });
    const ref = createIndex('brute', base).search(queries, 3, { filter: new Set([4, 8, 16, 42]) });
    assert.deepEqual(Array.from(f.indices), Array.from(ref.indices));
  }
});

test('lsh: an empty index derives its parameters on the first add', () => {
  const e = emptyIndex('lsh', 32, { metric: 'cosine' });
  assert.equal(e.search(queries, 5).k, 0);
  e.add(base);
  const r = recall(e.search(queries, 10), createIndex('brute', base, { metric: 'cosine' }).search(queries, 10));
  assert.ok(r >= 0.9, `recall ${r}`);
});

test('tuneLsh: picks K and L reaching the target recall on the sample, and the built index reaches it on held-out queries', () => {
  const t = tuneLsh(base, { metric: 'euclidean', targetRecall: 0.9, probes: 1, maxTables: 32, seed: 2 });
  assert.ok(t.recall >= 0.9, `sample recall ${t.recall}`);
  assert.ok(t.tables >= 1 && t.tables <= 32 && t.bits >= 1);
  const idx = createIndex('lsh', base, { tables: t.tables, bits: t.bits, w: t.w, seed: 2 });
  const r = recall(idx.search(queries, 10, { probes: 1 }), createIndex('brute', base).search(queries, 10));
  assert.ok(r >= 0.8, `held-out recall ${r} with K ${t.bits}, L ${t.tables}`);
  // with multi-probe the same target needs no more tables
  const mp = tuneLsh(base, { metric: 'euclidean', targetRecall: 0.9, probes: 16, maxTables: 32, seed: 2, bits: t.bits });
  assert.ok(mp.tables <= t.tables, `multi-probe tables ${mp.tables} > ${t.tables}`);
});
