import type { Matrix } from '../../core/data.js';
import { KnnkitError } from '../../core/errors.js';
import type { DenseMatrix } from '../../core/matrix.js';
import { TopK } from '../../core/topk.js';
import type { Metric } from '../../metrics/types.js';
import { SearchResult } from '../../search/results.js';
import type { Envelope, Section } from '../envelope.js';
import type { Allow, FamilyCore } from '../types.js';
import { CoarseQuantiser, defaultNlist, isCosine, normalizeRows, scoreKind, type ScoreKind } from './coarse.js';
import { InvertedLists } from './lists.js';
import { scanFlatIp, scanFlatL2 } from './scan.js';
import { IvfKernels } from './kernels.js';
import { defaultThreads } from '../../parallel/index.js';

/**
 * Queries per list-major pass of a search (the batch's rows, heaps and (query, list) pairs live
 * in the module meanwhile: 1,024 rows of 128 f32 are 512 KiB). More queries per pass means more
 * of them share each read of a list (batch * nprobe / nlist on average).
 */
const BATCH_QUERIES = 1024;

/**
 * The (query, list) pairs of a batch (b queries from pair p0 of probes, nprobe per query) grouped
 * by list, queries ascending within a list: list l's queries at qs[start[l] .. start[l + 1]).
 * A small function of its own, as drainBatch: V8 compiled the search's one big loop nest three
 * times (40-57 ms each on a background thread) during the first searches.
 */
function groupByList(probes: Int32Array, p0: number, b: number, nprobe: number, sizes: Int32Array, start: Int32Array, fill: Int32Array, qs: Int32Array): void {
  const nlist = sizes.length, p1 = p0 + b * nprobe;
  start.fill(0);
  for (let t = p0; t < p1; t++) { const l = probes[t]; if (l >= 0 && sizes[l] > 0) start[l + 1]++; }
  for (let l = 0; l < nlist; l++) { start[l + 1] += start[l]; fill[l] = start[l]; }
  for (let t = p0; t < p1; t++) { const l = probes[t]; if (l >= 0 && sizes[l] > 0) qs[fill[l]++] = ((t - p0) / nprobe) | 0; }
}

/** Build options of the IVF families' coarse level. */
export interface IvfOptions {
  /** Lists; undefined = defaultNlist(training rows). */
  nlist?: number;
  niter: number;
  seed: number;
  maxPointsPerCentroid: number;
  /** Threads of the k-means assignment passes (training and the add step's list assignment). */
  threads: number;
}

export function ivfOptions(o: Record<string, unknown>): IvfOptions {
  return { nlist: o.nlist as number | undefined, niter: o.niter as number, seed: o.seed as number, maxPointsPerCentroid: o.maxPointsPerCentroid as number, threads: (o.threads as number | undefined) ?? defaultThreads() };
}

/** Dense rows as the family stores and searches them (unit rows under cosine). */
export function prepare(m: Matrix, metric: Metric, what: string): DenseMatrix {
  if (m.kind !== 'dense') throw new KnnkitError(what, `${what}: IVF and PQ indexes need dense data; sparse (CSR) data is searched with "brute"`);
  return isCosine(metric) ? normalizeRows(m) : m;
}

/**
 * IVF-Flat (FAISS IndexIVFFlat; Jegou, Douze & Schmid 2011, the inverted file): a coarse
 * quantiser splits the space into nlist Voronoi cells, each point is stored uncompressed in the
 * inverted list of its nearest centroid, and a query scans only the nprobe lists whose
 * centroids are nearest to it. Exact distances within the scanned lists; recall grows with
 * nprobe (nprobe = nlist scans everything: brute force).
 */
export class IvfFlatCore implements FamilyCore {
  readonly exact = false;
  private readonly kind: ScoreKind;
  coarse: CoarseQuantiser | null = null;
  lists: InvertedLists | null = null;
  /** The WebAssembly kernels and their memory, which holds the lists (null: TypeScript scans). */
  readonly kern: IvfKernels | null = IvfKernels.create();

  constructor(readonly metric: Metric, readonly dim: number, private readonly opts: IvfOptions) {
    this.kind = scoreKind(metric);
  }

  get isTrained(): boolean { return this.coarse !== null; }
  get nlist(): number { return this.coarse?.nlist ?? 0; }

