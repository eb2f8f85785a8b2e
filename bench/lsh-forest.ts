// LSH and random-projection forest benchmark: knnkit's `lsh` (p-stable / SimHash, plain and
// multi-probe, FAISS-IndexLSH mode) and `rp-forest` (nTrees 10, 50, 100) beside knnkit's HNSW
// and FAISS IndexLSH (bench/faiss_lsh.py, when bench/.venv exists), one thread, same run.
// Usage: node --import tsx bench/lsh-forest.ts [--n 100000] [--queries 300] [--repeats 3]
//        [--sets clustered,sift4900] [--no-peer] [--no-hnsw] [--json out.json]
// Data: gaussianClusters (100 clusters, seed 42) n x 128 with queries from the same clusters,
// then ../shared/data/ngt_sift4900_{base,query}.fvecs. Recall@10 against knnkit's exact search.
// Also: the forest's view-load time against its rebuild and against loading an HNSW index.
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { gaussianClusters } from '../test/helpers/data.js';
import { createIndex } from '../src/index/api.js';
import { saveIndex, loadIndex } from '../src/index/persist.js';
import type { VectorIndex } from '../src/index/types.js';
import type { ManagedIndex } from '../src/index/managed-index.js';
import type { ForestCore } from '../src/index/rp-forest/forest-core.js';
import { tuneLsh } from '../src/index/lsh/tune.js';
import { readDataset } from '../src/io/index.js';
import type { DenseMatrix } from '../src/core/matrix.js';
import { args, flag, opt, median, fmt, lastJson, lastErrorLine } from './common.js';

const here = dirname(fileURLToPath(import.meta.url));
const n = +opt('n', '100000'), nq = +opt('queries', '300'), repeats = +opt('repeats', '3'), K = 10, dim = 128;
const rows: Record<string, unknown>[] = [];
void args;

function recall(ids: Int32Array, truth: Int32Array): number {
  let hit = 0;
  for (let q = 0; q < truth.length / K; q++) {
    const t = new Set(truth.subarray(q * K, q * K + K));
    for (const i of ids.subarray(q * K, q * K + K)) if (t.has(i)) hit++;
  }
  return hit / truth.length;
}
/**
 * A peer's int32 ids. readFileSync returns files under 4 KiB as a view into Node's shared 8 KiB
 * Buffer pool (byteOffset > 0), so `.buffer` alone would start at someone else's bytes: on
 * sift4900 (100 queries x 10 ids = 4,000 bytes) that shifted every FAISS row (recall 0.003).
 */
