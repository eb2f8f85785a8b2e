import { invalidParam } from '../core/errors.js';
import type { Allow, FilterInput, IdBitmapLike } from './types.js';
import type { IdMap } from './ids.js';

/** A bitset over external ids (FAISS's IDSelectorBitmap): `new IdBitmap(n).set(id)`. */
export class IdBitmap implements IdBitmapLike {
  readonly bits: Uint8Array;
  constructor(size: number | Uint8Array) {
    this.bits = typeof size === 'number' ? new Uint8Array(Math.ceil(size / 8)) : size;
  }
  set(id: number): this { this.bits[id >> 3] |= 1 << (id & 7); return this; }
  has(id: number): boolean { const b = id >> 3; return b < this.bits.length && (this.bits[b] & (1 << (id & 7))) !== 0; }
}

const ACCEPTED = 'a predicate (id) => boolean, a Set of ids, an array / Int32Array / Float64Array / BigInt64Array of ids, or an IdBitmap';

/**
 * The Allow over internal labels for one call: the filter (any FilterInput form, in external
 * ids) combined with the wrapper's tombstones (`dead`, a byte per label, or null). Returns null
 * when everything live is allowed and nothing is dead.
 */
export function makeAllow(filter: FilterInput | undefined | null, ids: IdMap, dead: Uint8Array | null, deadCount: number): Allow | null {
  const n = ids.count;
  const alive = (l: number) => dead === null || dead[l] === 0;
  if (filter === undefined || filter === null) {
    if (deadCount === 0) return null;
    return lazyAllow(n, alive, ids.live);
  }
  if (typeof filter === 'function') {
    const fn = filter as (id: number) => boolean;
    return lazyAllow(n, (l) => { if (!alive(l)) return false; const id = ids.idOf(l); return id >= 0 && !!fn(id); }, ids.live);
  }
  let labels: number[] = [];
  if (filter instanceof Set) {
    for (const id of filter) { const l = typeof id === 'number' ? ids.labelOf(id) : -1; if (l >= 0 && alive(l)) labels.push(l); }
  } else if (isBitmap(filter)) {
    const bits = filter.bits;
    for (let l = 0; l < n; l++) {
      const id = ids.idOf(l);
      if (id < 0 || !alive(l)) continue;
      const b = Math.floor(id / 8);
      if (b < bits.length && (bits[b] & (1 << (id % 8))) !== 0) labels.push(l);
    }
  } else if (Array.isArray(filter) || ArrayBuffer.isView(filter)) {
    const arr = filter as ArrayLike<number | bigint>;
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      const l = ids.labelOf(typeof v === 'bigint' ? Number(v) : v);
      if (l >= 0 && alive(l)) labels.push(l);
    }
  } else {
    throw invalidParam('filter', filter, ACCEPTED);
  }
  labels = [...new Set(labels)].sort((a, b) => a - b);
  const list = Int32Array.from(labels);
  const m = new Uint8Array(n);
  for (const l of list) m[l] = 1;
  return { test: (l) => m[l] === 1, mask: () => m, labels: () => list, estimate: list.length };
}

function isBitmap(f: unknown): f is IdBitmapLike {
  return typeof f === 'object' && f !== null && !ArrayBuffer.isView(f) && !Array.isArray(f) && (f as IdBitmapLike).bits instanceof Uint8Array;
}

/** A predicate-backed Allow: evaluated lazily by walks, materialised once by scans. */
function lazyAllow(n: number, test: (l: number) => boolean, live: number): Allow {
  let m: Uint8Array | null = null;
  return {
    test: (l) => (m ? m[l] === 1 : test(l)),
    mask() {
      if (!m) { const out = new Uint8Array(n); for (let l = 0; l < n; l++) out[l] = test(l) ? 1 : 0; m = out; }
      return m;
    },
    labels: () => null,
    estimate: live,
  };
}
