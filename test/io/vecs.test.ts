import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { readFvecs, readIvecs, readBvecs, writeFvecs, writeIvecs, writeBvecs } from '../../src/io/vecs.js';
import { readDataset } from '../../src/io/dataset.js';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { gaussianClusters, sharedData } from '../helpers/data.js';
import { withTempDir, errorOf } from './helpers.js';

test('fvecs / ivecs / bvecs round trips, byte layout as the TEXMEX format', () => withTempDir(async (t) => {
  const X = gaussianClusters(300, 17, 5, 1);
  const pf = t.file('x.fvecs');
  await writeFvecs(pf, X);
  const raw = readFileSync(pf);
  assert.equal(raw.length, 300 * (4 + 17 * 4));
  assert.equal(raw.readInt32LE(0), 17);
  assert.equal(raw.readFloatLE(4), X.data[0]);
  assert.equal(raw.readInt32LE(4 + 17 * 4), 17);
  const back = await readFvecs(pf);
  assert.equal(back.rows, 300);
  assert.equal(back.cols, 17);
  assert.deepEqual(Array.from(back.data), Array.from(X.data));

  const ids = { data: Int32Array.from({ length: 40 }, (_, i) => i * 7 - 3), rows: 4, cols: 10 };
  const pi = t.file('gt.ivecs');
  await writeIvecs(pi, ids);
  const ib = await readIvecs(pi);
  assert.ok(ib.data instanceof Int32Array);
  assert.deepEqual([ib.rows, ib.cols], [4, 10]);
  assert.deepEqual(Array.from(ib.data), Array.from(ids.data));

  const bytes = { data: Uint8Array.from({ length: 24 }, (_, i) => (i * 37) & 255), rows: 3, cols: 8 };
  const pb = t.file('b.bvecs');
  await writeBvecs(pb, bytes);
  assert.equal(readFileSync(pb).length, 3 * (4 + 8));
  const bb = await readBvecs(pb);
  assert.deepEqual(Array.from(bb.data), Array.from(bytes.data));
  const ds = await readDataset(pb);
  assert.deepEqual(Array.from((ds.X as DenseMatrix).data), Array.from(bytes.data));

  // empty file: 0 vectors
  const pe = t.file('empty.fvecs');
  writeFileSync(pe, Buffer.alloc(0));
  assert.equal((await readFvecs(pe)).rows, 0);
}));

test('truncated or inconsistent files are refused naming the file and the vector', () => withTempDir(async (t) => {
  const X = gaussianClusters(10, 4, 2, 3);
  const p = t.file('x.fvecs');
  await writeFvecs(p, X);
  const good = readFileSync(p);
  const bad = t.file('bad.fvecs');
  writeFileSync(bad, good.subarray(0, good.length - 5));
  assert.match(await errorOf(() => readFvecs(bad)), /bad\.fvecs: truncated fvecs file: vector 9 \(0-based\) is incomplete, 15 of 20 bytes/);
  const inc = Buffer.from(good);
  inc.writeInt32LE(5, 3 * 20);
  writeFileSync(bad, inc);
  assert.match(await errorOf(() => readFvecs(bad)), /bad\.fvecs: vector 3 \(0-based, at byte 60\) declares dimension 5 but vector 0 declares 4/);
  const neg = Buffer.from(good);
  neg.writeInt32LE(-1, 0);
  writeFileSync(bad, neg);
  assert.match(await errorOf(() => readFvecs(bad)), /bad\.fvecs: vector 0 declares dimension -1; expected an integer in \[1, /);
  writeFileSync(bad, Buffer.from([1, 0]));
  assert.match(await errorOf(() => readFvecs(bad)), /bad\.fvecs: truncated fvecs file: 2 bytes/);
  const nan = Buffer.from(good);
  nan.writeFloatLE(NaN, 4 + 20 * 2 + 4);
  writeFileSync(bad, nan);
  assert.match(await errorOf(() => readFvecs(bad)), /bad\.fvecs: vector 2 \(0-based\), component 1 is NaN/);
  const ib = t.file('bad.ivecs');
  writeFileSync(ib, good.subarray(0, 30));
  assert.match(await errorOf(() => readIvecs(ib)), /bad\.ivecs: truncated ivecs file: vector 1 \(0-based\) is incomplete, 10 of 20 bytes/);
}));

test('readDataset on .fvecs with labelsPath; label count mismatch is an error', () => withTempDir(async (t) => {
  const X = gaussianClusters(6, 3, 2, 4);
  const p = t.file('x.fvecs');
  await writeFvecs(p, X);
  const lp = t.file('y.txt');
  writeFileSync(lp, 'a\nb\na\nc\nb\na\n\n');
  const ds = await readDataset(p, { labelsPath: lp });
  assert.deepEqual(ds.y, ['a', 'b', 'a', 'c', 'b', 'a']);
  writeFileSync(lp, '1\n2\n3\n');
  assert.match(await errorOf(() => readDataset(p, { labelsPath: lp })), /labelsPath: .*y\.txt has 3 labels but .*x\.fvecs has 6 rows/);
  writeFileSync(lp, '1\n\n2\n');
  assert.match(await errorOf(() => readDataset(p, { labelsPath: lp })), /y\.txt:2: blank line among the labels/);
}));

const base = sharedData('ngt_sift4900_base.fvecs');
test('real data: ngt_sift4900_base.fvecs (4900 x 128, integer SIFT values 0..191)', { skip: base.skip }, async () => {
  const m = await readFvecs(base.path);
  assert.equal(m.rows, 4900);
  assert.equal(m.cols, 128);
  const raw = readFileSync(base.path);
  for (const r of [0, 1234, 4899]) {
    for (const j of [0, 17, 127]) assert.equal(m.data[r * 128 + j], raw.readFloatLE(r * 516 + 4 + j * 4));
  }
  let max = 0;
  for (const v of m.data) { assert.ok(Number.isInteger(v) && v >= 0); if (v > max) max = v; }
  assert.ok(max <= 255);
});

const gt = sharedData('ngt_sift4900_groundtruth.ivecs');
test('real data: ngt_sift4900_groundtruth.ivecs (100 x 100 ids into the base)', { skip: gt.skip }, async () => {
  const g = await readIvecs(gt.path);
  assert.equal(g.rows, 100);
  assert.equal(g.cols, 100);
  const raw = readFileSync(gt.path);
  assert.equal(g.data[0], raw.readInt32LE(4));
  assert.equal(g.data[99 * 100 + 99], raw.readInt32LE(99 * 404 + 4 + 99 * 4));
  for (const v of g.data) assert.ok(v >= 0 && v < 4900);
  for (let q = 0; q < 100; q++) assert.equal(new Set(g.data.subarray(q * 100, q * 100 + 100)).size, 100, `query ${q} ids distinct`);
});
