// Exact k-NN over bit-packed 0/1 vectors (the `bits` codec): the distance is the Hamming
// distance popcount(a XOR b), which for 0/1 vectors equals the squared Euclidean distance.
//
// Memory is laid out by the host (src/codecs/bit-scan.ts); every function takes byte offsets.
// No allocation, no runtime: `--runtime stub`.
//   base   n rows of W u64 words (row j at base + 8 W j), zero-padded bits
//   q      nq rows of W u64 words
//   mask   0, or n bytes: row j is a candidate only when mask[j] != 0 (filters, removed points)
//   outD   i32[nq * k], outI i32[nq * k]: per query the k best (distance, row) sorted by distance,
//          ties by the lower row (rows are scanned in order and a tie never displaces), -1 / MAX
//          where fewer than k rows are candidates.

/**
 * k nearest rows of every query. Rows of up to 8 words (512 bits) go to `held1` .. `held8`: one
 * query at a time with its words held in locals across the whole row loop, compiled once per
 * word count (the `W > t` tests fold away), so that a pair costs W loads, XORs, POPCNTs and
 * adds; k = 1 without a mask also keeps the best row in locals. Binalpha (W = 5, k = 1): 1.86
 * against 3.23 ns per pair for the four-query blocking below (same process, load average 8),
 * whose inner loop recomputed addresses and reloaded spilled accumulators. Wider rows keep it.
 */
export function scanTopK(base: usize, n: i32, q: usize, nq: i32, W: i32, k: i32, mask: usize, outD: usize, outI: usize): void {
  if (W > 8) { scanBlocked(base, n, q, nq, W, k, mask, outD, outI); return; }
  switch (W) {
    case 1: held1(base, n, q, nq, k, mask, outD, outI); break;
    case 2: held2(base, n, q, nq, k, mask, outD, outI); break;
    case 3: held3(base, n, q, nq, k, mask, outD, outI); break;
    case 4: held4(base, n, q, nq, k, mask, outD, outI); break;
    case 5: held5(base, n, q, nq, k, mask, outD, outI); break;
    case 6: held6(base, n, q, nq, k, mask, outD, outI); break;
    case 7: held7(base, n, q, nq, k, mask, outD, outI); break;
    default: held8(base, n, q, nq, k, mask, outD, outI);
  }
}

// `scanTopK` for W = 1..8 words, one export each: the host calls the one for its width directly.
// V8 allocates registers per function, and one body holding every width's loop (the optimiser
// inlines these into scanTopK) spilled the query words and the k-th distance to the stack.
export function held1(base: usize, n: i32, q: usize, nq: i32, k: i32, mask: usize, outD: usize, outI: usize): void { if (k == 1 && mask == 0) nearestAll(base, n, q, nq, 1, outD, outI); else heldAll(base, n, q, nq, 1, k, mask, outD, outI); }
export function held2(base: usize, n: i32, q: usize, nq: i32, k: i32, mask: usize, outD: usize, outI: usize): void { if (k == 1 && mask == 0) nearestAll(base, n, q, nq, 2, outD, outI); else heldAll(base, n, q, nq, 2, k, mask, outD, outI); }
export function held3(base: usize, n: i32, q: usize, nq: i32, k: i32, mask: usize, outD: usize, outI: usize): void { if (k == 1 && mask == 0) nearestAll(base, n, q, nq, 3, outD, outI); else heldAll(base, n, q, nq, 3, k, mask, outD, outI); }
export function held4(base: usize, n: i32, q: usize, nq: i32, k: i32, mask: usize, outD: usize, outI: usize): void { if (k == 1 && mask == 0) nearestAll(base, n, q, nq, 4, outD, outI); else heldAll(base, n, q, nq, 4, k, mask, outD, outI); }
export function held5(base: usize, n: i32, q: usize, nq: i32, k: i32, mask: usize, outD: usize, outI: usize): void { if (k == 1 && mask == 0) nearestAll(base, n, q, nq, 5, outD, outI); else heldAll(base, n, q, nq, 5, k, mask, outD, outI); }
export function held6(base: usize, n: i32, q: usize, nq: i32, k: i32, mask: usize, outD: usize, outI: usize): void { if (k == 1 && mask == 0) nearestAll(base, n, q, nq, 6, outD, outI); else heldAll(base, n, q, nq, 6, k, mask, outD, outI); }
export function held7(base: usize, n: i32, q: usize, nq: i32, k: i32, mask: usize, outD: usize, outI: usize): void { if (k == 1 && mask == 0) nearestAll(base, n, q, nq, 7, outD, outI); else heldAll(base, n, q, nq, 7, k, mask, outD, outI); }
export function held8(base: usize, n: i32, q: usize, nq: i32, k: i32, mask: usize, outD: usize, outI: usize): void { if (k == 1 && mask == 0) nearestAll(base, n, q, nq, 8, outD, outI); else heldAll(base, n, q, nq, 8, k, mask, outD, outI); }

@inline function heldAll(base: usize, n: i32, q: usize, nq: i32, W: i32, k: i32, mask: usize, outD: usize, outI: usize): void {
  clearOut(nq, k, outD, outI);
  const qBytes = <usize>W << 3;
  if (mask == 0) for (let i = 0; i < nq; i++) scanHeld(base, n, q + <usize>i * qBytes, W, k, 0, outD, outI, i, false);
  else for (let i = 0; i < nq; i++) scanHeld(base, n, q + <usize>i * qBytes, W, k, mask, outD, outI, i, true);
}

