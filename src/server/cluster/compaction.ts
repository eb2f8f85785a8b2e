import { denseMatrix } from '../../core/matrix.js';
import { KeyMap } from '../../index/ids.js';
import type { VectorIndex } from '../../index/types.js';
import type { Payload } from '../filter.js';
import type { SegmentData } from './segment.js';

/**
 * Which of a manifest's segments (oldest first) to merge, as [i, j], or null. Two tiers, as a
 * size-tiered LSM: the newest run of small segments (each at most `small` points + tombstones,
 * i.e. one seal's worth) once it is `k` long; and every segment once there are 2k of them, which
 * bounds the segments a search visits and drops every tombstone (no older segment is left for
 * them to hide anything in).
 */
export function compactRun(entries: readonly { points: number; tombstones: number }[], k: number, small: number): [number, number] | null {
  const n = entries.length;
  if (k < 2 || n < 2) return null;
  if (n >= 2 * k) return [0, n - 1];
  const isSmall = (e: { points: number; tombstones: number }) => e.points + e.tombstones <= small;
  if (!isSmall(entries[n - 1])) return null;
  let i = n - 1;
  while (i > 0 && isSmall(entries[i - 1])) i--;
  return n - i >= k ? [i, n - 1] : null;
}

/**
 * A segment to rewrite alone, as [x, x], or null: the oldest whose points are at least `fraction`
 * hidden by newer segments (overwritten or deleted since it was sealed), so its dead copies stop
 * costing memory and search time even when the segment counts never call for compaction.
 */
export function deadRun(segs: readonly SegmentData[], fraction: number): [number, number] | null {
  const hidden = new Set<string>();
  const dead: number[] = new Array(segs.length).fill(0);
  for (let x = segs.length - 1; x >= 0; x--) {
    const s = segs[x];
    for (const id of s.payloads.keys()) if (hidden.has(s.keys.keyOf(id)!)) dead[x]++;
    for (const k of s.tombstones.keys()) hidden.add(k);
    for (const id of s.payloads.keys()) hidden.add(s.keys.keyOf(id)!);
  }
  for (let x = 0; x < segs.length; x++) if (dead[x] > 0 && dead[x] >= fraction * segs[x].payloads.size) return [x, x];
  return null;
}

/**
 * The segments i..j of `segs` (a manifest's, oldest first) merged into one: each key's newest copy
 * in the run unless a newer segment (j + 1 onwards) hides it, and the run's tombstones that still
 * hide a copy in an older segment (0..i-1); everything else (overwritten and deleted points,
 * tombstones with nothing left to hide) is dropped. Null when nothing is left. The merged index
 * is built through the index contract (`makeIndex`), so it is the collection's family.
 */
export function mergeSegments(segs: readonly SegmentData[], i: number, j: number, makeIndex: () => VectorIndex): SegmentData | null {
  const hidden = new Set<string>();
  for (let x = j + 1; x < segs.length; x++) {
    for (const k of segs[x].tombstones.keys()) hidden.add(k);
    for (const id of segs[x].payloads.keys()) hidden.add(segs[x].keys.keyOf(id)!);
  }
  const older = new Set<string>();
  for (let x = 0; x < i; x++) for (const id of segs[x].payloads.keys()) older.add(segs[x].keys.keyOf(id)!);
  const keys = new KeyMap();
  const payloads = new Map<number, Payload>();
  const tombstones = new Map<string, number>();
  const rows: Float32Array[] = [];
  // newest first: the first copy or tombstone of a key met is its last state in the run
  for (let x = j; x >= i; x--) {
    const s = segs[x];
    for (const [k, seq] of s.tombstones) {
      if (hidden.has(k)) continue;
      hidden.add(k);
      if (older.has(k)) tombstones.set(k, seq);
    }
    for (const [id, p] of s.payloads) {
      const k = s.keys.keyOf(id)!;
      if (hidden.has(k)) continue;
      hidden.add(k);
      payloads.set(keys.idFor(k), p);
      rows.push(s.index.getVector(id));
    }
  }
  if (!payloads.size && !tombstones.size) return null;
  const index = makeIndex();
  if (rows.length) {
    const dim = rows[0].length;
    const v = new Float32Array(rows.length * dim);
    rows.forEach((r, r0) => v.set(r, r0 * dim));
    index.add(denseMatrix(v, rows.length, dim), Float64Array.from(payloads.keys()));
  }
  return { collection: segs[i].collection, shard: segs[i].shard, from: segs[i].from, to: segs[j].to, keys, payloads, tombstones, index };
}
