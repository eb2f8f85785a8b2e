import type { Matrix } from '../../core/data.js';
import { KnnkitError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { TopK } from '../../core/topk.js';
import type { Metric } from '../../metrics/types.js';
import { SearchResult } from '../../search/results.js';
import type { Section } from '../envelope.js';
import type { Allow, FamilyCore } from '../types.js';
import { buildVamana, insertNode, type BuildParams } from './build.js';
import { consolidate } from './consolidate.js';
import { sqL2 } from './distance.js';
import { DELETED, LIVE, VamanaGraph, type Space } from './graph.js';
import { Pruner } from './prune.js';
import { WasmWalker } from './kernel-wasm.js';
import { GreedySearcher, type Walker } from './search.js';

/** Build options of the family (validated by the descriptor). */
export interface VamanaOptions extends BuildParams {
  seed: number;
  /** Consolidate once this fraction of the graph's nodes is lazily deleted. */
  consolidateAt: number;
}

/**
 * A filtered walk must evaluate about L / s nodes to meet L allowed ones (s = allowed share);
 * an exact scan of the allowed points costs s·n distances. Scan when s·n <= C·L / s, HNSW's
 * rule (src/search/hnsw/filter.ts) with its constant.
 */
const SCAN_COST_PER_L = 6;

/** The space a metric is searched in (see ./distance.ts); null when the metric has no dot form. */
export function spaceOf(metric: Metric): Space | null {
  const k = metric.dotForm?.kind;
  return k === 'l2' ? 'l2' : k === 'cosine' ? 'cosine' : k === 'ip' ? 'ip' : null;
}

/**
 * Vamana (DiskANN, Subramanya et al. 2019) behind the index contract: node = the wrapper's
 * label. A first add on an empty index runs the full two-pass build; later adds are
 * FreshDiskANN inserts (one GreedySearch + RobustPrune + back edges each, with α); removes
 * flag nodes (lazy delete) and consolidate in a batch once `consolidateAt` of the nodes are
 * flagged. Search is GreedySearch from the medoid with list size L (>= k).
 */
export class VamanaCore implements FamilyCore {
  readonly exact = false;
  readonly isTrained = true;
  private searcher: Walker | null = null;
  /** Whether the walker's accept mask holds exactly the live nodes (cleared by every change). */
  private liveMask = false;
  private liveMaskWalker: Walker | null = null;
  private liveMaskLayout = 0;
  private pruner: Pruner | null = null;
  private readonly rng: Rng;

  constructor(readonly metric: Metric, readonly dim: number, readonly opts: VamanaOptions, readonly graph: VamanaGraph) {
    this.rng = new Rng(opts.seed);
  }

  /**
   * The walker: the WebAssembly kernel when the graph lives in its memory (a view-loaded graph
   * moves there at its first write), else the TypeScript GreedySearch.
   */
  private get s(): Walker {
    const g = this.graph, st = g.store, w = this.searcher;
    if (w && (st ? w instanceof WasmWalker : w instanceof GreedySearcher)) return w;
    return (this.searcher = st ? new WasmWalker(g, st) : new GreedySearcher(g, this.opts.L));
  }

  /** Which walker searches: 'wasm' or 'ts' (tests and the bench). */
  get kernel(): 'wasm' | 'ts' { return this.graph.store ? 'wasm' : 'ts'; }
  private get pr(): Pruner { return (this.pruner ??= new Pruner(this.graph)); }

  add(data: Matrix, labels: Int32Array): void {
    if (data.kind !== 'dense') throw new KnnkitError('vectors', 'vectors: the "vamana" index needs dense data; sparse (CSR) data is searched with "brute"');
    const g = this.graph;
    if (labels.length > 0 && labels[0] !== g.n) throw new KnnkitError('labels', `labels: expected ${g.n} next, got ${labels[0]}`);
    this.addRows(data.data, data.rows);
  }

  /** Bulk build (empty graph) or FreshDiskANN inserts. */
  addRows(rows: Float32Array, count: number, onProgress?: (x: { phase: string; done: number; total: number }) => void): void {
    const g = this.graph;
    g.own();
    this.liveMask = false;
    const n0 = g.n, fresh = g.live === 0 && g.deletedTotal === 0;
    g.append(rows, count);
    if (fresh) { buildVamana(g, this.s, this.pr, this.opts, this.rng, onProgress); return; }
    if (g.medoid < 0) g.medoid = n0; // every earlier point was deleted: restart from the first new one
    for (let v = n0; v < g.n; v++) if (v !== g.medoid) insertNode(g, this.s, this.pr, v, this.opts.L, this.opts.alpha);
  }

  remove(labels: Int32Array): void {
    const g = this.graph;
    g.own();
    this.liveMask = false;
    for (const l of labels) {
      if (l < 0 || l >= g.n || g.flags[l] !== LIVE) continue;
      g.flags[l] = DELETED;
      g.pendingDeletes++; g.deletedTotal++;
    }
    if (g.live === 0) { this.consolidate(); return; }
    const active = g.n - g.deletedTotal + g.pendingDeletes;
    if (g.pendingDeletes >= this.opts.consolidateAt * active) this.consolidate();
  }

  /** FreshDiskANN's batch consolidation of the lazily deleted nodes (./consolidate.ts). */
  consolidate(): number {
    this.graph.own();
    this.liveMask = false;
    return consolidate(this.graph, this.pr, this.opts.alpha);
  }

  /** Puts query row q into the searcher in graph space (cosine: unit vector; ip: augmentation 0). */
  private loadQuery(src: Float32Array, off: number): void {
    const q = this.s.q, d = this.dim;
    q.set(src.subarray(off, off + d));
    this.s.qAug = 0;
    if (this.graph.space === 'cosine') {
      let n = 0;
      for (let j = 0; j < d; j++) n += q[j] * q[j];
      n = Math.sqrt(n);
      if (n > 0) for (let j = 0; j < d; j++) q[j] /= n;
    }
  }

  search(queries: Matrix, k: number, p: Record<string, unknown>, allow: Allow | null): SearchResult {
    if (queries.kind !== 'dense') throw new KnnkitError('queries', 'queries: the "vamana" index needs dense queries');
    const g = this.graph, nq = queries.rows, d = this.dim;
    const out = SearchResult.empty(nq, k);
    if (g.medoid < 0 || g.live === 0) return out;
    const L = Math.max(p.L as number ?? this.opts.L, k);
    const strategy = (p.filterStrategy as string | undefined) ?? 'auto';
    const lazy = g.pendingDeletes > 0;
    const filtered = allow !== null || lazy;
    // filtered walk: a list long enough to meet about L allowed nodes (L / s), or an exact scan
    let Lw = L, scan = false;
    if (allow) {
      const live = Math.max(1, g.live), s = Math.max(allow.estimate, 1) / live;
      scan = strategy === 'scan' || (strategy === 'auto' && allow.estimate <= (SCAN_COST_PER_L * L) / s);
      Lw = Math.min(live, Math.ceil(L / s));
    }
    const w = this.s;
    if (filtered && !scan) {
      // The nodes a query may return (live, and allowed by the filter) as one mask per call,
      // which the kernel reads: a set or bitmap filter already holds its n-byte mask; a
      // predicate is evaluated once per label here (not once per visit and query). Lazy
      // deletes alone reuse the mask until the flags change.
      const mask = w.acceptMask(g.n, Math.max(Lw, k), k), flags = g.flags;
      if (allow) {
        const am = allow.mask();
        for (let v = 0; v < g.n; v++) mask[v] = flags[v] === LIVE && am[v] === 1 ? 1 : 0;
        this.liveMask = false;
      } else if (!this.liveMask || this.liveMaskWalker !== w || this.liveMaskLayout !== (g.store?.layouts ?? 0)) {
        for (let v = 0; v < g.n; v++) mask[v] = flags[v] === LIVE ? 1 : 0;
        this.liveMask = true; this.liveMaskWalker = w; this.liveMaskLayout = g.store?.layouts ?? 0;
      }
    }
    const heap = scan ? new TopK(k) : null;
    const ids = out.indices, dist = out.distances, tmpI = new Int32Array(k), tmpD = new Float64Array(k);
    const qd = queries.data;
    for (let qi = 0; qi < nq; qi++) {
      let cnt: number;
      if (scan) {
        cnt = this.scanRow(qd, qi * d, k, allow!, heap!, tmpI, tmpD);
      } else {
        this.loadQuery(qd, qi * d);
        if (filtered) cnt = w.searchAccept(g.medoid, Math.max(Lw, k), k, tmpI);
        else {
          const size = w.search(g.medoid, Lw, false);
          cnt = Math.min(k, size);
          const li = w.listIds();
          for (let j = 0; j < cnt; j++) tmpI[j] = li[j];
        }
      }
      // report the metric's true distances (float64 kernel on the stored row; cosine rows are
      // unit vectors, which leaves the cosine unchanged), re-sorted by (distance, label)
      const m = this.metric, vecs = g.vectors;
      for (let j = 0; j < cnt; j++) tmpD[j] = m.reducedToDistance(m.reduced(qd, qi * d, vecs, tmpI[j] * d, d));
      const order = Array.from({ length: cnt }, (_, j) => j).sort((a, b) => (tmpD[a] - tmpD[b]) || (tmpI[a] - tmpI[b]));
      for (let j = 0; j < cnt; j++) { ids[qi * k + j] = tmpI[order[j]]; dist[qi * k + j] = tmpD[order[j]]; }
    }
    return out;
  }

  /** Exact scan of the allowed live points (very selective filters). */
  private scanRow(qd: Float32Array, off: number, k: number, allow: Allow, heap: TopK, tmpI: Int32Array, tmpD: Float64Array): number {
    const g = this.graph, d = this.dim;
    this.loadQuery(qd, off);
    const q = this.s.q;
    heap.reset(k);
    const visit = (v: number) => {
      if (g.flags[v] !== LIVE) return;
      let s = sqL2(q, 0, g.vectors, v * d, d);
      if (g.aug) s += g.aug[v] * g.aug[v];
      heap.push(s, v);
    };
    const list = allow.labels();
    if (list) for (const v of list) { if (v < g.n) visit(v); }
    else { const mask = allow.mask(); for (let v = 0; v < g.n; v++) if (mask[v]) visit(v); }
    return heap.drainSorted(tmpI, tmpD);
  }

  getVector(label: number): Float32Array {
    const g = this.graph, d = this.dim;
    if (label < 0 || label >= g.n || g.flags[label] !== LIVE) throw new KnnkitError('id', `id: label ${label} is not live`);
    const v = g.vectors.slice(label * d, (label + 1) * d);
    if (g.norms) { const nr = g.norms[label]; for (let j = 0; j < d; j++) v[j] *= nr; }
    return v;
  }

  /** Distance evaluations of the last single-query search (bench and tests). */
  get lastDistanceCount(): number { return this.searcher?.distCount ?? 0; }

  memoryUsage(): number { return this.graph.bytes(); }

  persist(): { state: Record<string, unknown>; sections: Section[] } {
    return { state: this.graph.state(), sections: this.graph.sections() };
  }
}
