import { tf, useBackend } from '../../src/convnn/index.js';
import { buildNetwork } from '../../src/convnn/experiment.js';
await useBackend((process.argv[2] ?? 'wasm') as 'wasm'); tf.env().set('PROD', true);
const ratio = Number(process.argv[3] ?? 0);
const m = buildNetwork(ratio, [32, 32, 1], 20, { channels: [16, 32, 64], k: 9, sampling: 'all', numSamples: -1, metric: 'euclidean', seed: 0 });
const opt = tf.train.adam(1e-3);
const x = tf.randomUniform([32, 32, 32, 1]); const y = tf.oneHot(tf.tensor1d(new Int32Array(32).map((_, i) => i % 20), 'int32'), 20);
for (let i = 0; i < 6; i++) {
  const t0 = performance.now();
  tf.tidy(() => { opt.minimize(() => tf.losses.softmaxCrossEntropy(y, m.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true)!.dataSync(); });
  const t1 = performance.now();
  tf.tidy(() => { (m.apply(x, { training: false }) as tf.Tensor).dataSync(); });
  console.log('step', (t1 - t0).toFixed(0), 'fwd', (performance.now() - t1).toFixed(0));
}
