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

/** Build options of the IVF families' coarse level. */
export interface IvfOptions {
  /** Lists; undefined = defaultNlist(training rows). */
  nlist?: number;
  niter: number;
  seed: number;
  maxPointsPerCentroid: number;
}

export function ivfOptions(o: Record<string, unknown>): IvfOptions {
  return { nlist: o.nlist as number | undefined, niter: o.niter as number, seed: o.seed as number, maxPointsPerCentroid: o.maxPointsPerCentroid as number };
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
    this.lists!.append(this.coarse!.assign(X), labels, X.data.subarray(0, X.rows * this.dim));
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

  /** The search with the lists scanned in place by assembly/ivf.ts (top-k kept inside the module). */
  private searchWasm(K: IvfKernels, Q: DenseMatrix, k: number, nprobe: number, probes: Int32Array, mask: Uint8Array | null, out: SearchResult): void {
    const d = this.dim, L = this.lists!, ex = K.ex;
    const idx = new Int32Array(k), dist = new Float64Array(k);
    K.reserve('q', d * 4);
    K.reserveHeap(k);
    const maskOff = K.mask(mask, L.listOf.length);
    const qOff = K.offset('q'), qv = K.f32('q', d);
    const scan = this.kind === 'l2' ? ex.scanL2 : ex.scanIp;
    for (let q = 0; q < Q.rows; q++) {
      qv.set(Q.data.subarray(q * d, q * d + d));
      K.heapReset(k);
      for (let j = 0; j < nprobe; j++) {
        const l = probes[q * nprobe + j];
        if (l < 0 || L.sizes[l] === 0) continue;
        scan(qOff, d, L.codes[l].byteOffset, L.labels[l].byteOffset, L.sizes[l], maskOff);
      }
      const n = K.drain(idx, dist);
      for (let t = 0; t < n; t++) { out.indices[q * k + t] = idx[t]; out.distances[q * k + t] = this.metric.reducedToDistance(dist[t]); }
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
    return core;
  }
}
