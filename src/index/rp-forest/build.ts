import type { DenseMatrix } from '../../core/matrix.js';
import { Rng } from '../../core/rng.js';

/**
 * How a node splits, by index metric: Annoy's Angular, Euclidean, Manhattan, DotProduct (two-means
 * hyperplanes, this file) and Hamming (one bit per split, over codec "bits": ./hamming-build.ts).
 */
export type SplitKind = 'angular' | 'euclidean' | 'manhattan' | 'dot' | 'hamming';

/**
 * The forest as flat arrays (the persisted sections, searched in place after a view load):
 * - nodes: 4 int32 per node. Leaf: [count >= 0, first item, 0, 0]. Split: [-1, left, right, split].
 * - splits: (d + 1) float32 per split node: the hyperplane normal n and offset c; a point x goes
 *   right when its margin n . x + c > 0 (for "dot" the normal has a (d + 1)-th component on the
 *   augmented coordinate, which is 0 for queries, so queries use n[0..d) only and c = 0).
 * - items: each leaf's labels, contiguous.
 * - roots: the root node of each tree.
 */
export interface ForestArrays {
  nodes: Int32Array;
  splits: Float32Array;
  items: Int32Array;
  roots: Int32Array;
}

export const NODE_INTS = 4;
/** Annoy's two_means iteration count. */
const TWO_MEANS_STEPS = 200;
/**
 * Annoy's _make_tree: a split leaving more than MAX_IMBALANCE on one side is drawn again (3
 * tries); the last draw is kept up to RANDOM_IMBALANCE, beyond which the sides are random.
 */
export const MAX_IMBALANCE = 0.95;
export const RANDOM_IMBALANCE = 0.99;

/** A growing Int32Array (the build appends nodes and leaf items). */
export class IntGrow {
  a = new Int32Array(1024); n = 0;
  push4(x: number, y: number, z: number, w: number): number {
    if (this.n + 4 > this.a.length) this.grow(this.n + 4);
    const at = this.n;
    this.a[at] = x; this.a[at + 1] = y; this.a[at + 2] = z; this.a[at + 3] = w;
    this.n += 4;
    return at;
  }
  pushAll(v: Int32Array): number {
    if (this.n + v.length > this.a.length) this.grow(this.n + v.length);
    const at = this.n;
    this.a.set(v, at);
    this.n += v.length;
    return at;
  }
  private grow(need: number): void { const b = new Int32Array(Math.max(need, this.a.length * 2)); b.set(this.a.subarray(0, this.n)); this.a = b; }
  done(): Int32Array { return this.a.slice(0, this.n); }
}

class FloatGrow {
  a = new Float32Array(1024); n = 0;
  push(v: Float64Array): number {
    if (this.n + v.length > this.a.length) { const b = new Float32Array(Math.max(this.n + v.length, this.a.length * 2)); b.set(this.a.subarray(0, this.n)); this.a = b; }
    const at = this.n;
    for (let i = 0; i < v.length; i++) this.a[at + i] = v[i];
    this.n += v.length;
    return at;
  }
  done(): Float32Array { return this.a.slice(0, this.n); }
}

/**
 * The stream of tree t: a function of (seed, t) only, so tree t is the same whichever build
 * (serial, or any split of the trees across threads) makes it, and the forest of nTrees = t is
 * the first t trees of any larger one. SplitMix32's finaliser over seed and t (the Rng then
 * expands it by SplitMix32 again).
 */
