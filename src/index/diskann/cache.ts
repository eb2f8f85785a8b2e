import { KnnkitError } from '../../core/errors.js';
import type { SectorLayout } from './layout.js';
import type { SectorSource } from './sectors.js';

/**
 * DiskANN's static cache (§3.3 "Caching frequently visited vertices"): every search starts at
 * the medoid, so the nodes a few hops from it are read by nearly every query; their records are
 * kept in RAM, chosen breadth-first from the medoid (whole BFS levels, the last one cut at the
 * node budget). Records are stored in the sector format (vector, degree, neighbours) so the
 * walk expands a cached node and a read one with the same code.
 */
export class NodeCache {
  /** slot[v] = cache slot of node v, or -1. */
  readonly slot: Int32Array;
  readonly f32: Float32Array;
  readonly i32: Int32Array;
  readonly count: number;
  /** 32-bit words per record. */
  readonly words: number;

  private constructor(slot: Int32Array, count: number, layout: SectorLayout, records: Uint8Array) {
    this.slot = slot;
    this.f32 = new Float32Array(records.buffer, records.byteOffset, records.length >> 2);
    this.i32 = new Int32Array(records.buffer, records.byteOffset, records.length >> 2);
    this.count = count;
    this.words = layout.nodeBytes >> 2;
  }

  /** Word offset of node v's record, or -1 when v is not cached. */
  offsetOf(v: number): number {
    if (this.count === 0) return -1;
    const s = this.slot[v];
    return s < 0 ? -1 : s * this.words;
  }

  bytes(): number { return this.slot.byteLength + this.f32.byteLength; }

  /** BFS from the medoid through the sector image, up to `budget` nodes. */
  static build(source: SectorSource, layout: SectorLayout, n: number, medoid: number, budget: number): NodeCache {
    const want = Math.min(budget, n);
    if (want <= 0 || medoid < 0) return new NodeCache(new Int32Array(0), 0, layout, new Uint8Array(0));
    const nb = layout.nodeBytes, d = layout.dim, R = layout.R;
    const records = new Uint8Array(want * nb);
    const order = new Int32Array(want);
    // the slot map doubles as the BFS's seen marks (a node's slot is its place in the BFS order):
    // no second n-sized array at load, where the peak RSS of a budgeted process is set
    const slot = new Int32Array(n).fill(-1);
    const buf = new Uint8Array(layout.readBytes);
    const bi = new Int32Array(buf.buffer);
    order[0] = medoid; slot[medoid] = 0;
    let head = 0, tail = 1;
    // the queue is `order` itself: the first `want` nodes met breadth-first are the cached ones
    while (head < tail) {
      const v = order[head];
      source.readSync(buf, layout.sectorOf(v));
      const off = layout.offsetIn(v);
      records.set(buf.subarray(off, off + nb), head * nb);
      head++;
      const w = off >> 2, deg = bi[w + d];
      if (deg < 0 || deg > R) throw new KnnkitError('index', `index: node ${v} has degree ${deg} in its sector (R = ${R}; corrupt index)`);
      for (let j = 0; j < deg && tail < want; j++) {
        const u = bi[w + d + 1 + j];
        if (u < 0 || u >= n) throw new KnnkitError('index', `index: node ${v} links to ${u} in its sector (n = ${n}; corrupt index)`);
        if (slot[u] < 0) { slot[u] = tail; order[tail++] = u; }
      }
    }
    return new NodeCache(slot, tail, layout, records.subarray(0, tail * nb));
  }
}
