// HNSW benchmark: knnkit's HnswIndex against hnswlib-node (the C++ library's Node binding) and
// FAISS IndexHNSWFlat (bench/faiss_hnsw.py, when bench/.venv exists), built on the same data in
// the same run: builds on each of --threads (knnkit: the calling thread + workers with per-node
// locks; FAISS: omp_set_num_threads; hnswlib-node adds one point per call, one thread), searches
// on one thread. Usage:
//   node --import tsx bench/hnsw.ts [--quick] [--n 100000] [--queries 10000] [--dim 128]
//        [--repeats 3] [--ef 10,20,40,80,160] [--threads 1,2] [--no-peer] [--no-faiss]
//        [--no-reorder] [--save-index file] [--json out.json]
// (the first of --threads is the reference build whose graph the kernel, filter and peer rows
// search: --threads 2 at 1M skips the ten-minute serial build; --save-index writes that graph
// for bench:forest-load --hnsw-file)
// (--no-reorder keeps insertion order: measures what the breadth-first slot order brings)
// Data: gaussianClusters (100 clusters, seed 42), queries drawn from the same clusters.
// Ground truth: exact k = 10 by FAISS IndexFlatL2 when bench/.venv exists (fast), else
// knnkit's exact search; cached under bench/results/.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { gaussianClusters } from '../test/helpers/data.js';
import { HnswIndex } from '../src/search/hnsw/hnsw-index.js';
import { BruteForce } from '../src/search/brute-force/brute-force.js';
import { JsKernel } from '../src/search/hnsw/kernel-js.js';
import { threadScratch } from '../src/search/hnsw/layout.js';
import { readTypedFile } from './common.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const opt = (name: string, def: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def; };
const quick = flag('quick');
const n = +opt('n', quick ? '20000' : '100000');
const nq = +opt('queries', quick ? '1000' : '10000');
const dim = +opt('dim', '128');
const repeats = +opt('repeats', '3');
const efs = opt('ef', '10,20,40,80,160').split(',').map(Number);
const buildThreads = opt('threads', '1,2').split(',').map(Number);
const M = 16, efC = 200, K = 10;
/** Wall and CPU (user + system of this process) milliseconds of fn: on a shared machine the CPU time is the steadier figure. */
function timed(fn: () => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage(), t0 = performance.now();
  fn();
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
}
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const gc = () => (globalThis as { gc?: () => void }).gc?.();

