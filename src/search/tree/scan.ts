/** What a scan needs of the candidate list: TopK (a heap) or SortedTopK (small k). */
export interface NeighborHeap { push(d: number, i: number): void; worst(): number }
import type { Metric } from '../../metrics/types.js';
import { sqL2, manhattan, chebyshev } from '../../metrics/minkowski.js';

/**
 * Leaf scans shared by KDTree and BallTree. The exactness contract (src/metrics/types.ts) says
 * candidates are ranked by `metric.reduced` computed as a sequential float64 sum over the float32
 * inputs; for the three kernels whose formula is known (squared L2, L1, L-infinity) the scan
 * inlines exactly that arithmetic, in the same order, so every value is bit-identical to the
 * kernel's; any other metric is called through `metric.reduced` itself.
 *
 * Each scan returns the heap's new k-th best reduced distance ("worst"). A point enters only when
 * its reduced distance is <= worst; the heap's push then applies the tie rule (equal distance: lower
 * original index wins).
 */
export const KERNEL_L2 = 0, KERNEL_L1 = 1, KERNEL_LINF = 2, KERNEL_GENERIC = 3;

/** Which inlined kernel reproduces `metric.reduced` exactly (decided by kernel identity, not name). */
export function pointKernel(metric: Metric): number {
  if (metric.reduced === sqL2) return KERNEL_L2;
  if (metric.reduced === manhattan.reduced) return KERNEL_L1;
  if (metric.reduced === chebyshev.reduced) return KERNEL_LINF;
  return KERNEL_GENERIC;
}

export type IdFilter = ((id: number) => boolean) | null;

/** q: the query as doubles (exact float32 values); pts/perm: tree-ordered rows; [s, e): the leaf. */
export function scanL2(q: Float64Array, pts: Float32Array, perm: Int32Array, s: number, e: number, d: number,
  heap: NeighborHeap, worst: number, filter: IdFilter): number {
  if (d === 2) {
    // The most common low-dimensional case, unrolled: (0 + a^2) + b^2 is the kernel's sum.
    const q0 = q[0], q1 = q[1];
    for (let t = s, o = 2 * s; t < e; t++, o += 2) {
      const a = q0 - pts[o], b = q1 - pts[o + 1];
      const acc = a * a + b * b;
      if (acc <= worst && (filter === null || filter(perm[t]))) { heap.push(acc, perm[t]); worst = heap.worst(); }
    }
    return worst;
  }
  for (let t = s, o = s * d; t < e; t++, o += d) {
    let acc = 0;
    for (let j = 0; j < d; j++) { const diff = q[j] - pts[o + j]; acc += diff * diff; }
    if (acc <= worst && (filter === null || filter(perm[t]))) { heap.push(acc, perm[t]); worst = heap.worst(); }
  }
  return worst;
}

/**
 * Squared L2 with partial-distance early exit, for larger d: the terms are non-negative and
 * float64 addition is monotone, so once a partial sum exceeds `worst` the full sum does too
 * and the point could not enter (it is rejected exactly as the full computation would be).
 */
export function scanL2Early(q: Float64Array, pts: Float32Array, perm: Int32Array, s: number, e: number, d: number,
  heap: NeighborHeap, worst: number, filter: IdFilter): number {
  const d4 = d & ~3;
  for (let t = s, o = s * d; t < e; t++, o += d) {
    let acc = 0, j = 0;
    for (; j < d4; j += 4) {
      let diff = q[j] - pts[o + j]; acc += diff * diff;
      diff = q[j + 1] - pts[o + j + 1]; acc += diff * diff;
      diff = q[j + 2] - pts[o + j + 2]; acc += diff * diff;
      diff = q[j + 3] - pts[o + j + 3]; acc += diff * diff;
      if (acc > worst) break;
    }
    if (acc > worst) continue;
    for (; j < d; j++) { const diff = q[j] - pts[o + j]; acc += diff * diff; }
    if (acc <= worst && (filter === null || filter(perm[t]))) { heap.push(acc, perm[t]); worst = heap.worst(); }
  }
  return worst;
}

