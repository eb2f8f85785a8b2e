/**
 * Paper's Eq. 2: the composite kernel A = gw * G + lw * C, G = exp(-D2 / (2 sigma^2)),
 * C[i][k] = 1 for the same class, `discount` otherwise. Converts D2 (n x n, Float32) in place.
 */
export function compositeKernelInPlace(D2: Float32Array, n: number, sigma: number, yIds: Int32Array, gw: number, lw: number, discount: number): void {
  const inv = 1 / (2 * sigma * sigma);
  const same = gw, diff = lw * discount, sameL = lw;
  for (let i = 0; i < n; i++) {
    const o = i * n, yi = yIds[i];
    for (let k = 0; k < n; k++) D2[o + k] = same * Math.exp(-D2[o + k] * inv) + (yIds[k] === yi ? sameL : diff);
  }
}

/**
 * Rows [r0, r1) of H = A^T A = A A (A symmetric), upper part k >= i only, mirrored. Disjoint
 * row ranges write disjoint entries, so workers may fill one shared H concurrently.
 */
export function symmetricGramRows(A: Float32Array, n: number, r0: number, r1: number, H: Float32Array): void {
  let i = r0;
  for (; i + 1 < r1; i += 2) {
    const oi = i * n, oi2 = oi + n;
    let k = i;
    for (; k + 1 < n; k += 2) {
      const ok = k * n, ok2 = ok + n;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      for (let t = 0; t < n; t++) {
        const x0 = A[oi + t], x1 = A[oi2 + t], y0 = A[ok + t], y1 = A[ok2 + t];
        s00 += x0 * y0; s01 += x0 * y1; s10 += x1 * y0; s11 += x1 * y1;
      }
      H[oi + k] = s00; H[ok + i] = s00;
      H[oi + k + 1] = s01; H[ok2 + i] = s01;
      H[oi2 + k] = s10; H[ok + i + 1] = s10;
      H[oi2 + k + 1] = s11; H[ok2 + i + 1] = s11;
    }
    for (; k < n; k++) {
      const ok = k * n;
      let s0 = 0, s1 = 0;
      for (let t = 0; t < n; t++) { const y = A[ok + t]; s0 += A[oi + t] * y; s1 += A[oi2 + t] * y; }
      H[oi + k] = s0; H[ok + i] = s0; H[oi2 + k] = s1; H[ok + i + 1] = s1;
    }
  }
  for (; i < r1; i++) {
    const oi = i * n;
    for (let k = i; k < n; k++) {
      const ok = k * n;
      let s = 0;
      for (let t = 0; t < n; t++) s += A[oi + t] * A[ok + t];
      H[oi + k] = s; H[ok + i] = s;
    }
  }
}

/** Eq. 2 for one pair: gw exp(-D2 / (2 sigma^2)) + lw (1 or the discount). */
export function kernelValue(d2: number, inv2s2: number, gw: number, lw: number, disc: number, same: boolean): number {
  return gw * Math.exp(-(d2 > 0 ? d2 : 0) * inv2s2) + lw * (same ? 1 : disc);
}