@inline function clearOut(nq: i32, k: i32, outD: usize, outI: usize): void {
  for (let i = 0; i < nq; i++) {
    const o = (<usize>i * <usize>k) << 2;
    for (let t = 0; t < k; t++) { store<i32>(outD + o + (<usize>t << 2), i32.MAX_VALUE); store<i32>(outI + o + (<usize>t << 2), -1); }
  }
}

/**
 * k = 1 without a mask (kNN-Graph's lookup): the nearest row and its distance stay in locals too;
 * the first of equal distances is kept (strict <), as `insert` does.
 */
@inline function nearestAll(base: usize, n: i32, q: usize, nq: i32, W: i32, outD: usize, outI: usize): void {
  const rowBytes = <usize>W << 3;
  for (let i = 0; i < nq; i++) {
    const qi = q + <usize>i * rowBytes;
    const a0 = load<u64>(qi, 0);
    const a1 = W > 1 ? load<u64>(qi, 8) : 0, a2 = W > 2 ? load<u64>(qi, 16) : 0, a3 = W > 3 ? load<u64>(qi, 24) : 0;
    const a4 = W > 4 ? load<u64>(qi, 32) : 0, a5 = W > 5 ? load<u64>(qi, 40) : 0, a6 = W > 6 ? load<u64>(qi, 48) : 0, a7 = W > 7 ? load<u64>(qi, 56) : 0;
    // the loop runs on the row pointer alone (no row counter): fewer live values, so that V8
    // keeps the held words, the pointer and the best so far in registers
    let worst = i32.MAX_VALUE, bestRow: usize = 0;
    const end = base + <usize>n * rowBytes;
    for (let r = base; r < end; r += rowBytes) {
      const d = exactHeld(r, W, a0, a1, a2, a3, a4, a5, a6, a7);
      if (d < worst) { worst = d; bestRow = r; }
    }
    const best = n > 0 && worst < i32.MAX_VALUE ? <i32>((bestRow - base) / rowBytes) : -1;
    store<i32>(outD + (<usize>i << 2), worst);
    store<i32>(outI + (<usize>i << 2), best);
  }
}

/**
 * Query i against every row, its W (constant after inlining, <= 8) words in locals a0..a7.
 * Rows are visited in order and a row enters only when strictly closer than the k-th: equal
 * distances keep the lower row, as in `scanBlocked` and the TypeScript twin.
 */
@inline function scanHeld(base: usize, n: i32, qi: usize, W: i32, k: i32, mask: usize, outD: usize, outI: usize, i: i32, masked: bool): void {
  const a0 = load<u64>(qi, 0);
  const a1 = W > 1 ? load<u64>(qi, 8) : 0, a2 = W > 2 ? load<u64>(qi, 16) : 0, a3 = W > 3 ? load<u64>(qi, 24) : 0;
  const a4 = W > 4 ? load<u64>(qi, 32) : 0, a5 = W > 5 ? load<u64>(qi, 40) : 0, a6 = W > 6 ? load<u64>(qi, 48) : 0, a7 = W > 7 ? load<u64>(qi, 56) : 0;
  const rowBytes = <usize>W << 3;
  let worst = i32.MAX_VALUE;
  let r = base;
  for (let j = 0; j < n; j++, r += rowBytes) {
    if (masked && load<u8>(mask + <usize>j) == 0) continue;
    const d = exactHeld(r, W, a0, a1, a2, a3, a4, a5, a6, a7);
    // inlined: a call here would make V8 spill the held words (no callee-saved registers)
    if (d < worst) worst = insert(outD, outI, i, k, d, j);
  }
}

/**
 * Any W: four queries share each row load (register blocking). Rows wider than 8 words take it;
 * exported too as the reference the held scan is tested and benchmarked against.
 */
export function scanBlocked(base: usize, n: i32, q: usize, nq: i32, W: i32, k: i32, mask: usize, outD: usize, outI: usize): void {
  const rowBytes = <usize>W << 3;
  clearOut(nq, k, outD, outI);
  let i = 0;
  for (; i + 4 <= nq; i += 4) {
    const q0 = q + <usize>i * rowBytes, q1 = q0 + rowBytes, q2 = q1 + rowBytes, q3 = q2 + rowBytes;
    // the current k-th distance of each query: a row is inserted only when strictly closer
    let w0 = i32.MAX_VALUE, w1 = i32.MAX_VALUE, w2 = i32.MAX_VALUE, w3 = i32.MAX_VALUE;
    for (let j = 0; j < n; j++) {
      if (mask != 0 && load<u8>(mask + <usize>j) == 0) continue;
      const r = base + <usize>j * rowBytes;
      let d0: i64 = 0, d1: i64 = 0, d2: i64 = 0, d3: i64 = 0;
      for (let t: usize = 0; t < rowBytes; t += 8) {
        const x = load<u64>(r + t);
        d0 += popcnt<u64>(x ^ load<u64>(q0 + t));
        d1 += popcnt<u64>(x ^ load<u64>(q1 + t));
        d2 += popcnt<u64>(x ^ load<u64>(q2 + t));
        d3 += popcnt<u64>(x ^ load<u64>(q3 + t));
      }
      if (<i32>d0 < w0) w0 = insert(outD, outI, i, k, <i32>d0, j);
      if (<i32>d1 < w1) w1 = insert(outD, outI, i + 1, k, <i32>d1, j);
      if (<i32>d2 < w2) w2 = insert(outD, outI, i + 2, k, <i32>d2, j);
      if (<i32>d3 < w3) w3 = insert(outD, outI, i + 3, k, <i32>d3, j);
    }
  }
  for (; i < nq; i++) {
    const q0 = q + <usize>i * rowBytes;
    let w0 = i32.MAX_VALUE;
    for (let j = 0; j < n; j++) {
      if (mask != 0 && load<u8>(mask + <usize>j) == 0) continue;
      const r = base + <usize>j * rowBytes;
      let d0: i64 = 0;
      for (let t: usize = 0; t < rowBytes; t += 8) d0 += popcnt<u64>(load<u64>(r + t) ^ load<u64>(q0 + t));
      if (<i32>d0 < w0) w0 = insert(outD, outI, i, k, <i32>d0, j);
    }
  }
}

