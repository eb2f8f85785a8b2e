/** The typed arrays a GrowableBuffer can hold (one class serves all: only the constructor differs). */
type Typed = Float32Array | Int32Array | Uint8Array;

/**
 * Growable typed buffer for readers that do not know the final size up front. Capacity grows
 * geometrically (x2, amortised O(1) per push); `finish()` hands back an exact-length array,
 * copying only when the capacity overshot (so the peak is at most the final array plus the
 * over-allocation, never a list of strings). `data` and `length` are public so hot loops can
 * write `data[length + i]` directly after one `reserve`.
 */
export class GrowableBuffer<A extends Typed> {
  data: A;
  length = 0;

  constructor(private readonly alloc: (n: number) => A, capacity = 1024) {
    this.data = alloc(Math.max(16, capacity));
  }

  /** Makes room for `extra` more values. */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.data.length) return;
    // max(16, ...): a finished (emptied) buffer can grow again
    let cap = Math.max(16, this.data.length * 2);
    while (cap < need) cap *= 2;
    this.resize(cap);
  }

  push(v: number): void {
    if (this.length === this.data.length) this.reserve(1);
    this.data[this.length++] = v;
  }

  /** Appends all of `values`. */
  append(values: A): void {
    this.reserve(values.length);
    this.data.set(values, this.length);
    this.length += values.length;
  }

  /** Grows the capacity to exactly `total` values when it is smaller (a size estimate). */
  ensure(total: number): void {
    if (total > this.data.length) this.resize(total);
  }

  /**
   * The values as an exact-length array. A small overshoot (<= 1/16, e.g. a good size estimate)
   * is returned as a view to avoid a second full-size copy at the memory peak; a larger one is
   * copied out so the spare capacity can be freed.
   */
  finish(): A {
    const slack = this.data.length - this.length;
    const out = slack === 0 ? this.data : slack * 16 <= this.length ? this.data.subarray(0, this.length) : this.data.slice(0, this.length);
    this.data = this.alloc(0);
    return out as A;
  }

  private resize(cap: number): void {
    const next = this.alloc(cap);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
}

export class GrowableFloat32 extends GrowableBuffer<Float32Array> {
  constructor(capacity?: number) { super((n) => new Float32Array(n), capacity); }
}

export class GrowableInt32 extends GrowableBuffer<Int32Array> {
  constructor(capacity?: number) { super((n) => new Int32Array(n), capacity); }
}

/**
 * Interned label column: each distinct spelling is stored once and rows keep an Int32 id, so a
 * label column costs 4 bytes a row however long the spellings are. `labels()` resolves the rule
 * "numbers if every label is a finite number, else strings in their original spelling".
 */
export class LabelColumn {
  private readonly ids = new GrowableInt32();
  private readonly spellings: string[] = [];
  private readonly index = new Map<string, number>();

  push(spelling: string): void {
    let id = this.index.get(spelling);
    if (id === undefined) { id = this.spellings.length; this.spellings.push(spelling); this.index.set(spelling, id); }
    this.ids.push(id);
  }

  get length(): number { return this.ids.length; }

  /** Drops rows pushed after `length` (a reader rolling back an incomplete record). */
  truncate(length: number): void { this.ids.length = length; }

  /**
   * The labels: numbers when every spelling is a number written canonically ("3", "-2.5":
   * String(Number(s)) gives it back), else the spellings as read, so that "01", "1" and "1.0"
   * stay three classes and predictions print as the file spelled them.
   */
  labels(): (string | number)[] {
    const numeric = this.spellings.map(toFiniteNumber);
    const allNumeric = numeric.every((v, i) => v !== undefined && String(v) === this.spellings[i].trim().replace(/^\+/, ''));
    const table: (string | number)[] = allNumeric ? (numeric as number[]) : this.spellings;
    const ids = this.ids.data;
    const out: (string | number)[] = new Array(this.ids.length);
    for (let i = 0; i < out.length; i++) out[i] = table[ids[i]];
    return out;
  }
}

/** "1", "-2.5", "+3e2" -> number; anything else (including "", "NaN", "0x1f", "Infinity") -> undefined. */
export function toFiniteNumber(s: string): number | undefined {
  const t = s.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}
