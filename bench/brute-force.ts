// Exact brute-force benchmark: knnkit BruteForce (WebAssembly SIMD kernels, exact refinement)
// on 1 thread (search) and 2 threads (searchAsync), plain SIMD and relaxed SIMD, beside FAISS
// IndexFlatL2 (BLAS sgemm) on 1 and 2 threads under each OpenBLAS setting, same data, one run.
// Usage:
//   node --import tsx bench/brute-force.ts [--quick] [--n 100000] [--queries Q] [--dim 128]
//        [--k 10] [--repeats 3] [--threads 2] [--no-peer] [--no-relaxed]
// --queries defaults to 10,000, and to 1,000 from --n 500000 up (a 1M run stays a few minutes).
//
// Every knnkit configuration runs in its own child process (plain node on this file and src/
// transpiled by esbuild into the temporary folder, as a user runs the built library: tsx's
// loader would add ~33 MiB to the process and to each worker), which builds the index with
// BruteForce.fromRows straight from the data file (the rows go into the index's memory once,
// no second copy) and reports its peak RSS (process.resourceUsage().maxRSS: main thread,
// workers and WebAssembly memory together) beside queries/s. Node 20 runs relaxed SIMD only with
// --experimental-wasm-relaxed-simd: the relaxed children are started with that flag.
// FAISS runs with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset, as this machine sets them, and
// with OPENBLAS_CORETYPE=SkylakeX (bench/common.ts openblasSettings: Haswell where the shell sets none); each knnkit figure is printed against each, the best named.
// CPU figures (queries per CPU-second, all threads of the process) are printed beside wall
// time because the machine may be shared: they show the work per query, not the waiting.
// Data: 100 Gaussian clusters (seed 42, the sequence of test/helpers/data.ts gaussianClusters),
// queries drawn from the same clusters. Figures: medians of the repeats; GFLOP/s = 2 n d per query.
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { Rng } from '../src/core/rng.js';
import { BruteForce } from '../src/search/brute-force/brute-force.js';
import { closeSharedPool } from '../src/parallel/pool.js';
import { cpuNow, envWith, flag, openblasSettings, fmt, lastErrorLine, lastJson, median, opt, readTypedFile, sameNeighbours, withTempDir } from './common.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = flag('quick');
const n = +opt('n', quick ? '20000' : '100000');
const nq = +opt('queries', quick ? '1000' : n >= 500000 ? '1000' : '10000');
const dim = +opt('dim', '128');
const K = +opt('k', '10');
const repeats = +opt('repeats', '3');
const threads = +opt('threads', '2');
const gflops = (qps: number) => (qps * 2 * n * dim) / 1e9;
const MiB = 2 ** 20;

/** What a child reports for one configuration. */
interface ChildResult { path: string; threads: number; buildS: number; qps: number; qpcs: number; rssMiB: number; indexMiB: number }

if (flag('child')) {
  await child();
  process.exit(0);
}

/**
 * One configuration in this process: the index from the data file through fromRows (read
 * straight into the index's memory), a warm-up, then `repeats` timed searches of every query.
 */
async function child(): Promise<void> {
  const t = +opt('threads', '1');
  const xPath = opt('x', ''), qPath = opt('q', '');
  const t0 = performance.now();
  const bf = BruteForce.fromRows(n, dim, (out) => readInto(xPath, new Uint8Array(out.buffer, out.byteOffset, out.byteLength)), { metric: 'sqeuclidean' }); // FAISS IndexFlatL2 reports squared L2
  const buildS = (performance.now() - t0) / 1000;
  const Q = { kind: 'dense' as const, data: readTypedFile(qPath, Float32Array), rows: nq, cols: dim };
  const run = (q: typeof Q) => (t > 1 ? bf.searchAsync(q, K, { threads: t }) : Promise.resolve(bf.search(q, K)));
  // warm-up: tier-up of the kernels, and the workers' start and attach to the shared memory
  await run({ ...Q, data: Q.data.subarray(0, 64 * t * dim), rows: 64 * t });
  const wall: number[] = [], cpu: number[] = [];
  let res: Awaited<ReturnType<typeof run>> | undefined;
  for (let r = 0; r < repeats; r++) {
    const w0 = performance.now(), c0 = cpuNow();
    res = await run(Q);
    wall.push((performance.now() - w0) / 1000);
    cpu.push(cpuNow() - c0);
  }
  writeFileSync(opt('out', ''), res!.indices);
  const out: ChildResult = {
    path: bf.kernelPath, threads: t, buildS, qps: nq / median(wall), qpcs: nq / median(cpu),
    rssMiB: process.resourceUsage().maxRSS / 1024, indexMiB: bf.memoryUsage() / MiB,
  };
  await closeSharedPool();
  console.log('RESULT ' + JSON.stringify(out));
}

