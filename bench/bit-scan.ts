/**
 * The exact bit scan behind kNN-Graph's inference on Binalpha (issue 12): every fold of the
 * authors' seed-5 partition, its 1,264 training rows packed to 320 bits (5 words), the 140 test
 * queries answered as `predict` does (float32 rows packed inside the module, k = 1). All
 * WebAssembly kernels run side by side in the same process, interleaved per fold, so that the
 * ratio holds on a shared machine:
 *
 *   bound    k = 1: per-segment popcount lower bound, most rows skipped, computed as sums of
 *            minima (the default after prepareNearest, which kNN-Graph calls at fit)
 *   absdiff  the same bound as sums of absolute differences (the default before this kernel)
 *   held     rows of <= 8 words: one query at a time, its words in registers (every row scored)
 *   blocked  four queries per row load, any width (the default before issue 12)
 *
 * Reported per kernel: ms per fold (median over the folds of the median of `reps` warm calls,
 * the two kernels' calls interleaved), ns per query-row pair, CPU ms per fold (mean; CPU time
 * has a coarse clock), and the first call of a fresh module instance. With
 * --predict, also `KnnGraphClassifier#predict` on each trained fold (default options).
 *
 * --crossover: where kNN-Graph's `lookup: 'auto'` should stop scanning. Generated 320-bit data
 * (Binalpha-like: 36 prototypes, each bit flipped with probability 0.15), n training rows and
 * 140 queries; the bound scan against the bit-packed HNSW walk at the classifier's defaults
 * (M 32, construction beam 200, ef 16), warm ms per batch, interleaved.
 *
 *   npm run bench:bit-scan -- [--folds 10] [--reps 101] [--predict] [--crossover]
 */
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { BitScan, type BitScanKernel } from '../src/codecs/bit-scan.js';
import { BitsCodec } from '../src/codecs/bits.js';
import { matrixTakeRows } from '../src/core/data.js';
import type { DenseMatrix } from '../src/core/matrix.js';
import { readDataset } from '../src/io/index.js';
import { KnnGraphClassifier } from '../src/knn-graph/index.js';
import { cvpartitionStratifiedKFold } from '../src/knn-graph/matlab-folds.js';
import { opt, flag, median, cpuNow, fmt } from './common.js';
import { HnswIndex } from '../src/search/hnsw/hnsw-index.js';
import { Rng } from '../src/core/rng.js';

const here = dirname(fileURLToPath(import.meta.url));
const file = join(here, '..', '..', 'shared', 'data', 'binalpha.csv');
const nFolds = Number(opt('folds', '10'));
const reps = Number(opt('reps', '101'));
const KERNELS: BitScanKernel[] = ['auto', 'absdiff', 'held', 'blocked'];
const NAME: Record<BitScanKernel, string> = { auto: 'min-sum bound (default, k = 1)', absdiff: 'abs-difference bound (previous default)', held: 'held', blocked: 'blocked (before issue 12)' };
const make = (codes: Uint8Array, n: number, W: number, k: BitScanKernel): BitScan => { const s = new BitScan(codes, n, W, k); s.prepareNearest(); return s; };

interface Timing { warm: number; cpu: number; first: number }

/** Every kernel on one fold, their warm calls interleaved so that they see the same machine load. */
function timeFold(codes: Uint8Array, n: number, W: number, te: DenseMatrix): Record<BitScanKernel, Timing> {
  const I = new Int32Array(te.rows), D = new Int32Array(te.rows);
  const call = (s: BitScan) => s.searchF32(te.data, te.rows, te.cols, 1, I, D);
  const out = {} as Record<BitScanKernel, Timing>;
  const scans = KERNELS.map((k) => {
    const s = make(codes, n, W, k);
    const t = performance.now(); call(s); out[k] = { first: performance.now() - t, warm: 0, cpu: 0 };
    return s;
  });
  for (let r = 0; r < 10; r++) scans.forEach(call);
  const ts = KERNELS.map(() => [] as number[]), cpu = KERNELS.map(() => 0);
  for (let r = 0; r < reps; r++) {
    scans.forEach((s, i) => {
      const c0 = cpuNow(), t = performance.now();
      call(s);
      ts[i].push(performance.now() - t); cpu[i] += cpuNow() - c0;
    });
  }
  KERNELS.forEach((k, i) => { out[k].warm = median(ts[i]); out[k].cpu = (cpu[i] * 1000) / reps; });
  return out;
}

