// Exact brute-force benchmark: knnkit BruteForce (WebAssembly SIMD kernels, exact refinement)
// on 1 thread (search) and 2 threads (searchAsync) beside FAISS IndexFlatL2 (BLAS sgemm) on 1
// and 2 threads, same data, same run. Usage:
//   node --import tsx bench/brute-force.ts [--quick] [--n 100000] [--queries 10000] [--dim 128]
//        [--k 10] [--repeats 3] [--threads 2] [--no-peer] [--no-relaxed]
// Node 20 runs the plain-SIMD build; the benchmark re-runs knnkit in a child process with
// --experimental-wasm-relaxed-simd (the fused multiply-add build) unless --no-relaxed.
// CPU figures (queries per CPU-second, all threads of the process) are printed beside wall
// time because the machine may be shared: they show the work per query, not the waiting.
// Data: gaussianClusters (100 clusters, seed 42); queries drawn from the same clusters.
// Figures: queries/s and effective GFLOP/s (2 n d flops per query), medians of the repeats.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { gaussianClusters } from '../test/helpers/data.js';
import { BruteForce } from '../src/search/brute-force/brute-force.js';
import { closeSharedPool } from '../src/parallel/pool.js';
import { args, cpuNow, flag, fmt, lastErrorLine, lastJson, median, opt, sameNeighbours, withTempDir } from './common.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = flag('quick');
const n = +opt('n', quick ? '20000' : '100000');
const nq = +opt('queries', quick ? '1000' : '10000');
const dim = +opt('dim', '128');
const K = +opt('k', '10');
const repeats = +opt('repeats', '3');
const threads = +opt('threads', '2');
const gflops = (qps: number) => (qps * 2 * n * dim) / 1e9;

console.log(`Brute force: ${n} x ${dim} clustered float32 (100 Gaussian clusters, seed 42), ${nq} queries, k=${K}, median of ${repeats}`);
const all = gaussianClusters(n + nq, dim, 100, 42);
const X = { kind: 'dense' as const, data: all.data.subarray(0, n * dim), rows: n, cols: dim };
const Q = { kind: 'dense' as const, data: all.data.slice(n * dim), rows: nq, cols: dim };

let t0 = performance.now();
const bf = new BruteForce(X, { metric: 'sqeuclidean' }); // FAISS IndexFlatL2 reports squared L2
const buildS = (performance.now() - t0) / 1000;
console.log(`knnkit: kernel path ${bf.kernelPath}, build ${fmt(buildS, 2)} s, index memory ${fmt(bf.memoryUsage() / 2 ** 20, 1)} MiB`);

interface Row { name: string; qps: number; qpcs?: number }
const rows: Row[] = [];
const child = flag('child');

// one thread
bf.search({ ...Q, data: Q.data.subarray(0, 64 * dim), rows: 64 }, K); // tier-up warm-up
const single: number[] = [], singleCpu: number[] = [];
let mine = bf.search(Q, K);
for (let r = 0; r < repeats; r++) {
  t0 = performance.now();
  const c0 = cpuNow();
  mine = bf.search(Q, K);
  single.push((performance.now() - t0) / 1000);
  singleCpu.push(cpuNow() - c0);
}
rows.push({ name: `knnkit BruteForce (${bf.kernelPath}), 1 thread`, qps: nq / median(single), qpcs: nq / median(singleCpu) });

// worker threads (the first call builds each worker's engine: warm-up, not timed)
await bf.searchAsync({ ...Q, data: Q.data.subarray(0, 64 * threads * dim), rows: 64 * threads }, K, { threads });
const multi: number[] = [], multiCpu: number[] = [];
for (let r = 0; r < repeats; r++) {
  t0 = performance.now();
  const c0 = cpuNow();
  const res = await bf.searchAsync(Q, K, { threads });
  multi.push((performance.now() - t0) / 1000);
  multiCpu.push(cpuNow() - c0);
  if (r === 0 && Buffer.compare(Buffer.from(res.indices.buffer), Buffer.from(mine.indices.buffer)) !== 0) throw new Error('searchAsync differs from search');
}
rows.push({ name: `knnkit BruteForce (${bf.kernelPath}), ${threads} threads (searchAsync)`, qps: nq / median(multi), qpcs: nq / median(multiCpu) });
await closeSharedPool();
if (child) {
  console.log('ROWS ' + JSON.stringify(rows));
  process.exit(0);
}

