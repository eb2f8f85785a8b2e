/**
 * ConvNN2d vs the im2col convolution: forward + backward time at 32x32x64 -> 64, batch 8, on the
 * WASM backend (median of interleaved repeats after warm-up). Peers in the same run: Conv2dIm2col
 * (the trainable-on-WASM convolution), tf.conv2d forward only (XNNPACK; no WASM filter gradient
 * in TF.js 4.22), and ConvNN with sampled candidate pools.
 *   node --import tsx bench/convnn.ts [--quick] [--backend wasm|cpu] [--batch 8] [--size 32] [--channels 64]
 */
import { tf, useBackend, ConvNN2d, Conv2dIm2col } from '../src/convnn/index.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => { const i = args.indexOf('--' + name); return i >= 0 ? args[i + 1] : def; };
const quick = args.includes('--quick');
const backend = opt('backend', 'wasm') as 'wasm' | 'cpu';
const B = Number(opt('batch', '8')), S = Number(opt('size', '32')), C = Number(opt('channels', '64'));
const repeats = quick ? 3 : 7;

await useBackend(backend);
tf.env().set('PROD', true);

const x = tf.randomNormal([B, S, S, C], 0, 1, 'float32', 1);
type Case = { name: string; run: () => void };

const xVar = tf.variable(x, true, 'bench_input');

/** One forward + backward with gradients w.r.t. the input and every weight (a hidden layer in training). */
function fwdBwd(layer: ConvNN2d | Conv2dIm2col): () => void {
  layer.apply(x); // build
  const vars = [...layer.trainableWeights.map((w) => w.read() as tf.Variable), xVar];
  return () => tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(xVar) as tf.Tensor) as tf.Scalar, vars);
    value.dataSync();
    for (const g of Object.values(grads)) g.dataSync();
  });
}

const f3 = tf.randomNormal([3, 3, C, C]) as tf.Tensor4D;
const cases: Case[] = [
  { name: 'Conv2dIm2col 3x3 fwd+bwd', run: fwdBwd(new Conv2dIm2col({ filters: C, seed: 1 })) },
  { name: 'ConvNN2d all, euclidean fwd+bwd', run: fwdBwd(new ConvNN2d({ filters: C, metric: 'euclidean', seed: 1 })) },
  { name: 'ConvNN2d all, cosine fwd+bwd', run: fwdBwd(new ConvNN2d({ filters: C, metric: 'cosine', seed: 1 })) },
  { name: 'ConvNN2d random n=64 fwd+bwd', run: fwdBwd(new ConvNN2d({ filters: C, metric: 'euclidean', sampling: 'random', numSamples: 64, seed: 1 })) },
  { name: 'ConvNN2d spatial 8x8 fwd+bwd', run: fwdBwd(new ConvNN2d({ filters: C, metric: 'euclidean', sampling: 'spatial', numSamples: 8, seed: 1 })) },
  { name: 'Conv2dIm2col 3x3 forward only', run: ((l) => { l.apply(x); return () => tf.tidy(() => { (l.apply(x) as tf.Tensor).dataSync(); }); })(new Conv2dIm2col({ filters: C, seed: 1 })) },
  { name: 'ConvNN2d all, euclidean forward only', run: ((l) => { l.apply(x); return () => tf.tidy(() => { (l.apply(x) as tf.Tensor).dataSync(); }); })(new ConvNN2d({ filters: C, metric: 'euclidean', seed: 1 })) },
  { name: 'tf.conv2d 3x3 forward only', run: () => tf.tidy(() => { tf.conv2d(x as tf.Tensor4D, f3, 1, 'same').dataSync(); }) },
];

for (const c of cases) c.run(); // warm-up (XNNPACK operator creation, JIT)
const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (let r = 0; r < repeats; r++) {
  for (const c of cases) {
    const t0 = performance.now();
    c.run();
    times.get(c.name)!.push(performance.now() - t0);
  }
}
const median = (a: number[]) => { const s = [...a].sort((p, q) => p - q); return s[s.length >> 1]; };
const conv = median(times.get(cases[0].name)!);
console.log(`ConvNN vs im2col convolution, ${B}x${S}x${S}x${C} -> ${C}, K=9, padding 1, backend ${tf.getBackend()}, median of ${repeats} (after warm-up)`);
console.log('case                                   median ms   x conv fwd+bwd');
for (const c of cases) {
  const m = median(times.get(c.name)!);
  console.log(`${c.name.padEnd(38)} ${m.toFixed(1).padStart(9)}   ${(m / conv).toFixed(2).padStart(6)}`);
}
const ratio = median(times.get(cases[1].name)!) / conv;
console.log(`\nConvNN2d (all, euclidean) / Conv2dIm2col = ${ratio.toFixed(2)}x (target <= 5x; the reference prototype was ~40x)`);
console.log(`tensors alive at the end: ${tf.memory().numTensors}`);
