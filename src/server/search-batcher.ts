import type { Collection, Hit } from './collection.js';

interface Pending {
  vector: Float32Array;
  resolve: (hits: Hit[]) => void;
  reject: (err: unknown) => void;
}

/** The searches of one collection with the same k and ef, waiting for the next index search. */
interface Group {
  k: number;
  ef: number | undefined;
  items: Pending[];
}

/** One collection's queue: its groups, and whether a worker search of it is in flight. */
interface Lane {
  c: Collection;
  groups: Map<string, Group>;
  busy: boolean;
}

export interface BatcherOptions {
  /**
   * Worker threads that run the index searches of collections whose index can be searched off
   * this thread (Collection.offloads: HNSW over shared memory); 0 = every search on the event
   * loop. Default 1.
   */
  searchThreads?: number;
}

/**
 * Micro-batching of plain searches (no filter, see Collection.batchable). Under concurrent load
 * many search requests are parsed in the same turn of the event loop (one poll of the sockets);
 * each is queued here, and one setImmediate after the first, once the poll phase has handed over
 * every request that arrived, each group (collection, k, ef) is answered by one index search.
 * A single index call for n queries costs much less than n calls: the index's per-call setup
 * (option parsing, validation, result arrays) is paid once and the family's batch path runs.
 * The wait is bounded: at most the rest of the current loop turn, no timer.
 *
 * Off the event loop: for a collection that offloads (HNSW), the batch is searched by a worker
 * thread over the index's shared memory (Collection.searchRowsAsync) while this thread goes on
 * parsing requests and writing answers: on two cores the HTTP work and the graph walks run side
 * by side. One worker search per collection is in flight at a time (the workers use the index's
 * own scratch blocks); searches that arrive meanwhile wait, and the moment it returns they go
 * out as the next batch, before the finished batch's answers are written. The worker search is
 * a reader of the collection's gate (./index-gate.ts): changes wait for it, and searches queue
 * behind a waiting change, so an acknowledged change is seen by every later search.
 *
 * Grouping by k and ef keeps answers identical to one search at a time: an HNSW beam is
 * max(ef, k), so queries with different k are never searched together.
 */
export class SearchBatcher {
  private lanes = new Map<Collection, Lane>();
  private scheduled = false;
  private readonly threads: number;
  /** Index searches run by flushes, and the queries they answered (the /metrics counters). */
  batches = 0;
  queries = 0;
  /** Of those, the index searches run on worker threads. */
  offloaded = 0;
  /** Largest batch so far. */
  largest = 0;

  constructor(opts: BatcherOptions = {}) {
    this.threads = opts.searchThreads ?? 1;
  }

  /** Queues one search (vector: the collection's size, checked finite); resolves with its top-k hits, best first. */
  search(c: Collection, vector: Float32Array, k: number, ef: number | undefined): Promise<Hit[]> {
    let lane = this.lanes.get(c);
    if (!lane) this.lanes.set(c, (lane = { c, groups: new Map(), busy: false }));
    const key = `${k}\u0000${ef ?? ''}`;
    let g = lane.groups.get(key);
    if (!g) lane.groups.set(key, (g = { k, ef, items: [] }));
    const p = new Promise<Hit[]>((resolve, reject) => { g.items.push({ vector, resolve, reject }); });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return p;
  }

  /** Starts the index searches of every queued group (a collection with a worker search in flight goes when it returns). */
  flush(): void {
    this.scheduled = false;
    for (const lane of [...this.lanes.values()]) if (!lane.busy) this.run(lane, true);
  }

  /**
   * Searches a lane's queued groups: on the event loop when the collection does not offload, or
   * when a lone query finds the lane idle at a flush (no worker search in flight: nothing to
   * overlap with, and the hand-over, a message each way and two thread wake-ups, would cost about
   * as much CPU as the walk and add its latency; `fromFlush` false: called as a worker search
   * returned, under load, where the next batch keeps the worker busy); otherwise on the worker.
   */
  private run(lane: Lane, fromFlush = false): void {
    const groups = [...lane.groups.values()];
    lane.groups.clear();
    if (groups.length === 0) { this.lanes.delete(lane.c); return; }
    const c = lane.c;
    const lone = fromFlush && groups.length === 1 && groups[0].items.length === 1 && c.gate.idle;
    if (this.threads === 0 || !c.offloads || lone) {
      this.lanes.delete(c);
      for (const g of groups) {
        let hits: Hit[][];
        try { hits = c.searchRows(rowsOf(g, c.config.size), g.items.length, g.k, g.ef); } catch (err) { for (const it of g.items) it.reject(err); continue; }
        this.count(g.items.length, false);
        for (let i = 0; i < g.items.length; i++) g.items[i].resolve(hits[i]);
      }
      return;
    }
    lane.busy = true;
    const done = c.gate.read(async () => {
      const out: (Hit[][] | { err: unknown })[] = [];
      for (const g of groups) {
        try { out.push(await c.searchRowsAsync(rowsOf(g, c.config.size), g.items.length, g.k, g.ef, this.threads)); } catch (err) { out.push({ err }); }
      }
      return out;
    });
    void done.then((results) => {
      lane.busy = false;
      // what arrived meanwhile goes to the worker before these answers are written
      this.run(lane);
      groups.forEach((g, gi) => {
        const r = results[gi];
        if (!Array.isArray(r)) { for (const it of g.items) it.reject(r.err); return; }
        this.count(g.items.length, true);
        for (let i = 0; i < g.items.length; i++) g.items[i].resolve(r[i]);
      });
    });
  }

  private count(n: number, offloaded: boolean): void {
    this.batches++;
    this.queries += n;
    if (offloaded) this.offloaded++;
    if (n > this.largest) this.largest = n;
  }
}

/** The group's query vectors as one n x dim block (the vector itself for one query). */
function rowsOf(g: Group, dim: number): Float32Array {
  const n = g.items.length;
  if (n === 1) return g.items[0].vector;
  const rows = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) rows.set(g.items[i].vector, i * dim);
  return rows;
}
