// Load time and peak memory of a large HNSW index (issue 12: "a bench reports load time and peak
// RSS of a 1M x 128 HNSW index, copy against view"), each way of loading timed in a fresh Node
// process, imports excluded, the file in the page cache.
// Usage: node --import tsx bench/hnsw-load.ts [--file F] [--n 100000] [--repeats 3] [--queries 1000] [--dir /tmp]
//   --file F: an HNSW index saved by bench:hnsw --save-index (HnswIndex#save, the legacy v2
//             format) or by saveIndex (the index envelope); without it, one is built here on
//             every core from gaussianClusters(n + queries, 128, 100, seed 42) (1M: ~5 min on 2 cores).
// The index is written once more through saveIndex (the envelope) so that both formats are
// measured on the same graph. Ways of loading:
//   read          readFileSync of the envelope alone (the floor: one pass over the bytes)
//   stream        loadIndex(path): header and section table first, then each section read with
//                 positional reads straight into the WebAssembly arena that the kernel searches
//                 (what loadIndex(path, { view: true }) does for HNSW: WebAssembly cannot map
//                 foreign bytes, so reading into its memory is the zero-parse, zero-copy load)
//   stream, no CRC  the same with verify: false
//   bytes         readFileSync + indexFromBytes (fromBytes: the browser's path after fetch): the
//                 file's bytes and the arena are both alive while the sections are copied
//   legacy        loadIndex of the legacy file (whole file read, CRC, then copied)
// Each child prints its load time, peak RSS (VmHWM: the high-water mark, not the RSS at the end), and then the queries/s of `--queries` single-threaded searches (ef 64)
// and a checksum of their ids: every way must give the same answers.
// A last child measures saveIndex's peak memory (the save streams section by section).
import { mkdtempSync, rmSync, writeFileSync, readFileSync, statSync, existsSync, openSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { gaussianClusters } from '../test/helpers/data.js';
import { createIndex } from '../src/index/api.js';
import { saveIndex, loadIndex, indexFromBytes } from '../src/index/persist.js';
import { isEnvelope } from '../src/index/envelope.js';
import { defaultThreads } from '../src/parallel/index.js';
import type { DenseMatrix } from '../src/core/matrix.js';
import { opt, median } from './common.js';

const dim = 128, K = 10;
const MB = (b: number) => (b / 1048576).toFixed(0);
/**
 * Peak RSS of this process in MB: VmHWM from /proc (Linux), the high-water mark of this very
 * process; resourceUsage().maxRSS is not usable here because Linux carries the parent's
 * high-water mark over fork + exec into the child (a child of a 700 MB parent starts at 700 MB).
 */
function maxRssMB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return +m[1] / 1024;
  } catch { /* not Linux */ }
  return process.resourceUsage().maxRSS / 1024;
}

async function child(mode: string, file: string, qfile: string): Promise<void> {
  const qb = readFileSync(qfile);
  const Q: DenseMatrix = { kind: 'dense', data: new Float32Array(qb.buffer.slice(qb.byteOffset, qb.byteOffset + qb.byteLength)), rows: qb.byteLength / 4 / dim, cols: dim };
  const before = maxRssMB();
  const t0 = performance.now();
  if (mode === 'read') {
    const b = readFileSync(file);
    console.log(JSON.stringify({ loadS: (performance.now() - t0) / 1000, peakMB: maxRssMB(), baseMB: before, bytes: b.length }));
    return;
  }
  if (mode === 'save') {
    const idx = await loadIndex(file);
    const loaded = maxRssMB(), t1 = performance.now();
    const out = file + '.resave';
    await saveIndex(idx, out);
    const saveS = (performance.now() - t1) / 1000;
    rmSync(out, { force: true });
    console.log(JSON.stringify({ loadS: saveS, peakMB: maxRssMB(), baseMB: loaded }));
    return;
  }
  const idx = mode === 'bytes'
    ? indexFromBytes(readFileSync(file), { source: file })
    : await loadIndex(file, mode === 'stream-noverify' ? { verify: false } : {});
  const loadS = (performance.now() - t0) / 1000;
  const peakLoad = maxRssMB();
  const t1 = performance.now();
  const r = idx.search(Q, K, { ef: 64 });
  const searchS = (performance.now() - t1) / 1000;
  let sum = 0;
  for (let i = 0; i < r.ids.length; i++) sum = (sum * 31 + Number(r.ids[i])) % 1000000007;
  console.log(JSON.stringify({ loadS, peakMB: peakLoad, baseMB: before, qps: Q.rows / searchS, checksum: sum }));
}

