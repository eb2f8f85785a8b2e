// Inverted-file kernels (f32x4 SIMD) for the ivf-flat, pq and ivf-pq families: the scan of one
// inverted list into a top-k kept inside the module, the ADC look-up-table sums of 8-bit PQ
// codes, the tables themselves, and the 4-bit fast scan (i8x16.swizzle over uint8 tables,
// uint16 accumulators; FAISS's PQ..x4fs).
//
// Memory is laid out by the host (src/index/ivf/kernels.ts, src/index/ivf/arena.ts): the
// inverted lists themselves live in this module's memory; every function takes byte offsets.
// No allocation, no runtime: `--runtime stub`.
//
// Top-k: a bounded max-heap of (f32 distance, i32 label) pairs at gHD / gHI, capacity gCap,
// ordered as src/core/topk.ts orders it: smaller distance first, on equal distance the lower
// label first. The host drains and sorts it after the query's lists are scanned.
//   mask   0, or a byte per label: label l is a candidate only when mask[l] != 0 (filters).

@inline function mac(acc: v128, a: v128, b: v128): v128 {
  if (ASC_RELAXED) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

let gHD: usize = 0;
let gHI: usize = 0;
let gCap: i32 = 0;
let gCnt: i32 = 0;

/** Starts a query's top-k: `cap` pairs at hd (f32) / hi (i32). */
export function heapReset(hd: usize, hi: usize, cap: i32): void {
  gHD = hd; gHI = hi; gCap = cap; gCnt = 0;
}

/** Pairs held (<= cap). */
export function heapCount(): i32 { return gCnt; }

/** The current k-th distance (+Infinity until the heap is full): anything larger is rejected. */
@inline function worst(): f32 {
  return gCnt < gCap ? Infinity : load<f32>(gHD);
}

/** (a, la) ranks after (b, lb). */
@inline function worse(a: f32, la: i32, b: f32, lb: i32): bool {
  return a > b || (a == b && la > lb);
}

/** Offers (d, label) to the heap. */
function push(d: f32, label: i32): void {
  if (gCap == 0) return;
  if (gCnt < gCap) {
    let pos = gCnt++;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      const pd = load<f32>(gHD + (<usize>parent << 2)), pl = load<i32>(gHI + (<usize>parent << 2));
      if (!worse(d, label, pd, pl)) break;
      store<f32>(gHD + (<usize>pos << 2), pd); store<i32>(gHI + (<usize>pos << 2), pl);
      pos = parent;
    }
    store<f32>(gHD + (<usize>pos << 2), d); store<i32>(gHI + (<usize>pos << 2), label);
    return;
  }
  if (!worse(load<f32>(gHD), load<i32>(gHI), d, label)) return;
  let pos = 0;
  const n = gCnt;
  for (;;) {
    const l = 2 * pos + 1;
    if (l >= n) break;
    let c = l;
    let cd = load<f32>(gHD + (<usize>l << 2)), cl = load<i32>(gHI + (<usize>l << 2));
    const r = l + 1;
    if (r < n) {
      const rd = load<f32>(gHD + (<usize>r << 2)), rl = load<i32>(gHI + (<usize>r << 2));
      if (worse(rd, rl, cd, cl)) { c = r; cd = rd; cl = rl; }
    }
    if (!worse(cd, cl, d, label)) break;
    store<f32>(gHD + (<usize>pos << 2), cd); store<i32>(gHI + (<usize>pos << 2), cl);
    pos = c;
  }
  store<f32>(gHD + (<usize>pos << 2), d); store<i32>(gHI + (<usize>pos << 2), label);
}

/** Offers one pair from the host (refine and tests). */
export function heapPush(d: f32, label: i32): void { push(d, label); }

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/**
 * Squared L2 between the query (d floats at q) and one row (d floats at r) in the direct form
 * sum (q_t - x_t)^2: four f32x4 accumulators over 16 coordinates per step keep the dependency
 * chains short. The distance every ivf-flat L2 answer carries (FAISS's IVFFlat sums the same
 * form), so its float32 error is relative to the distance itself.
 */
