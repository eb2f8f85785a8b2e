import type { VamanaGraph } from './graph.js';

/**
 * RobustPrune(p, 𝒱, α, R) (DiskANN, Algorithm 2) with reusable scratch. From the candidates
 * 𝒱 ∪ N_out(p) \ {p} (the caller passes them with their distances to p), repeatedly keep the
 * closest remaining p* as an out-neighbour and drop every p' that p* "covers":
 * α · d(p*, p') <= d(p, p'). α > 1 keeps some longer edges (the paper's fix for the search
 * radius: each hop then shrinks the distance to the query by a factor α). Distances here are
 * squared L2 (./distance.ts), so the paper's condition on true distances reads α² · d²(p*, p')
 * <= d²(p, p').
 */
export class Pruner {
  private tags: Uint32Array;
  private epoch = 0;
  private ids = new Int32Array(256);
  private ds = new Float64Array(256);
  private order = new Int32Array(256);
  private dead = new Uint8Array(256);
  private count = 0;

  constructor(private readonly g: VamanaGraph) {
    this.tags = new Uint32Array(Math.max(16, g.capacity));
  }

  /** Starts a candidate set for node p (p itself is never a candidate). */
  begin(p: number): void {
    if (this.tags.length < this.g.n) { this.tags = new Uint32Array(this.g.capacity); this.epoch = 0; }
    if (++this.epoch === 0xffffffff) { this.tags.fill(0); this.epoch = 1; }
    this.tags[p] = this.epoch;
    this.count = 0;
  }

  /** Adds candidate v at distance d from p (duplicates are ignored). */
  add(v: number, d: number): void {
    if (this.tags[v] === this.epoch) return;
    this.tags[v] = this.epoch;
    if (this.count === this.ids.length) {
      const n = this.count * 2;
      const a = new Int32Array(n), b = new Float64Array(n);
      a.set(this.ids); b.set(this.ds);
      this.ids = a; this.ds = b; this.order = new Int32Array(n); this.dead = new Uint8Array(n);
    }
    this.ids[this.count] = v; this.ds[this.count] = d; this.count++;
  }

  /** Adds candidate v, computing its distance to p. */
  addNode(p: number, v: number): void {
    if (this.tags[v] !== this.epoch) this.add(v, this.g.dist(p, v));
  }

  /** Runs the prune and writes N_out(p) (at most R, closest first). Returns the new degree. */
  commit(p: number, alpha: number): number {
    const g = this.g, R = g.R, n = this.count, ids = this.ids, ds = this.ds;
    const order = this.order.subarray(0, n), dead = this.dead;
    for (let i = 0; i < n; i++) { order[i] = i; dead[i] = 0; }
    order.sort((a, b) => (ds[a] - ds[b]) || (ids[a] - ids[b]));
    const a2 = alpha * alpha, base = p * g.stride;
    let deg = 0;
    for (let i = 0; i < n && deg < R; i++) {
      const oi = order[i];
      if (dead[oi]) continue;
      const star = ids[oi];
      g.adj[base + deg++] = star;
      if (deg === R) break;
      for (let j = i + 1; j < n; j++) {
        const oj = order[j];
        if (dead[oj]) continue;
        if (g.within(star, ids[oj], ds[oj] / a2)) dead[oj] = 1;
      }
    }
    g.degree[p] = deg;
    return deg;
  }
}