/** Inserts (d, j) into query i's sorted list (d < its k-th); returns the new k-th distance. */
@inline function insert(outD: usize, outI: usize, i: i32, k: i32, d: i32, j: i32): i32 {
  const o = (<usize>i * <usize>k) << 2;
  let p = k - 1;
  // shift larger entries right; an equal distance stays ahead (lower row first)
  while (p > 0 && load<i32>(outD + o + (<usize>(p - 1) << 2)) > d) {
    store<i32>(outD + o + (<usize>p << 2), load<i32>(outD + o + (<usize>(p - 1) << 2)));
    store<i32>(outI + o + (<usize>p << 2), load<i32>(outI + o + (<usize>(p - 1) << 2)));
    p--;
  }
  store<i32>(outD + o + (<usize>p << 2), d);
  store<i32>(outI + o + (<usize>p << 2), j);
  return load<i32>(outD + o + (<usize>(k - 1) << 2));
}

/** All rows within Hamming distance r of each query, appended as (query, row, distance) triples. Returns the count, or -1 if cap is exceeded. */
export function scanRadius(base: usize, n: i32, q: usize, nq: i32, W: i32, r: i32, mask: usize, out: usize, cap: i32): i32 {
  const rowBytes = <usize>W << 3;
  let c = 0;
  for (let i = 0; i < nq; i++) {
    const q0 = q + <usize>i * rowBytes;
    for (let j = 0; j < n; j++) {
      if (mask != 0 && load<u8>(mask + <usize>j) == 0) continue;
      const row = base + <usize>j * rowBytes;
      let d: i64 = 0;
      for (let t: usize = 0; t < rowBytes; t += 8) d += popcnt<u64>(load<u64>(row + t) ^ load<u64>(q0 + t));
      if (<i32>d <= r) {
        if (c >= cap) return -1;
        const o = <usize>c * 12;
        store<i32>(out + o, i); store<i32>(out + o + 4, j); store<i32>(out + o + 8, <i32>d);
        c++;
      }
    }
  }
  return c;
}

/**
 * Packs nq float32 rows of `dim` 0/1 values (at src) into W-word bit rows (at dst), reading the
 * float bit patterns (1.0f = 0x3f800000, +-0). Returns -1 when every value was 0 or 1, else the
 * flat index of the first other value (the host then reports it or takes a float path).
 * Sixteen floats at a time: compare with 1.0f and with +-0 as i32x4, narrow the four masks to
 * one i8x16 and take its bitmask, i.e. the 16 bits in order (dimension b is bit b & 63 of word
 * b >> 6, little-endian, so 16 dimensions are one u16). The tail of a row goes bit by bit.
 */
export function packF32(src: usize, nq: i32, dim: i32, W: i32, dst: usize): i32 {
  const one = i32x4.splat(0x3f800000), abs = i32x4.splat(0x7fffffff), zero = i32x4.splat(0);
  const full = dim & ~15;
  for (let i = 0; i < nq; i++) {
    const s = src + ((<usize>i * <usize>dim) << 2), o = dst + ((<usize>i * <usize>W) << 3);
    for (let w = 0; w < W; w++) store<u64>(o + (<usize>w << 3), 0);
    for (let b = 0; b < full; b += 16) {
      const p = s + (<usize>b << 2);
      const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
      const e0 = i32x4.eq(v0, one), e1 = i32x4.eq(v1, one), e2 = i32x4.eq(v2, one), e3 = i32x4.eq(v3, one);
      const ok = v128.and(
        v128.and(v128.or(e0, i32x4.eq(v128.and(v0, abs), zero)), v128.or(e1, i32x4.eq(v128.and(v1, abs), zero))),
        v128.and(v128.or(e2, i32x4.eq(v128.and(v2, abs), zero)), v128.or(e3, i32x4.eq(v128.and(v3, abs), zero))));
      if (!i32x4.all_true(ok)) return i * dim + firstOther(s, b, b + 16);
      store<u16>(o + (<usize>b >> 3), <u16>i8x16.bitmask(i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(e0, e1), i16x8.narrow_i32x4_s(e2, e3))));
    }
    for (let b = full; b < dim; b++) {
      const x = load<u32>(s + (<usize>b << 2));
      if ((x & 0x7fffffff) != 0) {
        if (x != 0x3f800000) return i * dim + b;
        const byte = o + (<usize>b >> 3);
        store<u8>(byte, <u8>(<i32>load<u8>(byte) | (1 << (b & 7))));
      }
    }
  }
  return -1;
}

/** The first dimension in [from, to) of the float row at s that is neither 0 nor 1. */
function firstOther(s: usize, from: i32, to: i32): i32 {
  for (let b = from; b < to; b++) {
    const x = load<u32>(s + (<usize>b << 2));
    if ((x & 0x7fffffff) != 0 && x != 0x3f800000) return b;
  }
  return to;
}

