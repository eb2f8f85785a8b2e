import { progressSteps, type OnProgress } from '../../core/progress.js';
import type { MatrixInput } from '../../core/data.js';
import { toDense, rowsView, type DenseMatrix } from '../../core/matrix.js';
import { KnnkitError, checkInteger, checkNumber, invalidParam } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import type { Metric, MetricSpec } from '../../metrics/types.js';
import { resolveMetric, metricToSpec } from '../../metrics/registry.js';
import { SearchResult, RadiusResult } from '../results.js';
import type { NeighborIndex, SearchParams, ParallelOptions } from '../types.js';
import { Arena, computeLayout, relocate, threadScratch, type Layout, type Shape } from './layout.js';
import { FILTER_BITMAP, FILTER_HOST, FILTER_NONE, KIND_BITS, KIND_DOT, KIND_L2, type GraphKernel } from './kernel.js';
import { checkBinary, packRow, unpackRow } from './bits.js';
import { JsKernel } from './kernel-js.js';
import { WasmKernel, wasmFlavour, createMemory } from './kernel-wasm.js';
import { IdTable } from './ids.js';
import { reorderSlots } from './reorder.js';
import { canBuildInParallel, insertParallel, MIN_PARALLEL_POINTS } from './build-parallel.js';
import { normaliseFilter, preferBruteForce, type HnswFilter } from './filter.js';
import { radiusByKnn } from '../shared/radius-by-knn.js';
import { HNSW_STORAGES, checkF16Range, codecKind, storageCodec, storageWords, unitRows, writeAffTable, type HnswStorage, type StorageCodec } from './codec-storage.js';

export interface HnswOptions {
  /** Metric spec (default "euclidean"). L2 family, inner product and cosine run natively; any other registry metric through `metric.reduced`. */
  metric?: MetricSpec;
  /** Links per node and layer (M0 = 2 M at layer 0). Default 16. */
  M?: number;
  /** Beam width while building. Default 200. */
  efConstruction?: number;
  /** Default beam width of `search` (per-call `ef` overrides). Default 64. */
  ef?: number;
  /** Seed of the level draws: same data + seed + options = same graph. Default 100 (hnswlib's). */
  seed?: number;
  /** Initial capacity in points (grows by doubling when exceeded). Default: the data size. */
  capacity?: number;
  /** Reuse slots of removed points for new ones (repairing the old neighbourhood). Default true. */
  reuseDeleted?: boolean;
  /** 'auto' (WebAssembly SIMD when available and the metric has a native kernel), 'wasm' or 'js'. */
  kernel?: 'auto' | 'wasm' | 'js';
  /** build/compact: renumber slots in breadth-first graph order for cache locality (reorder.ts). Default true. */
  reorder?: boolean;
  /**
   * How vectors are stored: 'f32' (default), 'bits', 'f16' or 'sq8'. 'bits': bit-packed 0/1
   * vectors (every coordinate of every added vector and query must be 0 or 1; metric euclidean
   * or sqeuclidean). For 0/1 vectors the squared Euclidean distance is the number of differing
   * bits, so 'bits' returns exactly the distances 'f32' would, from dim / 8 bytes per vector
   * (see bits.ts). 'f16' (half precision, 2 dim bytes; values within +-65504) and 'sq8' (one
   * byte per coordinate, per-dimension ranges trained on the first data added, or `train`):
   * lossy codes scored against the float32 query in the kernel (codec-storage.ts); metrics
   * euclidean, sqeuclidean, cosine and ip.
   */
  storage?: HnswStorage;
  /** @internal Trained sq8 ranges (loading, compaction). */
  sq8Ranges?: { vmin: Float32Array; vdiff: Float32Array };
  /** Progress of `build` (phase "hnsw insert": points inserted of the data's rows). Not saved. */
  onProgress?: OnProgress;
  /**
   * Threads that insert the points of a build or of a large `add` (the calling thread plus
   * threads - 1 workers of the shared pool, on the index's shared WebAssembly memory with a
   * lock per node, as hnswlib; build-parallel.ts). Default 1. The graph then depends on the
   * threads' interleaving: same recall, not the same links from run to run. Not saved.
   */
  threads?: number;
  /**
   * true: builds are reproducible (same data + seed + options = same graph) whatever
   * `threads` says: the points are inserted serially in one thread. Costs the parallel
   * speed-up (a 2-thread build takes the 1-thread time). Default false. Not saved.
   */
  deterministic?: boolean;
}

export interface HnswSearchParams extends Omit<SearchParams, 'filter'> {
  /** A predicate on user ids, or an allow-set of ids (Set, Int32Array, array). */
  filter?: HnswFilter;
  /**
   * How a filtered search runs: 'graph' (filtered walk), 'scan' (exact scan of the allowed
   * points) or 'auto' (default: the cost rule of filter.ts, see docs/hnsw.md).
   */
  filterStrategy?: 'auto' | 'graph' | 'scan';
  /**
   * searchAsync only: a batch with fewer queries per worker thread than this runs in the calling
   * thread (default 64, where handing work over starts to pay). When it is given, `threads`
   * counts worker threads (1 = one worker), and 1 sends even one query to a worker: a server
   * that keeps its event loop free for HTTP while another core searches.
   */
  minQueriesPerThread?: number;
}