function readIds(path: string): Int32Array {
  const b = readFileSync(path);
  return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
function time<T>(fn: () => T): { s: number; v: T } { const t0 = performance.now(); const v = fn(); return { s: (performance.now() - t0) / 1000, v }; }
const MB = (b: number) => (b / 1048576).toFixed(1);

function report(set: string, family: string, config: string, param: string, ids: Int32Array, truth: Int32Array, secs: number, bytes: number, buildS: number): void {
  const r = { set, family, config, param, recall: recall(ids, truth), qps: truth.length / K / secs, memMB: bytes / 1048576, buildS };
  rows.push(r);
  console.log(`${set.padEnd(9)} ${family.padEnd(13)} ${config.padEnd(30)} ${param.padEnd(14)} recall@10 ${r.recall.toFixed(3)}  ${fmt(r.qps).padStart(7)} q/s  ${MB(bytes).padStart(7)} MB  build ${buildS.toFixed(1)} s`);
}

function sweep(set: string, family: string, config: string, idx: VectorIndex, Q: DenseMatrix, truth: Int32Array, param: string, values: (number | undefined)[], buildS: number): void {
  for (const v of values) {
    const p = v === undefined ? {} : { [param]: v };
    idx.search(Q, K, p); // warm-up
    const secs: number[] = [];
    let ids: Int32Array = new Int32Array(0);
    for (let r = 0; r < repeats; r++) { const t = time(() => idx.search(Q, K, p)); secs.push(t.s); ids = t.v.indices; }
    report(set, family, config, v === undefined ? `${param} default` : `${param} ${v}`, ids, truth, median(secs), idx.memoryUsage(), buildS);
  }
}

async function run(set: string, X: DenseMatrix, Q: DenseMatrix, fileTruth?: DenseMatrix): Promise<void> {
  console.log(`\n== ${set}: ${X.rows} x ${X.cols}, ${Q.rows} queries, k = ${K}, 1 thread, median of ${repeats}`);
  const truthL2 = createIndex('brute', X).search(Q, K).indices;
  if (fileTruth) {
    // the set's own ground truth (float64 brute force, data README) against knnkit's, first k columns
    const ft = new Int32Array(Q.rows * K);
    for (let q = 0; q < Q.rows; q++) for (let i = 0; i < K; i++) ft[q * K + i] = fileTruth.data[q * fileTruth.cols + i];
    console.log(`ground truth: knnkit's exact L2 top-${K} agrees with the set's ground-truth file at ${recall(truthL2, ft).toFixed(3)}`);
  }
  const truthCos = createIndex('brute', X, { metric: 'cosine' }).search(Q, K).indices;

  // ---- lsh: K and L from tuneLsh for recall 0.9 without multi-probe, then the same K with multi-probe
  for (const metric of ['euclidean', 'cosine'] as const) {
    const truth = metric === 'cosine' ? truthCos : truthL2;
    const mode = metric === 'cosine' ? 'simhash' : 'pstable';
    const tt = time(() => tuneLsh(X, { metric, targetRecall: 0.9, probes: 1, maxTables: 40, sampleSize: 10000, queries: 100 }));
    const t1 = tt.v;
    console.log(`tuneLsh ${mode} probes 1: K ${t1.bits}, L ${t1.tables} (sample recall ${t1.recall.toFixed(3)}, ${t1.candidates.toFixed(0)} candidates) in ${tt.s.toFixed(1)} s`);
    const mp = tuneLsh(X, { metric, targetRecall: 0.9, probes: 16, maxTables: 40, sampleSize: 10000, queries: 100, bits: t1.bits, w: t1.w });
    console.log(`tuneLsh ${mode} probes 16, same K: L ${mp.tables} (sample recall ${mp.recall.toFixed(3)}): ${(t1.tables / mp.tables).toFixed(1)}x fewer tables`);
    const plain = time(() => createIndex('lsh', X, { metric, mode, tables: t1.tables, bits: t1.bits, ...(mode === 'pstable' ? { w: t1.w } : {}) }));
    sweep(set, 'lsh', `${mode} K=${t1.bits} L=${t1.tables}`, plain.v, Q, truth, 'probes', [1], plain.s);
    const multi = time(() => createIndex('lsh', X, { metric, mode, tables: mp.tables, bits: t1.bits, ...(mode === 'pstable' ? { w: t1.w } : {}) }));
    sweep(set, 'lsh', `${mode} K=${t1.bits} L=${mp.tables}`, multi.v, Q, truth, 'probes', [1, 4, 16, 64], multi.s);
  }
  const fm = time(() => createIndex('lsh', X, { mode: 'faiss', bits: 2 * X.cols }));
  // probes p re-ranks the p k nearest codes: the FAISS peer's k_factor p below
  sweep(set, 'lsh', `faiss mode nbits=${2 * X.cols}`, fm.v, Q, truthL2, 'probes', [1, 10, 100], fm.s);
  const fm4 = time(() => createIndex('lsh', X, { mode: 'faiss', bits: 4 * X.cols }));
  sweep(set, 'lsh', `faiss mode nbits=${4 * X.cols}`, fm4.v, Q, truthL2, 'probes', [1, 10, 100], fm4.s);

  // ---- rp-forest: one build of 100 trees; its first 10 / 50 trees are the 10- / 50-tree forests
  const fb = time(() => createIndex('rp-forest', X, { nTrees: 100 }) as ManagedIndex);
  console.log(`rp-forest build, 100 trees: ${fb.s.toFixed(1)} s`);
  for (const t of [10, 50, 100]) {
    const core = (fb.v.core as ForestCore).prefix(t);
    const view = { search: (q: DenseMatrix, k: number, p: Record<string, unknown>) => core.search(q, k, p, null), memoryUsage: () => core.memoryUsage() } as unknown as VectorIndex;
    sweep(set, 'rp-forest', `nTrees=${t}`, view, Q, truthL2, 'searchK', [undefined, t * K * 4, t * K * 16], fb.s * t / 100);
  }

  // ---- rp-forest leaf size at the default searchK (Annoy's K = d + 2 is the default): smaller
  // leaves cut the home leaves finer, so the nTrees k candidates come from nearer cells
  if (X.rows <= 20000) {
    for (const leafSize of [16, 40, 65]) {
      const lb = time(() => createIndex('rp-forest', X, { nTrees: 50, leafSize }));
      sweep(set, 'rp-forest', `nTrees=50 leafSize=${leafSize}`, lb.v, Q, truthL2, 'searchK', [undefined], lb.s);
    }
  }

  // ---- knnkit HNSW
  let hnsw: VectorIndex | null = null, hnswBuild = 0;
  if (!flag('no-hnsw')) {
    const hb = time(() => createIndex('hnsw', X));
    hnsw = hb.v; hnswBuild = hb.s;
    sweep(set, 'hnsw', 'M=16 efC=200', hnsw, Q, truthL2, 'ef', [16, 64, 256], hb.s);
  }

  // ---- FAISS IndexLSH (Hamming ranking) and IndexRefineFlat over it (exact re-ranking)
  const py = join(here, '.venv', 'bin', 'python');
  if (!flag('no-peer') && existsSync(py)) {
    const dir = mkdtempSync(join(tmpdir(), 'knnkit-lsh-'));
    try {
      writeFileSync(join(dir, 'x.f32'), X.data.subarray(0, X.rows * X.cols)); writeFileSync(join(dir, 'q.f32'), Q.data);
      const r = spawnSync(py, [join(here, 'faiss_lsh.py'), join(dir, 'x.f32'), join(dir, 'q.f32'), String(X.cols), String(K), `${2 * X.cols},${4 * X.cols}`, '1,10,100', join(dir, 'out')], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
      if (r.status !== 0) console.log(`FAISS: failed (${lastErrorLine(r)})`);
      else {
        const j = lastJson<{ faiss: string; runs: { name: string; nbits: number; k_factor: number; build_s: number; search_s: number; bytes: number }[] }>(r.stdout);
        j.runs.forEach((run, i) => {
          const ids = readIds(join(dir, `out.${i}.i32`));
          report(set, `faiss ${j.faiss}`, `${run.name} nbits=${run.nbits}`, run.k_factor ? `k_factor ${run.k_factor}` : 'hamming', ids, truthL2, run.search_s, run.bytes, run.build_s);
        });
      }
    } finally { rmSync(dir, { recursive: true, force: true }); }
  } else console.log('FAISS: skipped (--no-peer or no bench/.venv; bash bench/setup-python.sh builds it)');

  // ---- loading: the forest's view load against its rebuild and against HNSW's load
  const dir = mkdtempSync(join(tmpdir(), 'knnkit-forest-'));
  try {
    const fp = join(dir, 'forest.knnkit');
    await saveIndex(fb.v, fp);
    const loads: Record<string, number[]> = { 'view, CRC checked': [], 'view, verify false': [], copy: [] };
    for (let r = 0; r < repeats; r++) {
      let t0 = performance.now(); await loadIndex(fp, { view: true }); loads['view, CRC checked'].push((performance.now() - t0) / 1000);
      t0 = performance.now(); await loadIndex(fp, { view: true, verify: false }); loads['view, verify false'].push((performance.now() - t0) / 1000);
      t0 = performance.now(); await loadIndex(fp); loads.copy.push((performance.now() - t0) / 1000);
    }
    const rd: number[] = [];
    for (let r = 0; r < repeats; r++) { const t0 = performance.now(); readFileSync(fp); rd.push((performance.now() - t0) / 1000); }
    const size = statSync(fp).size;
    console.log(`rp-forest (100 trees) file ${MB(size)} MB: readFileSync ${median(rd).toFixed(3)} s; load ${Object.entries(loads).map(([k, v]) => `${k} ${median(v).toFixed(3)} s`).join(', ')}; rebuild ${fb.s.toFixed(1)} s`);
    rows.push({ set, load: 'rp-forest', fileMB: size / 1048576, readS: median(rd), ...Object.fromEntries(Object.entries(loads).map(([k, v]) => [k, median(v)])), rebuildS: fb.s });
    if (hnsw) {
      const hp = join(dir, 'hnsw.knnkit');
      await saveIndex(hnsw, hp);
      const hl: number[] = [];
      for (let r = 0; r < repeats; r++) { const t0 = performance.now(); await loadIndex(hp); hl.push((performance.now() - t0) / 1000); }
      console.log(`hnsw file ${MB(statSync(hp).size)} MB: load ${median(hl).toFixed(3)} s; rebuild ${hnswBuild.toFixed(1)} s`);
      rows.push({ set, load: 'hnsw', fileMB: statSync(hp).size / 1048576, loadS: median(hl), rebuildS: hnswBuild });
    }
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

const sets = opt('sets', 'clustered,sift4900').split(',');
const all = sets.includes('clustered') ? gaussianClusters(n + nq, dim, 100, 42) : null;
if (all) await run('clustered', { kind: 'dense', data: all.data.subarray(0, n * dim), rows: n, cols: dim }, { kind: 'dense', data: all.data.slice(n * dim), rows: nq, cols: dim });
const sift = join(here, '..', '..', 'shared', 'data', 'ngt_sift4900_base.fvecs');
if (!sets.includes('sift4900')) { /* not asked for */ } else if (existsSync(sift)) {
  const X = (await readDataset(sift)).X as DenseMatrix;
  const Q = (await readDataset(sift.replace('base', 'query'))).X as DenseMatrix;
  const G = (await readDataset(sift.replace('base.fvecs', 'groundtruth.ivecs'))).X as DenseMatrix;
  await run('sift4900', X, Q, G);
} else console.log('sift4900: ../shared/data absent, skipped');
const out = opt('json', '');
if (out) writeFileSync(out, JSON.stringify(rows, null, 1));
