import type { Rng } from '../../core/rng.js';
import { MIN_PARALLEL_POINTS, canBuildInParallel, passesParallel } from './build-parallel.js';
import { LIVE, type VamanaGraph } from './graph.js';
import type { Pruner } from './prune.js';
import type { Walker } from './search.js';

/** DiskANN's GRAPH_SLACK_FACTOR: slots of 1.3 R during the build (see VamanaGraph.restride). */
const SLACK = 1.3;

/** The build's knobs (the paper's symbols). */
export interface BuildParams {
  /** Maximum out-degree R. */
  R: number;
  /** List size L of the build's GreedySearch. */
  L: number;
  /** α of the second pass (and of later inserts and consolidation). */
  alpha: number;
  /**
   * Threads of the build's passes (the calling thread and threads - 1 workers of the shared
   * pool, ./build-parallel.ts); 1 (or a graph on private memory, or fewer than
   * MIN_PARALLEL_POINTS nodes) builds serially, the same graph for the same seed.
   */
  threads?: number;
}

/**
 * DiskANN's start graph: every node gets R distinct random out-neighbours (all others when
 * n <= R), so the first pass starts from a connected expander rather than from nothing.
 */
export function randomRegular(g: VamanaGraph, rng: Rng): void {
  const n = g.n, R = g.R, S = g.stride, k = Math.min(R, n - 1);
  for (let v = 0; v < n; v++) {
    const base = v * S;
    if (k === n - 1) {
      let t = 0;
      for (let u = 0; u < n; u++) if (u !== v) g.adj[base + t++] = u;
    } else {
      let t = 0;
      while (t < k) {
        const u = rng.int(n);
        if (u === v) continue;
        let dup = false;
        for (let j = 0; j < t; j++) if (g.adj[base + j] === u) { dup = true; break; }
        if (!dup) g.adj[base + t++] = u;
      }
    }
    g.degree[v] = k;
  }
}

/**
 * One step of Algorithm 3 for node p: 𝒱 ← GreedySearch(s, x_p, L); N_out(p) ← RobustPrune(p,
 * 𝒱 ∪ N_out(p), α, R); then for each j ∈ N_out(p) add the back edge j → p, pruning j with α when
 * that overflows the slot (R, or the build's slack 1.3 R). The same step is FreshDiskANN's insert of a new point.
 */
export function insertNode(g: VamanaGraph, s: Walker, pr: Pruner, p: number, L: number, alpha: number): void {
  // the kernel runs the same steps in one call (assembly/vamana.ts insertNode)
  if (s.insertNode) { s.insertNode(p, L, alpha); return; }
  const d = g.dim, S = g.stride;
  s.q.set(g.vectors.subarray(p * d, (p + 1) * d));
  s.qAug = g.aug ? g.aug[p] : 0;
  s.search(g.medoid, L, true);
  pr.begin(p);
  for (let i = 0; i < s.vCount; i++) pr.add(s.vIds[i], s.vD[i]);
  const base = p * S;
  for (let j = 0; j < g.degree[p]; j++) pr.addNode(p, g.adj[base + j]);
  const deg = pr.commit(p, alpha);
  for (let t = 0; t < deg; t++) {
    const j = g.adj[base + t], jb = j * S, dj = g.degree[j];
    let has = false;
    for (let i = 0; i < dj; i++) if (g.adj[jb + i] === p) { has = true; break; }
    if (has) continue;
    if (dj < S) { g.adj[jb + dj] = p; g.degree[j] = dj + 1; continue; }
    pr.begin(j);
    for (let i = 0; i < dj; i++) pr.addNode(j, g.adj[jb + i]);
    pr.addNode(j, p);
    pr.commit(j, alpha);
  }
}

/**
 * The Vamana build (Algorithm 3) over every node of g: random R-regular start, entry point s =
 * the medoid, then two passes over the nodes in random order, the first with α = 1 (a sparse,
 * short-edged graph), the second with the user's α (adds the long edges that bound the number
 * of hops). With threads > 1 each pass's inserts are spread over worker threads, the passes
 * separated by a barrier; the final prune to R stays on the calling thread.
 */
export function buildVamana(g: VamanaGraph, s: Walker, pr: Pruner, p: BuildParams, rng: Rng, onProgress?: (x: { phase: string; done: number; total: number }) => void): void {
  const n = g.n;
  g.medoid = g.computeMedoid();
  if (n <= 1) return;
  g.restride(Math.ceil(SLACK * g.R));
  randomRegular(g, rng);
  const alphas = [1, p.alpha];
  const threads = p.threads ?? 1;
  if (threads > 1 && n >= MIN_PARALLEL_POINTS && canBuildInParallel(g)) {
    // both orders drawn first (the serial build's draws, in the same order), live nodes only
    const orders = alphas.map(() => {
      const perm = rng.permutation(n), order = new Int32Array(n);
      let m = 0;
      for (const v of perm) if (g.flags[v] === LIVE) order[m++] = v;
      return order.subarray(0, m);
    });
    passesParallel(g, orders, p.L, alphas, threads, (pass, done) => onProgress?.({ phase: `vamana pass ${pass + 1}`, done, total: n }));
  } else {
    for (let pass = 0; pass < 2; pass++) {
      const perm = rng.permutation(n);
      for (let i = 0; i < n; i++) {
        if (g.flags[perm[i]] !== LIVE) continue;
        insertNode(g, s, pr, perm[i], p.L, alphas[pass]);
        if (onProgress && (i & 1023) === 1023) onProgress({ phase: `vamana pass ${pass + 1}`, done: i + 1, total: n });
      }
    }
  }
  // the slack let degrees reach 1.3 R: prune those nodes to R, then narrow the slots to R
  const S = g.stride;
  for (let v = 0; v < n; v++) {
    if (g.degree[v] <= g.R) continue;
    pr.begin(v);
    for (let j = 0; j < g.degree[v]; j++) pr.addNode(v, g.adj[v * S + j]);
    pr.commit(v, p.alpha);
  }
  g.restride(g.R);
  onProgress?.({ phase: 'vamana pass 2', done: n, total: n });
}
