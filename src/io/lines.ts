/**
 * Splits pushed byte chunks into lines (LF or CRLF; the line handed over excludes the line end)
 * and calls `onLine(buf, start, end, lineNumber)` for each, carrying only the unfinished last
 * line between chunks. For line-oriented text formats (LIBSVM, label files).
 */
export class LineSplitter {
  private work = new Uint8Array(0);
  private workLen = 0;
  private line = 1;
  private atStart = true;

  constructor(private readonly onLine: (buf: Uint8Array, start: number, end: number, line: number) => void) {}

  push(chunk: Uint8Array): void {
    let buf = chunk;
    // The carry holds no line end, so the search for the next one starts after it.
    let from = this.workLen;
    if (this.workLen > 0) {
      this.append(chunk);
      buf = this.work.subarray(0, this.workLen);
    }
    let p = 0;
    if (this.atStart && buf.length >= 3) {
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3;
      this.atStart = false;
    }
    if (this.atStart) { this.stash(buf, 0); return; }
    for (;;) {
      const nl = buf.indexOf(10, Math.max(p, from));
      from = 0;
      if (nl < 0) break;
      this.emit(buf, p, nl);
      p = nl + 1;
    }
    this.stash(buf, p);
  }

  finish(): void {
    if (this.workLen > 0) {
      const buf = this.work.subarray(0, this.workLen);
      let p = 0;
      if (this.atStart && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3;
      this.emit(buf, p, buf.length);
      this.workLen = 0;
    }
  }

  private emit(buf: Uint8Array, start: number, end: number): void {
    if (end > start && buf[end - 1] === 13) end--;
    this.onLine(buf, start, end, this.line++);
  }

  private stash(buf: Uint8Array, from: number): void {
    const n = buf.length - from;
    if (buf.buffer === this.work.buffer) {
      this.work.copyWithin(0, from, this.workLen);
      this.workLen = n;
      return;
    }
    if (this.work.length < n) this.work = new Uint8Array(Math.max(n * 2, 1 << 16));
    this.work.set(buf.subarray(from), 0);
    this.workLen = n;
  }

  private append(chunk: Uint8Array): void {
    const need = this.workLen + chunk.length;
    if (this.work.length < need) {
      let cap = Math.max(this.work.length * 2, 1 << 16);
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.work.subarray(0, this.workLen));
      this.work = next;
    }
    this.work.set(chunk, this.workLen);
    this.workLen = need;
  }
}
