// T6 finite-difference gradient check; T7 exact scatter-add gradient (cpu and wasm).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { tf, useBackend, convnnOp, resolveConvNNOptions, type ConvNNState } from '../../src/convnn/index.js';
import { randn } from './helpers.js';

function gradCheck(backend: string, opts: Record<string, unknown>): number {
  const o = resolveConvNNOptions({ filters: 3, k: 5, padding: 1, ...opts } as never);
  const C = 3, ca = C + (o.aggregation === 'Loc_Col' ? 2 : 0);
  const x = randn([2, 4, 5, C], 81), W = randn([o.k * ca, 3], 82), b = randn([3], 83), R = randn([2, 4, 5, 3], 84);
  let state: ConvNNState = { rng: new Rng(1) };
  // a fresh random stream per evaluation, so that a random candidate pool is the same in every call
  const loss = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => {
    state = { rng: new Rng(1) };
    return tf.sum(tf.mul(convnnOp(xx, ww as tf.Tensor2D, bb as tf.Tensor1D, o, state), R));
  };
  const [dx, dW, db] = tf.grads(loss)([x, W, b]);
  const idx0 = state.lastIndices!.slice();
  // y is linear in (x, W, b) while the neighbour lists stay fixed, so a central difference is exact
  // up to rounding; eps = 1e-2 keeps float32 rounding of the loss small, and entries whose
  // perturbation changes a neighbour list are skipped. The loss is summed in float64 here.
  const eps = 1e-2;
  const Rd = R.dataSync();
  const loss64 = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor): number => {
    state = { rng: new Rng(1) };
    const y = convnnOp(xx, ww as tf.Tensor2D, bb as tf.Tensor1D, o, state);
    const yd = y.dataSync(); y.dispose();
    let s = 0;
    for (let i = 0; i < yd.length; i++) s += yd[i] * Rd[i];
    return s;
  };
  let worst = 0, compared = 0;
  const fd = (which: 0 | 1 | 2, i: number, analytic: Float32Array | Int32Array | Uint8Array): void => {
    const ts = [x, W, b];
    const base = ts[which].dataSync().slice() as Float32Array;
    const at = (delta: number): number => {
      const v = base.slice(); v[i] += delta;
      const args = ts.map((t, j) => (j === which ? tf.tensor(v, t.shape) : t));
      const l = loss64(args[0], args[1], args[2]);
      args[which].dispose();
      return l;
    };
    const lp = at(eps);
    const samePlus = state.lastIndices!.every((v, j) => v === idx0[j]);
    const lm = at(-eps);
    const sameMinus = state.lastIndices!.every((v, j) => v === idx0[j]);
    if (!samePlus || !sameMinus) return; // a neighbour list changed: the loss is not smooth here
    worst = Math.max(worst, Math.abs((lp - lm) / (2 * eps) - analytic[i]));
    compared++;
  };
  const dWd = dW.dataSync(), dbd = db.dataSync(), dxd = dx.dataSync();
  for (let i = 0; i < W.size; i += 7) fd(1, i, dWd);
  for (let i = 0; i < 3; i++) fd(2, i, dbd);
  const rng = new Rng(5);
  for (let t = 0; t < 12; t++) fd(0, rng.int(x.size), dxd);
  tf.dispose([x, W, b, R, dx, dW, db]);
  assert.ok(compared >= 20, `${backend}: only ${compared} entries compared`);
  return worst;
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`T6 [${backend}] finite differences match the custom gradient (cosine/Col and euclidean/Loc_Col)`, async () => {
    await useBackend(backend);
    const e1 = gradCheck(backend, { metric: 'cosine', similarity: 'Col', aggregation: 'Col' });
    const e2 = gradCheck(backend, { metric: 'euclidean', similarity: 'Loc_Col', aggregation: 'Loc_Col' });
    const e3 = gradCheck(backend, { metric: 'euclidean', sampling: 'random', numSamples: 8, padding: 0 });
    assert.ok(e1 < 5e-3 && e2 < 5e-3 && e3 < 5e-3, `${e1} ${e2} ${e3}`);
    await useBackend('cpu');
  });

  test(`T7 [${backend}] W = 1, b = 0, loss = sum y: dx = O1 x in-degree exactly, dW = G^T 1`, async () => {
    await useBackend(backend);
    const o = resolveConvNNOptions({ filters: 4, k: 6, padding: 1, metric: 'cosine' });
    const B = 2, H = 5, Wd = 4, C = 3, K = 6, O = 4, N = 7 * 6;
    const x = randn([B, H, Wd, C], 91);
    const state: ConvNNState = { rng: new Rng(1) };
    const W = tf.ones([K * C, O]), b = tf.zeros([O]);
    const [dx, dW] = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(convnnOp(xx, ww as tf.Tensor2D, bb as tf.Tensor1D, o, state)))([x, W, b]);
    const idx = state.lastIndices!;
    const deg = new Float64Array(B * N);
    idx.forEach((p, t) => { deg[Math.floor(t / (H * Wd * K)) * N + p]++; });
    const dxd = dx.dataSync(), xd = x.dataSync();
    let interiorHits = 0;
    for (let bb = 0; bb < B; bb++) for (let r = 0; r < H; r++) for (let c = 0; c < Wd; c++) {
      const p = bb * N + (r + 1) * 6 + (c + 1);
      interiorHits += deg[p];
      for (let ch = 0; ch < C; ch++) assert.equal(dxd[((bb * H + r) * Wd + c) * C + ch], O * deg[p]);
    }
    assert.ok(interiorHits > B * H * Wd, 'positions are picked several times (duplicates summed)');
    // dW[k*C + c, o] = sum over queries of x at neighbour k (pad cells contribute 0)
    const dWd = dW.dataSync();
    for (let k = 0; k < K; k++) for (let ch = 0; ch < C; ch++) {
      let s = 0;
      for (let t = k; t < idx.length; t += K) {
        const bb = Math.floor(t / (H * Wd * K)), p = idx[t], r = Math.floor(p / 6) - 1, c = (p % 6) - 1;
        if (r >= 0 && r < H && c >= 0 && c < Wd) s += xd[((bb * H + r) * Wd + c) * C + ch];
      }
      for (let oo = 0; oo < O; oo++) assert.ok(Math.abs(dWd[(k * C + ch) * O + oo] - s) < 1e-4);
    }
    tf.dispose([x, W, b, dx, dW]);
    await useBackend('cpu');
  });
}
