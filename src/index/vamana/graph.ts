import { KnnkitError } from '../../core/errors.js';
import type { Envelope, Section } from '../envelope.js';
import { normSq, sqL2, sqL2Within } from './distance.js';
import { WasmStore, sharedMemoryWorks, vamanaModule } from './store.js';

/** How the metric maps onto the graph's squared-L2 space (see ./distance.ts). */
export type Space = 'l2' | 'cosine' | 'ip';

/** Node states in `flags`. */
export const LIVE = 0;
/** FreshDiskANN's lazy delete: still walked through (keeps the graph navigable), never returned. */
export const DELETED = 1;
/** Deleted and consolidated away: no out-edges and no in-edges, never visited again. */
export const PURGED = 2;

/**
 * The Vamana graph's memory, flat: node v (= the wrapper's label) owns
 *   vectors[v*dim, (v+1)*dim)  float32 (cosine: the unit vector; its norm in `norms`)
 *   adj[v*S, v*S + degree[v])  int32 out-neighbours in a fixed-size slot of S = `stride`
 *                              (S = R at rest; S = ceil(1.3 R) during a build: DiskANN's slack)
 *   flags[v]                   LIVE / DELETED / PURGED
 *   aug[v]                     inner product only: sqrt(M^2 - |x_v|^2), M = maxNorm
 * Capacity doubles on add. Arrays loaded as views of a saved envelope are copied before the
 * first write (`own`), so a view-loaded index never writes into the caller's bytes.
 */
export class VamanaGraph {
  vectors: Float32Array;
  adj: Int32Array;
  degree: Int32Array;
  flags: Uint8Array;
  norms: Float32Array | null;
  aug: Float32Array | null;
  /** Inner product: the M of the augmentation (>= every stored norm). */
  maxNorm = 0;
  n = 0;
  medoid = -1;
  /** Nodes flagged DELETED (not yet consolidated). */
  pendingDeletes = 0;
  /** Nodes flagged DELETED or PURGED. */
  deletedTotal = 0;
  private owned = true;
  /**
   * The WebAssembly memory holding the arrays when the kernel is on (./store.ts), else null.
   * A view-loaded graph keeps the caller's bytes (TypeScript walker) until its first write.
   */
  store: WasmStore | null = null;
  private wantWasm = true;
  /** Width of a node's slot in `adj` (R, except during a build). */
  stride: number;

  /**
   * `wasm` false: ordinary typed arrays even when the kernel is available (view loads).
   * `shared`: the kernel's memory is shared (where that works), so that the build can run on
   * worker threads (./build-parallel.ts); otherwise a private memory, as before.
   */
  constructor(readonly dim: number, readonly R: number, readonly space: Space, capacity = 0, wasm = true, private readonly shared = false) {
    this.stride = R;
    this.norms = space === 'cosine' ? new Float32Array(capacity) : null;
    this.aug = space === 'ip' ? new Float32Array(0) : null;
    this.vectors = new Float32Array(0); this.adj = new Int32Array(0); this.degree = new Int32Array(0); this.flags = new Uint8Array(0);
    this.wantWasm = wasm;
    if (this.relayout(Math.max(capacity, 16), R)) return;
    this.vectors = new Float32Array(capacity * dim);
    this.adj = new Int32Array(capacity * R);
    this.degree = new Int32Array(capacity);
    this.flags = new Uint8Array(capacity);
    if (this.aug) this.aug = new Float32Array(capacity);
  }

  get capacity(): number { return this.degree.length; }
  get live(): number { return this.n - this.deletedTotal; }

  /** Grows (or first copies, for view-loaded arrays) the arrays to hold `need` nodes. */
  reserve(need: number): void {
    if (need <= this.capacity && this.owned) return;
    const cap = Math.max(need, this.owned ? Math.min(this.capacity * 2, need + (1 << 20)) : need, 16);
    if (this.norms) { const b = new Float32Array(cap); b.set(this.norms.subarray(0, this.n)); this.norms = b; }
    if (this.relayout(cap, this.stride)) { this.owned = true; return; }
    const grow = <T extends Float32Array | Int32Array | Uint8Array>(a: T, per: number): T => {
      const b = new (a.constructor as { new(n: number): T })(cap * per);
      b.set(a.subarray(0, this.n * per) as never);
      return b;
    };
    this.vectors = grow(this.vectors, this.dim);
    this.adj = grow(this.adj, this.stride);
    this.degree = grow(this.degree, 1);
    this.flags = grow(this.flags, 1);
    if (this.aug) this.aug = grow(this.aug, 1);
    this.owned = true;
  }

