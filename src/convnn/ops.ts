/**
 * The differentiable ops behind the layers, each one `tf.customGrad` whose backward uses only
 * matMul (with explicit transposes), sum and scatterND. Why (reference section 3):
 *  - TF.js 4.22's WASM backend lacks Conv2DBackpropFilter and UnsortedSegmentSum, so neither
 *    tf.conv2d nor tf.gather can be trained there through autodiff;
 *  - top-k indices computed from x must not sit on the tape (GatherV2's gradient would hand an
 *    int32 "gradient" to them); a customGrad forward is not recorded;
 *  - on WASM, matMul with transposeA/transposeB misses the XNNPACK fast path (10-15x slower than
 *    an explicit tf.transpose followed by a plain matMul), and tf.gather is a scalar loop (~8x
 *    slower than copying rows in JS), so the neighbour gather runs in JS on the downloaded map.
 */
import { tf } from './tf.js';
import type { Rng } from '../core/rng.js';
import { invalidParam } from '../core/errors.js';
import type { ResolvedConvNNOptions } from './options.js';
import { buildFeatures, candidatePool, makeGrid, selectNeighbors, type Grid, type MatMul } from './neighbors.js';

/** queries x candidates product on the active TF.js backend (rank-2, no transpose flags). */
export const tfMatMul: MatMul = (a, m, d, b, n) => {
  const out = tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, d]), tf.tensor2d(b, [d, n])));
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return data;
};

/** Per-layer mutable state: the random stream of the candidate pools and the last neighbour lists. */
export interface ConvNNState {
  rng: Rng;
  /** Neighbour lists of the last forward call: [B, Q, K] padded position indices (for inspection and tests). */
  lastIndices?: Int32Array;
  /** Candidate pool of the last call (null = all positions). */
  lastPool?: Int32Array | null;
  /** The grid of the last call. */
  lastGrid?: Grid;
}


type GradBody = (inputs: tf.Tensor[], save: tf.GradSaveFunc) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] };

/** tf.customGrad over a variable number of inputs (the bias is optional). */
function customOp(body: GradBody, inputs: tf.Tensor[]): tf.Tensor {
  const f = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    return body(args as tf.Tensor[], save);
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(...inputs);
}

const gridCache = new Map<string, Grid>();
function gridFor(dims: number[], padding: number): Grid {
  const key = dims.join('x') + '/' + padding;
  let g = gridCache.get(key);
  if (!g) {
    g = makeGrid(dims, padding);
    if (gridCache.size > 64) gridCache.clear();
    gridCache.set(key, g);
  }
  return g;
}

/** y = x W + b for x [M, D], W [D, O] (b may be null), with a backward that avoids transposed matMul. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | null): tf.Tensor2D {
  const fwd = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor | null) => {
    const y = tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D);
    if (!bb) return y;
    const z = tf.add(y, bb) as tf.Tensor2D; y.dispose(); return z;
  };
  const grads = (dy: tf.Tensor2D, xx: tf.Tensor2D, ww: tf.Tensor2D, withBias: boolean): tf.Tensor[] => tf.tidy(() => {
    const dx = tf.matMul(dy, tf.transpose(ww));
    const dw = tf.matMul(tf.transpose(xx), dy);
    return withBias ? [dx, dw, tf.sum(dy, 0)] : [dx, dw];
  });
  return customOp(([xx, ww, bb], save) => {
    save([xx, ww]);
    return { value: fwd(xx, ww, bb ?? null), gradFunc: (dy, s) => grads(dy as tf.Tensor2D, s[0] as tf.Tensor2D, s[1] as tf.Tensor2D, !!bb) };
  }, b ? [x, w, b] : [x, w]) as tf.Tensor2D;
}

/**
 * The ConvNN op on x [B, ...dims, C] (dims = [H, W] or [T]), already unshuffled:
 * forward = neighbour search (no gradient, as the reference: only the indices are used) ->
 * G[B*Q, K*Ca] of concatenated neighbour vectors (section 1.5: conv1d(kernel K, stride K) is a
 * dense layer over them) -> Y = G W + b. backward: dW = G^T dy, db = sum dy,
 * dG = dy W^T, dF = scatter-add of dG rows to the padded positions they came from, then drop the
 * pad ring and the coordinate channels.
 */