@inline function l2Row(q: usize, r: usize, d: i32): f32 {
  const d16 = d & ~15, d4 = d & ~3;
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  let t = 0;
  for (; t < d16; t += 16) {
    const o = <usize>t << 2;
    const v0 = f32x4.sub(v128.load(q + o), v128.load(r + o));
    const v1 = f32x4.sub(v128.load(q + o, 16), v128.load(r + o, 16));
    const v2 = f32x4.sub(v128.load(q + o, 32), v128.load(r + o, 32));
    const v3 = f32x4.sub(v128.load(q + o, 48), v128.load(r + o, 48));
    a0 = mac(a0, v0, v0); a1 = mac(a1, v1, v1); a2 = mac(a2, v2, v2); a3 = mac(a3, v3, v3);
  }
  for (; t < d4; t += 4) {
    const o = <usize>t << 2;
    const v0 = f32x4.sub(v128.load(q + o), v128.load(r + o));
    a0 = mac(a0, v0, v0);
  }
  let s = hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
  for (; t < d; t++) { const v = load<f32>(q + (<usize>t << 2)) - load<f32>(r + (<usize>t << 2)); s += v * v; }
  return s;
}

/**
 * IVF-Flat: squared L2 between the query (d floats at q) and each of the n rows of the list
 * (codes: n x d floats, labels: n i32), offered to the heap.
 */
export function scanL2(q: usize, d: i32, codes: usize, labels: usize, n: i32, mask: usize): void {
  const rowBytes = <usize>d << 2;
  for (let p = 0; p < n; p++) {
    const label = load<i32>(labels + (<usize>p << 2));
    if (mask != 0 && load<u8>(mask + <usize>label) == 0) continue;
    const s = l2Row(q, codes + <usize>p * rowBytes, d);
    if (s <= worst()) push(s, label);
  }
}

/** IVF-Flat, inner product: 1 - <q, x> per row (the families' reduced ip distance). */
export function scanIp(q: usize, d: i32, codes: usize, labels: usize, n: i32, mask: usize): void {
  const rowBytes = <usize>d << 2;
  const d16 = d & ~15, d4 = d & ~3;
  for (let p = 0; p < n; p++) {
    const label = load<i32>(labels + (<usize>p << 2));
    if (mask != 0 && load<u8>(mask + <usize>label) == 0) continue;
    const r = codes + <usize>p * rowBytes;
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    let t = 0;
    for (; t < d16; t += 16) {
      const o = <usize>t << 2;
      a0 = mac(a0, v128.load(q + o), v128.load(r + o));
      a1 = mac(a1, v128.load(q + o, 16), v128.load(r + o, 16));
      a2 = mac(a2, v128.load(q + o, 32), v128.load(r + o, 32));
      a3 = mac(a3, v128.load(q + o, 48), v128.load(r + o, 48));
    }
    for (; t < d4; t += 4) {
      const o = <usize>t << 2;
      a0 = mac(a0, v128.load(q + o), v128.load(r + o));
    }
    let s = hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
    for (; t < d; t++) s += load<f32>(q + (<usize>t << 2)) * load<f32>(r + (<usize>t << 2));
    const v: f32 = 1 - s;
    if (v <= worst()) push(v, label);
  }
}

/** The four lanes' sums of four vectors, one per lane: lane j = (v_j0 + v_j2) + (v_j1 + v_j3). */
@inline function sum4(a: v128, b: v128, c: v128, e: v128): v128 {
  const s = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7));
  const t = f32x4.add(v128.shuffle<f32>(c, e, 0, 4, 1, 5), v128.shuffle<f32>(c, e, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(s, t, 0, 1, 4, 5), v128.shuffle<f32>(s, t, 2, 3, 6, 7));
}

