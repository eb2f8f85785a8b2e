import { test } from 'node:test';
import assert from 'node:assert/strict';
import { numpyPairwiseSum, neighborWeights } from '../../src/learn/weights.js';

test('numpyPairwiseSum reproduces numpy.sum bit for bit (pairwise blocks), unlike a sequential sum', () => {
  // expected values printed by numpy 2.4: np.sum([1 / (i + 0.3) ** 1.7 for i in range(n)])
  const want: Record<number, number> = { 5: 8.840745080190363, 15: 9.09961847369942, 200: 9.281165995412673 };
  for (const n of [5, 15, 200]) {
    const a = Float64Array.from({ length: n }, (_, i) => 1 / (i + 0.3) ** 1.7);
    assert.equal(numpyPairwiseSum(a, 0, n), want[n], `n = ${n}`);
  }
  const a = Float64Array.from({ length: 200 }, (_, i) => 1 / (i + 0.3) ** 1.7);
  let seq = 0;
  for (const v of a) seq += v;
  assert.notEqual(seq, want[200]); // 9.281165995412682: the order matters
});

test('neighborWeights: distance zero rule, Shepard power, kernels at h = 0 and beyond h', () => {
  const out = new Float64Array(3);
  neighborWeights('distance', Float64Array.from([0, 0, 2]), 3, out, {}, 0);
  assert.deepEqual(Array.from(out), [1, 1, 0]);
  neighborWeights('shepard', Float64Array.from([1, 2, 4]), 3, out, { power: 2 }, 0);
  assert.deepEqual(Array.from(out), [1, 0.25, 0.0625]);
  neighborWeights('gaussian', Float64Array.from([0, 0, 0]), 3, out, {}, 0);
  assert.deepEqual(Array.from(out), [1, 1, 1]);
  neighborWeights('epanechnikov', Float64Array.from([0, 1, 2]), 3, out, {}, 0);
  assert.deepEqual(Array.from(out), [1, 0.75, 0]);
  neighborWeights('tricube', Float64Array.from([3, 4, 5]), 3, out, { bandwidth: 1 }, 0);
  assert.deepEqual(Array.from(out), [1, 1, 1]);
});
