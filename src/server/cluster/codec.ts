import type { Payload } from '../filter.js';

/**
 * A change as it travels in a shard's JetStream stream (the cluster's write-ahead log): one
 * message per shard per request. Layout: u32 (LE) length of a JSON header, the header
 * ({op, keys, payloads?}), then the vectors as little-endian float32 rows (upserts only), so a
 * 1,000 x 128 batch is ~0.5 MB of floats, not 1.5 MB of JSON numbers.
 */
export type Change =
  | { op: 'upsert'; keys: string[]; payloads: Payload[]; vectors: Float32Array }
  | SealMark
  | SelectChange;

/**
 * The shard's sealer marks the end of the growing segment in the stream itself: every node
 * applying this record freezes its growing segment at this sequence, so all nodes cut the same
 * segments, and whichever node holds the sealer lease can upload any of them.
 */
export interface SealMark { op: 'seal' }

/**
 * A change of points chosen by ids (`keys`, routed to their shards) or by a filter (the raw
 * Qdrant filter JSON, sent to every shard and evaluated by each follower against the shard as
 * it stands at that stream position, so every node selects the same points).
 */
export type SelectChange =
  | ({ op: 'delete' } & Selector)
  | ({ op: 'set_payload'; payload: Payload; path: string | null } & Selector)
  | ({ op: 'overwrite_payload'; payload: Payload } & Selector)
  | ({ op: 'delete_payload'; fields: string[] } & Selector)
  | ({ op: 'clear_payload' } & Selector);

export type Selector = { keys: string[]; filter?: undefined } | { keys?: undefined; filter: Record<string, unknown> };

const SELECT_OPS = new Set(['delete', 'set_payload', 'overwrite_payload', 'delete_payload', 'clear_payload']);

export function encodeChange(c: Change): Uint8Array {
  const head = c.op === 'upsert' ? { op: c.op, keys: c.keys, payloads: c.payloads } : c;
  const json = Buffer.from(JSON.stringify(head), 'utf8');
  const floats = c.op === 'upsert' ? c.vectors : new Float32Array(0);
  // the float rows start on a 4-byte boundary so the reader can view them without a copy
  const pad = (4 - ((4 + json.length) % 4)) % 4;
  const out = new Uint8Array(4 + json.length + pad + floats.byteLength);
  new DataView(out.buffer).setUint32(0, json.length + pad, true);
  out.set(json, 4);
  out.fill(0x20, 4 + json.length, 4 + json.length + pad); // JSON whitespace
  out.set(new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength), 4 + json.length + pad);
  return out;
}

export function decodeChange(bytes: Uint8Array, where: string): Change {
  if (bytes.length < 4) throw new Error(`${where}: a change message of ${bytes.length} bytes (expected at least 4)`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (4 + n > bytes.length) throw new Error(`${where}: header of ${n} bytes overruns the ${bytes.length}-byte message`);
  const head = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 4, n).toString('utf8')) as { op: string; keys: string[]; payloads?: Payload[]; filter?: unknown };
  if (SELECT_OPS.has(head.op)) {
    if (!Array.isArray(head.keys) && (!head.filter || typeof head.filter !== 'object')) throw new Error(`${where}: ${head.op} change without keys or filter`);
    return head as unknown as SelectChange;
  }
  if (head.op === 'seal') return { op: 'seal' };
  if (head.op !== 'upsert') throw new Error(`${where}: unknown change op ${JSON.stringify(head.op)}`);
  const rest = bytes.subarray(4 + n);
  // copy: the message buffer is the client's and may be reused
  const vectors = new Float32Array(rest.byteLength / 4);
  new Uint8Array(vectors.buffer).set(rest);
  return { op: 'upsert', keys: head.keys, payloads: head.payloads ?? [], vectors };
}

/**
 * The shard of a point: FNV-1a (32-bit) of its canonical key, modulo the shard count. Stable
 * across nodes and restarts (it depends on the key's characters only), so every node routes a
 * point to the same stream.
 */
export function shardOf(key: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}
