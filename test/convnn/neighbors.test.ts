// T4 exact neighbour lists (slot order, ties, zero vector); T5 candidate pools; T9 Loc_Col invariants.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend, ConvNN1d, ConvNN2d } from '../../src/convnn/index.js';
import { maxAbsDiff, randn, rows } from './helpers.js';

await useBackend('cpu');

function neighbours1d(vectors: number[][], metric: 'cosine' | 'euclidean', k = 3): number[][] {
  const layer = new ConvNN1d({ filters: 1, k, padding: 0, metric, seed: 0 });
  tf.tidy(() => { layer.apply(tf.tensor3d([vectors])); });
  return rows(layer.lastNeighbors()!, k);
}

test('T4 hand example: [self, then by cosine / squared distance], slot order checked', () => {
  //            a        b           c       d        e
  const v = [[1, 0], [0.9, 0.1], [0, 1], [-1, 0], [0.1, 0.9]];
  // cosine: a~b 0.994, a~e 0.110, a~c 0, a~d -1; c~e 0.994, c~b 0.110; d~c 0, d~e -0.110
  assert.deepEqual(neighbours1d(v, 'cosine'), [[0, 1, 4], [1, 0, 4], [2, 4, 1], [3, 2, 4], [4, 2, 1]]);
  // squared distance: a-b 0.02, a-e 1.62, a-c 2; d-c 2, d-e 2.02; b-e 1.28, b-c 1.62
  assert.deepEqual(neighbours1d(v, 'euclidean'), [[0, 1, 4], [1, 0, 4], [2, 4, 1], [3, 2, 4], [4, 2, 1]]);
  // full lists (K = T) pin the whole order
  assert.deepEqual(neighbours1d(v, 'euclidean', 5)[3], [3, 2, 4, 1, 0]);
  assert.deepEqual(neighbours1d(v, 'cosine', 5)[1], [1, 0, 4, 2, 3]);
});

test('T4 ties go to the lower index; a zero vector has cosine 0 to all and is still its own slot 0', () => {
  //            a       a (dup)  zero    c       d
  const v = [[1, 0], [1, 0], [0, 0], [0, 1], [-1, 0]];
  const cos = neighbours1d(v, 'cosine', 4);
  assert.deepEqual(cos[0], [0, 1, 2, 3]); // dup first (cos 1), then zero and c tie at 0 -> lower index
  assert.deepEqual(cos[1], [1, 0, 2, 3]);
  assert.deepEqual(cos[2], [2, 0, 1, 3]); // zero: everything at 0 -> index order, self first
  assert.deepEqual(cos[4], [4, 2, 3, 0]); // d: zero 0, c 0 (tie -> 2 before 3), then a/dup -1
  const euc = neighbours1d(v, 'euclidean', 4);
  assert.deepEqual(euc[0], [0, 1, 2, 3]); // dup at 0, zero at 1, c at 2
  assert.deepEqual(euc[2], [2, 0, 1, 3]); // zero: all at distance 1 -> index order
});

