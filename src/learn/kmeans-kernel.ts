// The host side of assembly/kmeans.ts, the k-means tile kernel: nearest-centre assignment (Lloyd's
// assignment step, IVF list assignment, PQ encoding) and the IVF coarse probe's scores. One
// instance of the module per thread (the calling thread's here; each worker of
// kmeans-parallel.ts loads its own through the same function).
import { loadEmbedded, defaultImports, ensureMemory } from '../wasm/loader.js';
import * as kmeansWasm from '../wasm/generated/kmeans.js';

export interface KMeansExports {
  memory: WebAssembly.Memory;
  assign(X: number, n: number, d: number, panels: number, nPanels: number, norms: number, out: number, blockPanels: number, state: number): void;
  scores(X: number, n: number, d: number, panels: number, nPanels: number, norms: number, out: number, blockPanels: number): void;
  interleave(X: number, n: number, d: number, dst: number): void;
  select(S: number, n: number, kp: number, k: number, np: number, lists: number, best: number): void;
}
let kernel: { module: WebAssembly.Module; ex: KMeansExports } | null = null;

/**
 * Who wrote the panels now in the module: a TileAssigner, or the coarse probe's centres
 * (`nearestCentres` keeps them between calls on the same centres). Whoever finds another
 * owner writes its own panels first.
 */
let panelsOwner: object | null = null;
let probeKey: { centers: Float32Array; kind: 'l2' | 'ip'; k: number; d: number } | null = null;

function kmeansKernel(): KMeansExports | null {
  const loaded = loadEmbedded('kmeans', kmeansWasm);
  if (!loaded) return null;
  if (kernel?.module !== loaded.module) {
    kernel = { module: loaded.module, ex: new WebAssembly.Instance(loaded.module, defaultImports()).exports as unknown as KMeansExports };
    panelsOwner = null;
  }
  return kernel.ex;
}

/** Rows per kernel call: bounds the module's memory (the rows are copied in chunk by chunk). */
export const CHUNK = 4096;
const PANELS_OFF = 1024;

/** Squared L2 between a[ao..ao+d) and b[bo..bo+d), summed in float64. */
export function sqDist(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) { const v = a[ao + t] - b[bo + t]; s += v * v; }
  return s;
}

/** Centre blocks of at most 256 KiB of panels: half of this machine kind's 512 KiB L2, so a block stays there while every row quad sweeps it. */
export function blockPanels(d: number): number {
  return Math.max(1, Math.floor(262144 / (d * 32)));
}

/**
 * Writes the k centres (k x d, row-major) as the kernel's panels: panel g, value t, lane l holds
 * w c_{8g+l}[t]; norms ||c||^2 (l2, w = -2: scores ||c||^2 - 2 <x, c>) or 1 (ip, w = -1:
 * 1 - <x, c>). Padding centres of the last panel get +Infinity: never nearest, never kept.
 * The panels start at byte `off`, the norms right after them.
 */
export function writePanels(ex: KMeansExports, centers: Float32Array, k: number, d: number, kind: 'l2' | 'ip', off = PANELS_OFF): void {
  const nPanels = Math.ceil(k / 8), normsOff = off + nPanels * 32 * d;
  ensureMemory(ex.memory, normsOff + nPanels * 32);
  const mem = ex.memory.buffer;
  const P = new Float32Array(mem, off, nPanels * 8 * d), N = new Float32Array(mem, normsOff, nPanels * 8);
  const w = kind === 'l2' ? -2 : -1;
  P.fill(0); N.fill(Infinity);
  for (let j = 0; j < k; j++) {
    const g = j >> 3, l = j & 7;
    let s = 0;
    for (let t = 0; t < d; t++) { const v = centers[j * d + t]; P[(g * d + t) * 8 + l] = w * v; s += v * v; }
    N[j] = kind === 'l2' ? s : 1;
  }
}

/**
 * Nearest-centre assignment of rows against one set of centres, on this thread's kernel
 * instance: `setCentres` once, then `assign` any rows (Lloyd's passes, the IVF list of added
 * vectors, and each worker's chunks in kmeans-parallel.ts). A row's answer depends on that row
 * and the centres only (its sums run in the same order whatever rows share its tile), so any
 * split of the rows gives the same labels.
 */
export class TileAssigner {
  private centers: Float32Array | null = null;
  private readonly nPanels: number;

  private constructor(private readonly ex: KMeansExports, readonly k: number, readonly d: number) {
    this.nPanels = Math.ceil(k / 8);
  }

  /** Null when WebAssembly is off (callers use the TypeScript twin, `assignNearestTs`). */
  static create(k: number, d: number): TileAssigner | null {
    const ex = kmeansKernel();
    return ex ? new TileAssigner(ex, k, d) : null;
  }

  /** The centres (k x d, row-major) the next assignments use; the array is read at each `assign` that finds the panels gone. */
  setCentres(centers: Float32Array): void {
    this.centers = centers;
    writePanels(this.ex, centers, this.k, this.d, 'l2');
    panelsOwner = this;
  }