// ---- k = 1 with a lower bound: sums of absolute differences (kernel 'absdiff', the reference) --
//
// Hamming(q, x) >= sum over segments s of |popcount(q_s) - popcount(x_s)| (a bit that differs
// inside s changes the count by one at most). The dimensions are cut into SEG = 32 segments;
// `buildCounts` stores every row's 32 counts at construction, transposed by blocks of 16 rows
// (segment s of rows 16 b .. 16 b + 15 is one v128), so that the bound of 16 rows is 32
// vertical u8 |a - b| and saturating adds, no horizontal sum. Per query: (1) the bounds of every
// row; (2) a seed: the exact distance of up to SEED rows of the smallest bound; (3) the rows in
// order, each scored exactly only when its bound is below the running best (seed + 1 at the
// start, so that the first of equal distances still wins): the answer is the plain scan's.
// Binalpha (320 bits, 1,264 rows): about a tenth of the rows are scored.

const SEG = 32;
const SEED = 4;

/** Popcount of bits [lo, hi) of the packed row at p. */
function rangeCount(p: usize, lo: i32, hi: i32): i32 {
  let c = 0, b = lo;
  while (b < hi) {
    const off = b & 63, take = min(64 - off, hi - b);
    let x = load<u64>(p + (<usize>(b >> 6) << 3)) >> <u64>off;
    if (take < 64) x &= ((<u64>1) << <u64>take) - 1;
    c += <i32>popcnt<u64>(x);
    b += take;
  }
  return c;
}

/** Segment counts of the n rows at base into cnt (ceil(n / 16) x SEG x 16 bytes; padding rows 127). */
export function buildCounts(base: usize, n: i32, W: i32, dim: i32, cnt: usize): void {
  const nb = (n + 15) >> 4;
  for (let blk = 0; blk < nb; blk++) {
    for (let s = 0; s < SEG; s++) {
      const lo = (s * dim) / SEG, hi = ((s + 1) * dim) / SEG;
      for (let l = 0; l < 16; l++) {
        const j = (blk << 4) + l;
        store<u8>(cnt + ((<usize>(blk * SEG + s)) << 4) + <usize>l, j < n ? <u8>rangeCount(base + ((<usize>j * <usize>W) << 3), lo, hi) : 127);
      }
    }
  }
}

// counts are <= 16 (padding rows 127), so the signed difference fits an i8 and abs is one op
@inline function absDiffU8(a: v128, b: v128): v128 { return i8x16.abs(i8x16.sub(a, b)); }

/** Hamming distance of the row at r to the query words a0 .. a(W-1) (W constant after inlining). */
@inline function exactHeld(r: usize, W: i32, a0: u64, a1: u64, a2: u64, a3: u64, a4: u64, a5: u64, a6: u64, a7: u64): i32 {
  let d = popcnt<u64>(load<u64>(r, 0) ^ a0);
  if (W > 1) d += popcnt<u64>(load<u64>(r, 8) ^ a1);
  if (W > 2) d += popcnt<u64>(load<u64>(r, 16) ^ a2);
  if (W > 3) d += popcnt<u64>(load<u64>(r, 24) ^ a3);
  if (W > 4) d += popcnt<u64>(load<u64>(r, 32) ^ a4);
  if (W > 5) d += popcnt<u64>(load<u64>(r, 40) ^ a5);
  if (W > 6) d += popcnt<u64>(load<u64>(r, 48) ^ a6);
  if (W > 7) d += popcnt<u64>(load<u64>(r, 56) ^ a7);
  return <i32>d;
}

/**
 * Nearest row of each query (k = 1, no mask) for rows of W (constant, 3..8) words, using the
 * segment bound. scr: SEG x 16 + ceil(n / 16) x 16 + 16 bytes of scratch.
 */
