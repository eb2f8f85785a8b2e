import type { TopK } from '../../core/topk.js';

/**
 * Scans one inverted list of float vectors into a query's heap: squared L2 (partial sums in
 * blocks of 16 coordinates abandon a vector once they exceed the heap's k-th value: the terms
 * are non-negative, so the full sum would exceed it too), or 1 - <q, x>. Four accumulators keep
 * the dependency chains short; `mask` (a byte per label) drops disallowed labels before any
 * arithmetic.
 */
export function scanFlatL2(q: Float32Array, qo: number, codes: Float32Array, labels: Int32Array, n: number, d: number, mask: Uint8Array | null, heap: TopK): void {
  const d4 = d & ~3;
  for (let p = 0; p < n; p++) {
    const label = labels[p];
    if (mask !== null && mask[label] === 0) continue;
    const worst = heap.worst();
    const o = p * d;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t = 0;
    let abandoned = false;
    while (t < d4) {
      const end = Math.min(t + 16, d4);
      for (; t < end; t += 4) {
        const a = q[qo + t] - codes[o + t], b = q[qo + t + 1] - codes[o + t + 1];
        const c = q[qo + t + 2] - codes[o + t + 2], e = q[qo + t + 3] - codes[o + t + 3];
        s0 += a * a; s1 += b * b; s2 += c * c; s3 += e * e;
      }
      if (s0 + s1 + s2 + s3 > worst) { abandoned = true; break; }
    }
    if (abandoned) continue;
    for (; t < d; t++) { const a = q[qo + t] - codes[o + t]; s0 += a * a; }
    heap.push(s0 + s1 + s2 + s3, label);
  }
}

export function scanFlatIp(q: Float32Array, qo: number, codes: Float32Array, labels: Int32Array, n: number, d: number, mask: Uint8Array | null, heap: TopK): void {
  const d4 = d & ~3;
  for (let p = 0; p < n; p++) {
    const label = labels[p];
    if (mask !== null && mask[label] === 0) continue;
    const o = p * d;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t = 0;
    for (; t < d4; t += 4) {
      s0 += q[qo + t] * codes[o + t]; s1 += q[qo + t + 1] * codes[o + t + 1];
      s2 += q[qo + t + 2] * codes[o + t + 2]; s3 += q[qo + t + 3] * codes[o + t + 3];
    }
    for (; t < d; t++) s0 += q[qo + t] * codes[o + t];
    heap.push(1 - (s0 + s1 + s2 + s3), label);
  }
}
