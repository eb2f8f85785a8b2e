import { KnnkitError } from '../../core/errors.js';
import { nodeFsSync } from '../../io/node-fs.js';
import { SECTOR } from './layout.js';
import { alignedSpan, BouncePool, directFlag } from './direct-io.js';

/** Called once when a read has landed (null) or failed. */
export type ReadDone = (err: Error | null) => void;

/**
 * Where the sectors live. Reads are positional (sector x 4096 from the start of the sector
 * image): `readSync` for the synchronous search; `readInto` for the concurrent one (libuv:
 * io_uring with UV_USE_IO_URING=1, else its thread pool of UV_THREADPOOL_SIZE threads), a plain
 * callback because the pipelined walk issues one read per completion and a promise per read
 * adds allocations and a microtask hop to each; `read` is the same as a promise.
 */
export interface SectorSource {
  /** Bytes of the sector image. */
  readonly bytes: number;
  /** True when the image is in this process's memory (built, or loaded from bytes). */
  readonly resident: boolean;
  readSync(dest: Uint8Array, sector: number): void;
  /** Starts a read; `done` is always called later, never from inside `readInto` itself. */
  readInto(dest: Uint8Array, sector: number, done: ReadDone): void;
  read(dest: Uint8Array, sector: number): Promise<void>;
  /** The whole image (a save writes it into the envelope; a file source reads it once). */
  whole(): Uint8Array;
  close(): void;
}

/** The sector image in memory (a fresh build, or an index loaded from bytes). */
export class MemorySectors implements SectorSource {
  readonly resident = true;
  constructor(private readonly image: Uint8Array) {}
  get bytes(): number { return this.image.length; }
  readSync(dest: Uint8Array, sector: number): void {
    const o = sector * SECTOR;
    if (o + dest.length > this.image.length) throw new KnnkitError('index', `index: sector ${sector} lies outside the ${this.image.length}-byte sector image (corrupt index)`);
    dest.set(this.image.subarray(o, o + dest.length));
  }
  readInto(dest: Uint8Array, sector: number, done: ReadDone): void {
    // completes on a later microtask, in issue order: the walk's caller must not be re-entered
    let err: Error | null = null;
    try { this.readSync(dest, sector); } catch (e) { err = e as Error; }
    queueMicrotask(() => done(err));
  }
  read(dest: Uint8Array, sector: number): Promise<void> { return promised(this, dest, sector); }
  whole(): Uint8Array { return this.image; }
  close(): void {}
}

/** `read` from `readInto`. */
function promised(src: SectorSource, dest: Uint8Array, sector: number): Promise<void> {
  return new Promise((resolve, reject) => src.readInto(dest, sector, (e) => { if (e) reject(e); else resolve(); }));
}

/** Closes file descriptors of sources that were dropped without close() (indexes have no close). */
const closer = new FinalizationRegistry<number>((fd) => { try { nodeFsSync().closeSync(fd); } catch { /* already closed */ } });

/**
 * (node:fs is reached through process.getBuiltinModule, so browsers load this module too.)
 * The sector image inside a saved index file, at byte `base` (the envelope's sector section):
 * one read-only file descriptor, positional reads (pread), nothing of the image held in memory
 * beyond the reads in flight (the OS page cache aside).
 */
export class FileSectors implements SectorSource {
  readonly resident = false;
  private fd: number;
  private readonly fs = nodeFsSync();
  /** O_DIRECT mode (`direct`): aligned bounce buffers for the reads in flight, sized at the first read. */
  private pool: BouncePool | null = null;

  constructor(readonly path: string, private readonly base: number, readonly bytes: number, readonly direct = false) {
    try {
      this.fd = this.fs.openSync(path, direct ? this.fs.constants.O_RDONLY | directFlag(this.fs) : 'r');
    } catch (e) {
      if (e instanceof KnnkitError || !direct || (e as { code?: string }).code !== 'EINVAL') throw e;
      throw new KnnkitError('direct', `direct: the file system of ${JSON.stringify(path)} does not take O_DIRECT reads (tmpfs, for one); load it without { direct: true }`);
    }
    closer.register(this, this.fd, this);
  }

