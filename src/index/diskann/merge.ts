import type { ProductQuantizer } from '../pq/product-quantizer.js';
import type { PartitionGraph } from './partition-task.js';
import { alphaLevels } from '../vamana/prune.js';

/**
 * The merge of DiskANN's divide and conquer: a node that lies in `overlap` partitions has one
 * out-list from each graph; the merged graph's list is their union, pruned back to R. The union
 * is held as `overlap x R` slots per node of (global id, exact squared distance), filled
 * partition by partition; the vectors are not held (they stay on disk), so the prune's
 * candidate-to-candidate distances come from the PQ codes (symmetric distance tables, `Sdc`).
 */
export class EdgeUnion {
  readonly slots: number;
  readonly ids: Int32Array;
  readonly dist: Float32Array;
  readonly count: Uint16Array;

  constructor(readonly n: number, readonly R: number, overlap: number) {
    this.slots = overlap * R;
    this.ids = new Int32Array(n * this.slots);
    this.dist = new Float32Array(n * this.slots);
    this.count = new Uint16Array(n);
  }

  /** Adds one partition's graph (node i = members[i]); duplicate edges are kept once. */
  add(members: Int32Array, pg: PartitionGraph): void {
    const R = this.R, S = this.slots;
    for (let i = 0; i < members.length; i++) {
      const v = members[i], base = v * S;
      for (let j = 0; j < pg.degree[i]; j++) {
        const u = pg.adj[i * R + j];
        let c = this.count[v], dup = false;
        for (let t = 0; t < c; t++) if (this.ids[base + t] === u) { dup = true; break; }
        if (dup || c >= S) continue;
        this.ids[base + c] = u; this.dist[base + c] = pg.dist[i * R + j];
        this.count[v] = ++c;
      }
    }
  }

  bytes(): number { return this.ids.byteLength + this.dist.byteLength + this.count.byteLength; }
}

/**
 * PQ symmetric distance computation (Jegou et al. 2011, §3.2): tables of the squared distances
 * between the centroids of each sub-space, so the distance of two coded points is m look-ups.
 */
export class Sdc {
  private readonly table: Float32Array;
  private readonly ksub: number;

  constructor(private readonly pq: ProductQuantizer, private readonly codes: Uint8Array) {
    const { m, ksub, dsub, centroids: C } = pq;
    this.ksub = ksub;
    this.table = new Float32Array(m * ksub * ksub);
    for (let j = 0; j < m; j++) {
      for (let a = 0; a < ksub; a++) {
        for (let b = 0; b < ksub; b++) {
          let s = 0;
          const oa = (j * ksub + a) * dsub, ob = (j * ksub + b) * dsub;
          for (let t = 0; t < dsub; t++) { const x = C[oa + t] - C[ob + t]; s += x * x; }
          this.table[(j * ksub + a) * ksub + b] = s;
        }
      }
    }
  }

  dist(u: number, v: number): number {
    const m = this.pq.m, K = this.ksub, c = this.codes, T = this.table;
    let s = 0;
    for (let j = 0, ou = u * m, ov = v * m; j < m; j++) s += T[(j * K + c[ou + j]) * K + c[ov + j]];
    return s;
  }
}

/**
 * RobustPrune (DiskANN Algorithm 2) of node v's union list into out (at most R ids, closest
 * first): candidates in order of their exact distance to v; p' is covered by a kept p* when
 * c² · d²(p*, p') <= d²(v, p') for the levels c = 1, 1.2, ... α (alphaLevels), both sides
 * estimated by SDC so the test compares like with like.
 * A union of at most R edges is kept whole. Returns the degree.
 */
const TAKEN = 255;

