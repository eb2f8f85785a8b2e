import type { Matrix } from '../../core/data.js';
import { KnnkitError } from '../../core/errors.js';
import { denseMatrix, type DenseMatrix } from '../../core/matrix.js';
import { TopK } from '../../core/topk.js';
import type { Metric } from '../../metrics/types.js';
import { SearchResult } from '../../search/results.js';
import type { Envelope, Section } from '../envelope.js';
import type { Allow, FamilyCore } from '../types.js';
import { CoarseQuantiser, defaultNlist, isCosine, scoreKind, type ScoreKind } from '../ivf/coarse.js';
import { prepare, type IvfOptions } from '../ivf/ivf-flat-core.js';
import { InvertedLists } from '../ivf/lists.js';
import { ProductQuantizer, scanAdc } from './product-quantizer.js';
import { quantizeTables, scanFs } from './fast-scan.js';
import { IvfKernels } from '../ivf/kernels.js';
import { RefineStore } from './refine.js';
import { rotateRows, trainOpq, unrotate } from './opq.js';

/**
 * How the codebooks are trained and the codes chosen, given the residuals R and the datapoints
 * X they come from (R = X without IVF). The default is plain PQ (k-means, nearest centre);
 * ScaNN's anisotropic quantiser (src/index/scann/anisotropic.ts) plugs in here.
 */
export interface ResidualCoder {
  train(R: DenseMatrix, X: DenseMatrix, m: number, nbits: number): ProductQuantizer;
  encode(pq: ProductQuantizer, R: DenseMatrix, X: DenseMatrix): Uint8Array;
}

/** Build options of the PQ families (pq: ivf = null). */
export interface PqOptions {
  /** Sub-quantisers; undefined = defaultM(d). */
  m?: number;
  nbits: number;
  pqIter: number;
  seed: number;
  maxPointsPerCentroid: number;
  refine: boolean;
  precomputedTable: boolean;
  ivf: IvfOptions | null;
  /** OPQ rotation fitted for this many sub-spaces (FAISS OPQ<M>); 0 / undefined = none. */
  opqM?: number;
  /** OPQ alternations (PQ, Procrustes). */
  opqIter?: number;
  /** Codebook training and encoding other than plain PQ (ScaNN). */
  coder?: ResidualCoder;
}

/**
 * Default m: sub-vectors of 4 coordinates from 32 dimensions up when d allows (FAISS users' usual
 * PQ{d/4}), else of 2, else 1. Below 32 dimensions d/4 bytes are too few: on the demo's 16-d
 * clusters PQ4 finds 0.41 of the true top 10, PQ8 0.72 (knnkit demo, recall@10).
 */
export function defaultM(d: number): number {
  return d >= 32 && d % 4 === 0 ? d / 4 : d % 2 === 0 ? d / 2 : d;
}

/**
 * PQ (FAISS IndexPQ) and IVF-PQ (FAISS IndexIVFPQ; Jegou et al. 2011, IVFADC): vectors are
 * stored as m-byte product-quantiser codes; with IVF, of the residual r = x - c(x) to the
 * coarse centroid of their list (so the codebooks spend their bits on the within-cell spread).
 * A query probes nprobe lists and ranks each list's codes by ADC:
 *
 *   L2:  ||q - c - r||^2 = ||q - c||^2 + (||r||^2 + 2 <c, r>) - 2 <q, r>
 *        term 1 comes from the coarse search, term 2 is a per-list table precomputed at train
 *        time (nlist x m x ksub, FAISS's precomputed table), term 3 a per-query table shared
 *        by every list; without the precomputed table, the table of ||(q - c)_j - r_jk||^2 is
 *        rebuilt per probed list.
 *   IP:  1 - <q, c + r> = (1 - <q, c>) - sum_j <q_j, r_jk>: one table per query.
 *
 * `refine` (FAISS IndexRefineFlat) keeps the float vectors too: the best k * kFactor by ADC are
 * re-ranked by their exact distance.
 */