  private check(dest: Uint8Array, sector: number): number {
    const o = sector * SECTOR;
    if (o + dest.length > this.bytes) throw new KnnkitError('index', `index: sector ${sector} lies outside the sector image of ${JSON.stringify(this.path)} (corrupt index)`);
    if (this.fd < 0) throw new KnnkitError('index', `index: the sector file ${JSON.stringify(this.path)} was closed`);
    return this.base + o;
  }

  private truncated(sector: number): KnnkitError {
    return new KnnkitError('index', `index: ${JSON.stringify(this.path)} is truncated (sector ${sector})`);
  }

  /**
   * A bounce slot for a span of `bytes`: from the pool sized by the first read (a node's sectors,
   * widened by at most one block), or a one-off buffer for a larger read.
   */
  private slotFor(bytes: number): { pool: BouncePool; slot: { buf: Uint8Array; offset: number } } {
    this.pool ??= new BouncePool(this.fs, this.fd, bytes + SECTOR, 8);
    const pool = bytes <= this.pool.slotBytes ? this.pool : new BouncePool(this.fs, this.fd, bytes, 1);
    return { pool, slot: pool.take() };
  }

  readSync(dest: Uint8Array, sector: number): void {
    const pos = this.check(dest, sector);
    if (this.direct) {
      const { start, bytes } = alignedSpan(pos, dest.length), need = pos - start + dest.length;
      const { pool, slot } = this.slotFor(bytes);
      try {
        let got = 0;
        while (got < need) {
          const n = this.fs.readSync(this.fd, slot.buf, slot.offset + got, bytes - got, start + got);
          if (n <= 0) throw this.truncated(sector);
          got += n;
        }
        dest.set(slot.buf.subarray(slot.offset + pos - start, slot.offset + need));
      } finally { pool.give(slot); }
      return;
    }
    let got = 0;
    while (got < dest.length) {
      const n = this.fs.readSync(this.fd, dest, got, dest.length - got, pos + got);
      if (n <= 0) throw this.truncated(sector);
      got += n;
    }
  }

  readInto(dest: Uint8Array, sector: number, done: ReadDone): void {
    let pos: number;
    try { pos = this.check(dest, sector); } catch (e) { queueMicrotask(() => done(e as Error)); return; }
    const fail = (err: Error) => new KnnkitError('index', `index: reading ${JSON.stringify(this.path)}: ${err.message}`);
    if (this.direct) {
      const { start, bytes } = alignedSpan(pos, dest.length), need = pos - start + dest.length;
      const { pool, slot } = this.slotFor(bytes);
      const end = (e: Error | null): void => {
        if (e === null) dest.set(slot.buf.subarray(slot.offset + pos - start, slot.offset + need));
        pool.give(slot);
        done(e);
      };
      const step = (got: number): void => {
        this.fs.read(this.fd, slot.buf, slot.offset + got, bytes - got, start + got, (err, n) => {
          if (err) end(fail(err));
          else if (n <= 0) end(this.truncated(sector));
          else if (got + n >= need) end(null);
          else step(got + n);
        });
      };
      step(0);
      return;
    }
    // one fs.read per sector (a short read, which a regular file gives only at its end, continues)
    const step = (got: number): void => {
      this.fs.read(this.fd, dest, got, dest.length - got, pos + got, (err, n) => {
        if (err) done(fail(err));
        else if (n <= 0) done(this.truncated(sector));
        else if (got + n >= dest.length) done(null);
        else step(got + n);
      });
    };
    step(0);
  }

  read(dest: Uint8Array, sector: number): Promise<void> { return promised(this, dest, sector); }

  whole(): Uint8Array {
    if (this.direct) {
      // a one-off sequential read (a save): through the page cache, on a descriptor of its own
      const plain = new FileSectors(this.path, this.base, this.bytes, false);
      try { return plain.whole(); } finally { plain.close(); }
    }
    const out = new Uint8Array(this.bytes);
    const chunk = 1 << 24;
    for (let o = 0; o < this.bytes; o += chunk) this.readSync(out.subarray(o, Math.min(this.bytes, o + chunk)), o / SECTOR);
    return out;
  }

  close(): void {
    if (this.fd < 0) return;
    closer.unregister(this);
    this.fs.closeSync(this.fd);
    this.fd = -1;
  }
}