@inline function nearestPruned(base: usize, n: i32, q: usize, nq: i32, W: i32, dim: i32, cnt: usize, scr: usize, outD: usize, outI: usize): void {
  const rowBytes = <usize>W << 3, nb = (n + 15) >> 4;
  const qs = scr, bnd = scr + (SEG << 4), tmp = bnd + (<usize>nb << 4);
  for (let i = 0; i < nq; i++) {
    const qi = q + <usize>i * rowBytes;
    let worst = i32.MAX_VALUE, best = -1;
    if (n > 0) {
      const a0 = load<u64>(qi, 0);
      const a1 = W > 1 ? load<u64>(qi, 8) : 0, a2 = W > 2 ? load<u64>(qi, 16) : 0, a3 = W > 3 ? load<u64>(qi, 24) : 0;
      const a4 = W > 4 ? load<u64>(qi, 32) : 0, a5 = W > 5 ? load<u64>(qi, 40) : 0, a6 = W > 6 ? load<u64>(qi, 48) : 0, a7 = W > 7 ? load<u64>(qi, 56) : 0;
      for (let s = 0; s < SEG; s++) v128.store(qs + (<usize>s << 4), i8x16.splat(<i8>rangeCount(qi, (s * dim) / SEG, ((s + 1) * dim) / SEG)));
      // (1) bounds, 16 rows per block, and their minimum
      let mn = i8x16.splat(-1);
      for (let blk = 0; blk < nb; blk++) {
        const c = cnt + ((<usize>blk * SEG) << 4);
        let acc = i8x16.splat(0);
        for (let s: usize = 0; s < <usize>(SEG << 4); s += 128) {
          // two accumulators: shorter dependency chains
          let acc2 = absDiffU8(v128.load(c + s, 16), v128.load(qs + s, 16));
          acc = i8x16.add_sat_u(acc, absDiffU8(v128.load(c + s), v128.load(qs + s)));
          acc = i8x16.add_sat_u(acc, absDiffU8(v128.load(c + s, 32), v128.load(qs + s, 32)));
          acc2 = i8x16.add_sat_u(acc2, absDiffU8(v128.load(c + s, 48), v128.load(qs + s, 48)));
          acc = i8x16.add_sat_u(acc, absDiffU8(v128.load(c + s, 64), v128.load(qs + s, 64)));
          acc2 = i8x16.add_sat_u(acc2, absDiffU8(v128.load(c + s, 80), v128.load(qs + s, 80)));
          acc = i8x16.add_sat_u(acc, absDiffU8(v128.load(c + s, 96), v128.load(qs + s, 96)));
          acc2 = i8x16.add_sat_u(acc2, absDiffU8(v128.load(c + s, 112), v128.load(qs + s, 112)));
          acc = i8x16.add_sat_u(acc, acc2);
        }
        v128.store(bnd + (<usize>blk << 4), acc);
        mn = i8x16.min_u(mn, acc);
      }
      v128.store(tmp, mn);
      let m = 255;
      for (let l = 0; l < 16; l++) m = min(m, <i32>load<u8>(tmp + <usize>l));
      // (2) seed: exact distances of the first SEED rows whose bound is within 2 of the minimum
      let seed = i32.MAX_VALUE, seen = 0;
      const near = i8x16.splat(<i8>min(m + 2, 255));
      for (let blk = 0; blk < nb && seen < SEED; blk++) {
        let bits = i8x16.bitmask(i8x16.le_u(v128.load(bnd + (<usize>blk << 4)), near));
        while (bits != 0 && seen < SEED) {
          const j = (blk << 4) + ctz(bits); bits &= bits - 1;
          if (j >= n) break;
          seed = min(seed, exactHeld(base + <usize>j * rowBytes, W, a0, a1, a2, a3, a4, a5, a6, a7));
          seen++;
        }
      }
      // (3) every row in order whose bound is below the running best; seed + 1 admits the
      // lowest row at the seed's distance, as the plain scan would have kept it
      worst = seed + 1;
      for (let blk = 0; blk < nb; blk++) {
        const b0 = bnd + (<usize>blk << 4);
        let bits = worst > 255 ? 0xffff : i8x16.bitmask(i8x16.lt_u(v128.load(b0), i8x16.splat(<i8>worst)));
        while (bits != 0) {
          const l = ctz(bits); bits &= bits - 1;
          const j = (blk << 4) + l;
          if (j >= n) break;
          if (<i32>load<u8>(b0 + <usize>l) >= worst) continue;
          const d = exactHeld(base + <usize>j * rowBytes, W, a0, a1, a2, a3, a4, a5, a6, a7);
          if (d < worst) { worst = d; best = j; }
        }
      }
    }
    store<i32>(outD + (<usize>i << 2), worst);
    store<i32>(outI + (<usize>i << 2), best);
  }
}

// one export per width, as held1 .. held8 (the host calls pruned3 .. pruned8 directly)
export function pruned3(base: usize, n: i32, q: usize, nq: i32, dim: i32, cnt: usize, scr: usize, outD: usize, outI: usize): void { nearestPruned(base, n, q, nq, 3, dim, cnt, scr, outD, outI); }
export function pruned4(base: usize, n: i32, q: usize, nq: i32, dim: i32, cnt: usize, scr: usize, outD: usize, outI: usize): void { nearestPruned(base, n, q, nq, 4, dim, cnt, scr, outD, outI); }
export function pruned5(base: usize, n: i32, q: usize, nq: i32, dim: i32, cnt: usize, scr: usize, outD: usize, outI: usize): void { nearestPruned(base, n, q, nq, 5, dim, cnt, scr, outD, outI); }
export function pruned6(base: usize, n: i32, q: usize, nq: i32, dim: i32, cnt: usize, scr: usize, outD: usize, outI: usize): void { nearestPruned(base, n, q, nq, 6, dim, cnt, scr, outD, outI); }
export function pruned7(base: usize, n: i32, q: usize, nq: i32, dim: i32, cnt: usize, scr: usize, outD: usize, outI: usize): void { nearestPruned(base, n, q, nq, 7, dim, cnt, scr, outD, outI); }
export function pruned8(base: usize, n: i32, q: usize, nq: i32, dim: i32, cnt: usize, scr: usize, outD: usize, outI: usize): void { nearestPruned(base, n, q, nq, 8, dim, cnt, scr, outD, outI); }

// ---- k = 1 with the min-sum bound (the default) ------------------------------------------------
//
// The same segment bound, with two vector operations a segment instead of three: since
// |a - b| = a + b - 2 min(a, b), sum_s |q_s - x_s| = P(q) + P(x) - 2 S with S = sum_s min(q_s, x_s)
// and P a point's sum of segment counts. Per 16 rows the kernel accumulates S with i8x16.min_u
// and a wrapping i8x16.add, i.e. S mod 256, and recovers S exactly once per 16 rows in i16 lanes:
// S lies in [lo, min(P(q), P(x))] with lo = max(0, P(q) + P(x) - D) (a min(a, b) >= a + b - L_s
// per segment; D = sum_s L_s), an interval narrower than 256 when D <= 510, so
// S = lo + ((S mod 256 - lo) mod 256). Counts are capped at MCAP = 15 on both sides (only
// 16-bit segments, W = 8, are affected; capping is 1-Lipschitz, so the bound stays a lower bound
// and D <= 32 x 15 = 480). The bound, P(q) + P(x) - 2 S, is narrowed to u8 with saturation (255
// reads "at least 255"). Four 16-row blocks (a group of 64 rows) share each load of the query's
// count, so that a segment of 16 rows costs one load, one min and one add; the absolute-difference
// kernel above spent a subtraction, an abs, a saturating add and a reload of the query's count.
// A group (MGROUP bytes) is walked by one pointer with constant offsets:
//   for each segment s: [block 0..3] x 16 rows of capped counts, 64 bytes;
//   P(x) of the 64 rows as i16, 128 bytes; a 0xff byte per padding row (n .. 64 ceil(n / 64)),
//   OR-ed into the bound so that padding rows are never candidates, 64 bytes.

