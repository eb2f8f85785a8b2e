import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
const req = createRequire(import.meta.url);
const p = dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
console.log(p);
setWasmPaths(join(p, 'dist') + '/');
await tf.setBackend('wasm'); await tf.ready();
console.log(tf.getBackend(), typeof tfl.layers.Layer);
const a = tf.randomNormal([1024, 64]); 
let t0 = performance.now();
for (let i=0;i<5;i++){ const s = tf.matMul(a, a, false, true); await s.data(); s.dispose(); }
console.log('mm', (performance.now()-t0)/5);
t0 = performance.now();
const s = tf.matMul(a, a, false, true);
for (let i=0;i<5;i++){ const r = tf.topk(s, 9); await r.indices.data(); r.values.dispose(); r.indices.dispose(); }
console.log('topk', (performance.now()-t0)/5);
const d = await s.data();
t0 = performance.now();
// JS topk 9 per row
const out = new Int32Array(1024*9);
for (let r=0;r<1024;r++){ const bv=new Float32Array(9).fill(-Infinity); const bi=new Int32Array(9);
 const o=r*1024; for (let j=0;j<1024;j++){ const v=d[o+j]; if (v>bv[8]){ let k=8; while(k>0&&bv[k-1]<v){bv[k]=bv[k-1];bi[k]=bi[k-1];k--;} bv[k]=v;bi[k]=j; } } out.set(bi, r*9); }
console.log('jstopk', performance.now()-t0);
