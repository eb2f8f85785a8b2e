import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Rng } from '../../src/core/rng.js';
import { KnnkitError } from '../../src/core/errors.js';
import { gaussianClusters } from '../helpers/data.js';
import { KnnGraphClassifier } from '../../src/knn-graph/index.js';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import { denseToCsr } from '../../src/knn-graph/convert.js';
import { AUTO_CANDIDATES, defaultEfConstruction, dictionarySize, EXHAUSTIVE_BUILD_MAX, FULL_SOLVE_MAX } from '../../src/knn-graph/options.js';

function data(n: number, seed: number) {
  const X = gaussianClusters(n, 6, 4, seed, 4);
  // labels from the nearest centre would be trivial: use noisy labels tied to the first coordinate
  const rng = new Rng(seed + 1);
  const first = Array.from({ length: n }, (_, i) => X.data[i * 6]).sort((a, b) => a - b);
  const median = first[n >> 1];
  const y = Array.from({ length: n }, (_, i) => (X.data[i * 6] >= median ? 'a' : 'b') + (rng.random() < 0.15 ? 'x' : ''));
  return { X, y };
}

function graphOf(c: KnnGraphClassifier) {
  return (c as unknown as { state(): { graph: { nbrOffsets: Int32Array; nbrIdx: Int32Array; nodeLabels: Int32Array; lambda: Float64Array; rho: Float64Array } } }).state().graph;
}

test('fit / predict / predictProba / explain; w_j = 0 (no self-neighbour); lambda and rho in range', () => {
  const { X, y } = data(120, 1);
  for (const neighbourRule of ['support', 'reference'] as const) {
    const c = new KnnGraphClassifier({ neighbourRule }).fit(X, y);
    assert.deepEqual(c.classes, ['a', 'ax', 'b', 'bx']);
    const g = graphOf(c);
    for (let j = 0; j < 120; j++) {
      for (let p = g.nbrOffsets[j]; p < g.nbrOffsets[j + 1]; p++) assert.notEqual(g.nbrIdx[p], j);
      if (neighbourRule === 'reference') {
        const k = g.nbrOffsets[j + 1] - g.nbrOffsets[j];
        assert.ok(k >= 1 && k <= 3, `node ${j}: ${k} neighbours`);
      }
      assert.ok(g.lambda[j] >= 1 && g.lambda[j] <= 100);
      assert.ok(g.rho[j] >= 0 && g.rho[j] <= 1);
    }
    // a training point is its own nearest node: the prediction is that node's consensus label
    const pred = c.predict(X);
    for (let j = 0; j < 120; j++) assert.equal(pred[j], c.classes[g.nodeLabels[j]]);
    const proba = c.predictProba(X);
    for (let j = 0; j < 120; j++) {
      let s = 0, best = 0;
      for (let k = 0; k < 4; k++) { s += proba[j * 4 + k]; if (proba[j * 4 + k] > proba[j * 4 + best]) best = k; }
      assert.ok(Math.abs(s - 1) < 1e-6);
      assert.equal(c.classes[best], pred[j]);
    }
    const e = c.explain(Array.from(X.data.subarray(6 * 7, 6 * 8)));
    assert.equal(e.node, 7);
    assert.equal(e.nodeLabel, pred[7]);
    assert.equal(e.neighbours.length, g.nbrOffsets[8] - g.nbrOffsets[7]);
    for (const nb of e.neighbours) { assert.ok(nb.distance >= 0); assert.notEqual(nb.weight, 0); assert.equal(nb.label, y[nb.index]); }
    assert.ok(Math.abs(Object.values(e.consensusScores).reduce((a, b) => a + b, 0) - 1) < 1e-6);
    assert.ok(c.score(X, y) > 0.5);
  }
});

test('deterministic for a seed; threads and the sync path give the same graph', async () => {
  const { X, y } = data(150, 2);
  const a = new KnnGraphClassifier({ seed: 11 }).fit(X, y);
  const b = new KnnGraphClassifier({ seed: 11 }).fit(X, y);
  const c = await new KnnGraphClassifier({ seed: 11, threads: 2 }).fitAsync(X, y);
  // the pooled workers are reused by the next fit (new data, then the first data again)
  await new KnnGraphClassifier({ threads: 2, neighbourRule: 'support' }).fitAsync(data(90, 6).X, data(90, 6).y);
  const d = await new KnnGraphClassifier({ seed: 11, threads: 2 }).fitAsync(X, y);
  for (const o of [b, c, d]) {
    assert.deepEqual(graphOf(o).nbrIdx, graphOf(a).nbrIdx);
    assert.deepEqual(graphOf(o).nodeLabels, graphOf(a).nodeLabels);
  }
});