/** Coordinate (byte offset o) of four rows side by side: a row's tail when d % 4 != 0. */
@inline function column(r0: usize, r1: usize, r2: usize, r3: usize, o: usize): v128 {
  let v = f32x4.splat(load<f32>(r0 + o));
  v = f32x4.replace_lane(v, 1, load<f32>(r1 + o));
  v = f32x4.replace_lane(v, 2, load<f32>(r2 + o));
  return f32x4.replace_lane(v, 3, load<f32>(r3 + o));
}

/** A tile's four keys, read back lane by lane (static, v128-aligned). */
const KEYS: usize = memory.data(16, 16);

/**
 * G = (d + 4) 2^-23: the relative rounding slack of the L2 pre-selection, twice the
 * gamma_{d+4} = (d + 4) 2^-24 that the bound in scanList needs (the spare half covers the float64
 * steps and the rounding of A and of the threshold to float32).
 */
@inline function slack(d: i32): f64 { return <f64>(d + 4) * 1.1920928955078125e-7; }

/**
 * The lanes in `bits` passed query i's threshold: each is offered to its heap (L2: the direct-form
 * distance l2Row recomputed, the value every ivf-flat answer carries; ip: the key 1 - <q, x>
 * itself), then the query's threshold follows its new k-th distance.
 */
function offerLanes(ip: bool, i: i32, key: v128, bits: i32, p: i32, Q: usize, d: i32, rAddr: usize, rLab: usize, hd: usize, hi: usize, cnt: usize, cap: i32, qn: usize, thr: usize): void {
  const iq = <usize>i, heapBytes = <usize>cap << 2;
  gHD = hd + iq * heapBytes; gHI = hi + iq * heapBytes; gCap = cap; gCnt = load<i32>(cnt + (iq << 2));
  v128.store(KEYS, key);
  const q = Q + iq * (<usize>d << 2);
  for (let lane = 0; lane < 4; lane++) {
    if ((bits & (1 << lane)) == 0) continue;
    const e = <usize>(p + lane) << 2;
    const v = ip ? load<f32>(KEYS + (<usize>lane << 2)) : l2Row(q, <usize>load<i32>(rAddr + e), d);
    if (v <= worst()) push(v, load<i32>(rLab + e));
  }
  store<i32>(cnt + (iq << 2), gCnt);
  if (gCnt < gCap) return;
  // a row can enter only with a distance <= the k-th (equal: the lower label wins)
  const w = <f64>load<f32>(gHD);
  const T = ip ? w : w / (1 - slack(d)) - load<f64>(qn + (iq << 3));
  // the nearest float32 of T + 2^-22 |T| is never below T
  store<f32>(thr + (iq << 2), <f32>(T + Math.abs(T) * 2.384185791015625e-7 + 1e-37));
}

/** Query i's four keys of rows p .. p + 3 (lanes past the list's end masked off by `valid`) against its threshold. */
@inline function tileOffer(ip: bool, i: i32, dots: v128, valid: i32, p: i32, Q: usize, d: i32, rAddr: usize, rLab: usize, rA: usize, hd: usize, hi: usize, cnt: usize, cap: i32, qn: usize, thr: usize): void {
  // L2 key A - 2 <q, x> (A = ||x||^2 (1 - G)); ip: the distance 1 - <q, x>
  const key = ip ? f32x4.sub(f32x4.splat(1), dots) : f32x4.sub(v128.load(rA + (<usize>p << 2)), f32x4.add(dots, dots));
  const bits = i32x4.bitmask(f32x4.le(key, v128.load32_splat(thr + (<usize>i << 2)))) & valid;
  if (bits != 0) offerLanes(ip, i, key, bits, p, Q, d, rAddr, rLab, hd, hi, cnt, cap, qn, thr);
}