export function treeSeed(seed: number, t: number): number {
  let z = (seed ^ Math.imul(t + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * The points the hyperplane kinds split, row-major with D columns: the rows themselves, or for
 * "dot" the rows augmented by Annoy's extra coordinate (written into `out` when given: the
 * parallel build passes shared memory).
 */
export function splitPoints(data: DenseMatrix, kind: SplitKind, out?: Float32Array): { P: Float32Array; D: number } {
  if (kind !== 'dot') return { P: data.data.subarray(0, data.rows * data.cols), D: data.cols };
  return { P: augment(data, out), D: data.cols + 1 };
}

/**
 * Builds nTrees random-projection trees by Annoy's two-means split (Bernhardsson, annoylib.h):
 * two sampled points seed two centroids, TWO_MEANS_STEPS rounds of weighted 2-means move them
 * (each round a random point joins the nearer centroid, which becomes the running mean), and the
 * node splits on the hyperplane equidistant from the centroids. A split that leaves more than
 * 95% on one side is drawn again (3 tries; the last is kept up to 99%), then sides are assigned
 * at random under a zero normal. Nodes of at most leafSize items become leaves.
 */
export function buildForest(data: DenseMatrix, kind: SplitKind, nTrees: number, leafSize: number, seed: number): ForestArrays {
  // "dot": Annoy's DotProduct reduction of maximum inner product to angular search: each point
  // gains a coordinate sqrt(max|x|^2 - |x|^2), so all points share one norm.
  const { P, D } = splitPoints(data, kind);
  return buildTrees(P, data.rows, D, kind, 0, nTrees, leafSize, seed);
}

/**
 * Trees t0 .. t1-1 over the n points P (D columns; see splitPoints), tree t drawn from
 * treeSeed(seed, t): the arrays hold node, split and item indices local to this range
 * (concatForests rebases ranges into one forest, equal to the one-range build).
 */
export function buildTrees(P: Float32Array, n: number, D: number, kind: SplitKind, t0: number, t1: number, leafSize: number, seed: number): ForestArrays {
  const b = new TreeBuilder(P, n, D, kind, leafSize);
  const roots = new Int32Array(t1 - t0);
  for (let t = t0; t < t1; t++) {
    b.rng = new Rng(treeSeed(seed, t));
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    roots[t - t0] = b.make(all);
  }
  return { nodes: b.nodes.done(), splits: b.splits.done(), items: b.items.done(), roots };
}

/**
 * One range's build state. A class, not closures made per call: V8 keeps one optimised copy of
 * each method across builds, where closures re-created by every call (each tree range, each
 * build of a process) kept deoptimising and ran the build up to 2x slower after the first one.
 */
class TreeBuilder {
  rng = new Rng(0);
  readonly nodes = new IntGrow();
  readonly items = new IntGrow();
  readonly splits = new FloatGrow();
  private readonly normal: Float64Array;
  private readonly p: Float64Array;
  private readonly q: Float64Array;
  private readonly margins: Float64Array;
  private readonly angular: boolean;
  private readonly manhattan: boolean;

  constructor(private readonly P: Float32Array, n: number, private readonly D: number, kind: SplitKind, private readonly leafSize: number) {
    this.normal = new Float64Array(D + 1); this.p = new Float64Array(D); this.q = new Float64Array(D);
    this.margins = new Float64Array(n);
    this.angular = kind === 'angular' || kind === 'dot';
    this.manhattan = kind === 'manhattan';
  }

  /** The split's distance from centroid c to point i: Manhattan, angular (2 - 2 cos) or squared L2. */
  private dist(c: Float64Array, i: number): number {
    const P = this.P, D = this.D, o = i * D;
    let s = 0;
    if (this.manhattan) { for (let j = 0; j < D; j++) s += Math.abs(c[j] - P[o + j]); return s; }
    if (this.angular) {
      let dot = 0, nc = 0, nx = 0;
      for (let j = 0; j < D; j++) { dot += c[j] * P[o + j]; nc += c[j] * c[j]; nx += P[o + j] * P[o + j]; }
      return nc === 0 || nx === 0 ? 2 : 2 - 2 * dot / Math.sqrt(nc * nx);
    }
    for (let j = 0; j < D; j++) { const u = c[j] - P[o + j]; s += u * u; }
    return s;
  }

  private loadPoint(c: Float64Array, i: number): void {
    const P = this.P, D = this.D, o = i * D;
    let nn = 0;
    for (let j = 0; j < D; j++) { c[j] = P[o + j]; nn += c[j] * c[j]; }
    if (this.angular && nn > 0) { const inv = 1 / Math.sqrt(nn); for (let j = 0; j < D; j++) c[j] *= inv; }
  }

  /** Fills normal[0..D] (offset at D) from the two-means centroids of idx. */
  private twoMeans(idx: Int32Array): void {
    const { P, D, p, q, normal, angular, rng } = this;
    const m = idx.length;
    const i = rng.int(m);
    let j = rng.int(m - 1);
    if (j >= i) j++;
    this.loadPoint(p, idx[i]); this.loadPoint(q, idx[j]);
    let ic = 1, jc = 1;
    for (let step = 0; step < TWO_MEANS_STEPS; step++) {
      const kk = idx[rng.int(m)];
      const di = ic * this.dist(p, kk), dj = jc * this.dist(q, kk);
      let norm = 1;
      if (angular) { let s = 0; for (let t = 0; t < D; t++) s += P[kk * D + t] * P[kk * D + t]; norm = s > 0 ? Math.sqrt(s) : 1; }
      if (di < dj) { for (let t = 0; t < D; t++) p[t] = (p[t] * ic + P[kk * D + t] / norm) / (ic + 1); ic++; }
      else if (dj < di) { for (let t = 0; t < D; t++) q[t] = (q[t] * jc + P[kk * D + t] / norm) / (jc + 1); jc++; }
    }
    // n = (p - q) / |p - q|; Euclidean / Manhattan: offset c = -n . (p + q) / 2 (the bisector)
    let nn = 0;
    for (let t = 0; t < D; t++) { normal[t] = p[t] - q[t]; nn += normal[t] * normal[t]; }
    const inv = nn > 0 ? 1 / Math.sqrt(nn) : 0;
    let c = 0;
    for (let t = 0; t < D; t++) { normal[t] *= inv; c -= normal[t] * (p[t] + q[t]) / 2; }
    normal[D] = angular ? 0 : c;
  }

  private margin(i: number): number {
    const P = this.P, D = this.D, normal = this.normal, o = i * D;
    let s = normal[D];
    for (let t = 0; t < D; t++) s += normal[t] * P[o + t];
    return s;
  }

  /** The subtree over idx (pre-order: the node, then its left and right subtrees); its node index. */
  make(idx: Int32Array): number {
    const { nodes, items, margins } = this;
    if (idx.length <= this.leafSize) return nodes.push4(idx.length, items.pushAll(idx), 0, 0) / NODE_INTS;
    let left: Int32Array | null = null, right: Int32Array | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      this.twoMeans(idx);
      let nr = 0;
      for (let a = 0; a < idx.length; a++) {
        let s = this.margin(idx[a]);
        if (s === 0) s = this.rng.random() < 0.5 ? -1 : 1; // Annoy: ties go to a random side
        margins[a] = s;
        if (s > 0) nr++;
      }
      const imbalance = Math.max(nr, idx.length - nr) / idx.length;
      if (imbalance <= MAX_IMBALANCE || (attempt === 2 && imbalance <= RANDOM_IMBALANCE)) {
        right = new Int32Array(nr); left = new Int32Array(idx.length - nr);
        let r = 0, l = 0;
        for (let a = 0; a < idx.length; a++) if (margins[a] > 0) right[r++] = idx[a]; else left[l++] = idx[a];
        break;
      }
    }
    if (!left || !right) {
      // no hyperplane splits it (duplicates, tiny clusters): random halves, as Annoy, with a
      // zero normal (Annoy sets m->v to 0): every margin is 0, so a search ranks both halves
      // alike instead of steering by a hyperplane that did not assign them
      const perm = this.rng.shuffle(idx.slice());
      const half = perm.length >> 1;
      left = perm.subarray(0, half); right = perm.subarray(half);
      this.normal.fill(0);
    }
    const splitAt = this.splits.push(this.normal) / (this.D + 1);
    const at = nodes.push4(-1, 0, 0, splitAt);
    const l = this.make(left), r = this.make(right);
    nodes.a[at + 1] = l; nodes.a[at + 2] = r;
    return at / NODE_INTS;
  }
}

/**
 * One forest from consecutive tree ranges (buildTrees / buildHammingTrees), in range order: each
 * range's child and root indices move by the nodes before it, its leaves' item starts by the
 * items before it and, for the hyperplane kinds (splitStride = D + 1 floats per split), its
 * split indices by the splits before it; hamming nodes hold a bit (splitStride 0), kept as is.
 */
export function concatForests(parts: readonly ForestArrays[], splitStride: number): ForestArrays {
  if (parts.length === 1) return parts[0];
  const total = (f: (a: ForestArrays) => number) => parts.reduce((s, a) => s + f(a), 0);
  const nodes = new Int32Array(total((a) => a.nodes.length)), splits = new Float32Array(total((a) => a.splits.length));
  const items = new Int32Array(total((a) => a.items.length)), roots = new Int32Array(total((a) => a.roots.length));
  let no = 0, so = 0, io = 0, ro = 0;
  for (const a of parts) {
    const nodeBase = no / NODE_INTS, splitBase = splitStride > 0 ? so / splitStride : 0;
    nodes.set(a.nodes, no);
    for (let o = no; o < no + a.nodes.length; o += NODE_INTS) {
      if (nodes[o] >= 0) nodes[o + 1] += io;
      else { nodes[o + 1] += nodeBase; nodes[o + 2] += nodeBase; nodes[o + 3] += splitBase; }
    }
    splits.set(a.splits, so); items.set(a.items, io);
    for (let t = 0; t < a.roots.length; t++) roots[ro + t] = a.roots[t] + nodeBase;
    no += a.nodes.length; so += a.splits.length; io += a.items.length; ro += a.roots.length;
  }
  return { nodes, splits, items, roots };
}

/** Rows with the extra coordinate sqrt(max|x|^2 - |x|^2) (Annoy's DotProduct preprocessing). */
function augment(data: DenseMatrix, out: Float32Array = new Float32Array(data.rows * (data.cols + 1))): Float32Array {
  const n = data.rows, d = data.cols, X = data.data;
  const norms = new Float64Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += X[i * d + j] * X[i * d + j];
    norms[i] = s; if (s > max) max = s;
  }
  for (let i = 0; i < n; i++) {
    out.set(X.subarray(i * d, i * d + d), i * (d + 1));
    out[i * (d + 1) + d] = Math.sqrt(Math.max(0, max - norms[i]));
  }
  return out;
}
