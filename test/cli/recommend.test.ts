import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, cliTempDir, assertUsageErrors } from '../helpers/cli.js';
import { sharedData } from '../helpers/data.js';
import { Rng } from '../../src/core/rng.js';

const tmp = cliTempDir('knnkit-recommend-');
after(() => tmp.remove());

// 30 users x 20 items, ratings with a user and an item effect, ~60 % filled
const rng = new Rng(1);
const rows: string[] = [];
for (let u = 0; u < 30; u++) for (let i = 0; i < 20; i++) {
  if (rng.random() < 0.6) rows.push(`${u + 1},${100 + i},${Math.min(5, Math.max(1, Math.round(3 + (u % 3) - 1 + (i % 4) / 2 - 0.75 + rng.normal() * 0.5)))},${1000 + rows.length}`);
}
const csv = join(tmp.dir, 'ratings.csv');
writeFileSync(csv, 'userId,movieId,rating,timestamp\n' + rows.join('\n') + '\n');
// the same ratings in MovieLens 100k's tab layout, no header, under a misleading extension
const tab = join(tmp.dir, 'u.data.txt');
writeFileSync(tab, rows.map((r) => r.split(',').join('\t')).join('\n') + '\n');
const half = Math.floor(rows.length * 0.8);
const base = join(tmp.dir, 'u1.base'), testFile = join(tmp.dir, 'u1.test');
writeFileSync(base, rows.slice(0, half).map((r) => r.split(',').join('\t')).join('\n') + '\n');
writeFileSync(testFile, rows.slice(half).map((r) => r.split(',').join('\t')).join('\n') + '\n');

test('recommend --json: means over folds with the issue\'s keys; the tab layout is sniffed', async () => {
  const r = await cli(['recommend', csv, '--json', '--folds', '3']);
  assert.equal(r.code, 0, r.err);
  const o = JSON.parse(r.out);
  for (const key of ['rmse', 'mae', 'precisionAt10', 'recallAt10', 'ndcgAt10', 'fitSeconds', 'predictSeconds']) assert.equal(typeof o[key], 'number', key);
  assert.equal(o.perFold.length, 3);
  const meanRmse = o.perFold.reduce((a: number, f: { rmse: number }) => a + f.rmse, 0) / 3;
  assert.ok(Math.abs(o.rmse - meanRmse) < 1e-12);
  assert.ok(o.rmse > 0.2 && o.rmse < 1.5, `rmse ${o.rmse}`);
  assert.equal(o.model, 'user-knn');
  assert.equal(o.similarity, 'msd');
  assert.equal(o.k, 40);
  const t = await cli(['recommend', tab, '--json', '--folds', '3']);
  assert.equal(t.code, 0, t.err);
  assert.equal(JSON.parse(t.out).rmse, o.rmse);
  const top5 = JSON.parse((await cli(['recommend', csv, '--json', '--folds', '3', '--top', '5', '--model', 'item-knn', '--rule', 'baseline', '--similarity', 'pearson-baseline'])).out);
  assert.equal(typeof top5.precisionAt5, 'number');
  assert.ok(top5.rmse < o.rmse, `${top5.rmse} vs ${o.rmse}`);
});

test('recommend with a separate --test file (u1.base / u1.test) and the text report', async () => {
  const r = await cli(['recommend', base, '--test', testFile, '--model', 'baseline']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /BaselineOnly \(als\)/);
  assert.match(r.out, /RMSE\s+\d\.\d{4}/);
  const j = JSON.parse((await cli(['recommend', base, '--test', testFile, '--json', '--top', '0'])).out);
  assert.equal(j.perFold.length, 1);
  assert.equal(j.perFold[0].testSize, rows.length - half);
  assert.equal(j.precisionAt10, undefined);
});

test('recommend: bad input exits 2 with one line naming the option', async () => {
  await assertUsageErrors('recommend', [
    [[], /<ratings>: expected exactly one ratings file/],
    [[csv, '--k', '0'], /--k: got "0"; expected an integer >= 1/],
    [[csv, '--model', 'svd'], /--model: got "svd"; expected one of user-knn, item-knn, baseline/],
    [[csv, '--rule', 'median'], /--rule: got "median"/],
    [[csv, '--similarity', 'jaccard'], /jaccard" is for implicit data/],
    [[csv, '--implicit', '--rule', 'means'], /--rule: got "means" with --implicit/],
    [[csv, '--model', 'baseline', '--k', '5'], /--k: does not apply to --model baseline/],
    [[csv, '--folds', '1'], /--folds: got "1"; expected an integer >= 2/],
    [[csv, '--format', 'xml'], /--format: got "xml"/],
    [[csv, '--test', testFile, '--folds', '3'], /--test: a separate test file replaces cross-validation/],
    [[join(tmp.dir, 'missing.csv')], /missing\.csv: no such file/],
    [[csv, '--bogus'], /--bogus: unknown option/],
  ]);
});

const ml = sharedData('ml-latest-small/ratings.csv');
test('recommend on ml-latest-small with Surprise\'s defaults (KNNBasic, user-based msd, 5 folds)', { skip: ml.skip }, async () => {
  const o = JSON.parse((await cli(['recommend', ml.path, '--json', '--top', '0'])).out);
  assert.ok(Math.abs(o.rmse - 0.949) < 0.004, `rmse ${o.rmse}`);
  assert.equal(o.folds, 5);
});
