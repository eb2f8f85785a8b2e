// T10: branching equalities and channel split; no tensor leaks; training on WASM; save/load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, tfl, useBackend, ConvNN2d, ConvNN1d, Conv2dIm2col, ConvNNBranching2d } from '../../src/convnn/index.js';
import { maxAbsDiff, randn } from './helpers.js';

await useBackend('cpu');

function pointwise(y: tf.Tensor, W: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const [B, H, Wd, O] = y.shape;
  return tf.reshape(tf.add(tf.matMul(tf.reshape(y, [B * H * Wd, O]), W), b), [B, H, Wd, W.shape[1]!]);
}

test('T10 ratio 0 = conv k x k (same) + 1x1; ratio 1 = ConvNN + 1x1; split floor(O * ratio)', () => {
  tf.tidy(() => {
    const x = randn([2, 6, 6, 3], 111);
    const O = 5;
    const r0 = new ConvNNBranching2d({ filters: O, ratio: 0, seed: 1 });
    r0.apply(x);
    assert.equal(r0.nnFilters, 0); assert.equal(r0.convFilters, 5);
    const [cK, cB, pK, pB] = r0.getWeights();
    const F = tf.reshape(cK, [3, 3, 3, O]);
    const ref0 = pointwise(tf.add(tf.conv2d(x as tf.Tensor4D, F as tf.Tensor4D, 1, 'same'), cB), pK, pB);
    assert.ok(maxAbsDiff(r0.apply(x) as tf.Tensor, ref0) < 1e-4);
    assert.equal(r0.countParams(), 27 * O + O + O * O + O);

    const r1 = new ConvNNBranching2d({ filters: O, ratio: 1, metric: 'euclidean', seed: 2 });
    const y1 = r1.apply(x) as tf.Tensor;
    const [nK, nB, qK, qB] = r1.getWeights();
    const nn = new ConvNN2d({ filters: O, metric: 'euclidean', seed: 2 });
    nn.build([null, 6, 6, 3]); nn.setWeights([nK, nB]);
    assert.ok(maxAbsDiff(y1, pointwise(nn.apply(x) as tf.Tensor, qK, qB)) < 1e-4);

    const half = new ConvNNBranching2d({ filters: O, ratio: 0.5, seed: 3 });
    half.apply(x);
    assert.equal(half.nnFilters, 2); assert.equal(half.convFilters, 3);
    assert.equal(half.countParams(), (9 * 3 * 2 + 2) + (27 * 3 + 3) + (O * O + O));
    // concat order [ConvNN first, conv second]
    const [hnK, hnB, hcK, hcB, hpK, hpB] = half.getWeights();
    const nn2 = new ConvNN2d({ filters: 2, seed: 3 });
    nn2.build([null, 6, 6, 3]); nn2.setWeights([hnK, hnB]);
    const conv = tf.add(tf.conv2d(x as tf.Tensor4D, tf.reshape(hcK, [3, 3, 3, 3]) as tf.Tensor4D, 1, 'same'), hcB);
    const ref = pointwise(tf.concat([nn2.apply(x) as tf.Tensor, conv], 3), hpK, hpB);
    assert.ok(maxAbsDiff(half.apply(x) as tf.Tensor, ref) < 1e-4);
    assert.throws(() => new ConvNNBranching2d({ filters: 4, ratio: 1.5 }), /ratio: got 1.5/);
    assert.throws(() => new ConvNNBranching2d({ filters: 4, shufflePattern: 'B' }), /shufflePattern/);
  });
});

test('T10 no tensor leaks after a tidy forward+backward of every layer (sampled and shuffled variants too)', () => {
  const x = randn([2, 8, 8, 4], 121);
  const layers = [
    new ConvNN2d({ filters: 3, seed: 1 }),
    new ConvNN2d({ filters: 3, sampling: 'random', numSamples: 12, shufflePattern: 'BA', aggregation: 'Loc_Col', similarity: 'Loc_Col', seed: 1 }),
    new ConvNN2d({ filters: 3, sampling: 'spatial', numSamples: 3, useBias: false, seed: 1 }),
    new Conv2dIm2col({ filters: 3, seed: 1 }),
    new ConvNNBranching2d({ filters: 4, ratio: 0.5, seed: 1 }),
    new ConvNNBranching2d({ filters: 4, ratio: 0.75, shufflePattern: 'BA', sampling: 'spatial', numSamples: 3, seed: 1 }),
  ];
  for (const layer of layers) {
    tf.tidy(() => { layer.apply(x); }); // build outside the measured step
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar, vars);
      assert.ok(Number.isFinite(value.dataSync()[0]));
      assert.equal(Object.keys(grads).length, vars.length);
      tf.grad((xx: tf.Tensor) => tf.sum(layer.apply(xx) as tf.Tensor))(x);
    });
    assert.equal(tf.memory().numTensors, before, layer.getClassName());
  }
  const l1 = new ConvNN1d({ filters: 2, k: 3, seed: 1 });
  const x1 = randn([2, 10, 3], 122);
  tf.tidy(() => { l1.apply(x1); });
  const before = tf.memory().numTensors;
  tf.tidy(() => { tf.grad((xx: tf.Tensor) => tf.sum(l1.apply(xx) as tf.Tensor))(x1); });
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, x1]);
});