let arenaCounter = 0;
/** searchAsync's module, imported on first use and kept (a repeated import() costs a loader round trip per call). */
let parallelModule: Promise<typeof import('./parallel.js')> | undefined;

/** Hard cap on drawn levels (the paper's distribution gives P(level >= 31) ~ M^-31). */
const MAX_LEVEL = 31;

/** Internal state shared by the constructor, deserialisation and compaction. */
export interface HnswState {
  metric: Metric; M: number; efConstruction: number; ef: number; seed: number;
  reuseDeleted: boolean; kernelChoice: 'auto' | 'wasm' | 'js'; dim: number;
}

/**
 * Hierarchical Navigable Small World graph (Malkov & Yashunin, 2018), knnkit's approximate
 * engine. Memory layout as hnswlib (layout.ts); the graph walk runs inside WebAssembly SIMD
 * (assembly/_hnsw_core.ts) or its TypeScript twin (kernel-js.ts) for other metrics.
 * Internal slots are separate from user ids: `add(vectors, ids?)`, results carry user ids.
 */
export class HnswIndex implements NeighborIndex {
  readonly kind = 'hnsw';
  readonly exact = false;
  readonly metric: Metric;
  readonly dim: number;
  readonly M: number;
  readonly M0: number;
  readonly efConstruction: number;
  readonly seed: number;
  /** Default search beam. */
  ef: number;
  /** mL = 1 / ln(M): normalisation of the level distribution. */
  readonly mL: number;
  readonly reuseDeleted: boolean;
  /** 'f32', 'bits' (packed 0/1 vectors), 'f16' or 'sq8' (codes). */
  readonly storage: HnswStorage;
  /** 32-bit words per stored vector (dim for 'f32', 2 ceil(dim / 64) for 'bits', ceil(dim / 2) for 'f16', ceil(dim / 4) for 'sq8'). */
  readonly words: number;
  /** @internal The codec of 'f16' / 'sq8' storage (null otherwise). */
  codec: StorageCodec | null;
  private rowTmp: Float32Array;

  /** @internal */ kernelChoice: 'auto' | 'wasm' | 'js';
  /** @internal */ nativeKind: number;
  /** @internal */ shape: Shape;
  /** @internal */ arena!: Arena;
  /** @internal Identity of the current memory (worker threads cache kernels per memory). */
  instanceId = 0;
  /** @internal */ layout!: Layout;
  /** @internal */ kernel!: GraphKernel;
  /** @internal */ wasm: ReturnType<typeof wasmFlavour>;
  /** @internal */ count = 0;
  /** @internal */ live = 0;
  /** @internal */ deleted = 0;
  /** @internal */ ep = -1;
  /** @internal */ maxLevel = -1;
  /** @internal */ upperUsed = 0;
  /** @internal */ levelsDrawn = 0;
  /** @internal */ nextAutoId = 0;
  /** @internal slot -> user id (-1 when deleted). */
  labels: Int32Array;
  /** @internal user id -> slot. */
  ids = new IdTable();
  /** @internal */ free: number[] = [];
  /** Threads of builds and adds (1: serial); `deterministic` forces 1. Not saved. */
  threads: number;
  readonly deterministic: boolean;
  private rng: Rng;
  private f32!: Float32Array; private i32!: Int32Array; private u8!: Uint8Array;
  private busy = false;

  /** An empty index of dimension `dim` (use `add`). `HnswIndex.build` builds from data. */
  constructor(dim: number, opts: HnswOptions = {}, fit?: DenseMatrix) {
    this.dim = checkInteger('dim', dim, 1);
    const M = this.M = checkInteger('M', opts.M ?? 16, 2, 2048);
    this.M0 = 2 * M;
    this.efConstruction = checkInteger('efConstruction', opts.efConstruction ?? 200, 1);
    this.ef = checkInteger('ef', opts.ef ?? 64, 1);
    this.seed = checkInteger('seed', opts.seed ?? 100, 0, 0xffffffff);
    this.mL = 1 / Math.log(M);
    this.reuseDeleted = opts.reuseDeleted ?? true;
    const kc = opts.kernel ?? 'auto';
    if (kc !== 'auto' && kc !== 'wasm' && kc !== 'js') throw invalidParam('kernel', kc, '"auto", "wasm" or "js"');
    this.kernelChoice = kc;
    this.metric = resolveMetric(opts.metric ?? 'euclidean', fit);
    const form = this.metric.dotForm?.kind;
    const storage = opts.storage ?? 'f32';
    if (!HNSW_STORAGES.includes(storage)) throw invalidParam('storage', storage, '"f32", "bits", "f16" or "sq8"');
    if (storage === 'bits' && form !== 'l2') throw invalidParam('storage', storage, `"f32" with metric "${this.metric.name}" ("bits" supports the euclidean and sqeuclidean metrics)`);
    if ((storage === 'f16' || storage === 'sq8') && form !== 'l2' && form !== 'ip' && form !== 'cosine') {
      throw invalidParam('storage', storage, `"f32" with metric "${this.metric.name}" ("${storage}" supports the euclidean, sqeuclidean, cosine and ip metrics)`);
    }
    this.storage = storage;
    this.words = storageWords(storage, this.dim, form === 'cosine');
    this.codec = storageCodec(storage, this.dim, opts.sq8Ranges);
    this.rowTmp = new Float32Array(this.codec ? this.dim : 0);
    this.nativeKind = storage === 'bits' ? KIND_BITS : this.codec ? codecKind(this.codec, form!) : form === 'l2' ? KIND_L2 : form === 'ip' || form === 'cosine' ? KIND_DOT : -1;
    this.shape = {
      dim: this.words, M, M0: this.M0, cosine: form === 'cosine', bits: storage === 'bits', inputDim: this.dim,
      ...(this.codec ? { codec: this.codec.name } : {}),
    };
    this.wasm = kc === 'js' || this.nativeKind < 0 ? null : wasmFlavour();
    if (kc === 'wasm' && !this.wasm) {
      throw new KnnkitError('kernel', this.nativeKind < 0
        ? `kernel: got "wasm" but metric "${this.metric.name}" has no WebAssembly kernel; expected "auto" or "js"`
        : 'kernel: got "wasm" but this runtime has no WebAssembly SIMD; expected "auto" or "js"');
    }
    this.threads = checkInteger('threads', opts.threads ?? 1, 1, 1024);
    if (opts.deterministic !== undefined && typeof opts.deterministic !== 'boolean') throw invalidParam('deterministic', opts.deterministic, 'true or false');
    this.deterministic = opts.deterministic ?? false;
    this.rng = new Rng(this.seed);
    const cap = Math.max(1, checkInteger('capacity', opts.capacity ?? 16, 1));
    this.labels = new Int32Array(cap);
    this.allocate(cap, Math.max(64, Math.ceil(cap / M) * (1 + M)), 1, Math.max(this.ef, this.efConstruction));
  }

