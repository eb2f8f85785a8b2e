import { tf, tfl, useBackend, ConvNN2d, Conv2dIm2col } from '../../src/convnn/index.js';
await useBackend((process.argv[2] ?? 'wasm') as 'wasm');
const B = 8, H = 32, C = 64;
const x = tf.randomNormal([B, H, H, C]);
for (const [name, layer] of [['convnn', new ConvNN2d({ filters: 64, metric: 'euclidean', seed: 1 })], ['conv', new Conv2dIm2col({ filters: 64, seed: 1 })]] as const) {
  layer.build([null, H, H, C]);
  const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const ts: number[] = [];
  for (let i = 0; i < 4; i++) {
    const before = tf.memory().numTensors;
    const t0 = performance.now();
    const g = tf.tidy(() => { const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar, vars); tf.dispose(value); return grads; });
    Object.values(g).forEach((t) => t.dataSync()); tf.dispose(Object.values(g));
    ts.push(performance.now() - t0);
    if (i === 3) console.log('leak', tf.memory().numTensors - before);
  }
  console.log(name, ts.map((t) => t.toFixed(0)).join(' '));
}
