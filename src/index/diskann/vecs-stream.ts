import { KnnkitError } from '../../core/errors.js';
import { nodeFsSync } from '../../io/node-fs.js';

/** Rows per chunk by default: 64k rows of 128 floats = 32 MiB, small beside a 2M-row input. */
export const DEFAULT_CHUNK_ROWS = 1 << 16;

/**
 * An .fvecs / .bvecs file read in chunks of rows for builds larger than memory (DiskANN's
 * divide and conquer reads its input several times: sample, assign, gather, lay out). Every
 * chunk is decoded into ONE reused float32 buffer, so a reader never holds more than one chunk
 * of rows (bvecs bytes widened to float32); `gather` reads chosen rows positionally (pread)
 * without reading the file around them. Synchronous: a build is one long CPU-bound job.
 */
export class VecsStream {
  readonly n: number;
  readonly dim: number;
  /** Bytes per record: 4 (the dimension) + dim x element size. */
  readonly recordBytes: number;
  private readonly elem: number;
  private fd: number;
  private readonly fs = nodeFsSync();
  /** Largest chunk buffer ever allocated (rows): the tests' check that one chunk is held. */
  peakChunkRows = 0;

  constructor(readonly path: string) {
    const kind = path.endsWith('.bvecs') ? 'bvecs' : path.endsWith('.fvecs') ? 'fvecs' : null;
    if (!kind) throw new KnnkitError('path', `path: got ${JSON.stringify(path)}; expected a .fvecs or .bvecs file`);
    this.elem = kind === 'bvecs' ? 1 : 4;
    try { this.fd = this.fs.openSync(path, 'r'); } catch (e) { throw new KnnkitError('path', `path: cannot open ${JSON.stringify(path)}: ${(e as Error).message}`); }
    const size = this.fs.fstatSync(this.fd).size;
    const head = new Int32Array(1);
    if (size < 4 || this.fs.readSync(this.fd, new Uint8Array(head.buffer), 0, 4, 0) !== 4) throw this.fail(`it has ${size} bytes, less than one record`);
    this.dim = head[0];
    this.recordBytes = 4 + this.dim * this.elem;
    if (this.dim < 1 || size % this.recordBytes !== 0) throw this.fail(`vector 0 declares dimension ${this.dim}, and ${size} bytes is not a whole number of ${this.recordBytes}-byte records`);
    this.n = size / this.recordBytes;
  }

  private fail(why: string): KnnkitError {
    this.close();
    return new KnnkitError('path', `path: ${JSON.stringify(this.path)} is not a valid .${this.elem === 1 ? 'bvecs' : 'fvecs'} file: ${why}`);
  }

  /** Decodes `rows` records from raw into out (float32, row-major), checking each record's dimension. */
  private decode(raw: Uint8Array, rows: number, out: Float32Array, firstRow: number): void {
    const d = this.dim, rec = this.recordBytes;
    const dv = new DataView(raw.buffer, raw.byteOffset, rows * rec);
    for (let r = 0; r < rows; r++) {
      if (dv.getInt32(r * rec, true) !== d) throw new KnnkitError('path', `path: ${JSON.stringify(this.path)}: vector ${firstRow + r} declares dimension ${dv.getInt32(r * rec, true)}, vector 0 declares ${d}`);
      const o = r * rec + 4;
      if (this.elem === 4) for (let j = 0; j < d; j++) out[r * d + j] = dv.getFloat32(o + 4 * j, true);
      else for (let j = 0; j < d; j++) out[r * d + j] = raw[o + j];
    }
  }

  private readAt(dest: Uint8Array, pos: number): void {
    let got = 0;
    while (got < dest.length) {
      const k = this.fs.readSync(this.fd, dest, got, dest.length - got, pos + got);
      if (k <= 0) throw new KnnkitError('path', `path: ${JSON.stringify(this.path)} was truncated while being read`);
      got += k;
    }
  }

  /**
   * The rows in chunks: yields (first row, row count, rows) where `rows` is the one reused
   * buffer, valid until the next step. `from`/`to` bound the rows read.
   */
  *chunks(chunkRows = DEFAULT_CHUNK_ROWS, from = 0, to = this.n): Generator<{ start: number; rows: number; data: Float32Array }> {
    const c = Math.max(1, Math.min(chunkRows, to - from));
    this.peakChunkRows = Math.max(this.peakChunkRows, c);
    const raw = new Uint8Array(c * this.recordBytes), out = new Float32Array(c * this.dim);
    for (let r0 = from; r0 < to; r0 += c) {
      const rows = Math.min(c, to - r0);
      this.readAt(raw.subarray(0, rows * this.recordBytes), r0 * this.recordBytes);
      this.decode(raw, rows, out, r0);
      yield { start: r0, rows, data: out.subarray(0, rows * this.dim) };
    }
  }

  /**
   * Rows `ids` (ascending) into out (ids.length x dim): runs of consecutive ids are one read
   * each, through a buffer of at most `chunkRows` records.
   */
  gather(ids: Int32Array, out: Float32Array, chunkRows = 4096): void {
    const rec = this.recordBytes, d = this.dim;
    const raw = new Uint8Array(Math.min(chunkRows, Math.max(1, ids.length)) * rec);
    const cap = raw.length / rec;
    for (let i = 0; i < ids.length;) {
      let j = i + 1;
      while (j < ids.length && j - i < cap && ids[j] === ids[j - 1] + 1) j++;
      if (ids[i] < 0 || ids[j - 1] >= this.n || (i > 0 && ids[i] <= ids[i - 1])) throw new KnnkitError('ids', `ids: expected ascending row numbers in [0, ${this.n}), got ${ids[i - 1] ?? ''} then ${ids[i]}`);
      const rows = j - i;
      this.readAt(raw.subarray(0, rows * rec), ids[i] * rec);
      this.decode(raw, rows, out.subarray(i * d), ids[i]);
      i = j;
    }
  }

  close(): void {
    if (this.fd >= 0) { this.fs.closeSync(this.fd); this.fd = -1; }
  }
}