  /** Builds an index over the rows of `data` (ids 0..n-1 unless `ids` is given). */
  static build(data: MatrixInput, opts: HnswOptions = {}, ids?: ArrayLike<number>): HnswIndex {
    const X = toDense(data, { name: 'data' });
    const idx = new HnswIndex(X.cols, { ...opts, capacity: opts.capacity ?? X.rows }, X);
    idx.add(X, ids, opts.onProgress);
    if (opts.reorder ?? true) reorderSlots(idx);
    return idx;
  }

  /** Which kernel runs the graph walk: "wasm-relaxed-simd", "wasm-simd" or "js". */
  get kernelName(): string { return this.kernel.name; }
  get size(): number { return this.live; }
  /** Slots allocated (points the index holds before growing). */
  get capacity(): number { return this.layout.cap; }

  // ------------------------------------------------------------------ memory

  /** @internal Fresh arena for (cap, upperCap, threads, efCap) (the constructor; a load sizes its memory once with it). */
  allocate(cap: number, upperCap: number, threads: number, efCap: number): void {
    this.layout = computeLayout(this.shape, cap, upperCap, threads, efCap);
    this.instanceId = ++arenaCounter;
    if (this.wasm) {
      const mem = createMemory(this.wasm, this.layout.total);
      this.arena = new Arena(mem, this.layout.total, this.wasm.shared);
      this.kernel = new WasmKernel(this.wasm, mem, this.nativeKind);
    } else {
      this.arena = new Arena(undefined, this.layout.total, typeof SharedArrayBuffer !== 'undefined');
      this.kernel = new JsKernel(this.arena, this.nativeKind, this.metric);
    }
    this.kernel.bind(this.layout, 0);
    this.refreshViews();
    this.writeCodecTable();
  }

  /** @internal Writes the sq8 decode table into the index memory (after allocation, or a load over a saved image, which holds zeros there). */
  writeCodecTable(): void { writeAffTable(this.codec, this.f32, this.layout.aff >> 2); }

  /**
   * @internal Zero-copy load (TypeScript kernel): the index searches `buffer` itself, laid out as
   * `layout` (whose first region is where the saved image lies in it).
   */
  borrowArena(buffer: ArrayBuffer | SharedArrayBuffer, layout: Layout): void {
    this.layout = layout;
    this.instanceId = ++arenaCounter;
    this.arena = Arena.borrow(buffer);
    this.kernel = new JsKernel(this.arena, this.nativeKind, this.metric);
    this.kernel.bind(layout, 0);
    this.refreshViews();
    // (the image holds zeros there: the table is the codec's, saved in the header)
    this.writeCodecTable();
  }

  /**
   * Storage 'sq8': learns the per-dimension ranges from `data` (the rows of a sample, as they
   * will be added; cosine: their unit vectors) while the index is empty. Without it the first
   * `add` (or `build`) trains on its own data. Other storages learn nothing.
   */
  train(data: MatrixInput): void {
    if (this.storage !== 'sq8') return;
    this.checkNotBusy('train');
    if (this.count > 0) throw new KnnkitError('train', `train: the "sq8" ranges are learnt before the first point is added (the index holds ${this.count}); build a new index to retrain`);
    const X = toDense(data, { name: 'data', cols: this.dim });
    this.codec!.train(this.shape.cosine ? unitRows(X) : X);
    this.own();
    this.writeCodecTable();
  }

