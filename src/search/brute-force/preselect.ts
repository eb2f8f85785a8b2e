/**
 * Candidate pre-selection state shared by the WebAssembly kernel (assembly/brute.ts) and its
 * pure-TS twin below: the same arrays, the same rules, so both paths hand the exact re-ranking
 * step the same kind of list.
 *
 * For query i and base row j the kernel computes an approximate key = rowA[j] - rowS[j] * dot
 * (float32 in WebAssembly, float64 here) and maps it to a proven interval around the float64
 * reference value: lb = key * qs[i] + qLo[i], ub = key * qsHi[i] + qHi[i] + rowHi[j]. (For L1
 * and Linf the key is the value itself plus rowA[j] = 0, and the bounds are relative.)
 * T[i] = the k-th smallest ub seen (a max-heap of k ub values), an upper bound of the reference
 * k-th value; every (j, lb) with lb <= T at the time j is scanned goes into the candidate list,
 * so every row whose reference value can tie or beat the final k-th value is listed.
 */
export interface PreselectViews {
  heap: Float64Array;     // qb * k
  heapCnt: Int32Array;    // qb
  candJ: Int32Array;      // qb * cap
  candLb: Float64Array;   // qb * cap
  candCnt: Int32Array;    // qb
  overflow: Int32Array;   // qb
  qs: Float64Array;       // qb
  qLo: Float64Array;      // qb
  qHi: Float64Array;      // qb
  qsHi: Float64Array;      // qb (ub scale: qs for the dot forms, 1 + E for L1 / Linf)
  T: Float64Array;        // qb
  thr: Float32Array;      // qb (key threshold, rounded up to float32)
  k: number;              // heap capacity (0 = frozen T: collect only)
  cap: number;            // candidate list capacity per query
}

/** Largest finite float32. */
export const FLT_MAX = 3.4028234663852886e38;

const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);

/** Smallest float32 >= x (mirrors f32Up in assembly/brute.ts). */
export function f32Up(x: number): number {
  F32[0] = x;
  if (F32[0] < x) {
    if (F32[0] > 0) I32[0] += 1;
    else if (F32[0] < 0) I32[0] -= 1;
    else I32[0] = 1;
  }
  return F32[0];
}

export function updateThr(v: PreselectViews, i: number): void {
  const T = v.T[i];
  // Infinity keys (padding, filtered rows) must never pass: cap at the largest float32.
  const thr = T === Infinity ? FLT_MAX : (T - v.qLo[i]) / v.qs[i];
  v.thr[i] = Math.min(f32Up(thr + Math.abs(thr) * 1e-12 + 1e-300), FLT_MAX);
}

function compact(v: PreselectViews, i: number, T: number): number {
  const base = i * v.cap;
  const n = v.candCnt[i];
  let m = 0;
  for (let t = 0; t < n; t++) {
    const lb = v.candLb[base + t];
    if (lb <= T) { v.candLb[base + m] = lb; v.candJ[base + m] = v.candJ[base + t]; m++; }
  }
  v.candCnt[i] = m;
  return m;
}

/** TS twin of visit() in assembly/brute.ts. */
export function visit(v: PreselectViews, rowHi: Float32Array, i: number, j: number, key: number): void {
  const qs = v.qs[i];
  const lb = key * qs + v.qLo[i];
  let T = v.T[i];
  if (lb > T) return;
  const k = v.k;
  if (k > 0) {
    const ub = key * v.qsHi[i] + v.qHi[i] + rowHi[j];
    const h = i * k, heap = v.heap;
    const cnt = v.heapCnt[i];
    if (cnt < k) {
      let pos = cnt;
      while (pos > 0) {
        const parent = (pos - 1) >> 1;
        const pv = heap[h + parent];
        if (pv >= ub) break;
        heap[h + pos] = pv;
        pos = parent;
      }
      heap[h + pos] = ub;
      v.heapCnt[i] = cnt + 1;
      if (cnt + 1 === k) { T = heap[h]; v.T[i] = T; updateThr(v, i); }
    } else if (ub < heap[h]) {
      let pos = 0;
      for (;;) {
        const l = 2 * pos + 1;
        if (l >= cnt) break;
        let c = l;
        if (l + 1 < cnt && heap[h + l + 1] > heap[h + l]) c = l + 1;
        const cv = heap[h + c];
        if (cv <= ub) break;
        heap[h + pos] = cv;
        pos = c;
      }
      heap[h + pos] = ub;
      T = heap[h]; v.T[i] = T; updateThr(v, i);
    }
  }
  if (lb > T) return;
  if (v.overflow[i] !== 0) return;
  let n = v.candCnt[i];
  if (n >= v.cap) {
    n = compact(v, i, T);
    if (n > v.cap - (v.cap >> 2)) { v.overflow[i] = 1; return; }
  }
  v.candJ[i * v.cap + n] = j;
  v.candLb[i * v.cap + n] = lb;
  v.candCnt[i] = n + 1;
}