const MSEG = 32;
const MCAP = 15;
const MGROUP = MSEG * 64 + 128 + 64;

/**
 * Popcount of bits [0, b) of the packed row at p, given cw[w] = popcount of its words before w
 * (i32s). Loop-free; reads word b >> 6 even when b is the row's end (then masked to nothing).
 */
@inline function prefixCount(p: usize, cw: usize, b: i32): i32 {
  const x = load<u64>(p + (<usize>(b >> 6) << 3)) & (((<u64>1) << <u64>(b & 63)) - 1);
  return load<i32>(cw + (<usize>(b >> 6) << 2)) + <i32>popcnt<u64>(x);
}

/** cw[0 .. W] of the row at p (for prefixCount). */
@inline function wordCounts(p: usize, W: i32, cw: usize): void {
  let c = 0;
  store<i32>(cw, 0);
  for (let w = 0; w < W; w++) { c += <i32>popcnt<u64>(load<u64>(p + (<usize>w << 3))); store<i32>(cw + (<usize>(w + 1) << 2), c); }
}

/** Capped count of segment s of the row at p, its cw filled; bounds: MSEG + 1 i32 segment starts. */
@inline function segCount(p: usize, cw: usize, bounds: usize, s: i32): i32 {
  const at = bounds + (<usize>s << 2);
  return min(prefixCount(p, cw, load<i32>(at, 4)) - prefixCount(p, cw, load<i32>(at)), MCAP);
}

/** The MSEG + 1 segment starts (s dim / MSEG) into bounds: no division per query. */
@inline function segBounds(dim: i32, bounds: usize): void {
  for (let s = 0; s <= MSEG; s++) store<i32>(bounds + (<usize>s << 2), (s * dim) / MSEG);
}

/**
 * Capped segment counts of the n rows at base and their sums, in groups of 64 rows, into cnt
 * (ceil(n / 64) x MGROUP bytes); cw: 44 + 4 (MSEG + 1) bytes of scratch.
 */
export function buildMinCounts(base: usize, n: i32, W: i32, dim: i32, cnt: usize, cw: usize): void {
  const ng = (n + 63) >> 6, bounds = cw + 40;
  segBounds(dim, bounds);
  for (let g = 0; g < ng; g++) {
    const c = cnt + <usize>g * MGROUP;
    for (let r = 0; r < 64; r++) {
      const j = (g << 6) + r, o = c + <usize>r;
      const p = base + ((<usize>j * <usize>W) << 3);
      if (j < n) wordCounts(p, W, cw);
      let sum = 0;
      for (let s = 0; s < MSEG; s++) {
        const u = j < n ? segCount(p, cw, bounds, s) : 0;
        store<u8>(o + <usize>(s << 6), <u8>u);
        sum += u;
      }
      store<i16>(c + <usize>((MSEG << 6) + (r << 1)), <i16>sum);
      // padding rows: their bound is forced to 255 (never a candidate while the best is below)
      store<u8>(c + <usize>((MSEG << 6) + 128 + r), <u8>(j < n ? 0 : 0xff));
    }
  }
}

/**
 * Eight rows' bound from S mod 256 (e, i16 lanes) and P(x) (px): S = lo + ((e - lo) mod 256)
 * with lo = max(0, P(q) + P(x) - D) (pqD = P(q) - D), then P(q) + P(x) - 2 S.
 */
@inline function bound8(e: v128, px: v128, pq: v128, pqD: v128): v128 {
  const lo = i16x8.max_s(i16x8.add(px, pqD), i16x8.splat(0));
  const S = i16x8.add(lo, v128.and(i16x8.sub(e, lo), i16x8.splat(0xff)));
  return i16x8.sub(i16x8.add(px, pq), i16x8.shl(S, 1));
}

/** The bounds of 16 rows, saturated to u8, from their sum of minima mod 256 (acc); px: their P(x) as i16. */
@inline function finishBound(acc: v128, pq: v128, pqD: v128, px: usize, pad: usize): v128 {
  return v128.or(v128.load(pad), i8x16.narrow_i16x8_u(
    bound8(i16x8.extend_low_i8x16_u(acc), v128.load(px), pq, pqD),
    bound8(i16x8.extend_high_i8x16_u(acc), v128.load(px, 16), pq, pqD)));
}

/** The query's capped counts, splatted, into qs; returns their sum P(q). */
@inline function queryCounts(qi: usize, W: i32, cw: usize, bounds: usize, qs: usize): i32 {
  wordCounts(qi, W, cw);
  let sum = 0, lo = 0;
  for (let s = 0; s < MSEG; s++) {
    const hi = prefixCount(qi, cw, load<i32>(bounds + (<usize>(s + 1) << 2)));
    const v = min(hi - lo, MCAP);
    lo = hi;
    v128.store(qs + (<usize>s << 4), i8x16.splat(<i8>v));
    sum += v;
  }
  return sum;
}

/**
 * Seed and exact pass of query qi over its bounds bnd (nb blocks), mnAt: per lane the least
 * bound (16 bytes) and a block holding it (16 bytes). Writes distance and row to outD / outI.
 */