  /**
   * @internal Copy-on-write of a zero-copy load: before the first change (add, remove, growth)
   * the regions move into an arena of the index's own, so that the caller's bytes keep the saved
   * graph (searches only write the scratch tail of the image). No-op for an owned arena.
   */
  own(): void {
    if (!this.arena.borrowed) return;
    const l = this.layout;
    const regions = new Uint8Array(this.arena.buffer, l.vec, l.allow - l.vec);
    this.allocate(l.cap, l.upperCap, l.threads, l.efCap);
    // regions only: the new scratch was just reset by the kernel's bind (visited tags restart)
    this.u8.set(regions, this.layout.vec);
  }

  /** @internal */ refreshViews(): void {
    const b = this.arena.buffer;
    this.f32 = new Float32Array(b); this.i32 = new Int32Array(b); this.u8 = new Uint8Array(b);
  }

  /** Grows the layout so that it holds `cap` slots, `upper` arena words, `threads` scratch blocks and beam `efCap`. */
  /** @internal */ reserve(cap: number, upper: number, threads: number, efCap: number): void {
    let l = this.layout;
    if (cap <= l.cap && upper <= l.upperCap && threads <= l.threads && efCap <= l.efCap) return;
    // moving the memory under running workers would corrupt their walk
    if (this.busy) throw new KnnkitError('ef', 'ef: a larger beam needs more scratch memory, which cannot move while worker threads search (searchAsync); wait for it to finish');
    // growth moves regions: never inside a caller's buffer
    this.own();
    l = this.layout;
    const next = computeLayout(this.shape,
      cap > l.cap ? Math.max(cap, l.cap * 2) : l.cap,
      upper > l.upperCap ? Math.max(upper, l.upperCap * 2) : l.upperCap,
      Math.max(threads, l.threads), efCap > l.efCap ? Math.max(efCap, l.efCap * 2) : l.efCap);
    relocate(this.arena, l, next);
    this.layout = next;
    if (next.cap > this.labels.length) {
      const lab = new Int32Array(next.cap).fill(-1);
      lab.set(this.labels.subarray(0, this.count));
      this.labels = lab;
    }
    this.kernel.bind(next, 0);
    this.refreshViews();
  }

  /** Bytes held: the index memory (vectors, links, scratch), the id arrays and the id map. */
  memoryUsage(): number {
    return this.arena.byteLength + this.labels.byteLength + this.ids.bytes() + this.free.length * 8;
  }

  // ------------------------------------------------------------------ ids

  /** @internal */ slotOf(id: number): number {
    return Number.isInteger(id) ? this.ids.get(id) : -1;
  }

  /** @internal */ setLabel(slot: number, id: number): void {
    this.labels[slot] = id;
    this.ids.set(id, slot, this.count);
  }

  /** True when `id` is a live (not removed) point of the index. */
  has(id: number): boolean { return this.slotOf(id) >= 0; }

  // ------------------------------------------------------------------ construction

  /** The paper's level draw: l = floor(-ln(U) * mL), U uniform in (0, 1]. */
  /** @internal */ drawLevel(): number {
    const u = 1 - this.rng.random();
    this.levelsDrawn++;
    return Math.min(MAX_LEVEL, Math.floor(-Math.log(u) * this.mL));
  }

  /**
   * Adds vectors (a matrix, or one vector as a plain array / Float32Array) with optional user
   * ids (default: consecutive integers after the largest automatic id so far). Ids must be
   * int32 and not already live. Returns the ids given to the points.
   */
  add(vectors: MatrixInput | ArrayLike<number>, ids?: ArrayLike<number> | number, onProgress?: OnProgress): Int32Array {
    this.checkNotBusy('add');
    this.own();
    const X = isVector(vectors) ? toDense([Array.from(vectors as ArrayLike<number>)], { name: 'vectors', cols: this.dim }) : toDense(vectors, { name: 'vectors', cols: this.dim });
    const n = X.rows;
    if (this.storage === 'bits') checkBinary('vectors', X.data, n, this.dim);
    if (this.storage === 'f16' && !this.shape.cosine) checkF16Range(X);
    if (this.codec && !this.codec.isTrained && n > 0) this.train(X);
    const idList = typeof ids === 'number' ? [ids] : ids;
    const out = new Int32Array(n);
    if (idList !== undefined) {
      if (idList.length !== n) throw new KnnkitError('ids', `ids: got ${idList.length} ids for ${n} vectors; expected one id per vector`);
      const seen = new Set<number>();
      for (let i = 0; i < n; i++) {
        const id = idList[i];
        if (!Number.isInteger(id) || id < -2147483648 || id > 2147483647 || id === -1) throw invalidParam(`ids[${i}]`, id, 'an int32 integer other than -1 (the "no neighbour" marker)');
        if (seen.has(id) || this.slotOf(id) >= 0) throw new KnnkitError('ids', `ids: id ${id} is already in the index or repeated; expected unique new ids (remove(id) first to replace a point)`);
        seen.add(id);
        out[i] = id;
      }
    } else {
      for (let i = 0; i < n; i++) {
        while (this.slotOf(this.nextAutoId) >= 0) this.nextAutoId++;
        out[i] = this.nextAutoId++;
      }
    }
    for (let i = 0; i < n; i++) if (out[i] >= this.nextAutoId) this.nextAutoId = out[i] + 1;
    const fresh = Math.max(0, n - (this.reuseDeleted ? this.free.length : 0));
    this.reserve(this.count + fresh, this.upperUsed + Math.ceil((fresh * 2) / this.M) * (1 + this.M) + MAX_LEVEL * (1 + this.M), 1, this.efConstruction);
    const tick = progressSteps(onProgress, 'hnsw insert', n);
    let i = 0;
    const threads = this.deterministic ? 1 : this.threads;
    if (threads > 1 && canBuildInParallel(this)) {
      // slots of removed points are reused serially (each repairs a neighbourhood first); the
      // fresh points then go in on `threads` threads
      for (; i < n && this.reuseDeleted && this.hasReusableSlot(); i++) { this.addOne(X.data, i * this.dim, out[i]); tick(i + 1); }
      if (n - i >= MIN_PARALLEL_POINTS) {
        const base = i;
        // (progress events at about the serial loop's pace: `every` points, and the last)
        const every = Math.max(1, Math.ceil(n / 200));
        let last = -1;
        insertParallel(this, X.data, i, n, out, threads, (done) => {
          const at = base + done;
          if (onProgress && (Math.floor(at / every) !== Math.floor(last / every) || at === n) && at !== last) { last = at; onProgress({ phase: 'hnsw insert', done: at, total: n }); }
        });
        i = n;
      }
    }
    for (; i < n; i++) { this.addOne(X.data, i * this.dim, out[i]); tick(i + 1); }
    return out;
  }