/**
 * Pure-TS scan (the fallback when WebAssembly SIMD is missing): the blocked "norms trick" loop,
 * a 4 queries x 2 rows register tile (8 float64 accumulators), rows in cache-sized blocks.
 * Dots are float64 here (more accurate than the float32 bound the intervals assume, so the
 * intervals stay valid). Rows with rowA = Infinity (filtered out) give Infinity keys, which
 * never pass the threshold (capped at the largest float32).
 */
export function scanTs(v: PreselectViews, queries: Float32Array, nQuads: number, d: number,
  base: Float32Array, r0: number, r1: number, rowA: Float32Array, rowS: Float32Array, rowHi: Float32Array): void {
  const block = Math.max(8, Math.floor(131072 / (4 * d)) & ~1);
  const thr = v.thr;
  for (let jb = r0; jb < r1; jb += block) {
    const je = Math.min(jb + block, r1);
    for (let qd = 0; qd < nQuads; qd++) {
      const i0 = qd * 4;
      const o0 = i0 * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
      for (let j = jb; j < je; j += 2) {
        const two = j + 1 < je;
        const b0 = j * d, b1 = two ? b0 + d : b0;
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0, c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        for (let t = 0; t < d; t++) {
          const x = base[b0 + t], y = base[b1 + t];
          const w0 = queries[o0 + t], w1 = queries[o1 + t], w2 = queries[o2 + t], w3 = queries[o3 + t];
          a0 += w0 * x; a1 += w1 * x; a2 += w2 * x; a3 += w3 * x;
          c0 += w0 * y; c1 += w1 * y; c2 += w2 * y; c3 += w3 * y;
        }
        let A = rowA[j], S = rowS[j];
        let key = A - S * a0; if (key <= thr[i0]) visit(v, rowHi, i0, j, key);
        key = A - S * a1; if (key <= thr[i0 + 1]) visit(v, rowHi, i0 + 1, j, key);
        key = A - S * a2; if (key <= thr[i0 + 2]) visit(v, rowHi, i0 + 2, j, key);
        key = A - S * a3; if (key <= thr[i0 + 3]) visit(v, rowHi, i0 + 3, j, key);
        if (!two) continue;
        A = rowA[j + 1]; S = rowS[j + 1];
        key = A - S * c0; if (key <= thr[i0]) visit(v, rowHi, i0, j + 1, key);
        key = A - S * c1; if (key <= thr[i0 + 1]) visit(v, rowHi, i0 + 1, j + 1, key);
        key = A - S * c2; if (key <= thr[i0 + 2]) visit(v, rowHi, i0 + 2, j + 1, key);
        key = A - S * c3; if (key <= thr[i0 + 3]) visit(v, rowHi, i0 + 3, j + 1, key);
      }
    }
  }
}

/** Pure-TS L1 (mode 1) / Linf (mode 2) / Hamming count (mode 3) scan: key = rowA[j] + value. */
export function scanTsAbs(mode: 1 | 2 | 3, v: PreselectViews, queries: Float32Array, nQuads: number, d: number,
  base: Float32Array, r0: number, r1: number, rowA: Float32Array, rowHi: Float32Array): void {
  const block = Math.max(8, Math.floor(131072 / (4 * d)));
  for (let jb = r0; jb < r1; jb += block) {
    const je = Math.min(jb + block, r1);
    for (let qd = 0; qd < nQuads; qd++) {
      const i0 = qd * 4;
      const o0 = i0 * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
      for (let j = jb; j < je; j++) {
        const a = rowA[j];
        if (a === Infinity) continue;
        const bo = j * d;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (mode === 1) {
          for (let t = 0; t < d; t++) {
            const b = base[bo + t];
            s0 += Math.abs(queries[o0 + t] - b); s1 += Math.abs(queries[o1 + t] - b);
            s2 += Math.abs(queries[o2 + t] - b); s3 += Math.abs(queries[o3 + t] - b);
          }
        } else if (mode === 3) {
          for (let t = 0; t < d; t++) {
            const b = base[bo + t];
            if (queries[o0 + t] !== b) s0++;
            if (queries[o1 + t] !== b) s1++;
            if (queries[o2 + t] !== b) s2++;
            if (queries[o3 + t] !== b) s3++;
          }
        } else {
          for (let t = 0; t < d; t++) {
            const b = base[bo + t];
            let x = Math.abs(queries[o0 + t] - b); if (x > s0) s0 = x;
            x = Math.abs(queries[o1 + t] - b); if (x > s1) s1 = x;
            x = Math.abs(queries[o2 + t] - b); if (x > s2) s2 = x;
            x = Math.abs(queries[o3 + t] - b); if (x > s3) s3 = x;
          }
        }
        let key = a + s0; if (key <= v.thr[i0]) visit(v, rowHi, i0, j, key);
        key = a + s1; if (key <= v.thr[i0 + 1]) visit(v, rowHi, i0 + 1, j, key);
        key = a + s2; if (key <= v.thr[i0 + 2]) visit(v, rowHi, i0 + 2, j, key);
        key = a + s3; if (key <= v.thr[i0 + 3]) visit(v, rowHi, i0 + 3, j, key);
      }
    }
  }
}
