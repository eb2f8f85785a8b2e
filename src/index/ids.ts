import { KnnkitError, invalidParam } from '../core/errors.js';
import type { IdsInput } from './types.js';

/** Largest external id: 2^53 - 1, the largest integer a JavaScript number holds exactly. */
export const MAX_ID = Number.MAX_SAFE_INTEGER;

/** Normalises ids given at the boundary (number, array, typed array, BigInt64Array) to a Float64Array. */
export function normaliseIds(ids: IdsInput, param = 'ids'): Float64Array {
  if (typeof ids === 'number') ids = [ids];
  if (ids instanceof BigInt64Array || ids instanceof BigUint64Array) {
    const out = new Float64Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const b = ids[i];
      if (b < 0n || b > BigInt(MAX_ID)) throw invalidParam(`${param}[${i}]`, String(b), `an integer in [0, ${MAX_ID}] (2^53 - 1)`);
      out[i] = Number(b);
    }
    return out;
  }
  if (ids == null || typeof (ids as ArrayLike<number>).length !== 'number' || typeof ids === 'string') {
    throw invalidParam(param, ids, 'an id, an array of ids, or an Int32Array / Float64Array / BigInt64Array of ids');
  }
  const a = ids as ArrayLike<number>;
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_ID) throw invalidParam(`${param}[${i}]`, v, `an integer in [0, ${MAX_ID}] (2^53 - 1)`);
    out[i] = v;
  }
  return out;
}

/**
 * External id <-> internal label. Labels are dense int32 handed out in order and never reused
 * (a removed label stays dead), so a family's arrays can be indexed by label. While every id
 * equals its label (the default numbering, no removal) the map is the identity and costs nothing:
 * `identity` lets hot paths skip the translation.
 */
export class IdMap {
  /** label -> external id (-1 for a removed label); null while the map is the identity (no cost). */
  private ext: Float64Array | null = null;
  /** external id -> label, only once the map stops being the identity. */
  private lookup: Map<number, number> | null = null;
  /** Labels handed out so far. */
  count = 0;
  /** Live labels. */
  live = 0;
  /** Next automatic id: one above the largest id ever given. */
  nextId = 0;
  identity = true;

  constructor(private capacity = 16) {}

  static restore(ext: Float64Array, count: number, nextId: number): IdMap {
    let live = 0, identity = true;
    for (let l = 0; l < count; l++) {
      if (ext[l] >= 0) live++;
      if (ext[l] !== l) identity = false;
    }
    // the identity keeps no table (a saved identity would otherwise cost 8 bytes per point
    // twice over while loading: the copy and its source)
    const m = identity ? IdMap.identityOf(count, nextId) : new IdMap(count);
    if (identity) return m;
    m.ext = new Float64Array(Math.max(16, count));
    m.ext.set(ext.subarray(0, count));
    m.count = count;
    m.nextId = nextId;
    m.live = live;
    m.buildLookup();
    return m;
  }

  /** Labels 0..count-1 as their own ids, all live: no table at all. */
  static identityOf(count: number, nextId = count): IdMap {
    const m = new IdMap(count);
    m.count = count;
    m.live = count;
    m.nextId = nextId;
    return m;
  }

  /** Leaves the identity: the label table and the id -> label lookup are made. */
  private buildLookup(): void {
    const ext = this.materialise();
    this.identity = false;
    const lk = new Map<number, number>();
    for (let l = 0; l < this.count; l++) if (ext[l] >= 0) lk.set(ext[l], l);
    this.lookup = lk;
  }

  private materialise(): Float64Array {
    if (!this.ext) {
      const e = new Float64Array(Math.max(16, this.count, this.capacity));
      for (let l = 0; l < this.count; l++) e[l] = l;
      this.ext = e;
    }
    return this.ext;
  }

  /** The label of a live id, or -1. */
  labelOf(id: number): number {
    if (this.identity) return Number.isInteger(id) && id >= 0 && id < this.count ? id : -1;
    return this.lookup!.get(id) ?? -1;
  }

  /** The external id of a label (-1 if removed). */
  idOf(label: number): number { return this.identity ? label : this.ext![label]; }

  /** label -> id array (length >= count); made on first use while the map is the identity. */
  get table(): Float64Array { return this.materialise(); }

