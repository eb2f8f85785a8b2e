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
 * IVF-Flat: squared L2 between the query (d floats at q) and each of the n rows of the list
 * (codes: n x d floats, labels: n i32), offered to the heap. Four f32x4 accumulators over 16
 * coordinates per step keep the dependency chains short.
 */
export function scanL2(q: usize, d: i32, codes: usize, labels: usize, n: i32, mask: usize): void {
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

/**
 * IVF-Flat, list-major batch scan: one inverted list against every query of the batch that
 * probes it (qs: nqs i32 indices into the batch Q, rows of d f32), each query with its own top-k
 * (query i's heap: cap pairs at hd + 4 i cap / hi + 4 i cap, its count at cnt + 4 i). The list
 * is read from memory once per batch instead of once per query: it stays in cache while the
 * queries that probe it (batch * nprobe / nlist of them) take their turns, where a query-major
 * scan streams every probed list from RAM again for each query. The distances are scanL2's /
 * scanIp's, and a top-k does not depend on the order its candidates arrive in (ties go to the
 * lower label), so the answers are the query-major scan's exactly. ip != 0: 1 - <q, x>.
 */
export function scanList(Q: usize, d: i32, qs: usize, nqs: i32, codes: usize, labels: usize, n: i32, mask: usize, hd: usize, hi: usize, cnt: usize, cap: i32, ip: i32): void {
  const rowBytes = <usize>d << 2, heapBytes = <usize>cap << 2;
  for (let j = 0; j < nqs; j++) {
    const q = <usize>load<i32>(qs + (<usize>j << 2));
    gHD = hd + q * heapBytes; gHI = hi + q * heapBytes; gCap = cap; gCnt = load<i32>(cnt + (q << 2));
    if (ip) scanIp(Q + q * rowBytes, d, codes, labels, n, mask);
    else scanL2(Q + q * rowBytes, d, codes, labels, n, mask);
    store<i32>(cnt + (q << 2), gCnt);
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
