/**
 * The sparse self-representation of one column (paper's Eq. 1, reference document step 4):
 *
 *   minimise  F(w) = ||A w - a_j||^2 + lambda_j ||w||_1   subject to  w_j = 0
 *
 * by FISTA with backtracking (eta, L starting at L0), soft-thresholding at lambda_j / L, w_j
 * forced to 0 after every prox step, gradient-based adaptive restart (momentum reset when
 * grad . (w - w_old) > 0), the stopping rule |F_prev - F| < tol * max(1, |F_prev|), and
 * L <- max(1, 0.9 L) after every iteration.
 *
 * Why the Gram form. The solver sees the problem through H = A^T A, b = A^T a_j, c = a_j . a_j:
 * the smooth part is f(w) = c - 2 b.w + w.H w and its gradient 2 (H y - b). H y is carried
 * incrementally like the reference code carries A y, so the gradient costs nothing, and every
 * backtracking try w(L) = prox(y - g / L) is affine in 1 / L on a fixed sign pattern:
 * w(L) = y_S - h / L with h = (g + lambda sign)_S. One dense product H h per iteration then
 * serves every try; entries whose membership or sign changes between tries are added as sparse
 * corrections (columns of H over the support of the difference only). In the first iteration
 * (y = 0) the pattern does not depend on L at all, so the ~30 tries that raise L from 1 to the
 * Lipschitz constant cost one product instead of thirty.
 */

/** The symmetric p x p Gram matrix H as the solver needs it. */
export interface GramOperator {
  readonly p: number;
  /** out = H v for a dense v. */
  apply(v: Float64Array, out: Float64Array): void;
  /** out += coef[t] * H[:, idx[t]] for t < count (H symmetric: rows). */
  addColumns(idx: Int32Array, coef: Float64Array, count: number, out: Float64Array): void;
}

/** H stored dense in Float32 (one element type keeps the hot loops monomorphic), row-major, with a row stride (H may be a view). */
export class DenseGram implements GramOperator {
  constructor(readonly data: Float32Array, readonly p: number, readonly stride = p, readonly offset = 0) {}

  apply(v: Float64Array, out: Float64Array): void {
    const p = this.p, H = this.data, s = this.stride;
    // exploit the sparsity of v: H v over the support of v only
    let nnz = 0;
    for (let i = 0; i < p; i++) if (v[i] !== 0) nnz++;
    if (nnz * 3 < p) {
      out.fill(0, 0, p);
      const idx = new Int32Array(nnz), coef = new Float64Array(nnz);
      let q = 0;
      for (let i = 0; i < p; i++) if (v[i] !== 0) { idx[q] = i; coef[q++] = v[i]; }
      this.addColumns(idx, coef, nnz, out);
      return;
    }
    for (let r = 0; r < p; r++) {
      const o = this.offset + r * s;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let c = 0;
      for (; c + 3 < p; c += 4) {
        s0 += H[o + c] * v[c]; s1 += H[o + c + 1] * v[c + 1];
        s2 += H[o + c + 2] * v[c + 2]; s3 += H[o + c + 3] * v[c + 3];
      }
      for (; c < p; c++) s0 += H[o + c] * v[c];
      out[r] = (s0 + s1) + (s2 + s3);
    }
  }

  addColumns(idx: Int32Array, coef: Float64Array, count: number, out: Float64Array): void {
    const p = this.p, H = this.data, s = this.stride;
    for (let t = 0; t < count; t++) {
      const o = this.offset + idx[t] * s, a = coef[t];
      for (let c = 0; c < p; c++) out[c] += a * H[o + c];
    }
  }
}

export interface FistaOptions {
  maxIter: number;
  tol: number;
  eta: number;
  L0: number;
  /** Index forced to 0 (the column itself, w_j = 0); -1 for none. */
  exclude: number;
}

export interface FistaResult {
  w: Float64Array;
  iterations: number;
  /** F(w) after every iteration. */
  objective: number[];
  /** Final Lipschitz estimate. */
  L: number;
}

const MAX_TRIES = 200;

/**
 * One column's FISTA as a state machine, so that a driver can batch the one dense product per
 * iteration of several columns into a single matrix-matrix product (H read once for all):
 *   begin(b, c, lambda) ; while ((h = direction())) { Hh = H h ; step(Hh) } ; result()
 */
