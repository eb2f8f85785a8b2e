// Quantisation benchmark: knnkit's ivf-flat, ivf-pq, ivf-pq + refine and the 4-bit fast scan
// (ivf-pq nbits 4, + refine) against FAISS's IndexIVFFlat, IndexIVFPQ, IndexRefineFlat(IndexIVFPQ)
// and IndexRefineFlat(IndexIVFPQFastScan), same nlist, m, nbits, k_factor, one thread each
// (knnkit threads: 1, FAISS omp_set_num_threads(1)), in the same run; then ivf-flat's train + add
// again on every core for both (knnkit's default threads, FAISS's default OpenMP threads). Usage:
//   node --import tsx bench/quantisation.ts [--quick] [--n 100000] [--queries 1000] [--dim 128]
//        [--nlist 1024] [--m 16] [--m4 32] [--nprobe 1,2,4,8,16,32,64] [--repeats 3] [--kfactor 4]
//        [--only ivf-flat,ivf-pq,ivf-pq+refine,fs+refine,lancedb,scann] [--no-peer] [--best]
//        [--leaves 1,2,4,8,16,32,64] [--ef 10,20,40,80,160,320] [--reorder 40,100] [--spread 10]
// `scann`: the inner-product set (n + queries rows of 100 Gaussian clusters, spread 10, unit-
// normalised, queries held out from the same draw), knnkit scann (sweeping leavesToSearch)
// for each reorderK) beside knnkit HNSW (metric ip, sweeping ef) and the queries/s of each at
// recall@10 = 0.9 (linear interpolation along each one's best recall / speed frontier). `lancedb`: LanceDB's IVF_PQ
// (@lancedb/lancedb from bench/node_modules, its own process, LANCE_CPU_THREADS=1) on the L2
// set with the same nlist and m, without and with refineFactor = kfactor.
// Data: gaussianClusters (100 clusters, seed 42), queries from the same clusters (seed 43);
// ground truth: knnkit's exact brute force. FAISS runs three times: OPENBLAS_CORETYPE /
// OPENBLAS_L2_SIZE unset, as set in this environment, and OPENBLAS_CORETYPE=SkylakeX; the
// fastest training is reported beside the setting it ran with.
import { existsSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { gaussianClusters } from '../test/helpers/data.js';
import { createIndex, emptyIndex } from '../src/index/api.js';
import { normalizeRows } from '../src/index/ivf/coarse.js';
import { BruteForce } from '../src/search/brute-force/brute-force.js';
import { flag, opt, median, fmt, withTempDir, lastJson, lastErrorLine, cpuNow, envWith, openblasSettings } from './common.js';
import { defaultThreads } from '../src/parallel/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = flag('quick');
const n = +opt('n', quick ? '20000' : '100000');
const nq = +opt('queries', '1000');
const dim = +opt('dim', '128');
const nlist = +opt('nlist', quick ? '256' : '1024');
const m = +opt('m', '16');
const m4 = +opt('m4', '32');
const only = opt('only', '').split(',').filter(Boolean);
const kFactor = +opt('kfactor', '4');
const repeats = +opt('repeats', '3');
// --best: queries/s from the fastest of the repeats (the least disturbed by other jobs on a shared
// machine: interference only ever adds time), for knnkit and FAISS alike; default the median
const best = flag('best');
const pick = (xs: number[]) => best ? Math.min(...xs) : median(xs);
const nprobes = opt('nprobe', '1,2,4,8,16,32,64').split(',').map(Number);
const K = 10;
const cores = defaultThreads();

const X = gaussianClusters(n, dim, 100, 42);
const Q = gaussianClusters(nq, dim, 100, 43);
console.log(`data: ${n} x ${dim} (100 gaussian clusters), ${nq} queries, k = ${K}, nlist = ${nlist}, m = ${m} (nbits 8), m4 = ${m4} (nbits 4, fast scan), kFactor = ${kFactor}, one thread (knnkit threads: 1, FAISS omp 1), builds also on ${cores} threads`);
let t0 = performance.now();
const gt = new BruteForce(X).search(Q, K).indices;
console.log(`ground truth (knnkit brute force): ${fmt((performance.now() - t0) / 1000, 1)} s`);

function recall(ids: Int32Array): number {
  let hit = 0;
  for (let q = 0; q < nq; q++) {
    const t = new Set(gt.subarray(q * K, q * K + K));
    for (let j = 0; j < K; j++) if (t.has(ids[q * K + j])) hit++;
  }
  return hit / (nq * K);
}

// qps: wall clock; cpuQps: queries per CPU second of the searching process (what other jobs on a
// shared machine inflate least); trainCpu: CPU seconds of train + add
interface Row { name: string; train: number; trainCpu: number; bpv: number; runs: { nprobe: number; qps: number; cpuQps: number; recall: number }[] }
const rows: Row[] = [];
const variants: [string, string, Record<string, unknown>, Record<string, unknown>][] = [
  ['knnkit ivf-flat', 'ivf-flat', { nlist }, {}],
  ['knnkit ivf-pq', 'ivf-pq', { nlist, m }, {}],
  ['knnkit ivf-pq+refine', 'ivf-pq', { nlist, m, refine: true }, { kFactor }],
  [`knnkit IVF${nlist},PQ${m4}x4fs,RFlat`, `IVF${nlist},PQ${m4}x4fs,RFlat`, {}, { kFactor }],
];
const keys = ['ivf-flat', 'ivf-pq', 'ivf-pq+refine', 'fs+refine'];
const want = (key: string) => !only.length || only.includes(key);
for (const [vi, [name, kind, opts, sp]] of variants.entries()) {
  if (only.length && !only.includes(keys[vi])) continue;
  t0 = performance.now();
  const c0 = cpuNow();
  // train + add as createIndex does, with the memory of the trained empty index in between
  const idx = emptyIndex(kind, dim, { ...opts, threads: 1 });
  idx.train(X);
  const fixed = idx.memoryUsage();
  idx.add(X);
  const train = (performance.now() - t0) / 1000;
  const trainCpu = cpuNow() - c0;
  // bytes per vector: what the vectors add (codes, labels, list slack), beside FAISS's code_size + 8-byte id
  const bpv = (idx.memoryUsage() - fixed) / n;
  const runs = nprobes.map((nprobe) => {
    // warm-up: the whole query set once (as faiss_ivf.py), so that V8 has optimised the search's
    // JavaScript before the timed runs (its background compiles otherwise land in their CPU time)
    idx.search(Q, K, { nprobe, ...sp });
    const secs: number[] = [], cpus: number[] = [];
    let ids: Int32Array = new Int32Array(0);
    for (let r = 0; r < repeats; r++) {
      const s = performance.now(), c = cpuNow();
      ids = idx.search(Q, K, { nprobe, ...sp }).indices;
      secs.push((performance.now() - s) / 1000); cpus.push(cpuNow() - c);
    }
    return { nprobe, qps: nq / pick(secs), cpuQps: nq / pick(cpus), recall: recall(ids) };
  });
  rows.push({ name, train, trainCpu, bpv, runs });
  console.log(`${name}: build (train + add) ${fmt(train, 1)} s, ${fmt(bpv, 1)} B/vector + ${fmt(fixed / 1e6, 1)} MB fixed (centroids, codebooks, tables)`);
}

const py = join(here, '.venv', 'bin', 'python');
if (!flag('no-peer') && existsSync(py) && (!only.length || only.some((k) => keys.includes(k)))) {
  withTempDir('knnkit-quant-', (dir) => {
    const bf = join(dir, 'base.f32'), qf = join(dir, 'q.f32'), gf = join(dir, 'gt.i32');
    writeFileSync(bf, new Uint8Array(X.data.buffer, X.data.byteOffset, X.data.byteLength));
    writeFileSync(qf, new Uint8Array(Q.data.buffer, Q.data.byteOffset, Q.data.byteLength));
    writeFileSync(gf, new Uint8Array(gt.buffer, gt.byteOffset, gt.byteLength));
    const envs = openblasSettings();
    type FaissOut = { faiss: string; indexes: { name: string; train_s: number; add_s: number; train_cpu_s: number; bytes_per_vector: number; runs: { nprobe: number; median_s: number; median_cpu_s: number; best_s: number; best_cpu_s: number; recall: number }[] }[] };
    let best: { label: string; out: FaissOut; patch: Record<string, string | undefined> } | null = null;
    for (const [label, patch] of envs) {
      const env = envWith(patch, { OMP_NUM_THREADS: '1' });
      const r = spawnSync(py, [join(here, 'faiss_ivf.py'), bf, qf, gf, String(dim), String(K), String(nlist), String(m), nprobes.join(','), String(repeats), String(kFactor), String(m4), only.join(',') || '-'], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
      if (r.status !== 0) { console.log(`FAISS (${label}) failed: ${lastErrorLine(r)}`); continue; }
      const out: FaissOut = lastJson<FaissOut>(r.stdout);
      const tr = out.indexes.reduce((a, x) => a + x.train_s + x.add_s, 0);
      console.log(`FAISS ${out.faiss} (${label}): train + add ${out.indexes.map((x) => `${x.name} ${fmt(x.train_s + x.add_s, 1)} s`).join(', ')}`);
      if (!best || tr < best.out.indexes.reduce((a, x) => a + x.train_s + x.add_s, 0)) best = { label, out, patch };
    }
    if (best) {
      for (const ix of best.out.indexes) {
        rows.push({ name: `FAISS ${ix.name} [${best.label}]`, train: ix.train_s + ix.add_s, trainCpu: ix.train_cpu_s, bpv: ix.bytes_per_vector, runs: ix.runs.map((r) => ({ nprobe: r.nprobe, qps: nq / (best ? r.best_s : r.median_s), cpuQps: nq / (best ? r.best_cpu_s : r.median_cpu_s), recall: r.recall })) });
      }
    }
    // ivf-flat's train + add on every core, both sides at their defaults: knnkit's threads (every
    // core), FAISS's OpenMP threads (OMP_NUM_THREADS unset) in its fastest OpenBLAS setting above
    if (best && want('ivf-flat') && cores > 1) {
      const t = performance.now(), c = cpuNow();
      const all = emptyIndex('ivf-flat', dim, { nlist });
      all.train(X); all.add(X);
      const kw = (performance.now() - t) / 1000, kc = cpuNow() - c;
      const env: Record<string, string | undefined> = { ...process.env };
      delete env.OMP_NUM_THREADS;
      for (const [k, v] of Object.entries(best.patch)) { if (v === undefined) delete env[k]; else env[k] = v; }
      const r = spawnSync(py, [join(here, 'faiss_ivf.py'), bf, qf, gf, String(dim), String(K), String(nlist), String(m), '-', '1', String(kFactor), String(m4), 'ivf-flat', '0'], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
      if (r.status !== 0) console.log(`FAISS (every core) failed: ${lastErrorLine(r)}`);
      else {
        const out = lastJson<FaissOut & { threads: number }>(r.stdout), ix = out.indexes[0], fw = ix.train_s + ix.add_s;
        console.log(`ivf-flat train + add on every core: knnkit (threads ${cores}) ${fmt(kw, 1)} s wall, ${fmt(kc, 1)} CPU s; FAISS IVFFlat (${out.threads} OpenMP threads, ${best.label}) ${fmt(fw, 1)} s wall, ${fmt(ix.train_cpu_s, 1)} CPU s: ${fmt(kw / fw, 2)}x wall, ${fmt(kc / ix.train_cpu_s, 2)}x CPU`);
      }
    }
  });
} else if (!flag('no-peer') && (!only.length || only.some((k) => keys.includes(k)))) {
  console.log('FAISS: bench/.venv missing (bash bench/setup-python.sh builds it from local wheels): peer skipped');
}

if (want('lancedb') && !flag('no-peer')) {
  if (!existsSync(join(here, 'node_modules', '@lancedb', 'lancedb'))) console.log('LanceDB: bench/node_modules/@lancedb/lancedb missing (cd bench && npm ci): peer skipped');
  else withTempDir('knnkit-lance-', (dir) => {
    const bf = join(dir, 'base.f32'), qf = join(dir, 'q.f32'), gf = join(dir, 'gt.i32');
    writeFileSync(bf, new Uint8Array(X.data.buffer, X.data.byteOffset, X.data.byteLength));
    writeFileSync(qf, new Uint8Array(Q.data.buffer, Q.data.byteOffset, Q.data.byteLength));
    writeFileSync(gf, new Uint8Array(gt.buffer, gt.byteOffset, gt.byteLength));
    // LANCE_CPU_THREADS only: LANCE_IO_THREADS=1 deadlocks LanceDB 0.31.0 (its query never returns)
    const env = { ...process.env, LANCE_CPU_THREADS: '1' };
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'lancedb_ivfpq.ts'), bf, qf, gf, String(dim), String(K), String(nlist), String(m), nprobes.join(','), String(repeats), 'l2', String(kFactor)], { env, encoding: 'utf8', maxBuffer: 1 << 26, cwd: here });
    if (r.status !== 0) { console.log(`LanceDB failed: ${lastErrorLine(r)}`); return; }
    type LanceOut = { lancedb: string; threads: string; indexes: { name: string; train_s: number; add_s: number; bytes_per_vector: number; runs: { nprobe: number; median_s: number; recall: number }[] }[] };
    const out = lastJson<LanceOut>(r.stdout);
    for (const ix of out.indexes) rows.push({ name: `${ix.name} ${out.lancedb}`, train: ix.train_s + ix.add_s, trainCpu: NaN, bpv: ix.bytes_per_vector, runs: ix.runs.map((x) => ({ nprobe: x.nprobe, qps: nq / x.median_s, cpuQps: NaN, recall: x.recall })) });
    console.log(`LanceDB ${out.lancedb} (LANCE_CPU_THREADS=${out.threads}): table ${fmt(out.indexes[0].add_s, 1)} s, IVF_PQ index ${fmt(out.indexes[0].train_s, 1)} s`);
  });
}

