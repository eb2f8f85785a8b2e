import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Rng } from '../../src/core/rng.js';
import { KnnkitError } from '../../src/core/errors.js';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { KnnGraphClassifier } from '../../src/knn-graph/index.js';
import { createIndex } from '../../src/index/api.js';

/** 0/1 "glyphs": three classes of noisy prototypes (like Binalpha's binary images). */
function glyphs(n: number, dim: number, seed: number): { X: DenseMatrix; y: string[] } {
  const rng = new Rng(seed);
  const protos = Array.from({ length: 3 }, () => Array.from({ length: dim }, () => (rng.random() < 0.35 ? 1 : 0)));
  const data = new Float32Array(n * dim), y: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    y.push('abc'[c]);
    for (let j = 0; j < dim; j++) data[i * dim + j] = rng.random() < 0.2 ? 1 - protos[c][j] : protos[c][j];
  }
  return { X: { kind: 'dense', data, rows: n, cols: dim }, y };
}

const opts = { threads: 1, M: 8, efConstruction: 64, ef: 32 };

test('indexStorage auto: bit-packed index on 0/1 data, float32 otherwise; a small set is looked up by the exact bit scan', () => {
  const { X, y } = glyphs(150, 70, 1);
  const Q = glyphs(60, 70, 2).X;
  const auto = new KnnGraphClassifier(opts).fit(X, y);
  const f32 = new KnnGraphClassifier({ ...opts, indexStorage: 'f32' }).fit(X, y);
  assert.equal(auto.fitInfo.index, 'hnsw-bits');
  assert.equal(auto.fitInfo.lookup, 'bit-scan');
  assert.equal(f32.fitInfo.index, 'hnsw-f32');
  assert.equal(f32.fitInfo.lookup, undefined);
  // the bit scan returns brute force's nearest node (ties by the lower node)
  const nearest = createIndex('brute', X).search(Q, 1).indices;
  const p = auto.predict(Q), pf = f32.predict(Q);
  let agree = 0;
  for (let i = 0; i < Q.rows; i++) {
    const row = Q.data.subarray(i * 70, i * 70 + 70);
    assert.equal(auto.explain(row).node, nearest[i], `query ${i}`);
    assert.equal(auto.predict([Array.from(row)])[0], p[i]);
    // where the graph walk found the same node, the two classifiers agree
    if (f32.explain(row).node === nearest[i]) { assert.equal(pf[i], p[i]); agree++; }
  }
  assert.ok(agree >= 50, `the graph walk found the exact node for ${agree} of 60 queries`);
  const scaled = { ...X, data: X.data.map((v) => v * 2) };
  assert.equal(new KnnGraphClassifier(opts).fit(scaled, y).fitInfo.index, 'hnsw-f32');
});

test('bit-packed index: queries that are not 0/1 are answered by the float32 twin (same graph)', () => {
  const { X, y } = glyphs(150, 40, 3);
  const auto = new KnnGraphClassifier(opts).fit(X, y);
  const f32 = new KnnGraphClassifier({ ...opts, indexStorage: 'f32' }).fit(X, y);
  const rng = new Rng(4);
  const Q = { kind: 'dense' as const, data: Float32Array.from({ length: 30 * 40 }, () => rng.random()), rows: 30, cols: 40 };
  assert.deepEqual(auto.predict(Q), f32.predict(Q));
  // a batch mixing 0/1 rows and one fractional row
  const mixed = glyphs(10, 40, 5).X;
  mixed.data[3 * 40 + 7] = 0.5;
  assert.deepEqual(auto.predict(mixed), f32.predict(mixed));
  // bad input still gets the boundary's errors
  const nan = mixed.data.slice();
  nan[11] = NaN;
  assert.throws(() => auto.predict({ data: nan, rows: 10, cols: 40 }), (e: unknown) => e instanceof KnnkitError && /NaN/.test(e.message));
  assert.throws(() => auto.predict({ data: nan.subarray(0, 390), rows: 10, cols: 39 }), (e: unknown) => e instanceof KnnkitError && /dimension/.test(e.message));
  assert.throws(() => auto.predict({ data: new Float32Array(0), rows: 0, cols: 40 }), KnnkitError);
});

