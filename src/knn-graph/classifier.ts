import type { OnProgress } from '../core/progress.js';
import type { Matrix, MatrixInput } from '../core/data.js';
import { toMatrix } from '../core/data.js';
import { checkInteger, invalidParam, KnnkitError } from '../core/errors.js';
import { checkLabels, LabelEncoder, type Label } from '../core/labels.js';
import type { NeighborIndex } from '../search/types.js';
import { withoutSelf, type SearchResult } from '../search/results.js';
import { HnswIndex } from '../search/hnsw/hnsw-index.js';
import { BitScan } from '../codecs/bit-scan.js';
import { BitsCodec } from '../codecs/bits.js';
import { BruteForce } from '../search/brute-force/brute-force.js';
import { firstNonBinary } from '../search/hnsw/bits.js';
import type { DenseMatrix } from '../core/matrix.js';
import { queriesLike, singleRow } from './convert.js';
import { defaultEfConstruction, dictionarySize, resolveOptions, type KnnGraphOptions, type ResolvedOptions } from './options.js';
import { finish, prepare, solveAllSync, type TrainedGraph } from './train.js';
// circular with serialize.ts, used only at call time
import { classifierFromJSON, classifierToJSON, decode, encode, loadClassifier, loadClassifierSync, saveClassifier, saveClassifierSync, type RestoredModel } from './serialize.js';

export interface ExplainedNeighbour {
  /** Training row of the neighbour. */
  index: number;
  /** Learned self-representation coefficient w (Eq. 1). */
  weight: number;
  /** Euclidean distance from the node to the neighbour (what Eq. 4 weighs by). */
  distance: number;
  label: Label;
}

export interface Explanation {
  /** Training row reached by the 1-NN lookup. */
  node: number;
  /** Distance from the query to that node. */
  nodeDistance: number;
  /** The node's consensus label (the prediction) and its own training label. */
  nodeLabel: Label;
  trueLabel: Label;
  neighbours: ExplainedNeighbour[];
  /** Normalised consensus scores of the node, one per class (order of .classes). */
  consensusScores: Record<string, number>;
}

/** Training statistics (for reports and tests). */
export interface FitInfo {
  sigma: number;
  scaleWeights: number[];
  meanNeighbours: number;
  meanIterations: number;
  mode: 'full' | 'candidates';
  /** m, the dictionary size of each column, in candidates mode. */
  candidates?: number;
  /**
   * The inference index: HNSW over bit-packed 0/1 points, HNSW over float32 points, or the
   * exact engine (sparse data). Set when the index is built (also after load).
   */
  index?: 'hnsw-bits' | 'hnsw-f32' | 'brute-force';
  /**
   * How 0/1 queries find their nearest node: 'bit-scan' (exact popcount scan of every node,
   * chosen while it is the faster, n x words <= BIT_SCAN_MAX_WORDS) or 'graph' (the HNSW walk).
   */
  lookup?: 'bit-scan' | 'graph';
  /** The HNSW index's links per node and construction beam (absent for the exact engine). */
  indexM?: number;
  indexEfConstruction?: number;
}

/** Options of one fit (not saved with the model). */
export interface FitOptions {
  /** Progress of the column solves (phase "knn-graph solve": columns solved of n). */
  onProgress?: OnProgress;
}

/**
 * The kNN-Graph classifier (Li et al., "Adaptive kNN graph model"): learns, for every training
 * point, a sparse set of neighbours by kernelised self-representation with density-aware L1
 * regularisation, fixes a consensus label per training node from those neighbours, and at
 * inference time answers with the stored label of the nearest training node (one 1-NN lookup
 * in an HNSW index over the training points). See docs/knn-graph.md.
 */
export class KnnGraphClassifier {
  readonly options: ResolvedOptions;
  private encoder?: LabelEncoder;
  private X?: Matrix;
  private yIds?: Int32Array;
  private graph?: TrainedGraph;
  private index?: NeighborIndex;
  /** Bit-packed index only: a float32 twin (same options and seed, so the same graph) for queries that are not 0/1, built on first need. */
  private floatIndex?: NeighborIndex;
  /** Bit-packed index of a small training set: the exact popcount scan that answers 0/1 queries. */
  private bitScan?: BitScan;
  private info?: FitInfo;

  constructor(options: KnnGraphOptions = {}) {
    this.options = resolveOptions(options);
  }

  get classes(): Label[] { return this.fitted().encoder!.classes.slice(); }
  get fitInfo(): FitInfo { return { ...this.fitted().info! }; }
  /** Number of training nodes. */
  get size(): number { return this.fitted().X!.rows; }

