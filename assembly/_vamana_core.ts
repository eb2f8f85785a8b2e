// Vamana's GreedySearch (DiskANN, Subramanya et al. 2019, Algorithm 1) inside WebAssembly, so
// that a query (or a build step's search) is one JS -> wasm call instead of one per distance.
// The graph's memory is laid out by src/index/vamana/store.ts, the very arrays the TypeScript
// code (RobustPrune, consolidation, persistence) reads and writes:
//   vectors  cap x dim f32     (cosine: unit vectors)
//   adj      cap x S i32       (a node's out-neighbours in a fixed slot of S = stride)
//   degree   cap i32           (the slot's count)
//   flags    cap u8            (0 live, 1 lazily deleted, 2 purged)
//   aug      cap f32           (inner product only: the MIPS augmentation; 0 when absent)
//   scratch  query, visited tags, the sorted list ℒ, the expanded set 𝒱, staging, accept mask,
//            the accepted-result heap
// The TypeScript walker (src/index/vamana/search.ts) is the same algorithm on the same arrays.
// Compiled twice: assembly/vamana.ts (private memory: searches, inserts, the serial build) and
// assembly/vamana_shared.ts (shared memory, threads: one instance per thread of the parallel
// build, each with its own scratch, locking nodes as DiskANN's build does; see setLocks).
import { l2sqBytes } from './_simd_dist';
import { spinLock, spinUnlock } from './_spinlock';

let DIM: i32 = 0;
let ROWB: usize = 0;
let STRIDE: usize = 0;     // bytes per adjacency slot (S * 4)
let VEC: usize = 0;
let ADJ: usize = 0;
let DEG: usize = 0;
let FLAGS: usize = 0;
let AUG: usize = 0;
let Q: usize = 0;
let QAUG: f32 = 0;
let TAGS: usize = 0;
let CAP: i32 = 0;
let LI: usize = 0; let LD: usize = 0; let LE: usize = 0;  // ℒ: ids, distances, expanded flags
let VI: usize = 0; let VD: usize = 0; let VCAP: i32 = 0;   // 𝒱 (build): ids and distances
let XI: usize = 0; let XD: usize = 0;                     // one node's fresh neighbours
let ACC: usize = 0;                                       // accept mask, one byte per node
let PO: usize = 0; let PK: usize = 0;                     // RobustPrune: candidate order, dropped flags
let LVA: usize = 0;                                       // RobustPrune: squared occlusion levels (32 f32)
let LOCKS: usize = 0;                                     // parallel build: one i32 lock word per node, else 0
let RI: usize = 0; let RD: usize = 0;                     // accepted results: max-heap of k
let tag: u32 = 0;
let vCount: i32 = 0;
let nDist: u32 = 0;
let touch: u32 = 0;

export function setGraph(dim: i32, stride: i32, vec: usize, adj: usize, deg: usize, flags: usize, aug: usize): void {
  DIM = dim; ROWB = <usize>dim << 2; STRIDE = <usize>stride << 2;
  VEC = vec; ADJ = adj; DEG = deg; FLAGS = flags; AUG = aug;
}

export function setScratch(q: usize, tags: usize, cap: i32, li: usize, ld: usize, le: usize, vi: usize, vd: usize, vcap: i32,
  xi: usize, xd: usize, acc: usize, ri: usize, rd: usize): void {
  Q = q; TAGS = tags; CAP = cap; LI = li; LD = ld; LE = le; VI = vi; VD = vd; VCAP = vcap;
  XI = xi; XD = xd; ACC = acc; RI = ri; RD = rd;
  memory.fill(TAGS, 0, <usize>cap << 2);
  tag = 0;
}

export function setPruneScratch(po: usize, pk: usize, lv: usize): void { PO = po; PK = pk; LVA = lv; }

/**
 * Parallel build: `locks` is the address of cap i32 lock words (all 0 = free), or 0 to run
 * without locking (searches, the serial build). Only the shared-memory module locks. With
 * locks, a walk copies an expanded node's list under its lock, and insertNode writes N_out(p)
 * under p's lock and each back edge under the target's lock (DiskANN's build).
 */
export function setLocks(locks: usize): void { LOCKS = ASC_FEATURE_THREADS ? locks : 0; }
@inline function lockNode(v: i32): void { if (LOCKS != 0) spinLock(LOCKS + (<usize>v << 2)); }
@inline function unlockNode(v: i32): void { if (LOCKS != 0) spinUnlock(LOCKS + (<usize>v << 2)); }

export function setQueryAug(a: f32): void { QAUG = a; }
export function expandedCount(): i32 { return vCount; }
export function distCount(): u32 { return nDist; }