function crossover(): void {
  const d = 320, nq = 140, rng = new Rng(7);
  const protos = Array.from({ length: 36 }, () => Float32Array.from({ length: d }, () => (rng.random() < 0.3 ? 1 : 0)));
  const rows = (m: number) => {
    const x = new Float32Array(m * d);
    for (let i = 0; i < m; i++) { const p = protos[rng.int(36)]; for (let t = 0; t < d; t++) x[i * d + t] = rng.random() < 0.15 ? 1 - p[t] : p[t]; }
    return x;
  };
  const codec = new BitsCodec(d), W = codec.bytesPerVector / 8;
  console.log(`\ncrossover: generated ${d}-bit data, ${nq} queries, load average ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  console.log('| n | n x words | bound scan ms / batch | HNSW walk (bits, M 32, efC 200, ef 16) ms / batch | walk / scan |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const n of [1264, 2500, 5000, 10000, 20000]) {
    const X = rows(n), Q = rows(nq);
    const codes = new Uint8Array(n * codec.bytesPerVector);
    codec.encode(X, n, codes, 0);
    const scan = new BitScan(codes, n, W); scan.prepareNearest();
    const idx = HnswIndex.build({ kind: 'dense', data: X, rows: n, cols: d }, { metric: 'euclidean', M: 32, efConstruction: 200, ef: 16, seed: 3, storage: 'bits' });
    const qm = { kind: 'dense' as const, data: Q, rows: nq, cols: d };
    const I = new Int32Array(nq), D = new Int32Array(nq);
    const runs = [() => scan.searchF32(Q, nq, d, 1, I, D), () => idx.search(qm, 1, { ef: 16 })];
    for (let r = 0; r < 10; r++) runs.forEach((f) => f());
    const ts = [[], []] as number[][];
    for (let r = 0; r < reps; r++) runs.forEach((f, i) => { const t = performance.now(); f(); ts[i].push(performance.now() - t); });
    const [a, b] = ts.map(median);
    console.log(`| ${n} | ${n * W} | ${fmt(a, 3)} | ${fmt(b, 3)} | ${fmt(b / a, 2)} |`);
  }
}

async function main(): Promise<void> {
  if (flag('crossover')) { crossover(); return; }
  if (!existsSync(file)) { console.log(`skipped: ${file} not found (the shared datasets sit beside the repository)`); return; }
  const ds = await readDataset(file);
  const X = ds.X as DenseMatrix, y = ds.y!;
  const codec = new BitsCodec(X.cols), W = codec.bytesPerVector / 8;
  const rows: Record<BitScanKernel, Timing[]> = { auto: [], absdiff: [], held: [], blocked: [] };
  const predictMs: number[] = [];
  let pairs = 0;
  console.log(`bit scan bench: Binalpha (${X.cols} bits = ${W} words), authors' seed-5 folds (${nFolds}), ${reps} warm calls per fold; load average before ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  for (const s of cvpartitionStratifiedKFold(y, 10, 5).slice(0, nFolds)) {
    const tr = matrixTakeRows(X, s.train) as DenseMatrix, te = matrixTakeRows(X, s.test) as DenseMatrix;
    const codes = new Uint8Array(tr.rows * codec.bytesPerVector);
    codec.encode(tr.data, tr.rows, codes, 0);
    pairs = tr.rows * te.rows;
    // every kernel checked against the blocked one first
    const a = new Int32Array(te.rows), b = new Int32Array(te.rows), da = new Int32Array(te.rows), db = new Int32Array(te.rows);
    for (const k of ['auto', 'absdiff', 'held'] as const) {
      make(codes, tr.rows, W, k).searchF32(te.data, te.rows, te.cols, 1, a, da);
      make(codes, tr.rows, W, 'blocked').searchF32(te.data, te.rows, te.cols, 1, b, db);
      for (let i = 0; i < te.rows; i++) if (a[i] !== b[i] || da[i] !== db[i]) throw new Error(`${k} and blocked differ at query ${i}`);
    }
    const t = timeFold(codes, tr.rows, W, te);
    for (const k of KERNELS) rows[k].push(t[k]);
    if (flag('predict')) {
      const ytr = Array.from(s.train, (i) => y[i]);
      const c = await new KnnGraphClassifier({}).fitAsync(tr, ytr);
      const ts: number[] = [];
      for (let r = 0; r < 10; r++) c.predict(te);
      for (let r = 0; r < reps; r++) { const t = performance.now(); c.predict(te); ts.push(performance.now() - t); }
      predictMs.push(median(ts));
    }
  }
  console.log(`load average after ${loadavg().map((v) => v.toFixed(1)).join(' ')}; ${pairs} query-row pairs per fold`);
  console.log('| kernel | ms / fold, warm (median of folds) | ns / pair | CPU ms / fold | first call of a fresh instance, ms (median of folds) |');
  console.log('|---|---:|---:|---:|---:|');
  for (const k of KERNELS) {
    const warm = median(rows[k].map((r) => r.warm));
    console.log(`| ${NAME[k]} | ${fmt(warm, 3)} | ${fmt((warm * 1e6) / pairs, 2)} | ${fmt(median(rows[k].map((r) => r.cpu)), 3)} | ${fmt(median(rows[k].map((r) => r.first)), 3)} |`);
  }
  const warm = (k: BitScanKernel) => median(rows[k].map((r) => r.warm));
  console.log(`same run, warm: min-sum bound ${fmt(warm('absdiff') / warm('auto'), 2)}x faster than the abs-difference bound, ${fmt(warm('held') / warm('auto'), 2)}x than held, ${fmt(warm('blocked') / warm('auto'), 2)}x than blocked`);
  if (predictMs.length) console.log(`KnnGraphClassifier#predict (lookup ${'auto'}, bit scan): ${fmt(median(predictMs), 3)} ms / fold warm (median of folds); target 0.22 ms`);
}

void main();
