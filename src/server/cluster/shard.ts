import { denseMatrix } from '../../core/matrix.js';
import { KeyMap } from '../../index/ids.js';
import type { FilterInput, VectorIndex } from '../../index/types.js';
import { getFamily } from '../../index/registry.js';
import { compileFilter, type CompiledFilter, type Payload } from '../filter.js';
import { compareKeys } from '../point-id.js';
import type { Change, SelectChange } from './codec.js';
import type { SegmentData } from './segment.js';
import { nextPayload } from './payload-ops.js';

/** A hit inside the cluster: the point's canonical key and its Qdrant score. */
export interface KeyHit { key: string; score: number }

/**
 * A segment as a node holds it: the points written in its stream range and the tombstones of
 * that range (see SegmentData). The growing segment (`to` = 0) changes in place; a sealed one
 * never does: its points overwritten or deleted by later records are only marked in `dead` (a
 * delete bitmap, as Milvus's), so the segment can be encoded unchanged by whichever node uploads
 * it, and compaction decides from the sealed segments alone what to drop.
 */
export class Segment {
  /** Ids of points hidden by later records (sealed segments only; the growing one removes them). */
  readonly dead = new Set<number>();
  constructor(public from: number, public to: number, readonly index: VectorIndex, readonly keys = new KeyMap(),
    readonly payloads = new Map<number, Payload>(), readonly tombstones = new Map<string, number>()) {}

  /** Points of the segment still live in the shard. */
  get live(): number { return this.payloads.size - this.dead.size; }
  get empty(): boolean { return this.payloads.size === 0 && this.tombstones.size === 0; }

  /** Live ids whose payload (and key) pass the filter. */
  allowed(f: CompiledFilter): Set<number> {
    const out = new Set<number>();
    for (const [id, p] of this.payloads) if (!this.dead.has(id) && f.test(f.usesIds ? this.keys.keyOf(id)! : '', p)) out.add(id);
    return out;
  }

  data(collection: string, shard: number): SegmentData {
    return { collection, shard, from: this.from, to: this.to, keys: this.keys, payloads: this.payloads, tombstones: this.tombstones, index: this.index };
  }
}

/**
 * One shard as a query node holds it: the sealed segments (oldest first) and the growing
 * segment after them, built by applying the shard stream's records in stream order, or by loading
 * the manifest's segments and replaying the records after them. `where` maps each live key to the
 * segment holding its live copy. `applied` is the stream sequence of the last record applied,
 * which reads wait on. Every node applies the same records in the same order, so every node cuts
 * the same segments (at the sealer's marks in the stream) and holds the same points.
 */
export class ShardState {
  sealed: Segment[] = [];
  growing: Segment;
  private where = new Map<string, Segment>();
  applied = 0;
  /** Points changed in the growing segment (the sealer's N). */
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

  constructor(readonly shard: number, readonly makeIndex: () => VectorIndex, readonly dim: number) {
    this.growing = new Segment(1, 0, makeIndex());
  }

  /** Live points. */
  get size(): number { return this.where.size; }

  /** Sealed segments, then the growing one. */
  segments(): Segment[] { return [...this.sealed, this.growing]; }

  /**
   * The manifest's segments (oldest first, ending at stream sequence `seq`) replace this state:
   * at a start, or for a follower behind the purged stream start. Each segment's tombstones and
   * points hide the copies of those keys in older segments.
   */
  loadSegments(list: SegmentData[], seq: number): void {
    if (seq <= this.applied) return;
    this.sealed = [];
    this.where = new Map();
    this.sorted = null;
    for (const d of list) this.addSealed(new Segment(d.from, d.to, d.index, d.keys, d.payloads, d.tombstones));
    this.growing = new Segment(seq + 1, 0, this.makeIndex());
    this.unsealed = 0;
    this.advance(seq);
  }

  private addSealed(seg: Segment): void {
    for (const k of seg.tombstones.keys()) {
      const at = this.where.get(k);
      if (at) { at.dead.add(at.keys.get(k)!); this.where.delete(k); }
    }
    for (const id of seg.payloads.keys()) {
      const k = seg.keys.keyOf(id)!;
      const at = this.where.get(k);
      if (at) at.dead.add(at.keys.get(k)!);
      this.where.set(k, seg);
    }
    this.sealed.push(seg);
  }

