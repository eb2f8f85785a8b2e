import { createIndex } from '../api.js';
import type { ManagedIndex } from '../managed-index.js';
import { sqL2 } from '../vamana/distance.js';
import type { VamanaCore } from '../vamana/core.js';
import type { VamanaGraph } from '../vamana/graph.js';
import { VecsStream } from './vecs-stream.js';

/** One partition's graph in global row numbers: node i = ids[i], its edges closest first with exact squared distances. */
export interface PartitionGraph {
  /** ids.length x R global row numbers (slots past degree[i] unused). */
  adj: Int32Array;
  degree: Int32Array;
  /** Squared L2 distance of each edge (same slots as adj). */
  dist: Float32Array;
}

/**
 * Builds one partition's Vamana graph (a worker-pool task: the partitions of a divide-and-conquer
 * build run on every core). Reads only its own rows from the input file (`ids` ascending), so a
 * worker holds one partition, never the whole input.
 */
export function buildPartition(t: { path: string; ids: Int32Array; R: number; L: number; alpha: number; seed: number }): PartitionGraph {
  const vs = new VecsStream(t.path);
  const n = t.ids.length, d = vs.dim;
  const rows = new Float32Array(n * d);
  try {
    vs.gather(t.ids, rows);
  } finally {
    vs.close();
  }
  // the `vamana` family's own build (its fastest kernel, whatever it is), read back as a graph
  const ix = createIndex('vamana', { kind: 'dense', data: rows, rows: n, cols: d }, { R: t.R, L: t.L, alpha: t.alpha, seed: t.seed }) as ManagedIndex;
  return edgesOf((ix.core as VamanaCore).graph, t.ids);
}

/**
 * A built graph's edges in global row numbers, each list sorted by exact distance (the merge
 * keeps the closest when it prunes the union of two partitions' lists).
 */
export function edgesOf(g: VamanaGraph, ids: Int32Array): PartitionGraph {
  const n = g.n, R = g.R, S = g.stride, d = g.dim;
  const adj = new Int32Array(n * R), dist = new Float32Array(n * R), degree = new Int32Array(n);
  const ord = new Int32Array(R), ds = new Float64Array(R);
  for (let v = 0; v < n; v++) {
    const deg = Math.min(g.degree[v], R);
    for (let j = 0; j < deg; j++) { ord[j] = g.adj[v * S + j]; ds[j] = sqL2(g.vectors, v * d, g.vectors, ord[j] * d, d); }
    const idx = Array.from({ length: deg }, (_, j) => j).sort((a, b) => ds[a] - ds[b]);
    for (let j = 0; j < deg; j++) { adj[v * R + j] = ids[ord[idx[j]]]; dist[v * R + j] = ds[idx[j]]; }
    degree[v] = deg;
  }
  return { adj, degree, dist };
}