  /** Trains in the calling thread. */
  fit(X: MatrixInput, y: ArrayLike<Label>, opts: FitOptions = {}): this {
    const { M, yIds, enc } = this.validate(X, y);
    const prep = prepare(M, yIds, enc.size, this.options, false);
    const sols = solveAllSync(prep, opts.onProgress);
    return this.complete(M, yIds, enc, prep, sols);
  }

  /** Trains with the column solves (and H) on `threads` worker threads (shared kernel matrices). */
  async fitAsync(X: MatrixInput, y: ArrayLike<Label>, opts: FitOptions = {}): Promise<this> {
    // worker threads are Node's: loaded on first use, so that this module loads in a browser
    const { defaultThreads, solveAllParallel } = await import('./parallel.js');
    const threads = this.options.threads ?? defaultThreads();
    const { M, yIds, enc } = this.validate(X, y);
    if (threads <= 1 || M.rows < 64) return this.fit(M, y, opts);
    const prep = prepare(M, yIds, enc.size, this.options, true, threads);
    const sols = await solveAllParallel(prep, threads, opts.onProgress);
    return this.complete(M, yIds, enc, prep, sols);
  }

  /** Consensus label of the nearest training node, per query. */
  predict(X: MatrixInput): Label[] {
    const ids = this.nearestNodes(X);
    const g = this.graph!;
    const out: Label[] = new Array(ids.length);
    for (let q = 0; q < ids.length; q++) out[q] = this.encoder!.classes[g.nodeLabels[ids[q]]];
    return out;
  }

  /** Normalised consensus scores of the node found (n x classes, row-major, order of .classes). */
  predictProba(X: MatrixInput): Float64Array {
    const ids = this.nearestNodes(X);
    const C = this.graph!.nClasses, s = this.graph!.nodeScores;
    const out = new Float64Array(ids.length * C);
    for (let q = 0; q < ids.length; q++) for (let c = 0; c < C; c++) out[q * C + c] = s[ids[q] * C + c];
    return out;
  }

  /**
   * The k training nodes nearest to each query (indices into the training set, Euclidean
   * distances, nearest first), found by the inference index with beam max(ef, k): with k = 1
   * this is the lookup `predict` makes. With X omitted, every training node's k nearest other
   * nodes (itself left out, scikit-learn's convention). k above the training set is clamped.
   */
  kneighbors(X?: MatrixInput, k = 1): SearchResult {
    this.fitted();
    checkInteger('k', k, 1);
    const n = this.X!.rows;
    if (X !== undefined) {
      const q = queriesLike(X, this.X!.kind, this.X!.cols, 'X');
      const kk = Math.min(k, n);
      return this.indexFor(q).search(q, kk, { ef: Math.max(this.options.ef, kk) });
    }
    if (n < 2) throw new KnnkitError('X', 'X: the training set has 1 point, so it has no neighbours other than itself');
    const kk = Math.min(k, n - 1);
    const train = this.X!;
    return withoutSelf(this.indexFor(train).search(train, kk + 1, { ef: Math.max(this.options.ef, kk + 1) }), kk);
  }

  score(X: MatrixInput, y: ArrayLike<Label>): number {
    const pred = this.predict(X);
    const yy = checkLabels(y, pred.length);
    let hit = 0;
    for (let i = 0; i < pred.length; i++) if (String(typeof pred[i]) + pred[i] === String(typeof yy[i]) + yy[i]) hit++;
    return hit / pred.length;
  }

  /** The training node a query reaches, its learned neighbours (weights, distances, labels) and scores. */
  explain(query: unknown): Explanation {
    this.fitted();
    const X = this.X!, g = this.graph!, enc = this.encoder!;
    const q = singleRow(query, X.kind, X.cols);
    // the same lookup as predict (the bit scan, the graph walk or the exact engine)
    let node: number, nodeDistance: number;
    const scanned = this.bitScan && q.kind === 'dense' ? this.nearestNodes(q)[0] : -1;
    if (scanned >= 0 && X.kind === 'dense' && q.kind === 'dense') {
      node = scanned;
      let ss = 0;
      for (let j = 0; j < X.cols; j++) { const t = q.data[j] - X.data[node * X.cols + j]; ss += t * t; }
      nodeDistance = Math.fround(Math.sqrt(ss));
    } else {
      const res = this.indexFor(q).search(q, 1, { ef: this.options.ef });
      node = res.indices[0]; nodeDistance = res.distances[0];
    }
    const neighbours: ExplainedNeighbour[] = [];
    for (let p = g.nbrOffsets[node]; p < g.nbrOffsets[node + 1]; p++) {
      neighbours.push({ index: g.nbrIdx[p], weight: g.nbrW[p], distance: g.nbrDist[p], label: enc.classes[this.yIds![g.nbrIdx[p]]] });
    }
    const consensusScores: Record<string, number> = {};
    enc.classes.forEach((c, k) => { consensusScores[String(c)] = g.nodeScores[node * g.nClasses + k]; });
    return {
      node, nodeDistance, nodeLabel: enc.classes[g.nodeLabels[node]],
      trueLabel: enc.classes[this.yIds![node]], neighbours, consensusScores,
    };
  }

