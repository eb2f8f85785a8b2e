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
//
// --from-file: the build larger than memory. n generated rows are written to /tmp as .fvecs
// (streamed, never held whole; reused when present), the ground truth computed by streaming
// brute force, and the index built by `buildDiskannFile` (DiskANN's divide and conquer:
// overlapping partitions, --partition-rows, --overlap 2, --threads 2) in a child process with
// --max-old-space-size=4096 whose peak RSS (VmHWM) is reported; then served as above with
// --ram-budget (default 128MB), warm, and cold after `echo 3 > /proc/sys/vm/drop_caches`
// (root), falling back to dropping the file's pages with dd iflag=nocache. --peer-n m: knnkit
// hnsw and vamana in memory on the first m rows, beside.
//   node --import tsx bench/diskann.ts --from-file --n 2000000 [--partition-rows 500000]
//        [--build-only | --reuse-index]  (build now and serve later from the same --dir)
//        [--async N]  (serve by searchAsync with N queries in flight, each overlapping its beam's
//        W reads on libuv's pool; N = 1 measures one query's latency alone) [--no-two-threads]
//        [--no-warm | --no-cold]  (serve cold only / warm only)
//        [--direct]  (serve with O_DIRECT reads: no page cache, every read a device read, as
//        DiskANN; warm and cold then differ only by the device's own cache)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createIndex } from '../src/index/api.js';
import { loadIndex, saveIndex } from '../src/index/persist.js';
import type { ManagedIndex } from '../src/index/managed-index.js';
import type { VectorIndex } from '../src/index/types.js';
import { readDataset } from '../src/io/index.js';
import { diskannFromVamana } from '../src/index/diskann/from-vamana.js';
import type { DiskannCore } from '../src/index/diskann/core.js';
import { buildDiskannFile } from '../src/index/diskann/file-build.js';
import { VecsStream } from '../src/index/diskann/vecs-stream.js';
import { Rng } from '../src/core/rng.js';
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { writeFvecs, writeIvecs } from '../src/io/vecs.js';
import type { DenseMatrix } from '../src/core/matrix.js';
import { opt, flag, median, fmt, subspaceClusters, cpuNow } from './common.js';

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
  const { path, queries, from, to, L, W, direct } = workerData as { path: string; queries: Float32Array; from: number; to: number; L: number; W: number; dim: number; direct: boolean };
  const ix = await loadIndex(path, { direct });
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

/**
 * CPU ticks (utime + stime, 1/100 s) of this process's threads, summed by thread name (Linux):
 * the main thread, libuv's pool ('libuv-worker'), io_uring's kernel threads ('iou-sqp-PID' polls
 * the submission ring, 'iou-wrk-PID' runs the reads that would block). io-wq workers that exit
 * during a pass take their ticks with them, so the process total (cpuUsage) is the one to trust.
 */
function threadTicks(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const t of readdirSync('/proc/self/task')) {
      const st = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')')).replace(/-\d+$/, '').replace(/^node$/, t === String(process.pid) ? 'main' : 'node');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + Number(f[11]) + Number(f[12]));
    }
  } catch { /* not Linux */ }
  return out;
}

/** Per-thread-name CPU ms per query between two threadTicks snapshots. */
function threadMs(a: Map<string, number>, b: Map<string, number>, nq: number): Record<string, number> {
  const r: Record<string, number> = {};
  for (const [k, v] of b) { const d = (v - (a.get(k) ?? 0)) * 10 / nq; if (d > 0) r[k] = +d.toFixed(3); }
  return r;
}

