import type { Matrix } from '../../core/data.js';
import { KnnkitError } from '../../core/errors.js';
import { TopK } from '../../core/topk.js';
import type { Metric } from '../../metrics/types.js';
import { SearchResult } from '../../search/results.js';
import type { Section } from '../envelope.js';
import type { Allow, FamilyCore } from '../types.js';
import { BeamSearcher, drainTrue, type DiskGraph } from './beam-search.js';
import { buildDisk, type DiskannOptions, type DiskState } from './build.js';
import { NodeCache } from './cache.js';
import { SearchStats } from './stats.js';

/** Queries in flight in `searchAsync` when `threads` is not given. */
const DEFAULT_IN_FLIGHT = 4;

/**
 * DiskANN (Subramanya et al. 2019) behind the index contract: the graph and the full vectors
 * on disk in 4 KB sectors, PQ codes and a cache of the nodes around the medoid in RAM. Built
 * once (first add); removes are the wrapper's tombstones (excluded through `Allow` while the
 * walk still passes through them, as FreshDiskANN's lazy deletes).
 */
export class DiskannCore implements FamilyCore {
  readonly exact = false;
  readonly isTrained = true;
  private st: DiskState | null;
  private graph: DiskGraph | null = null;
  private searcher: BeamSearcher | null = null;
  private stats = new SearchStats(0);
  /**
   * When true, each search call keeps the nodes every query read (`lastSearchStats().readNodes`):
   * the bench and the tests compare the pipelined walk's reads with the rounds' (wasted reads).
   */
  traceReads = false;
  /** Searchers of finished `searchAsync` lanes, reused by the next call. */
  private idle: BeamSearcher[] = [];

  constructor(readonly metric: Metric, readonly dim: number, readonly opts: DiskannOptions, state: DiskState | null) {
    this.st = null;
    if (state) this.attach(state);
  }

  /** The built (or loaded) disk state; null before the first add. */
  get state(): DiskState | null { return this.st; }

  /** @internal attaches a built state (./from-vamana.ts). */
  attach(s: DiskState): void {
    this.st = s;
    const cache = NodeCache.build(s.source, s.layout, s.n, s.medoid, s.cacheNodes);
    this.graph = { n: s.n, dim: this.dim, R: s.R, medoid: s.medoid, metric: this.metric, pq: s.pq, codes: s.codes, cache, layout: s.layout, cosine: s.cosine };
    this.searcher = null;
    this.idle = [];
  }

  add(data: Matrix, labels: Int32Array): void {
    if (data.kind !== 'dense') throw new KnnkitError('vectors', 'vectors: the "diskann" index needs dense data; sparse (CSR) data is searched with "brute"');
    if (this.st) throw new KnnkitError('add', 'add: the "diskann" index is built once; rebuild it with the new data');
    if (labels.length > 0 && labels[0] !== 0) throw new KnnkitError('labels', `labels: expected 0 first, got ${labels[0]}`);
    if (data.rows === 0) return;
    this.attach(buildDisk(data.data, data.rows, this.dim, this.metric.dotForm?.kind === 'cosine', this.opts).state);
  }

  /** Builds from rows with progress (the descriptor's bulk build). */
  buildFrom(rows: Float32Array, n: number, onProgress?: (p: { phase: string; done: number; total: number }) => void): void {
    this.attach(buildDisk(rows, n, this.dim, this.metric.dotForm?.kind === 'cosine', this.opts, onProgress).state);
  }

  /**
   * A searcher for a `searchAsync` lane: one left idle by an earlier call when its W matches
   * (its scratch is allocated once, not per call: a server answers one query per call), else a
   * new one. A lane that fails drops its searcher.
   */
  private takeSearcher(W: number): BeamSearcher {
    const i = this.idle.findIndex((x) => x.W === W);
    if (i >= 0) return this.idle.splice(i, 1)[0];
    if (this.idle.length >= 8) this.idle.shift(); // bound what idle lanes of other W values hold
    return new BeamSearcher(this.graph!, W);
  }

  private beam(W: number): BeamSearcher {
    if (!this.searcher || this.searcher.W !== W) this.searcher = new BeamSearcher(this.graph!, W);
    return this.searcher;
  }

