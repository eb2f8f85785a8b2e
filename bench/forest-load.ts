// Load time of a large rp-forest from its file, in a fresh process, against rebuilding it and
// against loading an HNSW index (issue 15: "bounded by reading the file").
// Usage: node --import tsx bench/forest-load.ts [--n 1000000] [--trees 10] [--hnsw-n 300000]
//        [--repeats 3] [--dir /tmp] [--hnsw-file F]
// (--hnsw-file: an HNSW index of the first hnsw-n rows saved by bench:hnsw --save-index, whose
// build then is not repeated here)
// Data: gaussianClusters (100 clusters, seed 42) n x 128. Builds the forest (one thread: the
// contract's build is synchronous), saves it, then for each way of loading spawns a fresh Node
// process that times only the load (imports excluded) and one search of 100 queries after it;
// the file is in the page cache after the save (warm reads; dropping caches needs root).
// HNSW (M 16, efConstruction 200) is built on the first hnsw-n rows with the parallel build on
// every core (--hnsw-n 1000000: an HNSW index of the forest's own rows), beside a forest of the
// same rows, saved and loaded the same way.
import { defaultThreads } from '../src/parallel/index.js';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { gaussianClusters } from '../test/helpers/data.js';
import { createIndex } from '../src/index/api.js';
import { saveIndex, loadIndex, indexFromBytes } from '../src/index/persist.js';
import type { DenseMatrix } from '../src/core/matrix.js';
import { opt, median } from './common.js';

const dim = 128, K = 10;
const MB = (b: number) => (b / 1048576).toFixed(0);

/** Child: `--child FILE MODE QUERIES`; prints one JSON line with the load and first-search times. */
async function child(file: string, mode: string, qfile: string): Promise<void> {
  const qb = readFileSync(qfile);
  const Q: DenseMatrix = { kind: 'dense', data: new Float32Array(qb.buffer.slice(qb.byteOffset, qb.byteOffset + qb.byteLength)), rows: qb.byteLength / 4 / dim, cols: dim };
  const t0 = performance.now();
  if (mode === 'read') {
    const b = readFileSync(file);
    console.log(JSON.stringify({ loadS: (performance.now() - t0) / 1000, rssMB: process.memoryUsage().rss / 1048576, bytes: b.length }));
    return;
  }
  if (mode === 'read+view') {
    // the view load in two timed steps: reading the file (sync, one pass) and laying the index
    // over the bytes (no CRC: header parse, section table, the forest's structural check)
    const b = readFileSync(file);
    const readS = (performance.now() - t0) / 1000, t1 = performance.now();
    const idx = indexFromBytes(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), { view: true, verify: false });
    const viewS = (performance.now() - t1) / 1000, t2 = performance.now();
    idx.search(Q, K);
    console.log(JSON.stringify({ loadS: readS + viewS, readS, viewS, searchS: (performance.now() - t2) / 1000, rssMB: process.memoryUsage().rss / 1048576 }));
    return;
  }
  const idx = await loadIndex(file, mode === 'copy' ? {} : { view: true, verify: mode !== 'view-noverify' });
  const loadS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  idx.search(Q, K);
  console.log(JSON.stringify({ loadS, searchS: (performance.now() - t1) / 1000, rssMB: process.memoryUsage().rss / 1048576 }));
}

interface Run { loadS: number; searchS: number; rssMB: number; procS: number; readS?: number; viewS?: number }
function fresh(file: string, mode: string, qfile: string, repeats: number): Run {
  const runs: Run[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    const p = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', file, mode, qfile], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (p.status !== 0) throw new Error(`child ${mode} failed: ${p.stderr.split('\n').slice(-5).join(' ')}`);
    runs.push({ ...JSON.parse(p.stdout.trim().split('\n').pop()!), procS: (performance.now() - t0) / 1000 });
  }
  const m = (f: (x: typeof runs[number]) => number) => median(runs.map(f));
  return { loadS: m((x) => x.loadS), searchS: m((x) => x.searchS ?? NaN), rssMB: m((x) => x.rssMB), procS: m((x) => x.procS), readS: m((x) => x.readS ?? NaN), viewS: m((x) => x.viewS ?? NaN) };
}

function report(what: string, file: string, qfile: string, repeats: number, buildS: number): void {
  console.log(`${what}: file ${MB(statSync(file).size)} MB, build ${buildS.toFixed(1)} s`);
  const labels: Record<string, string> = { read: 'readFileSync alone', 'read+view': 'readFileSync + fromBytes view', 'view-noverify': 'loadIndex view, verify false', view: 'loadIndex view, CRC checked', copy: 'loadIndex copy' };
  for (const mode of Object.keys(labels)) {
    const r = fresh(file, mode, qfile, repeats);
    const label = labels[mode];
    const split = Number.isFinite(r.viewS) ? ` (read ${r.readS!.toFixed(3)} + view ${r.viewS!.toFixed(3)})` : '';
    console.log(`  ${label.padEnd(30)} ${r.loadS.toFixed(3)} s${split}${Number.isFinite(r.searchS) ? `, then 100 queries ${(r.searchS * 1000).toFixed(0)} ms` : ''}; RSS ${r.rssMB.toFixed(0)} MB; process ${r.procS.toFixed(2)} s`);
  }
}

async function main(): Promise<void> {
  const n = +opt('n', '1000000'), trees = +opt('trees', '10'), hn = +opt('hnsw-n', '300000'), repeats = +opt('repeats', '3');
  const dir = mkdtempSync(join(opt('dir', '/tmp'), 'knnkit-forest-load-'));
  try {
    const all = gaussianClusters(n + 100, dim, 100, 42);
    const X: DenseMatrix = { kind: 'dense', data: all.data.subarray(0, n * dim), rows: n, cols: dim };
    const qfile = join(dir, 'q.f32');
    writeFileSync(qfile, all.data.slice(n * dim));
    const sub = (m: number): DenseMatrix => ({ kind: 'dense', data: all.data.subarray(0, m * dim), rows: m, cols: dim });
    for (const [what, data, withHnsw] of [[`rp-forest ${n} x ${dim}, ${trees} trees`, X, false], [`rp-forest ${hn} x ${dim}, ${trees} trees`, sub(hn), true]] as const) {
      let t0 = performance.now();
      const f = createIndex('rp-forest', data, { nTrees: trees });
      const buildS = (performance.now() - t0) / 1000;
      const file = join(dir, 'forest.knnkit');
      t0 = performance.now();
      await saveIndex(f, file);
      console.log(`${what}: saved in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      report(what, file, qfile, repeats, buildS);
      rmSync(file);
      const hnswFile = opt('hnsw-file', '');
      if (withHnsw && hnswFile) {
        report(`hnsw ${hn} x ${dim}, M 16, efConstruction 200, from ${hnswFile}`, hnswFile, qfile, repeats, NaN);
      } else if (withHnsw) {
        t0 = performance.now();
        // on every core (the parallel build), so that an HNSW index of the forest's own 1M rows fits a run
        const h = createIndex('hnsw', data, { threads: defaultThreads() });
        const hb = (performance.now() - t0) / 1000;
        const hf = join(dir, 'hnsw.knnkit');
        await saveIndex(h, hf);
        report(`hnsw ${hn} x ${dim}, M 16, efConstruction 200, built on ${defaultThreads()} threads`, hf, qfile, repeats, hb);
        rmSync(hf);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ci = process.argv.indexOf('--child');
if (ci >= 0) await child(process.argv[ci + 1], process.argv[ci + 2], process.argv[ci + 3]);
else await main();
