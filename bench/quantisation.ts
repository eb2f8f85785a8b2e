// Quantisation benchmark: knnkit's ivf-flat, ivf-pq, ivf-pq + refine and the 4-bit fast scan
// (ivf-pq nbits 4, + refine) against FAISS's IndexIVFFlat, IndexIVFPQ, IndexRefineFlat(IndexIVFPQ)
// and IndexRefineFlat(IndexIVFPQFastScan), same nlist, m, nbits, k_factor, one thread, in the
// same run. Usage:
//   node --import tsx bench/quantisation.ts [--quick] [--n 100000] [--queries 1000] [--dim 128]
//        [--nlist 1024] [--m 16] [--m4 32] [--nprobe 1,2,4,8,16,32,64] [--repeats 3] [--kfactor 4]
//        [--only ivf-flat,ivf-pq,ivf-pq+refine,fs+refine] [--no-peer]
// Data: gaussianClusters (100 clusters, seed 42), queries from the same clusters (seed 43);
// ground truth: knnkit's exact brute force. FAISS runs three times: OPENBLAS_CORETYPE /
// OPENBLAS_L2_SIZE unset, as set in this environment, and OPENBLAS_CORETYPE=SkylakeX; the
// fastest training is reported beside the setting it ran with.
import { existsSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { gaussianClusters } from '../test/helpers/data.js';
import { emptyIndex } from '../src/index/api.js';
import { BruteForce } from '../src/search/brute-force/brute-force.js';
import { flag, opt, median, fmt, withTempDir, lastJson, lastErrorLine } from './common.js';

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
const nprobes = opt('nprobe', '1,2,4,8,16,32,64').split(',').map(Number);
const K = 10;

const X = gaussianClusters(n, dim, 100, 42);
const Q = gaussianClusters(nq, dim, 100, 43);
console.log(`data: ${n} x ${dim} (100 gaussian clusters), ${nq} queries, k = ${K}, nlist = ${nlist}, m = ${m} (nbits 8), m4 = ${m4} (nbits 4, fast scan), kFactor = ${kFactor}, one thread`);
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

interface Row { name: string; train: number; bpv: number; runs: { nprobe: number; qps: number; recall: number }[] }
const rows: Row[] = [];
const variants: [string, string, Record<string, unknown>, Record<string, unknown>][] = [
  ['knnkit ivf-flat', 'ivf-flat', { nlist }, {}],
  ['knnkit ivf-pq', 'ivf-pq', { nlist, m }, {}],
  ['knnkit ivf-pq+refine', 'ivf-pq', { nlist, m, refine: true }, { kFactor }],
  [`knnkit IVF${nlist},PQ${m4}x4fs,RFlat`, `IVF${nlist},PQ${m4}x4fs,RFlat`, {}, { kFactor }],
];
const keys = ['ivf-flat', 'ivf-pq', 'ivf-pq+refine', 'fs+refine'];
for (const [vi, [name, kind, opts, sp]] of variants.entries()) {
  if (only.length && !only.includes(keys[vi])) continue;
  t0 = performance.now();
  // train + add as createIndex does, with the memory of the trained empty index in between
  const idx = emptyIndex(kind, dim, opts);
  idx.train(X);
  const fixed = idx.memoryUsage();
  idx.add(X);
  const train = (performance.now() - t0) / 1000;
  // bytes per vector: what the vectors add (codes, labels, list slack), beside FAISS's code_size + 8-byte id
  const bpv = (idx.memoryUsage() - fixed) / n;
  const runs = nprobes.map((nprobe) => {
    idx.search({ data: Q.data.subarray(0, 32 * dim), rows: 32, cols: dim }, K, { nprobe, ...sp });
    const secs: number[] = [];
    let ids: Int32Array = new Int32Array(0);
    for (let r = 0; r < repeats; r++) {
      const s = performance.now();
      ids = idx.search(Q, K, { nprobe, ...sp }).indices;
      secs.push((performance.now() - s) / 1000);
    }
    return { nprobe, qps: nq / median(secs), recall: recall(ids) };
  });
  rows.push({ name, train, bpv, runs });
  console.log(`${name}: build (train + add) ${fmt(train, 1)} s, ${fmt(bpv, 1)} B/vector + ${fmt(fixed / 1e6, 1)} MB fixed (centroids, codebooks, tables)`);
}

const py = join(here, '.venv', 'bin', 'python');
if (!flag('no-peer') && existsSync(py)) {
  withTempDir('knnkit-quant-', (dir) => {
    const bf = join(dir, 'base.f32'), qf = join(dir, 'q.f32'), gf = join(dir, 'gt.i32');
    writeFileSync(bf, new Uint8Array(X.data.buffer, X.data.byteOffset, X.data.byteLength));
    writeFileSync(qf, new Uint8Array(Q.data.buffer, Q.data.byteOffset, Q.data.byteLength));
    writeFileSync(gf, new Uint8Array(gt.buffer, gt.byteOffset, gt.byteLength));
    const envs: [string, Record<string, string | undefined>][] = [
      ['OPENBLAS_* unset', { OPENBLAS_CORETYPE: undefined, OPENBLAS_L2_SIZE: undefined }],
      [`as set (${process.env.OPENBLAS_CORETYPE ?? '-'} / ${process.env.OPENBLAS_L2_SIZE ?? '-'})`, {}],
      ['OPENBLAS_CORETYPE=SkylakeX', { OPENBLAS_CORETYPE: 'SkylakeX' }],
    ];
    type FaissOut = { faiss: string; indexes: { name: string; train_s: number; add_s: number; bytes_per_vector: number; runs: { nprobe: number; median_s: number; recall: number }[] }[] };
    let best: { label: string; out: FaissOut } | null = null;
    for (const [label, patch] of envs) {
      const env: Record<string, string | undefined> = { ...process.env, OMP_NUM_THREADS: '1' };
      for (const [k, v] of Object.entries(patch)) { if (v === undefined) delete env[k]; else env[k] = v; }
      const r = spawnSync(py, [join(here, 'faiss_ivf.py'), bf, qf, gf, String(dim), String(K), String(nlist), String(m), nprobes.join(','), String(repeats), String(kFactor), String(m4), only.join(',') || '-'], { env: env as NodeJS.ProcessEnv, encoding: 'utf8', maxBuffer: 1 << 26 });
      if (r.status !== 0) { console.log(`FAISS (${label}) failed: ${lastErrorLine(r)}`); continue; }
      const out: FaissOut = lastJson<FaissOut>(r.stdout);
      const tr = out.indexes.reduce((a, x) => a + x.train_s + x.add_s, 0);
      console.log(`FAISS ${out.faiss} (${label}): train + add ${out.indexes.map((x) => `${x.name} ${fmt(x.train_s + x.add_s, 1)} s`).join(', ')}`);
      if (!best || tr < best.out.indexes.reduce((a, x) => a + x.train_s + x.add_s, 0)) best = { label, out };
    }
    if (best) {
      for (const ix of best.out.indexes) {
        rows.push({ name: `FAISS ${ix.name} [${best.label}]`, train: ix.train_s + ix.add_s, bpv: ix.bytes_per_vector, runs: ix.runs.map((r) => ({ nprobe: r.nprobe, qps: nq / r.median_s, recall: r.recall })) });
      }
    }
  });
} else if (!flag('no-peer')) {
  console.log('FAISS: bench/.venv missing (bash bench/setup-python.sh builds it from local wheels): peer skipped');
}

console.log(`\nrecall@${K} / queries per second (median of ${repeats}), one thread`);
console.log(['index'.padEnd(44), 'build s', 'B/vec', ...nprobes.map((p) => `nprobe ${p}`.padStart(17))].join(' '));
for (const r of rows) {
  console.log([r.name.padEnd(44), fmt(r.train, 1).padStart(7), fmt(r.bpv, 1).padStart(5), ...r.runs.map((x) => `${x.recall.toFixed(3)} / ${fmt(x.qps)}`.padStart(17))].join(' '));
}
