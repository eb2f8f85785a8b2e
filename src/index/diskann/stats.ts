import type { QueryCounters } from './beam-search.js';

/**
 * Per-query counters of one search call (DiskANN's QueryStats): sector reads, bytes read,
 * hops (beam rounds; pipelined: the longest chain of dependent reads), cache hits and wall time. `summary` gives the means and the latency
 * percentiles the CLI and the bench print.
 */
export class SearchStats {
  readonly reads: Int32Array;
  readonly bytes: Float64Array;
  readonly hops: Int32Array;
  readonly cacheHits: Int32Array;
  readonly ms: Float64Array;
  /** The nodes each query read, when traced (DiskannCore.traceReads); else null. */
  readonly readNodes: Int32Array[] | null;

  constructor(readonly queries: number, trace = false) {
    this.readNodes = trace ? new Array<Int32Array>(queries) : null;
    this.reads = new Int32Array(queries);
    this.bytes = new Float64Array(queries);
    this.hops = new Int32Array(queries);
    this.cacheHits = new Int32Array(queries);
    this.ms = new Float64Array(queries);
  }

  record(q: number, c: QueryCounters, ms: number, readNodes?: Int32Array): void {
    if (this.readNodes) this.readNodes[q] = readNodes ? readNodes.slice() : new Int32Array(0);
    this.reads[q] = c.reads; this.bytes[q] = c.bytes; this.hops[q] = c.hops; this.cacheHits[q] = c.cacheHits; this.ms[q] = ms;
  }

  /** Means per query, and p50 / p99 latency in ms (nearest rank). */
  summary(): Record<string, number> {
    const n = Math.max(1, this.queries);
    const mean = (a: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]; return s / n; };
    const sorted = Float64Array.from(this.ms).sort();
    const pct = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] : 0);
    return {
      queries: this.queries, readsPerQuery: mean(this.reads), bytesPerQuery: mean(this.bytes), hopsPerQuery: mean(this.hops),
      cacheHitsPerQuery: mean(this.cacheHits), p50Ms: pct(0.5), p99Ms: pct(0.99),
    };
  }
}
