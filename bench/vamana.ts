// Vamana benchmark: knnkit's `vamana` (DiskANN's in-memory graph) beside knnkit's `hnsw`, built on
// the same data in the same run, one thread. Usage:
//   node --import tsx bench/vamana.ts [--n 100000] [--queries 1000] [--dim 128] [--latent 16]
//        [--R 64] [--build-l 100] [--l 10,20,40,80,160] [--ef 10,20,40,80,160] [--repeats 3] [--no-ts]
//        [--threads 1] [--no-hnsw]
// --threads: threads of the vamana build (default 1, beside HNSW's one-thread build; the build
// CPU seconds count every thread); searches stay on one thread. --no-hnsw skips the HNSW part.
// vamana searches with the WebAssembly kernel (assembly/vamana.ts); the same graph is also loaded
// with the kernel off (setWasmMode('off'): the TypeScript walker) and swept beside it, unless --no-ts.
// Summary: queries/s (wall and per CPU second) at the first sweep point with recall@10 >= 0.95,
// and vamana / hnsw ratios.
// Data: 100 clusters, each a random `latent`-dimensional Gaussian subspace embedded in `dim`
// dimensions plus small isotropic noise (intrinsic dimension ~latent, as real descriptors:
// SIFT's is about 16); queries from the same clusters. Isotropic 128-d blobs
// (test/helpers/data.ts gaussianClusters) are another matter: see docs/vamana.md and --iso.
// Ground truth: exact k = 10 by knnkit's brute force.
import { createIndex } from '../src/index/api.js';
import type { VectorIndex } from '../src/index/types.js';
import { indexFromBytes } from '../src/index/persist.js';
import { setWasmMode } from '../src/wasm/loader.js';
import { gaussianClusters } from '../test/helpers/data.js';
import { flag, opt, median, fmt, subspaceClusters } from './common.js';

const n = +opt('n', '100000'), nq = +opt('queries', '1000'), dim = +opt('dim', '128'), latent = +opt('latent', '16');
const R = +opt('R', '64'), buildL = +opt('build-l', '100'), repeats = +opt('repeats', '3');
const Ls = opt('l', '10,20,40,80,160').split(',').map(Number), efs = opt('ef', '10,20,40,80,160').split(',').map(Number);
const K = 10;
const threads = +opt('threads', '1');

const all = flag('iso') ? gaussianClusters(n + nq, dim, 100, 42).data : subspaceClusters(n + nq, dim, latent, 100, 42);
const X = { kind: 'dense' as const, data: all.subarray(0, n * dim), rows: n, cols: dim };
const Q = { kind: 'dense' as const, data: all.slice(n * dim), rows: nq, cols: dim };
console.log(`Vamana benchmark: ${n} x ${dim} (${flag('iso') ? 'isotropic Gaussian clusters' : `100 clusters on ${latent}-d subspaces`}), ${nq} queries, k=${K}, searches on 1 thread, vamana build on ${threads}, median of ${repeats}`);

let t = performance.now();
const gt = createIndex('brute', X).search(Q, K).indices;
console.log(`ground truth (brute force): ${((performance.now() - t) / 1000).toFixed(1)} s`);

function recall(ids: Int32Array): number {
  let hit = 0;
  for (let q = 0; q < nq; q++) {
    const s = new Set(gt.subarray(q * K, q * K + K));
    for (let j = 0; j < K; j++) if (s.has(ids[q * K + j])) hit++;
  }
  return hit / (nq * K);
}

function sweep(name: string, ix: VectorIndex, param: string, values: number[]): { v: number; recall: number; qps: number; qpsCpu: number }[] {
  const rows = [];
  for (const v of values) {
    const times: number[] = [], cpus: number[] = [];
    let rec = 0;
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now(), c1 = process.cpuUsage();
      const res = ix.search(Q, K, { [param]: v });
      times.push(performance.now() - t0);
      const c = process.cpuUsage(c1); cpus.push((c.user + c.system) / 1000);
      rec = recall(res.indices);
    }
    const qps = nq / (median(times) / 1000), qpsCpu = nq / (median(cpus) / 1000);
    rows.push({ v, recall: rec, qps, qpsCpu });
    console.log(`  ${name.padEnd(7)} ${param}=${String(v).padEnd(4)} recall@10 ${rec.toFixed(4)}  ${fmt(qps)} q/s (${fmt(qpsCpu)} per CPU s)`);
  }
  return rows;
}

