import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  KNNBasic, KNNWithMeans, KNNWithZScore, KNNBaseline, KNNRecommender, BaselineOnly, fitBaselines, baselineLoss, ratingMatrix,
} from '../../src/recommend/index.js';
import { tiny, close } from './tiny.js';

// user-based msd similarities of u0 with the raters of i3: u1 0.2, u2 0.75, u3 0.5
const S = { u1: 0.2, u2: 0.75, u3: 0.5 };

test('KNNBasic: similarity-weighted mean of the k best neighbours (hand-computed)', () => {
  const r = tiny();
  const m = new KNNBasic().fit(r);
  assert.ok(close(m.predict('u0', 'i3'), (S.u1 * 3 + S.u2 * 5 + S.u3 * 4) / (S.u1 + S.u2 + S.u3)));
  const e = m.estimate(0, 3);
  assert.equal(e.actualK, 3);
  assert.equal(e.impossible, false);
  // k = 2 keeps u2 and u3
  assert.ok(close(new KNNBasic({ k: 2 }).fit(r).predict('u0', 'i3'), (0.75 * 5 + 0.5 * 4) / 1.25));
  // item-based: u3 rated i1 = 2 and i3 = 4; msd(i0, i1) = 0.25, msd(i0, i3) = 1 / (0.5 + 1)
  const ib = new KNNBasic({ userBased: false }).fit(r);
  assert.ok(close(ib.predict('u3', 'i0'), (0.25 * 2 + (2 / 3) * 4) / (0.25 + 2 / 3)));
});

test('KNNWithMeans and KNNWithZScore (hand-computed means and population sigmas)', () => {
  const r = tiny();
  const mean = { u0: 4, u1: 2.25, u2: 4, u3: 3 };
  const sd = { u0: Math.sqrt(2 / 3), u1: Math.sqrt(0.6875), u2: Math.sqrt(0.5), u3: 1 };
  const sumS = S.u1 + S.u2 + S.u3;
  const means = mean.u0 + (S.u1 * (3 - mean.u1) + S.u2 * (5 - mean.u2) + S.u3 * (4 - mean.u3)) / sumS;
  assert.ok(close(new KNNWithMeans().fit(r).predict('u0', 'i3'), means));
  const z = mean.u0 + sd.u0 * (S.u1 * (3 - mean.u1) / sd.u1 + S.u2 * (5 - mean.u2) / sd.u2 + S.u3 * (4 - mean.u3) / sd.u3) / sumS;
  assert.ok(close(new KNNWithZScore().fit(r).predict('u0', 'i3'), z));
  assert.ok(means > 4.9 && means < 5);
});

test('KNNBaseline: b_ui + sum sim (r_vi - b_vi) / sum sim with the fitted ALS baselines', () => {
  const r = tiny();
  const b = fitBaselines(ratingMatrix(r));
  const mu = b.globalMean, bu = b.bu, bi = b.bi;
  const bsl = (u: number, i: number) => mu + bu[u] + bi[i];
  const expected = bsl(0, 3) + (S.u1 * (3 - bsl(1, 3)) + S.u2 * (5 - bsl(2, 3)) + S.u3 * (4 - bsl(3, 3))) / (S.u1 + S.u2 + S.u3);
  assert.ok(close(new KNNBaseline().fit(r).predict('u0', 'i3'), expected));
  // BaselineOnly = mu + b_u + b_i
  assert.ok(close(new BaselineOnly().fit(r).predict('u3', 'i0'), bsl(3, 0)));
});

test('fallbacks as Surprise: unknown user/item, too few neighbours, clipping', () => {
  const r = tiny();
  const mu = 43 / 13;
  const basic = new KNNBasic().fit(r);
  assert.ok(close(basic.predict('nobody', 'i0'), mu));
  assert.equal(basic.estimate(-1, 0).impossible, true);
  // minK 4 > the 3 raters of i3: impossible -> global mean (basic) / user mean (means) / baseline (baseline)
  const tooFew = new KNNBasic({ minK: 4 }).fit(r).estimate(0, 3);
  assert.ok(close(tooFew.estimate, mu));
  assert.equal(tooFew.impossible, true);
  assert.equal(new KNNWithMeans({ minK: 4 }).fit(r).predict('u0', 'i3'), 4);
  const b = fitBaselines(ratingMatrix(r));
  assert.ok(close(new KNNBaseline({ minK: 4 }).fit(r).predict('u0', 'i3'), mu + b.bu[0] + b.bi[3]));
  // unknown user with a known item: KNNBaseline and BaselineOnly keep b_i
  assert.ok(close(new KNNBaseline().fit(r).predict('nobody', 'i0'), mu + b.bi[0]));
  assert.ok(close(new BaselineOnly().fit(r).predict('u0', 'nothing'), mu + b.bu[0]));
  // clipping into the scale: with pearson (u1 1, u2 sqrt(3)/2) the mean-centred estimate is
  // 4 + (0.75 + sqrt(3)/2) / (1 + sqrt(3)/2) = 4.866..., above a scale capped at 4.8
  const capped = { ...r, scale: [1, 4.8] as const };
  const raw = new KNNWithMeans({ similarity: 'pearson', clip: false }).fit(capped).predict('u0', 'i3');
  assert.ok(close(raw, 4 + (0.75 + Math.sqrt(3) / 2) / (1 + Math.sqrt(3) / 2)), `raw ${raw}`);
  assert.equal(new KNNWithMeans({ similarity: 'pearson' }).fit(capped).predict('u0', 'i3'), 4.8);
});

