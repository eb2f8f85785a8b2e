import type { Metric } from '../../metrics/types.js';
import type { GraphKernel } from './kernel.js';
import { KIND_L2, KIND_DOT, KIND_BITS, KIND_F16_L2, KIND_F16_DOT, KIND_SQ8_L2, KIND_F16_COS, KIND_SQ8_COS } from './kernel.js';
import { popcount32 } from './bits.js';
import { fromHalf } from '../../codecs/f16.js';

let halfTable: Float32Array | undefined;
/** float32 value of every binary16 (256 KB, built on first use): the TypeScript decode of f16 codes. */
function halves(): Float32Array {
  if (!halfTable) { halfTable = new Float32Array(65536); for (let h = 0; h < 65536; h++) halfTable[h] = fromHalf(h); }
  return halfTable;
}
import { threadScratch, type Layout, type Arena } from './layout.js';

/**
 * The TypeScript twin of assembly/_hnsw_core.ts (same algorithm, same memory layout, same
 * scratch use), for runtimes without WebAssembly SIMD and for every metric of the registry
 * that has no native kernel (manhattan, chebyshev, minkowski p, hamming, mahalanobis, ...),
 * which it evaluates through `metric.reduced`. Comments on the algorithm are in the
 * AssemblyScript source; offsets here are element indices (byte offset >> 2).
 */
export class JsKernel implements GraphKernel {
  readonly name = 'js';
  private f32!: Float32Array; private i32!: Int32Array; private u32!: Uint32Array; private u8!: Uint8Array;
  private dim = 0; private M = 0; private M0 = 0; private cap = 0;
  private VEC = 0; private LINK0 = 0; private L0W = 0; private UPOS = 0; private FLAGS = 0; private UPPER = 0; private UB = 0; private ALLOW = 0;
  private Q = 0; private QF = 0; private INDIM = 0; private TAGS = 0; private CD = 0; private CI = 0; private TD = 0; private TI = 0; private WD = 0; private WI = 0;
  private SD = 0; private SI = 0; private XD = 0; private XI = 0; private YD = 0; private YI = 0;
  private tag = 0;
  private gCur = 0; private gDist = 0;
  private nDist = 0;
  private hostFilter: ((slot: number) => boolean) | undefined;
  /** Query block (f32) to stored vector, and stored vector to stored vector (they differ for codec storage). */
  private dist: (a: number, b: number) => number;
  private pdist: (a: number, b: number) => number;
  private u16!: Uint16Array;
  /** Codec storage: coordinates per vector, the sq8 decode table (element offset), the f16 table. */
  private CDIM = 0; private AFF = 0; private readonly codec: 0 | 1 | 2 = 0; private half: Float32Array | null = null; private readonly cosine: boolean = false;

  /** kind: KIND_L2 / KIND_DOT for the dot-form metrics, KIND_BITS for packed 0/1 vectors, -1 for the generic metric.reduced. */
  constructor(private arena: Arena, kind: number, metric: Metric) {
    if (kind === KIND_L2) this.dist = (a, b) => this.l2(a, b);
    else if (kind === KIND_DOT) this.dist = (a, b) => 1 - this.dot(a, b);
    else if (kind === KIND_BITS) this.dist = (a, b) => this.bits(a, b);
    else if (kind >= KIND_F16_L2 && kind <= KIND_SQ8_COS) {
      this.codec = kind <= KIND_F16_DOT || kind === KIND_F16_COS ? 1 : 2;
      if (this.codec === 1) this.half = halves();
      const l2 = kind === KIND_F16_L2 || kind === KIND_SQ8_L2;
      // cosine rows keep 1 / |decoded row| in their last word (see assembly/_hnsw_core.ts)
      this.cosine = kind >= KIND_F16_COS;
      const inv = (v: number) => this.f32[v + this.dim - 1];
      if (l2) {
        this.dist = (q, v) => this.codeQueryL2(q, v);
        this.pdist = (a, b) => this.codePairL2(a, b);
      } else if (this.cosine) {
        this.dist = (q, v) => 1 - Math.fround(this.codeQueryDot(q, v)) * inv(v);
        this.pdist = (a, b) => 1 - Math.fround(this.codePairDot(a, b)) * inv(a) * inv(b);
      } else {
        this.dist = (q, v) => 1 - this.codeQueryDot(q, v);
        this.pdist = (a, b) => 1 - this.codePairDot(a, b);
      }
      return;
    }
    else this.dist = (a, b) => metric.reduced(this.f32, a, this.f32, b, this.dim);
    this.pdist = this.dist;
  }