// ---------------------------------------------------------------- serve: the child process
async function serve(dir: string): Promise<void> {
  const path = join(dir, 'index.knnkit');
  const Q = (await readDataset(join(dir, 'q.fvecs'))).X as DenseMatrix;
  const gt = (await readDataset(join(dir, 'gt.ivecs'))).X as DenseMatrix;
  const gti = Int32Array.from(gt.data);
  const nq = Q.rows, Ls = opt('l', '20,50,100,200').split(',').map(Number), Ws = opt('w', '1,2,4,8').split(',').map(Number);
  const cold = flag('cold'), repeats = cold ? 1 : 3, inFlight = +opt('async', '0');
  const rss0 = process.memoryUsage().rss;
  const ix = await loadIndex(path, { direct: flag('direct') });
  ((ix as ManagedIndex).core as DiskannCore).traceReads = inFlight > 0;
  const rssLoaded = process.memoryUsage().rss;
  // the core's state, not persist(): persisting a file-served index reads its whole sector image
  // (1.4 GB at 2M), which the cold rows' RSS then showed until the next garbage collection
  console.log(JSON.stringify({ kind: 'loaded', rss0, rssLoaded, memoryUsage: ix.memoryUsage(), cacheNodes: ((ix as ManagedIndex).core as DiskannCore).state!.cacheNodes }));
  // cold: the kernel's whole page cache dropped (root), else the index file's pages (dd iflag=nocache)
  let how = '';
  const drop = () => {
    const r0 = spawnSync('sh', ['-c', 'sync && echo 3 > /proc/sys/vm/drop_caches'], { stdio: 'ignore' });
    if (r0.status === 0) { how = 'drop_caches'; return; }
    const r = spawnSync('dd', [`if=${path}`, 'iflag=nocache', 'count=0'], { stdio: 'ignore' });
    if (r.status !== 0) throw new Error('dd iflag=nocache failed');
    how = 'dd iflag=nocache';
  };
  if (!cold) ix.search(Q, K, { L: Math.max(...Ls), beamWidth: 4 }); // warm the page cache
  for (const W of Ws) {
    for (const L of Ls) {
      const times: number[] = [];
      let st: Record<string, number> = {}, rec = 0, cpu = 0, sys = 0, byThread: Record<string, number> = {};
      for (let r = 0; r < repeats; r++) {
        if (cold) drop();
        const t0 = performance.now(), c0 = cpuNow(), s0 = process.cpuUsage().system, tk0 = threadTicks();
        // --async N: searchAsync with N queries in flight, each overlapping its beam's W reads on
        // libuv's pool (UV_THREADPOOL_SIZE 16 in this child); N = 1 is one query's latency alone
        const res = inFlight > 0 ? await ix.searchAsync(Q, K, { L, beamWidth: W, threads: inFlight }) : ix.search(Q, K, { L, beamWidth: W });
        times.push(performance.now() - t0);
        cpu = (cpuNow() - c0) * 1000 / nq;
        sys = (process.cpuUsage().system - s0) / 1000 / nq; // kernel's share (reads, io_uring / pool threads included)
        byThread = threadMs(tk0, threadTicks(), nq);
        rec = recallOf(res.indices, gti, nq);
        st = statsOf(ix);
      }
      // wasted reads (pipelined): nodes the timed pass read that the rounds' walk (the synchronous
      // search, same L and W, run now untimed) does not read, per query
      let wasted: number | undefined;
      if (inFlight > 0) {
        const core = (ix as ManagedIndex).core as DiskannCore;
        const piped = core.lastSearchStats().readNodes!;
        ix.search(Q, K, { L, beamWidth: W });
        const rounds = core.lastSearchStats().readNodes!;
        let w = 0;
        for (let q = 0; q < nq; q++) { const r = new Set(rounds[q]); for (const v of piped[q]) if (!r.has(v)) w++; }
        wasted = w / nq;
      }
      console.log(JSON.stringify({ kind: 'run', how, threads: 1, inFlight, L, W, recall: rec, cpuMsPerQuery: cpu, sysMsPerQuery: sys, qps: nq / (median(times) / 1000), p50Ms: st.p50Ms, p99Ms: st.p99Ms, readsPerQuery: st.readsPerQuery, wastedPerQuery: wasted, hopsPerQuery: st.hopsPerQuery, cacheHitsPerQuery: st.cacheHitsPerQuery, rss: process.memoryUsage().rss, cpuMsByThread: byThread }));
    }
  }
  // two threads: two workers, each with its own loaded index over the same file, half the queries each
  const W2 = +opt('w2', '4');
  for (const L of flag('no-two-threads') ? [] : Ls) {
    const times: number[] = [];
    let rec = 0, rss = 0;
    const lat: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const half = Math.ceil(nq / 2);
      const ws = [0, 1].map((i) => new Worker(WORKER_BOOT, { eval: true, workerData: { path, queries: Q.data, from: i * half, to: Math.min(nq, (i + 1) * half), L, W: W2, direct: flag('direct') } }));
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
    console.log(JSON.stringify({ kind: 'run', how, threads: 2, L, W: W2, recall: rec, qps: nq / (median(times) / 1000), p50Ms: median(lat), rss }));
  }
}

