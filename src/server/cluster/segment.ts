import { createHash } from 'node:crypto';
import { KeyMap } from '../../index/ids.js';
import { indexFromBytes } from '../../index/persist.js';
import type { VectorIndex } from '../../index/types.js';
import type { Payload } from '../filter.js';

/**
 * One segment of a shard as stored in the JetStream object store: the points written in the
 * shard stream's sequence range [from, to] and still there at `to` (each point's last write in
 * the range), and the tombstones of that range (keys deleted in it, with the sequence of the
 * delete), which hide copies of those keys in older segments. A newer segment's copy of a key
 * likewise hides older copies (an overwrite), so a shard's state is its segments applied oldest
 * first. Immutable once written: deletes and overwrites of its points land in newer segments and
 * are dropped from it only when compaction rewrites it.
 *
 * Layout: "KNNSEG02", u32 (LE) header length, the JSON header (collection, shard, from, to, key
 * map, payloads by numeric id, tombstones, index byte length), zero padding to a 64-byte boundary,
 * the index through the index contract (`toBytes()`: the envelope `saveIndex` writes, loadable
 * as a view), then the SHA-256 of everything before it (32 bytes). A segment whose checksum or
 * header does not match is refused, never half-loaded.
 */
export interface SegmentData {
  collection: string;
  shard: number;
  /** First and last stream sequence the segment covers (a follower replays from the manifest's last `to` + 1). */
  from: number;
  to: number;
  keys: KeyMap;
  payloads: Map<number, Payload>;
  /** Keys deleted within [from, to] -> sequence of the delete. */
  tombstones: Map<string, number>;
  index: VectorIndex;
}

const MAGIC = Buffer.from('KNNSEG02', 'ascii');

export function encodeSegment(s: SegmentData): Uint8Array {
  const index = s.index.toBytes();
  const head = Buffer.from(JSON.stringify({
    collection: s.collection, shard: s.shard, from: s.from, to: s.to, keys: s.keys.toJSON(),
    payloads: [...s.payloads], tombstones: [...s.tombstones], indexBytes: index.byteLength,
  }), 'utf8');
  const start = Math.ceil((MAGIC.length + 4 + head.length) / 64) * 64;
  const out = new Uint8Array(start + index.byteLength + 32);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, head.length, true);
  out.set(head, MAGIC.length + 4);
  out.set(index, start);
  out.set(createHash('sha256').update(out.subarray(0, start + index.byteLength)).digest(), start + index.byteLength);
  return out;
}

/** The SHA-256 (hex) a segment ends with: the manifest records it. */
export function segmentChecksum(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(bytes.length - 32)).toString('hex');
}

/** Checks and opens a segment; the index is view-loaded from the bytes where its family can. */
export function decodeSegment(bytes: Uint8Array, where: string, expectChecksum?: string): SegmentData {
  if (bytes.length < MAGIC.length + 4 + 32 || !Buffer.from(bytes.subarray(0, MAGIC.length)).equals(MAGIC)) throw new Error(`${where}: not a knnkit segment (or one of another format version)`);
  const body = bytes.subarray(0, bytes.length - 32);
  const sum = createHash('sha256').update(body).digest('hex');
  if (sum !== segmentChecksum(bytes)) throw new Error(`${where}: checksum mismatch (stored ${segmentChecksum(bytes)}, computed ${sum})`);
  if (expectChecksum && sum !== expectChecksum) throw new Error(`${where}: checksum ${sum}, the manifest says ${expectChecksum}`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(MAGIC.length, true);
  const h = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + MAGIC.length + 4, n).toString('utf8')) as {
    collection: string; shard: number; from: number; to: number; keys: { next: number; keys: [string, number][] };
    payloads: [number, Payload][]; tombstones: [string, number][]; indexBytes: number;
  };
  const start = Math.ceil((MAGIC.length + 4 + n) / 64) * 64;
  if (start + h.indexBytes !== body.length) throw new Error(`${where}: index of ${h.indexBytes} bytes does not fit the ${bytes.length}-byte segment`);
  let ib = bytes.subarray(start, start + h.indexBytes);
  if (ib.byteOffset % 64 !== 0) ib = ib.slice(); // a view needs the envelope's alignment
  return {
    collection: h.collection, shard: h.shard, from: h.from, to: h.to, keys: KeyMap.fromJSON(h.keys), payloads: new Map(h.payloads),
    tombstones: new Map(h.tombstones), index: indexFromBytes(ib, { view: true, source: where }),
  };
}