test('T5 random pool: K-1 others drawn from one pool of n shared by the batch, redrawn per call, seeded', () => {
  const x = randn([3, 8, 8, 2], 61);
  const K = 5, n = 16;
  const layer = new ConvNN2d({ filters: 2, k: K, padding: 0, sampling: 'random', numSamples: n, seed: 7 });
  tf.tidy(() => { layer.apply(x); });
  const pool1 = Array.from(layer.state.lastPool!);
  assert.equal(pool1.length, n);
  assert.equal(new Set(pool1).size, n);
  const inPool = new Set(pool1);
  const lists = rows(layer.lastNeighbors()!, K);
  assert.equal(lists.length, 3 * 64);
  lists.forEach((r, i) => {
    assert.equal(r[0], i % 64, 'self in slot 0');
    assert.equal(new Set(r).size, K, 'no repeats (self never twice)');
    for (const j of r.slice(1)) assert.ok(inPool.has(j));
  });
  tf.tidy(() => { layer.apply(x); });
  assert.notDeepEqual(Array.from(layer.state.lastPool!), pool1, 'redrawn on every call');
  const again = new ConvNN2d({ filters: 2, k: K, padding: 0, sampling: 'random', numSamples: n, seed: 7 });
  tf.tidy(() => { again.apply(x); });
  assert.deepEqual(Array.from(again.state.lastPool!), pool1, 'same seed, same first pool');
  const other = new ConvNN2d({ filters: 2, k: K, padding: 0, sampling: 'random', numSamples: n, seed: 8 });
  tf.tidy(() => { other.apply(x); });
  assert.notDeepEqual(Array.from(other.state.lastPool!), pool1, 'different seed, different pool');
  // n >= N (here 10x10 padded = 100) reproduces 'all' exactly
  tf.tidy(() => {
    const big = new ConvNN2d({ filters: 2, k: K, padding: 1, sampling: 'random', numSamples: 500, seed: 1 });
    const all = new ConvNN2d({ filters: 2, k: K, padding: 1, seed: 1 });
    const yb = big.apply(x) as tf.Tensor;
    all.build([null, 8, 8, 2]);
    all.setWeights(big.getWeights());
    assert.equal(maxAbsDiff(yb, all.apply(x) as tf.Tensor), 0);
    assert.deepEqual(big.lastNeighbors(), all.lastNeighbors());
  });
  x.dispose();
});

test('T5 spatial pool: s x s lattice over the unpadded map, mapped to padded indices; s > H falls back to all', () => {
  const x = randn([1, 8, 8, 2], 62);
  const l0 = new ConvNN2d({ filters: 1, k: 5, padding: 0, sampling: 'spatial', numSamples: 3, seed: 1 });
  tf.tidy(() => { l0.apply(x); });
  assert.deepEqual(Array.from(l0.state.lastPool!), [0, 3, 7, 24, 27, 31, 56, 59, 63]);
  const l1 = new ConvNN2d({ filters: 1, k: 5, padding: 1, sampling: 'spatial', numSamples: 3, seed: 1 });
  tf.tidy(() => { l1.apply(x); });
  assert.deepEqual(Array.from(l1.state.lastPool!), [0, 3, 7].flatMap((r) => [0, 3, 7].map((c) => (r + 1) * 10 + (c + 1))));
  for (const r of rows(l1.lastNeighbors()!, 5)) for (const j of r.slice(1)) assert.ok(l1.state.lastPool!.includes(j));
  // non-square map: the row stride is the padded width (the reference used the height)
  const l2 = new ConvNN2d({ filters: 1, k: 3, padding: 1, sampling: 'spatial', numSamples: 2, samplePadding: 1, seed: 1 });
  tf.tidy(() => { l2.apply(randn([1, 4, 6, 2], 63)); });
  // rows floor(linspace(1, 2, 2)) = {1, 2}, cols floor(linspace(1, 4, 2)) = {1, 4}; padded index (r+1)*8 + (c+1)
  assert.deepEqual(Array.from(l2.state.lastPool!), [18, 21, 26, 29]);
  // s > H reproduces 'all'
  tf.tidy(() => {
    const sp = new ConvNN2d({ filters: 2, k: 5, padding: 1, sampling: 'spatial', numSamples: 9, seed: 1 });
    const all = new ConvNN2d({ filters: 2, k: 5, padding: 1, seed: 1 });
    const ys = sp.apply(x) as tf.Tensor;
    all.build([null, 8, 8, 2]);
    all.setWeights(sp.getWeights());
    assert.equal(maxAbsDiff(ys, all.apply(x) as tf.Tensor), 0);
    assert.equal(sp.state.lastPool, null);
  });
  x.dispose();
});

function indexSets(opts: Record<string, unknown>, x: tf.Tensor, k: number): string[] {
  const layer = new ConvNN2d({ filters: 1, k, padding: 1, seed: 0, ...opts });
  tf.tidy(() => { layer.apply(x); });
  return rows(layer.lastNeighbors()!, k).map((r) => [...r].sort((a, b) => a - b).join(','));
}

