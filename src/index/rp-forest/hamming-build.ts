import { Rng } from '../../core/rng.js';
import type { BitRows } from './bit-rows.js';
import { IntGrow, MAX_IMBALANCE, NODE_INTS, RANDOM_IMBALANCE, treeSeed, type ForestArrays } from './build.js';

/** Annoy's Hamming::max_iterations: random bits tried before scanning every bit. */
const MAX_ITERATIONS = 20;

/** A Hamming split node's bit when the sides were randomised: the search ranks both alike. */
export const RANDOM_BIT = -1;

/**
 * nTrees trees over bit-packed rows by Annoy's Hamming split (annoylib.h, Hamming::create_split):
 * a node tests one coordinate j (items with bit j set go right), drawn at random up to 20 times
 * until both sides are non-empty, else the first such j in order. Nodes hold their bit in the
 * split field ([-1, left, right, j]); there are no hyperplanes (`splits` is empty). The imbalance
 * rule is _make_tree's, as for the hyperplane kinds (redraw above 95%, the third draw kept up to
 * 99%, then random halves under RANDOM_BIT). Default leaf size: Annoy's K for Hamming nodes,
 * 2 ceil(d / 64) + 3.
 */
export function buildHammingForest(rows: BitRows, nTrees: number, leafSize: number, seed: number): ForestArrays {
  return buildHammingTrees(rows, 0, nTrees, leafSize, seed);
}

/** Trees t0 .. t1-1, tree t drawn from treeSeed(seed, t), as buildTrees (./build.ts) for the hyperplane kinds. */
export function buildHammingTrees(rows: BitRows, t0: number, t1: number, leafSize: number, seed: number): ForestArrays {
  const n = rows.rows, d = rows.dim;
  let rng = new Rng(0);
  const nodes = new IntGrow(), items = new IntGrow(), roots = new Int32Array(t1 - t0);

  const countSet = (idx: Int32Array, j: number): number => {
    let c = 0;
    for (let a = 0; a < idx.length; a++) c += rows.bit(idx[a], j);
    return c;
  };
  /** Hamming::create_split: a bit that splits idx non-trivially, or the last one tried. */
  const pickBit = (idx: Int32Array): number => {
    const m = idx.length;
    let j = 0;
    for (let it = 0; it < MAX_ITERATIONS; it++) {
      j = rng.int(d);
      const c = countSet(idx, j);
      if (c > 0 && c < m) return j;
    }
    for (let b = 0; b < d; b++) { const c = countSet(idx, b); if (c > 0 && c < m) return b; }
    return j;
  };

  const make = (idx: Int32Array): number => {
    if (idx.length <= leafSize) return nodes.push4(idx.length, items.pushAll(idx), 0, 0) / NODE_INTS;
    let bit = RANDOM_BIT, left: Int32Array | null = null, right: Int32Array | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const j = pickBit(idx), nr = countSet(idx, j);
      const imbalance = Math.max(nr, idx.length - nr) / idx.length;
      if (imbalance <= MAX_IMBALANCE || (attempt === 2 && imbalance <= RANDOM_IMBALANCE)) {
        right = new Int32Array(nr); left = new Int32Array(idx.length - nr);
        let r = 0, l = 0;
        for (let a = 0; a < idx.length; a++) if (rows.bit(idx[a], j)) right[r++] = idx[a]; else left[l++] = idx[a];
        bit = j;
        break;
      }
    }
    if (!left || !right) {
      // no bit splits it (duplicates, or one bit isolates a handful): random halves, as Annoy
      const perm = rng.shuffle(idx.slice());
      const half = perm.length >> 1;
      left = perm.subarray(0, half); right = perm.subarray(half);
    }
    const at = nodes.push4(-1, 0, 0, bit);
    const l = make(left), r = make(right);
    nodes.a[at + 1] = l; nodes.a[at + 2] = r;
    return at / NODE_INTS;
  };

  for (let t = t0; t < t1; t++) {
    rng = new Rng(treeSeed(seed, t));
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    roots[t - t0] = make(all);
  }
  return { nodes: nodes.done(), splits: new Float32Array(0), items: items.done(), roots };
}
