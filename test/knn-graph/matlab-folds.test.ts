import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cvpartitionKFoldIds, cvpartitionStratifiedKFold, MersenneTwister } from '../../src/knn-graph/matlab-folds.js';
import { readDataset } from '../../src/io/index.js';
import { KnnkitError } from '../../src/core/errors.js';
import { sharedData } from '../helpers/data.js';

test('MersenneTwister: MT19937 reference output and MATLAB rand (= numpy RandomState.random_sample)', () => {
  // mt19937ar.c: init_genrand(5489) -> first genrand_int32 is 3499211612
  assert.equal(new MersenneTwister(5489).nextUint32(), 3499211612);
  // numpy.random.RandomState(5).random_sample(3), i.e. MATLAB rng(5, 'twister'); rand(1, 3)
  const r = new MersenneTwister(5);
  assert.deepEqual([r.random(), r.random(), r.random()], [0.22199317108973948, 0.8707323061773764, 0.20671915533942642]);
  assert.throws(() => new MersenneTwister(-1), KnnkitError);
});

test('cvpartitionKFoldIds: stra_kfoldcv on small label vectors (values from a numpy transcription)', () => {
  // cvid = 1 + mod(1:N, K); [~, idx] = sort(grp2idx(y) + rand(N, 1)); cvid(idx) = cvid
  assert.deepEqual(Array.from(cvpartitionKFoldIds([3, 1, 2, 1, 3, 2, 1, 3, 2, 1, 3, 2, 2], 3, 5)), [3, 1, 3, 2, 1, 3, 3, 2, 1, 2, 2, 1, 2]);
  // numeric groups by ascending value (-1 < 5 < 7), not by first appearance
  assert.deepEqual(Array.from(cvpartitionKFoldIds([7, 7, 7, 7, -1, -1, -1, -1, -1, 5, 5, 5], 4, 11)), [3, 2, 4, 1, 3, 4, 2, 1, 2, 1, 4, 3]);
  const y = ['b', 'a', 'b', 'a', 'b', 'a', 'a', 'b'];
  const folds = cvpartitionStratifiedKFold(y, 2, 7);
  assert.equal(folds.length, 2);
  for (const f of folds) {
    // stratified: each test fold holds two of each class; train and test partition the rows
    assert.equal(f.test.filter((i) => y[i] === 'a').length, 2);
    assert.equal(f.train.length + f.test.length, y.length);
  }
  assert.deepEqual([...folds[0].test, ...folds[1].test].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.throws(() => cvpartitionKFoldIds([1, 2], 3, 0), /folds/);
  assert.throws(() => cvpartitionKFoldIds([1, 2, 3], 1, 0), KnnkitError);
});

const bin = sharedData('binalpha.csv');
test('cvpartition folds of Binalpha, seed 5: the authors\' Demo.m partition', { skip: bin.skip }, async () => {
  const ds = await readDataset(bin.path);
  const ids = cvpartitionKFoldIds(ds.y!, 10, 5);
  assert.deepEqual(Array.from(ids.subarray(0, 12)), [3, 6, 2, 8, 3, 9, 4, 5, 9, 9, 5, 3]);
  assert.deepEqual(Array.from(ids.subarray(ids.length - 5)), [10, 2, 6, 8, 9]);
  const sizes = new Array(10).fill(0);
  for (const f of ids) sizes[f - 1]++;
  assert.deepEqual(sizes, [140, 141, 141, 141, 141, 140, 140, 140, 140, 140]);
});