function tinyModel(kind: 'convnn' | 'conv' | 'branching', seed: number): tfl.Sequential {
  const m = tfl.sequential();
  const first = kind === 'convnn' ? new ConvNN2d({ filters: 4, k: 5, metric: 'euclidean', seed, inputShape: [6, 6, 1] })
    : kind === 'conv' ? new Conv2dIm2col({ filters: 4, seed, inputShape: [6, 6, 1] })
      : new ConvNNBranching2d({ filters: 4, k: 5, ratio: 0.5, seed, inputShape: [6, 6, 1] });
  m.add(first);
  m.add(tfl.layers.reLU());
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed }) }));
  return m;
}

test('T10 [wasm] a 1-layer model of each kind trains with optimizer.minimize (loss decreases)', async () => {
  await useBackend('wasm');
  try {
    const x = randn([16, 6, 6, 1], 131);
    const labels = tf.tidy(() => tf.oneHot(tf.cast(tf.greater(tf.sum(tf.slice(x, [0, 0, 0, 0], [16, 3, 6, 1]), [1, 2, 3]), 0), 'int32'), 2));
    for (const kind of ['convnn', 'conv', 'branching'] as const) {
      const model = tinyModel(kind, 5);
      const opt = tf.train.adam(0.03);
      const lossFn = () => tf.losses.softmaxCrossEntropy(labels, model.apply(x) as tf.Tensor) as tf.Scalar;
      const first = tf.tidy(() => lossFn().dataSync()[0]);
      let last = first;
      const before = tf.memory().numTensors;
      for (let step = 0; step < 15; step++) {
        const l = opt.minimize(lossFn, true)!;
        last = l.dataSync()[0];
        l.dispose();
      }
      assert.ok(last < first * 0.8, `${kind}: loss ${first} -> ${last}`);
      // Adam creates its slot variables on the first step only
      const after = tf.memory().numTensors;
      tf.tidy(() => { opt.minimize(lossFn); });
      assert.equal(tf.memory().numTensors, after, `${kind} step leaks`);
      assert.ok(after >= before);
      opt.dispose();
      model.dispose();
    }
    tf.dispose([x, labels]);
  } finally {
    await useBackend('cpu');
  }
});

test('T10 a model using every layer saves and loads through a tf.io in-memory handler', async () => {
  const m = tfl.sequential();
  m.add(new ConvNNBranching2d({ filters: 4, ratio: 0.5, k: 5, metric: 'euclidean', seed: 1, inputShape: [8, 8, 2] }));
  m.add(new ConvNN2d({ filters: 4, k: 4, padding: 0, similarity: 'Loc_Col', aggregation: 'Loc_Col', lambda: 0.3, shufflePattern: 'BA', seed: 2 }));
  m.add(new Conv2dIm2col({ filters: 3, kernelSize: 2, seed: 3 }));
  m.add(tfl.layers.reshape({ targetShape: [64, 3] }));
  m.add(new ConvNN1d({ filters: 2, k: 3, metric: 'euclidean', seed: 4 }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 3 }));
  let saved: tf.io.ModelArtifacts | undefined;
  await m.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  assert.ok(saved);
  const topo = JSON.stringify(saved!.modelTopology);
  for (const name of ['ConvNNBranching2d', 'ConvNN2d', 'Conv2dIm2col', 'ConvNN1d', '"lambda":0.3', '"shuffle_pattern":"ba"']) assert.ok(topo.includes(name), name);
  const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
  assert.equal(loaded.countParams(), m.countParams());
  // tfjs-layers snake-cases string values on save ('Loc_Col' -> 'loc__col'); they parse back canonically
  const nn = loaded.layers[1] as ConvNN2d;
  assert.equal(nn.options.similarity, 'Loc_Col'); assert.equal(nn.options.shufflePattern, 'BA'); assert.equal(nn.options.lambda, 0.3);
  const x = randn([2, 8, 8, 2], 141);
  assert.ok(maxAbsDiff(loaded.predict(x) as tf.Tensor, m.predict(x) as tf.Tensor) < 1e-5);
  tf.dispose(x);
});
