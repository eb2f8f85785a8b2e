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
import { assignNearest } from './kmeans-kernel.js';

interface GroupExports {
  memory: WebAssembly.Memory;
  groupScores(X: number, d: number, P: number, N: number, jobs: number, nJobs: number, out: number): void;
}

/** Per-iteration record: rows whose bounds failed, and centres scored (out of n k). */
export interface YinyangPass { rows: number; scored: number }

/** Scores per kernel call (4 per panel): bounds the module's scratch. */
const OUT_CAP = 1 << 18;

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
  private readonly G: number;
  /** slot -> centre (-1: padding), group -> first panel, centre -> group */
  private slotId = new Int32Array(0);
  private groupPanel = new Int32Array(0);
  private groupOf: Int32Array = new Int32Array(0);
  /** the groups' means and radii (max distance of a member to its mean) at the first pass */
  private groupMean = new Float32Array(0);
  private groupRadius = new Float64Array(0);
  private offGP = 0; private offGN = 0;
  private offX = 0; private offP = 0; private offN = 0; private offJobs = 0; private offOut = 0;
  private first = true;

  private constructor(private readonly ex: GroupExports, private readonly X: Float32Array, readonly n: number, readonly d: number, readonly k: number, private readonly full: (c: Float32Array) => Int32Array) {
    this.G = Math.max(1, Math.round(k / 10));
    this.labels = new Int32Array(n);
    this.upper = new Float64Array(n);
    this.lower = new Float64Array(n * this.G);
    this.xnorm = new Float64Array(n);
    this.prev = new Float32Array(k * d);
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
    this.groupMean = Float32Array.from(gc);
    this.groupRadius = new Float64Array(G);
    for (let j = 0; j < k; j++) {
      const g = gl[j];
      let r = 0;
      for (let t = 0; t < d; t++) { const v = c[j * d + t] - gc[g * d + t]; r += v * v; }
      r = Math.sqrt(r) * (1 + 1e-12);
      if (r > this.groupRadius[g]) this.groupRadius[g] = r;
    }
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
    const gSlots = (G + 3) & ~3;
    this.offGP = this.offN + slots * 4;
    this.offGN = this.offGP + gSlots * d * 4;
    this.offJobs = this.offGN + gSlots * 4;
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
   * The first pass: the tile kernel's labels, u = the exact distance to the own centre (float64,
   * rounded up), and lb_g = D(x, m_g) - r_g from the group means m_g (scored by groupScores, less
   * their float32 error) and radii r_g: a valid bound for every member of g at n G d cost, where
   * scoring every centre for exact per-group bounds cost 4x the tile's full pass.
   */
  private firstPass(c: Float32Array): void {
    const { n, d, G } = this;
    this.layout(c);
    this.labels.set(this.full(c));
    const X = this.X, labels = this.labels;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let t = 0, xo = i * d, co = labels[i] * d; t < d; t++) { const v = X[xo + t] - c[co + t]; s += v * v; }
      this.upper[i] = Math.sqrt(s) * (1 + 1e-12);
    }
    const gSlots = (G + 3) & ~3, gPanels = gSlots >> 2;
    this.writeCentres(this.groupMean, Int32Array.from({ length: gSlots }, (_, s) => (s < G ? s : -1)), this.offGP, this.offGN);
    let gmax2 = 0;
    for (let g = 0; g < G; g++) {
      let s = 0;
      for (let t = g * d, e = t + d; t < e; t++) s += this.groupMean[t] * this.groupMean[t];
      if (s > gmax2) gmax2 = s;
    }
    const gmax = Math.sqrt(gmax2), gamma = (d + 2) * 2 ** -23 * 1.01;
    const mem = this.ex.memory.buffer;
    const jobs = new Int32Array(mem, this.offJobs, (this.offOut - this.offJobs) >> 2);
    const out = new Float32Array(mem, this.offOut, OUT_CAP + 4 * this.slotId.length);
    const batch = Math.max(1, Math.floor(OUT_CAP / gSlots));
    for (let i0 = 0; i0 < n; i0 += batch) {
      const i1 = Math.min(n, i0 + batch);
      for (let i = i0; i < i1; i++) { const j = (i - i0) * 3; jobs[j] = i; jobs[j + 1] = 0; jobs[j + 2] = gPanels; }
      this.ex.groupScores(this.offX, d, this.offGP, this.offGN, this.offJobs, i1 - i0, this.offOut);
      for (let i = i0; i < i1; i++) {
        const xn = this.xnorm[i], xx = xn * xn, E = gamma * (gmax2 + 2 * xn * gmax) + 1e-30;
        for (let g = 0, o = (i - i0) * gSlots; g < G; g++) {
          this.lower[i * G + g] = Math.max(0, Math.sqrt(Math.max(0, out[o + g] + xx - E)) - this.groupRadius[g]);
        }
      }
    }
    this.passes.push({ rows: n, scored: n * this.k });
    this.prev.set(c.subarray(0, this.k * d));
    this.writeCentres(c);
    this.first = false;
  }

  /** The nearest centre of every row (the tile kernel's labels); the array is overwritten by the next call. */
  assign(c: Float32Array): Int32Array {
    const { n, d, k, G } = this;
    const upper = this.upper, lower = this.lower, labels = this.labels, xnorm = this.xnorm;
    if (this.first) {
      this.firstPass(c);
      return labels;
    } else {
      // bounds move by the centres' shifts (rounded up a little: float64 rounding of the shift)
      const delta = new Float64Array(k), gdelta = new Float64Array(G);
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let t = j * d, e = t + d; t < e; t++) { const v = c[t] - this.prev[t]; s += v * v; }
        delta[j] = Math.sqrt(s) * (1 + 1e-12);
        const g = this.groupOf[j];
        if (delta[j] > gdelta[g]) gdelta[g] = delta[j];
      }
      for (let i = 0; i < n; i++) {
        upper[i] += delta[labels[i]];
        for (let g = 0, o = i * G; g < G; g++) lower[o + g] -= gdelta[g];
      }
    }
    this.prev.set(c.subarray(0, k * d));
    this.writeCentres(c);
    let cmax2 = 0;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let t = j * d, e = t + d; t < e; t++) s += c[t] * c[t];
      if (s > cmax2) cmax2 = s;
    }
    const cmax = Math.sqrt(cmax2);
    const gamma = (d + 2) * 2 ** -23 * 1.01;
    const mem = this.ex.memory.buffer;
    const jobs = new Int32Array(mem, this.offJobs, (this.offOut - this.offJobs) >> 2);
    const out = new Float32Array(mem, this.offOut, OUT_CAP + 4 * this.slotId.length);
    let nJobs = 0, nOut = 0, rows = 0, scored = 0;
    const gp = this.groupPanel, slotId = this.slotId;
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
        const lo = i * G;
        for (; jb < j2; jb++) {
          const p0 = jobs[jb * 3 + 1], np = jobs[jb * 3 + 2];
          let m = Infinity;
          for (let s = 0; s < np * 4; s++) { const id = slotId[p0 * 4 + s]; if (id !== bj && out[o + s] < m) m = out[o + s]; }
          o += np * 4;
          lower[lo + this.groupOf[slotId[p0 * 4]]] = Math.sqrt(Math.max(0, m + xx - E));
        }
        // (the old centre's group is always scored: a beaten old centre is in its group's new bound)
        labels[i] = bj;
        upper[i] = Math.sqrt(Math.max(0, best + xx + E));
      }
      nJobs = 0; nOut = 0;
    };
    for (let i = 0; i < n; i++) {
      const lo = i * G, a = labels[i];
      const E = gamma * (cmax2 + 2 * xnorm[i] * cmax) + 1e-30;
      const u = upper[i], need = u * u + 2 * E;
      let min = Infinity;
      for (let g = 0; g < G; g++) if (lower[lo + g] < min) min = lower[lo + g];
      // global filter: every other centre is farther than the own one by more than the float32 error
      if (min > 0 && min * min > need) continue;
      rows++;
      const ga = a >= 0 ? this.groupOf[a] : -1;
      let nNew = 0;
      for (let g = 0; g < G; g++) {
        const lb = lower[lo + g];
        // group filter (the own group always: its bound excludes the own centre)
        if (g !== ga && lb > 0 && lb * lb > need) continue;
        const np = gp[g + 1] - gp[g];
        if (np === 0) continue;
        jobs[(nJobs + nNew) * 3] = i; jobs[(nJobs + nNew) * 3 + 1] = gp[g]; jobs[(nJobs + nNew) * 3 + 2] = np;
        nNew++;
        nOut += np * 4;
      }
      nJobs += nNew;
      if (nOut >= OUT_CAP) flush();
    }
    flush();
    this.passes.push({ rows, scored });
    this.first = false;
    return labels;
  }
}