  /**
   * Compaction's result replaces the sealed segments [from, to] on this node (the node that
   * compacted). False, and nothing changed, when this node's segments do not line up with them
   * or the merged segment misses a live point of theirs (it then keeps its own, equivalent ones).
   */
  replaceSealed(from: number, to: number, merged: SegmentData | null): boolean {
    const i = this.sealed.findIndex((s) => s.from === from), j = this.sealed.findIndex((s) => s.to === to);
    if (i < 0 || j < i) return false;
    const old = new Set(this.sealed.slice(i, j + 1));
    let liveOld = 0;
    for (const s of old) liveOld += s.live;
    const seg = merged ? new Segment(merged.from, merged.to, merged.index, merged.keys, merged.payloads, merged.tombstones) : null;
    const moving: [string, number][] = [];
    if (seg) for (const id of seg.payloads.keys()) { const k = seg.keys.keyOf(id)!; if (old.has(this.where.get(k)!)) moving.push([k, id]); }
    if (moving.length !== liveOld) return false;
    if (seg) {
      const live = new Set(moving.map(([, id]) => id));
      for (const id of seg.payloads.keys()) if (!live.has(id)) seg.dead.add(id); // hidden by later records than the manifest's
      for (const [k] of moving) this.where.set(k, seg);
    }
    this.sealed.splice(i, j - i + 1, ...(seg ? [seg] : []));
    return true;
  }

  /** Applies the record at stream sequence `seq` (redelivered older sequences are skipped). */
  apply(c: Change, seq: number): void {
    if (seq <= this.applied) return;
    if (c.op === 'upsert') this.upsert(c.keys, c.payloads, c.vectors);
    else if (c.op === 'seal') this.freeze(seq);
    else this.applySelect(c, seq);
    this.advance(seq);
  }

  /** New copies of the points in the growing segment; any older copy is hidden (an overwrite). */
  private upsert(keys: string[], payloads: Payload[], vectors: Float32Array): void {
    const g = this.growing;
    const ids = new Float64Array(keys.length);
    const stale: number[] = [];
    keys.forEach((k, i) => {
      const at = this.where.get(k);
      if (at === g) stale.push(g.keys.get(k)!);
      else if (at) at.dead.add(at.keys.get(k)!);
      else this.sorted = null;
      ids[i] = g.keys.idFor(k);
      g.tombstones.delete(k); // the copy here hides the older ones itself
      this.where.set(k, g);
    });
    if (stale.length) g.index.remove(stale);
    g.index.add(denseMatrix(vectors, keys.length, this.dim), ids);
    keys.forEach((_, i) => g.payloads.set(ids[i], payloads[i] ?? {}));
    this.unsealed += keys.length;
  }