  /** True when `add` would take the slot of a removed point (addOne's test, without taking it). */
  private hasReusableSlot(): boolean {
    for (let j = this.free.length - 1; j >= 0; j--) {
      const s = this.free[j];
      if (s !== this.ep && (this.u8[this.layout.flags + s] & 1)) return true;
    }
    return false;
  }

  private addOne(src: Float32Array, off: number, id: number): void {
    let slot = -1;
    let reused = false;
    while (this.reuseDeleted && this.free.length > 0) {
      const s = this.free.pop()!;
      if (s !== this.ep && (this.u8[this.layout.flags + s] & 1)) { slot = s; reused = true; break; }
    }
    let level: number;
    if (reused) {
      level = this.u8[this.layout.levels + slot];
      this.writeVector(slot, src, off);
      this.kernel.repair(slot, level);
    } else {
      level = this.drawLevel();
      const words = level * (1 + this.M);
      this.reserve(this.count + 1, this.upperUsed + words, 1, this.efConstruction);
      slot = this.count++;
      this.writeVector(slot, src, off);
      this.u8[this.layout.levels + slot] = level;
      this.i32[(this.layout.upos >> 2) + slot] = this.upperUsed;
      this.upperUsed += words;
    }
    // with no live point left, the graph restarts from this one (tombstones stay unreachable)
    const restart = this.live === 0;
    this.kernel.insert(slot, level, restart ? -1 : this.ep, this.maxLevel, this.efConstruction, this.deleted);
    if (reused) { this.u8[this.layout.flags + slot] &= ~1; this.deleted--; }
    if (restart || level > this.maxLevel) { this.ep = slot; this.maxLevel = level; }
    this.setLabel(slot, id);
    this.live++;
  }

  /** Stores a vector at a slot (cosine: the unit vector, and its norm beside it; bits: packed). */
  /** @internal */ writeVector(slot: number, src: ArrayLike<number>, off: number): void {
    const d = this.dim, base = (this.layout.vec >> 2) + slot * this.words, f = this.f32;
    if (this.storage === 'bits') {
      packRow(src, off, d, this.i32, base, this.words);
    } else if (this.codec) {
      // codes: the row (cosine: its unit vector, the norm beside it) encoded, padding bytes zero
      const row = this.rowTmp;
      let inv = 1;
      if (this.shape.cosine) {
        let ss = 0;
        for (let j = 0; j < d; j++) ss += src[off + j] * src[off + j];
        const norm = Math.sqrt(ss);
        inv = norm > 0 ? 1 / norm : 0;
        f[(this.layout.norm >> 2) + slot] = norm;
      }
      for (let j = 0; j < d; j++) row[j] = src[off + j] * inv;
      const at = base << 2, B = this.codec.bytesPerVector;
      this.codec.encode(row, 1, this.u8, at, 'vectors');
      this.u8.fill(0, at + B, at + this.words * 4);
      if (this.shape.cosine) {
        // the kernels' cosine divides by the decoded row's norm (kept in the row's last word)
        this.codec.decode(this.u8.subarray(at, at + B), 0, row);
        let ss = 0;
        for (let j = 0; j < d; j++) ss += row[j] * row[j];
        f[base + this.words - 1] = inv > 0 && ss > 0 ? 1 / Math.sqrt(ss) : 0;
      }
    } else if (this.shape.cosine) {
      let ss = 0;
      for (let j = 0; j < d; j++) ss += src[off + j] * src[off + j];
      const norm = Math.sqrt(ss), inv = norm > 0 ? 1 / norm : 0;
      for (let j = 0; j < d; j++) f[base + j] = src[off + j] * inv;
      f[(this.layout.norm >> 2) + slot] = norm;
    } else {
      for (let j = 0; j < d; j++) f[base + j] = src[off + j];
    }
  }

  /** The stored vector of a live id (cosine: norm x unit vector), or undefined. */
  getVector(id: number): Float32Array | undefined {
    const s = this.slotOf(id);
    if (s < 0) return undefined;
    return this.vectorOfSlot(s);
  }