console.log(`\nrecall@${K} / queries per second (${best ? 'best' : 'median'} of ${repeats}), one thread`);
console.log(['index'.padEnd(44), 'build s', 'cpu s', 'B/vec', ...nprobes.map((p) => `nprobe ${p}`.padStart(17))].join(' '));
for (const r of rows) {
  console.log([r.name.padEnd(44), fmt(r.train, 1).padStart(7), fmt(r.trainCpu, 1).padStart(5), fmt(r.bpv, 1).padStart(5), ...r.runs.map((x) => `${x.recall.toFixed(3)} / ${fmt(x.qps)}`.padStart(17))].join(' '));
}
console.log(`queries per CPU second of the process (same runs)`);
for (const r of rows) {
  if (!r.runs.some((x) => Number.isFinite(x.cpuQps))) continue;
  console.log([r.name.padEnd(44), ''.padStart(7), ''.padStart(5), ''.padStart(5), ...r.runs.map((x) => `${x.recall.toFixed(3)} / ${fmt(x.cpuQps)}`.padStart(17))].join(' '));
}

/** The points no other point beats on both recall and speed. */
function frontier<T extends { qps: number; recall: number }>(pts: T[]): T[] {
  return pts.filter((p) => !pts.some((o) => o !== p && o.recall >= p.recall && o.qps > p.qps));
}

