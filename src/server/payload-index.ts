import { inRange, valuesAt, type FieldCond, type Payload } from './filter.js';

/** Payload index types (Qdrant's field_schema names) the server builds. */
export const FIELD_TYPES = ['keyword', 'integer', 'float', 'bool', 'text'] as const;
export type FieldType = typeof FIELD_TYPES[number];

function accepts(type: FieldType, v: unknown): boolean {
  switch (type) {
    case 'keyword': return typeof v === 'string';
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'float': return typeof v === 'number' && Number.isFinite(v);
    case 'bool': return typeof v === 'boolean';
    case 'text': return typeof v === 'string';
  }
}

/**
 * One payload field's index over the collection's internal point ids: an inverted map
 * value -> ids for exact matches (keyword, integer, bool), and for numbers a (value, id) list
 * sorted on first use after a change, so a range is two binary searches. The filter planner asks
 * it for the ids meeting one `must` condition; the rest of the filter is then tested on those
 * candidates only (Qdrant's use of payload indexes for cardinality).
 */
export class FieldIndex {
  private byValue = new Map<unknown, Set<number>>();
  /** id -> its numeric values (integer / float fields); the sorted list is rebuilt from it after changes. */
  private numericOf = new Map<number, number[]>();
  private numbers: { v: number; id: number }[] = [];
  private sorted = true;
  /** Points that have at least one indexed value. */
  points = 0;

  constructor(readonly key: string, readonly type: FieldType) {}

  add(id: number, payload: Payload): void {
    let any = false;
    for (const v of valuesAt(payload, this.key)) {
      if (!accepts(this.type, v)) continue;
      any = true;
      if (this.type === 'integer' || this.type === 'float') {
        const vs = this.numericOf.get(id);
        if (vs) vs.push(v as number); else this.numericOf.set(id, [v as number]);
        this.sorted = false;
      }
      if (this.type !== 'float' && this.type !== 'text') {
        let s = this.byValue.get(v);
        if (!s) this.byValue.set(v, (s = new Set()));
        s.add(id);
      }
    }
    if (any) this.points++;
  }

  remove(id: number, payload: Payload): void {
    let any = false;
    for (const v of valuesAt(payload, this.key)) {
      if (!accepts(this.type, v)) continue;
      any = true;
      const s = this.byValue.get(v);
      if (s) { s.delete(id); if (s.size === 0) this.byValue.delete(v); }
    }
    if (any) {
      this.points--;
      if (this.numericOf.delete(id)) this.sorted = false;
    }
  }

  /**
   * Ids meeting the condition, or null when this index cannot answer it. A match on one value
   * returns the index's own set (no copy): callers only read it.
   */
  lookup(c: FieldCond): Set<number> | null {
    if (c.key !== this.key) return null;
    if (c.kind === 'match') {
      if (this.type === 'float' || this.type === 'text') return null;
      // a value of another type may still sit in this field, unindexed: the index cannot answer
      if (!c.values.every((v) => accepts(this.type, v))) return null;
      if (c.values.length === 1) return this.byValue.get(c.values[0]) ?? new Set();
      const out = new Set<number>();
      for (const v of c.values) {
        const s = this.byValue.get(v);
        if (s) for (const id of s) out.add(id);
      }
      return out;
    }
    if (this.type !== 'integer' && this.type !== 'float') return null;
    this.sort();
    const a = this.numbers;
    const lo = c.gte !== undefined ? this.lower(c.gte, false) : c.gt !== undefined ? this.lower(c.gt, true) : 0;
    const out = new Set<number>();
    for (let i = lo; i < a.length; i++) {
      if (!inRange(a[i].v, c)) { if ((c.lt !== undefined && a[i].v >= c.lt) || (c.lte !== undefined && a[i].v > c.lte)) break; continue; }
      out.add(a[i].id);
    }
    return out;
  }

  /** First position with value >= x (strict: > x). */
  private lower(x: number, strict: boolean): number {
    const a = this.numbers;
    let lo = 0, hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (strict ? a[mid].v <= x : a[mid].v < x) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  private sort(): void {
    if (this.sorted) return;
    const a: { v: number; id: number }[] = [];
    for (const [id, vs] of this.numericOf) for (const v of vs) a.push({ v, id });
    a.sort((x, y) => x.v - y.v || x.id - y.id);
    this.numbers = a;
    this.sorted = true;
  }
}