/**
 * IVF-Flat, list-major batch scan: one inverted list (codes: n x d f32, labels: n i32) against
 * every query of the batch that probes it (qs: nqs i32 indices into the batch Q, rows of d f32),
 * each query with its own top-k (query i's heap: cap pairs at hd + 4 i cap / hi + 4 i cap, its
 * count at cnt + 4 i). The list is read from memory once per batch instead of once per query,
 * and a top-k does not depend on the order its candidates arrive in (ties go to the lower
 * label), so the answers are a query-after-query scan's.
 *
 * Register tile (as the brute-force kernel's): 2 queries x 4 rows per pass over d, rows outer
 * (a group of 4 rows stays in L1 while every pair of queries takes its turn), one f32x4
 * accumulator per (query, row) pair: per 4 coordinates 6 loads and 8 multiply-adds, where a
 * (query, row) at a time costs 2 loads per multiply-add. The 8 dot products end in two 4x4
 * transpose-adds (sum4: four rows' sums in one vector per query). An odd last query is paired
 * with itself and rows past a multiple of 4 repeat the last row; their lanes are discarded.
 * Every pair's dot product is summed in the same order whatever the tile position.
 *
 * ip != 0: the distance 1 - <q, x> is the key itself, offered when <= the query's k-th.
 * L2: key = A - 2 <q, x> with A = ||x||^2 (1 - G) per label (norms, rowNorms). The float32 dot
 * product errs by at most gamma_d ||q|| ||x|| (gamma_d = d 2^-24 / (1 - d 2^-24)), A and the key
 * round once each, and 2 ||q|| ||x|| <= ||q||^2 + ||x||^2, so
 *   D = ||q - x||^2 >= key + ||q||^2 (1 - gamma_{d+3})
 * (the ||x||^2 terms cancel because A carries the (1 - G) factor). The distance the heap ranks,
 * l2Row's float32 sum of (q_t - x_t)^2, is at least D (1 - gamma_{d+2}) (every term >= 0). A row
 * whose key exceeds T = k-th / (1 - G) - ||q||^2 (1 - G) (qn: queryNorms) therefore cannot enter
 * the heap and is skipped; the others get their direct-form distance recomputed (about 7 % of
 * the rows at nprobe 8 on 100k x 128: the heap's insertions and a few more), so the answers are
 * the direct-form scan's (FAISS's IVFFlat form: its float32 error is relative to the distance,
 * where the key's is relative to ||q||^2 + ||x||^2).
 * Per query, thr (f32) holds the key threshold (+Infinity until its heap is full).
 * rows: scratch of 3 (n + 4) i32 (the allowed rows' addresses, labels, A).
 */