  /** Everything needed to answer queries, as plain JSON (arrays of numbers). */
  toJSON(): object { return classifierToJSON(this); }
  static fromJSON(json: unknown): KnnGraphClassifier { return KnnGraphClassifier.restore(classifierFromJSON(json)); }
  /** The model file's bytes (what save writes): for storage without a file system (IndexedDB, fetch). */
  toBytes(): Uint8Array { this.fitted(); return encode(this); }
  /** Reads model bytes; corrupt, truncated or foreign bytes are refused with a KnnkitError. */
  static fromBytes(bytes: Uint8Array): KnnGraphClassifier {
    if (!(bytes instanceof Uint8Array)) throw invalidParam('bytes', bytes, 'a Uint8Array (the bytes of toBytes() or of a model file)');
    return KnnGraphClassifier.restore(decode(bytes, 'bytes'));
  }
  /** Binary model file with its training points (versioned, CRC-32, written atomically). */
  save(path: string): Promise<void> { return saveClassifier(this, path); }
  saveSync(path: string): void { saveClassifierSync(this, path); }
  /** Loads a model file; a corrupt or truncated file is refused with a KnnkitError. */
  static async load(path: string): Promise<KnnGraphClassifier> { return KnnGraphClassifier.restore(await loadClassifier(path)); }
  static loadSync(path: string): KnnGraphClassifier { return KnnGraphClassifier.restore(loadClassifierSync(path)); }

  private static restore(m: RestoredModel): KnnGraphClassifier {
    const c = new KnnGraphClassifier(m.options);
    c.adopt(m.X, m.yIds, m.encoder, m.graph, m.info, m.index);
    return c;
  }

  // ---- internals -------------------------------------------------------------------------

  private validate(X: MatrixInput, y: ArrayLike<Label>): { M: Matrix; yIds: Int32Array; enc: LabelEncoder } {
    const M = toMatrix(X, { name: 'X' });
    const labels = checkLabels(y, M.rows);
    const enc = LabelEncoder.fit(labels);
    return { M, yIds: enc.encode(labels), enc };
  }

  private complete(M: Matrix, yIds: Int32Array, enc: LabelEncoder, prep: ReturnType<typeof prepare>, sols: Parameters<typeof finish>[5]): this {
    const g = finish(M, yIds, enc.size, this.options, prep, sols);
    this.adopt(M, yIds, enc, g, {
      sigma: g.sigma, scaleWeights: g.scaleWeights, meanNeighbours: g.nbrIdx.length / g.n,
      meanIterations: g.meanIterations, mode: prep.ctx.mode === 'full' ? 'full' : 'candidates',
      ...(prep.ctx.mode === 'full' ? {} : { candidates: dictionarySize(M.rows, this.options.candidates) }),
    });
    return this;
  }

  /** @internal installs a trained graph and builds the inference index (or takes a loaded one). */
  adopt(M: Matrix, yIds: Int32Array, enc: LabelEncoder, g: TrainedGraph, info: FitInfo, index?: HnswIndex): void {
    this.X = M; this.yIds = yIds; this.encoder = enc; this.graph = g;
    this.floatIndex = undefined;
    // knnkit's HNSW is dense-only: sparse (CSR) data is answered by the exact engine (inverted index)
    const idx = this.index = index ?? (M.kind === 'csr' ? new BruteForce(M, { metric: 'euclidean' }) : this.buildHnsw(M, this.indexStorage(M)));
    const lookup = this.options.lookup ?? 'auto';
    this.bitScan = idx instanceof HnswIndex && idx.storage === 'bits' && M.kind === 'dense' && lookup !== 'graph' ? bitScanFor(M, lookup === 'scan') : undefined;
    this.info = idx instanceof HnswIndex
      ? { ...info, index: idx.storage === 'bits' ? 'hnsw-bits' : 'hnsw-f32', indexM: idx.M, indexEfConstruction: idx.efConstruction, ...(idx.storage === 'bits' ? { lookup: this.bitScan ? 'bit-scan' : 'graph' } : {}) }
      : { ...info, index: 'brute-force' };
  }

  /** 'bits' when asked for, or with 'auto' when every training value is 0 or 1. */
  private indexStorage(M: DenseMatrix): 'f32' | 'bits' {
    const s = this.options.indexStorage;
    if (s !== 'auto') return s;
    return firstNonBinary(M.data, M.rows, M.cols) < 0 ? 'bits' : 'f32';
  }

