import { test } from 'node:test';
import assert from 'node:assert/strict';
import { denseMatrix, type DenseMatrix } from '../../src/core/matrix.js';
import { KnnkitError } from '../../src/core/errors.js';
import { createIndex, emptyIndex } from '../../src/index/api.js';
import { indexFromBytes } from '../../src/index/persist.js';
import { normalizeRows } from '../../src/index/ivf/coarse.js';
import { ProductQuantizer } from '../../src/index/pq/product-quantizer.js';
import { anisotropicEta, directionalErrors, encodeAnisotropic, trainAnisotropic } from '../../src/index/scann/anisotropic.js';
import { recall, rows } from '../helpers/recall.js';
import { gaussianClusters } from '../helpers/data.js';

// unit-norm clustered data (ScaNN's setting: T = 0.2 for unit-norm data)
const drawn = normalizeRows(gaussianClusters(3060, 32, 30, 11, 6));
const base = rows(drawn, 0, 3000);
const queries = rows(drawn, 3000, 3060);

function decodeAll(pq: ProductQuantizer, codes: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(n * pq.d);
  for (let i = 0; i < n; i++) pq.decode(codes, i * pq.m, out, i * pq.d);
  return out;
}

test('anisotropic eta: (d - 1)(T^2/||x||^2)/(1 - T^2/||x||^2); 1 (plain loss) for points no longer than T', () => {
  assert.ok(Math.abs(anisotropicEta(1, 128, 0.2) - 127 * 0.04 / 0.96) < 1e-12);
  assert.ok(Math.abs(anisotropicEta(4, 100, 0.2) - 99 * 0.01 / 0.99) < 1e-12);
  assert.equal(anisotropicEta(0.01, 128, 0.2), 1);
  assert.equal(anisotropicEta(0, 128, 0.2), 1);
});

test('anisotropic PQ: lower parallel error and higher orthogonal error than plain PQ on the same data; the loss never rises', () => {
  const X = base, m = 16, o = { iters: 8, encodeSweeps: 3, trainRows: 3000, seed: 3, pqIter: 25, maxPointsPerCentroid: 256 };
  const plain = ProductQuantizer.train(X, m, 4, { niter: 25, seed: 3, maxPointsPerCentroid: 256 });
  const ePlain = directionalErrors(X, decodeAll(plain, plain.encode(X), X.rows));
  const { pq, losses } = trainAnisotropic(X, X, m, 4, { threshold: 0.2, ...o });
  const eAniso = directionalErrors(X, decodeAll(pq, encodeAnisotropic(pq, X, X, 0.2, 3), X.rows));
  assert.ok(eAniso.parallel < 0.8 * ePlain.parallel, `parallel: anisotropic ${eAniso.parallel.toExponential(3)} vs plain ${ePlain.parallel.toExponential(3)}`);
  assert.ok(eAniso.orthogonal > ePlain.orthogonal, `orthogonal: anisotropic ${eAniso.orthogonal.toExponential(3)} vs plain ${ePlain.orthogonal.toExponential(3)}`);
  assert.equal(losses.length, 9);
  for (let i = 1; i < losses.length; i++) assert.ok(losses[i] <= losses[i - 1] * (1 + 1e-9), `loss rose at iteration ${i}: ${losses[i - 1]} -> ${losses[i]}`);
  assert.ok(losses[losses.length - 1] < losses[0], 'the alternation lowers the anisotropic loss');
  // T = 0: plain PQ exactly
  const t0 = trainAnisotropic(X, X, m, 4, { threshold: 0, ...o, seed: 3 });
  assert.deepEqual(Array.from(encodeAnisotropic(t0.pq, X, X, 0, 3)), Array.from(t0.pq.encode(X)));
});

