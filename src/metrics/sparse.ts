import type { SparseKernel } from './types.js';
import { cosineFromDot } from './angular.js';

// Kernels on CSR rows: one merge pass over the two sorted index lists.

function normSq(val: Float32Array, s: number, e: number): number {
  let t = 0;
  for (let p = s; p < e; p++) t += val[p] * val[p];
  return t;
}

export function sparseDot(aIdx: Int32Array, aVal: Float32Array, as: number, ae: number, bIdx: Int32Array, bVal: Float32Array, bs: number, be: number): number {
  let dot = 0, i = as, j = bs;
  while (i < ae && j < be) {
    const ci = aIdx[i], cj = bIdx[j];
    if (ci === cj) { dot += aVal[i++] * bVal[j++]; } else if (ci < cj) i++; else j++;
  }
  return dot;
}

/** Squared L2 by direct merge (exact: no cancellation from the norms form). */
export const sparseSqL2: SparseKernel = (aIdx, aVal, as, ae, bIdx, bVal, bs, be) => {
  let s = 0, i = as, j = bs;
  while (i < ae || j < be) {
    const ci = i < ae ? aIdx[i] : 0x7fffffff, cj = j < be ? bIdx[j] : 0x7fffffff;
    let t: number;
    if (ci === cj) t = aVal[i++] - bVal[j++];
    else if (ci < cj) t = aVal[i++];
    else t = -bVal[j++];
    s += t * t;
  }
  return s;
};

export const sparseL1: SparseKernel = (aIdx, aVal, as, ae, bIdx, bVal, bs, be) => {
  let s = 0, i = as, j = bs;
  while (i < ae || j < be) {
    const ci = i < ae ? aIdx[i] : 0x7fffffff, cj = j < be ? bIdx[j] : 0x7fffffff;
    if (ci === cj) s += Math.abs(aVal[i++] - bVal[j++]);
    else if (ci < cj) s += Math.abs(aVal[i++]);
    else s += Math.abs(bVal[j++]);
  }
  return s;
};

export const sparseCosine: SparseKernel = (aIdx, aVal, as, ae, bIdx, bVal, bs, be, na, nb) => {
  const dot = sparseDot(aIdx, aVal, as, ae, bIdx, bVal, bs, be);
  const a2 = Number.isNaN(na) ? normSq(aVal, as, ae) : na;
  const b2 = Number.isNaN(nb) ? normSq(bVal, bs, be) : nb;
  return cosineFromDot(dot, a2, b2);
};

export const sparseIp: SparseKernel = (aIdx, aVal, as, ae, bIdx, bVal, bs, be) =>
  1 - sparseDot(aIdx, aVal, as, ae, bIdx, bVal, bs, be);