  /**
   * With the WebAssembly kernel: lays the WebAssembly memory out for (cap, S), keeping the
   * graph, and takes the new views. The first call (a new or a loaded graph) creates the
   * memory. false when the kernel is off (setWasmMode('off'), KNNKIT_WASM=off, no SIMD): the
   * caller then allocates ordinary typed arrays.
   */
  private relayout(cap: number, S: number): boolean {
    if (!this.store) {
      if (!this.wantWasm) return false;
      const shared = this.shared && sharedMemoryWorks() && vamanaModule(true) !== null;
      const mod = vamanaModule(shared);
      if (!mod) { this.wantWasm = false; return false; }
      this.store = new WasmStore(mod, this.dim, this.space === 'ip', shared);
    }
    const st = this.store, first = st.cap === 0;
    // neighbour staging: a slot's width during a build (1.3 R) with room to spare
    st.layout(cap, S, first ? 256 : st.lcap, 2 * this.R + 2, this, this.n, this.stride);
    this.takeViews();
    this.stride = S;
    return true;
  }

  private takeViews(): void {
    const a = this.store!.arrays();
    this.vectors = a.vectors; this.adj = a.adj; this.degree = a.degree; this.flags = a.flags;
    if (this.aug) this.aug = a.aug;
  }

  /** Kernel scratch for lists of L (the graph's views are renewed when the memory moved). */
  fitList(L: number): void {
    if (this.store && this.store.fitList(L, this, this.n)) this.takeViews();
  }

  /** Makes the arrays writable (copies of loaded views) before a mutation. */
  own(): void { if (!this.owned) this.reserve(this.n); }

  /**
   * Stores rows [0, rows) of `src` at nodes n, n+1, ... (no edges yet). Inner product: when a
   * row's norm exceeds M, M grows and every augmentation is recomputed, so ranking by the
   * augmented L2 stays exactly ranking by inner product.
   */
  append(src: Float32Array, rows: number): void {
    const d = this.dim, n0 = this.n;
    this.reserve(n0 + rows);
    this.vectors.set(src.subarray(0, rows * d), n0 * d);
    this.degree.fill(0, n0, n0 + rows);
    this.flags.fill(LIVE, n0, n0 + rows);
    if (this.norms) {
      for (let v = n0; v < n0 + rows; v++) {
        const nr = Math.sqrt(normSq(this.vectors, v * d, d));
        this.norms[v] = nr;
        if (nr > 0) for (let j = v * d; j < (v + 1) * d; j++) this.vectors[j] /= nr;
      }
    }
    this.n = n0 + rows;
    if (this.aug) {
      let m = this.maxNorm;
      for (let v = n0; v < this.n; v++) m = Math.max(m, Math.sqrt(normSq(this.vectors, v * d, d)));
      // float32 storage of the augmentation: recompute all when M grows, else only the new rows
      const from = m > this.maxNorm ? 0 : n0;
      this.maxNorm = m;
      for (let v = from; v < this.n; v++) this.aug[v] = Math.sqrt(Math.max(0, m * m - normSq(this.vectors, v * d, d)));
    }
  }

  /**
   * Re-lays `adj` with slots of width S (degrees <= S kept). A build widens to ceil(1.3 R)
   * so that back edges append without a prune until a node holds 1.3 R edges (DiskANN's
   * GRAPH_SLACK_FACTOR: without it nearly every back edge re-prunes a full node, the build's
   * main cost), then prunes the nodes above R and narrows back to R.
   */
  restride(S: number): void {
    if (S === this.stride) return;
    if (this.store) { this.relayout(this.capacity, S); return; }
    const cap = this.capacity, old = this.adj, os = this.stride;
    const adj = new Int32Array(cap * S);
    for (let v = 0; v < this.n; v++) {
      const deg = Math.min(this.degree[v], S);
      adj.set(old.subarray(v * os, v * os + deg), v * S);
    }
    this.adj = adj;
    this.stride = S;
  }

  /** Node-to-node distance of the graph space (squared L2, augmented for inner product). */
  dist(a: number, b: number): number {
    const d = this.dim;
    const s = sqL2(this.vectors, a * d, this.vectors, b * d, d);
    if (this.aug === null) return s;
    const t = this.aug[a] - this.aug[b];
    return s + t * t;
  }

  /**
   * dist(a, b) when it is <= bound; otherwise some value > bound (the sum abandoned early):
   * RobustPrune's cover test only needs the exact value below its bound.
   */
  distUpTo(a: number, b: number, bound: number): number {
    const d = this.dim;
    if (this.aug === null) return sqL2Within(this.vectors, a * d, this.vectors, b * d, d, bound);
    const t = this.aug[a] - this.aug[b], t2 = t * t;
    return t2 > bound ? t2 : t2 + sqL2Within(this.vectors, a * d, this.vectors, b * d, d, bound - t2);
  }

  /** Whether dist(a, b) <= bound, abandoning the sum early when it is not (RobustPrune's test). */
  within(a: number, b: number, bound: number): boolean {
    const d = this.dim;
    if (this.aug === null) return sqL2Within(this.vectors, a * d, this.vectors, b * d, d, bound) <= bound;
    const t = this.aug[a] - this.aug[b], rest = bound - t * t;
    return rest >= 0 && sqL2Within(this.vectors, a * d, this.vectors, b * d, d, rest) <= rest;
  }