export class FistaColumn {
  readonly y: Float64Array; readonly Hy: Float64Array; readonly Hw: Float64Array;
  readonly g: Float64Array; readonly h: Float64Array; readonly HyS: Float64Array;
  readonly Hwn: Float64Array; readonly inS: Int8Array; readonly didx: Int32Array; readonly dval: Float64Array;
  private w: Float64Array; private wn: Float64Array;
  private b!: Float64Array; private c = 0; private lambda = 0;
  private t = 1; private L = 1; private objPrev = 0; private fy = 0; private it = 0;
  private opts!: FistaOptions;
  done = true;
  objective: number[] = [];

  constructor(readonly H: GramOperator) {
    const p = H.p;
    this.y = new Float64Array(p); this.Hy = new Float64Array(p); this.Hw = new Float64Array(p);
    this.g = new Float64Array(p); this.h = new Float64Array(p); this.HyS = new Float64Array(p);
    this.Hwn = new Float64Array(p); this.inS = new Int8Array(p); this.didx = new Int32Array(p); this.dval = new Float64Array(p);
    this.w = new Float64Array(p); this.wn = new Float64Array(p);
  }

  begin(b: Float64Array, c: number, lambda: number, opts: FistaOptions): void {
    this.b = b; this.c = c; this.lambda = lambda; this.opts = opts;
    this.w.fill(0); this.y.fill(0); this.Hy.fill(0); this.Hw.fill(0);
    this.t = 1; this.L = opts.L0; this.objPrev = c; // F(0) = ||a_j||^2
    this.it = 0; this.objective = [];
    this.done = opts.maxIter <= 0;
  }

  /**
   * Starts an iteration: gradient at the momentum point y and the reference sign pattern at
   * the current L. Returns h = (g + lambda sign(z))_S, whose product H h the caller computes.
   */
  direction(): Float64Array | null {
    if (this.done) return null;
    const p = this.H.p, ex = this.opts.exclude, { y, Hy, g, h, inS, didx, dval, HyS } = this, b = this.b;
    const L = this.L, lambda = this.lambda, thr0 = lambda / L, invL = 1 / L;
    let by = 0, yHy = 0, nOut = 0;
    for (let i = 0; i < p; i++) {
      const yi = y[i], gi = 2 * (Hy[i] - b[i]);
      g[i] = gi; by += b[i] * yi; yHy += yi * Hy[i];
      const z = yi - gi * invL;
      if (i !== ex && (z > thr0 || z < -thr0)) { const s = z > 0 ? 1 : -1; inS[i] = s; h[i] = gi + lambda * s; }
      else {
        inS[i] = 0; h[i] = 0;
        if (yi !== 0) { didx[nOut] = i; dval[nOut++] = -yi; }
      }
    }
    this.fy = this.c - 2 * by + yHy;
    // H y_S = H y - H y_{not S}: a sparse correction
    HyS.set(Hy);
    if (nOut > 0) this.H.addColumns(didx, dval, nOut, HyS);
    return h;
  }