const load = () => { try { return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '); } catch { return '?'; } };
console.log(`HNSW benchmark ${new Date().toISOString()}: ${n} x ${dim} clustered float32 (100 clusters), ${nq} queries, k=${K}, M=${M}, efConstruction=${efC}, builds on ${buildThreads.join(' and ')} threads, searches on 1 thread, median of ${repeats}; load average ${load()}`);
const all = gaussianClusters(n + nq, dim, 100, 42);
const X = { kind: 'dense' as const, data: all.data.subarray(0, n * dim), rows: n, cols: dim };
const Q = { kind: 'dense' as const, data: all.data.slice(n * dim), rows: nq, cols: dim };

// ---- ground truth
function groundTruth(): Int32Array {
  const dir = join(here, 'results');
  const file = join(dir, `hnsw-gt-${n}-${nq}-${dim}.bin`);
  if (existsSync(file)) return readTypedFile(file, Int32Array);
  mkdirSync(dir, { recursive: true });
  const py = join(here, '.venv', 'bin', 'python');
  let gt: Int32Array | undefined;
  if (existsSync(py)) {
    const xf = join(dir, 'hnsw-x.f32'), qf = join(dir, 'hnsw-q.f32'), of = join(dir, 'hnsw-gt.i32');
    writeFileSync(xf, X.data); writeFileSync(qf, Q.data);
    const code = `import numpy as np, faiss\nx=np.fromfile('${xf}',dtype='float32').reshape(-1,${dim});q=np.fromfile('${qf}',dtype='float32').reshape(-1,${dim})\nix=faiss.IndexFlatL2(${dim});ix.add(x);_,I=ix.search(q,${K});I.astype('int32').tofile('${of}')`;
    const r = spawnSync(py, ['-c', code], { stdio: 'inherit' });
    if (r.status === 0) gt = readTypedFile(of, Int32Array);
    for (const f of [xf, qf, of]) rmSync(f, { force: true });
  }
  if (!gt) {
    console.log('(ground truth by knnkit BruteForce: slow; install bench/.venv for FAISS)');
    gt = new BruteForce(X).search(Q, K).indices;
  }
  writeFileSync(file, gt);
  return gt;
}
const gt = groundTruth();
function recall(get: (q: number) => ArrayLike<number>): number {
  let hit = 0;
  for (let q = 0; q < nq; q++) {
    const row = get(q);
    for (let j = 0; j < K; j++) { const v = row[j]; for (let t = 0; t < K; t++) if (gt[q * K + t] === v) { hit++; break; } }
  }
  return hit / (nq * K);
}

interface Row { ef: number; recall: number; qps: number; qpsCpu: number }
interface Lib { name: string; build: number; buildCpu: number; memory: number; rows: Row[]; perQuery?: Row[] }

// ---- builds (knnkit first, then hnswlib-node), then searches interleaved per repeat so that
// the load of a shared machine weighs on both alike
gc();
let idx!: HnswIndex;
const refThreads = buildThreads[0];
const kb = timed(() => { idx = HnswIndex.build(X, { M, efConstruction: efC, seed: 100, reorder: !flag('no-reorder'), threads: refThreads }); });
const knn: Lib = { name: `knnkit (${idx.kernelName}${flag('no-reorder') ? ', insertion order' : ''})`, build: kb.wall / 1000, buildCpu: kb.cpu / 1000, memory: idx.memoryUsage(), rows: [], perQuery: [] };
console.log(`knnkit build ${knn.build.toFixed(2)} s wall, ${knn.buildCpu.toFixed(2)} s CPU, memory ${(knn.memory / 2 ** 20).toFixed(1)} MiB (${(knn.memory / n).toFixed(0)} B/vector), kernel ${idx.kernelName}, ${refThreads === 1 ? '1 thread (= deterministic: true)' : `${refThreads} threads`}`);
const saveTo = opt('save-index', '');
if (saveTo) { await idx.save(saveTo); console.log(`saved the ${refThreads}-thread graph to ${saveTo}`); }

// ---- parallel builds (the same options on more threads): build time, and recall / q/s of
// their graphs at each ef (one search thread), beside the serial graph's
interface ParBuild { threads: number; build: number; buildCpu: number; rows: Row[]; idx: HnswIndex }
const parBuilds: ParBuild[] = [];
for (const t of buildThreads.slice(1)) {
  gc();
  let p!: HnswIndex;
  // process.cpuUsage counts every thread of the process, the workers included
  const tb = timed(() => { p = HnswIndex.build(X, { M, efConstruction: efC, seed: 100, reorder: !flag('no-reorder'), threads: t }); });
  parBuilds.push({ threads: t, build: tb.wall / 1000, buildCpu: tb.cpu / 1000, rows: [], idx: p });
  console.log(`knnkit build on ${t} threads ${(tb.wall / 1000).toFixed(2)} s wall (${(knn.build / (tb.wall / 1000)).toFixed(2)}x the ${refThreads}-thread build), ${(tb.cpu / 1000).toFixed(2)} s CPU, memory ${(p.memoryUsage() / 2 ** 20).toFixed(1)} MiB`);
}

// ---- FAISS IndexHNSWFlat (same data, M, efConstruction; builds on each thread count)
interface FaissOut { faiss: string; builds: { threads: number; seconds: number; cpu_seconds: number }[]; memory: number; rows: { ef: number; recall: number; qps: number; qps_cpu: number }[] }
let faissOut: FaissOut | undefined;
function runFaiss(): void {
  const py = join(here, '.venv', 'bin', 'python');
  if (flag('no-faiss')) return;
  if (!existsSync(py)) { console.log('FAISS: bench/.venv missing (bash bench/setup-python.sh): no FAISS rows'); return; }
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  const xf = join(dir, 'hnsw-faiss-x.f32'), qf = join(dir, 'hnsw-faiss-q.f32'), gf = join(dir, 'hnsw-faiss-gt.i32');
  writeFileSync(xf, X.data); writeFileSync(qf, Q.data); writeFileSync(gf, gt);
  try {
    const r = spawnSync(py, [join(here, 'faiss_hnsw.py'), xf, qf, gf, String(dim), String(K), String(M), String(efC), buildThreads.join(','), efs.join(','), String(repeats)], { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) { console.log(`FAISS: faiss_hnsw.py failed (status ${r.status})`); return; }
    faissOut = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as FaissOut;
    for (const b of faissOut.builds) console.log(`FAISS ${faissOut.faiss} IndexHNSWFlat build on ${b.threads} thread(s) ${b.seconds.toFixed(2)} s wall, ${b.cpu_seconds.toFixed(2)} s CPU`);
  } finally {
    for (const f of [xf, qf, gf]) rmSync(f, { force: true });
  }
}
runFaiss();

// ---- kernels on the same graph: one random-access distance (WebAssembly vs TypeScript), and
// whole searches with each kernel (the TypeScript one is the fallback without SIMD)
{
  const wasmK = idx.kernel;
  const jsK = new JsKernel(idx.arena, idx.nativeKind, idx.metric);
  jsK.bind(idx.layout, 0);
  const q = threadScratch(idx.layout, 0).q >> 2;
  idx.views.f32.set(Q.data.subarray(0, dim), q);
  const perm = Array.from({ length: 200000 }, (_, i) => (i * 7919 + 13) % n);
  const perDist = (k: { queryDist(s: number): number }) => {
    let sink = 0;
    const ts: number[] = [];
    for (let r = 0; r < 3; r++) ts.push(timed(() => { for (const s of perm) sink += k.queryDist(s); }).cpu);
    return { ns: (median(ts) * 1e6) / perm.length, sink };
  };
  const w = perDist(wasmK), j = perDist(jsK);
  const sub = { kind: 'dense' as const, data: Q.data.subarray(0, Math.min(nq, 1000) * dim), rows: Math.min(nq, 1000), cols: dim };
  const qpsWith = (k: typeof wasmK) => {
    idx.kernel = k;
    const ts: number[] = [];
    for (let r = 0; r < 3; r++) ts.push(timed(() => idx.search(sub, K, { ef: 40 })).cpu);
    idx.kernel = wasmK;
    return sub.rows / (median(ts) / 1000);
  };
  const qw = qpsWith(wasmK), qj = qpsWith(jsK);
  console.log(`one random-access distance (d=${dim}, CPU time, incl. the JS->kernel call): ${idx.kernelName} ${w.ns.toFixed(0)} ns, TypeScript ${j.ns.toFixed(0)} ns (${(j.ns / w.ns).toFixed(1)}x)`);
  console.log(`search ef=40, same graph, CPU time: ${idx.kernelName} ${qw.toFixed(0)} q/s, TypeScript kernel ${qj.toFixed(0)} q/s (${(qw / qj).toFixed(1)}x)`);
}

// ---- filtered search at 10 % and 1 % selectivity: the filtered graph walk against the exact
// scan of the allowed points (which is also the ground truth), and what 'auto' picks
{
  const nf = Math.min(nq, 1000);
  const sub = { kind: 'dense' as const, data: Q.data.subarray(0, nf * dim), rows: nf, cols: dim };
  for (const frac of [0.1, 0.01]) {
    const allow = new Set<number>();
    for (let i = 0; i < n; i++) if (((i * 2654435761) >>> 0) % 1000 < frac * 1000) allow.add(i);
    for (const ef of [40, 80]) {
      const run = (strategy: 'graph' | 'scan' | 'auto') => {
        let res = idx.search(sub, K, { ef, filter: allow, filterStrategy: strategy });
        const ts: number[] = [];
        for (let r = 0; r < 3; r++) ts.push(timed(() => { res = idx.search(sub, K, { ef, filter: allow, filterStrategy: strategy }); }).cpu);
        return { res, qps: nf / (median(ts) / 1000) };
      };
      const scan = run('scan'), graph = run('graph'), auto = run('auto');
      let hit = 0;
      for (let q = 0; q < nf; q++) {
        const want = new Set(scan.res.row(q).indices);
        for (const i of graph.res.row(q).indices) if (want.has(i)) hit++;
      }
      let leaks = 0;
      for (const i of graph.res.indices) if (i >= 0 && !allow.has(i)) leaks++;
      console.log(`filter ${frac * 100}% (${allow.size} allowed), ef=${ef}: graph walk recall@10 ${(hit / (nf * K)).toFixed(3)} at ${graph.qps.toFixed(0)} q/s; exact scan ${scan.qps.toFixed(0)} q/s; auto ${auto.qps.toFixed(0)} q/s; leaked ids: ${leaks}`);
    }
  }
}

type Peer = {
  initIndex(n: number, M: number, efC: number, seed: number): void; addPoint(p: number[], l: number): void;
  setEf(ef: number): void; searchKnn(q: number[], k: number): { neighbors: number[]; distances: number[] };
};
let peer: Lib | undefined;
let h: Peer | undefined;
let qs: number[][] = [];
if (!flag('no-peer')) {
  const require = createRequire(join(here, 'package.json'));
  let HierarchicalNSW: (new (space: string, d: number) => Peer) | undefined;
  try { ({ HierarchicalNSW } = require('hnswlib-node')); } catch { console.log('hnswlib-node missing: run npm run bench:setup'); }
  if (HierarchicalNSW) {
    const rows = Array.from({ length: n }, (_, i) => Array.from(X.data.subarray(i * dim, (i + 1) * dim)));
    qs = Array.from({ length: nq }, (_, i) => Array.from(Q.data.subarray(i * dim, (i + 1) * dim)));
    gc();
    const hb = timed(() => {
      h = new HierarchicalNSW!('l2', dim);
      h.initIndex(n, M, efC, 100);
      for (let i = 0; i < n; i++) h.addPoint(rows[i], i);
    });
    // hnswlib's own allocation: n x (size_data_per_element + linkList pointer + level) + upper
    // links (expected n / (M - 1) blocks of M + 1 ints) + label map (~32 B/entry) + visited list (2 B/element)
    const perElem = (2 * M + 1) * 4 + dim * 4 + 8;
    const hMem = n * (perElem + 8 + 4 + 32 + 2) + (n / (M - 1)) * (M + 1) * 4;
    peer = { name: 'hnswlib-node 3.0.0', build: hb.wall / 1000, buildCpu: hb.cpu / 1000, memory: hMem, rows: [] };
    console.log(`hnswlib-node build ${peer.build.toFixed(2)} s wall, ${peer.buildCpu.toFixed(2)} s CPU, memory ${(hMem / 2 ** 20).toFixed(1)} MiB (from its layout formula)`);
  }
}

const oneQ = { kind: 'dense' as const, data: new Float32Array(dim), rows: 1, cols: dim };
for (const ef of efs) {
  const tb: { wall: number; cpu: number }[] = [], t1: typeof tb = [], th: typeof tb = [];
  let res = idx.search(Q, K, { ef });
  let out: number[][] = [];
  if (h) { h.setEf(ef); out = qs.map((q) => h!.searchKnn(q, K).neighbors); }
  for (let r = 0; r < repeats; r++) {
    tb.push(timed(() => { res = idx.search(Q, K, { ef }); }));
    if (h) th.push(timed(() => { out = qs.map((q) => h!.searchKnn(q, K).neighbors); }));
    t1.push(timed(() => { for (let q = 0; q < nq; q++) { oneQ.data.set(Q.data.subarray(q * dim, (q + 1) * dim)); idx.search(oneQ, K, { ef }); } }));
  }
  const row = (ts: typeof tb, rc: number): Row => ({ ef, recall: rc, qps: nq / (median(ts.map((t) => t.wall)) / 1000), qpsCpu: nq / (median(ts.map((t) => t.cpu)) / 1000) });
  const rc = recall((q) => res.row(q).indices);
  knn.rows.push(row(tb, rc));
  for (const p of parBuilds) {
    let pr = p.idx.search(Q, K, { ef });
    const tp: typeof tb = [];
    for (let r = 0; r < repeats; r++) tp.push(timed(() => { pr = p.idx.search(Q, K, { ef }); }));
    p.rows.push(row(tp, recall((q) => pr.row(q).indices)));
  }
  knn.perQuery!.push(row(t1, rc));
  if (peer) peer.rows.push(row(th, recall((q) => out[q])));
}

// ---- report
const f0 = (x: number) => x.toFixed(0);
for (const [label, key] of [['wall clock', 'qps'], ['CPU time of this process', 'qpsCpu']] as const) {
  console.log(`\nqueries/s by ${label} (median of ${repeats}):`);
  console.log('| ef | knnkit recall@10 | knnkit batch | knnkit 1 query/call | hnswlib recall@10 | hnswlib-node | ratio batch | ratio 1/call |');
  console.log('|---|---|---|---|---|---|---|---|');
  efs.forEach((ef, i) => {
    const a = knn.rows[i], b = peer?.rows[i], c = knn.perQuery![i];
    console.log(`| ${ef} | ${a.recall.toFixed(3)} | ${f0(a[key])} | ${f0(c[key])} | ${b ? b.recall.toFixed(3) : '-'} | ${b ? f0(b[key]) : '-'} | ${b ? (a[key] / b[key]).toFixed(2) + 'x' : '-'} | ${b ? (c[key] / b[key]).toFixed(2) + 'x' : '-'} |`);
  });
}
if (peer) {
  console.log(`\nbuild: knnkit ${knn.build.toFixed(2)} s wall / ${knn.buildCpu.toFixed(2)} s CPU, hnswlib-node ${peer.build.toFixed(2)} s wall / ${peer.buildCpu.toFixed(2)} s CPU: ratio ${(knn.build / peer.build).toFixed(2)}x wall, ${(knn.buildCpu / peer.buildCpu).toFixed(2)}x CPU (target <= 1.5x)`);
  console.log(`memory: knnkit ${(knn.memory / 2 ** 20).toFixed(1)} MiB, hnswlib-node ${(peer.memory / 2 ** 20).toFixed(1)} MiB, ratio ${(knn.memory / peer.memory).toFixed(2)}x (target <= 1.2x)`);
  // q/s at equal recall: the first ef reaching it, log-interpolated on each curve
  const at = (rows: Row[], target: number, key: 'qps' | 'qpsCpu') => {
    for (let i = 0; i < rows.length; i++) {
      if (rows[i].recall >= target) {
        if (i === 0) return rows[0][key];
        const a = rows[i - 1], b = rows[i];
        const f = (target - a.recall) / (b.recall - a.recall);
        return Math.exp(Math.log(a[key]) + f * (Math.log(b[key]) - Math.log(a[key])));
      }
    }
    return NaN;
  };
  for (const key of ['qps', 'qpsCpu'] as const) {
    for (const target of [0.9, 0.95, 0.99]) {
      const a = at(knn.rows, target, key), a1 = at(knn.perQuery!, target, key), b = at(peer.rows, target, key);
      console.log(`${key === 'qps' ? 'wall' : 'CPU '} q/s at recall@10 = ${target}: knnkit ${f0(a)} batch / ${f0(a1)} per call, hnswlib-node ${f0(b)}: ratio ${(a / b).toFixed(2)}x batch, ${(a1 / b).toFixed(2)}x per call (target >= 1.0x)`);
    }
  }
}
// ---- parallel builds and FAISS: build seconds per thread count, recall and q/s per ef
{
  console.log(`\nbuilds (wall seconds; CPU seconds of all threads) and one-thread searches of each graph, load average ${load()}:`);
  console.log('| library | build threads | build s | build CPU s | memory MiB |');
  console.log('|---|---|---|---|---|');
  console.log(`| knnkit | ${refThreads} | ${knn.build.toFixed(2)} | ${knn.buildCpu.toFixed(2)} | ${(knn.memory / 2 ** 20).toFixed(1)} |`);
  for (const p of parBuilds) console.log(`| knnkit | ${p.threads} | ${p.build.toFixed(2)} | ${p.buildCpu.toFixed(2)} | ${(p.idx.memoryUsage() / 2 ** 20).toFixed(1)} |`);
  if (faissOut) for (const b of faissOut.builds) console.log(`| FAISS ${faissOut.faiss} IndexHNSWFlat | ${b.threads} | ${b.seconds.toFixed(2)} | ${b.cpu_seconds.toFixed(2)} | ${(faissOut.memory / 2 ** 20).toFixed(1)} |`);
  if (peer) console.log(`| hnswlib-node (addPoint, 1 thread) | 1 | ${peer.build.toFixed(2)} | ${peer.buildCpu.toFixed(2)} | ${(peer.memory / 2 ** 20).toFixed(1)} |`);
  // q/s by wall clock, then by CPU time of the searching process (the steadier figure on a shared machine)
  const head = ['ef', `knnkit ${refThreads}-thread graph recall / q/s / CPU q/s`, ...parBuilds.map((p) => `knnkit ${p.threads}-thread graph recall / q/s / CPU q/s`), ...(faissOut ? [`FAISS (${faissOut.builds.at(-1)!.threads}-thread graph) recall / q/s / CPU q/s`] : []), ...(peer ? ['hnswlib-node recall / q/s / CPU q/s'] : [])];
  console.log(`\n| ${head.join(' | ')} |`);
  console.log(`|${head.map(() => '---').join('|')}|`);
  efs.forEach((ef, i) => {
    const cell = (r: Row) => `${r.recall.toFixed(3)} / ${r.qps.toFixed(0)} / ${r.qpsCpu.toFixed(0)}`;
    const cells = [String(ef), cell(knn.rows[i]), ...parBuilds.map((p) => cell(p.rows[i]))];
    if (faissOut) { const f = faissOut.rows.find((r) => r.ef === ef)!; cells.push(cell({ ef, recall: f.recall, qps: f.qps, qpsCpu: f.qps_cpu })); }
    if (peer) cells.push(cell(peer.rows[i]));
    console.log(`| ${cells.join(' | ')} |`);
  });
  const f2 = faissOut?.builds.find((b) => b.threads === 2), k2 = refThreads === 2 ? { build: knn.build } : parBuilds.find((p) => p.threads === 2);
  if (f2 && k2) console.log(`build on 2 threads: knnkit ${k2.build.toFixed(2)} s, FAISS ${f2.seconds.toFixed(2)} s: ratio ${(k2.build / f2.seconds).toFixed(2)}x (target <= 1.0x)`);
}
const out = opt('json', '');
if (out) writeFileSync(out, JSON.stringify({ n, nq, dim, M, efC, knnkit: knn, knnkitParallel: parBuilds.map(({ idx: _, ...p }) => p), faiss: faissOut, hnswlib: peer }, null, 2));
