import { DELETED, LIVE, PURGED, type VamanaGraph } from './graph.js';
import type { Pruner } from './prune.js';

/**
 * FreshDiskANN's delete consolidation (Singh et al. 2021, Algorithm 4). Deleted nodes D were
 * only flagged (lazy delete: searches walk through them but never return them). Here every
 * live p with an out-neighbour in D gets
 *   N_out(p) ← RobustPrune(p, (N_out(p) \ D) ∪ ⋃_{v ∈ N_out(p) ∩ D} (N_out(v) \ D), α, R),
 * i.e. the paths that ran through deleted nodes are rerouted around them; then the deleted
 * nodes lose their edges (PURGED: no edge leads to them any more). The entry point moves to
 * the new medoid when it was deleted. Returns the number of nodes purged.
 */
export function consolidate(g: VamanaGraph, pr: Pruner, alpha: number): number {
  if (g.pendingDeletes === 0) return 0;
  const n = g.n, S = g.stride, flags = g.flags, adj = g.adj, degree = g.degree;
  for (let p = 0; p < n; p++) {
    if (flags[p] !== LIVE) continue;
    const base = p * S, deg = degree[p];
    let touched = false;
    for (let j = 0; j < deg; j++) if (flags[adj[base + j]] !== LIVE) { touched = true; break; }
    if (!touched) continue;
    pr.begin(p);
    for (let j = 0; j < deg; j++) {
      const v = adj[base + j];
      if (flags[v] === LIVE) { pr.addNode(p, v); continue; }
      const vb = v * S;
      for (let t = 0; t < degree[v]; t++) { const w = adj[vb + t]; if (flags[w] === LIVE) pr.addNode(p, w); }
    }
    pr.commit(p, alpha);
  }
  let purged = 0;
  for (let v = 0; v < n; v++) {
    if (flags[v] !== DELETED) continue;
    flags[v] = PURGED;
    degree[v] = 0;
    purged++;
  }
  g.pendingDeletes = 0;
  if (g.medoid >= 0 && flags[g.medoid] !== LIVE) g.medoid = g.computeMedoid();
  return purged;
}
