// Brute-force search kernels (f32x4 SIMD): a GEMM-style register tile of 4 queries x 8 base
// rows fused with candidate pre-selection, so the n_queries x n score matrix never hits memory.
//
// Memory is owned and laid out by the host (src/search/brute-force/panel-store.ts); every
// function takes byte offsets. No allocation, no runtime: `--runtime stub`.
//
// Layouts
//   queries  quads of 4 rows, interleaved: quad g = d x 4 floats (the 4 rows' value t side by
//            side), so the four broadcasts of a d-step use immediate offsets 0, 4, 8, 12
//   panels   base rows in panels of 8: panel p = rows 8p..8p+7 stored as d x 8 floats
//            (column t of the 8 rows is contiguous), so one d-step of the tile reads two v128
//            and four broadcast query values: 16 multiply-adds per 6 loads (as BLAS packs B).
//   rowA/S   f32 per padded base row: key(i, j) = rowA[j] - rowS[j] * dot(q_i, b_j)
//            (L2: rowA = |b|^2 (1 - E), rowS = 2; IP: 0, 1; cosine: 0, 1/|b|;
//            padding or filtered-out rows: rowA = +Infinity).
//
// The same tile computes L1 (sum |q - b|) and Linf (max |q - b|) in scanL1 / scanLinf, with
// key = value + rowA (rowA = 0, or +Infinity to exclude a row): their float32 errors are
// relative to the value itself (all terms are >= 0), lb = key (1 - E), ub = key (1 + E).
//
// Pre-selection (the "exact refinement" contract of src/metrics/types.ts): the host turns a key
// into a proven interval [lb, ub] around the float64 reference value (lb = key * qs + qLo,
// ub = key * qs + qHi + rowHi[j]); per query a max-heap keeps the k smallest ub (their max is
// T, an upper bound of the true k-th value), and every (j, lb) with lb <= T is appended to the
// query's candidate list. A row whose reference value can tie or beat the k-th therefore
// always reaches the list; the host re-ranks the list with the scalar float64 kernel.

