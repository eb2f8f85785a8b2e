import { createHash } from 'node:crypto';

/**
 * Which live nodes hold a collection shard: rendezvous (highest random weight) hashing of
 * (collection, shard, node id) over the live node ids, the R highest (Thaler and Ravishankar,
 * 1998). Every node computes the same answer from the same live set, and a node joining or
 * leaving moves only the shards it gains or held (about R/n of them), never the others.
 * The list is in preference order: a reader asks the first replica first.
 */
export function replicasOf(collection: string, shard: number, liveIds: Iterable<string>, r: number): string[] {
  const scored = [...new Set(liveIds)].map((id) => ({ id, w: weight(`${collection}\u0000${shard}\u0000${id}`) }));
  scored.sort((a, b) => (b.w < a.w ? -1 : b.w > a.w ? 1 : a.id < b.id ? -1 : 1));
  return scored.slice(0, Math.max(1, r)).map((x) => x.id);
}

/** A well-mixed 64-bit weight (the first 8 bytes of SHA-256: similar ids must not rank alike). */
function weight(s: string): bigint {
  return createHash('sha256').update(s).digest().readBigUInt64BE(0);
}
