// Load time and peak memory of a large HNSW index (issue 12: "a bench reports load time and peak
// RSS of a 1M x 128 HNSW index, copy against view"), each way of loading timed in a fresh Node
// process, imports excluded, the file in the page cache.
// Usage: node --import tsx bench/hnsw-load.ts [--file F] [--envelope E] [--n 100000] [--repeats 3] [--queries 1000] [--dir /tmp] [--recall 1]
//   --file F: an HNSW index saved by bench:hnsw --save-index (HnswIndex#save, the legacy v2
//             format) or by saveIndex (the index envelope); without it, one is built here on
//             every core from gaussianClusters(n + queries, 128, 100, seed 42) (1M: ~6 min on 2 cores).
//   --envelope E: where the legacy file is converted once through saveIndex (default: F with the
//             extension .envelope); reused while its HNSW section format is the current one.
// Ways of loading (the envelope holds the kernel's arena image as one 64-byte-aligned section):
//   read          readFileSync of the envelope alone (the floor: one pass over the bytes)
//   file copy     loadIndex(path): the image read with positional 8 MiB reads straight into the
//                 WebAssembly memory, sized once (CRC of each chunk while cached)
//   file view     loadIndex(path, { view: true }): the same path (WebAssembly cannot search
//                 foreign bytes: reading into its memory is the zero-parse, zero-copy load)
//   bytes copy / view  readFileSync + indexFromBytes (fromBytes, a browser's path after fetch):
//                 one set() of the image into the memory; file and arena both alive
//   TS bytes copy / view  the same with KNNKIT_WASM=off: view searches the file's own buffer
//                 (true zero copy), copy copies the image into an ArrayBuffer
//   legacy        loadIndex of the legacy v2 file (whole file read, CRC, then per-region copies)
// Each child prints its load time, the CPU seconds of the load (process.cpuUsage: user + system),
// peak RSS (VmHWM: the high-water mark, not the RSS at the end), the latency of the first query
// (cold caches, lazy kernel set-up), the queries/s of the next `--queries` single-threaded
// searches (ef 64), their recall@10 against brute force (computed once, --recall 0 skips it) and
// a checksum of their ids: every way on the same kernel must give the same answers.
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
import { getFamily } from '../src/index/registry.js';
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

