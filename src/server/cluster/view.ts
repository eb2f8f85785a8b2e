import { badRequest } from '../errors.js';
import { compileFilter, type CompiledFilter, type Payload } from '../filter.js';
import { compareKeys } from '../point-id.js';
import { shardOf } from './codec.js';
import type { ClusterCollectionConfig } from './node.js';
import type { KeyHit, ShardState } from './shard.js';

/**
 * A filter as it travels to a shard, possibly on another node: the request's filters as the
 * client wrote them (all must hold: a query's own and its outer prefetch's) and an optional
 * allowed id list (a query re-scoring prefetched points). Compiled where the shard is.
 */
export interface FilterSpec { filters: unknown[]; ids: string[] | null }

export const NO_FILTER: FilterSpec = { filters: [], ids: null };

/** Both specs (each filter must hold, ids intersected). */
export function andSpec(a: FilterSpec, b: FilterSpec): FilterSpec {
  const ids = a.ids && b.ids ? a.ids.filter((k) => new Set(b.ids).has(k)) : (a.ids ?? b.ids);
  return { filters: [...a.filters, ...b.filters], ids };
}

function and(a: CompiledFilter | null, b: CompiledFilter | null): CompiledFilter | null {
  if (!a || !b) return a ?? b;
  const ids = a.requiredIds && b.requiredIds ? new Set([...a.requiredIds].filter((k) => b.requiredIds!.has(k))) : (a.requiredIds ?? b.requiredIds);
  return { test: (k, p) => a.test(k, p) && b.test(k, p), required: [...a.required, ...b.required], requiredIds: ids, pure: a.pure && b.pure, usesIds: a.usesIds || b.usesIds };
}

/** The compiled filter of a spec (null: every point). */
export function compileSpec(s: FilterSpec): CompiledFilter | null {
  let f: CompiledFilter | null = null;
  s.filters.forEach((raw, i) => { f = and(f, compileFilter(raw, `filter[${i}]`)); });
  if (s.ids) {
    const ids = new Set(s.ids);
    f = and(f, { test: (k) => ids.has(k), required: [], requiredIds: ids, pure: true, usesIds: true });
  }
  return f;
}

export interface StoredPoint { vector: Float32Array; payload: Payload }

/** One shard as a request reads it: on this node, or on a replica over HTTP (remote.ts). */
export interface ShardReader {
  /** The shard's top k (among the filter's points), scored as Qdrant scores. */
  search(q: Float32Array, k: number, params: Record<string, unknown>, filter: FilterSpec): Promise<KeyHit[]>;
  get(keys: string[]): Promise<Map<string, StoredPoint>>;
  /** Up to `limit` keys from `from` (inclusive) in id order that pass the filter. */
  scroll(from: string | null, limit: number, filter: FilterSpec): Promise<string[]>;
  count(filter: FilterSpec): Promise<number>;
}

export const scoreOf = (similarity: boolean) => (similarity ? (d: number) => 1 - d : (d: number) => d);

/** A shard this node holds, read after the request's consistency wait. */
export class LocalShard implements ShardReader {
  constructor(readonly state: ShardState, private score: (d: number) => number) {}
  async search(q: Float32Array, k: number, params: Record<string, unknown>, filter: FilterSpec): Promise<KeyHit[]> {
    return this.state.search(q, k, params, this.score, compileSpec(filter));
  }
  async get(keys: string[]): Promise<Map<string, StoredPoint>> {
    const out = new Map<string, StoredPoint>();
    for (const k of keys) { const p = this.state.get(k); if (p) out.set(k, p); }
    return out;
  }
  async scroll(from: string | null, limit: number, filter: FilterSpec): Promise<string[]> { return this.state.scroll(from, limit, compileSpec(filter)); }
  async count(filter: FilterSpec): Promise<number> { return this.state.count(compileSpec(filter)); }
}

/** `exact`: Qdrant's `params.exact`, exact neighbours from approximate shards too. */
export interface ViewSearch { offset?: number; ef?: number; exact?: boolean; filter?: FilterSpec; exclude?: string }

/**
 * A collection as one request reads it, after the request's consistency wait: scatter-gather
 * over one reader per shard (this node's copy, or a replica's over HTTP). Every read of the
 * request (a search and the payloads of its hits, a query's prefetches) goes to the same shard
 * copies; a remote copy is asked at least at the sequence its first answer had.
 */
export class CollectionView {
  readonly similarity: boolean;
  constructor(readonly config: ClusterCollectionConfig, readonly shards: ShardReader[]) {
    this.similarity = config.distance === 'Cosine' || config.distance === 'Dot';
  }

  /** The top `offset + limit` of every shard, merged: the global top k is within their union. */
  async search(vector: ArrayLike<number>, limit: number, o: ViewSearch = {}): Promise<KeyHit[]> {
    if (vector.length !== this.config.size) throw badRequest(`vector: got ${vector.length} dimensions; expected ${this.config.size}`);
    if (!Number.isInteger(limit) || limit < 0) throw badRequest(`limit: got ${limit}; expected a non-negative integer`);
    const q = Float32Array.from(vector);
    const params: Record<string, unknown> = {};
    if (o.ef !== undefined) params.ef = o.ef;
    if (o.exact) params.exact = true;
    const offset = o.offset ?? 0;
    // one more when a point is excluded (a query by point id does not return the point itself)
    const k = limit + offset + (o.exclude !== undefined ? 1 : 0);
    const parts = await Promise.all(this.shards.map((s) => s.search(q, k, params, o.filter ?? NO_FILTER)));
    const all = parts.flat();
    all.sort(this.similarity ? (x, y) => y.score - x.score : (x, y) => x.score - y.score);
    const hits = o.exclude !== undefined ? all.filter((h) => h.key !== o.exclude) : all;
    return hits.slice(offset, offset + limit);
  }

  async get(key: string): Promise<StoredPoint | null> {
    return (await this.getMany([key])).get(key) ?? null;
  }

  /** Points by key: one request per shard holding some of them. */
  async getMany(keys: string[]): Promise<Map<string, StoredPoint>> {
    const by = new Map<number, string[]>();
    for (const k of keys) { const s = shardOf(k, this.config.shards); (by.get(s) ?? by.set(s, []).get(s)!).push(k); }
    const out = new Map<string, StoredPoint>();
    for (const m of await Promise.all([...by].map(([s, ks]) => this.shards[s].get(ks)))) for (const [k, p] of m) out.set(k, p);
    return out;
  }

  /** Points in id order from `from` (inclusive): each shard's first limit + 1, merged. */
  async scroll(from: string | null, limit: number, f: FilterSpec = NO_FILTER): Promise<{ keys: string[]; next: string | null }> {
    const all = (await Promise.all(this.shards.map((s) => s.scroll(from, limit + 1, f)))).flat();
    all.sort(compareKeys);
    return { keys: all.slice(0, limit), next: all.length > limit ? all[limit] : null };
  }

  async count(f: FilterSpec = NO_FILTER): Promise<number> {
    return (await Promise.all(this.shards.map((s) => s.count(f)))).reduce((n, x) => n + x, 0);
  }
}
