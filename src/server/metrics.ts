import type { CollectionManager } from './manager.js';
import type { SearchBatcher } from './search-batcher.js';

/** Latency buckets (seconds) of the request histogram. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram { counts: number[]; sum: number; n: number }

/** Counters and a latency histogram per route, printed in Prometheus' text format. */
export class Metrics {
  private requests = new Map<string, number>();
  private latency = new Map<string, Histogram>();
  pointsUpserted = 0;
  searches = 0;
  rejectedOverload = 0;
  inFlight = 0;
  /** The micro-batcher whose counters are printed (set by the server). */
  batcher: SearchBatcher | null = null;
  readonly started = Date.now();
  /** The last searches' end times and latencies (ms), a ring, for the page's live figures. */
  private recent = new Float64Array(2 * 4096);
  private recentN = 0;

  /** Records one search / query request (the page's live queries/s and latency). */
  observeSearch(ms: number, queries: number): void {
    const now = Date.now();
    for (let i = 0; i < queries; i++) {
      const slot = (this.recentN++ % 4096) * 2;
      this.recent[slot] = now;
      this.recent[slot + 1] = ms / queries;
    }
  }

  /** Queries/s and latency percentiles over the last `windowSeconds`. */
  liveStats(windowSeconds = 10): { qps: number; p50ms: number; p99ms: number; searches: number; windowSeconds: number } {
    const since = Date.now() - windowSeconds * 1000;
    const lat: number[] = [];
    const n = Math.min(this.recentN, 4096);
    for (let i = 0; i < n; i++) if (this.recent[2 * i] >= since) lat.push(this.recent[2 * i + 1]);
    lat.sort((a, b) => a - b);
    const pct = (p: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : 0);
    return { qps: lat.length / windowSeconds, p50ms: pct(0.5), p99ms: pct(0.99), searches: this.searches, windowSeconds };
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `method="${method}",route="${route}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const hk = `method="${method}",route="${route}"`;
    let h = this.latency.get(hk);
    if (!h) this.latency.set(hk, (h = { counts: new Array(BUCKETS.length).fill(0), sum: 0, n: 0 }));
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) h.counts[i]++;
    h.sum += seconds;
    h.n++;
  }

  render(manager: CollectionManager): string {
    const out: string[] = [];
    const metric = (name: string, type: string, help: string, lines: string[]) => { out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines); };
    metric('knnkit_http_requests_total', 'counter', 'HTTP requests by method, route and status.', [...this.requests].map(([k, v]) => `knnkit_http_requests_total{${k}} ${v}`));
    const hl: string[] = [];
    for (const [k, h] of this.latency) {
      BUCKETS.forEach((b, i) => hl.push(`knnkit_http_request_duration_seconds_bucket{${k},le="${b}"} ${h.counts[i]}`));
      hl.push(`knnkit_http_request_duration_seconds_bucket{${k},le="+Inf"} ${h.n}`, `knnkit_http_request_duration_seconds_sum{${k}} ${h.sum}`, `knnkit_http_request_duration_seconds_count{${k}} ${h.n}`);
    }
    metric('knnkit_http_request_duration_seconds', 'histogram', 'HTTP request latency.', hl);
    metric('knnkit_http_in_flight_requests', 'gauge', 'Requests being served.', [`knnkit_http_in_flight_requests ${this.inFlight}`]);
    metric('knnkit_http_rejected_overload_total', 'counter', 'Requests refused with 429 because too many were in flight.', [`knnkit_http_rejected_overload_total ${this.rejectedOverload}`]);
    metric('knnkit_points_upserted_total', 'counter', 'Points upserted.', [`knnkit_points_upserted_total ${this.pointsUpserted}`]);
    metric('knnkit_searches_total', 'counter', 'Searches and queries run (a batch counts each).', [`knnkit_searches_total ${this.searches}`]);
    const b = this.batcher;
    metric('knnkit_search_batches_total', 'counter', 'Index searches run for micro-batched plain searches (one per collection, k and ef in an event-loop turn).', [`knnkit_search_batches_total ${b?.batches ?? 0}`]);
    metric('knnkit_search_batched_queries_total', 'counter', 'Plain searches answered through micro-batches.', [`knnkit_search_batched_queries_total ${b?.queries ?? 0}`]);
    metric('knnkit_search_worker_batches_total', 'counter', 'Of the micro-batches, those searched on a worker thread (off the event loop).', [`knnkit_search_worker_batches_total ${b?.offloaded ?? 0}`]);
    metric('knnkit_collections', 'gauge', 'Collections.', [`knnkit_collections ${manager.collections.size}`]);
    const per = (name: string, type: string, help: string, f: (c: import('./collection.js').Collection) => number) =>
      metric(name, type, help, [...manager.collections].map(([n, c]) => `${name}{collection="${n}"} ${f(c)}`));
    per('knnkit_collection_points', 'gauge', 'Live points per collection.', (c) => c.pointsCount);
    per('knnkit_collection_wal_bytes', 'gauge', 'Bytes in the write-ahead log (since the last snapshot).', (c) => c.walBytes);
    per('knnkit_collection_wal_fsyncs_total', 'counter', 'Write-ahead log fsyncs (one per group commit).', (c) => c.walSyncs);
    per('knnkit_collection_wal_records_total', 'counter', 'Write-ahead log records written.', (c) => c.walRecords);
    per('knnkit_collection_snapshots_total', 'counter', 'Snapshots written.', (c) => c.snapshots);
    per('knnkit_collection_compactions_total', 'counter', 'Index rebuilds at snapshots (removed points dropped).', (c) => c.compactions);
    per('knnkit_collection_index_bytes', 'gauge', 'Memory held by the index.', (c) => c.index.memoryUsage());
    metric('knnkit_uptime_seconds', 'gauge', 'Seconds since start.', [`knnkit_uptime_seconds ${(Date.now() - this.started) / 1000}`]);
    return out.join('\n') + '\n';
  }
}
