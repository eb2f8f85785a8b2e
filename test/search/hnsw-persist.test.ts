import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HnswIndex } from '../../src/search/hnsw/hnsw-index.js';
import { KnnkitError } from '../../src/core/errors.js';
import { gaussianClusters } from '../helpers/data.js';
import { rows } from './hnsw-fixtures.js';
import { wasmFlavour } from '../../src/search/hnsw/kernel-wasm.js';
import { closeSharedPool } from '../../src/parallel/index.js';

const D = 12;
const all = gaussianClusters(2600, D, 10, 41);
const X = rows(all, 0, 2000), Q = rows(all, 2000, 2100), extra = rows(all, 2100, 2600);
const dir = mkdtempSync(join(tmpdir(), 'knnkit-hnsw-'));
test.after(async () => { rmSync(dir, { recursive: true, force: true }); await closeSharedPool(); });

function sameResults(a: HnswIndex, b: HnswIndex, ef = 40): void {
  const ra = a.search(Q, 10, { ef }), rb = b.search(Q, 10, { ef });
  assert.deepEqual(ra.indices, rb.indices);
  assert.deepEqual(ra.distances, rb.distances);
}

test('save/load round trip: same parameters, same results, same bytes; later adds continue identically', async () => {
  for (const metric of ['euclidean', 'cosine', 'ip', 'manhattan']) {
    const ids = Int32Array.from({ length: 2000 }, (_, i) => 10 * i + 3);
    const idx = HnswIndex.build(X, { metric, M: 10, efConstruction: 80, ef: 33, seed: 77 }, ids);
    for (let i = 0; i < 2000; i += 10) idx.remove(ids[i]);
    const path = join(dir, `i-${metric}.hnsw`);
    await idx.save(path);
    const back = await HnswIndex.load(path);
    assert.deepEqual([back.M, back.efConstruction, back.ef, back.seed, back.dim, back.size, back.metric.name],
      [10, 80, 33, 77, D, 1800, idx.metric.name]);
    sameResults(idx, back);
    assert.deepEqual(back.toBytes(), idx.toBytes());
    // the level stream and the free slots continue where they stopped
    idx.add(extra); back.add(extra);
    sameResults(idx, back);
    assert.deepEqual(back.toBytes(), idx.toBytes());
  }
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'atomic write leaves no temporary file');
});

test('toBytes / fromBytes (browsers) round trip, also with the other kernel', () => {
  const idx = HnswIndex.build(X, { seed: 3 });
  const bytes = idx.toBytes();
  sameResults(idx, HnswIndex.fromBytes(bytes));
  const js = HnswIndex.fromBytes(bytes, { kernel: 'js' });
  assert.equal(js.kernelName, 'js');
  const r = js.search(Q, 10, { ef: 40 }), w = idx.search(Q, 10, { ef: 40 });
  let same = 0;
  for (let i = 0; i < r.indices.length; i++) if (r.indices[i] === w.indices[i]) same++;
  assert.ok(same / r.indices.length > 0.97, 'TS kernel walks the same graph');
});

test('a flipped byte, a truncated file, a wrong magic or version are refused with a clear error', async () => {
  const idx = HnswIndex.build(rows(X, 0, 500), { seed: 1 });
  const path = join(dir, 'c.hnsw');
  await idx.save(path);
  const good = readFileSync(path);
  const isErr = (re: RegExp) => (e: unknown) => e instanceof KnnkitError && re.test(e.message);
  for (const pos of [20, Math.floor(good.length / 2), good.length - 10]) {
    const bad = Buffer.from(good); bad[pos] ^= 0x10;
    writeFileSync(path, bad);
    await assert.rejects(HnswIndex.load(path), isErr(/checksum mismatch|corrupt|unreadable header/));
  }
  for (const len of [good.length - 1, Math.floor(good.length / 2), 100, 10]) {
    writeFileSync(path, good.subarray(0, len));
    await assert.rejects(HnswIndex.load(path), isErr(/truncated|corrupt/));
  }
  const magic = Buffer.from(good); magic[0] = 0x41;
  assert.throws(() => HnswIndex.fromBytes(magic), isErr(/not a knnkit HNSW file/));
  const ver = Buffer.from(good); ver.writeUInt32LE(99, 8);
  assert.throws(() => HnswIndex.fromBytes(ver), isErr(/format version 99 is not supported/));
  await assert.rejects(HnswIndex.load(join(dir, 'missing.hnsw')), isErr(/cannot read/));
});