test('T9 Loc_Col: lambda=1 gives the Col neighbour sets, lambda=0 the Loc sets', () => {
  const x = randn([2, 6, 6, 4], 71);
  for (const metric of ['cosine', 'euclidean'] as const) {
    assert.deepEqual(indexSets({ similarity: 'Loc_Col', lambda: 1, metric }, x, 5), indexSets({ similarity: 'Col', metric }, x, 5), metric);
  }
  assert.deepEqual(indexSets({ similarity: 'Loc_Col', lambda: 0, metric: 'euclidean' }, x, 9), indexSets({ similarity: 'Loc', metric: 'euclidean' }, x, 9));
  // an intermediate lambda mixes both: differs from each of them somewhere
  const mid = indexSets({ similarity: 'Loc_Col', lambda: 0.5, metric: 'euclidean' }, x, 9);
  assert.notDeepEqual(mid, indexSets({ similarity: 'Col', metric: 'euclidean' }, x, 9));
  assert.notDeepEqual(mid, indexSets({ similarity: 'Loc', metric: 'euclidean' }, x, 9));
  x.dispose();
});

test('T9 sigma is the unbiased std over channels x padded positions (pad zeros included)', async () => {
  const { buildFeatures, makeGrid, resolveConvNNOptions } = await import('../../src/convnn/index.js');
  const grid = makeGrid([2, 2], 1);
  const o = resolveConvNNOptions({ filters: 1, similarity: 'Loc_Col', lambda: 0.5, metric: 'euclidean' });
  const xs = Float32Array.from([1, 2, 3, 4]); // one channel, 2x2
  const { sim, cs } = buildFeatures(xs, 1, 1, grid, o);
  const vals = [1, 2, 3, 4, ...new Array(12).fill(0)]; // 16 padded positions x 1 channel
  const mean = vals.reduce((a, b) => a + b) / 16;
  const sd = Math.sqrt(vals.reduce((a, v) => a + (v - mean) ** 2, 0) / 15) + 1e-6;
  const q = grid.queries[3]; // value 4
  assert.ok(Math.abs(sim[q * cs] - 0.5 * 4 / sd) < 1e-5);
  assert.ok(Math.abs(sim[q * cs + 1] - 0.5 * grid.coords[q * 2]) < 1e-6);
  assert.ok(Math.abs(sim[q * cs + 2] - 0.5 * grid.coords[q * 2 + 1]) < 1e-6);
});

test('inline scoring (<= 4 feature channels) and the matMul path pick the same neighbours', async () => {
  const { makeGrid, selectNeighbors, jsMatMul } = await import('../../src/convnn/index.js');
  const { Rng } = await import('../../src/core/rng.js');
  const grid = makeGrid([5, 6], 1), B = 2, N = grid.n, rng = new Rng(9);
  const narrow = new Float32Array(B * N * 3).map(() => rng.normal());
  // same vectors padded with 3 zero channels: 6 channels take the matMul path
  const wide = new Float32Array(B * N * 6);
  for (let i = 0; i < B * N; i++) for (let c = 0; c < 3; c++) wide[i * 6 + c] = narrow[i * 3 + c];
  for (const metric of ['euclidean', 'cosine'] as const) {
    const norm = (v: Float32Array, cs: number) => {
      if (metric === 'euclidean') return v;
      const o = v.slice();
      for (let i = 0; i < B * N; i++) { let s = 0; for (let c = 0; c < cs; c++) s += o[i * cs + c] ** 2; const inv = 1 / Math.max(Math.sqrt(s), 1e-12); for (let c = 0; c < cs; c++) o[i * cs + c] *= inv; }
      return o;
    };
    const a = selectNeighbors(norm(narrow, 3), B, 3, grid, null, 7, metric, false, jsMatMul);
    const b = selectNeighbors(norm(wide, 6), B, 6, grid, null, 7, metric, false, jsMatMul);
    assert.deepEqual(Array.from(a), Array.from(b), metric);
  }
});
