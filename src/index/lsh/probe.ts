/**
 * Query-directed probing sequences of multi-probe LSH (Lv, Josephson, Wang, Charikar & Li,
 * VLDB 2007, section 4.2). For one table, each elementary perturbation e (flip bit j for
 * hyperplanes; move h_j by delta = -1 or +1 for p-stable hashes) has a score: the squared
 * distance x_e of the query's projection to the boundary it crosses. A perturbation set costs
 * the sum of its scores; sets are generated in increasing cost by the heap of the paper's
 * Algorithm 1 over the scores sorted ascending: pop the cheapest set A, push shift(A) (its
 * largest element m replaced by m + 1) and expand(A) (m + 1 added), output A if valid (no two
 * elements move the same coordinate). Every subset of the 2K (or K) elements is reached once.
 */
export class ProbeSequencer {
  // min-heap of (cost, set id); sets are stored as small arrays of sorted element positions
  private cost: Float64Array = new Float64Array(64);
  private setOf: number[][] = [];
  private heap: Int32Array = new Int32Array(64);
  private size = 0;

  /**
   * Fills `out` with up to `count` perturbation sets (each an array of element ids, the ids of
   * `order`), cheapest first. `order` lists element ids by ascending score `scores[id]`;
   * `coordOf[id]` is the coordinate the element moves (a set may move each coordinate once).
   */
  sequence(order: Int32Array, scores: Float64Array, coordOf: Int32Array, count: number, out: number[][]): number {
    const M = order.length;
    out.length = 0;
    if (M === 0 || count <= 0) return 0;
    this.size = 0;
    this.setOf.length = 0;
    this.push([0], scores[order[0]]);
    while (out.length < count && this.size > 0) {
      const id = this.pop();
      const A = this.setOf[id], c = this.cost[id];
      const m = A[A.length - 1];
      if (m + 1 < M) {
        const shifted = A.slice(); shifted[shifted.length - 1] = m + 1;
        this.push(shifted, c - scores[order[m]] + scores[order[m + 1]]);
        const expanded = A.slice(); expanded.push(m + 1);
        this.push(expanded, c + scores[order[m + 1]]);
      }
      if (valid(A, order, coordOf)) out.push(A.map((p) => order[p]));
    }
    return out.length;
  }

  private push(set: number[], c: number): void {
    const id = this.setOf.length;
    this.setOf.push(set);
    if (id >= this.cost.length) { const n = new Float64Array(this.cost.length * 2); n.set(this.cost); this.cost = n; }
    this.cost[id] = c;
    if (this.size >= this.heap.length) { const n = new Int32Array(this.heap.length * 2); n.set(this.heap); this.heap = n; }
    let pos = this.size++;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (this.cost[this.heap[parent]] <= c) break;
      this.heap[pos] = this.heap[parent];
      pos = parent;
    }
    this.heap[pos] = id;
  }

  private pop(): number {
    const top = this.heap[0];
    const last = this.heap[--this.size];
    const c = this.cost[last];
    let pos = 0;
    for (;;) {
      const l = 2 * pos + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const ch = r < this.size && this.cost[this.heap[r]] < this.cost[this.heap[l]] ? r : l;
      if (this.cost[this.heap[ch]] >= c) break;
      this.heap[pos] = this.heap[ch];
      pos = ch;
    }
    this.heap[pos] = last;
    return top;
  }
}

function valid(A: number[], order: Int32Array, coordOf: Int32Array): boolean {
  for (let i = 0; i < A.length; i++) {
    const ci = coordOf[order[A[i]]];
    for (let j = i + 1; j < A.length; j++) if (coordOf[order[A[j]]] === ci) return false;
  }
  return true;
}