  /** The point closest to the centroid of the live points (DiskANN's entry point). */
  computeMedoid(): number {
    const d = this.dim, c = new Float64Array(d);
    let cnt = 0;
    for (let v = 0; v < this.n; v++) {
      if (this.flags[v] !== LIVE) continue;
      cnt++;
      for (let j = 0; j < d; j++) c[j] += this.vectors[v * d + j];
    }
    if (cnt === 0) return -1;
    const cf = new Float32Array(d);
    for (let j = 0; j < d; j++) cf[j] = c[j] / cnt;
    let best = -1, bd = Infinity;
    for (let v = 0; v < this.n; v++) {
      if (this.flags[v] !== LIVE) continue;
      const s = sqL2(cf, 0, this.vectors, v * d, d);
      if (s < bd) { bd = s; best = v; }
    }
    return best;
  }

  bytes(): number {
    if (this.store) return this.store.bytes() + (this.norms?.byteLength ?? 0);
    return this.vectors.byteLength + this.adj.byteLength + this.degree.byteLength + this.flags.byteLength
      + (this.norms?.byteLength ?? 0) + (this.aug?.byteLength ?? 0);
  }

  state(): Record<string, unknown> {
    return { n: this.n, R: this.R, space: this.space, medoid: this.medoid, maxNorm: this.maxNorm, pendingDeletes: this.pendingDeletes, deletedTotal: this.deletedTotal };
  }

  sections(): Section[] {
    const n = this.n;
    const s: Section[] = [
      { name: 'vamana.vectors', data: this.vectors.subarray(0, n * this.dim), type: 'f32' },
      { name: 'vamana.adj', data: this.adj.subarray(0, n * this.R), type: 'i32' },
      { name: 'vamana.degree', data: this.degree.subarray(0, n), type: 'i32' },
      { name: 'vamana.flags', data: this.flags.subarray(0, n), type: 'u8' },
    ];
    if (this.norms) s.push({ name: 'vamana.norms', data: this.norms.subarray(0, n), type: 'f32' });
    if (this.aug) s.push({ name: 'vamana.aug', data: this.aug.subarray(0, n), type: 'f32' });
    return s;
  }

  /** The graph from an envelope; `view` keeps the envelope's bytes as its arrays (no copy). */
  static load(env: Envelope, dim: number, view: boolean): VamanaGraph {
    const st = env.header.state.core as { n: number; R: number; space: Space; medoid: number; maxNorm: number; pendingDeletes: number; deletedTotal: number };
    const bad = (why: string) => new KnnkitError('index', `index: the saved vamana graph is inconsistent: ${why}`);
    const { n, R } = st;
    if (!(Number.isInteger(n) && n >= 0 && Number.isInteger(R) && R >= 1)) throw bad(`n = ${n}, R = ${R}`);
    // a view keeps the envelope's bytes; otherwise they are copied (into the kernel's memory below)
    const g = new VamanaGraph(dim, R, st.space, 0, false);
    const copy = !view;
    g.vectors = env.typed('vamana.vectors', Float32Array, copy);
    g.adj = env.typed('vamana.adj', Int32Array, copy);
    g.degree = env.typed('vamana.degree', Int32Array, copy);
    g.flags = env.typed('vamana.flags', Uint8Array, copy);
    if (st.space === 'cosine') g.norms = env.typed('vamana.norms', Float32Array, copy);
    if (st.space === 'ip') g.aug = env.typed('vamana.aug', Float32Array, copy);
    if (g.vectors.length !== n * dim || g.adj.length !== n * R || g.degree.length !== n || g.flags.length !== n
      || (g.norms && g.norms.length !== n) || (g.aug && g.aug.length !== n)) throw bad('section sizes do not match n, R and dim');
    // structural check: a corrupt edge would index outside the arrays during a walk
    for (let v = 0; v < n; v++) {
      const deg = g.degree[v];
      if (deg < 0 || deg > R) throw bad(`node ${v} has degree ${deg} (R = ${R})`);
      for (let j = 0; j < deg; j++) { const u = g.adj[v * R + j]; if (u < 0 || u >= n) throw bad(`node ${v} links to ${u}`); }
    }
    if (!(st.medoid >= -1 && st.medoid < n) || (n > 0 && st.medoid < 0 && st.deletedTotal < n)) throw bad(`medoid ${st.medoid}`);
    g.n = n; g.medoid = st.medoid; g.maxNorm = st.maxNorm; g.pendingDeletes = st.pendingDeletes; g.deletedTotal = st.deletedTotal;
    g.owned = !view;
    g.wantWasm = true;
    if (!view) g.relayout(Math.max(n, 16), R);
    return g;
  }
}