const out: Record<string, unknown> = { n, dim, nq, iso: flag('iso') };
const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1e6; };
t = performance.now();
let c0 = cpu();
const vam = createIndex('vamana', X, { R, L: buildL, threads });
const vb = (performance.now() - t) / 1000, vbc = cpu() - c0;
const kernel = (vam as unknown as { core: { kernel: string } }).core.kernel;
console.log(`vamana (${kernel} walker) R=${R} L=${buildL} alpha=1.2 threads=${threads}: build ${vb.toFixed(1)} s (${vbc.toFixed(1)} CPU s), memory ${(vam.memoryUsage() / 2 ** 20).toFixed(1)} MiB`);
out.vamana = { kernel, threads, build: vb, buildCpu: vbc, memory: vam.memoryUsage(), rows: sweep('vamana', vam, 'L', Ls) };
if (!flag('no-ts')) {
  // the same graph, searched by the TypeScript walker (the fallback)
  setWasmMode('off');
  const ts = indexFromBytes(vam.toBytes());
  setWasmMode(undefined);
  console.log('vamana, same graph, TypeScript walker (KNNKIT_WASM=off):');
  out.vamanaTs = { rows: sweep('vam-ts', ts, 'L', Ls) };
}
if (flag('no-hnsw')) { console.log(JSON.stringify(out)); process.exit(0); }
t = performance.now();
c0 = cpu();
const hn = createIndex('hnsw', X, { M: 16, efConstruction: 200 });
const hb = (performance.now() - t) / 1000, hbc = cpu() - c0;
console.log(`hnsw M=16 efConstruction=200: build ${hb.toFixed(1)} s (${hbc.toFixed(1)} CPU s), memory ${(hn.memoryUsage() / 2 ** 20).toFixed(1)} MiB`);
out.hnsw = { build: hb, buildCpu: hbc, memory: hn.memoryUsage(), rows: sweep('hnsw', hn, 'ef', efs) };
type Row = { v: number; recall: number; qps: number; qpsCpu: number };
const at95 = (rows: Row[]) => rows.find((r) => r.recall >= 0.95) ?? null;
const v95 = at95((out.vamana as { rows: Row[] }).rows), h95 = at95((out.hnsw as { rows: Row[] }).rows);
const t95 = out.vamanaTs ? at95((out.vamanaTs as { rows: Row[] }).rows) : null;
const show = (name: string, r: Row | null, p: string) => console.log(`  ${name.padEnd(22)} ${r ? `${p}=${r.v} recall ${r.recall.toFixed(4)}: ${fmt(r.qps)} q/s, ${fmt(r.qpsCpu)} per CPU s` : 'never reached 0.95'}`);
console.log('at recall@10 >= 0.95 (first sweep point reaching it):');
show(`vamana (${kernel})`, v95, 'L');
if (out.vamanaTs) show('vamana (TypeScript)', t95, 'L');
show('hnsw', h95, 'ef');
if (v95 && h95) console.log(`  vamana / hnsw: ${(v95.qps / h95.qps).toFixed(2)}x wall, ${(v95.qpsCpu / h95.qpsCpu).toFixed(2)}x per CPU s; build ${(vbc / hbc).toFixed(2)}x hnsw's CPU time`);
if (v95 && t95) console.log(`  kernel / TypeScript walker: ${(v95.qps / t95.qps).toFixed(2)}x wall, ${(v95.qpsCpu / t95.qpsCpu).toFixed(2)}x per CPU s`);
console.log(JSON.stringify(out));
