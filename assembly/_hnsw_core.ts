// HNSW kernels (Malkov & Yashunin 2018) that run the whole graph walk inside WebAssembly, so
// that a query costs one JS -> wasm call instead of one per distance. The index memory is laid
// out by src/search/hnsw/layout.ts (same layout as the pure-TS kernel, src/search/hnsw/kernel-js.ts):
//   vectors  cap x dim f32            (cosine: unit-normalised copies)
//   link0    cap x (1 + M0) i32       (count, then M0 slots: layer 0, as hnswlib)
//   upos     cap i32                  (start of the node's upper blocks in `upper`)
//   levels   cap u8, flags cap u8     (flags bit 0: deleted tombstone)
//   upper    blocks of (1 + M) i32    (layers 1..level of one node, contiguous)
//   allow    cap bits                 (filter bitmap, FILTER_BITMAP mode)
//   scratch  per thread: query, visited tags, candidate heap C, result heap W, work lists
// Every thread (worker) instantiates this module on the same (shared) memory with its own
// globals, i.e. its own scratch block.
// Codec storage (f16 / sq8, setCodec): vectors are code rows (ROWB bytes, padded to 4), the
// query block Q holds CDIM float32 values and is scored against the codes decoded in registers
// (asymmetric distance, as FAISS's IndexHNSWSQ); links are chosen by code-to-code distances.

import { l2sqBytes, dotBytes } from './_simd_dist';
import { f16QueryL2, f16QueryDot, sq8QueryL2, sq8QueryDot, f16PairL2, f16PairDot, sq8PairL2, sq8PairDot, decodeRow } from './_codec_dist';

@external("env", "hnswAllowed")
declare function hostAllowed(slot: i32): i32;

// index layout (setIndex)
let DIM: i32 = 0;
let ROWB: usize = 0;          // bytes per vector
let KIND: i32 = 0;            // 0: squared L2, 1: 1 - <a,b> (inner product and cosine on unit vectors),
                              // 2: bit-packed 0/1 vectors, number of differing bits (= squared L2 of the 0/1 vectors),
                              // 3 / 4: f16 codes, squared L2 / 1 - <a,b>; 5 / 6: sq8 codes, squared L2 / 1 - <a,b>;
                              // 7 / 8: f16 / sq8 codes of unit vectors, cosine 1 - <a,b> / |b| (the row's last f32 holds
                              // 1 / |decoded row|: a decoded unit vector is not exactly unit, and its norm error would
                              // outweigh the cosine gaps between near neighbours)
// codec storage (KIND >= 3, setCodec): coordinates per vector, and the sq8 affine table [a | b]
let CDIM: i32 = 0;
let AFF: usize = 0;
let M: i32 = 0;
let M0: i32 = 0;
let L0B: usize = 0;           // bytes per layer-0 link list
let UB: i32 = 0;              // i32 per upper block (1 + M)
let VEC: usize = 0;
let LINK0: usize = 0;
let UPOS: usize = 0;
let LEVELS: usize = 0;
let FLAGS: usize = 0;
let UPPER: usize = 0;
let ALLOW: usize = 0;
// this thread's scratch (setScratch)
let Q: usize = 0;
let TAGS: usize = 0;
let CAP: i32 = 0;
let CD: usize = 0; let CI: usize = 0;   // candidate min-heap C (paper's C)
let TD: usize = 0; let TI: usize = 0;   // result max-heap W, bounded by ef
let WD: usize = 0; let WI: usize = 0;   // sorted W / output
let SD: usize = 0; let SI: usize = 0;   // selected neighbours
let XD: usize = 0; let XI: usize = 0;   // neighbour-list rewiring
let YD: usize = 0; let YI: usize = 0;
// storage 'bits': f32 staging of the query (INDIM values) that packQuery packs into Q
let QF: usize = 0;
let INDIM: i32 = 0;
let tag: u32 = 0;
// sink of searchLayer's cache-line touches: read and written back, so that neither binaryen nor
// V8 drops the loads as dead (check the .wat after changing it: the loads must remain)
let touch: u32 = 0;
// results of greedy()
let gCur: i32 = 0;
let gDist: f32 = 0;
// distance evaluations since reset (for measurements)
let nDist: u32 = 0;
// Parallel build (src/search/hnsw/build-parallel.ts): address of one i32 lock word per slot,
// 0 when this instance runs alone. As hnswlib's link_list_locks_: a node's link lists (every
// layer) are read and written under its lock while other threads insert concurrently.
let LOCKS: usize = 0;

