import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { Wal, encodeRecord, readWal } from '../../src/server/wal.js';
import { compileFilter, valuesAt } from '../../src/server/filter.js';
import { pointKey, compareKeys } from '../../src/server/point-id.js';
import { Bm25Index } from '../../src/server/bm25.js';
import { FieldIndex } from '../../src/server/payload-index.js';
import { tempDir } from './helpers.js';

test('WAL: records round-trip with their float block; concurrent appends share fsyncs (group commit)', async () => {
  const t = tempDir();
  try {
    const wal = await Wal.open(`${t.dir}/wal.log`);
    const n = 200;
    await Promise.all(Array.from({ length: n }, (_, i) => wal.append(encodeRecord({ seq: i + 1, op: 'x', i }, Float32Array.of(i, -i, 0.5)))));
    assert.equal(wal.records, n);
    assert.ok(wal.syncs < n, `${wal.syncs} fsyncs for ${n} records`);
    await wal.close();
    const r = readWal(`${t.dir}/wal.log`);
    assert.equal(r.records.length, n);
    assert.equal(r.tornBytes, 0);
    r.records.forEach((rec, i) => {
      assert.equal(rec.meta.seq, i + 1);
      assert.deepEqual([...rec.floats], [i, -i, 0.5]);
    });
  } finally { t.remove(); }
});

test('WAL: a torn last record is dropped and the file truncated; a bad record in the middle is refused', () => {
  const t = tempDir();
  try {
    const path = `${t.dir}/wal.log`;
    const a = encodeRecord({ seq: 1, op: 'a' }), b = encodeRecord({ seq: 2, op: 'b' }, Float32Array.of(1, 2, 3));
    writeFileSync(path, Buffer.concat([a, b]));
    // every cut inside the second record: torn tail -> first record only, file truncated to it
    for (let cut = 1; cut < b.length; cut++) {
      writeFileSync(path, Buffer.concat([a, b.subarray(0, cut)]));
      const r = readWal(path);
      assert.deepEqual(r.records.map((x) => x.meta.seq), [1], `cut ${cut}`);
      assert.equal(r.tornBytes, cut);
      assert.equal(statSync(path).size, a.length);
    }
    // a flipped byte in the last record: torn (its CRC fails at the end of the file)
    const bad = Buffer.from(b); bad[bad.length - 2] ^= 0xff;
    writeFileSync(path, Buffer.concat([a, bad]));
    assert.deepEqual(readWal(path).records.map((x) => x.meta.seq), [1]);
    // a flipped byte in the first of two records: corruption, not a torn write
    const badA = Buffer.from(a); badA[10] ^= 0xff;
    writeFileSync(path, Buffer.concat([badA, b]));
    assert.throws(() => readWal(path), /corrupt/);
    assert.equal(readFileSync(path).length, a.length + b.length, 'a refused log is left as it was');
    // appending after a truncated tail continues cleanly
    writeFileSync(path, Buffer.concat([a, b.subarray(0, 5)]));
    readWal(path);
    appendFileSync(path, b);
    assert.deepEqual(readWal(path).records.map((x) => x.meta.seq), [1, 2]);
  } finally { t.remove(); }
});