// the relaxed-SIMD build, in a child process started with the flag
if (bf.kernelPath === 'simd' && !flag('no-relaxed')) {
  const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', fileURLToPath(import.meta.url), ...args, '--child', '--no-peer'], { encoding: 'utf8' });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('ROWS '));
  if (r.status === 0 && line) {
    const extra = JSON.parse(line.slice(5)) as Row[];
    if (extra.some((x) => x.name.includes('(relaxed)'))) rows.push(...extra);
    else console.log('(relaxed SIMD: not available on this runtime)');
  } else console.log(`(relaxed SIMD run failed: ${(r.stderr || '').trim().split('\n').pop()})`);
}

// FAISS
const py = join(here, '.venv', 'bin', 'python');
let faissNote = '';
if (flag('no-peer')) faissNote = 'FAISS: skipped (--no-peer)';
else if (!existsSync(py)) faissNote = 'FAISS: skipped (bench/.venv missing: run bench/setup-python.sh)';
else {
  faissNote = withTempDir('knnkit-bench-', (dir) => {
    writeFileSync(join(dir, 'x.f32'), X.data);
    writeFileSync(join(dir, 'q.f32'), Q.data);
    const r = spawnSync(py, [join(here, 'faiss_flat.py'), join(dir, 'x.f32'), join(dir, 'q.f32'), String(dim), String(K), `1,${threads}`, String(repeats), join(dir, 'faiss')], { encoding: 'utf8' });
    if (r.status !== 0) return `FAISS: skipped (${lastErrorLine(r)})`;
    const out = lastJson<{ faiss: string; runs: Array<{ threads: number; median: number; cpu_median: number }> }>(r.stdout);
    for (const run of out.runs) rows.push({ name: `FAISS ${out.faiss} IndexFlatL2, ${run.threads} thread${run.threads > 1 ? 's' : ''}`, qps: nq / run.median, qpcs: nq / run.cpu_median });
    const fi = new Int32Array(readFileSync(join(dir, 'faiss.i32')).buffer.slice(0));
    return `agreement of knnkit's exact top-${K} with FAISS's (float32 GEMM, its own tie order): ${fmt(sameNeighbours(mine.indices, fi, nq, K), 5)}`;
  });
}

console.log('');
console.log('| implementation | queries/s | GFLOP/s (2 n d per query) | queries per CPU-second | GFLOP per CPU-second |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.name} | ${fmt(r.qps)} | ${fmt(gflops(r.qps), 1)} | ${r.qpcs ? fmt(r.qpcs) : '-'} | ${r.qpcs ? fmt(gflops(r.qpcs), 1) : '-'} |`);
console.log('');
if (faissNote) console.log(faissNote);
const f1 = rows.find((r) => r.name.startsWith('FAISS') && r.name.endsWith(', 1 thread'));
const f2 = rows.find((r) => r.name.startsWith('FAISS') && r.name.endsWith(`${threads} threads`));
if (f1) {
  for (const r of rows.filter((x) => x.name.startsWith('knnkit'))) {
    const two = r.name.includes('searchAsync');
    const wall = r.qps / f1.qps;
    const cpu = r.qpcs && f1.qpcs ? ` (per CPU-second vs FAISS 1 thread: ${fmt(r.qpcs / f1.qpcs, 2)}x)` : '';
    console.log(`${r.name} / FAISS 1 thread: ${fmt(wall, 2)}x wall${cpu}; target >= ${two ? '0.75' : '0.4'}x` + (two && f2 ? `; vs FAISS ${threads} threads: ${fmt(r.qps / f2.qps, 2)}x` : ''));
  }
}
