import { Rng } from '../../src/core/rng.js';
import { tf, useBackend, convnnOp, resolveConvNNOptions } from '../../src/convnn/index.js';
await useBackend('cpu');
const o = resolveConvNNOptions({ filters: 3, k: 5, padding: 1 });
const x = tf.randomNormal([2,4,5,3]); const W = tf.randomNormal([15,3]); const b = tf.zeros([3]);
const state = { rng: new Rng(1) } as any;
convnnOp(x, W as any, b as any, o, state); const a = state.lastIndices.slice();
convnnOp(x, W as any, b as any, o, state); const c = state.lastIndices.slice();
console.log(a.length, a.every((v: number, i: number) => v === c[i]), Array.from(a.slice(0,10)), Array.from(c.slice(0,10)));
