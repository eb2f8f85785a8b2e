import type { Collection, Hit } from './collection.js';

interface Pending {
  vector: Float32Array;
  resolve: (hits: Hit[]) => void;
  reject: (err: unknown) => void;
}

/** The searches of one collection with the same k and ef, waiting for the next flush. */
interface Group {
  c: Collection;
  k: number;
  ef: number | undefined;
  items: Pending[];
}

/**
 * Micro-batching of plain searches (no filter, see Collection.batchable). Under concurrent load
 * many search requests are parsed in the same turn of the event loop (one poll of the sockets);
 * each is queued here, and one setImmediate after the first, once the poll phase has handed over
 * every request that arrived, each group (collection, k, ef) is answered by one index search
 * (Collection.searchRows). A single index call for n queries costs much less than n calls: the
 * index's per-call setup (option parsing, validation, result arrays) is paid once and the
 * family's batch path runs. The wait is bounded: at most the rest of the current loop turn, no
 * timer, so a lone request is answered as soon as it would have been, one phase later.
 *
 * Grouping by k and ef keeps answers identical to one search at a time: an HNSW beam is
 * max(ef, k), so queries with different k are never searched together.
 */
export class SearchBatcher {
  private groups = new Map<string, Group>();
  private scheduled = false;
  /** Index searches run by flushes, and the queries they answered (the /metrics counters). */
  batches = 0;
  queries = 0;
  /** Largest batch so far. */
  largest = 0;

  /** Queues one search (vector: the collection's size, checked finite); resolves with its top-k hits, best first. */
  search(c: Collection, vector: Float32Array, k: number, ef: number | undefined): Promise<Hit[]> {
    const key = `${c.config.name}\u0000${k}\u0000${ef ?? ''}`;
    let g = this.groups.get(key);
    // a collection deleted and created again under the same name while a search waits: a new group
    if (g && g.c !== c) { this.flush(); g = undefined; }
    if (!g) this.groups.set(key, (g = { c, k, ef, items: [] }));
    const p = new Promise<Hit[]>((resolve, reject) => { g.items.push({ vector, resolve, reject }); });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return p;
  }

  /** Answers every queued search: one index search per group. */
  flush(): void {
    this.scheduled = false;
    if (this.groups.size === 0) return;
    const groups = [...this.groups.values()];
    this.groups.clear();
    for (const g of groups) {
      const n = g.items.length, dim = g.c.config.size;
      try {
        let rows: Float32Array;
        if (n === 1) rows = g.items[0].vector;
        else {
          rows = new Float32Array(n * dim);
          for (let i = 0; i < n; i++) rows.set(g.items[i].vector, i * dim);
        }
        const hits = g.c.searchRows(rows, n, g.k, g.ef);
        this.batches++;
        this.queries += n;
        if (n > this.largest) this.largest = n;
        for (let i = 0; i < n; i++) g.items[i].resolve(hits[i]);
      } catch (err) {
        for (const it of g.items) it.reject(err);
      }
    }
  }
}
