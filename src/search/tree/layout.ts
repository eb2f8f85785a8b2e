import { nthElement } from './select.js';

/**
 * The flat layout shared by KDTree and BallTree, as scikit-learn's BinaryTree lays it out:
 * a complete binary tree in heap order (node i has children 2i+1 and 2i+2), no per-node
 * objects. Node i owns the slice [nodeStart[i], nodeEnd[i]) of `perm` (tree position ->
 * original row); `points` holds the rows copied in tree order so a leaf scan reads memory
 * sequentially. Every internal node splits its slice at the middle position after a partial
 * sort along the dimension of largest spread (a median split), so the tree is balanced and its
 * shape depends only on n and leafSize:
 *   nLevels = 1 + floor(log2(max(1, (n - 1) / leafSize)))   (scikit-learn's formula)
 *   nNodes  = 2^nLevels - 1, leaves are nodes >= 2^(nLevels-1) - 1,
 * and every leaf holds between leafSize/2 and 2 leafSize points (fewer only when n is small).
 */
export interface TreeLayout {
  readonly nLevels: number;
  readonly nNodes: number;
  /** First leaf node id: nodes >= firstLeaf are leaves. */
  readonly firstLeaf: number;
  readonly perm: Int32Array;
  readonly nodeStart: Int32Array;
  readonly nodeEnd: Int32Array;
  /** Rows in tree order (n x d, row-major), float32 values exactly as given. */
  readonly points: Float32Array;
  /** Per-node bounding box, nNodes x d each (exact float32 values of the data, as doubles). */
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Internal node i split its points on axis splitDim[i] at value splitValue[i] (left <= it <= right). */
  readonly splitDim: Int32Array;
  readonly splitValue: Float64Array;
}

export function treeLevels(n: number, leafSize: number): number {
  return 1 + Math.floor(Math.log2(Math.max(1, (n - 1) / leafSize)));
}

export function buildLayout(data: Float32Array, n: number, d: number, leafSize: number): TreeLayout {
  const nLevels = treeLevels(n, leafSize);
  const nNodes = 2 ** nLevels - 1;
  const firstLeaf = 2 ** (nLevels - 1) - 1;
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const nodeStart = new Int32Array(nNodes);
  const nodeEnd = new Int32Array(nNodes);
  const lower = new Float64Array(nNodes * d);
  const upper = new Float64Array(nNodes * d);
  const keys = new Float64Array(n);
  const splitDim = new Int32Array(firstLeaf), splitValue = new Float64Array(firstLeaf);
  nodeEnd[0] = n;
  // Heap order visits parents before children, so one pass over node ids builds the tree.
  for (let node = 0; node < nNodes; node++) {
    const s = nodeStart[node], e = nodeEnd[node], b = node * d;
    for (let j = 0; j < d; j++) { lower[b + j] = Infinity; upper[b + j] = -Infinity; }
    for (let t = s; t < e; t++) {
      const o = perm[t] * d;
      for (let j = 0; j < d; j++) {
        const v = data[o + j];
        if (v < lower[b + j]) lower[b + j] = v;
        if (v > upper[b + j]) upper[b + j] = v;
      }
    }
    if (node >= firstLeaf) continue;
    let dim = 0, spread = -1;
    for (let j = 0; j < d; j++) {
      const w = upper[b + j] - lower[b + j];
      if (w > spread) { spread = w; dim = j; }
    }
    const mid = s + ((e - s) >> 1);
    for (let t = s; t < e; t++) keys[t] = data[perm[t] * d + dim];
    nthElement(keys, perm, s, e - 1, mid);
    splitDim[node] = dim; splitValue[node] = keys[mid];
    nodeStart[2 * node + 1] = s; nodeEnd[2 * node + 1] = mid;
    nodeStart[2 * node + 2] = mid; nodeEnd[2 * node + 2] = e;
  }
  const points = new Float32Array(n * d);
  for (let t = 0; t < n; t++) points.set(data.subarray(perm[t] * d, perm[t] * d + d), t * d);
  return { nLevels, nNodes, firstLeaf, perm, nodeStart, nodeEnd, points, lower, upper, splitDim, splitValue };
}

/** Bytes held by the shared arrays (boxes counted only when kept). */
export function layoutBytes(t: TreeLayout, withBoxes: boolean): number {
  return t.perm.byteLength + t.nodeStart.byteLength + t.nodeEnd.byteLength + t.points.byteLength +
    t.splitDim.byteLength + t.splitValue.byteLength + (withBoxes ? t.lower.byteLength + t.upper.byteLength : 0);
}
