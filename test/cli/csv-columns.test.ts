import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, cliTempDir } from '../helpers/cli.js';

/**
 * predict's CSV handling: test columns matched to the training columns by header name, a
 * header-less file noticed, and labels printed as the training file spelled them.
 */
const tmp = cliTempDir('knnkit-csv-columns-');
after(tmp.remove);
const file = (name: string, lines: string[]) => { const p = join(tmp.dir, name); writeFileSync(p, lines.join('\n') + '\n'); return p; };

// three well separated clusters in (a, b, c), labelled with three spellings of "one"
const CENTERS = [[0, 0, 0], [10, 0, 5], [0, 10, -5]];
const LABELS = ['01', '1', '1.0'];
const rows: number[][] = [], labels: string[] = [];
for (let i = 0; i < 60; i++) {
  const c = i % 3;
  rows.push(CENTERS[c].map((v, j) => v + ((i * 7 + j * 3) % 5) / 10));
  labels.push(LABELS[c]);
}
const train = file('train.csv', ['a,b,c,label', ...rows.map((r, i) => `${r.join(',')},${labels[i]}`)]);
const Q = [[10.2, 0.1, 5.1], [0.1, 0.2, 0.1], [0.2, 9.9, -4.8]];
const expected = ['1', '01', '1.0'];

test('labels keep their spelling: 01, 1 and 1.0 are three classes, printed as written', async () => {
  const test1 = file('test.csv', ['a,b,c', ...Q.map((r) => r.join(','))]);
  const r = await cli(['predict', train, test1, '--k', '3']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.trim().split('\n'), expected);
});

test('reordered test columns are matched by name (same predictions)', async () => {
  const reordered = file('reordered.csv', ['c,label,a,b', ...Q.map((r) => `${r[2]},x,${r[0]},${r[1]}`)]);
  const r = await cli(['predict', train, reordered, '--k', '3']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.trim().split('\n'), expected);
  assert.equal(r.err, '');
});

test('a missing or an extra test column is an error naming it (not a prediction by position)', async () => {
  const missing = file('missing.csv', ['a,c', ...Q.map((r) => `${r[0]},${r[2]}`)]);
  let r = await cli(['predict', train, missing]);
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  assert.match(r.err, /^knnkit predict: .*missing\.csv: its columns do not match the training data .*train\.csv: missing "b"; expected the 3 training feature columns in any order/);
  const renamed = file('renamed.csv', ['a,b,z', ...Q.map((r) => r.join(','))]);
  r = await cli(['predict', train, renamed]);
  assert.equal(r.code, 2);
  assert.match(r.err, /missing "c"; extra "z"/);
  const extra = file('extra.csv', ['a,b,c,d', ...Q.map((r) => `${r.join(',')},7`)]);
  r = await cli(['predict', train, extra]);
  assert.equal(r.code, 2);
  assert.match(r.err, /extra "d"/);
  assert.equal(r.err.trim().split('\n').length, 1, 'one line');
});

test('a numeric first row is reported; --no-header reads it as data', async () => {
  const bareTrain = file('bare-train.csv', rows.map((r, i) => `${r.join(',')},${['7', '8', '9'][i % 3]}`));
  const bareTest = file('bare-test.csv', Q.map((r) => r.join(',')));
  let r = await cli(['predict', bareTrain, bareTest, '--k', '3']);
  assert.match(r.err, /warning: the first row of .*bare-train\.csv looks like data, not a header \(0, 0\.3, 0\.1, 7\); .*pass --no-header/);
  // read as headers, the two files' "column names" differ: an error rather than a guess
  assert.equal(r.code, 2);
  r = await cli(['predict', bareTrain, bareTest, '--k', '3', '--no-header']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  assert.deepEqual(r.out.trim().split('\n'), ['8', '7', '9'], 'every test row predicted, the first included');
  // a header-less test file may carry the label column where the training file had it
  const withLabel = file('bare-test-label.csv', Q.map((r) => `${r.join(',')},0`));
  r = await cli(['predict', bareTrain, withLabel, '--k', '3', '--no-header']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.trim().split('\n'), ['8', '7', '9']);
  // evaluate reads all 60 rows with --no-header (59 without: the first was taken as the header)
  const e = await cli(['evaluate', bareTrain, '--folds', '3', '--json', '--no-header']);
  assert.equal(e.code, 0, e.err);
  assert.equal(JSON.parse(e.out).n, 60);
  const h = await cli(['evaluate', bareTrain, '--folds', '3', '--json']);
  assert.equal(JSON.parse(h.out).n, 59);
  assert.match(h.err, /looks like data/);
});
