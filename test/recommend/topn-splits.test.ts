import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  KNNBasic, KNNBaseline, BaselineOnly, KNNRecommender, ratingFolds, randomSplit, leaveKOut, temporalSplit, rankingScores,
  catalogCoverage, rmse, mae, ratingsFromArrays, parseRatings, crossValidateRatings, topScores,
} from '../../src/recommend/index.js';
import { tiny, close } from './tiny.js';

test('recommend() leaves out the items the user rated, best first', () => {
  const r = tiny();
  for (const m of [new KNNBasic().fit(r), new KNNBasic({ userBased: false }).fit(r), new BaselineOnly().fit(r), new KNNBaseline({ userBased: false }).fit(r)]) {
    const rec = m.recommend('u3', 10);
    assert.deepEqual(rec.items.filter((i) => i === 'i1' || i === 'i3'), [], m.constructor.name);
    assert.deepEqual([...rec.items].sort(), ['i0', 'i2']);
    for (let t = 1; t < rec.scores.length; t++) assert.ok(rec.scores[t] <= rec.scores[t - 1]);
    const all = m.recommend('u3', 10, { excludeRated: false });
    assert.equal(all.items.length, 4);
  }
  // u0 rated i0..i2: only i3 remains
  assert.deepEqual(new KNNBasic().fit(r).recommend('u0', 3).items, ['i3']);
});

test('item-based top-N scores: sum over the user\'s items of sim(i, j) * r_ui (hand-computed)', () => {
  const r = tiny();
  const m = new KNNBasic({ userBased: false }).fit(r);
  // u3 rated i1 = 2 and i3 = 4; score(i0) = msd(i1, i0) * 2 + msd(i3, i0) * 4
  const rec = m.recommend('u3', 2);
  const s0 = 0.25 * 2 + (2 / 3) * 4;
  const at = rec.items.indexOf('i0');
  assert.ok(close(rec.scores[at], s0));
  // only the `neighbors` most similar items of each rated item take part
  const one = new KNNBasic({ userBased: false, neighbors: 1 }).fit(r);
  assert.ok(one.neighbours(1, 1).indices.length === 1);
  // an unknown user gets the most rated items
  assert.deepEqual(m.recommend('stranger', 2).items, ['i1', 'i0']);
});

test('implicit data: top-N from binary cosine', () => {
  const imp = ratingsFromArrays(['a', 'a', 'b', 'b', 'b', 'c', 'c'], ['x', 'y', 'x', 'y', 'z', 'x', 'w']);
  const m = new KNNRecommender({ userBased: false, similarity: 'cosine' }).fit(imp);
  const rec = m.recommend('a', 5);
  // a has x, y: z co-occurs with both (via b), w with x only (via c)
  // cos(x,z) = 1/sqrt(3*1), cos(y,z) = 1/sqrt(2*1), cos(x,w) = 1/sqrt(3*1)
  assert.deepEqual(rec.items, ['z', 'w']);
  assert.ok(close(rec.scores[0], 1 / Math.sqrt(3) + 1 / Math.sqrt(2)));
  assert.ok(close(rec.scores[1], 1 / Math.sqrt(3)));
});

test('topScores: n largest, ties by lower index, NaN skipped', () => {
  const t = topScores(Float64Array.from([1, NaN, 3, 3, 2, -Infinity]), 3);
  assert.deepEqual(Array.from(t.idx), [2, 3, 4]);
});

test('k-fold splits: a seeded partition, sizes as Surprise\'s KFold', () => {
  const folds = ratingFolds(13, { folds: 5, seed: 3 });
  assert.deepEqual(folds.map((f) => f.test.length), [3, 3, 3, 2, 2]);
  const seen = new Uint8Array(13);
  for (const f of folds) {
    assert.equal(f.train.length + f.test.length, 13);
    for (const p of f.test) seen[p]++;
    const tr = new Set(f.train);
    for (const p of f.test) assert.ok(!tr.has(p));
  }
  assert.deepEqual(Array.from(seen), new Array(13).fill(1));
  assert.deepEqual(ratingFolds(13, { folds: 5, seed: 3 }), folds);
  assert.notDeepEqual(ratingFolds(13, { folds: 5, seed: 4 }).map((f) => Array.from(f.test)), folds.map((f) => Array.from(f.test)));
  assert.throws(() => ratingFolds(3, { folds: 5 }), /folds: got 5; cannot exceed the number of ratings \(3\)/);
});