  /** Finishes the iteration given Hh = H h: backtracking tries, restart, momentum, stopping rule. */
  step(Hh: Float64Array): void {
    const H = this.H, p = H.p, ex = this.opts.exclude, { y, Hy, Hw, g, h, HyS, inS, didx, dval, Hwn } = this;
    const b = this.b, c = this.c, lambda = this.lambda, fy = this.fy;
    let L = this.L;
    const wn = this.wn, w = this.w;
    let fw = 0, l1 = 0, restart = 0, tries = 0, fast = false;
    {
      // Fast path. While the reference sign pattern holds, w(L) = y_S - h / L and
      // H w(L) = H y_S - H h / L, so every backtracking try is O(1) from dot products taken in
      // one pass, together with the interval of L over which the pattern provably holds.
      // (y - y_S vanishes on S and h vanishes off S, so (w - y) . h terms drop out.)
      let bu = 0, bh = 0, uHyS = 0, uHh = 0, hHyS = 0, hHh = 0, gOff = 0, gh = 0, yOff2 = 0, hh = 0;
      let Lmax = Infinity;
      for (let i = 0; i < p; i++) {
        const yi = y[i], gi = g[i], s = inS[i];
        if (s !== 0) {
          const hi = h[i], bi = b[i];
          bu += bi * yi; bh += bi * hi; uHyS += yi * HyS[i]; uHh += yi * Hh[i];
          hHyS += hi * HyS[i]; hHh += hi * Hh[i]; gh += gi * hi; hh += hi * hi;
          const sy = s * yi;
          if (sy < 0) { const lim = (lambda + s * gi) / sy; if (lim < Lmax) Lmax = lim; }
        } else if (yi !== 0) {
          gOff -= gi * yi; yOff2 += yi * yi;
          if (i !== ex) { const lim = (yi > 0 ? gi + lambda : gi - lambda) / yi; if (lim < Lmax) Lmax = lim; }
        }
      }
      Lmax *= 1 - 1e-9; // stay clear of the boundary (rounding)
      for (; tries < MAX_TRIES && L < Lmax; tries++) {
        const invL = 1 / L;
        const bw = bu - bh * invL;
        const wHw = uHyS - (uHh + hHyS) * invL + hHh * invL * invL;
        const gd = gOff - gh * invL, dd = yOff2 + hh * invL * invL;
        const f = c - 2 * bw + wHw;
        if (f <= fy + gd + (L / 2) * dd + 1e-12 * Math.abs(fy)) { fw = f; fast = true; break; }
        L *= this.opts.eta;
      }
      if (fast) {
        const invL = 1 / L;
        for (let i = 0; i < p; i++) {
          const v = inS[i] !== 0 ? y[i] - h[i] * invL : 0;
          wn[i] = v; Hwn[i] = HyS[i] - Hh[i] * invL;
          l1 += v < 0 ? -v : v; restart += g[i] * (v - w[i]);
        }
      }
    }
    for (; !fast; tries++) {
      const invL = 1 / L, thr = lambda / L;
      let nd = 0;
      for (let i = 0; i < p; i++) {
        let v = 0;
        const yi = y[i];
        if (i !== ex) {
          const z = yi - g[i] * invL;
          const s = z > thr ? 1 : z < -thr ? -1 : 0;
          const base = inS[i] !== 0 ? yi - h[i] * invL : 0;
          if (s !== 0 && s === inS[i]) v = base; // on the reference pattern: affine in 1/L
          else {
            v = s === 0 ? 0 : z - s * thr;
            if (v !== base) { didx[nd] = i; dval[nd++] = v - base; }
          }
        }
        wn[i] = v;
        Hwn[i] = HyS[i] - Hh[i] * invL;
      }
      if (nd * 4 > p) H.apply(wn, Hwn);
      else if (nd > 0) H.addColumns(didx, dval, nd, Hwn);
      let bw = 0, wHw = 0, gd = 0, dd = 0;
      l1 = 0; restart = 0;
      for (let i = 0; i < p; i++) {
        const v = wn[i], d = v - y[i], gi = g[i];
        bw += b[i] * v; wHw += v * Hwn[i]; gd += gi * d; dd += d * d;
        l1 += v < 0 ? -v : v; restart += gi * (v - w[i]);
      }
      fw = c - 2 * bw + wHw;
      // sufficient decrease (quadratic upper bound); a relative slack absorbs float rounding
      if (fw <= fy + gd + (L / 2) * dd + 1e-12 * Math.abs(fy) || tries >= MAX_TRIES) break;
      L *= this.opts.eta;
    }
    const obj = fw + lambda * l1;
    this.objective.push(obj);
    let t = this.t;
    if (restart > 0) t = 1; // adaptive restart: the momentum points uphill
    const tn = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
    const beta = (t - 1) / tn;
    for (let i = 0; i < p; i++) {
      const v = wn[i], hv = Hwn[i];
      y[i] = v + beta * (v - w[i]);
      Hy[i] = hv + beta * (hv - Hw[i]);
      Hw[i] = hv;
    }
    this.w = wn; this.wn = w; // w <- wn
    this.t = tn;
    this.it++;
    const converged = Math.abs(this.objPrev - obj) < this.opts.tol * Math.max(1, Math.abs(this.objPrev));
    this.objPrev = obj;
    if (converged || this.it >= this.opts.maxIter) this.done = true;
    else L = Math.max(1, 0.9 * L);
    this.L = L;
  }

  result(): FistaResult {
    return { w: this.w.slice(), iterations: this.it, objective: this.objective, L: this.L };
  }
}

/** One column, solved alone (tests, local dictionaries). */
export function fistaLasso(H: GramOperator, b: Float64Array, c: number, lambda: number, opts: FistaOptions, col = new FistaColumn(H), Hh: Float64Array = new Float64Array(H.p)): FistaResult {
  col.begin(b, c, lambda, opts);
  for (let h = col.direction(); h; h = col.direction()) {
    H.apply(h, Hh);
    col.step(Hh);
  }
  return col.result();
}
