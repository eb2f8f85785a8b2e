/**
 * Byte layout of an HNSW index inside one linear memory (a WebAssembly.Memory or an
 * ArrayBuffer / SharedArrayBuffer for the pure-TS kernel), as hnswlib lays it out: one flat
 * block of vectors, one block of layer-0 link lists (count + M0 slots per node), the upper
 * layers in a separate compact arena, then per-thread scratch. Both kernels (WebAssembly in
 * assembly/_hnsw_core.ts, TypeScript in kernel-js.ts) read exactly these offsets.
 */

/** First byte used (keeps address 0 unused, so that a stray null pointer reads nothing of ours). */
const BASE = 1024;

export interface Shape {
  /** 32-bit words per stored vector: the dimension for f32 vectors, 2 ceil(d / 64) for bit-packed ones. */
  dim: number;
  M: number;
  M0: number;
  /** Cosine keeps unit-normalised vectors plus the original norms. */
  cosine: boolean;
  /** Bit-packed 0/1 vectors (storage 'bits', see bits.ts). */
  bits?: boolean;
  /** Coordinates per vector (storage 'bits': the f32 query staged in scratch `qf` before packing; codecs: the f32 query in `q`). */
  inputDim?: number;
  /**
   * Codec storage: rows of f16 halves or sq8 bytes (padded to 4 bytes, `dim` words), queried
   * by an f32 query of inputDim values; sq8 keeps its affine decode table in region `aff`.
   */
  codec?: 'f16' | 'sq8';
}

export interface ScratchOffsets {
  q: number; qf: number; tags: number; cd: number; ci: number; td: number; ti: number; wd: number; wi: number;
  sd: number; si: number; xd: number; xi: number; yd: number; yi: number;
}

export interface Layout {
  readonly shape: Shape;
  /** Slots allocated (capacity) and i32 words of the upper-layer arena. */
  readonly cap: number;
  readonly upperCap: number;
  /** Scratch blocks (1 for the calling thread + one per worker) and the beam they fit. */
  readonly threads: number;
  readonly efCap: number;
  readonly vec: number; readonly norm: number; readonly link0: number; readonly upos: number;
  readonly levels: number; readonly flags: number; readonly upper: number; readonly allow: number;
  /** sq8 storage: the affine decode table, 2 inputDim f32 ([a | b], x_j = a_j + b_j c_j); size 0 otherwise. */
  readonly aff: number;
  readonly scratch: number; readonly scratchStride: number;
  readonly total: number;
}

const align = (n: number) => (n + 15) & ~15;

/** Region sizes in bytes for (shape, cap, upperCap), in memory order. */
export function regionSizes(s: Shape, cap: number, upperCap: number): number[] {
  return [
    align(cap * s.dim * 4), // vec
    align(s.cosine ? cap * 4 : 0), // norm
    align(cap * (1 + s.M0) * 4), // link0
    align(cap * 4), // upos
    align(cap), // levels
    align(cap), // flags
    align(upperCap * 4), // upper
    align(Math.ceil(cap / 8)), // allow bitmap
    align(s.codec === 'sq8' ? 2 * (s.inputDim ?? 0) * 4 : 0), // aff (written by the index from its codec, not saved in the image)
  ];
}

export function scratchOffsets(s: Shape, cap: number, efCap: number): { offs: ScratchOffsets; size: number } {
  let p = 0;
  const take = (bytes: number) => { const o = p; p += align(bytes); return o; };
  const heapC = (cap + 2) * 4, heapW = (efCap + 2) * 4, sel = (s.M0 + 2) * 4, wide = (2 * s.M0 + 4) * 4;
  const offs: ScratchOffsets = {
    q: take((s.codec ? s.inputDim ?? 0 : s.dim) * 4), qf: take(s.bits ? (s.inputDim ?? 0) * 4 : 0), tags: take(cap * 4),
    cd: take(heapC), ci: take(heapC), td: take(heapW), ti: take(heapW), wd: take(heapW), wi: take(heapW),
    sd: take(sel), si: take(sel), xd: take(wide), xi: take(wide), yd: take(sel), yi: take(sel),
  };
  return { offs, size: p };
}

