import { ByteCarry } from './carry.js';

/**
 * Splits pushed byte chunks into lines (LF or CRLF; the line handed over excludes the line end)
 * and calls `onLine(buf, start, end, lineNumber)` for each, carrying only the unfinished last
 * line between chunks. For line-oriented text formats (LIBSVM, label files).
 */
export class LineSplitter {
  /** The unfinished last line of the previous chunk. */
  private readonly carry = new ByteCarry();
  private line = 1;
  private atStart = true;

  constructor(private readonly onLine: (buf: Uint8Array, start: number, end: number, line: number) => void) {}

  push(chunk: Uint8Array): void {
    const carry = this.carry;
    let buf = chunk;
    // The carry holds no line end, so the search for the next one starts after it.
    let from = carry.length;
    const carried = from > 0;
    if (carried) {
      carry.append(chunk);
      buf = carry.view();
    }
    let p = 0;
    if (this.atStart && buf.length >= 3) {
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3;
      this.atStart = false;
    }
    if (this.atStart) { this.stash(buf, 0, carried); return; }
    for (;;) {
      const nl = buf.indexOf(10, Math.max(p, from));
      from = 0;
      if (nl < 0) break;
      this.emit(buf, p, nl);
      p = nl + 1;
    }
    this.stash(buf, p, carried);
  }

  finish(): void {
    if (this.carry.length > 0) {
      const buf = this.carry.view();
      let p = 0;
      if (this.atStart && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3;
      this.emit(buf, p, buf.length);
      this.carry.length = 0;
    }
  }

  private emit(buf: Uint8Array, start: number, end: number): void {
    if (end > start && buf[end - 1] === 13) end--;
    this.onLine(buf, start, end, this.line++);
  }

  /** Keeps buf[from..] (the unfinished line) for the next chunk; `carried`: buf is the carry itself. */
  private stash(buf: Uint8Array, from: number, carried: boolean): void {
    if (carried) this.carry.drop(from);
    else this.carry.keep(buf, from);
  }
}