  /**
   * Checks ids for a batch of n new points (unique, not live) or makes consecutive ones; returns
   * the ids and the labels they get (not yet committed: call `commit` once the family accepted them).
   */
  plan(n: number, ids: Float64Array | undefined): { ids: Float64Array; labels: Int32Array } {
    let out: Float64Array;
    if (ids) {
      if (ids.length !== n) throw new KnnkitError('ids', `ids: got ${ids.length} ids for ${n} vectors; expected one id per vector`);
      const seen = new Set<number>();
      for (let i = 0; i < n; i++) {
        const id = ids[i];
        if (seen.has(id) || this.labelOf(id) >= 0) throw new KnnkitError('ids', `ids: id ${id} is already in the index or repeated; expected unique new ids (remove(id) first to replace a point)`);
        seen.add(id);
      }
      out = ids;
    } else {
      out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = this.nextId + i;
    }
    if (this.count + n > 0x7fffffff) throw new KnnkitError('ids', 'ids: an index holds at most 2^31 - 1 points over its lifetime');
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) labels[i] = this.count + i;
    return { ids: out, labels };
  }

  commit(ids: Float64Array, labels: Int32Array): void {
    const need = this.count + ids.length;
    let stillIdentity = this.identity;
    for (let i = 0; i < ids.length && stillIdentity; i++) if (ids[i] !== labels[i]) stillIdentity = false;
    if (stillIdentity) {
      for (let i = 0; i < ids.length; i++) if (ids[i] >= this.nextId) this.nextId = ids[i] + 1;
      this.count = need;
      this.live += ids.length;
      return;
    }
    if (this.identity) this.buildLookup();
    let ext = this.ext!;
    if (need > ext.length) {
      const next = new Float64Array(Math.max(need, ext.length * 2));
      next.set(ext.subarray(0, this.count));
      ext = this.ext = next;
    }
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i], l = labels[i];
      ext[l] = id;
      this.lookup!.set(id, l);
      if (id >= this.nextId) this.nextId = id + 1;
    }
    this.count = need;
    this.live += ids.length;
  }

  /** Marks the labels of live ids removed; returns the labels. */
  remove(ids: Float64Array): Int32Array {
    const labels: number[] = [];
    for (const id of ids) {
      const l = this.labelOf(id);
      if (l < 0) continue;
      labels.push(l);
      if (this.identity) this.buildLookup();
      this.lookup!.delete(id);
      this.ext![l] = -1;
      this.live--;
    }
    return Int32Array.from(labels);
  }

  /** Live ids in label order. */
  *ids(): IterableIterator<number> {
    for (let l = 0; l < this.count; l++) { const id = this.idOf(l); if (id >= 0) yield id; }
  }

  bytes(): number {
    return (this.ext?.byteLength ?? 0) + (this.lookup ? this.lookup.size * 40 : 0);
  }
}

/**
 * String keys (UUIDs, document ids) <-> numeric ids, for callers whose points are named by
 * strings (the server): numeric ids are handed out in order; the map persists as JSON.
 */
export class KeyMap {
  private toId = new Map<string, number>();
  private toKey = new Map<number, string>();
  private next = 0;

  /** The id of `key`, made on first use. */
  idFor(key: string): number {
    if (typeof key !== 'string' || key.length === 0) throw invalidParam('key', key, 'a non-empty string');
    let id = this.toId.get(key);
    if (id === undefined) {
      id = this.next++;
      this.toId.set(key, id);
      this.toKey.set(id, key);
    }
    return id;
  }

  get(key: string): number | undefined { return this.toId.get(key); }
  keyOf(id: number): string | undefined { return this.toKey.get(id); }

  delete(key: string): boolean {
    const id = this.toId.get(key);
    if (id === undefined) return false;
    this.toId.delete(key);
    this.toKey.delete(id);
    return true;
  }

  get size(): number { return this.toId.size; }

  toJSON(): { next: number; keys: [string, number][] } {
    return { next: this.next, keys: [...this.toId.entries()] };
  }

  static fromJSON(j: { next: number; keys: [string, number][] }): KeyMap {
    const m = new KeyMap();
    m.next = j.next;
    for (const [k, id] of j.keys) { m.toId.set(k, id); m.toKey.set(id, k); }
    return m;
  }
}