@inline function mac(acc: v128, a: v128, b: v128): v128 {
  if (ASC_RELAXED) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/** Per-query state (host-allocated arrays, indexed by the query's row in the block). */
let gHeap: usize = 0;     // f64[qb * k]  max-heap of upper bounds
let gHeapCnt: usize = 0;  // i32[qb]
let gK: i32 = 0;          // heap capacity (0: frozen threshold, collect only)
let gCandJ: usize = 0;    // i32[qb * cap]
let gCandLb: usize = 0;   // f64[qb * cap]
let gCandCnt: usize = 0;  // i32[qb]
let gCap: i32 = 0;
let gOverflow: usize = 0; // i32[qb]: 1 when the list overflowed (host re-collects)
let gQs: usize = 0;       // f64[qb]
let gQLo: usize = 0;      // f64[qb]
let gQHi: usize = 0;      // f64[qb]
let gQsHi: usize = 0;     // f64[qb]  (ub scale; differs from qs for the L1 / Linf scans)
let gT: usize = 0;        // f64[qb]  current threshold T (k-th smallest ub)
let gThr: usize = 0;      // f32[qb]  key threshold: key <= thr  <=>  lb <= T (rounded up)
let gRowHi: usize = 0;    // f32[nPad]

/** Sets where the per-query state lives (called once per block layout). */
export function setState(heap: usize, heapCnt: usize, k: i32, candJ: usize, candLb: usize, candCnt: usize, cap: i32,
  overflow: usize, qs: usize, qLo: usize, qHi: usize, T: usize, thr: usize, rowHi: usize, qsHi: usize): void {
  gQsHi = qsHi;
  gHeap = heap; gHeapCnt = heapCnt; gK = k; gCandJ = candJ; gCandLb = candLb; gCandCnt = candCnt; gCap = cap;
  gOverflow = overflow; gQs = qs; gQLo = qLo; gQHi = qHi; gT = T; gThr = thr; gRowHi = rowHi;
}

/** Smallest f32 >= x (the SIMD compare must never reject what the f64 test would accept). */
@inline function f32Up(x: f64): f32 {
  let t = <f32>x;
  if (<f64>t < x) {
    const bits = reinterpret<i32>(t);
    if (t > 0) t = reinterpret<f32>(bits + 1);
    else if (t < 0) t = reinterpret<f32>(bits - 1);
    else t = reinterpret<f32>(1); // smallest positive subnormal
  }
  return t;
}

/** Recomputes query i's key threshold from T. */
@inline function updateThr(i: i32): void {
  const T = load<f64>(gT + (<usize>i << 3));
  const qs = load<f64>(gQs + (<usize>i << 3));
  const qLo = load<f64>(gQLo + (<usize>i << 3));
  // lb = key * qs + qLo <= T  <=>  key <= (T - qLo) / qs   (qs > 0)
  // Infinity keys (padding, filtered rows) must never pass: cap at the largest float32.
  const thr = T == Infinity ? 3.4028234663852886e38 : (T - qLo) / qs;
  // (T - qLo) / qs is rounded in f64; widen by a relative 2^-40 so the f32 test stays a superset.
  store<f32>(gThr + (<usize>i << 2), min(f32Up(thr + Math.abs(thr) * 1e-12 + 1e-300), <f32>3.4028234663852886e38));
}

function siftDown(h: usize, n: i32, v: f64): void {
  let pos: i32 = 0;
  for (;;) {
    const l = 2 * pos + 1;
    if (l >= n) break;
    let c = l;
    const r = l + 1;
    if (r < n && load<f64>(h + (<usize>r << 3)) > load<f64>(h + (<usize>l << 3))) c = r;
    const cv = load<f64>(h + (<usize>c << 3));
    if (cv <= v) break;
    store<f64>(h + (<usize>pos << 3), cv);
    pos = c;
  }
  store<f64>(h + (<usize>pos << 3), v);
}

/** Drops candidates whose lb exceeds the current T. Returns the new count. */
function compact(i: i32, T: f64): i32 {
  const cj = gCandJ + <usize>i * <usize>gCap * 4;
  const cl = gCandLb + <usize>i * <usize>gCap * 8;
  const n = load<i32>(gCandCnt + (<usize>i << 2));
  let m = 0;
  for (let t = 0; t < n; t++) {
    const lb = load<f64>(cl + (<usize>t << 3));
    if (lb <= T) {
      store<f64>(cl + (<usize>m << 3), lb);
      store<i32>(cj + (<usize>m << 2), load<i32>(cj + (<usize>t << 2)));
      m++;
    }
  }
  store<i32>(gCandCnt + (<usize>i << 2), m);
  return m;
}

/** Slow path: pair (query i, base row j) passed the SIMD threshold test. */
function visit(i: i32, j: i32, key: f32): void {
  const iq = <usize>i;
  const qs = load<f64>(gQs + (iq << 3));
  const lb = <f64>key * qs + load<f64>(gQLo + (iq << 3));
  let T = load<f64>(gT + (iq << 3));
  if (lb > T) return;
  if (gK > 0) {
    const ub = <f64>key * load<f64>(gQsHi + (iq << 3)) + load<f64>(gQHi + (iq << 3)) + <f64>load<f32>(gRowHi + (<usize>j << 2));
    const h = gHeap + iq * <usize>gK * 8;
    const cnt = load<i32>(gHeapCnt + (iq << 2));
    if (cnt < gK) {
      // sift up
      let pos = cnt;
      while (pos > 0) {
        const parent = (pos - 1) >> 1;
        const pv = load<f64>(h + (<usize>parent << 3));
        if (pv >= ub) break;
        store<f64>(h + (<usize>pos << 3), pv);
        pos = parent;
      }
      store<f64>(h + (<usize>pos << 3), ub);
      store<i32>(gHeapCnt + (iq << 2), cnt + 1);
      if (cnt + 1 == gK) {
        T = load<f64>(h);
        store<f64>(gT + (iq << 3), T);
        updateThr(i);
      }
    } else if (ub < load<f64>(h)) {
      siftDown(h, cnt, ub);
      T = load<f64>(h);
      store<f64>(gT + (iq << 3), T);
      updateThr(i);
    }
  }
  if (lb > T) return; // T may have dropped below this lb (cannot happen for ub >= lb, kept for clarity)
  if (load<i32>(gOverflow + (iq << 2)) != 0) return;
  let n = load<i32>(gCandCnt + (iq << 2));
  if (n >= gCap) {
    n = compact(i, T);
    // Less than a quarter freed: this query's band of near-ties is wider than the list; the
    // host re-collects it with a list as long as the data (rows with exact ties, duplicates).
    if (n > gCap - (gCap >> 2)) { store<i32>(gOverflow + (iq << 2), 1); return; }
  }
  store<i32>(gCandJ + (iq * <usize>gCap + <usize>n) * 4, j);
  store<f64>(gCandLb + (iq * <usize>gCap + <usize>n) * 8, lb);
  store<i32>(gCandCnt + (iq << 2), n + 1);
}

/** The 8 keys of row block p for query i, when any passes, go through visit(). */
@inline function check(i: i32, p: i32, k0: v128, k1: v128): void {
  const thr = v128.load32_splat(gThr + (<usize>i << 2));
  const m = i32x4.bitmask(f32x4.le(k0, thr)) | (i32x4.bitmask(f32x4.le(k1, thr)) << 4);
  if (m != 0) slowLanes(i, p, m, k0, k1);
}

function slowLanes(i: i32, p: i32, m: i32, k0: v128, k1: v128): void {
  const j0 = p << 3;
  if (m & 1) visit(i, j0, f32x4.extract_lane(k0, 0));
  if (m & 2) visit(i, j0 + 1, f32x4.extract_lane(k0, 1));
  if (m & 4) visit(i, j0 + 2, f32x4.extract_lane(k0, 2));
  if (m & 8) visit(i, j0 + 3, f32x4.extract_lane(k0, 3));
  if (m & 16) visit(i, j0 + 4, f32x4.extract_lane(k1, 0));
  if (m & 32) visit(i, j0 + 5, f32x4.extract_lane(k1, 1));
  if (m & 64) visit(i, j0 + 6, f32x4.extract_lane(k1, 2));
  if (m & 128) visit(i, j0 + 7, f32x4.extract_lane(k1, 3));
}

/**
 * Scans panels [p0, p1) for every query quad of the block. Base rows are walked in blocks of
 * `blockPanels` panels (sized by the host to stay in L2) and, inside a block, every quad sweeps
 * every panel: a quad (4 x d floats) stays in L1, the block in L2.
 */
export function scan(queries: usize, nQuads: i32, d: i32, panels: usize, p0: i32, p1: i32, blockPanels: i32,
  rowA: usize, rowS: usize): void {
  const rs = <usize>d << 2;
  const panelBytes = <usize>d << 5;
  for (let pb = p0; pb < p1; pb += blockPanels) {
    const pe = min(pb + blockPanels, p1);
    for (let qd = 0; qd < nQuads; qd++) {
      const qBase = queries + <usize>qd * 4 * rs;
      const i0 = qd << 2;
      for (let p = pb; p < pe; p++) {
        let b = panels + <usize>p * panelBytes;
        const bEnd = b + panelBytes;
        let q0 = qBase;
        let a00 = f32x4.splat(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        while (b < bEnd) {
          const b0 = v128.load(b), b1 = v128.load(b, 16);
          let s = v128.load32_splat(q0); a00 = mac(a00, s, b0); a01 = mac(a01, s, b1);
          s = v128.load32_splat(q0, 4); a10 = mac(a10, s, b0); a11 = mac(a11, s, b1);
          s = v128.load32_splat(q0, 8); a20 = mac(a20, s, b0); a21 = mac(a21, s, b1);
          s = v128.load32_splat(q0, 12); a30 = mac(a30, s, b0); a31 = mac(a31, s, b1);
          b += 32; q0 += 16;
        }
        const ra = rowA + (<usize>p << 5), rsc = rowS + (<usize>p << 5);
        const A0 = v128.load(ra), A1 = v128.load(ra, 16);
        const S0 = v128.load(rsc), S1 = v128.load(rsc, 16);
        // key = rowA - rowS * dot
        check(i0, p, f32x4.sub(A0, f32x4.mul(S0, a00)), f32x4.sub(A1, f32x4.mul(S1, a01)));
        check(i0 + 1, p, f32x4.sub(A0, f32x4.mul(S0, a10)), f32x4.sub(A1, f32x4.mul(S1, a11)));
        check(i0 + 2, p, f32x4.sub(A0, f32x4.mul(S0, a20)), f32x4.sub(A1, f32x4.mul(S1, a21)));
        check(i0 + 3, p, f32x4.sub(A0, f32x4.mul(S0, a30)), f32x4.sub(A1, f32x4.mul(S1, a31)));
      }
    }
  }
}

/**
 * L1 (mode 1), Linf (mode 2) or Hamming count (mode 3) tile scan:
 * key = rowA[j] + sum |q_t - b_t|, max |q_t - b_t| or #{t : q_t != b_t}.
 */
@inline function scanAbs(mode: i32, queries: usize, nQuads: i32, d: i32, panels: usize, p0: i32, p1: i32, blockPanels: i32, rowA: usize): void {
  const rs = <usize>d << 2;
  const panelBytes = <usize>d << 5;
  for (let pb = p0; pb < p1; pb += blockPanels) {
    const pe = min(pb + blockPanels, p1);
    for (let qd = 0; qd < nQuads; qd++) {
      const qBase = queries + <usize>qd * 4 * rs;
      const i0 = qd << 2;
      for (let p = pb; p < pe; p++) {
        let b = panels + <usize>p * panelBytes;
        const bEnd = b + panelBytes;
        let q0 = qBase;
        let a00 = f32x4.splat(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        while (b < bEnd) {
          const b0 = v128.load(b), b1 = v128.load(b, 16);
          let s = v128.load32_splat(q0);
          if (mode == 1) {
            a00 = f32x4.add(a00, f32x4.abs(f32x4.sub(s, b0))); a01 = f32x4.add(a01, f32x4.abs(f32x4.sub(s, b1)));
            s = v128.load32_splat(q0, 4);
            a10 = f32x4.add(a10, f32x4.abs(f32x4.sub(s, b0))); a11 = f32x4.add(a11, f32x4.abs(f32x4.sub(s, b1)));
            s = v128.load32_splat(q0, 8);
            a20 = f32x4.add(a20, f32x4.abs(f32x4.sub(s, b0))); a21 = f32x4.add(a21, f32x4.abs(f32x4.sub(s, b1)));
            s = v128.load32_splat(q0, 12);
            a30 = f32x4.add(a30, f32x4.abs(f32x4.sub(s, b0))); a31 = f32x4.add(a31, f32x4.abs(f32x4.sub(s, b1)));
          } else if (mode == 3) {
            // Hamming: count of coordinates that differ (exact in float32 below 2^24 columns)
            const one = f32x4.splat(1);
            a00 = f32x4.add(a00, v128.and(f32x4.ne(s, b0), one)); a01 = f32x4.add(a01, v128.and(f32x4.ne(s, b1), one));
            s = v128.load32_splat(q0, 4);
            a10 = f32x4.add(a10, v128.and(f32x4.ne(s, b0), one)); a11 = f32x4.add(a11, v128.and(f32x4.ne(s, b1), one));
            s = v128.load32_splat(q0, 8);
            a20 = f32x4.add(a20, v128.and(f32x4.ne(s, b0), one)); a21 = f32x4.add(a21, v128.and(f32x4.ne(s, b1), one));
            s = v128.load32_splat(q0, 12);
            a30 = f32x4.add(a30, v128.and(f32x4.ne(s, b0), one)); a31 = f32x4.add(a31, v128.and(f32x4.ne(s, b1), one));
          } else {
            // pmax (b < a ? a : b) is one instruction; no NaN reaches here (inputs are finite)
            a00 = f32x4.pmax(a00, f32x4.abs(f32x4.sub(s, b0))); a01 = f32x4.pmax(a01, f32x4.abs(f32x4.sub(s, b1)));
            s = v128.load32_splat(q0, 4);
            a10 = f32x4.pmax(a10, f32x4.abs(f32x4.sub(s, b0))); a11 = f32x4.pmax(a11, f32x4.abs(f32x4.sub(s, b1)));
            s = v128.load32_splat(q0, 8);
            a20 = f32x4.pmax(a20, f32x4.abs(f32x4.sub(s, b0))); a21 = f32x4.pmax(a21, f32x4.abs(f32x4.sub(s, b1)));
            s = v128.load32_splat(q0, 12);
            a30 = f32x4.pmax(a30, f32x4.abs(f32x4.sub(s, b0))); a31 = f32x4.pmax(a31, f32x4.abs(f32x4.sub(s, b1)));
          }
          b += 32; q0 += 16;
        }
        const ra = rowA + (<usize>p << 5);
        const A0 = v128.load(ra), A1 = v128.load(ra, 16);
        check(i0, p, f32x4.add(A0, a00), f32x4.add(A1, a01));
        check(i0 + 1, p, f32x4.add(A0, a10), f32x4.add(A1, a11));
        check(i0 + 2, p, f32x4.add(A0, a20), f32x4.add(A1, a21));
        check(i0 + 3, p, f32x4.add(A0, a30), f32x4.add(A1, a31));
      }
    }
  }
}

export function scanL1(queries: usize, nQuads: i32, d: i32, panels: usize, p0: i32, p1: i32, blockPanels: i32, rowA: usize): void {
  scanAbs(1, queries, nQuads, d, panels, p0, p1, blockPanels, rowA);
}

export function scanLinf(queries: usize, nQuads: i32, d: i32, panels: usize, p0: i32, p1: i32, blockPanels: i32, rowA: usize): void {
  scanAbs(2, queries, nQuads, d, panels, p0, p1, blockPanels, rowA);
}

export function scanHamming(queries: usize, nQuads: i32, d: i32, panels: usize, p0: i32, p1: i32, blockPanels: i32, rowA: usize): void {
  scanAbs(3, queries, nQuads, d, panels, p0, p1, blockPanels, rowA);
}
