import { denseMatrix } from '../../core/matrix.js';
import { KeyMap } from '../../index/ids.js';
import type { VectorIndex } from '../../index/types.js';
import { compileFilter, type CompiledFilter, type Payload } from '../filter.js';
import { compareKeys } from '../point-id.js';
import type { Change, SelectChange } from './codec.js';
import type { SegmentState } from './segment.js';
import { nextPayload } from './payload-ops.js';

/** A hit inside the cluster: the point's canonical key and its Qdrant score. */
export interface KeyHit { key: string; score: number }

/**
 * One shard as a query node holds it: the index (any servable family, through the index
 * contract), the keys (KeyMap: canonical key <-> the index's numeric ids) and the payloads, built
 * by applying the shard stream's messages in stream order. `applied` is the stream sequence of
 * the last message applied, which read-your-writes waits on.
 */
export class ShardState {
  keys = new KeyMap();
  payloads = new Map<number, Payload>();
  applied = 0;
  /** Points changed since the state was last sealed or loaded from a segment (the sealer's N). */
  unsealed = 0;
  /**
   * Wall-clock time (ms) at which this shard was last known to hold every write the stream had
   * acknowledged: set by a bounded-staleness read that asked the stream for its last sequence
   * and found (or waited until) it applied. Reads with a max lag in ms reuse it.
   */
  caughtUpAt = 0;
  /** Keys in Qdrant's id order (scroll), rebuilt after a change that adds or removes points. */
  private sorted: string[] | null = null;
  /** Log of the follower (a record it cannot apply is reported, not fatal). */
  log: (m: string) => void = () => undefined;
  private waiters: { seq: number; resolve: () => void }[] = [];

  constructor(readonly shard: number, public index: VectorIndex, readonly dim: number) {}

  /** The state of a sealed segment replaces this one (a follower behind the purged stream start). */
  load(seg: SegmentState): void {
    if (seg.seq <= this.applied) return;
    this.keys = seg.keys;
    this.payloads = seg.payloads;
    this.index = seg.index;
    this.sorted = null;
    this.unsealed = 0;
    this.advance(seg.seq);
  }

  get size(): number { return this.index.size; }

  /** Applies the message at stream sequence `seq` (redelivered older sequences are skipped). */
  apply(c: Change, seq: number): void {
    if (seq <= this.applied) return;
    if (c.op === 'upsert') {
      const ids = new Float64Array(c.keys.length);
      const stale: number[] = [];
      c.keys.forEach((k, i) => {
        ids[i] = this.keys.idFor(k);
        if (this.index.has(ids[i])) stale.push(ids[i]);
      });
      if (stale.length) this.index.remove(stale);
      this.index.add(denseMatrix(c.vectors, c.keys.length, this.dim), ids);
      c.keys.forEach((_, i) => this.payloads.set(ids[i], c.payloads[i] ?? {}));
      if (stale.length !== c.keys.length) this.sorted = null;
      this.unsealed += c.keys.length;
    } else {
      this.applySelect(c, seq);
      this.unsealed += c.keys?.length ?? 1;
    }
    this.advance(seq);
  }

  private advance(seq: number): void {
    this.applied = seq;
    if (this.waiters.length) {
      const still: typeof this.waiters = [];
      for (const w of this.waiters) if (w.seq <= seq) w.resolve(); else still.push(w);
      this.waiters = still;
    }
  }

  /**
   * A delete or payload change. Points chosen by a filter are the ones matching it in this
   * shard at this stream position: the same on every node, since every node applies the same
   * records in the same order.
   */
  private applySelect(c: SelectChange, seq: number): void {
    let keys: string[];
    if (c.keys) keys = c.keys;
    else {
      let f: CompiledFilter | null;
      try { f = compileFilter(c.filter); } catch (e) {
        // the publishing node compiled it before publishing; a node of another version may not
        this.log(`record ${seq}: filter not understood (${(e as Error).message}); skipped`);
        return;
      }
      keys = [];
      for (const [id, p] of this.payloads) { const k = this.keys.keyOf(id)!; if (!f || f.test(k, p)) keys.push(k); }
    }
    if (c.op === 'delete') {
      const ids: number[] = [];
      for (const k of keys) {
        const id = this.keys.get(k);
        if (id === undefined) continue;
        ids.push(id);
        this.payloads.delete(id);
        this.keys.delete(k);
      }
      if (ids.length) { this.index.remove(ids); this.sorted = null; }
      return;
    }
    for (const k of keys) {
      const id = this.keys.get(k);
      if (id === undefined || !this.index.has(id)) continue;
      this.payloads.set(id, nextPayload(c, this.payloads.get(id) ?? {}));
    }
  }

  /** The shard's keys in Qdrant's id order (integers first, then UUIDs). */
  orderedKeys(): string[] {
    if (!this.sorted) {
      const ks: string[] = [];
      for (const id of this.payloads.keys()) ks.push(this.keys.keyOf(id)!);
      this.sorted = ks.sort(compareKeys);
    }
    return this.sorted;
  }

  /** Up to `limit` keys from `from` (inclusive) in id order that pass the filter. */
  scroll(from: string | null, limit: number, f: CompiledFilter | null): string[] {
    const keys = this.orderedKeys();
    let lo = 0;
    if (from !== null) {
      let hi = keys.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (compareKeys(keys[mid], from) < 0) lo = mid + 1; else hi = mid; }
    }
    const out: string[] = [];
    for (let i = lo; i < keys.length && out.length < limit; i++) {
      if (!f || f.test(keys[i], this.payloads.get(this.keys.get(keys[i])!)!)) out.push(keys[i]);
    }
    return out;
  }

  /** Resolves true once `seq` is applied, false after `timeoutMs`. */
  waitFor(seq: number, timeoutMs: number): Promise<boolean> {
    if (this.applied >= seq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w = { seq, resolve: () => { clearTimeout(t); resolve(true); } };
      const t = setTimeout(() => { this.waiters = this.waiters.filter((x) => x !== w); resolve(false); }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /**
   * The ids a filter allows (null: no filter). No payload indexes on cluster shards yet: the
   * filter is tested on every point's payload (the single server's compiled filter).
   */
  allowed(f: CompiledFilter | null): Set<number> | null {
    if (!f) return null;
    const out = new Set<number>();
    for (const [id, p] of this.payloads) if (f.test(f.usesIds ? this.keys.keyOf(id)! : '', p)) out.add(id);
    return out;
  }

  /** The shard's k nearest (among the filter's points); `score` maps a true distance to Qdrant's score. */
  search(query: Float32Array, k: number, params: Record<string, unknown>, score: (d: number) => number, filter: CompiledFilter | null = null): KeyHit[] {
    if (this.index.size === 0 || k <= 0) return [];
    const allow = this.allowed(filter);
    if (allow && allow.size === 0) return [];
    // the allowed set goes into the index's search (never a post-filter: k hits among the allowed)
    const r = this.index.search(denseMatrix(query, 1, this.dim), k, allow ? { ...params, filter: allow } : params);
    const out: KeyHit[] = [];
    for (let i = 0; i < r.ids.length; i++) if (r.ids[i] >= 0) out.push({ key: this.keys.keyOf(r.ids[i])!, score: score(r.distances[i]) });
    return out;
  }

  get(key: string): { vector: Float32Array; payload: Payload } | null {
    const id = this.keys.get(key);
    if (id === undefined || !this.index.has(id)) return null;
    return { vector: this.index.getVector(id), payload: this.payloads.get(id) ?? {} };
  }
}
