/**
 * The neighbour search of ConvNN (reference sections 1.2-1.7), in plain TypeScript over flat
 * Float32Arrays: padded grid and coordinate channels, similarity features, candidate pools and
 * the per-query top-K with the reference's slot order (self first, then best to worst; ascending
 * position order for 'Loc'). No TF.js here: the one dense product (queries x candidates) is
 * delegated to a `MatMul` callback so that the layer can run it on the TF.js backend.
 */
import { invalidParam } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { ResolvedConvNNOptions } from './options.js';

/** Padded grid of a 1D (length T) or 2D (H x W) map. Position index n = row * Wp + col (row-major). */
export interface Grid {
  dims: number[];
  pdims: number[];
  padding: number;
  /** N = number of padded positions. */
  n: number;
  /** Q interior positions (the queries), as padded indices in raster order of the unpadded map. */
  queries: Int32Array;
  /** number of coordinate channels (2 in 2D: x then y; 1 in 1D). */
  nc: number;
  /** N x nc coordinates, linspace(-1, 1) over the padded extent of each axis. */
  coords: Float32Array;
}

function linspace(a: number, b: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) { out[0] = a; return out; }
  const step = (b - a) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = a + i * step;
  return out;
}

export function makeGrid(dims: number[], padding: number): Grid {
  const p = padding;
  if (dims.length === 1) {
    const T = dims[0], Tp = T + 2 * p;
    const queries = new Int32Array(T);
    for (let t = 0; t < T; t++) queries[t] = t + p;
    const coords = Float32Array.from(linspace(-1, 1, Tp));
    return { dims, pdims: [Tp], padding: p, n: Tp, queries, nc: 1, coords };
  }
  const [H, W] = dims, Hp = H + 2 * p, Wp = W + 2 * p;
  const queries = new Int32Array(H * W);
  for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) queries[r * W + c] = (r + p) * Wp + (c + p);
  const xs = linspace(-1, 1, Wp), ys = linspace(-1, 1, Hp);
  const coords = new Float32Array(Hp * Wp * 2);
  for (let r = 0; r < Hp; r++) for (let c = 0; c < Wp; c++) {
    coords[(r * Wp + c) * 2] = xs[c];
    coords[(r * Wp + c) * 2 + 1] = ys[r];
  }
  return { dims, pdims: [Hp, Wp], padding: p, n: Hp * Wp, queries, nc: 2, coords };
}

/**
 * Candidate pool as padded position indices, or null for 'all' (every padded position).
 * random: the first n entries of a seeded permutation of the N padded positions, one pool for
 * the whole batch, redrawn on every call (as the reference). spatial (2D): the s x s lattice
 * floor(linspace(sp, H'-sp-1, s)) x floor(linspace(sp, W'-sp-1, s)) over the *unpadded* map,
 * mapped to padded indices (r+p)*Wp + (c+p) -- the semantics the reference intends; its code
 * mixes unpadded and padded indices and uses H' as the row stride (docs/convnn.md).
 * spatial (1D): floor(linspace(sp, Tp-sp-1, n)) over the padded length, as the reference.
 * Pools larger than the map fall back to 'all'.
 */
export function candidatePool(o: ResolvedConvNNOptions, grid: Grid, rng: Rng): Int32Array | null {
  if (o.sampling === 'all') return null;
  const s = o.numSamples;
  if (o.sampling === 'random') {
    if (s >= grid.n) return null;
    return rng.permutation(grid.n).slice(0, s);
  }
  const sp = o.samplePadding;
  const axis = (lo: number, hi: number): number[] => {
    if (hi < lo) throw invalidParam('samplePadding', sp, `an inset that leaves at least one row/column of the ${grid.dims.join('x')} map`);
    const v = linspace(lo, hi, s), out: number[] = [];
    for (const x of v) { const f = Math.floor(x + 1e-9); if (out[out.length - 1] !== f) out.push(f); }
    return out; // ascending; floor collisions (s close to the extent with an inset) are dropped
  };
  if (grid.dims.length === 1) {
    const Tp = grid.pdims[0];
    if (s > Tp) return null;
    return Int32Array.from(axis(sp, Tp - sp - 1));
  }
  const [H, W] = grid.dims, Wp = grid.pdims[1], p = grid.padding;
  if (s > H || s > W) return null;
  const rows = axis(sp, H - sp - 1), cols = axis(sp, W - sp - 1);
  const out = new Int32Array(rows.length * cols.length);
  let i = 0;
  for (const r of rows) for (const c of cols) out[i++] = (r + p) * Wp + (c + p);
  return out;
}

