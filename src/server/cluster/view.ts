import { badRequest } from '../errors.js';
import type { CompiledFilter, Payload } from '../filter.js';
import { compareKeys } from '../point-id.js';
import { shardOf } from './codec.js';
import type { ClusterCollectionConfig } from './node.js';
import type { KeyHit, ShardState } from './shard.js';

export interface ViewSearch { offset?: number; ef?: number; filter?: CompiledFilter | null; exclude?: string }

/**
 * A collection as one request reads it on this node, after the request's consistency wait:
 * every read of the request (a search and the payloads of its hits, a query's prefetches) sees
 * the same applied state, with no wait in between. Scatter-gather over the node's shards.
 */
export class CollectionView {
  readonly similarity: boolean;
  constructor(readonly config: ClusterCollectionConfig, readonly shards: ShardState[]) {
    this.similarity = config.distance === 'Cosine' || config.distance === 'Dot';
  }

  /** The top `offset + limit` of every shard, merged: the global top k is within their union. */
  search(vector: ArrayLike<number>, limit: number, o: ViewSearch = {}): KeyHit[] {
    if (vector.length !== this.config.size) throw badRequest(`vector: got ${vector.length} dimensions; expected ${this.config.size}`);
    if (!Number.isInteger(limit) || limit < 0) throw badRequest(`limit: got ${limit}; expected a non-negative integer`);
    const q = Float32Array.from(vector);
    const score = this.similarity ? (d: number) => 1 - d : (d: number) => d;
    const params: Record<string, unknown> = o.ef !== undefined ? { ef: o.ef } : {};
    const offset = o.offset ?? 0;
    // one more when a point is excluded (a query by point id does not return the point itself)
    const k = limit + offset + (o.exclude !== undefined ? 1 : 0);
    const all: KeyHit[] = [];
    for (const s of this.shards) all.push(...s.search(q, k, params, score, o.filter ?? null));
    all.sort(this.similarity ? (x, y) => y.score - x.score : (x, y) => x.score - y.score);
    const hits = o.exclude !== undefined ? all.filter((h) => h.key !== o.exclude) : all;
    return hits.slice(offset, offset + limit);
  }

  get(key: string): { vector: Float32Array; payload: Payload } | null {
    return this.shards[shardOf(key, this.config.shards)].get(key);
  }

  /** Points in id order from `from` (inclusive): each shard's first limit + 1, merged. */
  scroll(from: string | null, limit: number, f: CompiledFilter | null): { keys: string[]; next: string | null } {
    const all: string[] = [];
    for (const s of this.shards) all.push(...s.scroll(from, limit + 1, f));
    all.sort(compareKeys);
    return { keys: all.slice(0, limit), next: all.length > limit ? all[limit] : null };
  }

  count(f: CompiledFilter | null): number {
    return this.shards.reduce((n, s) => n + s.count(f), 0);
  }
}