export function scanL1(q: Float64Array, pts: Float32Array, perm: Int32Array, s: number, e: number, d: number,
  heap: NeighborHeap, worst: number, filter: IdFilter): number {
  for (let t = s, o = s * d; t < e; t++, o += d) {
    let acc = 0;
    for (let j = 0; j < d; j++) acc += Math.abs(q[j] - pts[o + j]);
    if (acc <= worst && (filter === null || filter(perm[t]))) { heap.push(acc, perm[t]); worst = heap.worst(); }
  }
  return worst;
}

export function scanLinf(q: Float64Array, pts: Float32Array, perm: Int32Array, s: number, e: number, d: number,
  heap: NeighborHeap, worst: number, filter: IdFilter): number {
  for (let t = s, o = s * d; t < e; t++, o += d) {
    let m = 0;
    for (let j = 0; j < d; j++) { const v = Math.abs(q[j] - pts[o + j]); if (v > m) m = v; }
    if (m <= worst && (filter === null || filter(perm[t]))) { heap.push(m, perm[t]); worst = heap.worst(); }
  }
  return worst;
}

/** Any metric: the registry's own kernel on (query, point), argument order as BruteForce uses. */
export function scanGeneric(reduced: Metric['reduced'], qArr: Float32Array, qOff: number, pts: Float32Array, perm: Int32Array,
  s: number, e: number, d: number, heap: NeighborHeap, worst: number, filter: IdFilter): number {
  for (let t = s, o = s * d; t < e; t++, o += d) {
    const r = reduced(qArr, qOff, pts, o, d);
    if (r <= worst && (filter === null || filter(perm[t]))) { heap.push(r, perm[t]); worst = heap.worst(); }
  }
  return worst;
}

/** Reduced distance of tree position t to the query, by the chosen kernel (radius search). */
export function pointReduced(kernel: number, reduced: Metric['reduced'], q: Float64Array, qArr: Float32Array, qOff: number,
  pts: Float32Array, o: number, d: number): number {
  switch (kernel) {
    case KERNEL_L2: { let acc = 0; for (let j = 0; j < d; j++) { const diff = q[j] - pts[o + j]; acc += diff * diff; } return acc; }
    case KERNEL_L1: { let acc = 0; for (let j = 0; j < d; j++) acc += Math.abs(q[j] - pts[o + j]); return acc; }
    case KERNEL_LINF: { let m = 0; for (let j = 0; j < d; j++) { const v = Math.abs(q[j] - pts[o + j]); if (v > m) m = v; } return m; }
    default: return reduced(qArr, qOff, pts, o, d);
  }
}

/**
 * Growable (index, reduced distance) buffers for radius search: rows are appended, then each
 * row's slice is sorted by (distance, index) in place.
 */
export class RadiusCollector {
  idx = new Int32Array(1024);
  dist = new Float64Array(1024);
  length = 0;

  push(i: number, r: number): void {
    if (this.length === this.idx.length) {
      const ni = new Int32Array(this.idx.length * 2); ni.set(this.idx); this.idx = ni;
      const nd = new Float64Array(this.dist.length * 2); nd.set(this.dist); this.dist = nd;
    }
    this.idx[this.length] = i; this.dist[this.length] = r; this.length++;
  }

  /** Sorts [start, length) by (distance, index). */
  sortTail(start: number): void {
    const n = this.length - start;
    if (n < 2) return;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const d = this.dist.slice(start, this.length), ix = this.idx.slice(start, this.length);
    order.sort((a, b) => (d[a] - d[b]) || (ix[a] - ix[b]));
    for (let i = 0; i < n; i++) { this.idx[start + i] = ix[order[i]]; this.dist[start + i] = d[order[i]]; }
  }
}