/**
 * Padded aggregation features [B, N, Ca] (channels, then coordinates when aggregation is
 * 'Loc_Col') and similarity features [B, N, Cs] (section 1.2 step 5 table; cosine rows
 * L2-normalised with max(|x|, 1e-12) so zero rows stay zero).
 */
export function buildFeatures(x: Float32Array, B: number, C: number, grid: Grid, o: ResolvedConvNNOptions): {
  agg: Float32Array; ca: number; sim: Float32Array; cs: number;
} {
  const { n: N, queries, nc, coords } = grid, Q = queries.length;
  const addCoords = o.aggregation === 'Loc_Col';
  const ca = C + (addCoords ? nc : 0);
  const agg = new Float32Array(B * N * ca);
  for (let b = 0; b < B; b++) {
    for (let q = 0; q < Q; q++) {
      const src = (b * Q + q) * C, dst = (b * N + queries[q]) * ca;
      for (let c = 0; c < C; c++) agg[dst + c] = x[src + c];
    }
    if (addCoords) for (let i = 0; i < N; i++) for (let j = 0; j < nc; j++) agg[(b * N + i) * ca + C + j] = coords[i * nc + j];
  }
  let sim: Float32Array, cs: number;
  if (o.similarity === 'Col') {
    cs = C;
    if (!addCoords) sim = agg.slice();
    else {
      sim = new Float32Array(B * N * C);
      for (let i = 0; i < B * N; i++) for (let c = 0; c < C; c++) sim[i * C + c] = agg[i * ca + c];
    }
  } else if (o.similarity === 'Loc') {
    cs = nc;
    sim = new Float32Array(B * N * nc);
    for (let b = 0; b < B; b++) sim.set(coords, b * N * nc);
  } else {
    // Loc_Col: [lambda * feat / sigma_b, (1 - lambda) * coords], sigma_b = unbiased std of sample
    // b over all channels and all N padded positions (pad zeros included) + 1e-6 (section 1.7).
    cs = C + nc;
    sim = new Float32Array(B * N * cs);
    const lam = o.lambda, cnt = N * C;
    for (let b = 0; b < B; b++) {
      let sum = 0, sq = 0;
      for (let i = 0; i < N; i++) for (let c = 0; c < C; c++) { const v = agg[(b * N + i) * ca + c]; sum += v; sq += v * v; }
      const mean = sum / cnt;
      const variance = cnt > 1 ? Math.max(0, (sq - cnt * mean * mean) / (cnt - 1)) : 0;
      const scale = lam / (Math.sqrt(variance) + 1e-6);
      for (let i = 0; i < N; i++) {
        const s0 = (b * N + i) * cs, a0 = (b * N + i) * ca;
        for (let c = 0; c < C; c++) sim[s0 + c] = agg[a0 + c] * scale;
        for (let j = 0; j < nc; j++) sim[s0 + C + j] = (1 - lam) * coords[i * nc + j];
      }
    }
  }
  if (o.metric === 'cosine') {
    for (let i = 0; i < B * N; i++) {
      let s = 0;
      for (let c = 0; c < cs; c++) s += sim[i * cs + c] * sim[i * cs + c];
      const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
      for (let c = 0; c < cs; c++) sim[i * cs + c] *= inv;
    }
  }
  return { agg, ca, sim, cs };
}

/** Dense product A[m x d] * B[d x n] -> m x n (row-major). */
export type MatMul = (a: Float32Array, m: number, d: number, b: Float32Array, n: number) => Float32Array;

/** Plain-loop product, used for tiny inner dimensions (coordinates only) and by tests. */
export const jsMatMul: MatMul = (a, m, d, b, n) => {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const o = i * n;
    for (let t = 0; t < d; t++) {
      const v = a[i * d + t];
      if (v === 0) continue;
      const r = t * n;
      for (let j = 0; j < n; j++) out[o + j] += v * b[r + j];
    }
  }
  return out;
};

