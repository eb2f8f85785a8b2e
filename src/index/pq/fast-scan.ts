import type { TopK } from '../../core/topk.js';

const f = Math.fround;

/** Round half to even (f32x4.nearest), for values already in float32. */
function nearest(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The uint8 tables of the 4-bit fast scan (FAISS's quantize_LUT_and_bias with one scale for all
 * sub-quantisers), the TypeScript twin of quantizeTables in assembly/ivf.ts, float32 operation
 * for operation (so both paths rank identically):
 *
 *   b_j = min_c lut[j, c],  R = max_j (max_c lut[j, c] - b_j),  a = 255 / R,
 *   out[j, c] = round((lut[j, c] - b_j) a)  in [0, 255].
 *
 * Returns a and sum_j b_j. The fast-scan estimate of an entry, sum_j b_j + S / a with S the
 * sum of its m uint8 entries, is the exact-table ADC value within m / (2a) = m R / 510 (half a
 * unit per rounded entry), plus float32 rounding: the documented LUT quantisation.
 */
export function quantizeTables(lut: Float32Array, m: number, out: Uint8Array): { a: number; bsum: number } {
  let R = 0, bsum = 0;
  const mins = new Float32Array(m);
  for (let j = 0; j < m; j++) {
    let b = Infinity, h = -Infinity;
    for (let c = 0; c < 16; c++) { const v = lut[j * 16 + c]; if (v < b) b = v; if (v > h) h = v; }
    mins[j] = b;
    const r = f(h - b);
    if (r > R) R = r;
    bsum = f(bsum + b);
  }
  const a = R > 0 ? f(255 / R) : 1;
  for (let j = 0; j < m; j++) {
    for (let c = 0; c < 16; c++) out[j * 16 + c] = Math.min(255, Math.max(0, nearest(f(f(lut[j * 16 + c] - mins[j]) * a))));
  }
  return { a, bsum };
}

/**
 * The fast scan of one pq4 list (layout in src/index/ivf/lists.ts), the twin of scanFs in
 * assembly/ivf.ts: S = sum_j qlut[j, code_j] in integers, estimate bias + S / a in float32,
 * offered to the heap when it can enter it.
 */
export function scanFs(qlut: Uint8Array, m: number, a: number, bias: number, blocks: Uint8Array, labels: Int32Array, n: number, mask: Uint8Array | null, heap: TopK): void {
  const inv = f(1 / a);
  for (let p = 0; p < n; p++) {
    const label = labels[p];
    if (mask !== null && mask[label] === 0) continue;
    const base = (p >> 5) * 16 * m, r = p & 31, pos = base + (r & 15), shift = r < 16 ? 0 : 4;
    let S = 0;
    for (let j = 0; j < m; j++) S += qlut[j * 16 + ((blocks[pos + j * 16] >> shift) & 15)];
    const s = f(bias + f(S * inv));
    if (s <= heap.worst()) heap.push(s, label);
  }
}