@inline function dAt(D: usize, i: i32): f32 { return load<f32>(D + (<usize>i << 2)); }
@inline function iAt(I: usize, i: i32): i32 { return load<i32>(I + (<usize>i << 2)); }
@inline function put(D: usize, I: usize, i: i32, d: f32, id: i32): void {
  store<f32>(D + (<usize>i << 2), d); store<i32>(I + (<usize>i << 2), id);
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

function maxPop(D: usize, I: usize, n: i32): void {
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

/** Graph-space distance from the query to node v (augmented squared L2 for inner product). */
@inline function qdist(aug: usize, v: i32): f32 {
  let s = l2sqBytes(Q, VEC + <usize>v * ROWB, ROWB);
  if (aug != 0) { const t = QAUG - load<f32>(aug + (<usize>v << 2)); s += t * t; }
  return s;
}

/** Adds node v at distance d to the accepted-result heap when the mask allows it. */
@inline function offer(k: i32, hn: i32, v: i32, d: f32): i32 {
  if (load<u8>(ACC + <usize>v) == 0) return hn;
  if (hn < k) { maxPush(RD, RI, hn, d, v); return hn + 1; }
  if (d < load<f32>(RD)) { maxPop(RD, RI, hn); maxPush(RD, RI, hn - 1, d, v); }
  return hn;
}

let hCount: i32 = 0;

/**
 * GreedySearch from `start` with list size L (ℒ sorted by distance, at most L entries; expand
 * the closest unexpanded node until none is left). collect != 0 records 𝒱 (the expanded nodes,
 * in order, with their distances) for RobustPrune. k > 0: every evaluated node the accept mask
 * allows also enters a max-heap of k (filtered or lazily-deleted search: disallowed nodes are
 * walked through, never returned); drain it with drainAccepted. Returns |ℒ|.
 */
export function search(start: i32, L: i32, collect: i32, k: i32): i32 {
  tag++;
  if (tag == 0) { memory.fill(TAGS, 0, <usize>CAP << 2); tag = 1; }
  const tg = tag, tags = TAGS, vec = VEC, rowb = ROWB, adj = ADJ, deg = DEG, flags = FLAGS, aug = AUG, stride = STRIDE;
  const li = LI, ld = LD, le = LE, xi = XI, xd = XD;
  let nd: u32 = 1, hn = 0, vc = 0, sink: u32 = 0;
  const d0 = qdist(aug, start);
  store<u32>(tags + (<usize>start << 2), tg);
  put(ld, li, 0, d0, start); store<u8>(le, 0);
  if (k > 0) hn = offer(k, hn, start, d0);
  let size = 1, cur = 0;
  while (cur < size) {
    const p = iAt(li, cur);
    store<u8>(le + <usize>cur, 1);
    if (collect != 0 && vc < VCAP) { put(VD, VI, vc, dAt(ld, cur), p); vc++; }
    let next = cur + 1;
    // 1. the unvisited, unpurged neighbours into XI, marked visited (branch-free, as HNSW's walk);
    //    in a parallel build this is the copy of p's list, made under p's lock
    lockNode(p);
    const base = adj + <usize>p * stride, dp = load<i32>(deg + (<usize>p << 2));
    let m = 0;
    for (let j = 0; j < dp; j++) {
      const u = load<i32>(base + (<usize>j << 2));
      const tp = tags + (<usize>u << 2);
      const fresh = (load<u32>(tp) != tg) & (load<u8>(flags + <usize>u) != 2);
      store<u32>(tp, tg);
      store<i32>(xi + (<usize>m << 2), u);
      m += <i32>fresh;
    }
    unlockNode(p);
    nd += <u32>m;
    // 1b. touch each vector's first cache line so that the misses overlap (wasm has no prefetch)
    for (let j = 0; j < m; j++) sink ^= load<u32>(vec + <usize>load<i32>(xi + (<usize>j << 2)) * rowb);
    // 2. their distances, independent of each other
    for (let j = 0; j < m; j++) store<f32>(xd + (<usize>j << 2), qdist(aug, load<i32>(xi + (<usize>j << 2))));
    // 3. into ℒ in list order (same result as one neighbour at a time)
    for (let j = 0; j < m; j++) {
      const u = load<i32>(xi + (<usize>j << 2));
      const du = load<f32>(xd + (<usize>j << 2));
      if (k > 0) hn = offer(k, hn, u, du);
      if (size == L && du >= dAt(ld, L - 1)) continue;
      let lo = 0, hi = size;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (dAt(ld, mid) <= du) lo = mid + 1; else hi = mid; }
      const last = size < L ? size : L - 1;
      if (last > lo) {
        const cnt = <usize>(last - lo);
        memory.copy(li + (<usize>(lo + 1) << 2), li + (<usize>lo << 2), cnt << 2);
        memory.copy(ld + (<usize>(lo + 1) << 2), ld + (<usize>lo << 2), cnt << 2);
        memory.copy(le + <usize>(lo + 1), le + <usize>lo, cnt);
      }
      put(ld, li, lo, du, u); store<u8>(le + <usize>lo, 0);
      if (size < L) size++;
      if (lo < next) next = lo;
    }
    while (next < size && load<u8>(le + <usize>next) == 1) next++;
    cur = next;
  }
  nDist = nd;
  vCount = vc;
  hCount = hn;
  touch ^= sink;
  return size;
}

/** Sorts the accepted-result heap of the last search into RD/RI nearest first; returns its size. */
export function drainAccepted(): i32 {
  const n = hCount;
  // heap sort in place: the max goes to the end each round
  for (let i = n - 1; i > 0; i--) {
    const d = load<f32>(RD), id = load<i32>(RI);
    maxPop(RD, RI, i + 1);
    put(RD, RI, i, d, id);
  }
  hCount = 0;
  return n;
}

// ---------------------------------------------------------------- construction

/** Graph-space distance between nodes a and b. */
@inline function nodeDist(a: i32, b: i32): f32 {
  let s = l2sqBytes(VEC + <usize>a * ROWB, VEC + <usize>b * ROWB, ROWB);
  if (AUG != 0) { const t = load<f32>(AUG + (<usize>a << 2)) - load<f32>(AUG + (<usize>b << 2)); s += t * t; }
  return s;
}

function newTag(): u32 {
  tag++;
  if (tag == 0) { memory.fill(TAGS, 0, <usize>CAP << 2); tag = 1; }
  return tag;
}

/**
 * Squared occlusion levels of the prune (src/index/vamana/prune.ts alphaLevels): 1, 1.2², ...
 * below α², then α²; at LVA, in the instance's scratch (a static array would be one address
 * for every instance on a shared memory).
 */
let NL: i32 = 0;
const TAKEN: u8 = 255;
@inline function lvAt(c: i32): f32 { return load<f32>(LVA + (<usize>c << 2)); }

function setLevels(a2: f32): void {
  NL = 0;
  let c: f64 = 1;
  const alpha = Math.sqrt(<f64>a2);
  while (c < alpha * (1 - 1e-9) && NL < 31) { store<f32>(LVA + (<usize>NL << 2), <f32>(c * c)); NL++; c *= 1.2; }
  store<f32>(LVA + (<usize>NL << 2), a2); NL++;
}

/**
 * RobustPrune(p, 𝒱, α, R) (Algorithm 2) over the n distinct candidates in VI/VD (distances to
 * p): take them nearest first (ties by lower id, as src/index/vamana/prune.ts), keep p* and mark
 * every p' it covers, c² d²(p*, p') <= d²(p, p') (squared distances), with α applied in levels c
 * = 1, 1.2, ... α as DiskANN's implementation (prune.ts says why); PK holds per candidate the
 * number of levels that cover it (TAKEN once kept). Writes the kept ids to `out` (scratch: the
 * caller stores them as N_out(p), under p's lock in a parallel build), returns their count.
 */
function pruneInto(p: i32, n: i32, a2: f32, R: i32, out: usize): i32 {
  for (let i = 0; i < n; i++) { store<i32>(PO + (<usize>i << 2), i); store<u8>(PK + <usize>i, 0); }
  // insertion sort of the order by (distance, id): 𝒱 arrives nearly sorted (expansion order)
  for (let i = 1; i < n; i++) {
    const o = iAt(PO, i), d = dAt(VD, o), id = iAt(VI, o);
    let j = i - 1;
    while (j >= 0) {
      const oj = iAt(PO, j), dj = dAt(VD, oj);
      if (dj < d || (dj == d && iAt(VI, oj) < id)) break;
      store<i32>(PO + (<usize>(j + 1) << 2), oj);
      j--;
    }
    store<i32>(PO + (<usize>(j + 1) << 2), o);
  }
  setLevels(a2);
  const nl = NL;
  let deg = 0;
  for (let t = 0; t < nl && deg < R; t++) {
    for (let i = 0; i < n && deg < R; i++) {
      const oi = iAt(PO, i);
      if (<i32>load<u8>(PK + <usize>oi) > t) continue;
      store<u8>(PK + <usize>oi, TAKEN);
      const star = iAt(VI, oi);
      store<i32>(out + (<usize>deg << 2), star);
      deg++;
      for (let j = 0; j < n; j++) {
        const oj = iAt(PO, j);
        let c = <i32>load<u8>(PK + <usize>oj);
        if (c >= nl) continue;
        const dsj = dAt(VD, oj), d = nodeDist(star, iAt(VI, oj));
        while (c < nl && lvAt(c) * d <= dsj) c++;
        store<u8>(PK + <usize>oj, <u8>c);
      }
    }
  }
  return deg;
}

/** N_out(v) ← the deg ids at `src`, under v's lock. */
function writeList(v: i32, src: usize, deg: i32): void {
  lockNode(v);
  memory.copy(ADJ + <usize>v * STRIDE, src, <usize>deg << 2);
  store<i32>(DEG + (<usize>v << 2), deg);
  unlockNode(v);
}

/**
 * One step of Algorithm 3 for node p (src/index/vamana/build.ts insertNode, the same steps):
 * 𝒱 ← GreedySearch(medoid, x_p, L); N_out(p) ← RobustPrune(p, 𝒱 ∪ N_out(p), α, R); then each
 * j ∈ N_out(p) gets the back edge j → p, appended while j's slot (the build's 1.3 R) has room,
 * else by RobustPrune(j, N_out(j) ∪ {p}, α, R). With locks (the parallel build), as DiskANN:
 * p's list is copied under p's lock and the pruned list written under it; a back edge is
 * appended under j's lock, or j's list is copied under it, pruned outside it (RobustPrune's
 * distances are the expensive part) and written back under it. Without locks every copy reads
 * what the serial build read, so the graph is the same.
 */
export function insertNode(p: i32, medoid: i32, L: i32, a2: f32, R: i32): void {
  memory.copy(Q, VEC + <usize>p * ROWB, ROWB);
  QAUG = AUG != 0 ? load<f32>(AUG + (<usize>p << 2)) : 0;
  search(medoid, L, 1, 0);
  const S = <i32>(STRIDE >> 2);
  let tg = newTag();
  store<u32>(TAGS + (<usize>p << 2), tg);
  let n = 0;
  for (let i = 0; i < vCount; i++) {
    const u = iAt(VI, i), tp = TAGS + (<usize>u << 2);
    if (load<u32>(tp) == tg) continue;
    store<u32>(tp, tg);
    put(VD, VI, n, dAt(VD, i), u); n++;
  }
  // N_out(p) as it stands (other threads may be adding back edges to p): copied into XI
  lockNode(p);
  const dp = load<i32>(DEG + (<usize>p << 2));
  memory.copy(XI, ADJ + <usize>p * STRIDE, <usize>dp << 2);
  unlockNode(p);
  for (let j = 0; j < dp; j++) {
    const u = iAt(XI, j), tp = TAGS + (<usize>u << 2);
    if (load<u32>(tp) == tg) continue;
    store<u32>(tp, tg);
    put(VD, VI, n, nodeDist(p, u), u); n++;
  }
  const deg = pruneInto(p, n, a2, R, XI);
  writeList(p, XI, deg);
  for (let t = 0; t < deg; t++) {
    const j = iAt(XI, t);
    const jb = ADJ + <usize>j * STRIDE;
    lockNode(j);
    const dj = load<i32>(DEG + (<usize>j << 2));
    let has = false;
    for (let i = 0; i < dj; i++) if (load<i32>(jb + (<usize>i << 2)) == p) { has = true; break; }
    if (has) { unlockNode(j); continue; }
    if (dj < S) { store<i32>(jb + (<usize>dj << 2), p); store<i32>(DEG + (<usize>j << 2), dj + 1); unlockNode(j); continue; }
    memory.copy(VI, jb, <usize>dj << 2);
    unlockNode(j);
    tg = newTag();
    store<u32>(TAGS + (<usize>j << 2), tg);
    let m = 0;
    // compacts VI in place (m <= i: each id is read before its place is rewritten)
    for (let i = 0; i < dj; i++) {
      const u = iAt(VI, i), tp = TAGS + (<usize>u << 2);
      if (load<u32>(tp) == tg) continue;
      store<u32>(tp, tg);
      put(VD, VI, m, nodeDist(j, u), u); m++;
    }
    if (load<u32>(TAGS + (<usize>p << 2)) != tg) { put(VD, VI, m, nodeDist(j, p), p); m++; }
    const dn = pruneInto(j, m, a2, R, XD);
    writeList(j, XD, dn);
  }
}