  // ---- codec storage: code rows at element offset v (byte 4 v), decoded per coordinate

  /** Coordinate j of the code row at element offset v. */
  private code(v: number, j: number): number {
    if (this.codec === 1) return this.half![this.u16[2 * v + j]];
    return this.f32[this.AFF + j] + this.f32[this.AFF + this.CDIM + j] * this.u8[4 * v + j];
  }
  private codeQueryL2(q: number, v: number): number {
    const f = this.f32, n = this.CDIM;
    let s = 0;
    for (let j = 0; j < n; j++) { const d = f[q + j] - this.code(v, j); s += d * d; }
    return s;
  }
  private codeQueryDot(q: number, v: number): number {
    const f = this.f32, n = this.CDIM;
    let s = 0;
    for (let j = 0; j < n; j++) s += f[q + j] * this.code(v, j);
    return s;
  }
  private codePairL2(a: number, b: number): number {
    const n = this.CDIM;
    let s = 0;
    for (let j = 0; j < n; j++) { const d = this.code(a, j) - this.code(b, j); s += d * d; }
    return s;
  }
  private codePairDot(a: number, b: number): number {
    const n = this.CDIM;
    let s = 0;
    for (let j = 0; j < n; j++) s += this.code(a, j) * this.code(b, j);
    return s;
  }
  /** Decodes the code row at element offset v into the f32 elements at out. */
  private decodeInto(v: number, out: number): void {
    for (let j = 0; j < this.CDIM; j++) this.f32[out + j] = this.code(v, j);
  }

  bind(l: Layout, thread: number): void {
    const buf = this.arena.buffer;
    this.f32 = new Float32Array(buf); this.i32 = new Int32Array(buf); this.u32 = new Uint32Array(buf); this.u8 = new Uint8Array(buf);
    this.u16 = new Uint16Array(buf, 0, buf.byteLength >> 1);
    const s = l.shape;
    this.CDIM = s.codec ? s.inputDim ?? 0 : 0; this.AFF = l.aff >> 2;
    this.dim = s.dim; this.M = s.M; this.M0 = s.M0; this.cap = l.cap;
    this.VEC = l.vec >> 2; this.LINK0 = l.link0 >> 2; this.L0W = 1 + s.M0; this.UPOS = l.upos >> 2;
    this.FLAGS = l.flags; this.UPPER = l.upper >> 2; this.UB = 1 + s.M; this.ALLOW = l.allow;
    const t = threadScratch(l, thread);
    this.Q = t.q >> 2; this.QF = t.qf >> 2; this.INDIM = s.bits ? s.inputDim ?? 0 : 0; this.TAGS = t.tags >> 2; this.CD = t.cd >> 2; this.CI = t.ci >> 2; this.TD = t.td >> 2; this.TI = t.ti >> 2;
    this.WD = t.wd >> 2; this.WI = t.wi >> 2; this.SD = t.sd >> 2; this.SI = t.si >> 2; this.XD = t.xd >> 2; this.XI = t.xi >> 2;
    this.YD = t.yd >> 2; this.YI = t.yi >> 2;
    // the visited tags of this block may hold marks of an earlier instance (worker): restart the epoch
    this.u32.fill(0, this.TAGS, this.TAGS + l.cap);
    this.tag = 0;
  }

  setHostFilter(f: ((slot: number) => boolean) | undefined): void { this.hostFilter = f; }
  packQuery(): boolean {
    const u = this.u32, q = this.Q, qf = this.QF, n = this.INDIM;
    let ok = true;
    u.fill(0, q, q + this.dim);
    for (let i = 0; i < n; i++) {
      // float bit patterns: 1.0f = 0x3f800000, +-0 has no bit but the sign
      const x = u[qf + i];
      if (x === 0x3f800000) u[q + (i >> 5)] |= 1 << (i & 31);
      else if ((x & 0x7fffffff) !== 0) ok = false;
    }
    return ok;
  }

  distCount(): number { return this.nDist; }
  resetDistCount(): void { this.nDist = 0; }