/** Reads a whole file into `dst` in 64 MiB reads. */
function readInto(path: string, dst: Uint8Array): void {
  const fd = openSync(path, 'r');
  try {
    for (let o = 0; o < dst.length;) {
      const got = readSync(fd, dst, o, Math.min(64 * MiB, dst.length - o), o);
      if (got <= 0) throw new Error(`${path}: ${o} of ${dst.length} bytes`);
      o += got;
    }
  } finally { closeSync(fd); }
}

/**
 * Writes gaussianClusters(n + nq, dim, 100, 42)'s rows to two files (base, queries) a block at a
 * time: the same random sequence, without ever holding the whole matrix.
 */
function writeData(xPath: string, qPath: string): void {
  const rng = new Rng(42), clusters = 100;
  const centers = new Float32Array(clusters * dim);
  for (let i = 0; i < centers.length; i++) centers[i] = rng.normal() * 10;
  const block = 4096, buf = new Float32Array(block * dim);
  for (const [path, rows] of [[xPath, n], [qPath, nq]] as const) {
    const fd = openSync(path, 'w');
    for (let r0 = 0; r0 < rows; r0 += block) {
      const b = Math.min(block, rows - r0);
      for (let i = 0; i < b; i++) {
        const c = rng.int(clusters);
        for (let j = 0; j < dim; j++) buf[i * dim + j] = centers[c * dim + j] + rng.normal();
      }
      writeSync(fd, new Uint8Array(buf.buffer, 0, b * dim * 4));
    }
    closeSync(fd);
  }
}

/**
 * The node arguments that run this file in a child: esbuild's transpile of src/ and this bench
 * into dir/js (no bundling: the worker pool loads its task modules by URL), else tsx.
 */
function transpile(dir: string): string[] {
  const root = join(here, '..'), out = join(dir, 'js');
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) files.push(join(d, e.name));
    }
  };
  walk(join(root, 'src'));
  // bench/common.ts re-exports test/helpers/data.ts's generators
  files.push(fileURLToPath(import.meta.url), join(here, 'common.ts'), join(root, 'test', 'helpers', 'data.ts'));
  try {
    const esbuild = createRequire(import.meta.url)('esbuild') as { buildSync(o: object): unknown };
    esbuild.buildSync({ entryPoints: files, outdir: out, outbase: root, format: 'esm', platform: 'node', target: 'node20', logLevel: 'error' });
    writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
    return [join(out, relative(root, fileURLToPath(import.meta.url)).replace(/\.ts$/, '.js'))];
  } catch (e) {
    notes.push(`(esbuild unavailable: children run through tsx, whose loader adds to their RSS: ${(e as Error).message.split('\n')[0]})`);
    return ['--import', 'tsx', fileURLToPath(import.meta.url)];
  }
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(', ');
const vecMiB = (n * dim * 4) / MiB;
const rssBound = 1.25 * vecMiB + 100;
console.log(`Brute force: ${n} x ${dim} clustered float32 (100 Gaussian clusters, seed 42; ${fmt(vecMiB, 1)} MiB of vectors), ${nq} queries, k=${K}, median of ${repeats}`);
console.log(`${new Date().toISOString()}, Node ${process.version}, load average at start: ${load()}`);

interface Row { name: string; qps: number; qpcs?: number; rss?: number; threads: number; variant?: string }
const rows: Row[] = [];
const notes: string[] = [];
const faissRuns: Array<{ setting: string; threads: number; qps: number; qpcs: number; rss: number }> = [];