export class IvfPqCore implements FamilyCore {
  readonly exact = false;
  private readonly kind: ScoreKind;
  coarse: CoarseQuantiser | null = null;
  pq: ProductQuantizer | null = null;
  lists: InvertedLists | null = null;
  /** nlist x m x ksub: ||r_jk||^2 + 2 <c_j, r_jk> per list (L2 with IVF and precomputedTable); in the module's memory under the kernels. */
  private tableTs: Float32Array | null = null;
  private tableLen = 0;
  refine: RefineStore | null = null;
  /** OPQ's d x d rotation (row-major, x_rot = x R), applied to data and queries before anything else; null = none. */
  rotation: Float32Array | null = null;
  private trained = false;
  /** The WebAssembly kernels and their memory (lists, codebooks, table); null: TypeScript scans. */
  readonly kern: IvfKernels | null = IvfKernels.create();

  constructor(readonly metric: Metric, readonly dim: number, private readonly opts: PqOptions) {
    this.kind = scoreKind(metric);
    if (opts.m !== undefined && dim % opts.m !== 0) throw new KnnkitError('m', `m: got ${opts.m}; expected a divisor of the dimension ${dim}`);
    if (opts.nbits !== 8 && opts.nbits !== 4) throw new KnnkitError('nbits', `nbits: got ${opts.nbits}; expected 8 (256 centroids per sub-quantiser) or 4 (16, fast scan)`);
    if (opts.nbits === 4 && opts.m !== undefined && opts.m > 256) throw new KnnkitError('m', `m: got ${opts.m}; expected at most 256 with nbits = 4 (the fast scan sums m uint8 entries in uint16)`);
    if (opts.opqM && dim % opts.opqM !== 0) throw new KnnkitError('opqM', `opqM: got ${opts.opqM}; expected a divisor of the dimension ${dim}`);
    if (opts.refine) this.refine = new RefineStore(dim);
  }

  /** Rows as the index stores and searches them: unit rows under cosine, then OPQ's rotation. */
  private input(m: Matrix, what: string): DenseMatrix {
    const X = prepare(m, this.metric, what);
    return this.rotation ? rotateRows(X, this.rotation) : X;
  }

  /** The precomputed table (a view into the module's memory under the kernels), or null. */
  get table(): Float32Array | null {
    if (this.tableLen === 0) return null;
    return this.kern ? this.kern.f32('table', this.tableLen) : this.tableTs;
  }

  private setTable(T: Float32Array | null): void {
    this.tableLen = T ? T.length : 0;
    if (T && this.kern) this.kern.put('table', T);
    else this.tableTs = T;
  }

  /** How the lists store codes: one byte per sub-code (8 bits) or packed for the fast scan (4 bits). */
  private get codeKind(): 'u8' | 'pq4' { return this.opts.nbits === 4 ? 'pq4' : 'u8'; }

  get isTrained(): boolean { return this.trained; }
  private get nlist(): number { return this.coarse?.nlist ?? 1; }

  train(sample: DenseMatrix): void {
    if (this.lists && this.lists.total > 0) throw new KnnkitError('train', 'train: the index already holds vectors; train an empty index');
    const o = this.opts;
    this.rotation = o.opqM ? trainOpq(prepare(sample, this.metric, 'sample'), { m: o.opqM, niter: o.opqIter ?? 20, seed: o.seed }) : null;
    const X = this.input(sample, 'sample');
    let R = X;
    if (o.ivf) {
      const nlist = o.ivf.nlist ?? defaultNlist(X.rows);
      if (X.rows < nlist) throw new KnnkitError('sample', `sample: ${X.rows} rows cannot train nlist = ${nlist} lists; expected at least ${nlist} rows (FAISS advises 39 per list)`);
      const t = CoarseQuantiser.trainLabelled(X, nlist, this.kind, isCosine(this.metric), o.ivf);
      this.coarse = t.quantiser;
      R = this.residuals(X, t.lists ?? this.coarse.assign(X, o.ivf.threads));
    }
    const m = o.m ?? defaultM(this.dim);
    this.pq = o.coder ? o.coder.train(R, X, m, o.nbits) : ProductQuantizer.train(R, m, o.nbits, { niter: o.pqIter, seed: o.seed, maxPointsPerCentroid: o.maxPointsPerCentroid, threads: o.ivf?.threads });
    this.lists = new InvertedLists(this.nlist, this.pq.m, this.codeKind, this.kern?.arena ?? null);
    this.kern?.put('pqc', this.pq.centroids);
    this.setTable(this.coarse && this.kind === 'l2' && o.precomputedTable ? precomputeTable(this.coarse, this.pq) : null);
    this.trained = true;
  }

