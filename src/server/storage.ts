import { open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { crc32 } from '../io/crc32.js';
import { streamAtomic } from '../io/atomic.js';

/**
 * The files of a collection's directory besides its write-ahead log:
 *
 *   manifest.json        the collection's config and its current segment (replaced atomically)
 *   segment-<seq>.idx    the index as of record <seq> (knnkit's index envelope: ids, sections, CRCs)
 *   segment-<seq>.pts    the point keys (KeyMap) and payloads as of record <seq>, CRC-checked
 *   wal.log              records after <seq> (./wal.ts)
 *
 * A segment is immutable once written; the manifest names the one in force. Each file is
 * written to a temporary name, fsynced, renamed over the target, and the directory fsynced, so a
 * crash leaves either the old or the new file, never a mix.
 */
export interface Manifest {
  version: 1;
  config: Record<string, unknown>;
  /** The segment in force: the state after applying every record with seq <= seq. */
  segment: { seq: number; index: string; points: string } | null;
}

const PTS_MAGIC = Buffer.from('KNNKPTS1', 'latin1');

/** fsync a directory so a rename / create / unlink in it is durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}

/** Writes bytes to `path` atomically and durably (temp file, fsync, rename, fsync of the folder). */
export async function writeDurable(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  await streamAtomic(`${dir}/${name}`, [bytes]);
  await syncDir(dir);
}

export async function writeManifest(dir: string, m: Manifest): Promise<void> {
  await writeDurable(dir, 'manifest.json', Buffer.from(JSON.stringify(m, null, 1), 'utf8'));
}

export async function readManifest(dir: string): Promise<Manifest> {
  const text = await readFile(`${dir}/manifest.json`, 'utf8');
  const m = JSON.parse(text) as Manifest;
  if (m.version !== 1 || typeof m.config !== 'object') throw new Error(`${dir}/manifest.json: not a knnkit collection manifest (version ${JSON.stringify(m.version)})`);
  return m;
}

/** The points file: magic, u32 CRC-32 of the JSON, JSON {seq, keys, payloads}. */
export function encodePoints(state: unknown): Uint8Array {
  const json = Buffer.from(JSON.stringify(state), 'utf8');
  const out = Buffer.allocUnsafe(PTS_MAGIC.length + 4 + json.length);
  PTS_MAGIC.copy(out, 0);
  out.writeUInt32LE(crc32(json) >>> 0, PTS_MAGIC.length);
  json.copy(out, PTS_MAGIC.length + 4);
  return out;
}

export function decodePoints(bytes: Uint8Array, source: string): unknown {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < PTS_MAGIC.length + 4 || !b.subarray(0, PTS_MAGIC.length).equals(PTS_MAGIC)) throw new Error(`${source}: not a knnkit points file`);
  const json = b.subarray(PTS_MAGIC.length + 4);
  if ((crc32(json) >>> 0) !== b.readUInt32LE(PTS_MAGIC.length)) throw new Error(`${source}: CRC mismatch (the file is corrupt)`);
  return JSON.parse(json.toString('utf8'));
}

export async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

export { rename, writeFile };