  /**
   * The walk's list size and whether to scan instead. A filter allowing a share s of the points
   * needs a list of about L / s to meet L allowed nodes (vamana's rule); when the allowed points
   * are fewer than the nodes such a walk would read (~2 L / s), reading each allowed node's
   * sector is cheaper and exact.
   */
  private plan(p: Record<string, unknown>, k: number, allow: Allow | null): { L: number; W: number; scan: boolean; accept: ((v: number) => boolean) | null } {
    const n = this.st!.n;
    const L = Math.max((p.L as number | undefined) ?? 100, k), W = (p.beamWidth as number | undefined) ?? 4;
    if (!allow) return { L, W, scan: false, accept: null };
    const strategy = (p.filterStrategy as string | undefined) ?? 'auto';
    const s = Math.max(allow.estimate, 1) / n;
    const Lw = Math.min(n, Math.ceil(L / s));
    const scan = strategy === 'scan' || (strategy === 'auto' && allow.estimate <= 2 * Lw);
    return { L: Lw, W, scan, accept: (v) => allow.test(v) };
  }

  search(queries: Matrix, k: number, p: Record<string, unknown>, allow: Allow | null): SearchResult {
    if (queries.kind !== 'dense') throw new KnnkitError('queries', 'queries: the "diskann" index needs dense queries');
    const nq = queries.rows, d = this.dim, out = SearchResult.empty(nq, k);
    this.stats = new SearchStats(nq, this.traceReads);
    if (!this.st || this.st.n === 0) return out;
    const { L, W, scan, accept } = this.plan(p, k, allow);
    const src = this.st.source, heap = new TopK(k), qd = queries.data;
    const s = scan ? null : this.beam(W);
    for (let qi = 0; qi < nq; qi++) {
      const t0 = performance.now();
      if (s === null) {
        this.scanRow(qd, qi, k, allow!, heap, out, this.stats);
        continue;
      }
      s.begin(qd, qi * d, L);
      // the beam's W reads, issued one after the other (a synchronous search cannot overlap them)
      while (s.advance(W)) {
        for (let i = 0; i < s.pendingCount; i++) src.readSync(s.slot(i), s.sectorOf(i));
        s.consume();
      }
      s.finish(k, accept, heap, out.indices, out.distances, qi * k);
      this.stats.record(qi, s.stats, performance.now() - t0, s.readNodes());
    }
    return out;
  }

  /**
   * The same search with `threads` queries in flight (default 4), each walking the pipelined
   * schedule (beam-search.ts): up to W sector reads of a query in flight at all times, a node
   * expanded as soon as its read lands and the freed slot refilled at once, instead of rounds
   * that wait for the whole beam. Reads go through libuv (io_uring with UV_USE_IO_URING=1, else
   * its thread pool: UV_THREADPOOL_SIZE >= threads x W, set before Node's first asynchronous
   * I/O). The walk's arithmetic stays on this thread; the reads of all queries in flight overlap.
   * With W = 1 the answers are the synchronous search's; with W > 1 the order in which reads
   * land (the disk's) steers the walk, so answers may differ from run to run in the last places.
   */
  async searchAsync(queries: Matrix, k: number, p: Record<string, unknown>, allow: Allow | null, threads: number | undefined): Promise<SearchResult> {
    if (queries.kind !== 'dense') throw new KnnkitError('queries', 'queries: the "diskann" index needs dense queries');
    const nq = queries.rows, out = SearchResult.empty(nq, k);
    const stats = new SearchStats(nq, this.traceReads);
    this.stats = stats;
    if (!this.st || this.st.n === 0) return out;
    const plan = this.plan(p, k, allow);
    const cursor = { next: 0 };
    const lanes = Math.max(1, Math.min(threads ?? DEFAULT_IN_FLIGHT, nq));
    await Promise.all(Array.from({ length: lanes }, () => this.lane(queries, k, plan, allow, out, stats, cursor)));
    return out;
  }

  /**
   * One query in flight at a time, driven by read completions: each callback expands its node,
   * refills the free slots, and when the walk is over starts the lane's next query. Resolves
   * when the shared cursor has passed the last query.
   */
  private lane(queries: Matrix & { kind: 'dense' }, k: number, plan: { L: number; W: number; scan: boolean; accept: ((v: number) => boolean) | null }, allow: Allow | null, out: SearchResult, stats: SearchStats, cursor: { next: number }): Promise<void> {
    const { L, W, scan, accept } = plan;
    const src = this.st!.source, qd = queries.data, d = this.dim, nq = queries.rows;
    const heap = new TopK(k);
    const s = scan ? null : this.takeSearcher(W);
    return new Promise<void>((resolve, reject) => {
      let qi = -1, t0 = 0, failed = false;
      /** Issues reads until W are in flight or ℒ has nothing unpicked; then, if none is in flight, ends the query and begins the next. */
      const run = (): void => {
        try {
          for (;;) {
            if (qi >= 0 && s !== null) {
              for (let slot: number; (slot = s.issue()) >= 0;) src.readInto(s.slot(slot), s.sectorOfSlot(slot), landed[slot]);
              if (s.inFlight > 0) return;
              s.finish(k, accept, heap, out.indices, out.distances, qi * k);
              stats.record(qi, s.stats, performance.now() - t0, s.readNodes());
            }
            if (cursor.next >= nq) { if (s) this.idle.push(s); resolve(); return; }
            qi = cursor.next++;
            t0 = performance.now();
            if (s === null) { this.scanRow(qd, qi, k, allow!, heap, out, stats); qi = -1; continue; }
            s.begin(qd, qi * d, L);
          }
        } catch (e) { fail(e as Error); }
      };
      const fail = (e: Error): void => { if (!failed) { failed = true; cursor.next = nq; reject(e); } };
      // one callback per slot, made once: a completion names its slot without a closure per read
      const landed = Array.from({ length: W }, (_, slot) => (err: Error | null): void => {
        if (failed) { s!.release(slot); return; }
        if (err) { s!.release(slot); fail(err); return; }
        try { s!.complete(slot); } catch (e) { fail(e as Error); return; }
        run();
      });
      run();
    });
  }