  /** x - c(list) per row. */
  private residuals(X: DenseMatrix, lists: Int32Array): DenseMatrix {
    const d = this.dim, out = new Float32Array(X.rows * d), C = this.coarse!.centroids;
    for (let i = 0; i < X.rows; i++) {
      const o = i * d, c = lists[i] * d;
      for (let t = 0; t < d; t++) out[o + t] = X.data[o + t] - C[c + t];
    }
    return denseMatrix(out, X.rows, d);
  }

  add(data: Matrix, labels: Int32Array): void {
    const X = this.input(data, 'vectors');
    const lists = this.coarse ? this.coarse.assign(X, this.opts.ivf?.threads) : new Int32Array(X.rows);
    const R = this.coarse ? this.residuals(X, lists) : X;
    const codes = this.opts.coder ? this.opts.coder.encode(this.pq!, R, X) : this.pq!.encode(R);
    this.lists!.append(lists, labels, codes);
    this.refine?.put(labels, X);
  }

  remove(labels: Int32Array): void {
    for (const l of labels) this.lists!.remove(l);
  }

  search(queries: Matrix, k: number, p: Record<string, unknown>, allow: Allow | null): SearchResult {
    const Q = this.input(queries, 'queries');
    const nq = Q.rows, d = this.dim;
    const out = SearchResult.empty(nq, k);
    if (!this.trained) return out;
    const pq = this.pq!, L = this.lists!, m = pq.m, ksub = pq.ksub, C = this.coarse?.centroids;
    const nprobe = this.coarse ? Math.min(p.nprobe as number, this.coarse.nlist) : 1;
    const probe = this.coarse ? this.coarse.probe(Q, nprobe) : null;
    // candidates ranked by ADC before the exact re-ranking: k * kFactor (FAISS), or an absolute
    // count (ScaNN's reorderK, passed as `candidates`; always re-ranked, at least k)
    const cand = typeof p.candidates === 'number' ? Math.max(k, p.candidates) : null;
    const kk = !this.refine ? k : cand ?? k * (p.kFactor as number);
    const rerank = this.refine !== null && (cand !== null || kk > k);
    const mask = allow ? allow.mask() : null;
    if (this.kern) {
      this.searchWasm(this.kern, Q, k, kk, rerank, nprobe, probe, mask, out);
      return out;
    }
    const heap = new TopK(kk), idx = new Int32Array(kk), dist = new Float64Array(kk);
    const fs = pq.nbits === 4, qlut = new Uint8Array(m * 16);
    const adc = (lutF: Float32Array, bias: number, list: number): void => {
      if (!fs) { scanAdc(lutF, bias, L.codes[list] as Uint8Array, L.labels[list], L.sizes[list], m, ksub, mask, heap); return; }
      const { a, bsum } = quantizeTables(lutF, m, qlut);
      scanFs(qlut, m, a, Math.fround(bias + bsum), L.codes[list] as Uint8Array, L.labels[list], L.sizes[list], mask, heap);
    };
    const qTerm = new Float32Array(m * ksub), lut = new Float32Array(m * ksub), resid = new Float32Array(d);
    const l2 = this.kind === 'l2', T = this.table;
    for (let q = 0; q < nq; q++) {
      heap.reset(kk);
      const qo = q * d;
      if (!this.coarse) {
        // PQ: one list, codes of x itself
        if (l2) pq.lutL2(Q.data, qo, lut); else pq.lutIp(Q.data, qo, lut, -1);
        adc(lut, l2 ? 0 : 1, 0);
      } else {
        if (T) pq.lutIp(Q.data, qo, qTerm, -2);
        else if (!l2) pq.lutIp(Q.data, qo, lut, -1);
        for (let j = 0; j < nprobe; j++) {
          const list = probe!.lists[q * nprobe + j];
          if (list < 0 || L.sizes[list] === 0) continue;
          const coarse = probe!.scores[q * nprobe + j];
          if (T) {
            const o = list * m * ksub;
            for (let t = 0; t < m * ksub; t++) lut[t] = T[o + t] + qTerm[t];
          } else if (l2) {
            for (let t = 0; t < d; t++) resid[t] = Q.data[qo + t] - C![list * d + t];
            pq.lutL2(resid, 0, lut);
          }
          adc(lut, T || !l2 ? coarse : 0, list);
        }
      }
      const n = heap.drainSorted(idx, dist);
      this.finish(out, Q, q, k, rerank, idx, dist, n, heap);
    }
    return out;
  }

