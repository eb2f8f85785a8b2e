import { ensureMemory } from '../../wasm/loader.js';

/**
 * Blocks of bytes inside one WebAssembly memory, so that the inverted lists live where the
 * kernels (assembly/ivf.ts) read them and a probe costs no copy. Allocation bumps a top
 * pointer (16-byte aligned, for v128 loads); a freed block becomes garbage, and once garbage
 * exceeds the live bytes (and 1 MiB) the live blocks slide down in address order (in place:
 * a destination never passes its source). Growth and compaction detach or move every view:
 * `onMove` (set by the owner) rebuilds them from offset(handle).
 */
export class Arena {
  private offs: number[] = [];
  private sizes: number[] = [];
  private free_: number[] = [];
  /** First byte of the block area (below it: the module's static data). */
  private readonly start: number;
  top: number;
  live = 0;
  onMove: (() => void) | null = null;

  constructor(readonly memory: WebAssembly.Memory, start = 4096) {
    this.start = start;
    this.top = start;
  }

  get buffer(): ArrayBuffer { return this.memory.buffer as ArrayBuffer; }

  /** A new block of `bytes` (contents unspecified); returns its handle. */
  alloc(bytes: number): number {
    const size = (bytes + 15) & ~15;
    const off = this.top;
    const grew = ensureMemory(this.memory, off + size);
    this.top = off + size;
    this.live += size;
    const h = this.free_.length ? this.free_.pop()! : this.offs.length;
    this.offs[h] = off; this.sizes[h] = size;
    if (grew) this.onMove?.();
    return h;
  }

  /** Grows the memory once for `bytes` more of allocations (a batch of lists), instead of page by page. */
  reserve(bytes: number): void {
    if (ensureMemory(this.memory, this.top + bytes)) this.onMove?.();
  }

  free(h: number): void {
    if (h < 0 || this.sizes[h] < 0) return;
    this.live -= this.sizes[h];
    this.sizes[h] = -1;
    this.free_.push(h);
    if (this.top - this.start - this.live > Math.max(this.live, 1 << 20)) this.compact();
  }

  offset(h: number): number { return this.offs[h]; }
  size(h: number): number { return this.sizes[h]; }

  /** Bytes held by live blocks (what memoryUsage counts). */
  bytes(): number { return this.live; }

  private compact(): void {
    const hs: number[] = [];
    for (let h = 0; h < this.offs.length; h++) if (this.sizes[h] >= 0) hs.push(h);
    hs.sort((a, b) => this.offs[a] - this.offs[b]);
    const u8 = new Uint8Array(this.buffer);
    let top = this.start;
    for (const h of hs) {
      if (this.offs[h] !== top) u8.copyWithin(top, this.offs[h], this.offs[h] + this.sizes[h]);
      this.offs[h] = top;
      top += this.sizes[h];
    }
    this.top = top;
    this.onMove?.();
  }
}