const shared = wasmFlavour()?.shared ?? typeof SharedArrayBuffer !== 'undefined';
test('searchAsync on worker threads returns exactly what search returns', { skip: shared ? false : 'no SharedArrayBuffer' }, async () => {
  for (const kernel of ['auto', 'js'] as const) {
    const idx = HnswIndex.build(X, { seed: 5, kernel, metric: 'cosine' });
    for (let i = 0; i < 2000; i += 7) idx.remove(i);
    const QA = rows(all, 2000, 2600); // >= 64 queries per thread, so that threads are used
    const a = idx.search(QA, 10, { ef: 50 });
    const b = await idx.searchAsync(QA, 10, { ef: 50, threads: 2 });
    assert.deepEqual(Array.from(b.indices), Array.from(a.indices), `${kernel}: plain`);
    assert.deepEqual(Array.from(b.distances), Array.from(a.distances), `${kernel}: distances`);
    const allow = new Set(Array.from({ length: 2000 }, (_, i) => i).filter((i) => i % 4 === 1));
    const fa = idx.search(QA, 10, { ef: 50, filter: (id) => allow.has(id), filterStrategy: 'graph' });
    const fb = await idx.searchAsync(QA, 10, { ef: 50, threads: 2, filter: (id) => allow.has(id), filterStrategy: 'graph' });
    assert.deepEqual(Array.from(fb.indices), Array.from(fa.indices), `${kernel}: filtered`);
    for (const i of fb.indices) assert.ok(allow.has(i));
    // the index memory moves (compact) and workers follow; mutations wait for the batch
    idx.compact();
    const c = idx.search(QA, 10, { ef: 50 });
    const pending = idx.searchAsync(QA, 10, { ef: 50, threads: 2 });
    assert.throws(() => idx.remove(1), /being searched by worker threads/);
    assert.deepEqual(Array.from((await pending).indices), Array.from(c.indices), `${kernel}: after compact`);
  }
});

test('a file with a valid checksum but an inconsistent graph is refused (link counts, link targets, entry point)', async () => {
  const { crc32 } = await import('../../src/io/crc32.js');
  const idx = HnswIndex.build(X, { M: 8, efConstruction: 40, seed: 5 });
  const good = idx.toBytes();
  const dv = new DataView(good.buffer, good.byteOffset, good.byteLength);
  const hl = dv.getUint32(12, true);
  const header = JSON.parse(new TextDecoder().decode(good.subarray(16, 16 + hl)));
  const pad4 = (n: number) => (n + 3) & ~3;
  // link0 follows the vectors (no norms for euclidean)
  const link0 = 16 + pad4(hl) + pad4(header.count * header.dim * 4);
  const forge = (edit: (v: DataView) => void): Uint8Array => {
    const b = good.slice();
    const v = new DataView(b.buffer);
    edit(v);
    v.setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)), true);
    return b;
  };
  const W = 1 + 2 * header.M;
  const cases: Array<[Uint8Array, RegExp]> = [
    [forge((v) => v.setInt32(link0 + 7 * W * 4, 2 * header.M + 1, true)), /slot 7 layer 0: 17 links \(at most 16\)/],
    [forge((v) => v.setInt32(link0 + (3 * W + 1) * 4, header.count + 5, true)), /slot 3 layer 0: link to slot 2005 of 2000/],
    [forge((v) => v.setInt32(link0 + (3 * W + 1) * 4, -2, true)), /link to slot -2/],
  ];
  for (const [bytes, re] of cases) {
    assert.throws(() => HnswIndex.fromBytes(bytes), (e: unknown) => e instanceof KnnkitError && /inconsistent index structure/.test(e.message) && re.test(e.message), String(re));
  }
  // the untouched bytes still load and answer as before
  sameResults(HnswIndex.fromBytes(good), idx);
});