// ---------------------------------------------------------------- serving child, printed
/** Serves the index in `dir` from a child process (it holds only codes + cache) and prints its table. */
function serveAndPrint(dir: string, raw: number, cold: boolean): void {
  const args = process.argv.slice(2).filter((a) => a !== '--cold');
  const child = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--serve', dir, ...args, ...(cold ? ['--cold'] : [])], { encoding: 'utf8', env: { ...process.env, UV_THREADPOOL_SIZE: '16' }, maxBuffer: 1 << 26 });
  if (child.status !== 0) throw new Error(`serving child failed: ${child.stderr}`);
  const lines = child.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  const loaded = lines.find((l) => (l.kind as unknown) === 'loaded')!;
  const runs = lines.filter((l) => (l.kind as unknown) === 'run');
  console.log(`served (child process): RSS ${(loaded.rss0 / 2 ** 20).toFixed(1)} MiB before the load (Node + tsx + the queries), ${(loaded.rssLoaded / 2 ** 20).toFixed(1)} MiB loaded (+${((loaded.rssLoaded - loaded.rss0) / 2 ** 20).toFixed(1)} MiB); index memoryUsage ${(loaded.memoryUsage / 2 ** 20).toFixed(1)} MiB (${(100 * loaded.memoryUsage / raw).toFixed(1)} % of raw); ${loaded.cacheNodes} cached nodes`);
  if (runs.some((r) => r.inFlight > 0)) console.log(`  one thread, searchAsync with ${runs.find((r) => r.inFlight > 0)!.inFlight} queries in flight, each keeping up to W reads in flight, pipelined (UV_THREADPOOL_SIZE=16${process.env.UV_USE_IO_URING === '1' ? ', UV_USE_IO_URING=1' : ''}); hops = longest chain of dependent reads; wasted = reads the rounds' walk does not make`);
  console.log(`  threads  W    L  recall@10     q/s   p50 ms   p99 ms  reads/q (wasted)  hops/q  cpu ms/q (sys)  RSS MiB (+ over pre-load)  (${cold ? `cold: page cache dropped before each pass by ${(runs[0]?.how as unknown as string) ?? '?'}` : 'page cache warm'})`);
  for (const r of runs) {
    const byThread = (r as unknown as { cpuMsByThread?: Record<string, number> }).cpuMsByThread;
    console.log(`  ${String(r.threads).padStart(7)} ${String(r.W).padStart(2)} ${String(r.L).padStart(4)}  ${r.recall.toFixed(4)}  ${fmt(r.qps).padStart(8)}  ${r.p50Ms.toFixed(3).padStart(7)}  ${r.p99Ms === undefined ? '      -' : r.p99Ms.toFixed(3).padStart(7)}  ${r.readsPerQuery === undefined ? '      -' : r.readsPerQuery.toFixed(1).padStart(7)} (${r.wastedPerQuery === undefined ? '-' : r.wastedPerQuery.toFixed(1)})  ${r.hopsPerQuery === undefined ? '     -' : r.hopsPerQuery.toFixed(1).padStart(6)}  ${r.cpuMsPerQuery === undefined ? '       -' : r.cpuMsPerQuery.toFixed(3).padStart(8)} (${r.sysMsPerQuery === undefined ? '-' : r.sysMsPerQuery.toFixed(2)})  ${(r.rss / 2 ** 20).toFixed(1).padStart(7)} (+${((r.rss - loaded.rss0) / 2 ** 20).toFixed(1)})${byThread && Object.keys(byThread).length ? `  CPU ms/q by thread: ${Object.entries(byThread).map(([k, v]) => `${k} ${v}`).join(', ')}` : ''}`);
  }
}

