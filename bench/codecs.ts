// Codec benchmark: brute force over f32, f16, sq8 (and sq8 + refine) on clustered data, and
// bits on the same data binarised (x > 0), one thread, one process, one run. For f16 / sq8 the
// WebAssembly SIMD code scan (src/codecs/coded-scan.ts) runs beside the TypeScript decode-then-
// distance path (KNNKIT_WASM=off) on the same queries, so their ratio is measured under the
// same load. Per row: bytes per vector (memoryUsage / n), build time, recall@10 against exact
// float32 brute force, queries/s wall and per CPU-second (process.cpuUsage), load average.
// HNSW rows (M 16, efConstruction 200, one build thread) per codec f32 / f16 / sq8: bytes per
// vector (memoryUsage / n: vectors + links + ids; sq8+refine adds the float32 rows kept for the
// exact re-ranking of k x 4 candidates), build wall and CPU seconds, recall@10 and
// queries per CPU-second at ef 32 / 64 / 128 (the queries searched --hnsw-repeat times), and the
// f16 / sq8 graphs also searched by the TypeScript kernel (the same bytes loaded with
// KNNKIT_WASM off) at ef 64, for the SIMD decode / TypeScript decode ratio.
// Usage: node --import tsx bench/codecs.ts [--n 100000] [--dim 128] [--queries 200] [--ts-queries 20]
//          [--hnsw-repeat 10] [--hnsw-only] [--no-hnsw]
import { loadavg } from 'node:os';
import { createIndex } from '../src/index/api.js';
import { indexFromBytes } from '../src/index/persist.js';
import type { DenseMatrix } from '../src/core/matrix.js';
import type { SearchResult } from '../src/search/results.js';
import { setWasmMode } from '../src/wasm/loader.js';
import { gaussianClusters } from '../test/helpers/data.js';
import { cpuNow, fmt, opt } from './common.js';

const n = +opt('n', '100000'), dim = +opt('dim', '128'), nq = +opt('queries', '200'), nqTs = +opt('ts-queries', '20');
const hnswRepeat = +opt('hnsw-repeat', '10');
const hnswOnly = process.argv.includes('--hnsw-only'), noHnsw = process.argv.includes('--no-hnsw');
const K = 10;
// queries from the same clusters (another seed of the generator: same centres, other points)
const all = gaussianClusters(n + nq, dim, 100, 42);
const X: DenseMatrix = { kind: 'dense', data: all.data.subarray(0, n * dim), rows: n, cols: dim };
const Q: DenseMatrix = { kind: 'dense', data: all.data.slice(n * dim), rows: nq, cols: dim };
const binar = (M: DenseMatrix): DenseMatrix => ({ ...M, data: M.data.map((v) => (v > 0 ? 1 : 0)) });

function recall(a: SearchResult, truth: SearchResult, rows: number): number {
  let hit = 0;
  for (let q = 0; q < rows; q++) {
    const t = new Set(truth.row(q).indices);
    for (const i of a.row(q).indices) if (t.has(i)) hit++;
  }
  return hit / (rows * K);
}

const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
console.log(`bench:codecs  ${new Date().toISOString()}  n ${n} x ${dim}, ${nq} queries (TypeScript path: ${nqTs}), k ${K}, 1 thread; load at start ${load()}`);
const truth = createIndex('brute', X).search(Q, K);
const Xb = binar(X), Qb = binar(Q);
const truthB = createIndex('brute', Xb).search(Qb, K);

interface Row { name: string; bpv: number; buildS: number; recall: number; qps: number; qpsCpu: number; load: string }
const rows: Row[] = [];
function run(name: string, codec: string, opts: Record<string, unknown>, queries: number, path: 'wasm' | 'ts', binary = false, sp: Record<string, unknown> = {}): Row {
  if (path === 'ts') setWasmMode('off');
  try {
    const data = binary ? Xb : X, qs = binary ? Qb : Q, tr = binary ? truthB : truth;
    const t0 = performance.now();
    const idx = createIndex('brute', data, { codec, ...opts });
    const buildS = (performance.now() - t0) / 1e3;
    const Qs: DenseMatrix = { kind: 'dense', data: qs.data.subarray(0, queries * dim), rows: queries, cols: dim };
    idx.search({ ...Qs, rows: 1, data: Qs.data.subarray(0, dim) }, K, sp); // warm-up: scan set-up, JIT
    const c0 = cpuNow(), w0 = performance.now();
    const res = idx.search(Qs, K, sp);
    const wall = (performance.now() - w0) / 1e3, cpu = cpuNow() - c0;
    const row = { name, bpv: idx.memoryUsage() / n, buildS, recall: recall(res, tr, queries), qps: queries / wall, qpsCpu: queries / cpu, load: load() };
    rows.push(row);
    console.log(`  ${name.padEnd(26)} ${fmt(row.bpv, 1).padStart(7)} B/vec  build ${fmt(buildS, 2)} s  recall@10 ${fmt(row.recall, 3)}  ${fmt(row.qps, 1)} q/s  ${fmt(row.qpsCpu, 1)} q/CPU-s  load ${row.load}`);
    return row;
  } finally { setWasmMode(undefined); }
}