  private vectorOfSlot(s: number): Float32Array {
    const d = this.dim, base = (this.layout.vec >> 2) + s * this.words;
    if (this.storage === 'bits') return unpackRow(this.i32, base, d);
    let v: Float32Array;
    if (this.codec) {
      v = new Float32Array(d);
      this.codec.decode(this.u8.subarray(base << 2, (base << 2) + this.codec.bytesPerVector), 0, v);
    } else {
      v = this.f32.slice(base, base + d);
    }
    if (this.shape.cosine) { const n = this.f32[(this.layout.norm >> 2) + s]; for (let j = 0; j < d; j++) v[j] *= n; }
    return v;
  }

  /**
   * Removes a point: a tombstone that is still traversed (so the graph stays navigable) but
   * never returned. Its slot is reused by a later `add` (after repairing its neighbourhood)
   * unless reuseDeleted is false; `compact()` reclaims the memory of all tombstones.
   */
  remove(id: number): void {
    this.checkNotBusy('remove');
    this.own();
    const s = this.slotOf(id);
    if (s < 0) throw invalidParam('id', id, 'the id of a point in the index (not removed)');
    this.u8[this.layout.flags + s] |= 1;
    this.deleted++;
    this.live--;
    this.labels[s] = -1;
    this.ids.delete(id);
    this.free.push(s);
  }

  /**
   * Rebuilds the index without its removed points (same parameters and seed, points in slot
   * order, ids kept) into fresh memory sized for the live points only.
   */
  compact(): void {
    this.checkNotBusy('compact');
    const n = this.live;
    const data = new Float32Array(n * this.dim);
    const ids = new Int32Array(n);
    let r = 0;
    for (let s = 0; s < this.count; s++) {
      if (this.u8[this.layout.flags + s] & 1) continue;
      data.set(this.vectorOfSlot(s), r * this.dim);
      ids[r++] = this.labels[s];
    }
    const fresh = new HnswIndex(this.dim, this.options(Math.max(1, n)), undefined);
    if (n > 0) fresh.add({ data, rows: n, cols: this.dim }, ids);
    reorderSlots(fresh);
    fresh.nextAutoId = this.nextAutoId;
    this.adopt(fresh);
  }

  /** The options that rebuild an index like this one. */
  options(capacity?: number): HnswOptions {
    return {
      metric: this.metric, M: this.M, efConstruction: this.efConstruction, ef: this.ef, seed: this.seed,
      reuseDeleted: this.reuseDeleted, kernel: this.kernelChoice, capacity: capacity ?? this.layout.cap, storage: this.storage,
      threads: this.threads, deterministic: this.deterministic,
      ...(this.codec?.name === 'sq8' && this.codec.isTrained ? { sq8Ranges: { vmin: this.codec.vmin, vdiff: this.codec.vdiff } } : {}),
    };
  }

  /** @internal Takes over another index's state (compaction, loading). */
  adopt(o: HnswIndex): void {
    this.arena = o.arena; this.instanceId = o.instanceId; this.layout = o.layout; this.kernel = o.kernel; this.wasm = o.wasm;
    this.count = o.count; this.live = o.live; this.deleted = o.deleted; this.ep = o.ep; this.maxLevel = o.maxLevel;
    this.upperUsed = o.upperUsed; this.levelsDrawn = o.levelsDrawn; this.nextAutoId = o.nextAutoId;
    this.labels = o.labels; this.ids = o.ids; this.free = o.free; this.rng = o.rng; this.codec = o.codec;
    this.refreshViews();
  }

  /** @internal Restores the level stream after `levelsDrawn` draws (deserialisation). */
  restoreRng(levelsDrawn: number): void {
    this.rng = new Rng(this.seed);
    for (let i = 0; i < levelsDrawn; i++) this.rng.random();
    this.levelsDrawn = levelsDrawn;
  }

  // ------------------------------------------------------------------ search

  /**
   * k nearest neighbours of each query row (approximate). `ef` (default: the index's) is the
   * layer-0 beam, raised to k when smaller; `filter` restricts results to allowed user ids
   * during the walk. Rows hold user ids nearest first; when fewer than k points are live (or
   * allowed) the row is padded with -1 / Infinity, and the width is min(k, live points).
   */
  search(queries: MatrixInput | ArrayLike<number>, k: number, params: HnswSearchParams = {}): SearchResult {
    checkInteger('k', k, 1);
    const Q = isVector(queries) ? toDense([Array.from(queries as ArrayLike<number>)], { name: 'queries', cols: this.dim }) : toDense(queries, { name: 'queries', cols: this.dim });
    const kk = Math.min(k, this.live);
    const ef = Math.max(params.ef === undefined ? this.ef : checkInteger('ef', params.ef, 1), kk);
    const res = SearchResult.empty(Q.rows, kk);
    if (kk === 0) return res;
    this.reserve(this.layout.cap, this.layout.upperCap, 1, ef);
    const plan = this.planFilter(params.filter, ef, params.filterStrategy);
    try {
      for (let i = 0; i < Q.rows; i++) this.searchOne(Q.data, i * this.dim, kk, ef, plan, res.indices, res.distances, i * kk);
    } finally {
      this.kernel.setHostFilter(undefined);
    }
    return res;
  }

