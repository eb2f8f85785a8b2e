// Exact accelerated Lloyd assignment: Yinyang k-means (Ding, Zhao, Shen, Musuvathi & Mytkowicz,
// "Yinyang K-Means: A Drop-In Replacement of the Classic K-Means with Consistent Speedup", ICML
// 2015), global and group filters. The k centres are split once into G ~ k/10 groups (k-means of
// the first centres); each row keeps an upper bound u >= D(x, c_a) to its centre a and, per group
// g, a lower bound lb_g <= D(x, c_j) for every j in g other than a. After an update moving centre
// j by delta_j, u grows by delta_a and lb_g shrinks by max_{j in g} delta_j (triangle inequality).
// A row whose bounds still separate every group from its centre keeps its label without any
// arithmetic; otherwise only its own group and the groups whose bound fails are scored.
//
// The labels are bit for bit those of the tile kernel's full pass (assign in assembly/kmeans.ts):
// the scored centres get the tile's own float32 sums (groupScores, same order of operations),
// ties go to the lower centre, and a bound only excludes a centre when it beats the chosen one by
// more than the float32 error of both scores. That error: a score s = fl(||c||^2 - 2 sum x_t c_t)
// is within E = gamma (||c||^2 + 2 ||x|| ||c||) of the exact ||c||^2 - 2 <x, c>, gamma =
// (d + 2) 2^-23 (d + 1 roundings of at most 2^-24 relative each, doubled for margin; Higham, Accuracy and
// Stability of Numerical Algorithms, 3.1). Exact squared distance D^2 = s + ||x||^2, so the
// kernel prefers j over a only if D_j^2 - D_a^2 <= 2E; bounds from scores carry +-E.
import { loadEmbedded, defaultImports, ensureMemory } from '../wasm/loader.js';
import * as kmeansWasm from '../wasm/generated/kmeans.js';
import { assignNearest, sqDist, writePanels, blockPanels, type KMeansExports } from './kmeans-kernel.js';

interface GroupExports extends KMeansExports {
  groupScores(X: number, d: number, P: number, N: number, jobs: number, nJobs: number, out: number): void;
  groupMins(S: number, n: number, kp: number, k: number, groupOf: number, G: number, slots: number, groupSlot: number, labels: number, best: number, gmins: number): void;
}

/** Rows per `scores` call of the first pass (a multiple of 4: the 4-row tile's sums only). */
const FIRST_CHUNK = 256;

/** Per-iteration record: rows whose bounds failed, and centres scored (out of n k). */
export interface YinyangPass { rows: number; scored: number }

/** @internal The passes of the last Yinyang run (benches and tests report the fraction scored). */
export const yinyangStats: { passes: YinyangPass[]; n: number; k: number } = { passes: [], n: 0, k: 0 };

/** Scores per kernel call (4 per panel): bounds the module's scratch. */
const OUT_CAP = 1 << 18;

/**
 * Past this fraction of the n k scores a pass runs the tile kernel's full pass instead: one
 * score of groupScores (4 centres a panel, one row) cost 2-3 of the tile's (4 x 8 register
 * tile) on 128-d unclustered data (50k x 1,024: 72-82 % scored in 0.8-1.1 CPU s, against
 * 0.44 for the full pass).
 */
const FULL_FRACTION = 0.3;

/**
 * Repeated assignments of the same n rows to moving centres (Lloyd's passes) with Yinyang's
 * bounds. `assign(centres)` returns the labels the tile kernel would give; the first call scores
 * every centre. Null when WebAssembly is off.
 */
export class YinyangAssigner {
  /** Per pass: rows re-examined and (row, centre) scores computed. */
  readonly passes: YinyangPass[] = [];
  private readonly labels: Int32Array;
  private readonly upper: Float64Array;
  private readonly lower: Float64Array;
  private readonly xnorm: Float64Array;
  private readonly prev: Float32Array;
  /** 1 where a row failed the global filter this pass */
  private readonly fail: Uint8Array;
  /** phase 1's kept groups, row after row (keptEnd[i]: the end of row i's), up to 4 a row on average */
  private readonly kept: Int32Array;
  private readonly keptEnd: Int32Array;
  private readonly G: number;
  /** slot -> centre (-1: padding), group -> first panel, centre -> group */
  private slotId = new Int32Array(0);
  private groupPanel = new Int32Array(0);
  private groupOf: Int32Array = new Int32Array(0);
  private offP8 = 0; private offQ = 0; private offS = 0;
  private offGO = 0; private offSL = 0; private offGS = 0; private offML = 0; private offMB = 0; private offMG = 0;
  private offX = 0; private offP = 0; private offN = 0; private offJobs = 0; private offOut = 0;
  private first = true;
  /** consecutive passes that fell back to the full pass */
  private fallbacks = 0;