@inline function scanTile(ip: bool, Q: usize, d: i32, qs: usize, nqs: i32, codes: usize, labels: usize, n: i32, mask: usize, hd: usize, hi: usize, cnt: usize, cap: i32, norms: usize, qn: usize, thr: usize, rows: usize): void {
  const rowBytes = <usize>d << 2;
  const stride = <usize>(n + 4) << 2;
  const rAddr = rows, rLab = rows + stride, rA = rows + 2 * stride;
  // the rows the mask allows (filters and removed labels cost no arithmetic)
  let m = 0;
  for (let p = 0; p < n; p++) {
    const label = load<i32>(labels + (<usize>p << 2));
    if (mask != 0 && load<u8>(mask + <usize>label) == 0) continue;
    const e = <usize>m << 2;
    store<i32>(rAddr + e, <i32>(codes + <usize>p * rowBytes));
    store<i32>(rLab + e, label);
    if (!ip) store<f32>(rA + e, load<f32>(norms + (<usize>label << 2)));
    m++;
  }
  if (m == 0) return;
  const lastRow = load<i32>(rAddr + (<usize>(m - 1) << 2));
  for (let t = m; t < ((m + 3) & ~3); t++) { store<i32>(rAddr + (<usize>t << 2), lastRow); store<f32>(rA + (<usize>t << 2), 0); }
  const d4b = <usize>(d & ~3) << 2, db = <usize>d << 2;
  const zero = f32x4.splat(0);
  for (let p = 0; p < m; p += 4) {
    const rp = rAddr + (<usize>p << 2);
    const r0 = <usize>load<i32>(rp), r1 = <usize>load<i32>(rp, 4), r2 = <usize>load<i32>(rp, 8), r3 = <usize>load<i32>(rp, 12);
    const valid = m - p >= 4 ? 15 : (1 << (m - p)) - 1;
    for (let j = 0; j < nqs; j += 2) {
      const ia = load<i32>(qs + (<usize>j << 2));
      const pair = j + 1 < nqs;
      const ib = pair ? load<i32>(qs + (<usize>(j + 1) << 2)) : ia;
      const qa = Q + <usize>ia * rowBytes, qb = Q + <usize>ib * rowBytes;
      let a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero;
      // pointers stepped (one add each per step) rather than base + offset per load
      let p0 = r0, p1 = r1, p2 = r2, p3 = r3, pa = qa, pb = qb;
      const pe = r0 + d4b;
      while (p0 < pe) {
        const x0 = v128.load(p0), x1 = v128.load(p1), x2 = v128.load(p2), x3 = v128.load(p3);
        const u = v128.load(pa);
        a0 = mac(a0, u, x0); a1 = mac(a1, u, x1); a2 = mac(a2, u, x2); a3 = mac(a3, u, x3);
        const w = v128.load(pb);
        a4 = mac(a4, w, x0); a5 = mac(a5, w, x1); a6 = mac(a6, w, x2); a7 = mac(a7, w, x3);
        p0 += 16; p1 += 16; p2 += 16; p3 += 16; pa += 16; pb += 16;
      }
      let ka = sum4(a0, a1, a2, a3), kb = sum4(a4, a5, a6, a7);
      for (let o = d4b; o < db; o += 4) {
        const xv = column(r0, r1, r2, r3, o);
        ka = f32x4.add(ka, f32x4.mul(v128.load32_splat(qa + o), xv));
        kb = f32x4.add(kb, f32x4.mul(v128.load32_splat(qb + o), xv));
      }
      tileOffer(ip, ia, ka, valid, p, Q, d, rAddr, rLab, rA, hd, hi, cnt, cap, qn, thr);
      if (pair) tileOffer(ip, ib, kb, valid, p, Q, d, rAddr, rLab, rA, hd, hi, cnt, cap, qn, thr);
    }
  }
}

/** See scanTile; ip != 0: inner product (1 - <q, x>), else squared L2. */
export function scanList(Q: usize, d: i32, qs: usize, nqs: i32, codes: usize, labels: usize, n: i32, mask: usize, hd: usize, hi: usize, cnt: usize, cap: i32, ip: i32, norms: usize, qn: usize, thr: usize, rows: usize): void {
  if (ip) scanTile(true, Q, d, qs, nqs, codes, labels, n, mask, hd, hi, cnt, cap, norms, qn, thr, rows);
  else scanTile(false, Q, d, qs, nqs, codes, labels, n, mask, hd, hi, cnt, cap, norms, qn, thr, rows);
}

/** qn[i] = ||q_i||^2 (1 - G) in float64 for the b rows of Q: the L2 threshold's query term. */
export function queryNorms(Q: usize, d: i32, b: i32, qn: usize): void {
  const G = slack(d);
  for (let i = 0; i < b; i++) {
    const q = Q + <usize>i * (<usize>d << 2);
    let s: f64 = 0;
    for (let t = 0; t < d; t++) { const v = <f64>load<f32>(q + (<usize>t << 2)); s += v * v; }
    store<f64>(qn + (<usize>i << 3), s * (1 - G));
  }
}