export function setIndex(dim: i32, kind: i32, m: i32, m0: i32, vec: usize, link0: usize, upos: usize,
  levels: usize, flags: usize, upper: usize, allow: usize): void {
  DIM = dim; ROWB = <usize>dim << 2; KIND = kind; M = m; M0 = m0;
  L0B = <usize>(1 + m0) << 2; UB = 1 + m;
  VEC = vec; LINK0 = link0; UPOS = upos; LEVELS = levels; FLAGS = flags; UPPER = upper; ALLOW = allow;
}

export function setScratch(q: usize, tags: usize, cap: i32, cd: usize, ci: usize, td: usize, ti: usize,
  wd: usize, wi: usize, sd: usize, si: usize, xd: usize, xi: usize, yd: usize, yi: usize): void {
  Q = q; TAGS = tags; CAP = cap; CD = cd; CI = ci; TD = td; TI = ti; WD = wd; WI = wi;
  SD = sd; SI = si; XD = xd; XI = xi; YD = yd; YI = yi;
  // the visited tags of this block may hold marks of an earlier instance (worker): restart the epoch
  memory.fill(TAGS, 0, <usize>cap << 2);
  tag = 0;
}

/**
 * Parallel build: `locks` is the address of cap i32 lock words (all 0 = free), or 0 to run
 * without locking (searches, serial builds). Only the shared-memory module locks.
 */
export function setLocks(locks: usize): void { LOCKS = ASC_FEATURE_THREADS ? locks : 0; }

// A spin lock per node: the critical sections (copy a link list, rewrite one) last
// microseconds and a thread holds one lock at a time (no lock order, no deadlock). After
// 1024 failed tries the thread sleeps 20 us per try (the holder may have been descheduled on
// a loaded machine); unlock needs no notify because every sleep has a timeout.
@inline function lockNode(slot: i32): void {
  if (ASC_FEATURE_THREADS) {
    const a = LOCKS + (<usize>slot << 2);
    if (atomic.cmpxchg<i32>(a, 0, 1) == 0) return;
    lockSlow(a);
  }
}
function lockSlow(a: usize): void {
  if (ASC_FEATURE_THREADS) {
    let tries = 0;
    for (;;) {
      if (atomic.load<i32>(a) == 0 && atomic.cmpxchg<i32>(a, 0, 1) == 0) return;
      if (++tries > 1024) atomic.wait<i32>(a, 1, 20000);
    }
  }
}
@inline function unlockNode(slot: i32): void {
  if (ASC_FEATURE_THREADS) atomic.store<i32>(LOCKS + (<usize>slot << 2), 0);
}

/**
 * Codec storage (KIND 3..6): `dim` coordinates per code row, `aff` the address of the sq8
 * affine decode table (2 dim f32 in the index memory; unused for f16).
 */
export function setCodec(dim: i32, aff: usize): void { CDIM = dim; AFF = aff; }

/** Storage 'bits': where the f32 query is staged and how many coordinates it has. */
export function setStaging(qf: usize, inputDim: i32): void { QF = qf; INDIM = inputDim; }

/**
 * Storage 'bits': packs the INDIM f32 coordinates staged at QF into the query block Q
 * (coordinate j = bit j & 31 of word j >> 5, zero padded) and returns 1 when every
 * coordinate was 0 (or -0) or 1, else 0 (the caller then names the bad value). Compares the
 * float bit patterns four at a time: 1.0f is 0x3f800000, +-0 has no bit but the sign.
 */