test('candidates mode (local dictionaries) and sparse CSR input', async () => {
  const { X, y } = data(130, 3);
  const c = new KnnGraphClassifier({ candidates: 20 }).fit(X, y);
  assert.equal(c.fitInfo.mode, 'candidates');
  const full = new KnnGraphClassifier({}).fit(X, y);
  assert.equal(full.fitInfo.mode, 'full');
  let agree = 0;
  const pc = c.predict(X), pf = full.predict(X);
  for (let i = 0; i < 130; i++) if (pc[i] === pf[i]) agree++;
  assert.ok(agree / 130 > 0.8, `candidates vs full agreement ${agree / 130}`);
  const par = await new KnnGraphClassifier({ candidates: 20, threads: 2 }).fitAsync(X, y);
  assert.deepEqual(graphOf(par).nbrIdx, graphOf(c).nbrIdx);
  // CSR training data gives the same graph as the dense form (same distances)
  const s = new KnnGraphClassifier({}).fit(denseToCsr(X), y);
  assert.deepEqual(graphOf(s).nodeLabels, graphOf(full).nodeLabels);
  assert.deepEqual(s.predict(X), pf);
  const sc = new KnnGraphClassifier({ candidates: 20 }).fit(denseToCsr(X), y);
  assert.deepEqual(sc.predict(X), pc);
});