/** norms[labels[p]] = A = ||x_p||^2 (1 - G) (float64, then float32) for the n rows of a list: the L2 key's row term. */
export function rowNorms(codes: usize, labels: usize, n: i32, d: i32, norms: usize): void {
  const G = slack(d);
  for (let p = 0; p < n; p++) {
    const r = codes + <usize>p * (<usize>d << 2);
    let s: f64 = 0;
    for (let t = 0; t < d; t++) { const v = <f64>load<f32>(r + (<usize>t << 2)); s += v * v; }
    store<f32>(norms + (<usize>load<i32>(labels + (<usize>p << 2)) << 2), <f32>(s * (1 - G)));
  }
}

/**
 * PQ ADC, 8-bit codes (m bytes per entry): bias + sum_j lut[j * 256 + code_j] per entry
 * (Jegou et al.'s asymmetric distance), offered to the heap. Four partial sums; the look-ups
 * are scalar (WebAssembly has no gather), as FAISS's 8-bit scanner.
 */
export function scanAdc(lut: usize, bias: f32, codes: usize, labels: usize, n: i32, m: i32, mask: usize): void {
  const m4 = m & ~3;
  for (let p = 0; p < n; p++) {
    const label = load<i32>(labels + (<usize>p << 2));
    if (mask != 0 && load<u8>(mask + <usize>label) == 0) continue;
    const c = codes + <usize>p * <usize>m;
    let s0: f32 = bias, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
    let j = 0;
    for (; j < m4; j += 4) {
      const t = lut + (<usize>j << 10);
      s0 += load<f32>(t + (<usize>load<u8>(c + <usize>j) << 2));
      s1 += load<f32>(t + 1024 + (<usize>load<u8>(c + <usize>j + 1) << 2));
      s2 += load<f32>(t + 2048 + (<usize>load<u8>(c + <usize>j + 2) << 2));
      s3 += load<f32>(t + 3072 + (<usize>load<u8>(c + <usize>j + 3) << 2));
    }
    for (; j < m; j++) s0 += load<f32>(lut + (<usize>j << 10) + (<usize>load<u8>(c + <usize>j) << 2));
    const s = (s0 + s1) + (s2 + s3);
    if (s <= worst()) push(s, label);
  }
}

/** out[t] = a[t] + b[t] for t < len (len a multiple of 4): the per-list ADC table T[list] + (-2 <q, r>). */
export function addTables(a: usize, b: usize, out: usize, len: i32): void {
  for (let t: usize = 0; t < (<usize>len << 2); t += 16) v128.store(out + t, f32x4.add(v128.load(a + t), v128.load(b + t)));
}

/**
 * ADC tables of one query (q: d floats) against the m codebooks (centroids: m x ksub x dsub,
 * FAISS's layout): l2 != 0: lut[j, c] = ||q_j - C_jc||^2, else lut[j, c] = scale <q_j, C_jc>.
 */
export function tables(q: usize, centroids: usize, m: i32, ksub: i32, dsub: i32, l2: i32, scale: f32, lut: usize): void {
  const d4 = dsub & ~3;
  for (let j = 0; j < m; j++) {
    const qj = q + ((<usize>j * <usize>dsub) << 2);
    for (let c = 0; c < ksub; c++) {
      const o = centroids + (((<usize>j * <usize>ksub + <usize>c) * <usize>dsub) << 2);
      let acc = f32x4.splat(0);
      let t = 0;
      if (l2) {
        for (; t < d4; t += 4) { const v = f32x4.sub(v128.load(qj + (<usize>t << 2)), v128.load(o + (<usize>t << 2))); acc = mac(acc, v, v); }
        let s = hsum(acc);
        for (; t < dsub; t++) { const v = load<f32>(qj + (<usize>t << 2)) - load<f32>(o + (<usize>t << 2)); s += v * v; }
        store<f32>(lut + ((<usize>j * <usize>ksub + <usize>c) << 2), s);
      } else {
        for (; t < d4; t += 4) acc = mac(acc, v128.load(qj + (<usize>t << 2)), v128.load(o + (<usize>t << 2)));
        let s = hsum(acc);
        for (; t < dsub; t++) s += load<f32>(qj + (<usize>t << 2)) * load<f32>(o + (<usize>t << 2));
        store<f32>(lut + ((<usize>j * <usize>ksub + <usize>c) << 2), scale * s);
      }
    }
  }
}