export function packQuery(): i32 {
  const n = INDIM;
  const one = i32x4.splat(0x3f800000), abs = i32x4.splat(0x7fffffff), zero = i32x4.splat(0);
  let okv = i32x4.splat(-1);
  memory.fill(Q, 0, ROWB);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(QF + (<usize>i << 2));
    const e1 = i32x4.eq(v, one);
    okv = v128.and(okv, v128.or(e1, i32x4.eq(v128.and(v, abs), zero)));
    const wp = Q + (<usize>(i >> 5) << 2);
    store<u32>(wp, load<u32>(wp) | (<u32>i32x4.bitmask(e1) << <u32>(i & 31)));
  }
  let ok: i32 = i32x4.all_true(okv) ? 1 : 0;
  for (; i < n; i++) {
    const x = load<u32>(QF + (<usize>i << 2));
    if (x == 0x3f800000) {
      const wp = Q + (<usize>(i >> 5) << 2);
      store<u32>(wp, load<u32>(wp) | (<u32>1 << <u32>(i & 31)));
    } else if ((x & 0x7fffffff) != 0) ok = 0;
  }
  return ok;
}

export function distCount(): u32 { return nDist; }
export function resetDistCount(): void { nDist = 0; }

// ---------------------------------------------------------------- distances

function l2sq(a: usize, b: usize): f32 { return l2sqI(a, b); }
function dot(a: usize, b: usize): f32 { return dotI(a, b); }

// The bodies (assembly/_simd_dist.ts, shared with the Vamana kernel), inlined into the graph
// walk's distance loop (searchLayer step 2).
@inline function l2sqI(a: usize, b: usize): f32 { return l2sqBytes(a, b, <usize>DIM << 2); }
@inline function dotI(a: usize, b: usize): f32 { return dotBytes(a, b, <usize>DIM << 2); }

// Bit-packed 0/1 vectors (DIM 32-bit words, an even count): popcount(a XOR b), exact in f32 up
// to 2^24 bits. One 320-bit Binalpha row is 5 u64 words instead of 80 f32x4 loads.
// n: bytes per row (ROWB).
@inline function bitsDiff(a: usize, b: usize, n: usize): f32 {
  let s0: u64 = 0, s1: u64 = 0;
  let i: usize = 0;
  for (; i + 16 <= n; i += 16) {
    s0 += popcnt<u64>(load<u64>(a + i) ^ load<u64>(b + i));
    s1 += popcnt<u64>(load<u64>(a + i, 8) ^ load<u64>(b + i, 8));
  }
  if (i < n) s0 += popcnt<u64>(load<u64>(a + i) ^ load<u64>(b + i));
  // the count fits in i32: a signed conversion is one instruction, u64 -> f32 is a branchy sequence
  return <f32><i32>(s0 + s1);
}

// The reduced distance of metric `kind` (KIND) from the query block `a` to the stored vector
// `b` of `rowb` (ROWB) bytes (the graph walks pass both from locals read once per walk). For
// codec kinds the query is CDIM float32 values and `b` a code row (asymmetric distance).
@inline function distK(kind: i32, rowb: usize, a: usize, b: usize): f32 {
  if (kind == 0) return l2sq(a, b);
  if (kind == 2) return bitsDiff(a, b, rowb);
  if (kind == 1) return <f32>1.0 - dot(a, b);
  return codecQueryDist(kind, a, b);
}

function codecQueryDist(kind: i32, q: usize, r: usize): f32 {
  if (kind == 3) return f16QueryL2(q, r, CDIM);
  if (kind == 4) return <f32>1.0 - f16QueryDot(q, r, CDIM);
  if (kind == 5) return sq8QueryL2(q, r, CDIM, AFF);
  if (kind == 6) return <f32>1.0 - sq8QueryDot(q, r, CDIM, AFF);
  if (kind == 7) return <f32>1.0 - f16QueryDot(q, r, CDIM) * invNorm(r);
  return <f32>1.0 - sq8QueryDot(q, r, CDIM, AFF) * invNorm(r);
}

// Cosine codec rows: 1 / |decoded row|, the row's last f32 (written by the host).
@inline function invNorm(r: usize): f32 { return load<f32>(r + ROWB - 4); }
// f16 (1) or sq8 (2) codes for a codec kind.
@inline function codecOf(kind: i32): i32 { return kind == 3 || kind == 4 || kind == 7 ? 1 : 2; }

// Code row to code row (links: the heuristic, connect, repair): both decoded.
function codecPairDist(kind: i32, a: usize, b: usize): f32 {
  if (kind == 3) return f16PairL2(a, b, CDIM);
  if (kind == 4) return <f32>1.0 - f16PairDot(a, b, CDIM);
  if (kind == 5) return sq8PairL2(a, b, CDIM, AFF);
  if (kind == 6) return <f32>1.0 - sq8PairDot(a, b, CDIM, AFF);
  if (kind == 7) return <f32>1.0 - f16PairDot(a, b, CDIM) * invNorm(a) * invNorm(b);
  return <f32>1.0 - sq8PairDot(a, b, CDIM, AFF) * invNorm(a) * invNorm(b);
}