// ---------------------------------------------------------------- --from-file: data on disk, build larger than memory
/**
 * bench/common.ts's subspaceClusters, streamed: the same draws in the same order (so rows equal
 * the in-memory generator's), written `chunk` rows at a time: rows [0, n) to `base`, the next
 * nq rows to `queries`.
 */
function writeGenerated(base: string, queries: string, n: number, nq: number, d: number, lat: number, clusters: number, seed: number): void {
  const rng = new Rng(seed);
  const centers = Float32Array.from({ length: clusters * d }, () => rng.normal() * 10);
  const bases = Float32Array.from({ length: clusters * lat * d }, () => rng.normal() / Math.sqrt(lat) * 4);
  const chunk = 16384, rec = 4 + 4 * d, buf = new ArrayBuffer(chunk * rec), dv = new DataView(buf), z = new Float64Array(lat);
  const emit = (path: string, rows: number) => {
    const fd = openSync(`${path}.part`, 'w');
    for (let r0 = 0; r0 < rows; r0 += chunk) {
      const m = Math.min(chunk, rows - r0);
      for (let i = 0; i < m; i++) {
        const c = rng.int(clusters);
        for (let t = 0; t < lat; t++) z[t] = rng.normal();
        dv.setInt32(i * rec, d, true);
        for (let j = 0; j < d; j++) {
          let v = centers[c * d + j] + 0.1 * rng.normal();
          for (let t = 0; t < lat; t++) v += z[t] * bases[(c * lat + t) * d + j];
          dv.setFloat32(i * rec + 4 + 4 * j, v, true);
        }
      }
      writeSync(fd, new Uint8Array(buf, 0, m * rec));
    }
    closeSync(fd);
    renameSync(`${path}.part`, path);
  };
  emit(base, n);
  emit(queries, nq);
}

/** Exact k = 10 neighbours of the queries by brute force over the base streamed in chunks (running top 10 per query). */
function streamedTruth(base: string, Q: DenseMatrix): Int32Array {
  const nq = Q.rows, bestD = new Float64Array(nq * K).fill(Infinity), bestI = new Int32Array(nq * K).fill(-1);
  const vs = new VecsStream(base);
  for (const c of vs.chunks(1 << 17)) {
    const r = createIndex('brute', { kind: 'dense', data: c.data, rows: c.rows, cols: vs.dim }).search(Q, K);
    for (let q = 0; q < nq; q++) {
      for (let j = 0; j < K; j++) {
        const dd = r.distances[q * K + j], id = r.indices[q * K + j];
        if (id < 0 || dd >= bestD[q * K + K - 1]) continue;
        let t = K - 1;
        while (t > 0 && bestD[q * K + t - 1] > dd) { bestD[q * K + t] = bestD[q * K + t - 1]; bestI[q * K + t] = bestI[q * K + t - 1]; t--; }
        bestD[q * K + t] = dd; bestI[q * K + t] = c.start + id;
      }
    }
  }
  vs.close();
  return bestI;
}

/** The child that builds: reports its build report, CPU seconds and peak RSS (VmHWM). */
async function buildChild(dir: string): Promise<void> {
  const t0 = performance.now(), c0 = cpuNow();
  const report = await buildDiskannFile(join(dir, 'base.fvecs'), join(dir, 'index.knnkit'), {
    R: +opt('R', '32'), L: +opt('build-l', '50'), ramBudget: opt('ram-budget', '128MB'), ...(opt('pq-bytes', '') ? { pqBytes: +opt('pq-bytes', '') } : {}),
    partitionRows: +opt('partition-rows', '500000'), overlap: +opt('overlap', '2'), threads: +opt('threads', '2'),
  }, (p) => { if (p.done === p.total || p.phase === 'diskann partitions') console.error(`  [${new Date().toISOString().slice(11, 19)}] ${p.phase} ${p.done}/${p.total}`); });
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  console.log(JSON.stringify({ report, wallS: (performance.now() - t0) / 1000, cpuS: cpuNow() - c0, peakRssMiB: hwm ? +hwm[1] / 1024 : null, heapUsedMiB: process.memoryUsage().heapUsed / 2 ** 20 }));
}