if (!hnswOnly) {
  console.log('brute force:');
  const f32 = run('f32 (wasm SIMD)', 'f32', {}, nq, 'wasm');
  const f16 = run('f16 (wasm SIMD scan)', 'f16', {}, nq, 'wasm');
  const f16ts = run('f16 (TypeScript decode)', 'f16', {}, nqTs, 'ts');
  const sq8 = run('sq8 (wasm SIMD scan)', 'sq8', {}, nq, 'wasm');
  const sq8ts = run('sq8 (TypeScript decode)', 'sq8', {}, nqTs, 'ts');
  run('sq8 + refine kFactor 4', 'sq8', { refine: true }, nq, 'wasm', false, { kFactor: 4 });
  run('bits (0/1 data, popcount)', 'bits', {}, nq, 'wasm', true);
  console.log(`ratios (same run): f16 SIMD / TS ${fmt(f16.qpsCpu / f16ts.qpsCpu, 1)}x per CPU-s, sq8 SIMD / TS ${fmt(sq8.qpsCpu / sq8ts.qpsCpu, 1)}x per CPU-s; ` +
    `f16 / f32 ${fmt(f16.qpsCpu / f32.qpsCpu, 2)}x, sq8 / f32 ${fmt(sq8.qpsCpu / f32.qpsCpu, 2)}x per CPU-s`);
}

// ------------------------------------------------------------------ HNSW per codec
interface HRow { codec: string; bpv: number; buildS: number; buildCpu: number; at: { ef: number; recall: number; qps: number; qpsCpu: number }[]; ts?: { recall: number; qpsCpu: number } }
function searchRow(idx: ReturnType<typeof createIndex>, ef: number, repeat: number, queries = nq) {
  const Qs: DenseMatrix = { kind: 'dense', data: Q.data.subarray(0, queries * dim), rows: queries, cols: dim };
  idx.search({ ...Qs, rows: 1, data: Qs.data.subarray(0, dim) }, K, { ef }); // warm-up
  let res!: SearchResult;
  const c0 = cpuNow(), w0 = performance.now();
  for (let r = 0; r < repeat; r++) res = idx.search(Qs, K, { ef });
  const wall = (performance.now() - w0) / 1e3, cpu = cpuNow() - c0;
  return { ef, recall: recall(res, truth, queries), qps: (queries * repeat) / wall, qpsCpu: (queries * repeat) / cpu };
}
if (!noHnsw) {
  console.log(`HNSW (M 16, efConstruction 200, 1 build thread; search ${nq} queries x ${hnswRepeat}):`);
  const hrows: HRow[] = [];
  for (const [codec, extra] of [['f32', {}], ['f16', {}], ['sq8', {}], ['sq8', { refine: true }]] as [string, Record<string, unknown>][]) {
    const c0 = cpuNow(), t0 = performance.now();
    const idx = createIndex('hnsw', X, { codec, M: 16, efConstruction: 200, threads: 1, ...extra });
    const name = extra.refine ? `${codec}+refine` : codec;
    const buildS = (performance.now() - t0) / 1e3, buildCpu = cpuNow() - c0;
    const row: HRow = { codec: name, bpv: idx.memoryUsage() / n, buildS, buildCpu, at: [32, 64, 128].map((ef) => searchRow(idx, ef, hnswRepeat)) };
    if (codec !== 'f32' && !extra.refine) {
      // the same graph searched by the TypeScript kernel (decode per coordinate in JavaScript)
      setWasmMode('off');
      try {
        const ts = indexFromBytes(idx.toBytes());
        const r = searchRow(ts, 64, 1, Math.min(nq, 50));
        row.ts = { recall: r.recall, qpsCpu: r.qpsCpu };
      } finally { setWasmMode(undefined); }
    }
    hrows.push(row);
    const at = row.at.map((a) => `ef ${a.ef}: recall ${fmt(a.recall, 3)} ${fmt(a.qps, 0)} q/s ${fmt(a.qpsCpu, 0)} q/CPU-s`).join(' | ');
    console.log(`  hnsw ${name.padEnd(10)} ${fmt(row.bpv, 1).padStart(7)} B/vec  build ${fmt(buildS, 1)} s (${fmt(buildCpu, 1)} CPU s)  ${at}` +
      (row.ts ? ` | TypeScript kernel ef 64: ${fmt(row.ts.qpsCpu, 0)} q/CPU-s` : '') + `  load ${load()}`);
  }
  const base = hrows[0];
  for (const r of hrows.slice(1)) {
    const a = r.at[1], b = base.at[1];
    console.log(`  hnsw ${r.codec} / f32 (same run, ef 64): bytes ${fmt(r.bpv / base.bpv, 2)}x, build CPU ${fmt(r.buildCpu / base.buildCpu, 2)}x, q/CPU-s ${fmt(a.qpsCpu / b.qpsCpu, 2)}x, recall ${fmt(a.recall - b.recall, 3)}` +
      (r.ts ? `; SIMD / TypeScript kernel ${fmt(a.qpsCpu / r.ts.qpsCpu, 1)}x per CPU-s` : ''));
  }
}
