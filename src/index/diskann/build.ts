import { denseMatrix } from '../../core/matrix.js';
import { Rng } from '../../core/rng.js';
import { ProductQuantizer } from '../pq/product-quantizer.js';
import { buildVamana } from '../vamana/build.js';
import { VamanaGraph } from '../vamana/graph.js';
import { Pruner } from '../vamana/prune.js';
import { GreedySearcher } from '../vamana/search.js';
import { planRam, type RamPlan } from './budget.js';
import { SectorLayout, writeSectors } from './layout.js';
import { MemorySectors, type SectorSource } from './sectors.js';

/** Build options of the family (validated by the descriptor). */
export interface DiskannOptions {
  R: number;
  L: number;
  alpha: number;
  seed: number;
  pqIter: number;
  /** Bytes per PQ code; undefined = from the budget. */
  pqBytes?: number;
  /** Nodes to cache; undefined = what the budget leaves. */
  cacheNodes?: number;
  /** RAM budget in bytes for codes + cache (0 = none). */
  ramBudget: number;
}

/** A disk index's data: what stays in RAM (codes, codebooks, norms) and where the sectors are. */
export interface DiskState {
  n: number;
  R: number;
  medoid: number;
  cosine: boolean;
  pq: ProductQuantizer;
  codes: Uint8Array;
  /** Cosine: the rows' norms (the sectors hold unit vectors); null otherwise. */
  norms: Float32Array | null;
  layout: SectorLayout;
  source: SectorSource;
  cacheNodes: number;
}

/**
 * DiskANN's build (§3.3, in-memory variant: the whole graph fits the build's memory): the
 * Vamana graph (../vamana: random R-regular start, passes with α = 1 then α), PQ codes of every
 * node (m bytes, ../pq's product quantiser), then the sector image: each node's full vector
 * and adjacency list together (./layout.ts). The graph is dropped afterwards; the served index
 * keeps the codes, the codebooks and the cache.
 */
export function buildDisk(rows: Float32Array, n: number, d: number, cosine: boolean, o: DiskannOptions, onProgress?: (p: { phase: string; done: number; total: number }) => void): { state: DiskState; plan: RamPlan } {
  planRam(n, d, o.R, cosine, o); // refuse a budget too small before the long build
  const g = new VamanaGraph(d, o.R, cosine ? 'cosine' : 'l2', n);
  g.append(rows, n);
  buildVamana(g, new GreedySearcher(g, o.L), new Pruner(g), { R: o.R, L: o.L, alpha: o.alpha }, new Rng(o.seed), onProgress);
  return diskFromGraph(g, o, onProgress);
}

/**
 * The disk state of a built Vamana graph (all nodes live, labels = nodes): PQ codes, then the
 * sector image. Also how an in-memory `vamana` index becomes a `diskann` one (./from-vamana.ts).
 */
export function diskFromGraph(g: VamanaGraph, o: DiskannOptions, onProgress?: (p: { phase: string; done: number; total: number }) => void): { state: DiskState; plan: RamPlan } {
  const n = g.n, d = g.dim, cosine = g.space === 'cosine';
  const plan = planRam(n, d, g.R, cosine, o);
  onProgress?.({ phase: 'diskann pq', done: 0, total: n });
  // the codes live in the graph's space (unit vectors for cosine), as the walk's query does
  const X = denseMatrix(g.vectors.subarray(0, n * d), n, d);
  const pq = ProductQuantizer.train(X, plan.m, plan.nbits, { niter: o.pqIter, seed: o.seed, maxPointsPerCentroid: 256 });
  const codes = pq.encode(X);
  onProgress?.({ phase: 'diskann sectors', done: 0, total: n });
  const layout = new SectorLayout(n, d, g.R);
  const source = new MemorySectors(writeSectors(g, layout));
  onProgress?.({ phase: 'diskann sectors', done: n, total: n });
  const norms = cosine ? g.norms!.slice(0, n) : null;
  return { state: { n, R: g.R, medoid: g.medoid, cosine, pq, codes, norms, layout, source, cacheNodes: plan.cacheNodes }, plan };
}