  /**
   * @internal Storage 'bits' fast path for callers that hold float32 rows which are usually
   * 0/1 (KnnGraphClassifier.predict): no separate validation pass; the kernel's packing checks
   * each query, and the call returns null as soon as one is not 0/1 (NaN and Infinity
   * included), so that the caller can answer the batch another way. `Q` must be a float32
   * row-major block of `dim` columns.
   */
  searchIfBinary(Q: { data: Float32Array; rows: number; cols: number }, k: number, ef: number): SearchResult | null {
    if (this.storage !== 'bits' || Q.cols !== this.dim || Q.data.length < Q.rows * Q.cols) return null;
    const kk = Math.min(checkInteger('k', k, 1), this.live);
    ef = Math.max(checkInteger('ef', ef, 1), kk);
    const res = SearchResult.empty(Q.rows, kk);
    if (kk === 0) return res;
    this.reserve(this.layout.cap, this.layout.upperCap, 1, ef);
    const t = threadScratch0(this), f = this.f32, d = this.dim, qf = t.qf >> 2;
    const wd = t.wd >> 2, wi = t.wi >> 2, m = this.metric, kernel = this.kernel, i32 = this.i32;
    for (let i = 0; i < Q.rows; i++) {
      f.set(Q.data.subarray(i * d, i * d + d), qf);
      if (!kernel.packQuery()) return null;
      const n = kernel.searchKnn(this.ep, this.maxLevel, ef, kk, FILTER_NONE, this.deleted);
      for (let j = 0; j < n; j++) {
        res.indices[i * kk + j] = this.labels[i32[wi + j]];
        res.distances[i * kk + j] = m.reducedToDistance(f[wd + j]);
      }
    }
    return res;
  }

  /** @internal How a call's filter runs: mode for the walk, or a slot list for an exact scan. */
  planFilter(filter: HnswSearchParams['filter'] | undefined, ef: number, strategy: HnswSearchParams['filterStrategy'] = 'auto'): FilterPlan {
    if (strategy !== 'auto' && strategy !== 'graph' && strategy !== 'scan') throw invalidParam('filterStrategy', strategy, '"auto", "graph" or "scan"');
    const f = normaliseFilter(filter);
    const scan = (allowed: number) => strategy === 'scan' || (strategy === 'auto' && preferBruteForce(allowed, this.live, ef));
    if (f.kind === 'none') return { mode: FILTER_NONE, list: -1 };
    // the allow bitmap is shared with worker threads: one filtered batch at a time
    if (this.busy) throw new KnnkitError('filter', 'filter: a filtered search cannot run while worker threads search this index (searchAsync); wait for it to finish');
    const l = this.layout;
    if (f.kind === 'set') {
      const bits = this.u8;
      bits.fill(0, l.allow, l.allow + Math.ceil(l.cap / 8));
      let allowed = 0;
      for (const id of f.ids) {
        const s = this.slotOf(id);
        if (s >= 0 && !(bits[l.allow + (s >> 3)] & (1 << (s & 7)))) { bits[l.allow + (s >> 3)] |= 1 << (s & 7); allowed++; }
      }
      if (allowed === 0) return { mode: FILTER_NONE, list: 0 };
      if (scan(allowed)) return { mode: FILTER_BITMAP, list: this.writeSlotList((s) => (bits[l.allow + (s >> 3)] & (1 << (s & 7))) !== 0) };
      return { mode: FILTER_BITMAP, list: -1 };
    }
    const fn = f.fn, labels = this.labels;
    if (strategy === 'scan') return { mode: FILTER_HOST, list: this.writeSlotList((s) => fn(labels[s])) };
    if (strategy === 'graph') { this.kernel.setHostFilter((s) => fn(labels[s])); return { mode: FILTER_HOST, list: -1 }; }
    // estimate the allowed fraction on a strided sample of live slots
    let seen = 0, ok = 0;
    const stride = Math.max(1, Math.floor(this.count / 256));
    for (let s = 0; s < this.count && seen < 256; s += stride) {
      if (labels[s] < 0) continue;
      seen++;
      if (fn(labels[s])) ok++;
    }
    const est = seen === 0 ? 0 : Math.round((ok / seen) * this.live);
    if (preferBruteForce(est, this.live, ef)) return { mode: FILTER_HOST, list: this.writeSlotList((s) => fn(labels[s])) };
    this.kernel.setHostFilter((s) => fn(labels[s]));
    return { mode: FILTER_HOST, list: -1 };
  }

  /** Writes the live slots passing `ok` into the scratch list (ci) and returns their count. */
  private writeSlotList(ok: (slot: number) => boolean): number {
    const ci = threadScratch(this.layout, 0).ci >> 2;
    let n = 0;
    for (let s = 0; s < this.count; s++) {
      if (this.labels[s] < 0) continue;
      if (ok(s)) this.i32[ci + n++] = s;
    }
    return n;
  }

