import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, cliTempDir, assertUsageErrors } from '../helpers/cli.js';
import { sharedData } from '../helpers/data.js';
import { Rng } from '../../src/core/rng.js';

const tmp = cliTempDir('knnkit-outliers-');
after(() => tmp.remove());

// 190 inliers around the origin, 10 outliers far away
const rng = new Rng(4);
const lines = ['f0,f1,f2,label'];
for (let i = 0; i < 200; i++) {
  const out = i % 20 === 7;
  const s = out ? 6 : 1;
  lines.push(`${(rng.normal() * s).toFixed(4)},${(rng.normal() * s).toFixed(4)},${(rng.normal() * s + (out ? 8 : 0)).toFixed(4)},${out ? 1 : 0}`);
}
const data = join(tmp.dir, 'toy.csv');
writeFileSync(data, lines.join('\n') + '\n');
const bad = join(tmp.dir, 'bad.csv');
writeFileSync(bad, 'f0,label\n1,0\n2,3\n');
const none = join(tmp.dir, 'none.csv');
writeFileSync(none, 'f0,label\n1,0\n2,0\n3,0\n');

test('outliers --json: {rocAuc, precisionAtN, fitSeconds, scoreSeconds} means over trials', async () => {
  for (const method of ['knn', 'lof']) {
    const r = await cli(['outliers', data, '--method', method, '--json', '--trials', '4', '--standardize']);
    assert.equal(r.code, 0, r.err);
    const o = JSON.parse(r.out);
    for (const key of ['rocAuc', 'precisionAtN', 'fitSeconds', 'scoreSeconds']) assert.equal(typeof o[key], 'number', key);
    assert.equal(o.perTrial.length, 4);
    assert.equal(o.k, method === 'knn' ? 5 : 20);
    const mean = o.perTrial.reduce((a: number, t: { rocAuc: number }) => a + t.rocAuc, 0) / 4;
    assert.ok(Math.abs(o.rocAuc - mean) < 1e-12);
    assert.ok(o.rocAuc > 0.95, `${method} ${o.rocAuc}`);
    assert.equal(o.perTrial[0].testSize, 80);
  }
  const text = await cli(['outliers', data, '--trials', '2', '--aggregate', 'median', '--splits', 'knnkit']);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /KNNOutlierDetector k=5 method=median/);
  assert.match(text.out, /ROC-AUC\s+\d\.\d{4}/);
});

test('outliers: bad input exits 2 with one line naming the option', async () => {
  await assertUsageErrors('outliers', [
    [[], /<data>: expected exactly one data file/],
    [[data, '--method', 'iforest'], /--method: got "iforest"; expected one of knn, lof/],
    [[data, '--k', '0'], /--k: got "0"; expected an integer >= 1/],
    [[data, '--train-fraction', '1'], /--train-fraction: got "1"; expected a number in \(0, 1\)/],
    [[data, '--trials', 'x'], /--trials: got "x"/],
    [[data, '--method', 'lof', '--aggregate', 'mean'], /--aggregate: applies to --method knn only/],
    [[data, '--splits', 'python'], /--splits: got "python"/],
    [[bad], /bad\.csv: label 3 in row 2; expected 1 \(outlier\) or 0 \(inlier\)/],
    [[none], /none\.csv: 0 outliers among 3 rows/],
  ]);
});

const cardio = sharedData('odds/cardio.csv');
test('outliers on ODDS cardio with PyOD\'s protocol reproduces its table (KNN 0.7236, LOF 0.5736)', { skip: cardio.skip }, async () => {
  const knn = JSON.parse((await cli(['outliers', cardio.path, '--standardize', '--json'])).out);
  assert.ok(Math.abs(knn.rocAuc - 0.7236) < 5e-5, `knn ${knn.rocAuc}`);
  const lof = JSON.parse((await cli(['outliers', cardio.path, '--standardize', '--method', 'lof', '--json'])).out);
  assert.ok(Math.abs(lof.rocAuc - 0.5736) < 5e-5, `lof ${lof.rocAuc}`);
});
