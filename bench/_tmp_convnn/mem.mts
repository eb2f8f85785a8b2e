import { tf, useBackend, ConvNN2d } from '../../src/convnn/index.js';
await useBackend('wasm'); tf.env().set('PROD', true);
const x = tf.variable(tf.randomNormal([64, 32, 32, 64]));
const l = new ConvNN2d({ filters: 64, metric: 'cosine', seed: 1 }); l.apply(x);
const vars = [...l.trainableWeights.map((w) => w.read() as tf.Variable), x];
const before = tf.memory().numTensors;
const t0 = performance.now();
tf.tidy(() => { const { value, grads } = tf.variableGrads(() => tf.sum(l.apply(x) as tf.Tensor) as tf.Scalar, vars); value.dataSync(); Object.values(grads).forEach((g) => g.dataSync()); });
console.log('batch 64 32x32x64 fwd+bwd ok', ((performance.now() - t0) / 1000).toFixed(1), 's; tensors', before, '->', tf.memory().numTensors, '; wasm heap', ((tf.backend() as any).wasm.HEAPU8.length / 2 ** 20).toFixed(0), 'MiB');