interface Run { loadS: number; peakMB: number; baseMB: number; qps: number; checksum: number }
function fresh(mode: string, file: string, qfile: string, repeats: number): Run {
  const runs: Run[] = [];
  for (let r = 0; r < repeats; r++) {
    const p = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', mode, file, qfile], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (p.status !== 0) throw new Error(`child ${mode} failed: ${p.stderr.split('\n').slice(-5).join(' ')}`);
    runs.push(JSON.parse(p.stdout.trim().split('\n').pop()!) as Run);
  }
  const m = (f: (x: Run) => number) => median(runs.map(f));
  return { loadS: m((x) => x.loadS), peakMB: m((x) => x.peakMB), baseMB: m((x) => x.baseMB), qps: m((x) => x.qps ?? NaN), checksum: runs[0].checksum };
}

async function main(): Promise<void> {
  const repeats = +opt('repeats', '3'), nq = +opt('queries', '1000');
  const dir = mkdtempSync(join(opt('dir', '/tmp'), 'knnkit-hnsw-load-'));
  console.log(`bench:hnsw-load ${new Date().toISOString()}, node ${process.version}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  try {
    let file = opt('file', '');
    let n: number;
    const qfile = join(dir, 'q.f32');
    if (file) {
      if (!existsSync(file)) throw new Error(`--file ${file}: no such file`);
      const idx = await loadIndex(file);
      n = idx.size;
      // queries from the same clusters, past the index's rows (gaussianClusters's first n rows are the same for any total)
      const all = gaussianClusters(n + nq, dim, 100, 42);
      writeFileSync(qfile, all.data.slice(n * dim));
      const env = join(dir, 'hnsw.envelope');
      const t0 = performance.now();
      await saveIndex(idx, env);
      console.log(`${file}: ${n} x ${dim}, ${MB(statSync(file).size)} MB; rewritten through saveIndex in ${((performance.now() - t0) / 1000).toFixed(1)} s (${MB(statSync(env).size)} MB)`);
      const head = new Uint8Array(16), fd = openSync(file, 'r');
      readSync(fd, head, 0, 16, 0); closeSync(fd);
      const legacy = isEnvelope(head) ? '' : file;
      file = env;
      await runAll(file, legacy, qfile, repeats, n);
    } else {
      n = +opt('n', '100000');
      const all = gaussianClusters(n + nq, dim, 100, 42);
      writeFileSync(qfile, all.data.slice(n * dim));
      const X: DenseMatrix = { kind: 'dense', data: all.data.subarray(0, n * dim), rows: n, cols: dim };
      const t0 = performance.now();
      const idx = createIndex('hnsw', X, { M: 16, efConstruction: 200, threads: defaultThreads() });
      console.log(`built ${n} x ${dim} (M 16, efConstruction 200) on ${defaultThreads()} threads in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      file = join(dir, 'hnsw.envelope');
      await saveIndex(idx, file);
      await runAll(file, '', qfile, repeats, n);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

async function runAll(file: string, legacy: string, qfile: string, repeats: number, n: number): Promise<void> {
  const vectorsMB = n * dim * 4 / 1048576;
  console.log(`\nHNSW ${n} x ${dim}: envelope file ${MB(statSync(file).size)} MB (vectors alone ${vectorsMB.toFixed(0)} MiB); fresh process per load, medians of ${repeats}\n`);
  console.log('| way of loading | load s | peak RSS MB (Node + tsx before: base) | q/s after load, 1 thread, ef 64 | answers |');
  console.log('|---|---|---|---|---|');
  const modes: [string, string, string][] = [
    ['read', file, 'readFileSync alone (the floor)'],
    ['stream', file, 'loadIndex (sections read into the arena; = view: true)'],
    ['stream-noverify', file, 'loadIndex, verify: false'],
    ['bytes', file, 'readFileSync + indexFromBytes (fromBytes)'],
    ...(legacy ? [['legacy', legacy, 'loadIndex of the legacy v2 file'] as [string, string, string]] : []),
  ];
  let ref = -1;
  for (const [mode, f, label] of modes) {
    const r = fresh(mode === 'legacy' ? 'stream' : mode, f, qfile, repeats);
    const same = mode === 'read' ? '' : ref < 0 ? (ref = r.checksum, 'reference') : r.checksum === ref ? 'identical' : 'DIFFERENT';
    console.log(`| ${label} | ${r.loadS.toFixed(3)} | ${r.peakMB.toFixed(0)} (${r.baseMB.toFixed(0)}) | ${Number.isFinite(r.qps) ? r.qps.toFixed(0) : ''} | ${same} |`);
  }
  const s = fresh('save', file, qfile, 1);
  console.log(`\nsaveIndex of the loaded index: ${s.loadS.toFixed(2)} s, peak RSS ${s.peakMB.toFixed(0)} MB against ${s.baseMB.toFixed(0)} MB after the load (the save streams section by section: +${(s.peakMB - s.baseMB).toFixed(0)} MB)`);
}

const ci = process.argv.indexOf('--child');
if (ci >= 0) await child(process.argv[ci + 1], process.argv[ci + 2], process.argv[ci + 3]);
else await main();
