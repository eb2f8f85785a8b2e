import { KnnkitError } from '../../core/errors.js';
import { nodeFsSync } from '../../io/node-fs.js';
import { SECTOR } from './layout.js';

/**
 * Where the sectors live. Reads are positional (sector x 4096 from the start of the sector
 * image): `readSync` for the synchronous search, `read` for the concurrent one (on libuv's
 * thread pool, UV_THREADPOOL_SIZE threads: a beam of W reads per query runs in parallel).
 */
export interface SectorSource {
  /** Bytes of the sector image. */
  readonly bytes: number;
  /** True when the image is in this process's memory (built, or loaded from bytes). */
  readonly resident: boolean;
  readSync(dest: Uint8Array, sector: number): void;
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
  read(dest: Uint8Array, sector: number): Promise<void> {
    this.readSync(dest, sector);
    return Promise.resolve();
  }
  whole(): Uint8Array { return this.image; }
  close(): void {}
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

  constructor(readonly path: string, private readonly base: number, readonly bytes: number) {
    this.fd = this.fs.openSync(path, 'r');
    closer.register(this, this.fd, this);
  }

  private check(dest: Uint8Array, sector: number): number {
    const o = sector * SECTOR;
    if (o + dest.length > this.bytes) throw new KnnkitError('index', `index: sector ${sector} lies outside the sector image of ${JSON.stringify(this.path)} (corrupt index)`);
    if (this.fd < 0) throw new KnnkitError('index', `index: the sector file ${JSON.stringify(this.path)} was closed`);
    return this.base + o;
  }

  readSync(dest: Uint8Array, sector: number): void {
    const pos = this.check(dest, sector);
    let got = 0;
    while (got < dest.length) {
      const n = this.fs.readSync(this.fd, dest, got, dest.length - got, pos + got);
      if (n <= 0) throw new KnnkitError('index', `index: ${JSON.stringify(this.path)} is truncated (sector ${sector})`);
      got += n;
    }
  }

  read(dest: Uint8Array, sector: number): Promise<void> {
    const pos = this.check(dest, sector);
    return new Promise((resolve, reject) => {
      const step = (got: number): void => {
        if (got >= dest.length) { resolve(); return; }
        this.fs.read(this.fd, dest, got, dest.length - got, pos + got, (err, n) => {
          if (err) reject(new KnnkitError('index', `index: reading ${JSON.stringify(this.path)}: ${err.message}`));
          else if (n <= 0) reject(new KnnkitError('index', `index: ${JSON.stringify(this.path)} is truncated (sector ${sector})`));
          else step(got + n);
        });
      };
      step(0);
    });
  }

  whole(): Uint8Array {
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