/**
 * Quantises m float tables of 16 entries (lut: m x 16 f32) to uint8 for the fast scan (FAISS's
 * quantize_LUT_and_bias, one scale for all sub-quantisers): b_j = min_c lut[j, c], R = max_j
 * (max_c lut[j, c] - b_j), a = 255 / R, out[j, c] = round((lut[j, c] - b_j) a). Writes
 * [a, sum_j b_j] as two f32 at info. A sum of m entries then estimates
 * (ADC - sum_j b_j) a within m / 2 (half a unit per rounded entry).
 */
export function quantizeTables(lut: usize, m: i32, out: usize, info: usize): void {
  let R: f32 = 0, bsum: f32 = 0;
  for (let j = 0; j < m; j++) {
    const t = lut + (<usize>j << 6);
    const lo = f32x4.min(f32x4.min(v128.load(t), v128.load(t, 16)), f32x4.min(v128.load(t, 32), v128.load(t, 48)));
    const hi = f32x4.max(f32x4.max(v128.load(t), v128.load(t, 16)), f32x4.max(v128.load(t, 32), v128.load(t, 48)));
    const b = min(min(f32x4.extract_lane(lo, 0), f32x4.extract_lane(lo, 1)), min(f32x4.extract_lane(lo, 2), f32x4.extract_lane(lo, 3)));
    const h = max(max(f32x4.extract_lane(hi, 0), f32x4.extract_lane(hi, 1)), max(f32x4.extract_lane(hi, 2), f32x4.extract_lane(hi, 3)));
    if (h - b > R) R = h - b;
    bsum += b;
  }
  const a: f32 = R > 0 ? <f32>255 / R : 1;
  const av = f32x4.splat(a);
  for (let j = 0; j < m; j++) {
    const t = lut + (<usize>j << 6);
    const bv = f32x4.splat(lutMin(t));
    // nearest integer of (lut - b) a, in [0, 255]
    const i0 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(f32x4.sub(v128.load(t), bv), av)));
    const i1 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(f32x4.sub(v128.load(t, 16), bv), av)));
    const i2 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(f32x4.sub(v128.load(t, 32), bv), av)));
    const i3 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(f32x4.sub(v128.load(t, 48), bv), av)));
    const w0 = i16x8.narrow_i32x4_s(i0, i1), w1 = i16x8.narrow_i32x4_s(i2, i3);
    v128.store(out + (<usize>j << 4), i8x16.narrow_i16x8_u(w0, w1));
  }
  store<f32>(info, a);
  store<f32>(info, bsum, 4);
}

@inline function lutMin(t: usize): f32 {
  const lo = f32x4.min(f32x4.min(v128.load(t), v128.load(t, 16)), f32x4.min(v128.load(t, 32), v128.load(t, 48)));
  return min(min(f32x4.extract_lane(lo, 0), f32x4.extract_lane(lo, 1)), min(f32x4.extract_lane(lo, 2), f32x4.extract_lane(lo, 3)));
}

/**
 * 4-bit fast scan (André, Kermarrec & Le Scouarnec 2015, "Cache locality is not enough";
 * FAISS's IndexPQFastScan): the list's codes are packed in blocks of 32 entries, each block m
 * groups of 16 bytes, group j byte i = code_j(entry i) | code_j(entry i + 16) << 4. The uint8
 * table of sub-quantiser j (16 entries, one v128) is looked up for 16 entries at once by
 * i8x16.swizzle, and sums accumulate in uint16: A += r (lanes hold even + 256 odd entries, mod
 * 2^16) and B += r >> 8 (odd entries), so that even = A - (B << 8) exactly while m * 255 < 2^16.
 * An entry whose integer sum S can beat the heap's k-th distance (bias + S / a <= worst) has its
 * estimate bias + S / a offered to the heap; a block with none costs no scalar work.
 */
