import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
const req = createRequire(import.meta.url);
setWasmPaths(join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
await tf.setBackend(process.argv[2] ?? 'wasm'); await tf.ready();
function time(name: string, f: () => tf.Tensor | tf.Tensor[]) {
  const ts: number[] = [];
  for (let i = 0; i < 5; i++) { const t0 = performance.now(); const r = f(); const arr = Array.isArray(r) ? r : [r]; arr[0].dataSync(); ts.push(performance.now() - t0); tf.dispose(arr); }
  ts.sort((a, b) => a - b); console.log(name, ts[2].toFixed(1));
}
const B = 8, H = 32, W = 32, C = 64, K = 9, N = 34 * 34;
const F = tf.randomNormal([B * N, C]);
const idsArr = new Int32Array(B * 1024 * K); for (let i = 0; i < idsArr.length; i++) idsArr[i] = Math.floor(Math.random() * B * N);
const ids = tf.tensor1d(idsArr, 'int32');
const ids2 = tf.tensor2d(idsArr, [idsArr.length, 1], 'int32');
time('gather', () => tf.gather(F, ids, 0));
const dG = tf.randomNormal([idsArr.length, C]);
time('scatterND', () => tf.scatterND(ids2, dG, [B * N, C]));
const G = tf.randomNormal([B * 1024, K * C]); const Wm = tf.randomNormal([K * C, 64]);
time('agg matMul', () => tf.matMul(G, Wm));
const dy = tf.randomNormal([B * 1024, 64]);
time('dW matMul tA', () => tf.matMul(G, dy, true, false));
time('dG matMul tB', () => tf.matMul(dy, Wm, false, true));
const q = tf.randomNormal([1024, C]); const cand = tf.randomNormal([N, C]); const candT = tf.transpose(cand);
time('sim 8x tB', () => { const o: tf.Tensor[] = []; for (let b = 0; b < B; b++) o.push(tf.matMul(q, cand, false, true)); return o; });
time('sim 8x pre', () => { const o: tf.Tensor[] = []; for (let b = 0; b < B; b++) o.push(tf.matMul(q, candT)); return o; });
const q3 = tf.randomNormal([B, 1024, C]); const c3 = tf.randomNormal([B, N, C]);
time('sim rank3', () => tf.matMul(q3, c3, false, true));
const x = tf.randomNormal([B, H, W, C]); const f4 = tf.randomNormal([3, 3, C, 64]);
time('conv2d', () => tf.conv2d(x as tf.Tensor4D, f4 as tf.Tensor4D, 1, 'same'));
time('im2col slices', () => { const xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]); const parts: tf.Tensor[] = [];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) parts.push(tf.slice(xp, [0, i, j, 0], [B, H, W, C]));
  const r = tf.concat(parts, 3); tf.dispose(parts); xp.dispose(); return r; });
const fd = F.dataSync();
let t0 = performance.now(); const g = new Float32Array(idsArr.length * C);
for (let i = 0; i < idsArr.length; i++) { const s = idsArr[i] * C; g.set(fd.subarray(s, s + C), i * C); }
console.log('js gather', (performance.now() - t0).toFixed(1));
t0 = performance.now(); const acc = new Float32Array(B * N * C); const dgd = dG.dataSync();
for (let i = 0; i < idsArr.length; i++) { const s = idsArr[i] * C, o = i * C; for (let c = 0; c < C; c++) acc[s + c] += dgd[o + c]; }
console.log('js scatter', (performance.now() - t0).toFixed(1));
t0 = performance.now(); const tt = tf.tensor2d(g, [idsArr.length, C]); tt.dataSync(); console.log('upload', (performance.now() - t0).toFixed(1));
time('transpose G', () => tf.transpose(G));
time('dW via transpose', () => { const gt = tf.transpose(G); const r = tf.matMul(gt, dy); gt.dispose(); return r; });
time('dG via transpose W', () => { const wt = tf.transpose(Wm); const r = tf.matMul(dy, wt); wt.dispose(); return r; });
time('sum dy', () => tf.sum(dy, 0));
const cpad = tf.randomNormal([B, N, C]);
time('transpose cand per-sample', () => { const o: tf.Tensor[] = []; for (let b = 0; b < B; b++) { const s = tf.slice(cpad, [b, 0, 0], [1, N, C]); const r = tf.reshape(s, [N, C]); o.push(tf.transpose(r)); s.dispose(); } return o; });
