// DiskANN benchmark: knnkit's `diskann` served from its index file within a RAM budget, beside
// knnkit `hnsw` and `vamana` in memory on the same data. Usage:
//   node --import tsx bench/diskann.ts [--n 200000] [--dim 128] [--latent 16] [--queries 1000]
//        [--R 32] [--build-l 50] [--budget 0.12] [--l 10,20,50,100] [--w 1,2,4,8] [--cold]
// Data: 100 clusters on random 16-d subspaces of R^128 plus noise (SIFT-like intrinsic
// dimension; bench/vamana.ts's generator), queries from the same clusters, exact k = 10 ground
// truth by brute force. The diskann index is built and saved here, then served by a child
// process (UV_THREADPOOL_SIZE=16) that holds only the codes and the cache: recall@10, q/s on
// one thread (synchronous search) and on two worker threads (each its own loaded index over the
// same file), p50 / p99, sector reads per query and the child's RSS, for every L and W. The
// file is in the page cache (warm) unless --cold: then before each setting the file's pages are
// dropped (`dd iflag=nocache count=0`, posix_fadvise DONTNEED on that file only) and one pass
// is timed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createIndex } from '../src/index/api.js';
import { loadIndex, saveIndex } from '../src/index/persist.js';
import type { ManagedIndex } from '../src/index/managed-index.js';
import type { VectorIndex } from '../src/index/types.js';
import { readDataset } from '../src/io/index.js';
import { diskannFromVamana } from '../src/index/diskann/from-vamana.js';
import { writeFvecs, writeIvecs } from '../src/io/vecs.js';
import type { DenseMatrix } from '../src/core/matrix.js';
import { opt, flag, median, fmt, subspaceClusters } from './common.js';