@inline function exactPass(base: usize, n: i32, qi: usize, W: i32, bnd: usize, nb: i32, mnAt: usize, oD: usize, oI: usize): void {
  const rowBytes = <usize>W << 3;
  const a0 = load<u64>(qi, 0);
  const a1 = W > 1 ? load<u64>(qi, 8) : 0, a2 = W > 2 ? load<u64>(qi, 16) : 0, a3 = W > 3 ? load<u64>(qi, 24) : 0;
  const a4 = W > 4 ? load<u64>(qi, 32) : 0, a5 = W > 5 ? load<u64>(qi, 40) : 0, a6 = W > 6 ? load<u64>(qi, 48) : 0, a7 = W > 7 ? load<u64>(qi, 56) : 0;
  // (2) seed: the exact distances of up to SEED rows of near-least bound (per lane, the row
  // of that lane's least bound)
  let m = 255, seed = i32.MAX_VALUE, seen = 0, best = -1;
  for (let l = 0; l < 16; l++) m = min(m, <i32>load<u8>(mnAt + <usize>l));
  for (let l = 0; l < 16 && seen < SEED; l++) {
    if (<i32>load<u8>(mnAt + <usize>l) > m + 2) continue;
    // block numbers wrap at 256 (beyond 4,096 rows): the row is then another one, whose exact
    // distance is still at least the answer's, so the pass below stays exact
    const j = (<i32>load<u8>(mnAt + 16 + <usize>l) << 4) + l;
    if (j < n) { seed = min(seed, exactHeld(base + <usize>j * rowBytes, W, a0, a1, a2, a3, a4, a5, a6, a7)); seen++; }
  }
  // (3) every row in order whose bound is below the running best; seed + 1 admits the
  // lowest row at the seed's distance, as the plain scan would have kept it
  let worst = seed == i32.MAX_VALUE ? seed : seed + 1;
  let below = i8x16.splat(<i8>min(worst, 255));
  for (let blk = 0; blk < nb; blk++) {
    const b0 = v128.load(bnd + (<usize>blk << 4));
    let bits = worst > 255 ? 0xffff : i8x16.bitmask(i8x16.lt_u(b0, below));
    while (bits != 0) {
      const l = ctz(bits); bits &= bits - 1;
      const j = (blk << 4) + l;
      if (j >= n) break;
      const d = exactHeld(base + <usize>j * rowBytes, W, a0, a1, a2, a3, a4, a5, a6, a7);
      if (d < worst) {
        // rare: the block's remaining lanes are re-tested against the new best, so that the
        // loop needs no per-row bound test
        worst = d; best = j;
        below = i8x16.splat(<i8>min(worst, 255));
        if (worst <= 255) bits &= i8x16.bitmask(i8x16.lt_u(b0, below));
      }
    }
  }
  store<i32>(oD, worst);
  store<i32>(oI, best);
}

/**
 * Nearest row of each query (k = 1, no mask) for rows of W (constant, 3..8) words, by the min-sum
 * bound; two queries at a time share each load of the rows' counts. scr: 2 MSEG x 16 +
 * 2 ceil(n / 64) x 64 + 108 + 4 (MSEG + 1) bytes of scratch.
 */