  /** Query q's answer from its kk ADC candidates (sorted): refined by exact distances, or as is. */
  private finish(out: SearchResult, Q: DenseMatrix, q: number, k: number, rerank: boolean, idx: Int32Array, dist: Float64Array, n: number, heap: TopK): void {
    const l2 = this.kind === 'l2', qo = q * this.dim;
    if (this.refine && rerank) {
      heap.reset(k);
      for (let t = 0; t < n; t++) heap.push(this.refine.reduced(Q.data, qo, idx[t], l2), idx[t]);
      const n2 = heap.drainSorted(idx, dist);
      this.emit(out, q, k, idx, dist, n2);
    } else if (this.refine) {
      // kFactor 1: the ADC ranking, exact distances reported (FAISS IndexRefine with k_factor 1)
      for (let t = 0; t < n; t++) dist[t] = this.refine.reduced(Q.data, qo, idx[t], l2);
      this.emit(out, q, k, idx, dist, n);
    } else {
      this.emit(out, q, k, idx, dist, Math.min(n, k));
    }
  }

  /**
   * The search with assembly/ivf.ts: ADC tables built in the module (tables / addTables), the
   * lists scanned in place (8-bit: scanAdc; 4-bit: quantizeTables + scanFs), the kk best kept
   * in the module's top-k, then `finish` (refine) as the TypeScript path.
   */
  private searchWasm(K: IvfKernels, Q: DenseMatrix, k: number, kk: number, rerank: boolean, nprobe: number, probe: { lists: Int32Array; scores: Float32Array } | null, mask: Uint8Array | null, out: SearchResult): void {
    const pq = this.pq!, L = this.lists!, m = pq.m, ksub = pq.ksub, d = this.dim, ex = K.ex;
    const l2 = this.kind === 'l2', fs = pq.nbits === 4, C = this.coarse?.centroids;
    const heap = new TopK(k), idx = new Int32Array(kk), dist = new Float64Array(kk);
    K.reserve('q', d * 4); K.reserve('lut', m * ksub * 4); K.reserve('qterm', m * ksub * 4);
    K.reserve('qlut', m * 16); K.reserve('info', 8);
    // the re-ranking's candidates: their float rows gathered next to their labels, scanned by
    // the same f32x4 kernels as IVF-Flat's lists
    const wasmRerank = rerank && this.refine !== null;
    if (wasmRerank) { K.reserve('cand', kk * d * 4); K.reserve('candl', kk * 4); }
    K.reserveHeap(kk);
    const maskOff = K.mask(mask, L.listOf.length);
    const qOff = K.offset('q'), lutOff = K.offset('lut'), qtOff = K.offset('qterm'), qlOff = K.offset('qlut'), infoOff = K.offset('info');
    const pqcOff = K.offset('pqc'), tabOff = this.tableLen ? K.offset('table') : 0;
    const qv = K.f32('q', d), info = K.f32('info', 2);
    const candOff = wasmRerank ? K.offset('cand') : 0, candlOff = wasmRerank ? K.offset('candl') : 0;
    const candV = wasmRerank ? K.f32('cand', kk * d) : null, candL = wasmRerank ? new Int32Array(K.buffer, candlOff, kk) : null;
    const T = this.tableLen > 0;
    // the uint8 tables are quantised once per float table: per list when the table changes with
    // the list (L2), once per query when only the bias does (inner product)
    let fresh = true;
    const scan = (lut: number, bias: number, list: number): void => {
      const codes = L.codes[list].byteOffset, labels = L.labels[list].byteOffset, n = L.sizes[list];
      if (!fs) { ex.scanAdc(lut, bias, codes, labels, n, m, maskOff); return; }
      if (fresh) ex.quantizeTables(lut, m, qlOff, infoOff);
      fresh = false;
      ex.scanFs(qlOff, m, info[0], bias + info[1], codes, labels, n, maskOff);
    };
    for (let q = 0; q < Q.rows; q++) {
      const qo = q * d;
      qv.set(Q.data.subarray(qo, qo + d));
      K.heapReset(kk);
      fresh = true;
      if (!this.coarse) {
        ex.tables(qOff, pqcOff, m, ksub, pq.dsub, l2 ? 1 : 0, -1, lutOff);
        if (L.sizes[0] > 0) scan(lutOff, l2 ? 0 : 1, 0);
      } else {
        if (T) ex.tables(qOff, pqcOff, m, ksub, pq.dsub, 0, -2, qtOff);
        else if (!l2) ex.tables(qOff, pqcOff, m, ksub, pq.dsub, 0, -1, lutOff);
        for (let j = 0; j < nprobe; j++) {
          const list = probe!.lists[q * nprobe + j];
          if (list < 0 || L.sizes[list] === 0) continue;
          const coarse = probe!.scores[q * nprobe + j];
          if (T) {
            ex.addTables(tabOff + list * m * ksub * 4, qtOff, lutOff, m * ksub);
            fresh = true;
          } else if (l2) {
            // no precomputed table: the table of the residual query q - c(list)
            for (let t = 0; t < d; t++) qv[t] = Q.data[qo + t] - C![list * d + t];
            ex.tables(qOff, pqcOff, m, ksub, pq.dsub, 1, 1, lutOff);
            fresh = true;
          }
          scan(lutOff, T || !l2 ? coarse : 0, list);
        }
      }
      const n = K.drain(idx, dist);
      if (wasmRerank) {
        this.refine!.gather(idx, n, candV!);
        candL!.set(idx.subarray(0, n));
        qv.set(Q.data.subarray(qo, qo + d)); // the L2 path may have left q - c there
        K.heapReset(k);
        if (l2) ex.scanL2(qOff, d, candOff, candlOff, n, 0); else ex.scanIp(qOff, d, candOff, candlOff, n, 0);
        this.emit(out, q, k, idx, dist, K.drain(idx, dist));
      } else {
        this.finish(out, Q, q, k, rerank, idx, dist, n, heap);
      }
    }
  }