export function pruneUnion(u: EdgeUnion, v: number, alpha: number, sdc: Sdc, out: Int32Array, oo: number, scratch: { order: Int32Array; dead: Uint8Array; dv: Float64Array }): number {
  const S = u.slots, base = v * S, c = u.count[v], R = u.R;
  const { order, dead, dv } = scratch;
  for (let i = 0; i < c; i++) order[i] = i;
  const ord = order.subarray(0, c).sort((a, b) => u.dist[base + a] - u.dist[base + b]);
  if (c <= R) {
    for (let i = 0; i < c; i++) out[oo + i] = u.ids[base + ord[i]];
    return c;
  }
  for (let i = 0; i < c; i++) { dead[i] = 0; dv[i] = sdc.dist(v, u.ids[base + ord[i]]); }
  // α in levels 1, 1.2, ... α, as the in-memory build (src/index/vamana/prune.ts says why);
  // dead[j] counts the levels that cover candidate j (TAKEN once kept)
  const lv = alphaLevels(alpha), nl = lv.length;
  let deg = 0;
  for (let t = 0; t < nl && deg < R; t++) {
    for (let i = 0; i < c && deg < R; i++) {
      if (dead[i] > t) continue;
      dead[i] = TAKEN;
      const star = u.ids[base + ord[i]];
      out[oo + deg++] = star;
      for (let j = 0; j < c; j++) {
        let k = dead[j];
        if (k >= nl) continue;
        const d = sdc.dist(star, u.ids[base + ord[j]]);
        while (k < nl && lv[k] * d <= dv[j]) k++;
        dead[j] = k;
      }
    }
  }
  // fewer than R survived the coverage test: fill with the closest pruned ones (DiskANN's
  // saturate_graph option), as the union held more than R good edges
  for (let i = 0; i < c && deg < R; i++) if (dead[i] !== TAKEN) out[oo + deg++] = u.ids[base + ord[i]];
  return deg;
}

/**
 * Prunes every node's union list to at most R in place (count[v] = the new degree, the list
 * closest first): the merged graph, held in the union's memory.
 */
export function pruneAll(u: EdgeUnion, alpha: number, sdc: Sdc): void {
  const S = u.slots, out = new Int32Array(u.R);
  const scratch = { order: new Int32Array(S), dead: new Uint8Array(S), dv: new Float64Array(S) };
  for (let v = 0; v < u.n; v++) {
    const deg = pruneUnion(u, v, alpha, sdc, out, 0, scratch);
    u.ids.set(out.subarray(0, deg), v * S);
    u.count[v] = deg;
  }
}

/**
 * Makes every node reachable from the entry point. Separately built graphs, merged and pruned,
 * can leave a node whose in-edges were all pruned away (a point nobody's walk can reach is
 * never returned). Breadth-first from `entry`; each unreached node v gets an in-edge from the
 * first reached node among its own out-neighbours (appended, or replacing that node's longest
 * edge when it is full), and the search resumes from v. Repeats while a round connects nodes
 * (a replaced edge may strand its old target). Returns the in-edges added.
 */
export function connectAll(u: EdgeUnion, entry: number, maxRounds = 8): number {
  const n = u.n, S = u.slots, R = u.R;
  const seen = new Uint8Array(n), stack = new Int32Array(n);
  let added = 0;
  for (let round = 0; round < maxRounds; round++) {
    seen.fill(0);
    let top = 0;
    const reach = (s: number) => {
      seen[s] = 1; stack[top++] = s;
      while (top > 0) {
        const x = stack[--top], b = x * S;
        for (let j = 0; j < u.count[x]; j++) { const y = u.ids[b + j]; if (!seen[y]) { seen[y] = 1; stack[top++] = y; } }
      }
    };
    reach(entry);
    let fixed = 0, stranded = 0;
    for (let v = 0; v < n; v++) {
      if (seen[v]) continue;
      let from = -1;
      for (let j = 0; j < u.count[v]; j++) { const w = u.ids[v * S + j]; if (seen[w]) { from = w; break; } }
      if (from < 0) { stranded++; continue; }
      const c = u.count[from];
      if (c < R) { u.ids[from * S + c] = v; u.count[from] = c + 1; } else u.ids[from * S + R - 1] = v;
      fixed++;
      reach(v);
    }
    added += fixed;
    if (fixed === 0 && stranded === 0) break;
    if (fixed === 0) {
      // nodes none of whose out-neighbours is reached: link the entry point's list to one, next round continues from it
      for (let v = 0; v < n; v++) if (!seen[v]) { const c = u.count[entry]; if (c < R) { u.ids[entry * S + c] = v; u.count[entry] = c + 1; } else u.ids[entry * S + R - 1] = v; added++; break; }
    }
  }
  return added;
}
