import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedData } from '../helpers/data.js';
import { readRatings, crossValidateRatings, KNNBasic, KNNBaseline, BaselineOnly } from '../../src/recommend/index.js';

const ml = sharedData('ml-latest-small/ratings.csv');

test('ml-latest-small, Surprise\'s protocol (5 shuffled folds, defaults): KNNBasic ~0.95, KNNBaseline and BaselineOnly ~0.873', { skip: ml.skip }, async () => {
  const r = await readRatings(ml.path);
  assert.equal(r.size, 100837); // MovieLens's 100,836 plus one row (user 999, item 999999) the source repository appended
  assert.deepEqual(r.scale, [0.5, 5]);
  const basic = crossValidateRatings(r, () => new KNNBasic(), { folds: 5, seed: 0, top: 0 });
  // published Surprise runs on this set: KNNBasic RMSE ~0.95, MAE ~0.73 (5-fold CV, defaults)
  assert.ok(Math.abs(basic.mean.rmse - 0.949) < 0.004, `KNNBasic RMSE ${basic.mean.rmse}`);
  assert.ok(Math.abs(basic.mean.mae - 0.727) < 0.004, `KNNBasic MAE ${basic.mean.mae}`);
  const bsl = crossValidateRatings(r, () => new KNNBaseline(), { folds: 5, seed: 0, top: 0 });
  const only = crossValidateRatings(r, () => new BaselineOnly(), { folds: 5, seed: 0, top: 0 });
  assert.ok(Math.abs(bsl.mean.rmse - 0.875) < 0.004, `KNNBaseline RMSE ${bsl.mean.rmse}`);
  assert.ok(Math.abs(only.mean.rmse - 0.873) < 0.004, `BaselineOnly RMSE ${only.mean.rmse}`);
  assert.ok(bsl.mean.rmse < basic.mean.rmse - 0.05);
});