const K = 10;
/** Node 20's workers do not inherit `--import tsx`: the worker registers tsx, then imports this file. */
const WORKER_BOOT = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(new URL(import.meta.url).href)}); })`;

function recallOf(ids: Int32Array, gt: Int32Array, nq: number): number {
  let hit = 0;
  for (let q = 0; q < nq; q++) {
    const s = new Set(gt.subarray(q * K, q * K + K));
    for (let j = 0; j < K; j++) if (s.has(ids[q * K + j])) hit++;
  }
  return hit / (nq * K);
}

const statsOf = (ix: VectorIndex) => (ix as ManagedIndex).core.searchStats!();

// ---------------------------------------------------------------- worker: one thread's share
if (!isMainThread) {
  const { path, queries, from, to, L, W } = workerData as { path: string; queries: Float32Array; from: number; to: number; L: number; W: number; dim: number };
  const ix = await loadIndex(path);
  const d = ix.dim;
  const Q = { kind: 'dense' as const, data: queries.subarray(from * d, to * d), rows: to - from, cols: d };
  parentPort!.once('message', () => {
    const t0 = performance.now();
    const res = ix.search(Q, K, { L, beamWidth: W });
    parentPort!.postMessage({ ms: performance.now() - t0, ids: res.indices, lat: statsOf(ix) });
  });
  ix.search(Q, K, { L, beamWidth: W }); // JIT and page cache warm, as the one-thread runs are
  parentPort!.postMessage('ready');
}

// ---------------------------------------------------------------- serve: the child process
async function serve(dir: string): Promise<void> {
  const path = join(dir, 'index.knnkit');
  const Q = (await readDataset(join(dir, 'q.fvecs'))).X as DenseMatrix;
  const gt = (await readDataset(join(dir, 'gt.ivecs'))).X as DenseMatrix;
  const gti = Int32Array.from(gt.data);
  const nq = Q.rows, Ls = opt('l', '20,50,100,200').split(',').map(Number), Ws = opt('w', '1,2,4,8').split(',').map(Number);
  const cold = flag('cold'), repeats = cold ? 1 : 3;
  const rss0 = process.memoryUsage().rss;
  const ix = await loadIndex(path);
  const rssLoaded = process.memoryUsage().rss;
  console.log(JSON.stringify({ kind: 'loaded', rss0, rssLoaded, memoryUsage: ix.memoryUsage(), cacheNodes: (ix as ManagedIndex).core.persist().state.cacheNodes }));
  const drop = () => { const r = spawnSync('dd', [`if=${path}`, 'iflag=nocache', 'count=0'], { stdio: 'ignore' }); if (r.status !== 0) throw new Error('dd iflag=nocache failed'); };
  if (!cold) ix.search(Q, K, { L: Math.max(...Ls), beamWidth: 4 }); // warm the page cache
  for (const W of Ws) {
    for (const L of Ls) {
      const times: number[] = [];
      let st: Record<string, number> = {}, rec = 0;
      for (let r = 0; r < repeats; r++) {
        if (cold) drop();
        const t0 = performance.now();
        const res = ix.search(Q, K, { L, beamWidth: W });
        times.push(performance.now() - t0);
        rec = recallOf(res.indices, gti, nq);
        st = statsOf(ix);
      }
      console.log(JSON.stringify({ kind: 'run', threads: 1, L, W, recall: rec, qps: nq / (median(times) / 1000), p50Ms: st.p50Ms, p99Ms: st.p99Ms, readsPerQuery: st.readsPerQuery, hopsPerQuery: st.hopsPerQuery, cacheHitsPerQuery: st.cacheHitsPerQuery, rss: process.memoryUsage().rss }));
    }
  }
  // two threads: two workers, each with its own loaded index over the same file, half the queries each
  const W2 = +opt('w2', '4');
  for (const L of Ls) {
    const times: number[] = [];
    let rec = 0, rss = 0;
    const lat: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const half = Math.ceil(nq / 2);
      const ws = [0, 1].map((i) => new Worker(WORKER_BOOT, { eval: true, workerData: { path, queries: Q.data, from: i * half, to: Math.min(nq, (i + 1) * half), L, W: W2 } }));
      await Promise.all(ws.map((w) => new Promise((res) => w.once('message', res))));
      if (cold) drop();
      const t0 = performance.now();
      ws.forEach((w) => w.postMessage('go'));
      const outs = await Promise.all(ws.map((w) => new Promise<{ ids: Int32Array; lat: Record<string, number> }>((res) => w.once('message', res))));
      times.push(performance.now() - t0);
      rss = Math.max(rss, process.memoryUsage().rss);
      const ids = new Int32Array(nq * K);
      outs.forEach((o, i) => ids.set(o.ids, i * half * K));
      rec = recallOf(ids, gti, nq);
      lat.push(...outs.map((o) => o.lat.p50Ms));
      await Promise.all(ws.map((w) => w.terminate()));
    }
    console.log(JSON.stringify({ kind: 'run', threads: 2, L, W: W2, recall: rec, qps: nq / (median(times) / 1000), p50Ms: median(lat), rss }));
  }
}

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  const n = +opt('n', '200000'), dim = +opt('dim', '128'), latent = +opt('latent', '16'), nq = +opt('queries', '1000');
  const R = +opt('R', '32'), buildL = +opt('build-l', '50'), share = +opt('budget', '0.12');
  const raw = n * dim * 4, budget = Math.round(share * raw);
  const uptime = () => spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();
  console.log(`DiskANN benchmark: ${n} x ${dim} (100 clusters on ${latent}-d subspaces), ${nq} queries, k=${K}; raw vectors ${(raw / 2 ** 20).toFixed(1)} MiB, RAM budget ${(budget / 2 ** 20).toFixed(1)} MiB (${(share * 100).toFixed(0)} %); ${uptime()}`);
  const all = subspaceClusters(n + nq, dim, latent, 100, 42);
  const X = { kind: 'dense' as const, data: all.subarray(0, n * dim), rows: n, cols: dim };
  const Q = { kind: 'dense' as const, data: all.slice(n * dim), rows: nq, cols: dim };
  let t = performance.now();
  const gt = createIndex('brute', X).search(Q, K).indices;
  console.log(`ground truth (brute force): ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const dir = mkdtempSync(join(tmpdir(), 'knnkit-bench-diskann-'));
  let vam: VectorIndex | undefined;
  try {
    await writeFvecs(join(dir, 'q.fvecs'), Q);
    await writeIvecs(join(dir, 'gt.ivecs'), { data: gt, rows: nq, cols: K } as never);
    // one Vamana build serves both: the in-memory peer, and the disk index laid out from its graph
    t = performance.now();
    vam = createIndex('vamana', X, { R, L: buildL });
    const vamS = (performance.now() - t) / 1000;
    t = performance.now();
    const disk = diskannFromVamana(vam, { ramBudget: String(budget) });
    const buildS = (performance.now() - t) / 1000;
    console.log(`vamana R=${R} L=${buildL} alpha=1.2: build ${vamS.toFixed(1)} s; diskann from its graph (PQ + sectors): ${buildS.toFixed(1)} s`);
    const st = (disk as ManagedIndex).core.persist().state;
    await saveIndex(disk, join(dir, 'index.knnkit'));
    console.log(`diskann: PQ ${st.m} bytes, ${st.cacheNodes} cached nodes, file ${(statSync(join(dir, 'index.knnkit')).size / 2 ** 20).toFixed(1)} MiB`);
    const child = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--serve', dir, ...process.argv.slice(2)], { encoding: 'utf8', env: { ...process.env, UV_THREADPOOL_SIZE: '16' }, maxBuffer: 1 << 26 });
    if (child.status !== 0) throw new Error(`serving child failed: ${child.stderr}`);
    const lines = child.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    const loaded = lines.find((l) => (l.kind as unknown) === 'loaded')!;
    console.log(`served (child process): RSS ${(loaded.rss0 / 2 ** 20).toFixed(1)} MiB before the load (Node + tsx + the queries), ${(loaded.rssLoaded / 2 ** 20).toFixed(1)} MiB loaded (+${((loaded.rssLoaded - loaded.rss0) / 2 ** 20).toFixed(1)} MiB); index memoryUsage ${(loaded.memoryUsage / 2 ** 20).toFixed(1)} MiB (${(100 * loaded.memoryUsage / raw).toFixed(1)} % of raw)`);
    console.log(`  threads  W    L  recall@10     q/s   p50 ms   p99 ms  reads/q  hops/q  RSS MiB (+ over pre-load)  (${flag('cold') ? 'cold: file pages dropped before each pass' : 'page cache warm'})`);
    for (const r of lines.filter((l) => (l.kind as unknown) === 'run')) {
      console.log(`  ${String(r.threads).padStart(7)} ${String(r.W).padStart(2)} ${String(r.L).padStart(4)}  ${r.recall.toFixed(4)}  ${fmt(r.qps).padStart(8)}  ${r.p50Ms.toFixed(3).padStart(7)}  ${r.p99Ms === undefined ? '      -' : r.p99Ms.toFixed(3).padStart(7)}  ${r.readsPerQuery === undefined ? '      -' : r.readsPerQuery.toFixed(1).padStart(7)}  ${r.hopsPerQuery === undefined ? '     -' : r.hopsPerQuery.toFixed(1).padStart(6)}  ${(r.rss / 2 ** 20).toFixed(1).padStart(7)} (+${((r.rss - loaded.rss0) / 2 ** 20).toFixed(1)})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (flag('no-peers')) return;
  // in-memory peers on the same data, one thread
  const peer = (name: string, ix: VectorIndex, param: string, values: number[]) => {
    for (const v of values) {
      const times: number[] = [];
      let rec = 0;
      for (let r = 0; r < 3; r++) { const t0 = performance.now(); const res = ix.search(Q, K, { [param]: v }); times.push(performance.now() - t0); rec = recallOf(res.indices, gt, nq); }
      console.log(`  ${name.padEnd(7)} ${param}=${String(v).padEnd(4)} recall@10 ${rec.toFixed(4)}  ${fmt(nq / (median(times) / 1000))} q/s, index memory ${(ix.memoryUsage() / 2 ** 20).toFixed(1)} MiB`);
    }
  };
  console.log('in memory, one thread (same data, same queries):');
  peer('vamana', vam!, 'L', [10, 20, 50, 100]);
  t = performance.now();
  const hn = createIndex('hnsw', X, { M: 16, efConstruction: 200 });
  console.log(`hnsw (in memory) M=16 efConstruction=200: build ${((performance.now() - t) / 1000).toFixed(1)} s`);
  peer('hnsw', hn, 'ef', [10, 20, 40, 80]);
  console.log(uptime());
}

if (isMainThread) {
  const i = process.argv.indexOf('--serve');
  if (i >= 0) await serve(process.argv[i + 1]);
  else await main();
}