  private constructor(private readonly ex: GroupExports, private readonly X: Float32Array, readonly n: number, readonly d: number, readonly k: number, private readonly full: (c: Float32Array) => Int32Array) {
    this.G = Math.max(1, Math.round(k / 10));
    this.labels = new Int32Array(n);
    this.upper = new Float64Array(n);
    this.lower = new Float64Array(n * this.G);
    this.xnorm = new Float64Array(n);
    this.prev = new Float32Array(k * d);
    this.fail = new Uint8Array(n);
    this.kept = new Int32Array(4 * n);
    this.keptEnd = new Int32Array(n);
    yinyangStats.passes = this.passes; yinyangStats.n = n; yinyangStats.k = k;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let t = i * d, e = t + d; t < e; t++) s += X[t] * X[t];
      this.xnorm[i] = Math.sqrt(s);
    }
  }

  /**
   * `full` is the tile kernel's full pass (on one or several threads): the first call's labels.
   */
  static create(X: Float32Array, n: number, d: number, k: number, full: (c: Float32Array) => Int32Array): YinyangAssigner | null {
    const loaded = loadEmbedded('kmeans', kmeansWasm);
    if (!loaded) return null;
    // an instance of its own: its memory holds the rows for the whole run
    const ex = new WebAssembly.Instance(loaded.module, defaultImports()).exports as unknown as GroupExports;
    return new YinyangAssigner(ex, X, n, d, k, full);
  }

  /** Groups of the centres (Yinyang: a few k-means steps over the first centres), laid out as panels of 4. */
  private layout(c: Float32Array): void {
    const { k, d, G, n } = this;
    const gc = c.slice(0, G * d);
    let gl: Int32Array = new Int32Array(k);
    for (let it = 0; it < 5; it++) {
      gl = assignNearest(c, k, d, gc, G);
      const sums = new Float64Array(G * d), cnt = new Float64Array(G);
      for (let j = 0; j < k; j++) { cnt[gl[j]]++; for (let t = 0; t < d; t++) sums[gl[j] * d + t] += c[j * d + t]; }
      for (let g = 0; g < G; g++) if (cnt[g] > 0) for (let t = 0; t < d; t++) gc[g * d + t] = sums[g * d + t] / cnt[g];
    }
    this.groupOf = gl;
    const members: number[][] = Array.from({ length: G }, () => []);
    for (let j = 0; j < k; j++) members[gl[j]].push(j);
    this.groupPanel = new Int32Array(G + 1);
    const ids: number[] = [];
    for (let g = 0; g < G; g++) {
      this.groupPanel[g] = ids.length >> 2;
      for (const j of members[g]) ids.push(j);
      while (ids.length & 3) ids.push(-1);
    }
    this.groupPanel[G] = ids.length >> 2;
    this.slotId = Int32Array.from(ids);
    const slots = ids.length;
    this.offX = 1024;
    this.offP = this.offX + n * d * 4;
    this.offN = this.offP + slots * d * 4;
    // the first pass: 8-wide panels and norms of the tile kernel, a chunk of rows in quads, its scores
    const p8 = Math.ceil(k / 8);
    this.offP8 = this.offN + slots * 4;
    this.offQ = this.offP8 + p8 * 32 * d + p8 * 32;
    this.offS = this.offQ + FIRST_CHUNK * d * 4;
    // groupOf (k i32), a chunk's labels, best scores and group minima
    this.offGO = this.offS + FIRST_CHUNK * p8 * 32;
    this.offSL = this.offGO + k * 4;
    this.offGS = this.offSL + slots * 4;
    this.offML = this.offGS + (G + 1) * 4;
    this.offMB = this.offML + FIRST_CHUNK * 4;
    this.offMG = this.offMB + FIRST_CHUNK * 4;
    this.offJobs = this.offMG + FIRST_CHUNK * G * 4;
    this.offOut = this.offJobs + Math.ceil(OUT_CAP / 4) * 12 + 12 * G;
    ensureMemory(this.ex.memory, this.offOut + (OUT_CAP + 4 * slots) * 4);
    new Float32Array(this.ex.memory.buffer, this.offX, n * d).set(this.X.subarray(0, n * d));
  }

  /** Panels of -2c and norms ||c||^2 in slot order (float32, as the tile kernel's). */
  private writeCentres(c: Float32Array, slotId = this.slotId, offP = this.offP, offN = this.offN): void {
    const { d } = this, slots = slotId.length, buf = this.ex.memory.buffer;
    const P = new Float32Array(buf, offP, slots * d), N = new Float32Array(buf, offN, slots);
    for (let s = 0; s < slots; s++) {
      const j = slotId[s], base = (s >> 2) * d * 4 + (s & 3);
      if (j < 0) { N[s] = Infinity; for (let t = 0; t < d; t++) P[base + t * 4] = 0; continue; }
      let nn = 0;
      for (let t = 0; t < d; t++) { const v = c[j * d + t]; P[base + t * 4] = -2 * v; nn += v * v; }
      N[s] = nn;
    }
  }

  /**
   * The first pass: every score of the tile kernel (assembly/kmeans.ts `scores`: the 4-row tile,
   * the same sums as `assign`, so the same labels), from which u (the own centre's score + E) and
   * exact per-group bounds (each group's best score other than the own centre, - E). Bounds from
   * the group means and radii alone (D(x, m_g) - r_g) left 18 % of the centres scored in the next
   * pass (100k x 128, k 1,024) against 2 % with these, and made 20k x 64, k 256 fall back.
   */
  private firstPass(c: Float32Array): void {
    const { n, d, k, G } = this, ex = this.ex;
    this.layout(c);
    const p8 = Math.ceil(k / 8), kp = p8 * 8;
    writePanels(ex, c, k, d, 'l2', this.offP8);
    const cmax = maxNorm(c, k, d), gamma = (d + 2) * 2 ** -23 * 1.01;
    const gmin = new Float64Array(G), groupOf = this.groupOf;
    const row = (i: number, S: Float32Array, o: number): void => {
      // argmin, ties to the lower centre (the tile's rule)
      let best = Infinity, b = 0;
      for (let j = 0; j < k; j++) if (S[o + j] < best) { best = S[o + j]; b = j; }
      gmin.fill(Infinity);
      for (let j = 0; j < k; j++) { const g = groupOf[j]; if (j !== b && S[o + j] < gmin[g]) gmin[g] = S[o + j]; }
      const xn = this.xnorm[i], xx = xn * xn, E = gamma * (cmax * cmax + 2 * xn * cmax) + 1e-30;
      this.labels[i] = b;
      this.upper[i] = Math.sqrt(Math.max(0, best + xx + E));
      for (let g = 0; g < G; g++) this.lower[i * G + g] = Math.sqrt(Math.max(0, gmin[g] + xx - E));
    };
    const n4 = n & ~3, bp = blockPanels(d), mem = ex.memory.buffer;
    new Int32Array(mem, this.offGO, k).set(groupOf);
    new Int32Array(mem, this.offSL, this.slotId.length).set(this.slotId);
    const GS = new Int32Array(mem, this.offGS, G + 1);
    for (let g = 0; g <= G; g++) GS[g] = this.groupPanel[g] * 4;
    const ML = new Int32Array(mem, this.offML, FIRST_CHUNK), MB = new Float32Array(mem, this.offMB, FIRST_CHUNK);
    const MG = new Float32Array(mem, this.offMG, FIRST_CHUNK * G);
    for (let i0 = 0; i0 < n4; i0 += FIRST_CHUNK) {
      const r = Math.min(FIRST_CHUNK, n4 - i0);
      ex.interleave(this.offX + i0 * d * 4, r, d, this.offQ);
      ex.scores(this.offQ, r, d, this.offP8, p8, this.offP8 + p8 * 32 * d, this.offS, bp);
      ex.groupMins(this.offS, r, kp, k, this.offGO, G, this.offSL, this.offGS, this.offML, this.offMB, this.offMG);
      for (let i = i0; i < i0 + r; i++) {
        const q = i - i0, xn = this.xnorm[i], xx = xn * xn, E = gamma * (cmax * cmax + 2 * xn * cmax) + 1e-30;
        this.labels[i] = ML[q];
        this.upper[i] = Math.sqrt(Math.max(0, MB[q] + xx + E));
        for (let g = 0; g < G; g++) this.lower[i * G + g] = Math.sqrt(Math.max(0, MG[q * G + g] + xx - E));
      }
    }
    // the last n % 4 rows: groupScores over every centre (the tile's order of sums too)
    this.writeCentres(c);
    const slots = this.slotId.length;
    if (n4 < n) {
      const jobs = new Int32Array(ex.memory.buffer, this.offJobs, 3 * (n - n4));
      for (let i = n4; i < n; i++) { jobs[(i - n4) * 3] = i; jobs[(i - n4) * 3 + 1] = 0; jobs[(i - n4) * 3 + 2] = slots >> 2; }
      ex.groupScores(this.offX, d, this.offP, this.offN, this.offJobs, n - n4, this.offOut);
      const out = new Float32Array(ex.memory.buffer, this.offOut, (n - n4) * slots), byId = new Float32Array(k);
      for (let i = n4; i < n; i++) {
        for (let s = 0; s < slots; s++) { const j = this.slotId[s]; if (j >= 0) byId[j] = out[(i - n4) * slots + s]; }
        row(i, byId, 0);
      }
    }
    this.passes.push({ rows: n, scored: n * k });
    this.prev.set(c.subarray(0, k * d));
    this.first = false;
  }

  /** The nearest centre of every row (the tile kernel's labels); the array is overwritten by the next call. */
  assign(c: Float32Array): Int32Array {
    const { n, d, k, G } = this;
    const upper = this.upper, lower = this.lower, labels = this.labels, xnorm = this.xnorm;
    if (this.first) {
      this.firstPass(c);
      return labels;
    }
    if (this.fallbacks >= 2) {
      // the bounds failed twice in a row: plain passes from here (bounds no longer kept)
      labels.set(this.full(c));
      this.passes.push({ rows: n, scored: n * k });
      return labels;
    }
    // bounds move by the centres' shifts (rounded up a little: float64 rounding of the shift)
    const delta = new Float64Array(k), gdelta = new Float64Array(G);
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let t = j * d, e = t + d; t < e; t++) { const v = c[t] - this.prev[t]; s += v * v; }
      delta[j] = Math.sqrt(s) * (1 + 1e-12);
      const g = this.groupOf[j];
      if (delta[j] > gdelta[g]) gdelta[g] = delta[j];
    }
    this.prev.set(c.subarray(0, k * d));
    const cmax = maxNorm(c, k, d), cmax2 = cmax * cmax;
    const gamma = (d + 2) * 2 ** -23 * 1.01;
    const gp = this.groupPanel, slotId = this.slotId, groupOf = this.groupOf;
    // phase 1: move the bounds, apply the global filter, count the panels the group filter keeps
    const fail = this.fail, kept = this.kept, keptEnd = this.keptEnd;
    let rows = 0, panels = 0, nk = 0, overflow = false;
    for (let i = 0; i < n; i++) {
      const lo = i * G, a = labels[i];
      const u = upper[i] + delta[a];
      upper[i] = u;
      const E = gamma * (cmax2 + 2 * xnorm[i] * cmax) + 1e-30;
      const need = u * u + 2 * E;
      let min = Infinity;
      for (let g = 0; g < G; g++) { const l = lower[lo + g] - gdelta[g]; lower[lo + g] = l; if (l < min) min = l; }
      // global filter: every other centre is farther than the own one by more than the float32 error
      if (min > 0 && min * min > need) { fail[i] = 0; continue; }
      fail[i] = 1;
      rows++;
      const ga = groupOf[a];
      for (let g = 0; g < G; g++) {
        const lb = lower[lo + g];
        if (g !== ga && lb > 0 && lb * lb > need) continue;
        panels += gp[g + 1] - gp[g];
        // the kept groups, for phase 2 (past the buffer, phase 2 applies the filter again)
        if (nk < kept.length) kept[nk++] = g; else overflow = true;
      }
      keptEnd[i] = nk;
    }
    // too little to skip (unclustered data): the tile kernel's full pass, keeping the bounds valid
    if (panels * 4 > FULL_FRACTION * n * slotId.length) {
      this.fullPass(c, fail);
      this.fallbacks++;
      this.passes.push({ rows, scored: n * k });
      return labels;
    }
    this.fallbacks = 0;
    this.writeCentres(c);
    const mem = this.ex.memory.buffer;
    const jobs = new Int32Array(mem, this.offJobs, (this.offOut - this.offJobs) >> 2);
    const out = new Float32Array(mem, this.offOut, OUT_CAP + 4 * slotId.length);
    let nJobs = 0, nOut = 0, scored = 0;
    const flush = (): void => {
      if (nJobs === 0) return;
      this.ex.groupScores(this.offX, d, this.offP, this.offN, this.offJobs, nJobs, this.offOut);
      scored += nOut;
      // each row's jobs are consecutive
      let o = 0, jb = 0;
      while (jb < nJobs) {
        const i = jobs[jb * 3], xx = xnorm[i] * xnorm[i];
        const E = gamma * (cmax2 + 2 * xnorm[i] * cmax) + 1e-30;
        // best (score, centre) over the scored groups, ties to the lower centre
        let best = Infinity, bj = -1;
        let o2 = o, j2 = jb;
        for (; j2 < nJobs && jobs[j2 * 3] === i; j2++) {
          const p0 = jobs[j2 * 3 + 1], np = jobs[j2 * 3 + 2];
          for (let s = 0; s < np * 4; s++) {
            const v = out[o2 + s], id = slotId[p0 * 4 + s];
            if (v < best || (v === best && id >= 0 && id < bj)) { best = v; bj = id; }
          }
          o2 += np * 4;
        }
        // the scored groups' lower bounds: their nearest centre other than the row's new one
        // (the old centre's group is always scored: a beaten old centre enters its group's bound)
        const lo = i * G;
        for (; jb < j2; jb++) {
          const p0 = jobs[jb * 3 + 1], np = jobs[jb * 3 + 2];
          let m = Infinity;
          for (let s = 0; s < np * 4; s++) { const id = slotId[p0 * 4 + s]; if (id !== bj && out[o + s] < m) m = out[o + s]; }
          o += np * 4;
          lower[lo + groupOf[slotId[p0 * 4]]] = Math.sqrt(Math.max(0, m + xx - E));
        }
        labels[i] = bj;
        upper[i] = Math.sqrt(Math.max(0, best + xx + E));
      }
      nJobs = 0; nOut = 0;
    };
    // phase 2: score the kept groups of the rows that failed the global filter
    for (let i = 0, k0 = 0; i < n && !overflow; i++) {
      if (fail[i] === 0) continue;
      for (let q = k0; q < keptEnd[i]; q++) {
        const g = kept[q], np = gp[g + 1] - gp[g];
        if (np === 0) continue;
        jobs[nJobs * 3] = i; jobs[nJobs * 3 + 1] = gp[g]; jobs[nJobs * 3 + 2] = np;
        nJobs++;
        nOut += np * 4;
      }
      k0 = keptEnd[i];
      if (nOut >= OUT_CAP) flush();
    }
    for (let i = 0; i < n && overflow; i++) {
      if (fail[i] === 0) continue;
      const lo = i * G, ga = groupOf[labels[i]];
      const E = gamma * (cmax2 + 2 * xnorm[i] * cmax) + 1e-30;
      const need = upper[i] * upper[i] + 2 * E;
      for (let g = 0; g < G; g++) {
        const lb = lower[lo + g];
        // group filter (the own group always: its bound excludes the own centre)
        if (g !== ga && lb > 0 && lb * lb > need) continue;
        const np = gp[g + 1] - gp[g];
        if (np === 0) continue;
        jobs[nJobs * 3] = i; jobs[nJobs * 3 + 1] = gp[g]; jobs[nJobs * 3 + 2] = np;
        nJobs++;
        nOut += np * 4;
      }
      if (nOut >= OUT_CAP) flush();
    }
    flush();
    this.passes.push({ rows, scored });
    return labels;
  }

  /**
   * The tile kernel's full pass in place of the group scoring. The bounds stay valid: u becomes
   * the exact distance to the new centre (float64, rounded up); a group's bound still holds for
   * its members, and a row's old centre, when beaten, enters its group's bound by its exact distance.
   */
  private fullPass(c: Float32Array, fail: Uint8Array): void {
    const { n, d, G } = this, X = this.X, labels = this.labels;
    const fresh = this.full(c);
    for (let i = 0; i < n; i++) {
      const a = labels[i], b = fresh[i];
      if (fail[i] === 0 && a === b) continue; // bounds untouched: still valid
      if (a !== b) {
        const lo = i * G + this.groupOf[a];
        const da = Math.sqrt(sqDist(X, i * d, c, a * d, d)) * (1 - 1e-12);
        if (da < this.lower[lo]) this.lower[lo] = da;
      }
      this.upper[i] = Math.sqrt(sqDist(X, i * d, c, b * d, d)) * (1 + 1e-12);
      labels[i] = b;
    }
  }
}

/** The largest ||c|| of the k centres (float64). */
function maxNorm(c: Float32Array, k: number, d: number): number {
  let m = 0;
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let t = j * d, e = t + d; t < e; t++) s += c[t] * c[t];
    if (s > m) m = s;
  }
  return Math.sqrt(m);
}