// The reduced distance of the index's metric from a query block to a stored vector.
@inline function dist(a: usize, b: usize): f32 {
  nDist++;
  return distK(KIND, ROWB, a, b);
}

// The reduced distance between two stored vectors.
@inline function pdist(a: usize, b: usize): f32 {
  nDist++;
  const kind = KIND;
  if (kind >= 3) return codecPairDist(kind, a, b);
  return distK(kind, ROWB, a, b);
}

@inline function vecAt(slot: i32): usize { return VEC + <usize>slot * ROWB; }

/** Distance from this thread's query buffer to a stored vector (brute-force fallbacks). */
export function queryDist(slot: i32): f32 { return dist(Q, vecAt(slot)); }
/** Distance between two stored vectors. */
export function pairDist(a: i32, b: i32): f32 { return pdist(vecAt(a), vecAt(b)); }

// ---------------------------------------------------------------- links

/** Address of the link list (count, then ids) of `slot` at layer `level`. */
@inline function links(slot: i32, level: i32): usize {
  if (level == 0) return LINK0 + <usize>slot * L0B;
  return UPPER + ((<usize>load<i32>(UPOS + (<usize>slot << 2)) + <usize>((level - 1) * UB)) << 2);
}

@inline function isDeleted(slot: i32): bool { return (load<u8>(FLAGS + <usize>slot) & 1) != 0; }

@inline function allowed(slot: i32, mode: i32): bool {
  if (mode == 0) return true;
  if (mode == 1) return (load<u8>(ALLOW + (<usize>slot >> 3)) & (<u8>1 << <u8>(slot & 7))) != 0;
  return hostAllowed(slot) != 0;
}

// ---------------------------------------------------------------- heaps (parallel f32 / i32 arrays)

@inline function dAt(D: usize, i: i32): f32 { return load<f32>(D + (<usize>i << 2)); }
@inline function iAt(I: usize, i: i32): i32 { return load<i32>(I + (<usize>i << 2)); }
@inline function put(D: usize, I: usize, i: i32, d: f32, id: i32): void {
  store<f32>(D + (<usize>i << 2), d); store<i32>(I + (<usize>i << 2), id);
}

/** Min-heap push; n is the size before the push. */
function minPush(D: usize, I: usize, n: i32, d: f32, id: i32): void {
  let pos = n;
  while (pos > 0) {
    const p = (pos - 1) >> 1;
    const pd = dAt(D, p);
    if (pd <= d) break;
    put(D, I, pos, pd, iAt(I, p));
    pos = p;
  }
  put(D, I, pos, d, id);
}

/** Min-heap pop of the root; n is the size before the pop. */
@inline function minPop(D: usize, I: usize, n: i32): void {
  const last = n - 1;
  const d = dAt(D, last), id = iAt(I, last);
  let pos = 0;
  for (;;) {
    let c = 2 * pos + 1;
    if (c >= last) break;
    if (c + 1 < last && dAt(D, c + 1) < dAt(D, c)) c++;
    const cd = dAt(D, c);
    if (cd >= d) break;
    put(D, I, pos, cd, iAt(I, c));
    pos = c;
  }
  if (last > 0) put(D, I, pos, d, id);
}

function maxPush(D: usize, I: usize, n: i32, d: f32, id: i32): void {
  let pos = n;
  while (pos > 0) {
    const p = (pos - 1) >> 1;
    const pd = dAt(D, p);
    if (pd >= d) break;
    put(D, I, pos, pd, iAt(I, p));
    pos = p;
  }
  put(D, I, pos, d, id);
}

// @inline: searchLayer pops W once per accepted neighbour once W is full (as a call it cost
// 8-10 % of a bit-packed Binalpha search)
@inline function maxPop(D: usize, I: usize, n: i32): void {
  const last = n - 1;
  const d = dAt(D, last), id = iAt(I, last);
  let pos = 0;
  for (;;) {
    let c = 2 * pos + 1;
    if (c >= last) break;
    if (c + 1 < last && dAt(D, c + 1) > dAt(D, c)) c++;
    const cd = dAt(D, c);
    if (cd <= d) break;
    put(D, I, pos, cd, iAt(I, c));
    pos = c;
  }
  if (last > 0) put(D, I, pos, d, id);
}