@inline function nearestMin(base: usize, n: i32, q: usize, nq: i32, W: i32, dim: i32, cnt: usize, scr: usize, outD: usize, outI: usize): void {
  const rowBytes = <usize>W << 3, ng = (n + 63) >> 6, nb = ng << 2;
  const qs0 = scr, qs1 = qs0 + (MSEG << 4), bnd0 = qs1 + (MSEG << 4), bnd1 = bnd0 + (<usize>ng << 6);
  const tmp = bnd1 + (<usize>ng << 6), cw = tmp + 64, bounds = cw + 44;
  const qEnd = qs0 + (<usize>MSEG << 4), qGap = qs1 - qs0;
  segBounds(dim, bounds);
  // D: the largest possible sum of capped counts
  let capDim = 0;
  for (let s = 0; s < MSEG; s++) capDim += min(load<i32>(bounds + (<usize>(s + 1) << 2)) - load<i32>(bounds + (<usize>s << 2)), MCAP);
  for (let i = 0; i < nq; i += 2) {
    const qi = q + <usize>i * rowBytes, two = i + 1 < nq;
    // an odd last query is paired with itself
    const qj = two ? qi + rowBytes : qi;
    if (n == 0) {
      store<i32>(outD + (<usize>i << 2), i32.MAX_VALUE); store<i32>(outI + (<usize>i << 2), -1);
      if (two) { store<i32>(outD + (<usize>(i + 1) << 2), i32.MAX_VALUE); store<i32>(outI + (<usize>(i + 1) << 2), -1); }
      continue;
    }
    const p0 = queryCounts(qi, W, cw, bounds, qs0), p1 = queryCounts(qj, W, cw, bounds, qs1);
    const pq0 = i16x8.splat(<i16>p0), pqD0 = i16x8.splat(<i16>(p0 - capDim));
    const pq1 = i16x8.splat(<i16>p1), pqD1 = i16x8.splat(<i16>(p1 - capDim));
    // (1) the bounds of both queries; per lane their minimum and a block holding it
    let mn0 = i8x16.splat(-1), at0 = i8x16.splat(0), mn1 = i8x16.splat(-1), at1 = i8x16.splat(0), blkNo = i8x16.splat(0);
    let c = cnt, o = bnd0;
    for (let g = 0; g < ng; g++) {
      // sum_s min(q_s, x_s) mod 256 of the group's 4 x 16 rows, for each query
      let a0 = i8x16.splat(0), a1 = i8x16.splat(0), a2 = i8x16.splat(0), a3 = i8x16.splat(0);
      let b0 = i8x16.splat(0), b1 = i8x16.splat(0), b2 = i8x16.splat(0), b3 = i8x16.splat(0);
      for (let x = qs0; x < qEnd; x += 16, c += 64) {
        const u = v128.load(x), v = v128.load(x + qGap);
        const r0 = v128.load(c), r1 = v128.load(c, 16), r2 = v128.load(c, 32), r3 = v128.load(c, 48);
        a0 = i8x16.add(a0, i8x16.min_u(r0, u)); b0 = i8x16.add(b0, i8x16.min_u(r0, v));
        a1 = i8x16.add(a1, i8x16.min_u(r1, u)); b1 = i8x16.add(b1, i8x16.min_u(r1, v));
        a2 = i8x16.add(a2, i8x16.min_u(r2, u)); b2 = i8x16.add(b2, i8x16.min_u(r2, v));
        a3 = i8x16.add(a3, i8x16.min_u(r3, u)); b3 = i8x16.add(b3, i8x16.min_u(r3, v));
      }
      const one = i8x16.splat(1);
      {
        const f0 = finishBound(a0, pq0, pqD0, c, c + 128), f1 = finishBound(a1, pq0, pqD0, c + 32, c + 144);
        const f2 = finishBound(a2, pq0, pqD0, c + 64, c + 160), f3 = finishBound(a3, pq0, pqD0, c + 96, c + 176);
        v128.store(o, f0); v128.store(o, f1, 16); v128.store(o, f2, 32); v128.store(o, f3, 48);
        // any block holding the lane's least bound will do for the seed (ties resolved below)
        let k = blkNo;
        mn0 = i8x16.min_u(mn0, f0); at0 = v128.bitselect(k, at0, i8x16.eq(f0, mn0)); k = i8x16.add(k, one);
        mn0 = i8x16.min_u(mn0, f1); at0 = v128.bitselect(k, at0, i8x16.eq(f1, mn0)); k = i8x16.add(k, one);
        mn0 = i8x16.min_u(mn0, f2); at0 = v128.bitselect(k, at0, i8x16.eq(f2, mn0)); k = i8x16.add(k, one);
        mn0 = i8x16.min_u(mn0, f3); at0 = v128.bitselect(k, at0, i8x16.eq(f3, mn0));
      }
      {
        const f0 = finishBound(b0, pq1, pqD1, c, c + 128), f1 = finishBound(b1, pq1, pqD1, c + 32, c + 144);
        const f2 = finishBound(b2, pq1, pqD1, c + 64, c + 160), f3 = finishBound(b3, pq1, pqD1, c + 96, c + 176);
        const o1 = o + (bnd1 - bnd0);
        v128.store(o1, f0); v128.store(o1, f1, 16); v128.store(o1, f2, 32); v128.store(o1, f3, 48);
        let k = blkNo;
        mn1 = i8x16.min_u(mn1, f0); at1 = v128.bitselect(k, at1, i8x16.eq(f0, mn1)); k = i8x16.add(k, one);
        mn1 = i8x16.min_u(mn1, f1); at1 = v128.bitselect(k, at1, i8x16.eq(f1, mn1)); k = i8x16.add(k, one);
        mn1 = i8x16.min_u(mn1, f2); at1 = v128.bitselect(k, at1, i8x16.eq(f2, mn1)); k = i8x16.add(k, one);
        mn1 = i8x16.min_u(mn1, f3); at1 = v128.bitselect(k, at1, i8x16.eq(f3, mn1));
      }
      blkNo = i8x16.add(blkNo, i8x16.splat(4));
      c += 192;
      o += 64;
    }
    v128.store(tmp, mn0); v128.store(tmp, at0, 16); v128.store(tmp, mn1, 32); v128.store(tmp, at1, 48);
    exactPass(base, n, qi, W, bnd0, nb, tmp, outD + (<usize>i << 2), outI + (<usize>i << 2));
    if (two) exactPass(base, n, qj, W, bnd1, nb, tmp + 32, outD + (<usize>(i + 1) << 2), outI + (<usize>(i + 1) << 2));
  }
}

export function minb3(base: usize, n: i32, q: usize, nq: i32, dim: i32, cnt: usize, scr: usize, outD: usize, outI: usize): void { nearestMin(base, n, q, nq, 3, dim, cnt, scr, outD, outI); }
export function minb4(base: usize, n: i32, q: usize, nq: i32, dim: i32, cnt: usize, scr: usize, outD: usize, outI: usize): void { nearestMin(base, n, q, nq, 4, dim, cnt, scr, outD, outI); }
export function minb5(base: usize, n: i32, q: usize, nq: i32, dim: i32, cnt: usize, scr: usize, outD: usize, outI: usize): void { nearestMin(base, n, q, nq, 5, dim, cnt, scr, outD, outI); }
export function minb6(base: usize, n: i32, q: usize, nq: i32, dim: i32, cnt: usize, scr: usize, outD: usize, outI: usize): void { nearestMin(base, n, q, nq, 6, dim, cnt, scr, outD, outI); }
export function minb7(base: usize, n: i32, q: usize, nq: i32, dim: i32, cnt: usize, scr: usize, outD: usize, outI: usize): void { nearestMin(base, n, q, nq, 7, dim, cnt, scr, outD, outI); }
export function minb8(base: usize, n: i32, q: usize, nq: i32, dim: i32, cnt: usize, scr: usize, outD: usize, outI: usize): void { nearestMin(base, n, q, nq, 8, dim, cnt, scr, outD, outI); }