function readF32(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

async function child(mode: string, file: string, qfile: string, gtfile: string): Promise<void> {
  const qd = readF32(qfile);
  const Q: DenseMatrix = { kind: 'dense', data: qd, rows: qd.length / dim, cols: dim };
  const before = maxRssMB();
  const c0 = process.cpuUsage(), t0 = performance.now();
  const cpu = () => { const c = process.cpuUsage(c0); return (c.user + c.system) / 1e6; };
  if (mode === 'read') {
    const b = readFileSync(file);
    console.log(JSON.stringify({ loadS: (performance.now() - t0) / 1000, cpuS: cpu(), peakMB: maxRssMB(), baseMB: before, bytes: b.length }));
    return;
  }
  if (mode === 'save') {
    const idx = await loadIndex(file);
    const loaded = maxRssMB(), t1 = performance.now();
    const out = file + '.resave';
    await saveIndex(idx, out);
    const saveS = (performance.now() - t1) / 1000;
    rmSync(out, { force: true });
    console.log(JSON.stringify({ loadS: saveS, cpuS: 0, peakMB: maxRssMB(), baseMB: loaded }));
    return;
  }
  const view = mode.endsWith('view');
  const idx = mode.startsWith('bytes') ? indexFromBytes(readFileSync(file), { source: file, view }) : await loadIndex(file, { view });
  const loadS = (performance.now() - t0) / 1000, cpuS = cpu();
  const peakLoad = maxRssMB();
  const one: DenseMatrix = { kind: 'dense', data: Q.data.subarray(0, dim), rows: 1, cols: dim };
  const tf = performance.now();
  const first = idx.search(one, K, { ef: 64 });
  const firstMs = performance.now() - tf;
  const t1 = performance.now();
  const r = idx.search(Q, K, { ef: 64 });
  const searchS = (performance.now() - t1) / 1000;
  let sum = 0;
  for (let i = 0; i < r.ids.length; i++) sum = (sum * 31 + Number(r.ids[i])) % 1000000007;
  let recall = NaN;
  if (gtfile !== '-') {
    const gt = new Int32Array(readFileSync(gtfile).buffer.slice(0));
    let hit = 0;
    for (let q = 0; q < Q.rows; q++) {
      const want = new Set(Array.from(gt.subarray(q * K, q * K + K)));
      for (let j = 0; j < K; j++) if (want.has(Number(r.ids[q * K + j]))) hit++;
    }
    recall = hit / (Q.rows * K);
  }
  if (Number(first.ids[0]) !== Number(r.ids[0])) throw new Error('the first query answered differently alone and in the batch');
  console.log(JSON.stringify({ loadS, cpuS, peakMB: peakLoad, baseMB: before, firstMs, qps: Q.rows / searchS, recall, checksum: sum, kernel: (idx as unknown as { core: { hnsw?: { kernelName: string } } }).core.hnsw?.kernelName ?? '' }));
}

interface Run { loadS: number; cpuS: number; peakMB: number; baseMB: number; firstMs: number; qps: number; recall: number; checksum: number; kernel: string }
function fresh(mode: string, file: string, qfile: string, gtfile: string, repeats: number, env: NodeJS.ProcessEnv = process.env): Run {
  const runs: Run[] = [];
  for (let r = 0; r < repeats; r++) {
    const p = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', mode, file, qfile, gtfile], { encoding: 'utf8', maxBuffer: 1 << 20, env });
    if (p.status !== 0) throw new Error(`child ${mode} failed: ${p.stderr.split('\n').slice(-5).join(' ')}`);
    runs.push(JSON.parse(p.stdout.trim().split('\n').pop()!) as Run);
  }
  const m = (f: (x: Run) => number) => median(runs.map(f));
  return { loadS: m((x) => x.loadS), cpuS: m((x) => x.cpuS), peakMB: m((x) => x.peakMB), baseMB: m((x) => x.baseMB), firstMs: m((x) => x.firstMs ?? NaN), qps: m((x) => x.qps ?? NaN), recall: runs[0].recall ?? NaN, checksum: runs[0].checksum, kernel: runs[0].kernel ?? '' };
}

/** The HNSW section format of an envelope file (its header's familyVersion), or -1 when it is not an envelope. */
function envelopeFormat(file: string): number {
  const fd = openSync(file, 'r');
  try {
    const head = new Uint8Array(16);
    readSync(fd, head, 0, 16, 0);
    if (!isEnvelope(head)) return -1;
    const H = new DataView(head.buffer).getUint32(12, true);
    const json = new Uint8Array(H);
    readSync(fd, json, 0, H, 16);
    return (JSON.parse(new TextDecoder().decode(json)) as { familyVersion: number }).familyVersion;
  } finally {
    closeSync(fd);
  }
}

async function main(): Promise<void> {
  const repeats = +opt('repeats', '3'), nq = +opt('queries', '1000'), withRecall = opt('recall', '1') !== '0';
  const dir = mkdtempSync(join(opt('dir', '/tmp'), 'knnkit-hnsw-load-'));
  console.log(`bench:hnsw-load ${new Date().toISOString()}, node ${process.version}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  try {
    let file = opt('file', '');
    let n: number, legacy = '';
    const qfile = join(dir, 'q.f32'), gtfile = join(dir, 'gt.i32');
    let all: DenseMatrix;
    if (file) {
      if (!existsSync(file)) throw new Error(`--file ${file}: no such file`);
      const format = envelopeFormat(file);
      if (format < 0) {
        legacy = file;
        const env = opt('envelope', file.replace(/\.[^./]*$/, '') + '.envelope');
        if (!existsSync(env) || envelopeFormat(env) !== hnswFamilyFormat()) {
          const t0 = performance.now();
          await saveIndex(await loadIndex(file), env);
          console.log(`${file}: converted once through saveIndex to ${env} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        }
        file = env;
      } else if (format !== hnswFamilyFormat()) {
        const env = join(dir, 'hnsw.envelope');
        await saveIndex(await loadIndex(file), env);
        file = env;
      }
      n = (await loadIndex(file)).size;
      // queries from the same clusters, past the index's rows (gaussianClusters's first n rows are the same for any total)
      all = gaussianClusters(n + nq, dim, 100, 42);
      console.log(`${legacy || file}: ${n} x ${dim}${legacy ? `, legacy file ${MB(statSync(legacy).size)} MB` : ''}`);
    } else {
      n = +opt('n', '100000');
      all = gaussianClusters(n + nq, dim, 100, 42);
      const X: DenseMatrix = { kind: 'dense', data: all.data.subarray(0, n * dim), rows: n, cols: dim };
      const t0 = performance.now();
      const idx = createIndex('hnsw', X, { M: 16, efConstruction: 200, threads: defaultThreads() });
      console.log(`built ${n} x ${dim} (M 16, efConstruction 200) on ${defaultThreads()} threads in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      file = join(dir, 'hnsw.envelope');
      await saveIndex(idx, file);
    }
    writeFileSync(qfile, all.data.slice(n * dim));
    if (withRecall) {
      const t0 = performance.now();
      const X: DenseMatrix = { kind: 'dense', data: all.data.subarray(0, n * dim), rows: n, cols: dim };
      const Q: DenseMatrix = { kind: 'dense', data: all.data.subarray(n * dim), rows: nq, cols: dim };
      const gt = createIndex('brute', X).search(Q, K);
      writeFileSync(gtfile, Int32Array.from(gt.ids, Number));
      console.log(`brute-force ground truth of ${nq} queries in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    runAll(file, legacy, qfile, withRecall ? gtfile : '-', repeats, n);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

function hnswFamilyFormat(): number { return getFamily('hnsw', 'family').formatVersion; }

function runAll(file: string, legacy: string, qfile: string, gtfile: string, repeats: number, n: number): void {
  const vectorsMB = n * dim * 4 / 1048576;
  console.log(`\nHNSW ${n} x ${dim}: envelope file ${MB(statSync(file).size)} MB (vectors alone ${vectorsMB.toFixed(0)} MiB); fresh process per load, medians of ${repeats}; load average now ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  console.log('| way of loading | kernel | load s | load CPU s | peak RSS MB (base) | first query ms | q/s, 1 thread, ef 64 | recall@10 | answers |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const off = { ...process.env, KNNKIT_WASM: 'off' };
  const modes: [string, string, string, NodeJS.ProcessEnv][] = [
    ['read', file, 'readFileSync alone (the floor)', process.env],
    ['file-copy', file, 'loadIndex(path)', process.env],
    ['file-view', file, 'loadIndex(path, { view: true })', process.env],
    ['bytes-copy', file, 'readFileSync + fromBytes', process.env],
    ['bytes-view', file, 'readFileSync + fromBytes view', process.env],
    ['bytes-copy', file, 'readFileSync + fromBytes, KNNKIT_WASM=off', off],
    ['bytes-view', file, 'readFileSync + fromBytes view, KNNKIT_WASM=off (zero copy)', off],
    ...(legacy ? [['file-copy', legacy, 'loadIndex of the legacy v2 file (parse + copy)', process.env] as [string, string, string, NodeJS.ProcessEnv]] : []),
  ];
  const ref = new Map<string, number>();
  for (const [mode, f, label, env] of modes) {
    const r = fresh(mode, f, qfile, gtfile, repeats, env);
    let same = '';
    if (mode !== 'read') {
      if (!ref.has(r.kernel)) { ref.set(r.kernel, r.checksum); same = 'reference'; } else same = ref.get(r.kernel) === r.checksum ? 'identical' : 'DIFFERENT';
    }
    const num = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : '');
    console.log(`| ${label} | ${r.kernel} | ${r.loadS.toFixed(3)} | ${r.cpuS.toFixed(3)} | ${r.peakMB.toFixed(0)} (${r.baseMB.toFixed(0)}) | ${num(r.firstMs, 2)} | ${num(r.qps, 0)} | ${num(r.recall, 4)} | ${same} |`);
  }
  const s = fresh('save', file, qfile, gtfile, 1);
  console.log(`\nsaveIndex of the loaded index: ${s.loadS.toFixed(2)} s, peak RSS ${s.peakMB.toFixed(0)} MB against ${s.baseMB.toFixed(0)} MB after the load (the save streams section by section: +${(s.peakMB - s.baseMB).toFixed(0)} MB)`);
}

const ci = process.argv.indexOf('--child');
if (ci >= 0) await child(process.argv[ci + 1], process.argv[ci + 2], process.argv[ci + 3], process.argv[ci + 4]);
else await main();