function nextTag(): void {
  tag++;
  if (tag == 0) { memory.fill(TAGS, 0, <usize>CAP << 2); tag = 1; }
}

// ---------------------------------------------------------------- search

/**
 * Greedy descent (the paper's SEARCH-LAYER with ef = 1) from `ep` through layers
 * from..to+1: moves to the closest neighbour while that improves. Result in gCur / gDist.
 */
function greedy(q: usize, ep: i32, epd: f32, from: i32, to: i32): void {
  // globals that do not change during the walk, in locals (see distK)
  const kind = KIND, rowb = ROWB, vec = VEC, locked = LOCKS != 0;
  let nd: u32 = 0;
  let cur = ep, curd = epd;
  for (let level = from; level > to; level--) {
    let changed = true;
    while (changed) {
      changed = false;
      const l = links(cur, level);
      if (locked) {
        // parallel build: copy the list under its lock (XI is free during greedy), then measure
        const c = cur;
        lockNode(c);
        const cnt = load<i32>(l);
        for (let j = 0; j < cnt; j++) store<i32>(XI + (<usize>j << 2), load<i32>(l + (<usize>(j + 1) << 2)));
        unlockNode(c);
        nd += <u32>cnt;
        for (let j = 0; j < cnt; j++) {
          const n = load<i32>(XI + (<usize>j << 2));
          const d = distK(kind, rowb, q, vec + <usize>n * rowb);
          if (d < curd) { curd = d; cur = n; changed = true; }
        }
        continue;
      }
      const cnt = load<i32>(l);
      nd += <u32>cnt;
      for (let j = 1; j <= cnt; j++) {
        const n = load<i32>(l + (<usize>j << 2));
        const d = distK(kind, rowb, q, vec + <usize>n * rowb);
        if (d < curd) { curd = d; cur = n; changed = true; }
      }
    }
  }
  nDist += nd;
  gCur = cur; gDist = curd;
}

/**
 * SEARCH-LAYER (Algorithm 2) at `level` with beam ef: C is the candidate min-heap, W the
 * result max-heap bounded by ef. Deleted nodes, `self` and filtered-out nodes are traversed
 * but never enter W. Stops when the closest candidate is farther than W's worst and W is
 * full (or nothing is excluded, as hnswlib). Returns |W|; W stays in TD/TI as a max-heap.
 */
function searchLayer(q: usize, ep: i32, epd: f32, ef: i32, level: i32, mode: i32, self: i32, exclusions: i32): i32 {
  // One copy of the walk per metric kind for unfiltered walks (searches and every insert):
  // with `kind` and `mode` constants the neighbour loop holds no call (no dispatch, no host
  // filter), so that V8 keeps its state in registers instead of spilling it around calls.
  if (mode == 0) {
    const kind = KIND;
    if (kind == 2) return walk(2, 0, q, ep, epd, ef, level, self, exclusions);
    if (kind == 0) return walk(0, 0, q, ep, epd, ef, level, self, exclusions);
    if (kind == 1) return walk(1, 0, q, ep, epd, ef, level, self, exclusions);
    if (kind == 3) return walk(3, 0, q, ep, epd, ef, level, self, exclusions);
    if (kind == 5) return walk(5, 0, q, ep, epd, ef, level, self, exclusions);
    return walk(kind, 0, q, ep, epd, ef, level, self, exclusions);
  }
  return walk(KIND, mode, q, ep, epd, ef, level, self, exclusions);
}