export function scanFs(qlut: usize, m: i32, a: f32, bias: f32, codes: usize, labels: usize, n: i32, mask: usize): void {
  const low = i8x16.splat(0x0f);
  const inv: f32 = <f32>1 / a;
  const blocks = (n + 31) >> 5;
  for (let b = 0; b < blocks; b++) {
    const blk = codes + ((<usize>b * <usize>m) << 4);
    let A0 = i16x8.splat(0), B0 = A0, A1 = A0, B1 = A0;
    for (let j = 0; j < m; j++) {
      const lut = v128.load(qlut + (<usize>j << 4));
      const v = v128.load(blk + (<usize>j << 4));
      const r0 = i8x16.swizzle(lut, v128.and(v, low));
      const r1 = i8x16.swizzle(lut, i8x16.shr_u(v, 4));
      A0 = i16x8.add(A0, r0); B0 = i16x8.add(B0, i16x8.shr_u(r0, 8));
      A1 = i16x8.add(A1, r1); B1 = i16x8.add(B1, i16x8.shr_u(r1, 8));
    }
    const E0 = i16x8.sub(A0, i16x8.shl(B0, 8)), E1 = i16x8.sub(A1, i16x8.shl(B1, 8));
    // threshold in table units: S <= (worst - bias) a, widened by one unit against rounding
    const w = worst();
    let thr: i32 = 65535;
    if (w != Infinity) {
      const t = (w - bias) * a + 1;
      thr = t < 0 ? -1 : t > 65535 ? 65535 : <i32>t;
    }
    if (thr < 0) continue;
    const tv = i16x8.splat(<i16>thr);
    // lanes: E0 = entries 0, 2, .., 14; B0 = 1, 3, .., 15; E1 = 16, 18, ..; B1 = 17, 19, ..
    const me0 = i16x8.bitmask(i16x8.le_u(E0, tv)), mo0 = i16x8.bitmask(i16x8.le_u(B0, tv));
    const me1 = i16x8.bitmask(i16x8.le_u(E1, tv)), mo1 = i16x8.bitmask(i16x8.le_u(B1, tv));
    if ((me0 | mo0 | me1 | mo1) == 0) continue;
    const base = b << 5;
    for (let i = 0; i < 8; i++) {
      if (me0 & (1 << i)) offerFs(base + 2 * i, E0, i, n, labels, mask, bias, inv);
      if (mo0 & (1 << i)) offerFs(base + 2 * i + 1, B0, i, n, labels, mask, bias, inv);
      if (me1 & (1 << i)) offerFs(base + 16 + 2 * i, E1, i, n, labels, mask, bias, inv);
      if (mo1 & (1 << i)) offerFs(base + 17 + 2 * i, B1, i, n, labels, mask, bias, inv);
    }
  }
}

/** Lane i of a u16x8 (a switch: extract_lane needs a constant lane). */
@inline function laneU16(v: v128, i: i32): i32 {
  switch (i) {
    case 0: return i16x8.extract_lane_u(v, 0);
    case 1: return i16x8.extract_lane_u(v, 1);
    case 2: return i16x8.extract_lane_u(v, 2);
    case 3: return i16x8.extract_lane_u(v, 3);
    case 4: return i16x8.extract_lane_u(v, 4);
    case 5: return i16x8.extract_lane_u(v, 5);
    case 6: return i16x8.extract_lane_u(v, 6);
    default: return i16x8.extract_lane_u(v, 7);
  }
}

@inline function offerFs(e: i32, v: v128, lane: i32, n: i32, labels: usize, mask: usize, bias: f32, inv: f32): void {
  if (e >= n) return;
  const label = load<i32>(labels + (<usize>e << 2));
  if (mask != 0 && load<u8>(mask + <usize>label) == 0) return;
  const s = bias + <f32>laneU16(v, lane) * inv;
  if (s <= worst()) push(s, label);
}