/** Queries/s at recall@10 = target, interpolated between the sweep's points (NaN when never reached). */
function qpsAt(runs: { qps: number; recall: number }[], target: number): number {
  const pts = [...runs].sort((a, b) => a.recall - b.recall);
  for (let i = 0; i < pts.length; i++) {
    if (pts[i].recall < target) continue;
    if (i === 0) return pts[0].qps;
    const a = pts[i - 1], b = pts[i], t = (target - a.recall) / (b.recall - a.recall || 1);
    return a.qps + t * (b.qps - a.qps);
  }
  return NaN;
}

// queries/s at recall@10 = 0.9 along each row's nprobe sweep, and knnkit against each FAISS row
// of the same family (the issue's targets: ivf-flat >= 0.7x, fast scan + refine >= 0.5x)
{
  const cpuRuns = (r: Row) => r.runs.map((x) => ({ qps: x.cpuQps, recall: x.recall }));
  const at = rows.map((r) => ({ name: r.name, qps: qpsAt(frontier(r.runs), 0.9), cpuQps: qpsAt(frontier(cpuRuns(r)), 0.9), train: r.train, trainCpu: r.trainCpu }));
  console.log(`\nat recall@10 = 0.9 (interpolated; "-" where the sweep never reaches it; raise --nprobe / --kfactor): ` + at.map((a) => `${a.name} ${Number.isFinite(a.qps) ? fmt(a.qps) : '-'}`).join('; '));
  const pair = (mine: string, theirs: RegExp, target: string) => {
    const a = at.find((x) => x.name === mine), bs = at.filter((x) => theirs.test(x.name));
    for (const b of bs) if (a && Number.isFinite(a.qps) && Number.isFinite(b.qps)) console.log(`  ${mine} / ${b.name}: ${fmt(a.qps / b.qps, 2)}x${target}, per CPU second ${fmt(a.cpuQps / b.cpuQps, 2)}x; build ${fmt(a.train / b.train, 2)}x (CPU ${fmt(a.trainCpu / b.trainCpu, 2)}x; target <= 2x)`);
  };
  pair('knnkit ivf-flat', /^FAISS IVFFlat/, ' (target >= 0.7x)');
  pair('knnkit ivf-pq', /^FAISS IVFPQ \[/, '');
  pair('knnkit ivf-pq+refine', /^FAISS IVFPQ\+RFlat/, '');
  pair(`knnkit IVF${nlist},PQ${m4}x4fs,RFlat`, new RegExp(`^FAISS IVFPQ${m4}x4(fs)?\\+RFlat`), ' (target >= 0.5x)');
}

if (want('scann')) {
  const leaves = opt('leaves', '1,2,4,8,16,32,64').split(',').map(Number);
  const efs = opt('ef', '10,20,40,80,160,320').split(',').map(Number);
  const reorders = opt('reorder', '40,100').split(',').map(Number);
  const spread = +opt('spread', '10');
  const all = normalizeRows(gaussianClusters(n + nq, dim, 100, 42, spread));
  const XI = { kind: 'dense' as const, data: all.data.subarray(0, n * dim), rows: n, cols: dim };
  const QI = { kind: 'dense' as const, data: all.data.subarray(n * dim), rows: nq, cols: dim };
  const gtI = new BruteForce(XI, { metric: 'ip' }).search(QI, K).indices;
  const rec = (ids: Int32Array) => {
    let hit = 0;
    for (let q = 0; q < nq; q++) { const t = new Set(gtI.subarray(q * K, q * K + K)); for (let j = 0; j < K; j++) if (t.has(ids[q * K + j])) hit++; }
    return hit / (nq * K);
  };
  const sweep = (idx: ReturnType<typeof createIndex>, param: string, values: number[], extra: Record<string, unknown>) => values.map((v) => {
    idx.search({ data: QI.data.subarray(0, 32 * dim), rows: 32, cols: dim }, K, { [param]: v, ...extra });
    const secs: number[] = [], cpus: number[] = [];
    let ids: Int32Array = new Int32Array(0);
    for (let r = 0; r < repeats; r++) {
      const s0 = performance.now(), c0 = cpuNow();
      ids = idx.search(QI, K, { [param]: v, ...extra }).indices;
      secs.push((performance.now() - s0) / 1000); cpus.push(cpuNow() - c0);
    }
    // wall-clock q/s, and q per CPU second (what other jobs on a shared machine inflate least)
    return { p: v, qps: nq / median(secs), cpuQps: nq / median(cpus), recall: rec(ids) };
  });
  console.log(`\ninner-product set: ${n} x ${dim} unit-normalised (100 gaussian clusters, spread ${spread}), ${nq} held-out queries, k = ${K}, one thread`);
  const out: { name: string; build: number; bpv: number; param: string; runs: { p: number; qps: number; cpuQps: number; recall: number }[] }[] = [];
  let t1 = performance.now();
  const sc = createIndex('scann', XI, { metric: 'ip' });
  const scBuild = (performance.now() - t1) / 1000;
  for (const reorderK of reorders) out.push({ name: `knnkit scann (T ${sc.options.threshold}, reorderK ${reorderK})`, build: scBuild, bpv: dim / 4 + 4 + 4 * dim, param: 'leaves', runs: sweep(sc, 'leavesToSearch', leaves, { reorderK }) });
  t1 = performance.now();
  const hn = createIndex('hnsw', XI, { metric: 'ip' });
  const hnBuild = (performance.now() - t1) / 1000;
  out.push({ name: 'knnkit hnsw (M 16, efConstruction 200)', build: hnBuild, bpv: NaN, param: 'ef', runs: sweep(hn, 'ef', efs, {}) });
  for (const r of out) {
    console.log(`${r.name.padEnd(44)} build ${fmt(r.build, 1)} s  ` + r.runs.map((x) => `${r.param} ${x.p}: ${x.recall.toFixed(3)} / ${fmt(x.qps)} (cpu ${fmt(x.cpuQps)})`).join('  '));
  }
  const cpuPts = (rs: typeof out) => rs.flatMap((r) => r.runs.map((x) => ({ qps: x.cpuQps, recall: x.recall })));
  const ca = qpsAt(frontier(cpuPts(out.slice(0, reorders.length))), 0.9), cb = qpsAt(frontier(cpuPts(out.slice(-1))), 0.9);
  console.log(`at recall@10 = 0.9, per CPU second: scann ${fmt(ca)} q/s, hnsw ${fmt(cb)} q/s, ratio ${fmt(ca / cb, 2)}`);
  const a = qpsAt(frontier(out.slice(0, reorders.length).flatMap((r) => r.runs)), 0.9), b = qpsAt(frontier(out[out.length - 1].runs), 0.9);
  console.log(`at recall@10 = 0.9: scann ${fmt(a)} q/s, hnsw ${fmt(b)} q/s, ratio ${fmt(a / b, 2)} (target >= 1.5)`);
}