/** searchLayer's body for metric `kind` and filter `mode` (constants where inlined). */
@inline function walk(kind: i32, mode: i32, q: usize, ep: i32, epd: f32, ef: i32, level: i32, self: i32, exclusions: i32): i32 {
  nextTag();
  // Globals that do not change during the walk, read once into locals.
  const tg = tag, tags = TAGS, vec = VEC, rowb = ROWB, flags = FLAGS, locked = LOCKS != 0;
  const cD = CD, cI = CI, tD = TD, tI = TI, xD = XD, xI = XI, cdim = CDIM, aff = AFF;
  let nd: u32 = 0;   // distance evaluations, added to nDist once at the end
  let sink: u32 = 0; // step 1b's loads, kept alive through `touch`
  store<u32>(tags + (<usize>ep << 2), tg);
  let cn = 0, tn = 0;
  let lower: f32 = Infinity;
  if (!isDeleted(ep) && ep != self && allowed(ep, mode)) { put(tD, tI, 0, epd, ep); tn = 1; lower = epd; }
  put(cD, cI, 0, epd, ep); cn = 1;
  const excl = exclusions != 0 || mode != 0;
  while (cn > 0) {
    const cd = load<f32>(cD);
    if (cd > lower && (tn == ef || !excl)) break;
    const c = load<i32>(cI);
    minPop(cD, cI, cn); cn--;
    const l = links(c, level);
    // parallel build: step 1 reads c's list under c's lock (another thread may be rewriting it)
    if (locked) lockNode(c);
    const cnt = load<i32>(l);
    // The neighbours of c in three passes instead of one neighbour at a time; the result is
    // the same because steps 2 and 3 never read the visited tags (an id repeated in a list is
    // still taken once). XI/XD are free during a walk: insert uses them only in connect,
    // after its walks, and they hold 2 M0 + 4 >= cnt entries.
    // 1. The unvisited neighbours, in list order, into XI, marked visited. Branch-free: whether
    //    a neighbour was seen is a coin flip for the branch predictor.
    let m = 0;
    for (let j = 1; j <= cnt; j++) {
      const n = load<i32>(l + (<usize>j << 2));
      const tp = tags + (<usize>n << 2);
      const fresh = load<u32>(tp) != tg;
      store<u32>(tp, tg);
      store<i32>(xI + (<usize>m << 2), n);
      m += <i32>fresh;
    }
    if (locked) unlockNode(c);
    nd += <u32>m;
    if (kind != 2) {
      // 1b. Touch the first cache line of their vectors (the hardware prefetcher follows with
      //     the next lines): wasm has no prefetch instruction, and these loads are independent,
      //     so the cache misses overlap instead of arriving one distance at a time. (Touching
      //     every line measured slower on 1,280-byte rows; bit-packed rows are one line.)
      for (let j = 0; j < m; j++) sink ^= load<u32>(vec + <usize>load<i32>(xI + (<usize>j << 2)) * rowb);
    }
    // 2. Their distances into XD: independent of each other and of the heaps, so the CPU
    //    overlaps them.
    for (let j = 0; j < m; j++) {
      const v = vec + <usize>load<i32>(xI + (<usize>j << 2)) * rowb;
      store<f32>(xD + (<usize>j << 2), kind == 0 ? l2sqI(q, v) : kind == 2 ? bitsDiff(q, v, rowb) : kind == 1 ? <f32>1.0 - dotI(q, v)
        : kind == 3 ? f16QueryL2(q, v, cdim) : kind == 5 ? sq8QueryL2(q, v, cdim, aff) : codecQueryDist(kind, q, v));
    }
    // 3. The heaps, in list order: the same pushes and pops as one neighbour at a time.
    for (let j = 0; j < m; j++) {
      const n = load<i32>(xI + (<usize>j << 2));
      const d = load<f32>(xD + (<usize>j << 2));
      if (tn < ef || d < lower) {
        minPush(cD, cI, cn, d, n); cn++;
        if ((load<u8>(flags + <usize>n) & 1) == 0 && n != self && allowed(n, mode)) {
          maxPush(tD, tI, tn, d, n); tn++;
          if (tn > ef) { maxPop(tD, tI, tn); tn--; }
        }
        if (tn > 0) lower = load<f32>(tD);
      }
    }
  }
  nDist += nd;
  touch ^= sink;
  return tn;
}

/** Drains W (max-heap of size n) into WD/WI sorted nearest first. */
function drainSorted(n: i32): void {
  for (let i = n - 1; i >= 0; i--) {
    put(WD, WI, i, load<f32>(TD), load<i32>(TI));
    maxPop(TD, TI, i + 1);
  }
}

/**
 * K-NN-SEARCH (Algorithm 5) for the query in Q: greedy descent to layer 1, then
 * SEARCH-LAYER with max(ef, k) at layer 0. Writes up to k results nearest first into WD/WI
 * and returns their number.
 */