  train(sample: DenseMatrix): void {
    if (this.lists && this.lists.total > 0) throw new KnnkitError('train', 'train: the index already holds vectors; train an empty index');
    const X = prepare(sample, this.metric, 'sample');
    const nlist = this.opts.nlist ?? defaultNlist(X.rows);
    if (X.rows < nlist) throw new KnnkitError('sample', `sample: ${X.rows} rows cannot train nlist = ${nlist} lists; expected at least ${nlist} rows (FAISS advises 39 per list)`);
    this.coarse = CoarseQuantiser.train(X, nlist, this.kind, isCosine(this.metric), this.opts);
    this.lists = new InvertedLists(nlist, this.dim, 'f32', this.kern?.arena ?? null);
  }

  add(data: Matrix, labels: Int32Array): void {
    const X = prepare(data, this.metric, 'vectors');
    const before = this.lists!.sizes.slice();
    this.lists!.append(this.coarse!.assign(X, this.opts.threads), labels, X.data.subarray(0, X.rows * this.dim));
    this.rowNorms(before);
  }

  /**
   * L2 with WebAssembly: A = ||x||^2 (1 - G) per label (module block 'norms'), the row term of
   * the list scan's pre-selection key, for the entries past from[l] of every list l.
   */
  private rowNorms(from: Int32Array | null): void {
    const K = this.kern, L = this.lists!;
    if (!K || this.kind !== 'l2') return;
    K.grow('norms', L.listOf.length * 4);
    const off = K.offset('norms'), rowBytes = this.dim * 4;
    for (let l = 0; l < L.nlist; l++) {
      const s = from ? from[l] : 0, n = L.sizes[l] - s;
      if (n > 0) K.ex.rowNorms(L.codes[l].byteOffset + s * rowBytes, L.labels[l].byteOffset + s * 4, n, this.dim, off);
    }
  }

  remove(labels: Int32Array): void {
    for (const l of labels) this.lists!.remove(l);
  }

  search(queries: Matrix, k: number, p: Record<string, unknown>, allow: Allow | null): SearchResult {
    const Q = prepare(queries, this.metric, 'queries');
    const nq = Q.rows, d = this.dim;
    const out = SearchResult.empty(nq, k);
    if (!this.coarse || !this.lists) return out;
    const nprobe = Math.min(p.nprobe as number, this.coarse.nlist);
    const { lists: probes } = this.coarse.probe(Q, nprobe);
    const mask = allow ? allow.mask() : null;
    const heap = new TopK(k), idx = new Int32Array(k), dist = new Float64Array(k);
    const L = this.lists;
    if (this.kern) {
      this.searchWasm(this.kern, Q, k, nprobe, probes, mask, out);
      return out;
    }
    const scan = this.kind === 'l2' ? scanFlatL2 : scanFlatIp;
    for (let q = 0; q < nq; q++) {
      heap.reset(k);
      for (let j = 0; j < nprobe; j++) {
        const l = probes[q * nprobe + j];
        if (l < 0) continue;
        scan(Q.data, q * d, L.codes[l] as Float32Array, L.labels[l], L.sizes[l], d, mask, heap);
      }
      const n = heap.drainSorted(idx, dist);
      for (let t = 0; t < n; t++) { out.indices[q * k + t] = idx[t]; out.distances[q * k + t] = this.metric.reducedToDistance(dist[t]); }
    }
    return out;
  }