  private emit(out: SearchResult, q: number, k: number, idx: Int32Array, dist: Float64Array, n: number): void {
    const l2 = this.kind === 'l2';
    for (let t = 0; t < n; t++) {
      out.indices[q * k + t] = idx[t];
      // ADC estimates of squared L2 can dip below 0 by rounding: a distance is never negative
      out.distances[q * k + t] = this.metric.reducedToDistance(l2 ? Math.max(0, dist[t]) : dist[t]);
    }
  }

  getVector(label: number): Float32Array {
    const code = this.lists?.codeOf(label);
    if (!code) throw new KnnkitError('id', `id: label ${label} is not live`);
    const R = this.rotation;
    if (this.refine) return R ? unrotate(this.refine.row(label), R) : this.refine.row(label);
    const out = new Float32Array(this.dim);
    this.pq!.decode(code as Uint8Array, 0, out, 0);
    if (this.coarse) {
      const list = this.lists!.listOf[label], C = this.coarse.centroids, d = this.dim;
      for (let t = 0; t < d; t++) out[t] += C[list * d + t];
    }
    return R ? unrotate(out, R) : out;
  }

  memoryUsage(): number {
    return (this.coarse?.bytes() ?? 0) + (this.pq?.centroids.byteLength ?? 0) + (this.lists?.bytes() ?? 0)
      + (this.kern ? this.kern.memoryBytes() : this.tableTs?.byteLength ?? 0) + (this.refine?.bytes() ?? 0) + (this.rotation?.byteLength ?? 0);
  }