export function searchKnn(ep: i32, maxLevel: i32, ef: i32, k: i32, mode: i32, exclusions: i32): i32 {
  if (ep < 0) return 0;
  greedy(Q, ep, dist(Q, vecAt(ep)), maxLevel, 0);
  let tn = searchLayer(Q, gCur, gDist, ef > k ? ef : k, 0, mode, -1, exclusions);
  while (tn > k) { maxPop(TD, TI, tn); tn--; }
  drainSorted(tn);
  return tn;
}

/** Exact top-k over a list of `n` slots stored at CI (filtered brute-force fallback). */
export function bruteList(n: i32, k: i32): i32 {
  let tn = 0;
  for (let i = 0; i < n; i++) {
    const s = iAt(CI, i);
    const d = dist(Q, vecAt(s));
    if (tn < k) { maxPush(TD, TI, tn, d, s); tn++; }
    else if (d < load<f32>(TD)) { maxPop(TD, TI, tn); maxPush(TD, TI, tn - 1, d, s); }
  }
  drainSorted(tn);
  return tn;
}

// ---------------------------------------------------------------- construction

/**
 * SELECT-NEIGHBORS-HEURISTIC (Algorithm 4, keepPrunedConnections = false, as hnswlib):
 * candidates (inD/inI, n, sorted nearest first to the base element) are taken in order and
 * kept only if closer to the base than to every neighbour already kept, up to m.
 * Writes into outD/outI and returns the count.
 */
function selectHeuristic(inD: usize, inI: usize, n: i32, m: i32, outD: usize, outI: usize): i32 {
  if (n <= m) {
    for (let i = 0; i < n; i++) put(outD, outI, i, dAt(inD, i), iAt(inI, i));
    return n;
  }
  let r = 0;
  for (let i = 0; i < n && r < m; i++) {
    const c = iAt(inI, i), dc = dAt(inD, i);
    const vc = vecAt(c);
    let good = true;
    for (let j = 0; j < r; j++) {
      if (pdist(vc, vecAt(iAt(outI, j))) < dc) { good = false; break; }
    }
    if (good) { put(outD, outI, r, dc, c); r++; }
  }
  return r;
}

/** Insertion sort of n (dist, id) pairs, nearest first (n <= 2 M0 + 1). */
function sortPairs(D: usize, I: usize, n: i32): void {
  for (let i = 1; i < n; i++) {
    const d = dAt(D, i), id = iAt(I, i);
    let j = i - 1;
    while (j >= 0 && dAt(D, j) > d) { put(D, I, j + 1, dAt(D, j), iAt(I, j)); j--; }
    put(D, I, j + 1, d, id);
  }
}

/** Adds a link slot -> `to` at `level`, shrinking `to`'s list with the heuristic when full. */
function connect(to: i32, slot: i32, dts: f32, level: i32): void {
  if (LOCKS != 0) { lockNode(to); connectLocked(to, slot, dts, level); unlockNode(to); return; }
  connectLocked(to, slot, dts, level);
}

function connectLocked(to: i32, slot: i32, dts: f32, level: i32): void {
  const maxL = level == 0 ? M0 : M;
  const l = links(to, level);
  const cnt = load<i32>(l);
  for (let j = 1; j <= cnt; j++) if (load<i32>(l + (<usize>j << 2)) == slot) return;
  if (cnt < maxL) {
    store<i32>(l + (<usize>(cnt + 1) << 2), slot);
    store<i32>(l, cnt + 1);
    return;
  }
  // full: candidates = current links + slot, by distance to `to`, then the heuristic
  const vt = vecAt(to);
  for (let j = 0; j < cnt; j++) {
    const n = load<i32>(l + (<usize>(j + 1) << 2));
    put(XD, XI, j, pdist(vt, vecAt(n)), n);
  }
  put(XD, XI, cnt, dts, slot);
  sortPairs(XD, XI, cnt + 1);
  const r = selectHeuristic(XD, XI, cnt + 1, maxL, YD, YI);
  for (let j = 0; j < r; j++) store<i32>(l + (<usize>(j + 1) << 2), iAt(YI, j));
  store<i32>(l, r);
}