  private l2(a: number, b: number): number {
    const f = this.f32, n = this.dim;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 0;
    for (; i + 3 < n; i += 4) {
      const d0 = f[a + i] - f[b + i], d1 = f[a + i + 1] - f[b + i + 1], d2 = f[a + i + 2] - f[b + i + 2], d3 = f[a + i + 3] - f[b + i + 3];
      s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3;
    }
    for (; i < n; i++) { const d = f[a + i] - f[b + i]; s0 += d * d; }
    return s0 + s1 + s2 + s3;
  }

  /** Bit-packed 0/1 vectors: number of differing bits (the 32-bit words read as integers). */
  private bits(a: number, b: number): number {
    const w = this.i32, n = this.dim;
    let s = 0;
    for (let i = 0; i < n; i++) s += popcount32(w[a + i] ^ w[b + i]);
    return s;
  }

  private dot(a: number, b: number): number {
    const f = this.f32, n = this.dim;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += f[a + i] * f[b + i]; s1 += f[a + i + 1] * f[b + i + 1]; s2 += f[a + i + 2] * f[b + i + 2]; s3 += f[a + i + 3] * f[b + i + 3];
    }
    for (; i < n; i++) s0 += f[a + i] * f[b + i];
    return s0 + s1 + s2 + s3;
  }

  /** Query block to stored vector. */
  private d(a: number, b: number): number { this.nDist++; return Math.fround(this.dist(a, b)); }
  /** Stored vector to stored vector (links). */
  private ds(a: number, b: number): number { this.nDist++; return Math.fround(this.pdist(a, b)); }
  private vecAt(slot: number): number { return this.VEC + slot * this.dim; }
  private links(slot: number, level: number): number {
    return level === 0 ? this.LINK0 + slot * this.L0W : this.UPPER + this.i32[this.UPOS + slot] + (level - 1) * this.UB;
  }
  private isDeleted(slot: number): boolean { return (this.u8[this.FLAGS + slot] & 1) !== 0; }
  private allowed(slot: number, mode: number): boolean {
    if (mode === 0) return true;
    if (mode === 1) return (this.u8[this.ALLOW + (slot >> 3)] & (1 << (slot & 7))) !== 0;
    return !!this.hostFilter && this.hostFilter(slot);
  }

  queryDist(slot: number): number { return this.d(this.Q, this.vecAt(slot)); }

  // heaps on parallel (f32 distance, i32 id) element ranges
  private put(D: number, I: number, i: number, d: number, id: number): void { this.f32[D + i] = d; this.i32[I + i] = id; }
  private minPush(D: number, I: number, n: number, d: number, id: number): void {
    const f = this.f32, x = this.i32;
    let pos = n;
    while (pos > 0) {
      const p = (pos - 1) >> 1;
      if (f[D + p] <= d) break;
      f[D + pos] = f[D + p]; x[I + pos] = x[I + p];
      pos = p;
    }
    f[D + pos] = d; x[I + pos] = id;
  }
  private minPop(D: number, I: number, n: number): void {
    const f = this.f32, x = this.i32, last = n - 1;
    const d = f[D + last], id = x[I + last];
    let pos = 0;
    for (;;) {
      let c = 2 * pos + 1;
      if (c >= last) break;
      if (c + 1 < last && f[D + c + 1] < f[D + c]) c++;
      if (f[D + c] >= d) break;
      f[D + pos] = f[D + c]; x[I + pos] = x[I + c];
      pos = c;
    }
    if (last > 0) { f[D + pos] = d; x[I + pos] = id; }
  }
  private maxPush(D: number, I: number, n: number, d: number, id: number): void {
    const f = this.f32, x = this.i32;
    let pos = n;
    while (pos > 0) {
      const p = (pos - 1) >> 1;
      if (f[D + p] >= d) break;
      f[D + pos] = f[D + p]; x[I + pos] = x[I + p];
      pos = p;
    }
    f[D + pos] = d; x[I + pos] = id;
  }
  private maxPop(D: number, I: number, n: number): void {
    const f = this.f32, x = this.i32, last = n - 1;
    const d = f[D + last], id = x[I + last];
    let pos = 0;
    for (;;) {
      let c = 2 * pos + 1;
      if (c >= last) break;
      if (c + 1 < last && f[D + c + 1] > f[D + c]) c++;
      if (f[D + c] <= d) break;
      f[D + pos] = f[D + c]; x[I + pos] = x[I + c];
      pos = c;
    }
    if (last > 0) { f[D + pos] = d; x[I + pos] = id; }
  }

  private nextTag(): void {
    this.tag = (this.tag + 1) >>> 0;
    if (this.tag === 0) { this.u32.fill(0, this.TAGS, this.TAGS + this.cap); this.tag = 1; }
  }

  private greedy(q: number, ep: number, epd: number, from: number, to: number): void {
    let cur = ep, curd = epd;
    const x = this.i32;
    for (let level = from; level > to; level--) {
      let changed = true;
      while (changed) {
        changed = false;
        const l = this.links(cur, level), cnt = x[l];
        for (let j = 1; j <= cnt; j++) {
          const n = x[l + j];
          const dd = this.d(q, this.vecAt(n));
          if (dd < curd) { curd = dd; cur = n; changed = true; }
        }
      }
    }
    this.gCur = cur; this.gDist = curd;
  }

  private searchLayer(q: number, ep: number, epd: number, ef: number, level: number, mode: number, self: number, exclusions: number): number {
    this.nextTag();
    const tags = this.u32, tag = this.tag, x = this.i32, f = this.f32, TAGS = this.TAGS, CD = this.CD, CI = this.CI, TD = this.TD, TI = this.TI;
    tags[TAGS + ep] = tag;
    let cn = 0, tn = 0, lower = Infinity;
    if (!this.isDeleted(ep) && ep !== self && this.allowed(ep, mode)) { this.put(TD, TI, 0, epd, ep); tn = 1; lower = epd; }
    this.put(CD, CI, 0, epd, ep); cn = 1;
    const excl = exclusions !== 0 || mode !== 0;
    while (cn > 0) {
      const cd = f[CD];
      if (cd > lower && (tn === ef || !excl)) break;
      const c = x[CI];
      this.minPop(CD, CI, cn); cn--;
      const l = this.links(c, level), cnt = x[l];
      for (let j = 1; j <= cnt; j++) {
        const n = x[l + j];
        if (tags[TAGS + n] === tag) continue;
        tags[TAGS + n] = tag;
        const dd = this.d(q, this.vecAt(n));
        if (tn < ef || dd < lower) {
          this.minPush(CD, CI, cn, dd, n); cn++;
          if (!this.isDeleted(n) && n !== self && this.allowed(n, mode)) {
            this.maxPush(TD, TI, tn, dd, n); tn++;
            if (tn > ef) { this.maxPop(TD, TI, tn); tn--; }
          }
          if (tn > 0) lower = f[TD];
        }
      }
    }
    return tn;
  }

  private drainSorted(n: number): void {
    for (let i = n - 1; i >= 0; i--) {
      this.put(this.WD, this.WI, i, this.f32[this.TD], this.i32[this.TI]);
      this.maxPop(this.TD, this.TI, i + 1);
    }
  }

  searchKnn(ep: number, maxLevel: number, ef: number, k: number, mode: number, exclusions: number): number {
    if (ep < 0) return 0;
    this.greedy(this.Q, ep, this.d(this.Q, this.vecAt(ep)), maxLevel, 0);
    let tn = this.searchLayer(this.Q, this.gCur, this.gDist, ef > k ? ef : k, 0, mode, -1, exclusions);
    while (tn > k) { this.maxPop(this.TD, this.TI, tn); tn--; }
    this.drainSorted(tn);
    return tn;
  }

  bruteList(n: number, k: number): number {
    let tn = 0;
    for (let i = 0; i < n; i++) {
      const s = this.i32[this.CI + i];
      const dd = this.d(this.Q, this.vecAt(s));
      if (tn < k) { this.maxPush(this.TD, this.TI, tn, dd, s); tn++; }
      else if (dd < this.f32[this.TD]) { this.maxPop(this.TD, this.TI, tn); this.maxPush(this.TD, this.TI, tn - 1, dd, s); }
    }
    this.drainSorted(tn);
    return tn;
  }

  private selectHeuristic(inD: number, inI: number, n: number, m: number, outD: number, outI: number): number {
    const f = this.f32, x = this.i32;
    if (n <= m) {
      for (let i = 0; i < n; i++) { f[outD + i] = f[inD + i]; x[outI + i] = x[inI + i]; }
      return n;
    }
    let r = 0;
    for (let i = 0; i < n && r < m; i++) {
      const c = x[inI + i], dc = f[inD + i], vc = this.vecAt(c);
      let good = true;
      for (let j = 0; j < r; j++) {
        if (this.ds(vc, this.vecAt(x[outI + j])) < dc) { good = false; break; }
      }
      if (good) { f[outD + r] = dc; x[outI + r] = c; r++; }
    }
    return r;
  }

  private sortPairs(D: number, I: number, n: number): void {
    const f = this.f32, x = this.i32;
    for (let i = 1; i < n; i++) {
      const dd = f[D + i], id = x[I + i];
      let j = i - 1;
      while (j >= 0 && f[D + j] > dd) { f[D + j + 1] = f[D + j]; x[I + j + 1] = x[I + j]; j--; }
      f[D + j + 1] = dd; x[I + j + 1] = id;
    }
  }

  private connect(to: number, slot: number, dts: number, level: number): void {
    const x = this.i32, maxL = level === 0 ? this.M0 : this.M;
    const l = this.links(to, level), cnt = x[l];
    for (let j = 1; j <= cnt; j++) if (x[l + j] === slot) return;
    if (cnt < maxL) { x[l + cnt + 1] = slot; x[l] = cnt + 1; return; }
    const vt = this.vecAt(to);
    for (let j = 0; j < cnt; j++) { const n = x[l + j + 1]; this.put(this.XD, this.XI, j, this.ds(vt, this.vecAt(n)), n); }
    this.put(this.XD, this.XI, cnt, dts, slot);
    this.sortPairs(this.XD, this.XI, cnt + 1);
    const r = this.selectHeuristic(this.XD, this.XI, cnt + 1, maxL, this.YD, this.YI);
    for (let j = 0; j < r; j++) x[l + j + 1] = x[this.YI + j];
    x[l] = r;
  }

  insert(slot: number, level: number, ep: number, maxLevel: number, efC: number, exclusions: number): void {
    const x = this.i32;
    x[this.links(slot, 0)] = 0;
    for (let l = 1; l <= level; l++) x[this.links(slot, l)] = 0;
    if (ep < 0 || ep === slot) return;
    let q = this.vecAt(slot);
    // codec storage: the new point searches as a float32 query (its decoded code, in the query block)
    if (this.codec !== 0) {
      this.decodeInto(q, this.Q);
      if (this.cosine) { const s = this.f32[q + this.dim - 1]; for (let j = 0; j < this.CDIM; j++) this.f32[this.Q + j] *= s; }
      q = this.Q;
    }
    let cur = ep, curd = this.d(q, this.vecAt(ep));
    if (level < maxLevel) { this.greedy(q, cur, curd, maxLevel, level); cur = this.gCur; curd = this.gDist; }
    for (let lev = Math.min(level, maxLevel); lev >= 0; lev--) {
      const tn = this.searchLayer(q, cur, curd, efC, lev, 0, slot, exclusions);
      if (tn === 0) continue;
      this.drainSorted(tn);
      cur = x[this.WI]; curd = this.f32[this.WD];
      const r = this.selectHeuristic(this.WD, this.WI, tn, this.M, this.SD, this.SI);
      const l = this.links(slot, lev);
      for (let j = 0; j < r; j++) x[l + j + 1] = x[this.SI + j];
      x[l] = r;
      for (let j = 0; j < r; j++) this.connect(x[this.SI + j], slot, this.f32[this.SD + j], lev);
    }
  }

  repair(slot: number, level: number): void {
    const x = this.i32, tags = this.u32;
    for (let lev = level; lev >= 0; lev--) {
      const maxL = lev === 0 ? this.M0 : this.M;
      const ls = this.links(slot, lev), cs = x[ls];
      for (let a = 1; a <= cs; a++) {
        const n = x[ls + a];
        if (n === slot) continue;
        this.nextTag();
        const tag = this.tag;
        tags[this.TAGS + n] = tag; tags[this.TAGS + slot] = tag;
        const vn = this.vecAt(n), ln = this.links(n, lev), cn = x[ln];
        let m = 0;
        for (const [base, cnt] of [[ln, cn], [ls, cs]]) {
          for (let j = 1; j <= cnt; j++) {
            const y = x[base + j];
            if (tags[this.TAGS + y] === tag) continue;
            tags[this.TAGS + y] = tag;
            this.put(this.XD, this.XI, m++, this.ds(vn, this.vecAt(y)), y);
          }
        }
        this.sortPairs(this.XD, this.XI, m);
        const r = this.selectHeuristic(this.XD, this.XI, m, maxL, this.YD, this.YI);
        for (let j = 0; j < r; j++) x[ln + j + 1] = x[this.YI + j];
        x[ln] = r;
      }
    }
  }
}