  private buildHnsw(M: DenseMatrix, storage: 'f32' | 'bits'): HnswIndex {
    // build_hnsw_index.m: MaxNumLinksPerNode = min(32, n), at least 2; TrainSetSize = n
    const links = this.options.M ?? Math.max(2, Math.min(32, M.rows));
    const efConstruction = this.options.efConstruction ?? defaultEfConstruction(M.rows);
    return HnswIndex.build(M, { metric: 'euclidean', M: links, efConstruction, ef: this.options.ef, seed: this.options.seed, storage });
  }

  /** The index that answers `q`: the bit-packed one when q is 0/1 too, else its float32 twin. */
  private indexFor(q: Matrix): NeighborIndex {
    const idx = this.index!;
    if (!(idx instanceof HnswIndex) || idx.storage !== 'bits' || q.kind !== 'dense') return idx;
    if (firstNonBinary(q.data, q.rows, q.cols) < 0) return idx;
    return (this.floatIndex ??= this.buildHnsw(this.X as DenseMatrix, 'f32'));
  }

  private nearestNodes(X: MatrixInput): Int32Array {
    this.fitted();
    // float32 rows on a bit-packed index: one pass, the kernel packs and checks every query
    // (anything not 0/1, NaN included, sends the batch to the validated general path below)
    const idx = this.index;
    if (this.bitScan && isFloat32Block(X) && X.rows > 0 && X.cols === this.X!.cols) {
      // exact nearest node by popcount; false when a value is not 0/1 (then the paths below)
      const rows = new Int32Array(X.rows), dist = new Int32Array(X.rows);
      if (this.bitScan.searchF32(X.data, X.rows, X.cols, 1, rows, dist)) return rows;
    }
    if (idx instanceof HnswIndex && idx.storage === 'bits' && isFloat32Block(X) && X.rows > 0) {
      const r = idx.searchIfBinary(X, 1, this.options.ef);
      if (r) return r.indices;
    }
    const q = queriesLike(X, this.X!.kind, this.X!.cols, 'X');
    if (this.bitScan && q.kind === 'dense' && q.rows > 0 && !isFloat32Block(X)) {
      const rows = new Int32Array(q.rows), dist = new Int32Array(q.rows);
      if (this.bitScan.searchF32(q.data, q.rows, q.cols, 1, rows, dist)) return rows;
    }
    return this.indexFor(q).search(q, 1, { ef: this.options.ef }).indices;
  }

  private fitted(): this {
    if (!this.graph) throw new KnnkitError('KnnGraphClassifier', 'KnnGraphClassifier: not fitted; call fit(X, y) first');
    return this;
  }

  /** @internal state for serialisation. */
  state(): { X: Matrix; yIds: Int32Array; encoder: LabelEncoder; graph: TrainedGraph; info: FitInfo; index: NeighborIndex } {
    this.fitted();
    return { X: this.X!, yIds: this.yIds!, encoder: this.encoder!, graph: this.graph!, info: this.info!, index: this.index! };
  }
}

/**
 * Largest training set (nodes x 64-bit words per node) answered by the exact bit scan rather than
 * the graph walk. `node --import tsx bench/bit-scan.ts --crossover` (generated 320-bit data, 140
 * queries, walk at M 32 / construction beam 200 / ef 16, load average 13): the bound scan is 1.6x
 * faster at 1,264 nodes, level at 2,500 (12,500 words), 3-5x slower from 5,000 nodes. On Binalpha
 * itself the scan prunes more (0.29 ms against the walk's ~0.8 ms per fold).
 */
export const BIT_SCAN_MAX_WORDS = 10_000;

function bitScanFor(M: DenseMatrix, always: boolean): BitScan | undefined {
  const codec = new BitsCodec(M.cols);
  if (!always && M.rows * (codec.bytesPerVector / 8) > BIT_SCAN_MAX_WORDS) return undefined;
  const codes = new Uint8Array(M.rows * codec.bytesPerVector);
  codec.encode(M.data, M.rows, codes, 0, 'X');
  const scan = new BitScan(codes, M.rows, codec.bytesPerVector / 8);
  // the lookup is k = 1: the segment-bound scan skips most rows (same answers), built here at fit
  scan.prepareNearest();
  return scan;
}

function isFloat32Block(X: unknown): X is { data: Float32Array; rows: number; cols: number } {
  if (!X || typeof X !== 'object') return false;
  const o = X as { kind?: string; data?: unknown; rows?: unknown; cols?: unknown };
  return (o.kind === undefined || o.kind === 'dense') && o.data instanceof Float32Array
    && Number.isInteger(o.rows) && Number.isInteger(o.cols) && o.data.length === (o.rows as number) * (o.cols as number);
}