test('batch predictions equal one-by-one predictions, with stored and with computed similarity rows', () => {
  const r = tiny();
  const users = Int32Array.from([0, 3, 1, 0, 2, -1, 3]), items = Int32Array.from([3, 0, 0, 3, 1, 2, 2]);
  for (const userBased of [true, false]) {
    const a = new KNNBaseline({ userBased, similarity: 'pearson-baseline', shrinkage: 1 }).fit(r);
    const b = new KNNBaseline({ userBased, similarity: 'pearson-baseline', shrinkage: 1, denseLimit: 0 }).fit(r);
    const pa = a.predictBatch(users, items), pb = b.predictBatch(users, items);
    for (let p = 0; p < users.length; p++) {
      assert.ok(close(pa[p], a.estimate(users[p], items[p]).estimate));
      assert.ok(close(pa[p], pb[p], 1e-14));
    }
  }
});

test('ALS baselines: one epoch by hand, then the loss decreases to the normal equations fixed point', () => {
  const m = ratingMatrix(tiny());
  const mu = 43 / 13;
  const one = fitBaselines(m, { epochs: 1 });
  assert.ok(close(one.globalMean, mu));
  // b_i0 = sum_u (r - mu) / (reg_i + |U_i|) with b_u = 0
  assert.ok(close(one.bi[0], (12 - 3 * mu) / (10 + 3)));
  const long = fitBaselines(m, { epochs: 200 });
  for (let e = 1; e < long.loss.length; e++) assert.ok(long.loss[e] <= long.loss[e - 1] + 1e-12, `epoch ${e}`);
  // fixed point: b_i = sum (r - mu - b_u) / (10 + n_i), b_u = sum (r - mu - b_i) / (15 + n_u)
  for (let i = 0; i < m.nItems; i++) {
    let s = 0;
    for (let p = m.itemPtr[i]; p < m.itemPtr[i + 1]; p++) s += m.itemValues[p] - mu - long.bu[m.itemUsers[p]];
    assert.ok(Math.abs(long.bi[i] - s / (10 + m.itemPtr[i + 1] - m.itemPtr[i])) < 1e-12);
  }
  for (let u = 0; u < m.nUsers; u++) {
    let s = 0;
    for (let p = m.userPtr[u]; p < m.userPtr[u + 1]; p++) s += m.userValues[p] - mu - long.bi[m.userItems[p]];
    assert.ok(Math.abs(long.bu[u] - s / (15 + m.userPtr[u + 1] - m.userPtr[u])) < 1e-12);
  }
  // SGD lowers its own regularised loss too, and both beat the all-zero biases
  const zero = baselineLoss(m, mu, new Float64Array(m.nUsers), new Float64Array(m.nItems), 15, 10);
  assert.ok(long.loss[long.loss.length - 1] < zero);
  const sgd = fitBaselines(m, { method: 'sgd', epochs: 50, learningRate: 0.05 });
  assert.ok(sgd.loss[49] < sgd.loss[0]);
  assert.throws(() => fitBaselines(m, { method: 'newton' as never }), /baseline.method: got "newton"/);
});

test('parameter errors name the parameter, the value and what is accepted', () => {
  assert.throws(() => new KNNRecommender({ k: 0 }), /k: got 0; expected an integer >= 1/);
  assert.throws(() => new KNNRecommender({ rule: 'median' as never }), /rule: got "median"; expected one of "basic", "means", "zscore", "baseline"/);
  assert.throws(() => new KNNBasic().predict('u0', 'i0'), /call fit\(train\) first/);
  assert.throws(() => new KNNBasic().fit({} as never), /train: got/);
});