  /** One query: copy into the scratch query block (bits: staged, then packed by the kernel), walk, copy results out. */
  private searchOne(src: Float32Array, off: number, k: number, ef: number, plan: FilterPlan, outI: Int32Array, outD: Float32Array, outOff: number): void {
    const t = threadScratch0(this);
    const f = this.f32, d = this.dim, q = t.q >> 2;
    if (this.storage === 'bits') {
      f.set(src.subarray(off, off + d), t.qf >> 2);
      // (earlier rows passed, so the first bad value of the batch is in this row)
      if (!this.kernel.packQuery()) checkBinary('queries', src, Math.floor(src.length / d), d);
    } else if (this.shape.cosine) {
      let ss = 0;
      for (let j = 0; j < d; j++) ss += src[off + j] * src[off + j];
      const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
      for (let j = 0; j < d; j++) f[q + j] = src[off + j] * inv;
    } else {
      for (let j = 0; j < d; j++) f[q + j] = src[off + j];
    }
    let n: number;
    if (plan.list >= 0) {
      // exact scan over the allowed slots listed at ci (written once per call by planFilter)
      n = plan.list === 0 ? 0 : this.kernel.bruteList(plan.list, k);
    } else {
      n = this.kernel.searchKnn(this.ep, this.maxLevel, ef, k, plan.mode, this.deleted);
    }
    const wd = t.wd >> 2, wi = t.wi >> 2, m = this.metric, cos = this.shape.cosine;
    for (let j = 0; j < n; j++) {
      outI[outOff + j] = this.labels[this.i32[wi + j]];
      let r = m.reducedToDistance(f[wd + j]);
      if (cos) r = r < 0 ? 0 : r > 2 ? 2 : r;
      outD[outOff + j] = r;
    }
  }

  /**
   * Points within distance r (inclusive), approximate: searches with a growing k until the
   * k-th neighbour lies beyond r or every point is returned. Sorted by distance then id.
   */
  radiusSearch(queries: MatrixInput, r: number, params: HnswSearchParams = {}): RadiusResult {
    checkNumber('r', r, 0);
    const Q = toDense(queries, { name: 'queries', cols: this.dim });
    return radiusByKnn(Q, r, this.live, Math.max(16, params.ef ?? this.ef), (row, k) => this.search(row, k, { ...params, ef: Math.max(k, params.ef ?? this.ef) }));
  }

  /**
   * Batch search on worker threads walking the same (shared) index memory; results are
   * identical to `search`. threads defaults to the machine's cores; 1 runs in this thread.
   */
  async searchAsync(queries: MatrixInput, k: number, params: HnswSearchParams & ParallelOptions = {}): Promise<SearchResult> {
    // mutations are refused from now until the batch is done (checked synchronously)
    this.pendingAsync++;
    try {
      const { parallelSearch } = await (parallelModule ??= import('./parallel.js'));
      return await parallelSearch(this, queries, k, params);
    } finally {
      this.pendingAsync--;
    }
  }

  /** @internal */ checkNotBusy(op: string): void {
    if (this.busy || this.pendingAsync > 0) throw new KnnkitError(op, `${op}: the index is being searched by worker threads (searchAsync); wait for it to finish`);
  }
  /** @internal Workers are reading the memory: it must not move. */
  setBusy(b: boolean): void { this.busy = b; }
  private pendingAsync = 0;

  // ------------------------------------------------------------------ persistence

  /** Serialises the index (see serialize.ts for the format). */
  toBytes(): Uint8Array { return serializeIndex(this); }
  static fromBytes(bytes: Uint8Array, opts: { kernel?: 'auto' | 'wasm' | 'js'; source?: string } = {}): HnswIndex { return deserializeIndex(bytes, HnswIndex.make, opts); }
  /** @internal the constructor as a function (the deserialiser's factory). */
  static make(dim: number, opts: HnswOptions): HnswIndex { return new HnswIndex(dim, opts); }

  /** Writes the index atomically (temporary file, fsync, rename), streamed from its memory (no file-sized buffer). */
  async save(path: string): Promise<void> {
    const { streamAtomic } = await import('../../io/atomic.js');
    await streamAtomic(path, serializeChunks(this));
  }

  static async load(path: string, opts: { kernel?: 'auto' | 'wasm' | 'js' } = {}): Promise<HnswIndex> {
    const { readFile } = await import('node:fs/promises');
    let bytes: Uint8Array;
    try { bytes = new Uint8Array(await readFile(path)); } catch (e) { throw new KnnkitError('path', `path: cannot read ${JSON.stringify(path)}: ${(e as Error).message}`); }
    return deserializeIndex(bytes, HnswIndex.make, { ...opts, source: path });
  }

  /** @internal raw views for serialisation and workers */
  get views(): { f32: Float32Array; i32: Int32Array; u8: Uint8Array } { return { f32: this.f32, i32: this.i32, u8: this.u8 }; }
  /** @internal */ metricSpec(): unknown { return metricToSpec(this.metric); }
}

/** @internal */
export interface FilterPlan {
  mode: number;
  /** -1: walk the graph; >= 0: exact scan over that many slots (written at the scratch list). */
  list: number;
}

const cache = new WeakMap<Layout, ReturnType<typeof threadScratch>>();
/** Thread 0's scratch offsets, computed once per layout (keeps the query path allocation-free). */
function threadScratch0(idx: HnswIndex) {
  let t = cache.get(idx.layout);
  if (!t) { t = threadScratch(idx.layout, 0); cache.set(idx.layout, t); }
  return t;
}

function isVector(x: unknown): boolean {
  if (ArrayBuffer.isView(x)) return true;
  return Array.isArray(x) && (x.length === 0 || typeof x[0] === 'number');
}

// late imports (serialize.ts imports this module's types only)
import { serializeIndex, serializeChunks, deserializeIndex } from './serialize.js';
