// T1: shapes and parameter counts; option validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend, ConvNN2d, ConvNN1d, channelPlan, resolveConvNNOptions } from '../../src/convnn/index.js';
import { KnnkitError } from '../../src/core/errors.js';
import { randn } from './helpers.js';

await useBackend('cpu');

test('T1 ConvNN2d output shapes and K*C1*O1 + O1 params over sampling x padding x shuffle x aggregation', () => {
  const x = randn([2, 8, 8, 3], 1);
  for (const sampling of ['all', 'random', 'spatial'] as const) {
    for (const padding of [0, 1]) {
      for (const shufflePattern of ['NA', 'BA', 'B', 'A'] as const) {
        for (const aggregation of ['Col', 'Loc_Col'] as const) {
          const numSamples = sampling === 'random' ? 16 : sampling === 'spatial' ? 4 : undefined;
          // with B/BA the map is 4x4 with 12 channels; K=9 needs >= 8 candidates: random 16, spatial 4x4 (2x2 after unshuffle -> all)
          const layer = new ConvNN2d({ filters: 5, sampling, numSamples, padding, shufflePattern, aggregation, seed: 3 });
          const y = layer.apply(x) as tf.Tensor;
          const expected = shufflePattern === 'B' ? [2, 4, 4, 5] : shufflePattern === 'A' ? [2, 16, 16, 5] : [2, 8, 8, 5];
          assert.deepEqual(y.shape, expected, `${sampling} p=${padding} ${shufflePattern} ${aggregation}`);
          assert.deepEqual(layer.computeOutputShape([null, 8, 8, 3]), [null, ...expected.slice(1)]);
          const c1 = 3 * (shufflePattern === 'B' || shufflePattern === 'BA' ? 4 : 1) + (aggregation === 'Loc_Col' ? 2 : 0);
          const o1 = 5 * (shufflePattern === 'A' || shufflePattern === 'BA' ? 4 : 1);
          assert.equal(layer.countParams(), 9 * c1 * o1 + o1);
          const plan = channelPlan(layer.options, 3, 2);
          assert.equal(plan.c1, c1); assert.equal(plan.o1, o1);
          y.dispose();
        }
      }
    }
  }
  x.dispose();
});

test('T1 ConvNN1d [2,16,3] -> [2,16,5]; any input size with one layer instance', () => {
  const layer = new ConvNN1d({ filters: 5, k: 3, seed: 1 });
  const y = layer.apply(randn([2, 16, 3], 2)) as tf.Tensor;
  assert.deepEqual(y.shape, [2, 16, 5]);
  assert.equal(layer.countParams(), 3 * 3 * 5 + 5);
  const y2 = layer.apply(randn([1, 7, 3], 3)) as tf.Tensor;
  assert.deepEqual(y2.shape, [1, 7, 5]);
  const l2 = new ConvNN2d({ filters: 4, seed: 1 });
  assert.deepEqual((l2.apply(randn([1, 6, 9, 2], 4)) as tf.Tensor).shape, [1, 6, 9, 4]);
  assert.deepEqual((l2.apply(randn([3, 5, 5, 2], 5)) as tf.Tensor).shape, [3, 5, 5, 4]);
  const l3 = new ConvNN1d({ filters: 2, k: 3, shufflePattern: 'BA', shuffleScale: 2, seed: 1 });
  assert.deepEqual((l3.apply(randn([2, 12, 3], 6)) as tf.Tensor).shape, [2, 12, 2]);
  assert.equal(l3.countParams(), 3 * 6 * 4 + 4);
});

test('bad options are KnnkitErrors naming the option', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ filters: 0 }, /filters: got 0/],
    [{ filters: 2, k: 0 }, /k: got 0/],
    [{ filters: 2, sampling: 'grid' }, /sampling: got "grid"/],
    [{ filters: 2, sampling: 'random' }, /numSamples: got undefined/],
    [{ filters: 2, sampling: 'random', numSamples: 4 }, /numSamples: got 4; expected >= k - 1 = 8/],
    [{ filters: 2, sampling: 'spatial', numSamples: 2 }, /numSamples: got 2/],
    [{ filters: 2, sampling: 'all', numSamples: 5 }, /numSamples: got 5/],
    [{ filters: 2, metric: 'l1' }, /metric: got "l1"/],
    [{ filters: 2, similarity: 'Col_Loc' }, /similarity/],
    [{ filters: 2, aggregation: 'Loc' }, /aggregation: got "Loc"/],
    [{ filters: 2, lambda: 2 }, /lambda: got 2/],
    [{ filters: 2, shufflePattern: 'X' }, /shufflePattern/],
    [{ filters: 2, padding: -1 }, /padding: got -1/],
  ];
  for (const [o, re] of bad) {
    assert.throws(() => resolveConvNNOptions(o as never), (e: unknown) => e instanceof KnnkitError && re.test((e as Error).message), JSON.stringify(o));
  }
  // K larger than the padded map, and a non-divisible unshuffle, fail at call time with a clear message
  assert.throws(() => new ConvNN2d({ filters: 2, k: 10, padding: 0 }).apply(randn([1, 3, 3, 1], 1)), /k: got 10; expected at most the 9 padded positions/);
  assert.throws(() => new ConvNN2d({ filters: 2, shufflePattern: 'B' }).apply(randn([1, 5, 4, 1], 1)), /input height: got 5; expected a multiple of shuffleScale 2/);
});

test('a built layer applied to another channel count is a KnnkitError', () => {
  const layer = new ConvNN2d({ filters: 2, seed: 1 });
  layer.apply(randn([1, 4, 4, 3], 1));
  assert.throws(() => layer.apply(randn([1, 4, 4, 5], 2)), (e: unknown) => e instanceof KnnkitError && /input channels: got 5; expected the 3 channels/.test((e as Error).message));
});