  /** The sealer's mark: the growing segment, unless empty, becomes sealed at `seq` (on every node alike). */
  private freeze(seq: number): void {
    this.unsealed = 0;
    if (this.growing.empty) return;
    this.growing.to = seq;
    this.sealed.push(this.growing);
    this.growing = new Segment(seq + 1, 0, this.makeIndex());
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
   * records in the same order. A delete hides the live copy and leaves a tombstone in the growing
   * segment (it must hide the copies in sealed segments wherever they are loaded); a payload
   * change of a point in a sealed segment moves the point into the growing one with its new payload.
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
      for (const [k, at] of this.where) if (!f || f.test(k, at.payloads.get(at.keys.get(k)!)!)) keys.push(k);
    }
    const g = this.growing;
    if (c.op === 'delete') {
      const gone: number[] = [];
      for (const k of keys) {
        const at = this.where.get(k);
        if (!at) continue;
        const id = at.keys.get(k)!;
        if (at === g) { gone.push(id); g.keys.delete(k); g.payloads.delete(id); } else at.dead.add(id);
        this.where.delete(k);
        g.tombstones.set(k, seq);
        this.sorted = null;
        this.unsealed++;
      }
      if (gone.length) g.index.remove(gone);
      return;
    }
    const moved: { keys: string[]; payloads: Payload[]; rows: Float32Array[] } = { keys: [], payloads: [], rows: [] };
    for (const k of keys) {
      const at = this.where.get(k);
      if (!at) continue;
      const id = at.keys.get(k)!;
      const next = nextPayload(c, at.payloads.get(id) ?? {});
      if (at === g) { g.payloads.set(id, next); this.unsealed++; continue; }
      moved.keys.push(k); moved.payloads.push(next); moved.rows.push(at.index.getVector(id));
    }
    if (moved.keys.length) {
      const v = new Float32Array(moved.keys.length * this.dim);
      moved.rows.forEach((r, i) => v.set(r, i * this.dim));
      this.upsert(moved.keys, moved.payloads, v);
    }
  }

  /** The shard's keys in Qdrant's id order (integers first, then UUIDs). */
  orderedKeys(): string[] {
    this.sorted ??= [...this.where.keys()].sort(compareKeys);
    return this.sorted;
  }

  private payloadOf(key: string): Payload | undefined {
    const at = this.where.get(key);
    return at?.payloads.get(at.keys.get(key)!);
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
      if (!f || f.test(keys[i], this.payloadOf(keys[i])!)) out.push(keys[i]);
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
   * Live points passing the filter. No payload indexes on cluster shards yet: the filter is
   * tested on every live point's payload (the single server's compiled filter).
   */
  count(f: CompiledFilter | null): number {
    if (!f) return this.size;
    let n = 0;
    for (const s of this.segments()) n += s.allowed(f).size;
    return n;
  }

  /**
   * The shard's k nearest (among the filter's points): each segment's k nearest among its live
   * points, merged; `score` maps a true distance to Qdrant's score. `params`: the request's
   * search parameters (`ef`, and `exact: true`, Qdrant's `params.exact`: exact neighbours from
   * an approximate index too, as the single server answers it); a segment's index gets those its
   * family declares.
   */
  search(query: Float32Array, k: number, params: Record<string, unknown>, score: (d: number) => number, filter: CompiledFilter | null = null): KeyHit[] {
    if (this.size === 0 || k <= 0) return [];
    const q = denseMatrix(query, 1, this.dim);
    const found: { key: string; d: number }[] = [];
    for (const s of this.segments()) {
      if (s.live === 0) continue;
      // the allowed set goes into the index's search (never a post-filter: k hits among the
      // allowed); a sealed segment's hidden points are excluded the same way
      let allow: Set<number> | ((id: number) => boolean) | null = null;
      if (filter) { allow = s.allowed(filter); if (allow.size === 0) continue; } else if (s.dead.size) { const dead = s.dead; allow = (id: number) => !dead.has(id); }
      const p = segmentParams(s.index, params, allow);
      if (p === null) {
        for (const h of exactScan(s, query, k, allow)) found.push(h);
        continue;
      }
      const r = s.index.search(q, k, p);
      for (let i = 0; i < r.ids.length; i++) if (r.ids[i] >= 0) found.push({ key: s.keys.keyOf(r.ids[i])!, d: r.distances[i] });
    }
    if (this.sealed.length) found.sort((a, b) => a.d - b.d);
    return found.slice(0, k).map((h) => ({ key: h.key, score: score(h.d) }));
  }

  get(key: string): { vector: Float32Array; payload: Payload } | null {
    const at = this.where.get(key);
    if (!at) return null;
    const id = at.keys.get(key)!;
    return { vector: at.index.getVector(id), payload: at.payloads.get(id) ?? {} };
  }
}

/**
 * A segment index's search parameters for a request: the request's that the index's family
 * declares (an `ef` sent to brute-force segments is not an error, as on the single server), the
 * allowed ids, and for `exact` on an approximate index its exact scan of the allowed points
 * (every live point when nothing is excluded). null: the family has no scan of its own, the
 * caller scans the stored vectors.
 */
function segmentParams(index: VectorIndex, params: Record<string, unknown>, allow: FilterInput | null): Record<string, unknown> | null {
  const declared = new Set(getFamily(index.kind).searchParams.map((o) => o.name));
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(params)) if (declared.has(name) && v !== undefined) out[name] = v;
  if (allow) out.filter = allow;
  if (params.exact === true && !index.exact) {
    if (!declared.has('filterStrategy')) return null;
    out.filterStrategy = 'scan';
    if (!allow) out.filter = () => true;
  }
  return out;
}

/** A segment's exact k nearest among its allowed live points, by the stored vectors (true distances). */
function exactScan(s: Segment, query: Float32Array, k: number, allow: Set<number> | ((id: number) => boolean) | null): { key: string; d: number }[] {
  const metric = s.index.metric;
  const all: { id: number; d: number }[] = [];
  const ids = allow instanceof Set ? allow : s.payloads.keys();
  for (const id of ids) {
    if (typeof allow === 'function' && !allow(id)) continue;
    all.push({ id, d: metric.distance(query, 0, s.index.getVector(id), 0, query.length) });
  }
  all.sort((a, b) => a.d - b.d || a.id - b.id);
  return all.slice(0, k).map((h) => ({ key: s.keys.keyOf(h.id)!, d: h.d }));
}
