/**
 * User id -> internal slot. Ids are int32; while they stay non-negative and not much larger
 * than the number of points (the usual 0..n-1, or ids kept through removals, reordering and
 * compaction) the table is a dense Int32Array (4 bytes per id, -1 = absent); sparse or
 * negative ids switch it to a Map once.
 */
export class IdTable {
  private dense: Int32Array | null = new Int32Array(16).fill(-1);
  private map: Map<number, number> | null = null;

  get(id: number): number {
    if (this.dense) return id >= 0 && id < this.dense.length ? this.dense[id] : -1;
    const s = this.map!.get(id);
    return s === undefined ? -1 : s;
  }

  set(id: number, slot: number, count: number): void {
    if (this.dense) {
      if (id >= 0 && id < this.dense.length) { this.dense[id] = slot; return; }
      if (id >= 0 && id < 4 * count + 1024) {
        const next = new Int32Array(Math.max(id + 1, 2 * this.dense.length)).fill(-1);
        next.set(this.dense);
        this.dense = next;
        this.dense[id] = slot;
        return;
      }
      this.map = new Map();
      for (let i = 0; i < this.dense.length; i++) if (this.dense[i] >= 0) this.map.set(i, this.dense[i]);
      this.dense = null;
    }
    this.map!.set(id, slot);
  }

  delete(id: number): void {
    if (this.dense) { if (id >= 0 && id < this.dense.length) this.dense[id] = -1; }
    else this.map!.delete(id);
  }

  /** Rebuilds from slot -> id labels (-1 = empty slot). */
  static fromLabels(labels: Int32Array, count: number): IdTable {
    const t = new IdTable();
    for (let s = 0; s < count; s++) if (labels[s] >= 0 || labels[s] < -1) t.set(labels[s], s, count);
    return t;
  }

  bytes(): number { return this.dense ? this.dense.byteLength : this.map!.size * 40; }
}