withTempDir('knnkit-bench-', (dir) => {
  const xPath = join(dir, 'x.f32'), qPath = join(dir, 'q.f32');
  writeData(xPath, qPath);
  const entry = transpile(dir);
  const base = [...entry, '--n', String(n), '--queries', String(nq), '--dim', String(dim),
    '--k', String(K), '--repeats', String(repeats), '--x', xPath, '--q', qPath];
  const ids: Record<string, Int32Array> = {};
  const variants: Array<{ name: string; flags: string[] }> = [{ name: 'simd', flags: [] }];
  if (!flag('no-relaxed')) variants.push({ name: 'relaxed', flags: ['--experimental-wasm-relaxed-simd'] });
  for (const v of variants) {
    for (const t of [1, threads]) {
      const out = join(dir, `${v.name}-${t}.i32`);
      const r = spawnSync(process.execPath, [...v.flags, ...base, '--child', '--threads', String(t), '--out', out],
        { encoding: 'utf8', env: { ...process.env, KNNKIT_WASM: v.name } });
      const line = r.stdout?.split('\n').find((l) => l.startsWith('RESULT '));
      if (r.status !== 0 || !line) { notes.push(`knnkit ${v.name}, ${t} thread(s): failed (${lastErrorLine(r)})`); continue; }
      const c = JSON.parse(line.slice(7)) as ChildResult;
      if (c.path !== v.name) { notes.push(`knnkit ${v.name}: not available on this runtime (kernel path ${c.path})`); break; }
      ids[`${v.name}-${t}`] = readTypedFile(out, Int32Array);
      rows.push({ name: `knnkit BruteForce (${c.path}), ${t} thread${t > 1 ? 's (searchAsync)' : ''}`, qps: c.qps, qpcs: c.qpcs, rss: c.rssMiB, threads: t, variant: v.name });
      if (t === 1) notes.push(`knnkit ${v.name}: fromRows build ${fmt(c.buildS, 2)} s, index memory ${fmt(c.indexMiB, 1)} MiB`);
    }
  }
  const keys = Object.keys(ids);
  for (const key of keys.slice(1)) {
    if (Buffer.compare(Buffer.from(ids[key].buffer), Buffer.from(ids[keys[0]].buffer)) !== 0) throw new Error(`knnkit ${key} neighbours differ from ${keys[0]}`);
  }
  if (keys.length > 1) notes.push(`knnkit: identical neighbours in all ${keys.length} configurations`);

  // FAISS under each OpenBLAS setting
  const py = join(here, '.venv', 'bin', 'python');
  if (flag('no-peer')) { notes.push('FAISS: skipped (--no-peer)'); return; }
  if (!existsSync(py)) { notes.push('FAISS: skipped (bench/.venv missing: run bench/setup-python.sh)'); return; }
  const settings = openblasSettings().map(([label, patch]) => [label, envWith(patch)] as const);
  for (const [setting, env] of settings) {
    const prefix = join(dir, 'faiss');
    const r = spawnSync(py, [join(here, 'faiss_flat.py'), xPath, qPath, String(dim), String(K), `1,${threads}`, String(repeats), prefix], { encoding: 'utf8', env });
    if (r.status !== 0) { notes.push(`FAISS (${setting}): failed (${lastErrorLine(r)})`); continue; }
    const out = lastJson<{ faiss: string; rss_mib: number; runs: Array<{ threads: number; median: number; cpu_median: number }> }>(r.stdout);
    for (const run of out.runs) {
      faissRuns.push({ setting, threads: run.threads, qps: nq / run.median, qpcs: nq / run.cpu_median, rss: out.rss_mib });
      rows.push({ name: `FAISS ${out.faiss} IndexFlatL2, ${run.threads} thread${run.threads > 1 ? 's' : ''}, OpenBLAS ${setting}`, qps: nq / run.median, qpcs: nq / run.cpu_median, rss: out.rss_mib, threads: run.threads });
    }
    if (ids['simd-1'] && !notes.some((x) => x.startsWith('agreement'))) {
      const fi = readTypedFile(prefix + '.i32', Int32Array);
      notes.push(`agreement of knnkit's exact top-${K} with FAISS's (float32 GEMM, its own tie order): ${fmt(sameNeighbours(ids['simd-1'], fi, nq, K), 5)}`);
    }
  }
});

console.log('');
console.log('| implementation | queries/s | GFLOP/s (2 n d per query) | queries per CPU-second | GFLOP per CPU-second | peak RSS (MiB) |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.name} | ${fmt(r.qps)} | ${fmt(gflops(r.qps), 1)} | ${r.qpcs ? fmt(r.qpcs) : '-'} | ${r.qpcs ? fmt(gflops(r.qpcs), 1) : '-'} | ${r.rss ? fmt(r.rss) : '-'} |`);
console.log('');
for (const x of notes) console.log(x);
console.log(`peak RSS bound (1.25 x ${fmt(vecMiB, 1)} MiB of vectors + 100 MiB): ${fmt(rssBound)} MiB`);
for (const v of ['simd', 'relaxed']) {
  const one = rows.find((r) => r.variant === v && r.threads === 1), two = rows.find((r) => r.variant === v && r.threads === threads);
  if (one) console.log(`knnkit ${v}: 1 thread ${fmt(gflops(one.qps), 1)} GFLOP/s (target >= ${v === 'simd' ? 40 : 48}), peak RSS ${fmt(one.rss!)} MiB (${one.rss! <= rssBound ? 'within' : 'OVER'} the bound)`);
  if (one && two) console.log(`knnkit ${v}: ${threads} threads / 1 thread = ${fmt(two.qps / one.qps, 2)}x wall, ${fmt(two.qpcs! / one.qpcs!, 2)}x per CPU-second (target >= 1.8x); peak RSS ${fmt(two.rss!)} MiB (${two.rss! <= rssBound ? 'within' : 'OVER'} the bound)`);
}
for (const t of [1, threads]) {
  const fs = faissRuns.filter((f) => f.threads === t);
  if (fs.length === 0) continue;
  const best = fs.reduce((a, b) => (b.qps > a.qps ? b : a));
  console.log(`FAISS ${t} thread${t > 1 ? 's' : ''}: best setting ${best.setting} (${fmt(best.qps)} q/s)`);
  for (const r of rows.filter((x) => x.variant && x.threads === t)) {
    console.log(`  ${r.name} / FAISS: ` + fs.map((f) => `${fmt(r.qps / f.qps, 2)}x vs ${f.setting}`).join('; '));
  }
}
console.log(`load average at end: ${load()}`);