export function convnnOp(x: tf.Tensor, w: tf.Tensor2D, b: tf.Tensor1D | null, o: ResolvedConvNNOptions, state: ConvNNState): tf.Tensor {
  const shape = x.shape;
  const B = shape[0], C = shape[shape.length - 1], dims = shape.slice(1, -1);
  const grid = gridFor(dims, o.padding);
  const N = grid.n, Q = grid.queries.length, K = o.k, O1 = w.shape[1];
  const body = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor | null, save: tf.GradSaveFunc) => {
    const xd = xx.dataSync() as Float32Array;
    const feats = buildFeatures(xd, B, C, grid, o);
    const pool = candidatePool(o, grid, state.rng);
    const idx = selectNeighbors(feats.sim, B, feats.cs, grid, pool, K, o.metric, o.similarity === 'Loc', tfMatMul);
    state.lastIndices = idx; state.lastPool = pool; state.lastGrid = grid;
    const ca = feats.ca, agg = feats.agg;
    if (ww.shape[0] !== K * ca) throw invalidParam('input channels', C, `the ${ww.shape[0] / K - (ca - C)} channels this layer was built for`);
    // G[(b*Q+q), k*Ca + c] = F[b, I[b,q,k], c]; rows = global ids b*N + I for the scatter-add.
    const ids = new Int32Array(B * Q * K);
    const g = new Float32Array(B * Q * K * ca);
    for (let b = 0; b < B; b++) {
      for (let t = b * Q * K, end = (b + 1) * Q * K; t < end; t++) {
        const row = b * N + idx[t];
        ids[t] = row;
        if (ca > 8) g.set(agg.subarray(row * ca, row * ca + ca), t * ca);
        else for (let c = 0, src = row * ca, dst = t * ca; c < ca; c++) g[dst + c] = agg[src + c]; // no subarray views for narrow rows
      }
    }
    const G = tf.tensor2d(g, [B * Q, K * ca]);
    const y = tf.matMul(G, ww as tf.Tensor2D);
    const yb = bb ? tf.add(y, bb) : y;
    const value = tf.reshape(yb, [B, ...dims, O1]);
    if (bb) y.dispose();
    if (yb !== value) yb.dispose();
    save([G, ww]);
    G.dispose();
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => tf.tidy(() => {
      const [Gs, Ws] = saved;
      const dy2 = tf.reshape(dy, [B * Q, O1]);
      const dW = tf.matMul(tf.transpose(Gs), dy2);
      const dG = tf.reshape(tf.matMul(dy2, tf.transpose(Ws)), [B * Q * K, ca]);
      const dF = tf.scatterND(tf.tensor2d(ids, [B * Q * K, 1], 'int32'), dG, [B * N, ca]);
      const p = o.padding;
      const dx = tf.slice(tf.reshape(dF, [B, ...grid.pdims, ca]), [0, ...dims.map(() => p), 0], [B, ...dims, C]);
      return bb ? [dx, dW, tf.sum(dy2, 0)] : [dx, dW];
    });
    return { value, gradFunc };
  };
  return customOp(([xx, ww, bb], save) => body(xx, ww, bb ?? null, save), b ? [x, w, b] : [x, w]);
}

const im2colIdsCache = new Map<string, Int32Array>();

/** Row ids of the padded map read by each (b, h, w, i, j) im2col entry (cached per shape). */
function im2colIds(B: number, H: number, W: number, kh: number, kw: number, Hp: number, Wp: number): Int32Array {
  const key = [B, H, W, kh, kw].join('x');
  let ids = im2colIdsCache.get(key);
  if (ids) return ids;
  ids = new Int32Array(B * H * W * kh * kw);
  let t = 0;
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) ids[t++] = b * Hp * Wp + (h + i) * Wp + (w + j);
  }
  if (im2colIdsCache.size > 32) im2colIdsCache.clear();
  im2colIdsCache.set(key, ids);
  return ids;
}

/**
 * Standard 'same' convolution, stride 1, as im2col + matMul in one customGrad (trains on WASM,
 * where tf.conv2d's filter gradient kernel is missing in 4.22). w is [kh*kw*C, O] with row
 * (i*kw + j)*C + c = tf.conv2d filter [kh, kw, C, O] reshaped. 'same' pads (k-1)>>1 before and
 * k>>1 after, as TensorFlow.
 */
export function im2colConv2d(x: tf.Tensor4D, w: tf.Tensor2D, b: tf.Tensor1D | null, kh: number, kw: number): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  const O = w.shape[1];
  const pt = (kh - 1) >> 1, pb = kh >> 1, pl = (kw - 1) >> 1, pr = kw >> 1;
  const Hp = H + pt + pb, Wp = W + pl + pr;
  const body = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor | null, save: tf.GradSaveFunc) => {
    // im2col in JS on the downloaded map: the WASM backend's slice/concat kernels run in JS and
    // cost ~10x more than one pass over the data here.
    const xd = xx.dataSync() as Float32Array;
    const kk = kh * kw, colData = new Float32Array(B * H * W * kk * C);
    for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
      let dst = ((b * H + h) * W + w) * kk * C;
      for (let i = 0; i < kh; i++) {
        const r = h + i - pt;
        for (let j = 0; j < kw; j++, dst += C) {
          const c = w + j - pl;
          if (r < 0 || r >= H || c < 0 || c >= W) continue; // zero padding
          const src = ((b * H + r) * W + c) * C;
          if (C === 1) colData[dst] = xd[src];
          else colData.set(xd.subarray(src, src + C), dst);
        }
      }
    }
    const col = tf.tensor2d(colData, [B * H * W, kk * C]);
    const value = tf.tidy(() => {
      const y = tf.matMul(col as tf.Tensor2D, ww as tf.Tensor2D);
      return tf.reshape(bb ? tf.add(y, bb) : y, [B, H, W, O]);
    });
    save([col, ww]);
    col.dispose();
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => tf.tidy(() => {
      const [cols, Ws] = saved;
      const dy2 = tf.reshape(dy, [B * H * W, O]);
      const dW = tf.matMul(tf.transpose(cols), dy2);
      const dcol = tf.reshape(tf.matMul(dy2, tf.transpose(Ws)), [B * H * W * kh * kw, C]);
      const ids = im2colIds(B, H, W, kh, kw, Hp, Wp);
      const dxp = tf.scatterND(tf.tensor2d(ids, [ids.length, 1], 'int32'), dcol, [B * Hp * Wp, C]);
      const dx = tf.slice(tf.reshape(dxp, [B, Hp, Wp, C]), [0, pt, pl, 0], [B, H, W, C]);
      return bb ? [dx, dW, tf.sum(dy2, 0)] : [dx, dW];
    });
    return { value, gradFunc };
  };
  return customOp(([xx, ww, bb], save) => body(xx, ww, bb ?? null, save), b ? [x, w, b] : [x, w]) as tf.Tensor4D;
}