test('filters compile to the documented semantics', () => {
  const p = { a: { b: [1, 5] }, tags: ['x', 'y'], n: null, s: 'hello world', list: [{ k: 1, v: 'p' }, { k: 2, v: 'q' }] };
  const f = (filter: unknown) => compileFilter(filter)!.test('7', p);
  assert.deepEqual(valuesAt(p, 'a.b'), [1, 5]);
  assert.deepEqual(valuesAt(p, 'list[].v'), ['p', 'q']);
  assert.equal(f({ must: [{ key: 'a.b', match: { value: 5 } }] }), true);
  assert.equal(f({ must: [{ key: 'a.b', range: { gt: 5 } }] }), false);
  assert.equal(f({ must: [{ key: 'a.b', range: { gte: 5, lte: 5 } }] }), true);
  assert.equal(f({ must: [{ key: 'tags', match: { any: ['z', 'y'] } }] }), true);
  assert.equal(f({ must: [{ key: 'tags', match: { except: ['x'] } }] }), false);
  assert.equal(f({ must: [{ key: 's', match: { text: 'lo wo' } }] }), true);
  assert.equal(f({ must: [{ is_null: { key: 'n' } }] }), true);
  assert.equal(f({ must: [{ is_null: { key: 'missing' } }] }), false);
  assert.equal(f({ must: [{ is_empty: { key: 'missing' } }] }), true);
  assert.equal(f({ must: [{ is_empty: { key: 'tags' } }] }), false);
  assert.equal(f({ must: [{ has_id: [7, 8] }] }), true);
  assert.equal(f({ must_not: [{ has_id: [7] }] }), false);
  assert.equal(f({ should: [{ key: 's', match: { value: 'no' } }, { key: 'tags', match: { value: 'x' } }] }), true);
  assert.equal(f({ should: [{ key: 's', match: { value: 'no' } }] }), false);
  assert.equal(f({ min_should: { conditions: [{ key: 'tags', match: { value: 'x' } }, { key: 'tags', match: { value: 'y' } }, { key: 'tags', match: { value: 'z' } }], min_count: 2 } }), true);
  // nested: both conditions on the same element (k = 1 has v = 'p', not 'q')
  assert.equal(f({ must: [{ nested: { key: 'list', filter: { must: [{ key: 'k', match: { value: 1 } }, { key: 'v', match: { value: 'q' } }] } } }] }), false);
  assert.equal(f({ must: [{ nested: { key: 'list', filter: { must: [{ key: 'k', match: { value: 2 } }, { key: 'v', match: { value: 'q' } }] } } }] }), true);
  assert.equal(f({ must: [{ must_not: [{ key: 'tags', match: { value: 'x' } }] }] }), false);
  assert.throws(() => compileFilter({ must: [{ key: 'a', range: { gt: 'x' } }] }), /finite number/);
  assert.throws(() => compileFilter({ muts: [] }), /unknown filter clause "muts"/);
  assert.throws(() => compileFilter({ must: [{ key: 'a', match: { value: { o: 1 } } }] }), /string, an integer or a boolean/);
});

test('point ids: integers and UUID forms to one canonical key; Qdrant\'s scroll order', () => {
  assert.equal(pointKey(42), '42');
  const u = '550e8400-e29b-41d4-a716-446655440000';
  assert.equal(pointKey(u.toUpperCase()), u);
  assert.equal(pointKey(u.replace(/-/g, '')), u);
  assert.equal(pointKey(`{${u}}`), u);
  assert.equal(pointKey(`urn:uuid:${u}`), u);
  for (const bad of [-1, 1.5, 2 ** 53, 'abc', null, {}]) assert.throws(() => pointKey(bad), /expected an unsigned integer/);
  assert.deepEqual(['10', u, '9', '00000000-0000-0000-0000-000000000001'].sort(compareKeys), ['9', '10', '00000000-0000-0000-0000-000000000001', u]);
});

test('BM25: scores follow the formula; payload index range and match lookups', () => {
  const bm = new Bm25Index();
  const docs = new Map<number, Record<string, unknown>>([[0, { t: 'a b' }], [1, { t: 'a a c' }], [2, { t: 'c d e f' }]]);
  bm.setField('t', docs);
  const N = 3, avgdl = 9 / 3, k1 = 1.2, b = 0.75;
  const idf = (df: number) => Math.log(1 + (N - df + 0.5) / (df + 0.5));
  const s = (tf: number, dl: number, df: number) => idf(df) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl));
  const r = bm.search('a c', 3, null);
  const want = new Map([[0, s(1, 2, 2)], [1, s(2, 3, 2) + s(1, 3, 2)], [2, s(1, 4, 2)]]);
  assert.deepEqual(r.map((h) => h.id), [...want.entries()].sort((x, y) => y[1] - x[1]).map((x) => x[0]));
  for (const h of r) assert.ok(Math.abs(h.score - want.get(h.id)!) < 1e-12);
  bm.remove(1, docs.get(1)!);
  assert.deepEqual(bm.search('a', 3, null).map((h) => h.id), [0]);
  const fi = new FieldIndex('n', 'integer');
  for (let i = 0; i < 50; i++) fi.add(i, { n: i % 10 });
  fi.remove(3, { n: 3 });
  fi.add(3, { n: 100 });
  assert.deepEqual([...fi.lookup({ kind: 'range', key: 'n', gte: 8, lt: 200 })!].sort((x, y) => x - y), [3, 8, 9, 18, 19, 28, 29, 38, 39, 48, 49]);
  assert.deepEqual([...fi.lookup({ kind: 'match', key: 'n', values: [3] })!].sort((x, y) => x - y), [13, 23, 33, 43]);
});
