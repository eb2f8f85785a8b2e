import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { KnnkitError } from '../../src/core/errors.js';
import { createIndex } from '../../src/index/api.js';
import { loadIndex, saveIndex } from '../../src/index/persist.js';
import type { ManagedIndex } from '../../src/index/managed-index.js';
import type { DiskannCore } from '../../src/index/diskann/core.js';
import { SECTOR, SectorLayout } from '../../src/index/diskann/layout.js';
import { parseBytes, planRam } from '../../src/index/diskann/budget.js';
import { recall, rows } from '../helpers/recall.js';
import { gaussianClusters } from '../helpers/data.js';

const drawn = gaussianClusters(2100, 32, 20, 11);
const base: DenseMatrix = rows(drawn, 0, 2000);
const queries: DenseMatrix = rows(drawn, 2000, 2100);
const core = (i: unknown) => (i as ManagedIndex).core as DiskannCore;
const truth = createIndex('brute', base).search(queries, 10);

test('diskann layout: nodes per sector = floor(4096 / (4d + 4 + 4R)); larger records span whole sectors', () => {
  const a = new SectorLayout(1000, 128, 64);
  assert.equal(a.nodeBytes, 772);
  assert.equal(a.nodesPerSector, 5);
  assert.equal(a.sectorCount, 200);
  assert.equal(a.sectorOf(7), 1);
  assert.equal(a.offsetIn(7), 2 * 772);
  const b = new SectorLayout(10, 1000, 64);
  assert.equal(b.nodesPerSector, 0);
  assert.equal(b.sectorsPerNode, 2);
  assert.equal(b.sectorOf(3), 6);
  assert.equal(b.readBytes, 2 * SECTOR);
});

test('diskann budget: "128MB" parses; the plan fits codes and cache in the budget', () => {
  assert.equal(parseBytes('128MB', 'ramBudget'), 128 * 1024 * 1024);
  assert.equal(parseBytes('1.5k', 'ramBudget'), 1536);
  assert.throws(() => parseBytes('12 parsecs', 'ramBudget'), (e: unknown) => e instanceof KnnkitError && /ramBudget/.test(e.message) && /12 parsecs/.test(e.message));
  const n = 200000, d = 128, B = Math.round(0.12 * n * d * 4);
  const p = planRam(n, d, 64, false, { ramBudget: B });
  assert.equal(p.m, 32);
  assert.ok(p.cacheNodes > 0 && p.plannedBytes <= B, JSON.stringify(p));
  assert.throws(() => planRam(n, d, 64, false, { ramBudget: 1000 }), (e: unknown) => e instanceof KnnkitError && /ramBudget/.test(e.message));
  assert.throws(() => planRam(n, d, 64, false, { ramBudget: 0, pqBytes: 7 }), (e: unknown) => e instanceof KnnkitError && /pqBytes/.test(e.message));
});

test('diskann: recall@10 at default L, stats count reads, a larger L reads more and finds more', () => {
  const idx = createIndex('diskann', base, { R: 32, L: 50 });
  const r100 = recall(idx.search(queries, 10), truth);
  const s100 = core(idx).searchStats();
  assert.ok(r100 >= 0.95, `recall ${r100}`);
  assert.ok(s100.readsPerQuery > 10 && s100.hopsPerQuery > 3, JSON.stringify(s100));
  assert.equal(s100.bytesPerQuery, s100.readsPerQuery * SECTOR);
  const r10 = recall(idx.search(queries, 10, { L: 10 }), truth);
  const s10 = core(idx).searchStats();
  assert.ok(s10.readsPerQuery < s100.readsPerQuery && r10 <= r100, `${r10} ${JSON.stringify(s10)}`);
  // the beam width changes the rounds, not much the answer: W = 1 takes about W times more hops
  idx.search(queries, 10, { beamWidth: 1 });
  assert.ok(core(idx).searchStats().hopsPerQuery > 2 * s100.hopsPerQuery);
});

test('diskann: the cache saves reads and leaves the answers unchanged', () => {
  const none = createIndex('diskann', base, { R: 32, L: 50 });
  const cached = createIndex('diskann', base, { R: 32, L: 50, cacheNodes: 300 });
  const a = none.search(queries, 10), b = cached.search(queries, 10);
  assert.deepEqual(Array.from(b.ids), Array.from(a.ids));
  assert.deepEqual(Array.from(b.distances), Array.from(a.distances));
  const sa = core(none).searchStats(), sb = core(cached).searchStats();
  assert.ok(sb.cacheHitsPerQuery > 0 && Math.abs(sb.readsPerQuery + sb.cacheHitsPerQuery - sa.readsPerQuery) < 1e-9, `${JSON.stringify(sa)} ${JSON.stringify(sb)}`);
});