async function fileMain(): Promise<void> {
  const n = +opt('n', '2000000'), dim = +opt('dim', '128'), latent = +opt('latent', '16'), nq = +opt('queries', '1000');
  const dir = opt('dir', `/tmp/knnkit-diskann-${n}`), raw = n * dim * 4;
  const uptime = () => spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();
  spawnSync('mkdir', ['-p', dir]);
  console.log(`DiskANN from file: ${n} x ${dim} (100 clusters on ${latent}-d subspaces), ${nq} queries, k=${K}; raw ${(raw / 2 ** 20).toFixed(0)} MiB; RAM budget ${opt('ram-budget', '128MB')}; ${dir}; ${uptime()}`);
  let t = performance.now();
  if (!existsSync(join(dir, 'base.fvecs')) || !existsSync(join(dir, 'q.fvecs'))) {
    writeGenerated(join(dir, 'base.fvecs'), join(dir, 'q.fvecs'), n, nq, dim, latent, 100, 42);
    console.log(`generated into ${dir}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const Q = (await readDataset(join(dir, 'q.fvecs'))).X as DenseMatrix;
  if (!existsSync(join(dir, 'gt.ivecs'))) {
    t = performance.now();
    await writeIvecs(join(dir, 'gt.ivecs'), { data: streamedTruth(join(dir, 'base.fvecs'), Q), rows: nq, cols: K });
    console.log(`ground truth (streamed brute force): ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  if (!flag('reuse-index') || !existsSync(join(dir, 'index.knnkit'))) {
    const heap = opt('max-old-space', '4096');
    console.log(`build: child node --max-old-space-size=${heap}, R=${opt('R', '32')} L=${opt('build-l', '50')} alpha=1.2, partitions of ~${opt('partition-rows', '500000')} points, overlap ${opt('overlap', '2')}, ${opt('threads', '2')} threads; ${uptime()}`);
    const child = spawnSync(process.execPath, [`--max-old-space-size=${heap}`, '--import', 'tsx', new URL(import.meta.url).pathname, '--build-child', dir, ...process.argv.slice(2)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
    if (child.status !== 0) throw new Error(`build child failed (status ${child.status})`);
    const b = JSON.parse(child.stdout.trim().split('\n').pop()!) as { report: { partitions: number; sizes: number[]; seconds: Record<string, number>; unionBytes: number; linked: number }; wallS: number; cpuS: number; peakRssMiB: number; heapUsedMiB: number };
    console.log(`build: ${b.wallS.toFixed(0)} s wall, ${b.cpuS.toFixed(0)} CPU s; peak RSS ${b.peakRssMiB.toFixed(0)} MiB (raw vectors ${(raw / 2 ** 20).toFixed(0)} MiB), heap used at the end ${b.heapUsedMiB.toFixed(0)} MiB; ${b.report.partitions} partitions (sizes ${b.report.sizes.join(', ')}), edge union ${(b.report.unionBytes / 2 ** 20).toFixed(0)} MiB, ${b.report.linked} in-edges added for reachability; phases ${Object.entries(b.report.seconds).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')}; ${uptime()}`);
    console.log(`build rate: ${(n / b.wallS).toFixed(0)} points/s wall, ${(n / b.cpuS).toFixed(0)} points/CPU-s`);
  }
  console.log(`index file ${(statSync(join(dir, 'index.knnkit')).size / 2 ** 20).toFixed(0)} MiB`);
  if (flag('build-only')) return; // serve later, on a quiet machine, with --reuse-index
  if (!flag('no-warm')) serveAndPrint(dir, raw, false);
  if (!flag('no-cold')) serveAndPrint(dir, raw, true);
  console.log(uptime());
  const pn = +opt('peer-n', '0');
  if (pn > 0) {
    const vs = new VecsStream(join(dir, 'base.fvecs'));
    const X = { kind: 'dense' as const, data: new Float32Array(pn * dim), rows: pn, cols: dim };
    vs.gather(Int32Array.from({ length: pn }, (_, i) => i), X.data);
    vs.close();
    const gt = createIndex('brute', X).search(Q, K).indices;
    console.log(`in memory on the first ${pn} rows, one thread:`);
    peers(X, Q, gt, +opt('R', '32'), +opt('build-l', '50'));
  }
}

/** knnkit vamana and hnsw in memory, one thread: recall@10, q/s and index memory per setting. */
function peers(X: DenseMatrix, Q: DenseMatrix, gt: Int32Array, R: number, buildL: number, vam?: VectorIndex): void {
  const nq = Q.rows;
  const peer = (name: string, ix: VectorIndex, param: string, values: number[]) => {
    for (const v of values) {
      const times: number[] = [];
      let rec = 0;
      for (let r = 0; r < 3; r++) { const t0 = performance.now(); const res = ix.search(Q, K, { [param]: v }); times.push(performance.now() - t0); rec = recallOf(res.indices, gt, nq); }
      console.log(`  ${name.padEnd(7)} ${param}=${String(v).padEnd(4)} recall@10 ${rec.toFixed(4)}  ${fmt(nq / (median(times) / 1000))} q/s, index memory ${(ix.memoryUsage() / 2 ** 20).toFixed(1)} MiB`);
    }
  };
  // both built on every core (--threads, default 2); searched on one thread
  const threads = +opt('threads', '2');
  const rss = () => `process RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`;
  let t = performance.now();
  const v = vam ?? createIndex('vamana', X, { R, L: buildL, threads });
  if (!vam) console.log(`vamana (in memory) R=${R} L=${buildL}: build ${((performance.now() - t) / 1000).toFixed(1)} s on ${threads} threads; ${rss()}`);
  peer('vamana', v, 'L', [10, 20, 50, 100]);
  t = performance.now();
  const hn = createIndex('hnsw', X, { M: 16, efConstruction: 200, threads });
  console.log(`hnsw (in memory) M=16 efConstruction=200: build ${((performance.now() - t) / 1000).toFixed(1)} s on ${threads} threads; ${rss()} (vamana's index still held)`);
  peer('hnsw', hn, 'ef', [10, 20, 40, 80, 160]);
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
    const disk = diskannFromVamana(vam, { ramBudget: String(budget), ...(opt('pq-bytes', '') ? { pqBytes: +opt('pq-bytes', '') } : {}) });
    const buildS = (performance.now() - t) / 1000;
    console.log(`vamana R=${R} L=${buildL} alpha=1.2: build ${vamS.toFixed(1)} s; diskann from its graph (PQ + sectors): ${buildS.toFixed(1)} s`);
    const st = (disk as ManagedIndex).core.persist().state;
    await saveIndex(disk, join(dir, 'index.knnkit'));
    console.log(`diskann: PQ ${st.m} bytes, ${st.cacheNodes} cached nodes, file ${(statSync(join(dir, 'index.knnkit')).size / 2 ** 20).toFixed(1)} MiB`);
    serveAndPrint(dir, raw, flag('cold'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (flag('no-peers')) return;
  console.log('in memory, one thread (same data, same queries):');
  peers(X, Q, gt, R, buildL, vam);
  console.log(uptime());
}

if (isMainThread) {
  const i = process.argv.indexOf('--serve');
  const b = process.argv.indexOf('--build-child');
  if (i >= 0) await serve(process.argv[i + 1]);
  else if (b >= 0) await buildChild(process.argv[b + 1]);
  else if (flag('from-file')) await fileMain();
  else await main();
}