/** `base`: where the first region starts (default BASE; a zero-copy load lays the layout over a file's section). */
export function computeLayout(shape: Shape, cap: number, upperCap: number, threads: number, efCap: number, base = BASE): Layout {
  const sizes = regionSizes(shape, cap, upperCap);
  const offs: number[] = [];
  let p = base;
  for (const sz of sizes) { offs.push(p); p += sz; }
  const { size } = scratchOffsets(shape, cap, efCap);
  const scratch = p;
  const total = scratch + size * threads;
  return {
    shape, cap, upperCap, threads, efCap,
    vec: offs[0], norm: offs[1], link0: offs[2], upos: offs[3], levels: offs[4], flags: offs[5], upper: offs[6], allow: offs[7], aff: offs[8],
    scratch, scratchStride: size, total,
  };
}

export function regionOffsets(l: Layout): number[] {
  return [l.vec, l.norm, l.link0, l.upos, l.levels, l.flags, l.upper, l.allow, l.aff];
}

/** Absolute scratch offsets of thread t. */
export function threadScratch(l: Layout, t: number): ScratchOffsets {
  const { offs } = scratchOffsets(l.shape, l.cap, l.efCap);
  const base = l.scratch + t * l.scratchStride;
  const out = {} as ScratchOffsets;
  for (const k of Object.keys(offs) as (keyof ScratchOffsets)[]) out[k] = base + offs[k];
  return out;
}

/**
 * The linear memory holding an index: a WebAssembly.Memory (shared when the runtime has
 * SharedArrayBuffer) or a plain / shared ArrayBuffer for the TypeScript kernel.
 */
export class Arena {
  private buf: ArrayBuffer | SharedArrayBuffer;
  /**
   * The buffer belongs to the caller (a zero-copy load over the bytes given to fromBytes): the
   * index copies itself into an arena of its own before any change other than search scratch.
   */
  borrowed = false;
  constructor(readonly memory: WebAssembly.Memory | undefined, bytes: number, readonly shared: boolean) {
    if (memory) {
      this.buf = memory.buffer;
      this.ensure(bytes);
    } else {
      this.buf = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    }
  }

  /** An arena over an existing shared buffer (worker threads of the TypeScript kernel). */
  static over(buf: SharedArrayBuffer): Arena {
    const a = new Arena(undefined, 0, true);
    a.buf = buf;
    return a;
  }

  /** An arena over a caller's buffer (zero-copy load; see `borrowed`). */
  static borrow(buf: ArrayBuffer | SharedArrayBuffer): Arena {
    const a = new Arena(undefined, 0, !(buf instanceof ArrayBuffer));
    a.buf = buf;
    a.borrowed = true;
    return a;
  }

  get buffer(): ArrayBuffer | SharedArrayBuffer { return this.memory ? this.memory.buffer : this.buf; }
  get byteLength(): number { return this.buffer.byteLength; }

  /** Makes at least `bytes` addressable, keeping the content (views must be rebuilt after). */
  ensure(bytes: number): void {
    if (this.memory) {
      const have = this.memory.buffer.byteLength;
      if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / 65536));
      return;
    }
    if (bytes <= this.buf.byteLength) return;
    const next = this.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    new Uint8Array(next).set(new Uint8Array(this.buf));
    this.buf = next;
  }
}

/**
 * Moves every region from layout `a` to the (larger) layout `b` inside the arena. Regions
 * only grow, so each new offset is >= the old one: moving from the last region to the first
 * never overwrites bytes not yet moved. Grown tails and all scratch are zeroed.
 */
export function relocate(arena: Arena, a: Layout, b: Layout): void {
  arena.ensure(b.total);
  const u8 = new Uint8Array(arena.buffer);
  const oa = regionOffsets(a), ob = regionOffsets(b);
  const sa = regionSizes(a.shape, a.cap, a.upperCap), sb = regionSizes(b.shape, b.cap, b.upperCap);
  for (let r = oa.length - 1; r >= 0; r--) {
    if (ob[r] !== oa[r]) u8.copyWithin(ob[r], oa[r], oa[r] + sa[r]);
    if (sb[r] > sa[r]) u8.fill(0, ob[r] + sa[r], ob[r] + sb[r]);
  }
  u8.fill(0, b.scratch, b.total);
}
