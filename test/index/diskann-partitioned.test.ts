import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { KnnkitError } from '../../src/core/errors.js';
import { createIndex } from '../../src/index/api.js';
import { loadIndex } from '../../src/index/persist.js';
import type { ManagedIndex } from '../../src/index/managed-index.js';
import type { DiskannCore } from '../../src/index/diskann/core.js';
import { buildDiskannFile } from '../../src/index/diskann/file-build.js';
import { VecsStream } from '../../src/index/diskann/vecs-stream.js';
import { partitionStream, sampleRows } from '../../src/index/diskann/partition.js';
import { writeFvecs, writeBvecs } from '../../src/io/vecs.js';
import { closeSharedPool } from '../../src/parallel/index.js';
import { recall, rows } from '../helpers/recall.js';
import { gaussianClusters } from '../helpers/data.js';

const dir = mkdtempSync(join(tmpdir(), 'knnkit-diskann-part-'));
after(async () => { rmSync(dir, { recursive: true, force: true }); await closeSharedPool(); });

const drawn = gaussianClusters(3100, 32, 20, 5);
const base: DenseMatrix = rows(drawn, 0, 3000);
const queries: DenseMatrix = rows(drawn, 3000, 3100);
const truth = createIndex('brute', base).search(queries, 10);
const input = join(dir, 'base.fvecs');
await writeFvecs(input, base);

test('VecsStream: chunks hold one reused buffer of at most chunkRows rows and decode every row', () => {
  const vs = new VecsStream(input);
  assert.equal(vs.n, 3000);
  assert.equal(vs.dim, 32);
  let seen = 0, buf: Float32Array | null = null;
  for (const c of vs.chunks(700)) {
    assert.ok(c.rows <= 700);
    if (buf) assert.equal(c.data.buffer, buf.buffer, 'the same buffer is reused for every chunk');
    buf = c.data;
    for (let j = 0; j < 32; j++) assert.equal(c.data[(c.rows - 1) * 32 + j], base.data[(c.start + c.rows - 1) * 32 + j]);
    seen += c.rows;
  }
  assert.equal(seen, 3000);
  assert.equal(vs.peakChunkRows, 700);
  const ids = Int32Array.from([0, 1, 2, 17, 2999]), out = new Float32Array(5 * 32);
  vs.gather(ids, out);
  ids.forEach((v, i) => assert.deepEqual(out.subarray(i * 32, i * 32 + 32), base.data.subarray(v * 32, v * 32 + 32)));
  assert.throws(() => vs.gather(Int32Array.from([5, 3]), out), (e: unknown) => e instanceof KnnkitError && /ascending/.test(e.message));
  vs.close();
});

test('VecsStream reads .bvecs as float32 and refuses a non-vecs path', async () => {
  const p = join(dir, 'b.bvecs');
  await writeBvecs(p, { data: Uint8Array.from({ length: 40 }, (_, i) => i), rows: 5, cols: 8 });
  const vs = new VecsStream(p);
  const c = vs.chunks(2).next().value!;
  assert.deepEqual([...c.data.subarray(8, 16)], [8, 9, 10, 11, 12, 13, 14, 15]);
  vs.close();
  assert.throws(() => new VecsStream(join(dir, 'x.csv')), (e: unknown) => e instanceof KnnkitError && /fvecs or \.bvecs/.test(e.message));
});

test('partitions: every point lies in exactly `overlap` distinct partitions, members ascending, sizes capped', () => {
  const vs = new VecsStream(input);
  const p = partitionStream(vs, sampleRows(vs, 1000), 6, 2, { niter: 5, seed: 1, chunkRows: 512 });
  vs.close();
  const count = new Int32Array(3000);
  for (let q = 0; q < p.k; q++) {
    const m = p.members.subarray(p.offsets[q], p.offsets[q + 1]);
    for (let i = 1; i < m.length; i++) assert.ok(m[i] > m[i - 1]);
    for (const v of m) count[v]++;
  }
  assert.ok(count.every((c) => c === 2));
  // no partition above 1.25 x the even share (k-means on these clusters alone is uneven)
  for (let q = 0; q < p.k; q++) assert.ok(p.offsets[q + 1] - p.offsets[q] <= Math.ceil(1.25 * 6000 / 6), `partition ${q}: ${p.offsets[q + 1] - p.offsets[q]}`);
});

test('partitioned build: merged degree <= R, every node reachable from the medoid, recall close to the one-graph build', async () => {
  const out = join(dir, 'part.knnkit');
  const report = await buildDiskannFile(input, out, { R: 16, L: 40, pqBytes: 8, partitionRows: 1200, overlap: 2, threads: 2, chunkRows: 500 });
  assert.ok(report.partitions >= 4, `${report.partitions} partitions`);
  assert.equal(report.sizes.reduce((a, b) => a + b, 0), 6000);
  assert.ok(!existsSync(`${out}.sectors.tmp`), 'the temporary sector file is removed');
  const ix = await loadIndex(out);
  assert.equal(ix.size, 3000);
  const st = ((ix as ManagedIndex).core as DiskannCore).state!;
  assert.equal(st.source.resident, false);
  // the merged graph, read back from the sectors: degree within R, BFS from the medoid reaches all
  const lay = st.layout, buf = new Uint8Array(lay.readBytes), i32 = new Int32Array(buf.buffer);
  const adj: number[][] = [];
  for (let v = 0; v < st.n; v++) {
    st.source.readSync(buf, lay.sectorOf(v));
    const b = lay.offsetIn(v) / 4 + 32, deg = i32[b];
    assert.ok(deg >= 1 && deg <= 16, `node ${v} degree ${deg}`);
    adj.push([...i32.subarray(b + 1, b + 1 + deg)]);
  }
  const seen = new Uint8Array(st.n), queue = [st.medoid];
  seen[st.medoid] = 1;
  while (queue.length) for (const u of adj[queue.pop()!]) if (!seen[u]) { seen[u] = 1; queue.push(u); }
  assert.equal(seen.reduce((a, b) => a + b, 0), 3000, 'every node reachable from the medoid');
  const one = createIndex('diskann', base, { R: 16, L: 40, pqBytes: 8 });
  const rOne = recall(one.search(queries, 10, { L: 60, beamWidth: 4 }), truth);
  const rPart = recall(ix.search(queries, 10, { L: 60, beamWidth: 4 }), truth);
  assert.ok(rPart >= 0.9 && rPart >= rOne - 0.04, `partitioned ${rPart} vs one graph ${rOne}`);
  (st.source).close();
});

test('partitioned build refuses bad partitioning options naming them', async () => {
  await assert.rejects(buildDiskannFile(input, join(dir, 'x.knnkit'), { overlap: 0 }), (e: unknown) => e instanceof KnnkitError && /overlap: got 0/.test(e.message));
  await assert.rejects(buildDiskannFile(input, join(dir, 'x.knnkit'), { partitionRows: 1 }), (e: unknown) => e instanceof KnnkitError && /partitionRows: got 1/.test(e.message));
});
