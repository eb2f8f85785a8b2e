// Worker-side half of the parallel rp-forest build (a WorkerPool task module, see src/parallel):
// one call builds a range of trees over the shared points and returns the range's flat arrays,
// transferred (moved to the calling thread, not copied).
import { transferring } from '../../parallel/transfer.js';
import { BitRows } from './bit-rows.js';
import { buildTrees, type ForestArrays, type SplitKind } from './build.js';
import { buildHammingTrees } from './hamming-build.js';

/**
 * Trees t0 .. t1-1. Hyperplane kinds: `points` holds the n split points (D columns, see
 * splitPoints); "hamming": `points` holds the n bit-packed rows of dimension `dim` (BitRows layout).
 * Both on SharedArrayBuffers, seen by every worker without a copy.
 */
export interface TreeRangeTask {
  kind: SplitKind;
  points: Float32Array | Int32Array;
  n: number;
  /** Columns of the float points (D), or the bit dimension for "hamming". */
  dim: number;
  t0: number; t1: number;
  leafSize: number; seed: number;
}

export function buildTreeRange(t: TreeRangeTask): ForestArrays {
  const f = t.kind === 'hamming'
    ? buildHammingTrees(new BitRows(t.dim, t.points as Int32Array, t.n), t.t0, t.t1, t.leafSize, t.seed)
    : buildTrees(t.points as Float32Array, t.n, t.dim, t.kind, t.t0, t.t1, t.leafSize, t.seed);
  // each array owns its buffer (IntGrow / FloatGrow's done() slices), so moving them is safe
  return transferring(f, [f.nodes.buffer, f.splits.buffer, f.items.buffer, f.roots.buffer] as ArrayBuffer[]);
}
