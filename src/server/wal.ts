import { open, type FileHandle } from 'node:fs/promises';
import { readFileSync, existsSync, truncateSync } from 'node:fs';
import { crc32 } from '../io/crc32.js';

/**
 * A collection's write-ahead log. Every change is one record:
 *
 *   u32 length of the body | u32 CRC-32 of the body | body
 *   body = u32 n (bytes of the JSON) | JSON (UTF-8; its `seq` orders the records) | float32 block
 *
 * (little-endian). The float32 block carries upserted vectors raw, so a record is not inflated
 * by printing floats. Appends are queued and written by one writer: each batch of queued
 * records is written with one writev and made durable with one fdatasync (group commit), and
 * only then are the appenders' promises resolved, so a `wait=true` acknowledgement implies the
 * record is on disk. `exclusive` runs a task between batches (the snapshot: nothing is written
 * while it runs, appends keep queueing).
 */
export interface WalRecord {
  /** The JSON part (always has `seq`). */
  meta: { seq: number; [k: string]: unknown };
  /** The float32 block (possibly empty). */
  floats: Float32Array;
}

export interface WalReplay {
  records: WalRecord[];
  /** Bytes dropped from the end: a record cut short by a crash (0 when the log was clean). */
  tornBytes: number;
}

const HEAD = 8;

/** Encodes one record (header + body). */
export function encodeRecord(meta: WalRecord['meta'], floats?: Float32Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const fbytes = floats ? floats.byteLength : 0;
  const bodyLen = 4 + json.length + fbytes;
  const out = Buffer.allocUnsafe(HEAD + bodyLen);
  out.writeUInt32LE(bodyLen, 0);
  out.writeUInt32LE(json.length, HEAD);
  json.copy(out, HEAD + 4);
  if (floats && fbytes) out.set(new Uint8Array(floats.buffer, floats.byteOffset, fbytes), HEAD + 4 + json.length);
  out.writeUInt32LE(crc32(out.subarray(HEAD, HEAD + bodyLen)) >>> 0, 4);
  return out;
}

/**
 * Reads a log. A record cut short at the end (its length runs past the end of the file, or the
 * last record's CRC fails: a write the crash interrupted) is a torn tail: it was never
 * acknowledged, so it is dropped and the file truncated to the last whole record. A bad record
 * followed by more bytes is corruption, not a torn write: replay refuses (throws), naming the
 * file and the offset, rather than silently losing acknowledged records after it.
 */
export function readWal(path: string, opts: { truncate?: boolean } = {}): WalReplay {
  if (!existsSync(path)) return { records: [], tornBytes: 0 };
  const buf = readFileSync(path);
  const records: WalRecord[] = [];
  let off = 0;
  while (off < buf.length) {
    const rest = buf.length - off;
    if (rest < HEAD + 4) break; // torn header
    const len = buf.readUInt32LE(off);
    if (len < 4 || HEAD + len > rest) break; // torn body (or a garbage length at the tail)
    const body = buf.subarray(off + HEAD, off + HEAD + len);
    const ok = (crc32(body) >>> 0) === buf.readUInt32LE(off + 4);
    if (!ok) {
      if (off + HEAD + len === buf.length) break; // the last record, partly written
      throw new Error(`write-ahead log ${path}: record at byte ${off} fails its CRC and is followed by ${buf.length - off - HEAD - len} more bytes; the log is corrupt (not a torn write), refusing to replay it`);
    }
    const n = body.readUInt32LE(0);
    if (4 + n > len) throw new Error(`write-ahead log ${path}: record at byte ${off} has a JSON length ${n} beyond its body (${len} bytes)`);
    const meta = JSON.parse(body.subarray(4, 4 + n).toString('utf8')) as WalRecord['meta'];
    const fb = body.subarray(4 + n);
    const floats = new Float32Array(fb.length >> 2);
    new Uint8Array(floats.buffer).set(fb.subarray(0, floats.length * 4));
    records.push({ meta, floats });
    off += HEAD + len;
  }
  const tornBytes = buf.length - off;
  if (tornBytes > 0 && opts.truncate !== false) truncateSync(path, off);
  return { records, tornBytes };
}

interface Pending { buf: Uint8Array; resolve: () => void; reject: (e: Error) => void }

export class Wal {
  private pending: Pending[] = [];
  private flushQueued = false;
  /** The writer's queue: batches and exclusive tasks run one at a time, in order. */
  private chain: Promise<void> = Promise.resolve();
  private failed: Error | null = null;
  /** Bytes in the file now. */
  bytes = 0;
  /** fdatasync calls so far (a group commit makes one per batch). */
  syncs = 0;
  records = 0;

  private constructor(readonly path: string, private fh: FileHandle) {}

  static async open(path: string): Promise<Wal> {
    const fh = await open(path, 'a');
    const w = new Wal(path, fh);
    w.bytes = (await fh.stat()).size;
    return w;
  }

  /** Queues a record; the promise resolves once it is on disk (fdatasync'd). */
  append(record: Uint8Array): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ buf: record, resolve, reject });
      if (!this.flushQueued) {
        this.flushQueued = true;
        this.chain = this.chain.then(() => this.flushBatch());
      }
    });
  }

  /** Writes and fsyncs every queued record now (inside `exclusive` only). */
  async writePending(): Promise<void> { await this.flushBatch(); }

  private async flushBatch(): Promise<void> {
    this.flushQueued = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      const bufs = batch.map((p) => p.buf);
      let total = 0;
      for (const b of bufs) total += b.length;
      let written = (await this.fh.writev(bufs)).bytesWritten;
      if (written < total) {
        // a short write: write the rest from where it stopped (the file is opened for append)
        const all = Buffer.concat(bufs);
        while (written < total) written += (await this.fh.write(all, written, total - written)).bytesWritten;
      }
      await this.fh.datasync();
      this.syncs++;
      this.records += batch.length;
      this.bytes += total;
      for (const p of batch) p.resolve();
    } catch (e) {
      // the log's state on disk is unknown now: refuse further writes (a restart replays it)
      this.failed = new Error(`write-ahead log ${this.path}: ${(e as Error).message}`);
      for (const p of batch) p.reject(this.failed);
    }
  }

  /** Everything appended so far is on disk when this resolves. */
  flush(): Promise<void> {
    return this.exclusive(async () => { await this.flushBatch(); });
  }

  /** Runs `task` in the writer's queue: no batch is written while it runs. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task);
    this.chain = run.then(() => undefined, () => undefined);
    return run;
  }

  /**
   * Empties the file (call inside `exclusive`, after a snapshot made everything written so far
   * durable elsewhere). Records queued but not yet written stay queued.
   */
  async truncateNow(): Promise<void> {
    await this.fh.truncate(0);
    await this.fh.sync();
    this.bytes = 0;
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    await this.fh.close();
  }
}
