import { makeGrid, selectNeighbors, jsMatMul } from '../../src/convnn/neighbors.js';
const grid = makeGrid([32, 32], 1); const B = 32, cs = 1;
const sim = new Float32Array(B * grid.n * cs).map(() => Math.round(Math.random() * 255) / 255);
for (let r = 0; r < 4; r++) {
  let mmT = 0;
  const mm = (a: Float32Array, m: number, d: number, b: Float32Array, n: number) => { const t = performance.now(); const o = jsMatMul(a, m, d, b, n); mmT += performance.now() - t; return o; };
  const t0 = performance.now();
  selectNeighbors(sim, B, cs, grid, null, 9, 'euclidean', false, mm);
  console.log('total', (performance.now() - t0).toFixed(0), 'mm', mmT.toFixed(0));
}
