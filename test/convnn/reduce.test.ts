// T2: Loc similarity + euclidean + K=9 + p=1 is a 3x3 'same' convolution (and K=3 in 1D);
// T3: K=1 is a 1x1 convolution for every metric / sampling / padding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend, ConvNN2d, ConvNN1d, Conv2dIm2col } from '../../src/convnn/index.js';
import { maxAbsDiff, randn } from './helpers.js';

function locConv2d(backend: 'cpu' | 'wasm', H: number, W: number): number {
  return tf.tidy(() => {
    const C = 3, O = 4;
    const x = randn([2, H, W, C], 11);
    const F = randn([3, 3, C, O], 12), b = randn([O], 13);
    const layer = new ConvNN2d({ filters: O, k: 9, padding: 1, similarity: 'Loc', metric: 'euclidean', seed: 1 });
    layer.build([null, H, W, C]);
    layer.setWeights([tf.reshape(F, [9 * C, O]), b]);
    const y = layer.apply(x) as tf.Tensor;
    const ref = tf.add(tf.conv2d(x as tf.Tensor4D, F as tf.Tensor4D, 1, 'same'), b);
    return maxAbsDiff(y, ref);
  });
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`T2 [${backend}] Loc/euclidean/K=9/p=1 equals conv2d 3x3 'same' on 8x8 and 8x12, not on 6x16`, async () => {
    await useBackend(backend);
    assert.ok(locConv2d(backend, 8, 8) < 1e-4);
    assert.ok(locConv2d(backend, 8, 12) < 1e-4);
    // anisotropic coordinate spacing (2/17 vs 2/7): two steps sideways beat one step down
    assert.ok(locConv2d(backend, 6, 16) > 1e-2, 'the 6x16 map must not reduce to a 3x3 window');
    await useBackend('cpu');
  });
}

test('T2 Conv1d_NN with Loc/euclidean/K=3/p=1 equals conv1d kernel 3 same', async () => {
  await useBackend('cpu');
  const d = tf.tidy(() => {
    const x = randn([2, 11, 3], 21), F = randn([3, 3, 5], 22), b = randn([5], 23);
    const layer = new ConvNN1d({ filters: 5, k: 3, padding: 1, similarity: 'Loc', metric: 'euclidean' });
    layer.build([null, 11, 3]);
    layer.setWeights([tf.reshape(F, [9, 5]), b]);
    return maxAbsDiff(layer.apply(x) as tf.Tensor, tf.add(tf.conv1d(x as tf.Tensor3D, F as tf.Tensor3D, 1, 'same'), b));
  });
  assert.ok(d < 1e-4, String(d));
});

test('Conv2dIm2col equals tf.conv2d (kernels 1, 2, 3, 5) and its gradients match autodiff of tf.conv2d', async () => {
  await useBackend('cpu');
  for (const k of [1, 2, 3, 5]) {
    tf.tidy(() => {
      const x = randn([2, 6, 7, 3], 31 + k), F = randn([k, k, 3, 4], 41), b = randn([4], 42), R = randn([2, 6, 7, 4], 43);
      const layer = new Conv2dIm2col({ filters: 4, kernelSize: k });
      layer.build([null, 6, 7, 3]);
      layer.setWeights([tf.reshape(F, [k * k * 3, 4]), b]);
      const ours = (xx: tf.Tensor) => tf.sum(tf.mul(layer.apply(xx) as tf.Tensor, R));
      const ref = (xx: tf.Tensor, ff: tf.Tensor) => tf.sum(tf.mul(tf.add(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, 1, 'same'), b), R));
      assert.ok(maxAbsDiff(layer.apply(x) as tf.Tensor, tf.add(tf.conv2d(x as tf.Tensor4D, F as tf.Tensor4D, 1, 'same'), b)) < 1e-4);
      const dxOurs = tf.grad(ours)(x);
      const [dxRef, dFRef] = tf.grads(ref)([x, F]);
      assert.ok(maxAbsDiff(dxOurs, dxRef) < 1e-3, `dx k=${k}`);
      const kernel = layer.trainableWeights[0].read() as tf.Variable;
      const { grads } = tf.variableGrads(() => ours(x) as tf.Scalar, [kernel]);
      assert.ok(maxAbsDiff(grads[kernel.name], tf.reshape(dFRef, [k * k * 3, 4])) < 1e-3, `dW k=${k}`);
    });
  }
});

test('T3 K=1 is a 1x1 convolution for every metric, sampling mode and padding', async () => {
  await useBackend('cpu');
  tf.tidy(() => {
    const x = randn([2, 5, 6, 3], 51), Wm = randn([3, 4], 52), b = randn([4], 53);
    const ref = tf.add(tf.reshape(tf.matMul(tf.reshape(x, [60, 3]), Wm), [2, 5, 6, 4]), b);
    for (const metric of ['cosine', 'euclidean'] as const) {
      for (const sampling of ['all', 'random', 'spatial'] as const) {
        for (const padding of [0, 1]) {
          const layer = new ConvNN2d({ filters: 4, k: 1, metric, sampling, numSamples: sampling === 'all' ? undefined : 3, padding, seed: 2 });
          layer.build([null, 5, 6, 3]);
          layer.setWeights([Wm, b]);
          assert.ok(maxAbsDiff(layer.apply(x) as tf.Tensor, ref) < 1e-5, `${metric} ${sampling} p=${padding}`);
        }
      }
    }
  });
});
