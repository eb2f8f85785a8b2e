import { tf, useBackend } from '../../src/convnn/index.js';
import { tfMatMul } from '../../src/convnn/ops.js';
await useBackend('wasm');
const Q = 1024, n = 1156, cs = 64;
const a = new Float32Array(Q * cs).map(() => Math.random()), b = new Float32Array(cs * n).map(() => Math.random());
const at = tf.tensor2d(a, [Q, cs]), bt = tf.tensor2d(b, [cs, n]);
for (let rep = 0; rep < 3; rep++) {
  let t = performance.now();
  for (let i = 0; i < 8; i++) tfMatMul(a, Q, cs, b, n);
  const t1 = performance.now() - t; t = performance.now();
  for (let i = 0; i < 8; i++) { const r = tf.matMul(at, bt); r.dataSync(); r.dispose(); }
  const t2 = performance.now() - t; t = performance.now();
  for (let i = 0; i < 8; i++) { const r = tf.matMul(at, bt); r.dispose(); }
  const t3 = performance.now() - t; t = performance.now();
  for (let i = 0; i < 8; i++) { const x = tf.tensor2d(a, [Q, cs]); const y = tf.tensor2d(b, [cs, n]); x.dispose(); y.dispose(); }
  const t4 = performance.now() - t; t = performance.now();
  for (let i = 0; i < 8; i++) { const bb = tf.tensor2d(b, [cs, n]); const r = tf.matMul(at, bb); r.dispose(); bb.dispose(); }
  const t5 = performance.now() - t;
  console.log('fresh+download', t1.toFixed(0), 'persist+download', t2.toFixed(0), 'persist', t3.toFixed(0), 'upload', t4.toFixed(0), 'fresh B', t5.toFixed(0));
}