  /** out[i] = the nearest centre of row i of X (row-major, d columns) for i in [i0, i1). */
  assign(X: Float32Array, i0: number, i1: number, out: Int32Array): void {
    const { ex, d, nPanels } = this;
    if (panelsOwner !== this) this.setCentres(this.centers!);
    const normsOff = PANELS_OFF + nPanels * 32 * d, rawOff = normsOff + nPanels * 32;
    const rows = Math.min(i1 - i0, CHUNK), quadRows = (rows + 3) & ~3;
    const xOff = rawOff + rows * d * 4, outOff = xOff + quadRows * d * 4;
    // the rows' running minima between centre blocks: 64 bytes per row (4-row groups, padded)
    const stateOff = outOff + ((rows * 4 + 63) & ~63);
    ensureMemory(ex.memory, stateOff + (quadRows + 4) * 64);
    const mem = ex.memory.buffer;
    const Xm = new Float32Array(mem, rawOff, rows * d), Om = new Int32Array(mem, outOff, rows);
    const bp = blockPanels(d);
    for (let s = i0; s < i1; s += CHUNK) {
      const r = Math.min(CHUNK, i1 - s);
      Xm.set(X.subarray(s * d, (s + r) * d));
      ex.interleave(rawOff, r, d, xOff);
      ex.assign(xOff, r, d, PANELS_OFF, nPanels, normsOff, outOff, bp, stateOff);
      out.set(Om.subarray(0, r), s);
    }
  }
}

/** TypeScript twin of the kernel: exact float64 distances, ties to the lower centre. */
export function assignNearestTs(X: Float32Array, i0: number, i1: number, d: number, centers: Float32Array, k: number, out: Int32Array): void {
  for (let i = i0; i < i1; i++) {
    let best = Infinity, bj = 0;
    for (let j = 0; j < k; j++) { const v = sqDist(X, i * d, centers, j * d, d); if (v < best) { best = v; bj = j; } }
    out[i] = bj;
  }
}

/**
 * Index of the nearest of the k centres (k x d, row-major) for each of the n rows of X, on the
 * calling thread: argmin of ||c||^2 - 2 <x, c> in float32 by the tile kernel, or exact float64
 * distances by the TypeScript twin when WebAssembly is off (the two differ only where two
 * centres are within float32 rounding of a tie: test/index/pq.test.ts bounds it).
 */
export function assignNearest(X: Float32Array, n: number, d: number, centers: Float32Array, k: number): Int32Array {
  const out = new Int32Array(n);
  const a = TileAssigner.create(k, d);
  if (!a) { assignNearestTs(X, 0, n, d, centers, k, out); return out; }
  a.setCentres(centers);
  a.assign(X, 0, n, out);
  return out;
}

/** Rows per `scores` call: a chunk's score matrix (rows x k f32) stays within a few MB. */
const SCORE_CHUNK = 256;

/**
 * The `nprobe` nearest of k centres for each of the n rows of X, nearest first (ties to the
 * lower centre), and their scores, row-major n x nprobe: squared L2 (kind 'l2', computed as
 * ||x||^2 + ||c||^2 - 2 <x, c> in float32, as FAISS's IndexFlatL2 quantiser does), or 1 - <x, c>
 * (kind 'ip'). The scores come from the WebAssembly tile kernel (assembly/kmeans.ts `scores`),
 * each row's best kept by a sorted insertion; null when WebAssembly is off (the caller falls
 * back to the exact brute-force engine). The panels stay in the module between calls on the
 * same centres array (callers pass centres they no longer modify, as the coarse quantiser's):
 * a single query's probe would otherwise rebuild 1,024 x 128 panels for one row of scores.
 */
export function nearestCentres(X: Float32Array, n: number, d: number, centers: Float32Array, k: number, nprobe: number, kind: 'l2' | 'ip'): { lists: Int32Array; scores: Float32Array } | null {
  const ex = kmeansKernel();
  if (!ex) return null;
  const np = Math.min(nprobe, k);
  const nPanels = Math.ceil(k / 8), kp = nPanels * 8;
  const normsOff = PANELS_OFF + nPanels * 32 * d, rawOff = normsOff + nPanels * 32;
  const rows = Math.min(n, SCORE_CHUNK), quadRows = (rows + 3) & ~3;
  const xOff = rawOff + rows * d * 4, outOff = xOff + quadRows * d * 4;
  const selOff = outOff + rows * kp * 4, selBytes = rows * np * 4;
  if (panelsOwner !== probeKey || probeKey?.centers !== centers || probeKey.kind !== kind || probeKey.k !== k || probeKey.d !== d) {
    writePanels(ex, centers, k, d, kind);
    probeKey = { centers, kind, k, d };
    panelsOwner = probeKey;
  }
  ensureMemory(ex.memory, selOff + 2 * selBytes);
  const bp = blockPanels(d);
  const mem = ex.memory.buffer;
  const lists = new Int32Array(n * np), scores = new Float32Array(n * np);
  const Xm = new Float32Array(mem, rawOff, rows * d);
  const Lm = new Int32Array(mem, selOff, rows * np), Bm = new Float32Array(mem, selOff + selBytes, rows * np);
  for (let i0 = 0; i0 < n; i0 += SCORE_CHUNK) {
    const r = Math.min(SCORE_CHUNK, n - i0);
    Xm.set(X.subarray(i0 * d, (i0 + r) * d));
    ex.interleave(rawOff, r, d, xOff);
    ex.scores(xOff, r, d, PANELS_OFF, nPanels, normsOff, outOff, bp);
    // each row's nprobe best, nearest first (ties to the lower centre), in the module
    ex.select(outOff, r, kp, k, np, selOff, selOff + selBytes);
    lists.set(Lm.subarray(0, r * np), i0 * np);
    scores.set(Bm.subarray(0, r * np), i0 * np);
    if (kind !== 'l2') continue;
    for (let i = 0; i < r; i++) {
      let xx = 0;
      for (let t = (i0 + i) * d, e = t + d; t < e; t++) xx += X[t] * X[t];
      // squared L2 = ||x||^2 + score, clamped at 0 against float32 cancellation
      for (let t = (i0 + i) * np, e = t + np; t < e && lists[t] >= 0; t++) scores[t] = Math.max(0, Math.fround(scores[t] + xx));
    }
  }
  return { lists, scores };
}