/**
 * INSERT (Algorithm 1) of the vector already stored at `slot` with level `level`, entering
 * at `ep` (top layer maxLevel). The caller updates the entry point when level > maxLevel.
 * M new links per layer (Algorithm 4), neighbours capped at M (layers >= 1) or M0 = 2M (layer 0).
 */
export function insert(slot: i32, level: i32, ep: i32, maxLevel: i32, efC: i32, exclusions: i32): void {
  // a reused slot may still be reachable through stale in-links: start with empty lists
  const locked = LOCKS != 0;
  if (locked) lockNode(slot);
  store<i32>(links(slot, 0), 0);
  for (let l = 1; l <= level; l++) store<i32>(links(slot, l), 0);
  if (locked) unlockNode(slot);
  if (ep < 0 || ep == slot) return;
  // codec storage: the new point searches as a float32 query, its code decoded into this
  // thread's query block (the walks score a float32 query against code rows)
  let q = vecAt(slot);
  if (KIND >= 3) {
    decodeRow(codecOf(KIND), q, CDIM, AFF, Q);
    // cosine: the decoded unit vector made unit again, as a query is
    if (KIND >= 7) { const s = invNorm(q); for (let j = 0; j < CDIM; j++) store<f32>(Q + (<usize>j << 2), load<f32>(Q + (<usize>j << 2)) * s); }
    q = Q;
  }
  let cur = ep;
  let curd = dist(q, vecAt(ep));
  if (level < maxLevel) { greedy(q, cur, curd, maxLevel, level); cur = gCur; curd = gDist; }
  for (let lev = (level < maxLevel ? level : maxLevel); lev >= 0; lev--) {
    const tn = searchLayer(q, cur, curd, efC, lev, 0, slot, exclusions);
    if (tn == 0) continue;
    drainSorted(tn);
    cur = iAt(WI, 0); curd = dAt(WD, 0);
    const r = selectHeuristic(WD, WI, tn, M, SD, SI);
    const l = links(slot, lev);
    // parallel build: other threads reach `slot` through the links of upper layers already
    // connected, so its list of this layer is written under its lock
    if (locked) lockNode(slot);
    for (let j = 0; j < r; j++) store<i32>(l + (<usize>(j + 1) << 2), iAt(SI, j));
    store<i32>(l, r);
    if (locked) unlockNode(slot);
    for (let j = 0; j < r; j++) connect(iAt(SI, j), slot, dAt(SD, j), lev);
  }
}

/**
 * Before a deleted slot is reused for a new vector: every neighbour n of the old vector
 * gets its list rebuilt from (n's links + the old vector's links) minus the slot, with the
 * heuristic, so the neighbourhood stays connected without it (hnswlib's repair on update).
 */
export function repair(slot: i32, level: i32): void {
  for (let lev = level; lev >= 0; lev--) {
    const maxL = lev == 0 ? M0 : M;
    const ls = links(slot, lev);
    const cs = load<i32>(ls);
    for (let a = 1; a <= cs; a++) {
      const n = load<i32>(ls + (<usize>a << 2));
      if (n == slot) continue;
      nextTag();
      store<u32>(TAGS + (<usize>n << 2), tag);
      store<u32>(TAGS + (<usize>slot << 2), tag);
      const vn = vecAt(n);
      const ln = links(n, lev);
      const cn = load<i32>(ln);
      let m = 0;
      for (let j = 1; j <= cn; j++) {
        const x = load<i32>(ln + (<usize>j << 2));
        const tp = TAGS + (<usize>x << 2);
        if (load<u32>(tp) == tag) continue;
        store<u32>(tp, tag);
        put(XD, XI, m++, pdist(vn, vecAt(x)), x);
      }
      for (let j = 1; j <= cs; j++) {
        const x = load<i32>(ls + (<usize>j << 2));
        const tp = TAGS + (<usize>x << 2);
        if (load<u32>(tp) == tag) continue;
        store<u32>(tp, tag);
        put(XD, XI, m++, pdist(vn, vecAt(x)), x);
      }
      sortPairs(XD, XI, m);
      const r = selectHeuristic(XD, XI, m, maxL, YD, YI);
      for (let j = 0; j < r; j++) store<i32>(ln + (<usize>(j + 1) << 2), iAt(YI, j));
      store<i32>(ln, r);
    }
  }
}