  /**
   * The search with the lists scanned in place by assembly/ivf.ts, list-major: the queries of a
   * batch of at most BATCH_QUERIES are grouped by the lists they probe (a counting sort of the
   * (query, list) pairs), and each probed list is scanned once for all of its queries
   * (`scanList`), each query keeping its own top-k inside the module. Same answers as a
   * query-after-query scan; a list is read from RAM once per batch instead of once per query.
   */
  private searchWasm(K: IvfKernels, Q: DenseMatrix, k: number, nprobe: number, probes: Int32Array, mask: Uint8Array | null, out: SearchResult): void {
    const d = this.dim, L = this.lists!, ex = K.ex, nq = Q.rows, nlist = L.sizes.length;
    const B = Math.min(nq, BATCH_QUERIES);
    K.reserve('qb', B * d * 4);
    K.reserve('hdb', B * k * 4);
    K.reserve('hib', B * k * 4);
    K.reserve('cnt', B * 4);
    K.reserve('qs', B * nprobe * 4);
    K.reserve('qn', B * 8);
    K.reserve('thr', B * 4);
    let maxN = 0;
    for (let l = 0; l < nlist; l++) if (L.sizes[l] > maxN) maxN = L.sizes[l];
    K.reserve('rows', (maxN + 4) * 12);
    const maskOff = K.mask(mask, L.listOf.length);
    // offsets (and the lists' views) only after every reservation: a growth moves them
    const qOff = K.offset('qb'), hdOff = K.offset('hdb'), hiOff = K.offset('hib'), cntOff = K.offset('cnt'), qsOff = K.offset('qs');
    const qnOff = K.offset('qn'), thrOff = K.offset('thr'), rowsOff = K.offset('rows'), normsOff = K.has('norms') ? K.offset('norms') : 0;
    const qv = K.f32('qb', B * d), cnt = new Int32Array(K.buffer, cntOff, B), qs = new Int32Array(K.buffer, qsOff, B * nprobe);
    const thr = K.f32('thr', B);
    const start = new Int32Array(nlist + 1), fill = new Int32Array(nlist);
    const ip = this.kind === 'l2' ? 0 : 1;
    for (let q0 = 0; q0 < nq; q0 += B) {
      const b = Math.min(B, nq - q0);
      qv.set(Q.data.subarray(q0 * d, (q0 + b) * d));
      cnt.fill(0, 0, b);
      thr.fill(Infinity, 0, b);
      if (!ip) ex.queryNorms(qOff, d, b, qnOff);
      groupByList(probes, q0 * nprobe, b, nprobe, L.sizes, start, fill, qs);
      for (let l = 0; l < nlist; l++) {
        const s = start[l], e = start[l + 1];
        if (e <= s) continue;
        ex.scanList(qOff, d, qsOff + s * 4, e - s, L.codes[l].byteOffset, L.labels[l].byteOffset, L.sizes[l], maskOff, hdOff, hiOff, cntOff, k, ip, normsOff, qnOff, thrOff, rowsOff);
      }
      this.drainBatch(K, hdOff, hiOff, cnt, b, k, q0, out);
    }
  }

  /** The b heaps of a batch (starting at query q0), sorted, into the result rows (metric distances). */
  private drainBatch(K: IvfKernels, hdOff: number, hiOff: number, cnt: Int32Array, b: number, k: number, q0: number, out: SearchResult): void {
    const idx = new Int32Array(k), dist = new Float64Array(k);
    for (let i = 0; i < b; i++) {
      const n = K.drainAt(hdOff + i * k * 4, hiOff + i * k * 4, cnt[i], idx, dist);
      const o = (q0 + i) * k;
      for (let t = 0; t < n; t++) { out.indices[o + t] = idx[t]; out.distances[o + t] = this.metric.reducedToDistance(dist[t]); }
    }
  }

  getVector(label: number): Float32Array {
    const c = this.lists?.codeOf(label);
    if (!c) throw new KnnkitError('id', `id: label ${label} is not live`);
    return (c as Float32Array).slice();
  }

  memoryUsage(): number {
    return (this.coarse?.bytes() ?? 0) + (this.lists?.bytes() ?? 0) + (this.kern?.memoryBytes() ?? 0);
  }

  persist(): { state: Record<string, unknown>; sections: Section[] } {
    if (!this.coarse || !this.lists) return { state: { trained: false }, sections: [] };
    return {
      state: { trained: true, nlist: this.coarse.nlist },
      sections: [{ name: 'ivf.centroids', data: this.coarse.centroids, type: 'f32' }, ...this.lists.sections('ivf.lists')],
    };
  }

  static load(env: Envelope, metric: Metric, opts: IvfOptions, view: boolean): IvfFlatCore {
    const st = env.header.state.core as { trained: boolean; nlist?: number };
    const core = new IvfFlatCore(metric, env.header.dim, opts);
    if (!st.trained) return core;
    const d = env.header.dim;
    core.coarse = new CoarseQuantiser(env.typed('ivf.centroids', Float32Array, !view), st.nlist!, d, scoreKind(metric));
    core.lists = InvertedLists.load(env, 'ivf.lists', st.nlist!, d, 'f32', view, core.kern?.arena ?? null);
    core.rowNorms(null);
    return core;
  }
}