/**
 * Neighbour lists I[B, Q, K] (padded position indices) of the Q interior queries.
 * Slot 0 is always the query itself (the reference's diagonal override / self prepend); slots
 * 1..K-1 are the K-1 best *other* candidates, best first (cosine: largest clamp(cos, -1, 1);
 * euclidean: smallest max(0, |a|^2 + |b|^2 - 2ab)), ties to the earlier candidate (lower index
 * in 'all' mode, earlier slot of the pool otherwise). similarity 'Loc' re-sorts the K indices
 * ascending (section 1.3). When a pool has fewer than K-1 other candidates the remaining slots
 * repeat the query (what the reference's -1e5 masking yields).
 */
export function selectNeighbors(
  sim: Float32Array, B: number, cs: number, grid: Grid, pool: Int32Array | null,
  k: number, metric: 'cosine' | 'euclidean', ascending: boolean, matmul: MatMul,
): Int32Array {
  const N = grid.n, queries = grid.queries, Q = queries.length;
  const n = pool ? pool.length : N;
  if (!pool && k > N) throw invalidParam('k', k, `at most the ${N} padded positions of a ${grid.dims.join('x')} map`);
  const out = new Int32Array(B * Q * k);
  const k1 = k - 1;
  if (k1 === 0) { // K = 1: only self, no search needed (a 1x1 convolution)
    for (let b = 0; b < B; b++) out.set(queries, b * Q);
    return out;
  }
  const qa = new Float32Array(Q * cs), ct = new Float32Array(cs * n);
  const nq = new Float64Array(Q), nca = new Float64Array(n);
  const bestV = new Float64Array(k1), bestI = new Int32Array(k1);
  const cos = metric === 'cosine';
  for (let b = 0; b < B; b++) {
    const base = b * N * cs;
    for (let q = 0; q < Q; q++) {
      let s = 0;
      for (let c = 0; c < cs; c++) { const v = sim[base + queries[q] * cs + c]; qa[q * cs + c] = v; s += v * v; }
      nq[q] = s;
    }
    for (let j = 0; j < n; j++) {
      const pos = pool ? pool[j] : j;
      let s = 0;
      for (let c = 0; c < cs; c++) { const v = sim[base + pos * cs + c]; ct[c * n + j] = v; s += v * v; }
      nca[j] = s;
    }
    // Small feature widths (coordinates, 1-4 channels) are scored inline: no Q x n matrix, and the
    // squared distance is computed directly as sum (a - b)^2 (exact 0 for duplicates).
    const inline = cs <= 4;
    const S = inline ? null : matmul(qa, Q, cs, ct, n);
    for (let q = 0; q < Q; q++) {
      const qpos = queries[q], row = q * n, nqq = nq[q];
      const q0 = qa[q * cs], q1 = cs > 1 ? qa[q * cs + 1] : 0, q2 = cs > 2 ? qa[q * cs + 2] : 0, q3 = cs > 3 ? qa[q * cs + 3] : 0;
      let cnt = 0;
      for (let j = 0; j < n; j++) {
        const pos = pool ? pool[j] : j;
        if (pos === qpos) continue;
        let score: number;
        if (S === null) {
          let g: number;
          if (cos) {
            g = q0 * ct[j];
            if (cs > 1) g += q1 * ct[n + j];
            if (cs > 2) g += q2 * ct[2 * n + j];
            if (cs > 3) g += q3 * ct[3 * n + j];
            score = g > 1 ? 1 : g < -1 ? -1 : g;
          } else {
            let t = q0 - ct[j];
            g = t * t;
            if (cs > 1) { t = q1 - ct[n + j]; g += t * t; }
            if (cs > 2) { t = q2 - ct[2 * n + j]; g += t * t; }
            if (cs > 3) { t = q3 - ct[3 * n + j]; g += t * t; }
            score = -g;
          }
        } else {
          const g = S[row + j];
          if (cos) score = g > 1 ? 1 : g < -1 ? -1 : g;
          else { const d = nqq + nca[j] - 2 * g; score = d > 0 ? -d : 0; }
        }
        let at: number;
        if (cnt < k1) at = cnt++;
        else if (score > bestV[k1 - 1]) at = k1 - 1;
        else continue;
        while (at > 0 && bestV[at - 1] < score) { bestV[at] = bestV[at - 1]; bestI[at] = bestI[at - 1]; at--; }
        bestV[at] = score; bestI[at] = pos;
      }
      const o = (b * Q + q) * k;
      out[o] = qpos;
      for (let t = 0; t < k1; t++) out[o + 1 + t] = t < cnt ? bestI[t] : qpos;
      if (ascending) out.subarray(o, o + k).sort();
    }
  }
  return out;
}