  /** Exact scan of the allowed points (very selective filters): one record read per point. */
  private scanRow(qd: Float32Array, qi: number, k: number, allow: Allow, heap: TopK, out: SearchResult, stats: SearchStats): void {
    const st = this.st!, d = this.dim, t0 = performance.now();
    heap.reset(k);
    let reads = 0;
    const visit = (v: number) => {
      const r = this.record(v);
      if (r.read) reads++;
      heap.push(this.metric.reduced(qd, qi * d, r.f32, r.w, d), v);
    };
    const list = allow.labels();
    if (list) { for (const v of list) if (v < st.n && allow.test(v)) visit(v); }
    else { const mask = allow.mask(); for (let v = 0; v < st.n; v++) if (mask[v]) visit(v); }
    drainTrue(heap, this.metric, out.indices, out.distances, qi * k);
    stats.record(qi, { reads: reads * st.layout.sectorsPerNode, bytes: reads * st.layout.readBytes, hops: 0, cacheHits: 0 }, performance.now() - t0);
  }

  /** Node v's record: from the cache, or one read of its sector(s). */
  private record(v: number): { f32: Float32Array; w: number; read: boolean } {
    const g = this.graph!, co = g.cache.offsetOf(v);
    if (co >= 0) return { f32: g.cache.f32, w: co, read: false };
    const buf = new Uint8Array(g.layout.readBytes);
    this.st!.source.readSync(buf, g.layout.sectorOf(v));
    return { f32: new Float32Array(buf.buffer), w: g.layout.offsetIn(v) >> 2, read: true };
  }

  getVector(label: number): Float32Array {
    const st = this.st;
    if (!st || label < 0 || label >= st.n) throw new KnnkitError('id', `id: label ${label} is not in the index`);
    const r = this.record(label), d = this.dim;
    const v = r.f32.slice(r.w, r.w + d);
    if (st.norms) { const nr = st.norms[label]; for (let j = 0; j < d; j++) v[j] *= nr; }
    return v;
  }

  /** Sector reads, bytes, hops, cache hits and latencies of the last search call. */
  lastSearchStats(): SearchStats { return this.stats; }

  searchStats(): Record<string, number> { return this.stats.summary(); }

  /** RAM held: codes, codebooks, norms, cache and the searchers' scratch (at least one's; not the sectors, unless resident). */
  memoryUsage(): number {
    const st = this.st;
    if (!st) return 0;
    const held = (this.searcher?.bytes() ?? 0) + this.idle.reduce((t, x) => t + x.bytes(), 0);
    const scratch = held > 0 ? held : 65536 + 4 * st.layout.readBytes;
    return st.codes.byteLength + st.pq.centroids.byteLength + (st.norms?.byteLength ?? 0) + this.graph!.cache.bytes() + scratch
      + (st.source.resident ? st.source.bytes : 0);
  }

  persist(): { state: Record<string, unknown>; sections: Section[] } {
    const st = this.st;
    if (!st) return { state: { n: 0 }, sections: [] };
    const lay = st.layout;
    const sections: Section[] = [
      { name: 'diskann.pq', data: st.pq.centroids, type: 'f32' },
      { name: 'diskann.codes', data: st.codes, type: 'u8' },
      { name: 'diskann.sectors', data: st.source.whole(), type: 'u8' },
    ];
    if (st.norms) sections.push({ name: 'diskann.norms', data: st.norms, type: 'f32' });
    return {
      state: { n: st.n, R: st.R, medoid: st.medoid, cosine: st.cosine, m: st.pq.m, nbits: st.pq.nbits, cacheNodes: st.cacheNodes, nodeBytes: lay.nodeBytes, sectorCount: lay.sectorCount },
      sections,
    };
  }
}