test('random, leave-k-out and temporal splits', () => {
  const text = ['user,item,rating,timestamp', ...Array.from({ length: 40 }, (_, p) => `${p % 4},${p},${1 + (p % 5)},${1000 + p}`)].join('\n');
  const r = parseRatings(text);
  const rs = randomSplit(r, { testSize: 0.25, seed: 1 });
  assert.equal(rs.test.length, 10);
  assert.equal(rs.train.length, 30);
  const lko = leaveKOut(r, { k: 2, seed: 1 });
  const perUser = new Map<number, number>();
  for (const p of lko.test) perUser.set(r.user[p], (perUser.get(r.user[p]) ?? 0) + 1);
  assert.deepEqual([...perUser.values()], [2, 2, 2, 2]);
  const latest = leaveKOut(r, { k: 1, latest: true });
  assert.deepEqual(Array.from(latest.test), [36, 37, 38, 39]);
  const ts = temporalSplit(r, { testSize: 0.2 });
  assert.deepEqual(Array.from(ts.test), [32, 33, 34, 35, 36, 37, 38, 39]);
  assert.throws(() => temporalSplit(tiny()), /timestamp: a temporal split needs a timestamp column/);
});

test('RMSE, MAE, ranking metrics and coverage (hand-computed)', () => {
  assert.ok(close(rmse([1, 2, 3], [1, 4, 2]), Math.sqrt(5 / 3)));
  assert.ok(close(mae([1, 2, 3], [1, 4, 2]), 1));
  // list [1, 2, 3], relevant {2, 5}: one hit at rank 2
  const s = rankingScores([[1, 2, 3], [7, 8]], [new Set([2, 5]), new Set()], 3);
  assert.equal(s.users, 1);
  assert.ok(close(s.precision, 1 / 3));
  assert.ok(close(s.recall, 1 / 2));
  assert.ok(close(s.ndcg, (1 / Math.log2(3)) / (1 + 1 / Math.log2(3))));
  assert.ok(close(s.map, (1 / 2) / 2));
  assert.ok(close(catalogCoverage([[1, 2], [2, 3]], 10), 0.3));
});

test('ratings reader: CSV with header, MovieLens 100k tab layout, ::, forced format, errors with line numbers', () => {
  const csv = parseRatings('userId,movieId,rating,timestamp\n1,10,4.5,100\n2,10,3,101\n1,20,1,102\n');
  assert.equal(csv.size, 3);
  assert.deepEqual(csv.userIds, ['1', '2']);
  assert.deepEqual(Array.from(csv.timestamp!), [100, 101, 102]);
  assert.deepEqual(csv.scale, [1, 4.5]);
  const tab = parseRatings('196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n');
  assert.equal(tab.size, 3);
  assert.deepEqual(tab.itemIds, ['242', '302', '377']);
  const reordered = parseRatings('rating,item,user\n5,a,x\n');
  assert.equal(reordered.userIds[0], 'x');
  assert.equal(reordered.rating[0], 5);
  const ml1m = parseRatings('1::1193::5::978300760\n1::661::3::978302109\n');
  assert.equal(ml1m.size, 2);
  const implicitFile = parseRatings('user,item\na,x\nb,x\n');
  assert.equal(implicitFile.implicit, true);
  // forcing: a header-less comma file read as csv loses its first line as the header
  assert.equal(parseRatings('1,2,3\n4,5,1\n', { format: 'csv' }).size, 1);
  assert.equal(parseRatings('1,2,3\n4,5,1\n').size, 2);
  assert.throws(() => parseRatings('user,item,rating\n1,2,abc\n', { source: 'r.csv' }), /r\.csv:2: rating "abc"; expected a finite number/);
  assert.throws(() => parseRatings('user,item,rating\n1,2\n', { source: 'r.csv' }), /r\.csv:2: 2 fields; expected at least 3/);
  assert.throws(() => parseRatings('', { source: 'e.csv' }), /e\.csv: no ratings/);
  assert.throws(() => parseRatings('1,2,3', { format: 'xml' as never }), /format: got "xml"; expected one of auto, csv, ml-100k, ml-1m/);
});

test('crossValidateRatings: per-fold scores and means', () => {
  const r = tiny();
  const cv = crossValidateRatings(r, () => new KNNBasic(), { folds: 3, seed: 0, top: 2 });
  assert.equal(cv.folds.length, 3);
  const m = cv.folds.reduce((a, f) => a + f.rmse, 0) / 3;
  assert.ok(close(cv.mean.rmse, m));
  assert.ok(cv.mean.rmse > 0 && cv.mean.rmse < 4);
});