test('save / load round trip, JSON round trip, corrupt files refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'knn-graph-'));
  try {
    const { X, y } = data(80, 4);
    const c = new KnnGraphClassifier({ neighbourRule: 'support' }).fit(X, y);
    const path = join(dir, 'model.knng');
    await c.save(path);
    const l = await KnnGraphClassifier.load(path);
    assert.deepEqual(l.predict(X), c.predict(X));
    assert.deepEqual(l.predictProba(X), c.predictProba(X));
    assert.deepEqual(l.explain(Array.from(X.data.subarray(0, 6))), c.explain(Array.from(X.data.subarray(0, 6))));
    assert.equal(l.options.neighbourRule, 'support');
    const j = KnnGraphClassifier.fromJSON(JSON.parse(JSON.stringify(c.toJSON())));
    assert.deepEqual(j.predict(X), c.predict(X));
    const s = new KnnGraphClassifier({ candidates: 10 }).fit(denseToCsr(X), y);
    s.saveSync(path);
    assert.deepEqual(KnnGraphClassifier.loadSync(path).predict(X), s.predict(X));

    const bytes = readFileSync(path);
    const flipped = Uint8Array.from(bytes); flipped[bytes.length - 5] ^= 0xff;
    writeFileSync(join(dir, 'flip.knng'), flipped);
    await assert.rejects(KnnGraphClassifier.load(join(dir, 'flip.knng')), (e: unknown) => e instanceof KnnkitError && /CRC-32/.test((e as Error).message));
    writeFileSync(join(dir, 'short.knng'), bytes.subarray(0, bytes.length - 100));
    await assert.rejects(KnnGraphClassifier.load(join(dir, 'short.knng')), (e: unknown) => e instanceof KnnkitError && /truncated/.test((e as Error).message));
    writeFileSync(join(dir, 'other.knng'), 'not a model at all, just text');
    await assert.rejects(KnnGraphClassifier.load(join(dir, 'other.knng')), /not a knnkit kNN-Graph model/);
    assert.throws(() => KnnGraphClassifier.fromJSON({ nope: 1 }), KnnkitError);
    assert.ok(!existsSync(join(dir, 'missing')));
    await assert.rejects(KnnGraphClassifier.load(join(dir, 'missing')), /path: cannot read/);
    assert.throws(() => KnnGraphClassifier.loadSync(join(dir, 'missing')), /path: cannot read/);
    // bytes without a file system: the same format, the same checks
    const b = c.toBytes();
    await c.save(join(dir, 'again.knng'));
    assert.deepEqual(b, new Uint8Array(readFileSync(join(dir, 'again.knng'))));
    assert.deepEqual(KnnGraphClassifier.fromBytes(b).predict(X), c.predict(X));
    const bad = b.slice(); bad[40] ^= 1;
    assert.throws(() => KnnGraphClassifier.fromBytes(bad), /bytes: corrupt or truncated kNN-Graph model/);
    assert.throws(() => KnnGraphClassifier.fromBytes([1, 2, 3] as unknown as Uint8Array), /bytes: got .*; expected a Uint8Array/);
    assert.throws(() => new KnnGraphClassifier().toBytes(), KnnkitError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input: options, data, labels, queries, use before fit', () => {
  const { X, y } = data(40, 5);
  assert.throws(() => new KnnGraphClassifier({ neighbourRule: 'all' as never }), /neighbourRule: got "all"; expected one of "support", "reference"/);
  assert.throws(() => new KnnGraphClassifier({ maxIter: 0 }), /maxIter: got 0; expected an integer >= 1/);
  assert.throws(() => new KnnGraphClassifier({ eta: 1 }), /eta: got 1/);
  assert.throws(() => new KnnGraphClassifier({ scales: [] }), /scales/);
  assert.throws(() => new KnnGraphClassifier({ scaleWeights: [1, 2] }), /scaleWeights/);
  assert.throws(() => new KnnGraphClassifier({ candidates: 0 }), /candidates: got 0/);
  assert.throws(() => new KnnGraphClassifier({ lambdaMaxFactor: 0.01 }), /lambdaMaxFactor/);
  assert.throws(() => new KnnGraphClassifier({ sigma: -1 }), /sigma: got -1/);
  assert.throws(() => new KnnGraphClassifier({ lamda: 3 } as never), /lamda: unknown option/);
  const c = new KnnGraphClassifier();
  assert.throws(() => c.predict(X), /not fitted/);
  assert.throws(() => c.fit(X, y.slice(1)), /39 labels for 40 samples/);
  assert.throws(() => c.fit([[1, 2], [3]], [0, 1]), /ragged/);
  assert.throws(() => c.fit([[1, NaN]], [0]), /finite/);
  c.fit(X, y);
  assert.throws(() => c.predict([[1, 2, 3]]), /dimension mismatch/);
  assert.throws(() => c.explain([[1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]]), /single query/);
});

test('a single training point and a class of one', () => {
  const one = new KnnGraphClassifier().fit([[1, 2]], ['z']);
  assert.deepEqual(one.predict([[5, 5]]), ['z']);
  const c = new KnnGraphClassifier({ neighbourRule: 'reference' }).fit([[0, 0], [0, 1], [1, 0], [9, 9]], [1, 1, 1, 2]);
  assert.equal(c.predict([[9, 8]]).length, 1);
});

test('inference index: the authors\' build parameters (M = min(32, n), TrainSetSize = n) unless set', () => {
  const { X, y } = data(90, 7);
  const c = new KnnGraphClassifier().fit(X, y);
  assert.equal(c.fitInfo.index, 'hnsw-f32');
  assert.equal(c.fitInfo.indexM, 32);
  assert.equal(c.fitInfo.indexEfConstruction, 90);
  const small = new KnnGraphClassifier().fit({ data: X.data.subarray(0, 20 * 6), rows: 20, cols: 6 }, y.slice(0, 20));
  assert.equal(small.fitInfo.indexM, 20);
  assert.equal(small.fitInfo.indexEfConstruction, 20);
  const set = new KnnGraphClassifier({ M: 8, efConstruction: 40 }).fit(X, y);
  assert.equal(set.fitInfo.indexM, 8);
  assert.equal(set.fitInfo.indexEfConstruction, 40);
  // above EXHAUSTIVE_BUILD_MAX rows the beam of n would make the build quadratic
  assert.equal(defaultEfConstruction(EXHAUSTIVE_BUILD_MAX), EXHAUSTIVE_BUILD_MAX);
  assert.equal(defaultEfConstruction(EXHAUSTIVE_BUILD_MAX + 1), 200);
  assert.throws(() => new KnnGraphClassifier({ efConstruction: 0 }), /efConstruction: got 0/);
  // the loaded model reports the saved index's parameters
  const back = KnnGraphClassifier.fromJSON(JSON.parse(JSON.stringify(c.toJSON())));
  assert.equal(back.fitInfo.indexEfConstruction, 90);
  assert.deepEqual(back.predict(X), c.predict(X));
});

test('kneighbors: the inference lookup (k = 1 is the node predict reads), exact on small data, X omitted leaves the node out', () => {
  const { X, y } = data(90, 9);
  const c = new KnnGraphClassifier().fit(X, y);
  const Q = { data: X.data.subarray(0, 30 * 6).map((v, i) => v + ((i * 7919) % 13) / 50), rows: 30, cols: 6 };
  const one = c.kneighbors(Q);
  assert.equal(one.k, 1);
  const g = graphOf(c), classes = c.classes;
  assert.deepEqual(c.predict(Q), Array.from(one.indices, (node) => classes[g.nodeLabels[node]]));
  // against exact brute force: same distances (an HNSW over 90 points at ef >= 16 is exact here)
  const exact = new BruteForce(X, { metric: 'euclidean' }).search(Q, 5);
  const five = c.kneighbors(Q, 5);
  assert.equal(five.k, 5);
  for (let i = 0; i < five.distances.length; i++) assert.ok(Math.abs(five.distances[i] - exact.distances[i]) < 1e-5);
  assert.equal(c.kneighbors(Q, 500).k, 90); // clamped to the training set
  const self = c.kneighbors(undefined, 3);
  assert.equal(self.k, 3);
  assert.equal(self.nQueries, 90);
  for (let i = 0; i < 90; i++) for (let j = 0; j < 3; j++) assert.notEqual(self.indices[i * 3 + j], i);
  const selfExact = new BruteForce(X, { metric: 'euclidean' }).search(X, 4);
  for (let i = 0; i < 90; i++) assert.ok(Math.abs(self.distances[i * 3] - selfExact.distances[i * 4 + 1]) < 1e-5);
  assert.throws(() => c.kneighbors(Q, 0), /k: got 0/);
  assert.throws(() => c.kneighbors({ data: new Float32Array(5), rows: 1, cols: 5 }), KnnkitError);
  assert.throws(() => new KnnGraphClassifier().kneighbors(Q), KnnkitError);
  // binary training data: the bit-packed index answers 0/1 queries, its float32 twin the others
  const B = { data: X.data.map((v) => (v > 0 ? 1 : 0)), rows: 90, cols: 6 };
  const cb = new KnnGraphClassifier().fit(B, y);
  assert.equal(cb.fitInfo.index, 'hnsw-bits');
  const half = { data: B.data.subarray(0, 6).map((v) => v * 0.5), rows: 1, cols: 6 };
  assert.equal(cb.kneighbors(half, 1).k, 1);
  assert.equal(cb.kneighbors({ data: B.data.subarray(0, 6), rows: 1, cols: 6 }, 1).distances[0], 0);
  // sparse training data: the exact engine answers, with the same neighbours as the dense model
  const cs = new KnnGraphClassifier().fit(denseToCsr(X), y);
  assert.equal(cs.fitInfo.index, 'brute-force');
  const sparse = cs.kneighbors(denseToCsr({ kind: 'dense', ...Q }), 5);
  for (let i = 0; i < sparse.distances.length; i++) assert.ok(Math.abs(sparse.distances[i] - exact.distances[i]) < 1e-4);
});

test("candidates: 'auto' solves the full dictionary up to FULL_SOLVE_MAX rows and restricts it above; 'none' and m as asked", () => {
  assert.equal(dictionarySize(FULL_SOLVE_MAX, 'auto'), undefined);
  assert.equal(dictionarySize(FULL_SOLVE_MAX + 1, 'auto'), AUTO_CANDIDATES);
  assert.equal(dictionarySize(10_000, 'none'), undefined);
  assert.equal(dictionarySize(100, 16), 16);
  assert.equal(dictionarySize(10, 16), undefined); // m >= n - 1 is the full dictionary
  const n = FULL_SOLVE_MAX + 1, rng = new Rng(5);
  const X = { data: new Float32Array(n * 3).map(() => rng.random()), rows: n, cols: 3 };
  const y = Array.from({ length: n }, (_, i) => (X.data[i * 3] > 0.5 ? 'hi' : 'lo'));
  const c = new KnnGraphClassifier().fit(X, y);
  assert.equal(c.fitInfo.mode, 'candidates');
  assert.equal(c.fitInfo.candidates, AUTO_CANDIDATES);
  assert.ok(c.score(X, y) > 0.95);
  const small = new KnnGraphClassifier().fit({ data: X.data.subarray(0, 300), rows: 100, cols: 3 }, y.slice(0, 100));
  assert.equal(small.fitInfo.mode, 'full');
  assert.equal(small.fitInfo.candidates, undefined);
  assert.equal(new KnnGraphClassifier({ candidates: 8 }).fit({ data: X.data.subarray(0, 300), rows: 100, cols: 3 }, y.slice(0, 100)).fitInfo.candidates, 8);
  assert.throws(() => new KnnGraphClassifier({ candidates: 'some' as never }), /candidates: got "some"; expected an integer >= 1, 'auto' or 'none'/);
  assert.throws(() => new KnnGraphClassifier({ candidates: 0 }), /candidates: got 0/);
});
