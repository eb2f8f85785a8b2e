import { GrowableBuffer } from './grow.js';

/**
 * The bytes a streaming text parser carries from one chunk to the next: the unfinished record
 * or line cut by a chunk boundary. The next chunk is appended behind it so the record can be
 * parsed contiguously; everything already parsed is dropped from the front. Starts at 64 KiB
 * (a typical record fits without growing) and doubles like any GrowableBuffer.
 */
export class ByteCarry extends GrowableBuffer<Uint8Array> {
  constructor() { super((n) => new Uint8Array(n), 1 << 16); }

  /** The carried bytes (a view, valid until the next append / keep). */
  view(): Uint8Array { return this.data.subarray(0, this.length); }

  /** Replaces the carry with bytes[from..] (the unparsed tail of a chunk). */
  keep(bytes: Uint8Array, from: number): void {
    this.length = 0;
    this.append(bytes.subarray(from));
  }

  /** Drops the first n carried bytes (parsed), moving the rest to the front. */
  drop(n: number): void {
    this.data.copyWithin(0, n, this.length);
    this.length -= n;
  }
}