test('diskann: saved, the index serves from the file (codes and cache in RAM, sectors read positionally)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'knnkit-diskann-'));
  try {
    const n = base.rows, raw = n * 32 * 4;
    const budget = 256 * 1024;
    const idx = createIndex('diskann', base, { R: 32, L: 50, ramBudget: '256KiB' });
    const want = idx.search(queries, 10);
    const path = join(dir, 'd.knnkit');
    await saveIndex(idx, path);
    const layout = new SectorLayout(n, 32, 32);
    assert.ok(statSync(path).size >= layout.bytes);
    const back = await loadIndex(path);
    const c = core(back);
    assert.equal(c.state!.source.resident, false);
    assert.ok(back.memoryUsage() <= budget && back.memoryUsage() < raw, `served RAM ${back.memoryUsage()} of ${raw} raw bytes`);
    assert.ok(c.state!.cacheNodes > 0);
    const got = back.search(queries, 10);
    assert.deepEqual(Array.from(got.ids), Array.from(want.ids));
    const asy = await back.searchAsync(queries, 10, { threads: 8, beamWidth: 4 });
    assert.deepEqual(Array.from(asy.ids), Array.from(want.ids));
    assert.deepEqual(Array.from(asy.distances), Array.from(want.distances));
    assert.deepEqual(Array.from(back.getVector(17)), Array.from(base.data.subarray(17 * 32, 18 * 32)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('diskann: filters and removed points are walked through, never returned; selective filters scan exactly', () => {
  const idx = createIndex('diskann', base, { R: 32, L: 50 });
  const allowed = new Set(Array.from({ length: 2000 }, (_, i) => i).filter((i) => i % 4 === 0));
  const r = idx.search(queries, 10, { filter: allowed });
  for (const id of r.ids) assert.ok(id === -1 || allowed.has(id));
  const ref = createIndex('brute', base).search(queries, 10, { filter: allowed });
  assert.ok(recall(r, ref) >= 0.9, `filtered recall ${recall(r, ref)}`);
  const few = [3, 500, 999, 1500];
  const s = idx.search(queries, 3, { filter: few });
  const sref = createIndex('brute', base).search(queries, 3, { filter: few });
  assert.deepEqual(Array.from(s.ids), Array.from(sref.ids));
  idx.remove(Array.from({ length: 1000 }, (_, i) => 2 * i + 1));
  for (const id of idx.search(queries, 10).ids) assert.ok(id % 2 === 0);
});

test('diskann: cosine keeps unit vectors on disk and reports cosine distances', () => {
  const idx = createIndex('diskann', base, { metric: 'cosine', R: 32, L: 50 });
  const want = createIndex('brute', base, { metric: 'cosine' }).search(queries, 10);
  const got = idx.search(queries, 10);
  assert.ok(recall(got, want) >= 0.95);
  assert.ok(Math.abs(got.distances[0] - want.distances[0]) < 1e-5 || got.ids[0] !== want.ids[0]);
  assert.throws(() => createIndex('diskann', base, { metric: 'manhattan' }), (e: unknown) => e instanceof KnnkitError && /metric/.test(e.message));
});

test('diskann CLI: knnkit build --ram-budget, knnkit query --l 20,100 --beam-width 2 --json (recall, qps, p50Ms, p99Ms, readsPerQuery per L)', async () => {
  const { cli, cliTempDir } = await import('../helpers/cli.js');
  const { writeFvecs, writeIvecs } = await import('../../src/io/vecs.js');
  const t = cliTempDir('knnkit-diskann-cli-');
  try {
    const x = join(t.dir, 'x.fvecs'), q = join(t.dir, 'q.fvecs'), gt = join(t.dir, 'gt.ivecs'), out = join(t.dir, 'i.knnkit');
    await writeFvecs(x, base); await writeFvecs(q, queries);
    await writeIvecs(gt, { data: truth.indices, rows: queries.rows, cols: 10 } as never);
    const b = await cli(['build', x, '--index', 'diskann', '--ram-budget', '400KB', '--r', '32', '--out', out, '--quiet']);
    assert.equal(b.code, 0, b.err);
    const r = await cli(['query', out, q, '--groundtruth', gt, '--l', '20,100', '--beam-width', '2', '--json']);
    assert.equal(r.code, 0, r.err);
    const runs = JSON.parse(r.out).runs as Record<string, number>[];
    assert.deepEqual(runs.map((x) => x.L), [20, 100]);
    for (const run of runs) for (const key of ['recall', 'qps', 'p50Ms', 'p99Ms', 'readsPerQuery']) assert.ok(Number.isFinite(run[key]), `${key} in ${JSON.stringify(run)}`);
    assert.ok(runs[1].recall >= 0.9 && runs[1].readsPerQuery > runs[0].readsPerQuery, JSON.stringify(runs));
    // --ram-budget at query time: a smaller cache, more reads, the same answers
    const small = await cli(['query', out, q, '--groundtruth', gt, '--l', '100', '--beam-width', '2', '--ram-budget', '250KB', '--json']);
    assert.equal(small.code, 0, small.err);
    const s = (JSON.parse(small.out).runs as Record<string, number>[])[0];
    assert.equal(s.recall, runs[1].recall);
    assert.ok(s.readsPerQuery > runs[1].readsPerQuery, `${s.readsPerQuery} reads with 250KB vs ${runs[1].readsPerQuery} with 400KB`);
    const bad = await cli(['query', out, q, '--ram-budget', '1KB']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /ramBudget/);
  } finally {
    t.remove();
  }
});

test('diskann from a built vamana index: the same graph laid out in sectors answers as a diskann build', async () => {
  const { diskannFromVamana } = await import('../../src/index/diskann/from-vamana.js');
  const ids = Float64Array.from({ length: base.rows }, (_, i) => 1000 + 2 * i);
  const vam = createIndex('vamana', base, { R: 32, L: 50, ids });
  const disk = diskannFromVamana(vam, { cacheNodes: 100 });
  const direct = createIndex('diskann', base, { R: 32, L: 50, ids, cacheNodes: 100 });
  assert.equal(disk.kind, 'diskann');
  const a = disk.search(queries, 10), b = direct.search(queries, 10);
  assert.deepEqual(Array.from(a.ids), Array.from(b.ids));
  assert.ok(recall(a, createIndex('brute', base, { ids }).search(queries, 10)) >= 0.95);
  vam.remove([1000]);
  assert.throws(() => diskannFromVamana(vam), (e: unknown) => e instanceof KnnkitError && /removed/.test(e.message));
});

test('diskann: loadIndex(path, { direct: true }) reads with O_DIRECT through aligned buffers and answers as buffered reads do', async (t) => {
  if (process.platform !== 'linux') { t.skip('O_DIRECT is Linux only'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'knnkit-direct-'));
  try {
    const idx = createIndex('diskann', base, { R: 32, L: 50, ramBudget: '256KiB' });
    const path = join(dir, 'd.knnkit');
    await saveIndex(idx, path);
    let direct;
    try { direct = await loadIndex(path, { direct: true }); } catch (e) {
      if (e instanceof KnnkitError && /does not take O_DIRECT/.test(e.message)) { t.skip(`this file system refuses O_DIRECT: ${e.message}`); return; }
      throw e;
    }
    const src = core(direct).state!.source as { direct?: boolean };
    assert.equal(src.direct, true);
    const want = (await loadIndex(path)).search(queries, 10, { L: 40 });
    // the small budget leaves most nodes uncached, so nearly every node visited is a direct read
    const got = direct.search(queries, 10, { L: 40 });
    assert.deepEqual(Array.from(got.ids), Array.from(want.ids));
    assert.deepEqual(Array.from(got.distances), Array.from(want.distances));
    assert.ok(core(direct).searchStats().readsPerQuery > 5, `reads per query ${core(direct).searchStats().readsPerQuery}`);
    const asy = await direct.searchAsync(queries, 10, { L: 40, threads: 8, beamWidth: 4 });
    assert.deepEqual(Array.from(asy.ids), Array.from(want.ids));
    // every record, the last sector's included, reads back whole through the bounce buffers
    for (const v of [0, 1, 999, base.rows - 1]) assert.deepEqual(Array.from(direct.getVector(v)), Array.from(base.data.subarray(v * 32, (v + 1) * 32)));
    // a save of a direct-served index reads its image back (through the page cache) unchanged
    const again = join(dir, 'again.knnkit');
    await saveIndex(direct, again);
    assert.deepEqual(Array.from((await loadIndex(again)).search(queries, 10, { L: 40 }).ids), Array.from(want.ids));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('diskann: loadIndex(path, { ramBudget }) re-plans the cache at load; a budget the codes overflow, or one given to a family without a budget, is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'knnkit-diskann-budget-'));
  try {
    const idx = createIndex('diskann', base, { R: 32, L: 50, ramBudget: '1MiB' });
    const path = join(dir, 'd.knnkit');
    await saveIndex(idx, path);
    const full = await loadIndex(path);
    const small = await loadIndex(path, { ramBudget: '300KiB' });
    const fullCache = core(full).state!.cacheNodes, smallCache = core(small).state!.cacheNodes;
    assert.ok(fullCache > smallCache && smallCache > 0, `cache ${fullCache} at 1 MiB, ${smallCache} at 300 KiB`);
    assert.ok(small.memoryUsage() <= 300 * 1024, `served ${small.memoryUsage()} bytes within 300 KiB`);
    const a = full.search(queries, 10, { L: 40 }), b = small.search(queries, 10, { L: 40 });
    assert.deepEqual(Array.from(b.ids), Array.from(a.ids), 'the cache changes reads, not answers');
    assert.ok(core(small).searchStats().readsPerQuery > core(full).searchStats().readsPerQuery);
    await assert.rejects(loadIndex(path, { ramBudget: '10KiB' }), (e: unknown) => e instanceof KnnkitError && /ramBudget/.test(e.message));
    const hn = join(dir, 'h.knnkit');
    await saveIndex(createIndex('hnsw', base), hn);
    await assert.rejects(loadIndex(hn, { ramBudget: '1MB' }), (e: unknown) => e instanceof KnnkitError && /ramBudget/.test(e.message) && /hnsw/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