test('indexStorage bits on non-binary data and unknown values are refused', () => {
  const { X, y } = glyphs(60, 20, 6);
  const bad = { ...X, data: X.data.slice() };
  bad.data[45] = 0.25;
  assert.throws(() => new KnnGraphClassifier({ ...opts, indexStorage: 'bits' }).fit(bad, y), (e: unknown) => e instanceof KnnkitError && /\[2\]\[5\]: got 0\.25/.test(e.message));
  assert.throws(() => new KnnGraphClassifier({ indexStorage: 'int8' as never }), (e: unknown) => e instanceof KnnkitError && /indexStorage/.test(e.message));
});

test('bit-packed model: save/load and toJSON/fromJSON answer as the original', async () => {
  const { X, y } = glyphs(120, 90, 7);
  const Q = glyphs(40, 90, 8).X;
  const c = new KnnGraphClassifier(opts).fit(X, y);
  const dir = mkdtempSync(join(tmpdir(), 'knng-bits-'));
  try {
    await c.save(join(dir, 'm.knng'));
    const back = await KnnGraphClassifier.load(join(dir, 'm.knng'));
    assert.equal(back.fitInfo.index, 'hnsw-bits');
    assert.deepEqual(back.predict(Q), c.predict(Q));
    const j = KnnGraphClassifier.fromJSON(JSON.parse(JSON.stringify(c.toJSON())));
    assert.deepEqual(j.predict(Q), c.predict(Q));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('model files carry the inference index: loading takes it instead of rebuilding; files without it (version 1) still load', async () => {
  const { encode, decode } = await import('../../src/knn-graph/serialize.js');
  const { HnswIndex } = await import('../../src/search/hnsw/hnsw-index.js');
  const { crc32 } = await import('../../src/io/crc32.js');
  const { X, y } = glyphs(120, 64, 9);
  const Q = glyphs(30, 64, 10).X;
  const c = new KnnGraphClassifier(opts).fit(X, y);
  // install an index built with another seed: a rebuild on load would use the options' seed instead
  const st = c.state();
  const other = HnswIndex.build(X, { M: 8, efConstruction: 64, ef: 32, seed: 99, storage: 'bits' });
  c.adopt(st.X, st.yIds, st.encoder, st.graph, st.info, other);
  const back = KnnGraphClassifier.fromBytes(encode(c));
  assert.equal((back.state().index as InstanceType<typeof HnswIndex>).seed, 99, 'the saved index, not a rebuilt one');
  assert.deepEqual(back.predict(Q), c.predict(Q));
  // without the index section: rebuilt from the points with the options' seed
  const bare = encode(c, { withIndex: false });
  assert.equal((KnnGraphClassifier.fromBytes(bare).state().index as InstanceType<typeof HnswIndex>).seed, 3, 'the default seed');
  const v1 = bare.slice();
  new DataView(v1.buffer).setUint32(8, 1, true);
  assert.deepEqual(KnnGraphClassifier.fromBytes(v1).predict(Q), new KnnGraphClassifier(opts).fit(X, y).predict(Q));
  // a damaged index section behind a valid model checksum is refused with the index's own error
  const bytes = encode(c);
  const at = Buffer.from(bytes).indexOf('KNNKHNSW');
  assert.ok(at > 0);
  bytes[at + 200] ^= 0xff;
  new DataView(bytes.buffer).setUint32(16, crc32(bytes.subarray(20)), true);
  assert.throws(() => decode(bytes, 'm.knng'), (e: unknown) => e instanceof KnnkitError && /m\.knng: the saved inference index is unreadable: .*checksum/.test(e.message));
});
