import { tf, useBackend, buildFeatures, makeGrid, selectNeighbors, resolveConvNNOptions } from '../../src/convnn/index.js';
import { tfMatMul } from '../../src/convnn/ops.js';
await useBackend('wasm');
const B = 8, H = 32, C = 64;
const x = tf.randomNormal([B, H, H, C]);
const o = resolveConvNNOptions({ filters: 64, metric: 'euclidean' });
const grid = makeGrid([H, H], 1);
for (let rep = 0; rep < 3; rep++) {
  let t = performance.now(); const T = (l: string) => { const n = performance.now(); console.log(l, (n - t).toFixed(1)); t = n; };
  const xd = x.dataSync() as Float32Array; T('download');
  const f = buildFeatures(xd, B, C, grid, o); T('features');
  let mmT = 0; const mm = (a: any, m: number, d: number, b: any, n: number) => { const t0 = performance.now(); const r = tfMatMul(a, m, d, b, n); mmT += performance.now() - t0; return r; };
  const idx = selectNeighbors(f.sim, B, f.cs, grid, null, 9, 'euclidean', false, mm); T('select'); console.log('  of which matmul', mmT.toFixed(1));
}