  persist(): { state: Record<string, unknown>; sections: Section[] } {
    if (!this.trained) return { state: { trained: false }, sections: [] };
    const pq = this.pq!;
    const sections: Section[] = [{ name: 'pq.centroids', data: pq.centroids, type: 'f32' }];
    if (this.coarse) sections.push({ name: 'ivf.centroids', data: this.coarse.centroids, type: 'f32' });
    sections.push(...this.lists!.sections('pq.lists'));
    const T = this.table;
    if (T) sections.push({ name: 'pq.table', data: T, type: 'f32' });
    if (this.refine) sections.push(this.refine.section());
    if (this.rotation) sections.push({ name: 'opq.rotation', data: this.rotation, type: 'f32' });
    return { state: { trained: true, nlist: this.nlist, m: pq.m, nbits: pq.nbits, refineRows: this.refine?.rows ?? 0 }, sections };
  }

  static load(env: Envelope, metric: Metric, opts: PqOptions, view: boolean): IvfPqCore {
    const st = env.header.state.core as { trained: boolean; nlist: number; m: number; nbits: number; refineRows: number };
    const d = env.header.dim;
    const core = new IvfPqCore(metric, d, st.trained ? { ...opts, nbits: st.nbits } : opts);
    if (!st.trained) return core;
    core.pq = new ProductQuantizer(d, st.m, st.nbits, env.typed('pq.centroids', Float32Array, !view));
    if (opts.ivf) core.coarse = new CoarseQuantiser(env.typed('ivf.centroids', Float32Array, !view), st.nlist, d, scoreKind(metric));
    core.lists = InvertedLists.load(env, 'pq.lists', st.nlist, st.m, core.codeKind, view, core.kern?.arena ?? null);
    core.kern?.put('pqc', core.pq.centroids);
    if (env.has('pq.table')) core.setTable(env.typed('pq.table', Float32Array, !view || core.kern !== null));
    if (opts.refine) core.refine = RefineStore.load(env, d, st.refineRows, view);
    if (env.has('opq.rotation')) core.rotation = env.typed('opq.rotation', Float32Array, !view);
    core.trained = true;
    return core;
  }
}

/** FAISS's precomputed table: T[list][j][c] = ||r_jc||^2 + 2 <c_list,j, r_jc>. */
function precomputeTable(coarse: CoarseQuantiser, pq: ProductQuantizer): Float32Array {
  const { m, ksub, dsub } = pq, d = pq.d, nlist = coarse.nlist, C = coarse.centroids, P = pq.centroids;
  const norms = new Float32Array(m * ksub);
  for (let t = 0; t < m * ksub; t++) {
    let s = 0;
    for (let u = 0; u < dsub; u++) s += P[t * dsub + u] * P[t * dsub + u];
    norms[t] = s;
  }
  const T = new Float32Array(nlist * m * ksub), cross = new Float32Array(m * ksub);
  for (let l = 0; l < nlist; l++) {
    pq.lutIp(C, l * d, cross, 2);
    const o = l * m * ksub;
    for (let t = 0; t < m * ksub; t++) T[o + t] = norms[t] + cross[t];
  }
  return T;
}
