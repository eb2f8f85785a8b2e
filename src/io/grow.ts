/**
 * Growable typed buffers for readers that do not know the final size up front. Capacity grows
 * geometrically (x2, amortised O(1) per push); `finish()` hands back an exact-length array,
 * copying only when the capacity overshot (so the peak is at most the final array plus the
 * over-allocation, never a list of strings).
 */
export class GrowableFloat32 {
  data: Float32Array;
  length = 0;
  constructor(capacity = 1024) { this.data = new Float32Array(Math.max(16, capacity)); }

  /** Makes room for `extra` more values. */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.data.length) return;
    let cap = this.data.length * 2;
    while (cap < need) cap *= 2;
    const next = new Float32Array(cap);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  push(v: number): void {
    if (this.length === this.data.length) this.reserve(1);
    this.data[this.length++] = v;
  }

  /** Grows the capacity to exactly `total` values when it is smaller (a size estimate). */
  ensure(total: number): void {
    if (total <= this.data.length) return;
    const next = new Float32Array(total);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  /**
   * The values as an exact-length array. A small overshoot (<= 1/16, e.g. a good size estimate)
   * is returned as a view to avoid a second full-size copy at the memory peak; a larger one is
   * copied out so the spare capacity can be freed.
   */
  finish(): Float32Array {
    const slack = this.data.length - this.length;
    const out = slack === 0 ? this.data : slack * 16 <= this.length ? this.data.subarray(0, this.length) : this.data.slice(0, this.length);
    this.data = new Float32Array(0);
    return out;
  }
}

export class GrowableInt32 {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) { this.data = new Int32Array(Math.max(16, capacity)); }

  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.data.length) return;
    let cap = this.data.length * 2;
    while (cap < need) cap *= 2;
    const next = new Int32Array(cap);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  push(v: number): void {
    if (this.length === this.data.length) this.reserve(1);
    this.data[this.length++] = v;
  }

  ensure(total: number): void {
    if (total <= this.data.length) return;
    const next = new Int32Array(total);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  finish(): Int32Array {
    const slack = this.data.length - this.length;
    const out = slack === 0 ? this.data : slack * 16 <= this.length ? this.data.subarray(0, this.length) : this.data.slice(0, this.length);
    this.data = new Int32Array(0);
    return out;
  }
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

  labels(): (string | number)[] {
    const numeric = this.spellings.map(toFiniteNumber);
    const allNumeric = numeric.every((v) => v !== undefined);
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