test('scann (ip, cosine): recall rises with leavesToSearch and reorderK; reordered distances are exact inner products', () => {
  for (const metric of ['ip', 'cosine'] as const) {
    const idx = createIndex('scann', base, { metric });
    assert.equal(idx.options.threshold, 0.2);
    const truth = createIndex('brute', base, { metric }).search(queries, 10);
    const r = (sp: Record<string, unknown>) => recall(idx.search(queries, 10, sp), truth);
    const byLeaves = [1, 4, 16, 55].map((leavesToSearch) => r({ leavesToSearch }));
    for (let i = 1; i < byLeaves.length; i++) assert.ok(byLeaves[i] >= byLeaves[i - 1] - 0.02, `${metric} leaves: ${byLeaves}`);
    assert.ok(byLeaves[3] >= 0.95, `${metric}: all leaves, reorderK 100: ${byLeaves[3]}`);
    assert.ok(r({ leavesToSearch: 55, reorderK: 10 }) < r({ leavesToSearch: 55, reorderK: 100 }), `${metric}: reordering more candidates helps`);
    const res = idx.search(queries, 10);
    for (let q = 0; q < 5; q++) {
      const row = res.row(q);
      for (let t = 0; t < 10; t++) {
        let s = 0;
        for (let u = 0; u < 32; u++) s += queries.data[q * 32 + u] * base.data[row.indices[t] * 32 + u];
        assert.ok(Math.abs(row.distances[t] - (1 - s)) < 1e-5, `${metric} q${q} rank ${t}: ${row.distances[t]} vs ${1 - s}`);
        if (t) assert.ok(row.distances[t] >= row.distances[t - 1]);
      }
    }
  }
});

test('scann: 4-bit codes of 2-dimension blocks (d / 4 bytes per vector), empty index + train + add, save / load, filters, remove', () => {
  const idx = emptyIndex('scann', 32, { metric: 'ip', numLeaves: 20 });
  assert.ok(!idx.isTrained);
  idx.train(base);
  const fixed = idx.memoryUsage();
  idx.add(base);
  // codes (16 blocks x 4 bits = 8 bytes) + a label + the float row kept for reordering (128 bytes)
  const perVector = (idx.memoryUsage() - fixed) / base.rows;
  assert.ok(perVector >= 8 + 4 + 128 && perVector < 8 + 4 + 128 + 12, `bytes per vector ${perVector}`);
  const want = idx.search(queries, 10, { leavesToSearch: 5 });
  for (const view of [false, true]) {
    const back = indexFromBytes(idx.toBytes(), { view });
    const got = back.search(queries, 10, { leavesToSearch: 5 });
    assert.deepEqual(Array.from(got.ids), Array.from(want.ids));
    assert.deepEqual(Array.from(got.distances), Array.from(want.distances));
  }
  const odd = (id: number) => id % 2 === 1;
  for (const id of idx.search(queries, 10, { filter: odd }).ids) assert.ok(id === -1 || odd(id));
  const gone = Float64Array.from({ length: 1500 }, (_, i) => 2 * i);
  assert.equal(idx.remove(gone), 1500);
  const r = idx.search(queries, 10, { leavesToSearch: 20 });
  for (const id of r.ids) assert.ok(id % 2 === 1, `removed id ${id} returned`);
  assert.ok(r.ids.every((id) => id >= 0), 'enough odd points left to fill every row');
});

test('scann: bad options are refused naming them', () => {
  const bad = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof KnnkitError && re.test(e.message));
  bad(() => createIndex('scann', base, { dimsPerBlock: 3 }), /dimsPerBlock: got 3; expected a divisor of the dimension 32/);
  bad(() => createIndex('scann', base, { threshold: -1 }), /threshold/);
  bad(() => createIndex('scann', base, { metric: 'manhattan' }), /metric/);
  bad(() => createIndex('scann', base).search(queries, 10, { leavesToSearch: 0 }), /leavesToSearch/);
  bad(() => createIndex('scann', base).search(queries, 10, { reorderK: 0 }), /reorderK/);
  bad(() => createIndex('scann', rows(base, 0, 10)), /sample: 10 rows/);
  // d with d / 2 > 256 blocks: a larger block by default
  const wide = denseMatrix(new Float32Array(40 * 600).map((_, i) => Math.sin(i)), 40, 600);
  assert.equal(createIndex('scann', wide, { metric: 'ip' }).size, 40);
});
