import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { KNeighborsClassifier, KNeighborsRegressor } from '../../src/learn/index.js';
import { assertUsageErrors, cli, cliTempDir } from '../helpers/cli.js';

let dir = '';
let removeDir = () => {};
const LABELS = ['Cat', 'dog', 'Emu-2'];
let Xtr: number[][] = [], ytr: string[] = [], Xte: number[][] = [], yreg: number[] = [];

function gen(n: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => [0, 1, 2].map((j) => Math.round(((i % 3) * (j === i % 3 ? 2 : 0.5) + rng.normal()) * 1000) / 1000));
}
const csv = (header: string[], rows: (number | string)[][]) => header.join(',') + '\n' + rows.map((r) => r.join(',')).join('\n') + '\n';

before(() => {
  ({ dir, remove: removeDir } = cliTempDir('knnkit-predict-'));
  Xtr = gen(45, 2); Xte = gen(17, 3);
  ytr = Xtr.map((_, i) => LABELS[i % 3]);
  yreg = Xtr.map((r) => r[0] * 1.7 - r[2] / 3);
  writeFileSync(join(dir, 'train.csv'), csv(['x', 'y', 'z', 'kind'], Xtr.map((r, i) => [...r, ytr[i]])));
  writeFileSync(join(dir, 'test-labelled.csv'), csv(['x', 'y', 'z', 'kind'], Xte.map((r) => [...r, 'whatever'])));
  writeFileSync(join(dir, 'test-nolabel.csv'), csv(['x', 'y', 'z'], Xte));
  writeFileSync(join(dir, 'test-reordered.csv'), csv(['z', 'kind', 'x', 'y'], Xte.map((r) => [r[2], '?', r[0], r[1]])));
  writeFileSync(join(dir, 'test-wide.csv'), csv(['x', 'y', 'z', 'w'], Xte.map((r) => [...r, 1])));
  writeFileSync(join(dir, 'reg.csv'), csv(['x', 'y', 'z', 'label'], Xtr.map((r, i) => [...r, yreg[i]])));
  writeFileSync(join(dir, 'train.svm'), Xtr.map((r, i) => `${(i % 3) + 1} ` + r.map((v, j) => `${j + 1}:${v}`).join(' ')).join('\n') + '\n');
  // the test file never mentions feature 3: the training width must be used
  writeFileSync(join(dir, 'test.svm'), Xte.map((r) => `0 1:${r[0]} 2:${r[1]}`).join('\n') + '\n');
  writeFileSync(join(dir, 'test-wide.svm'), '1 1:0.5 5:1\n');
  writeFileSync(join(dir, 'train.npy.labels'), ytr.join('\n') + '\n');
});
after(() => removeDir());

test('predict writes one label per line in test order, original spelling, test label column ignored', async () => {
  const expected = new KNeighborsClassifier({ k: 3, weights: 'distance' }).fit(Xtr, ytr).predict(Xte);
  for (const testFile of ['test-labelled.csv', 'test-nolabel.csv', 'test-reordered.csv']) {
    const r = await cli(['predict', join(dir, 'train.csv'), join(dir, testFile), '--k', '3', '--weights', 'distance']);
    assert.equal(r.code, 0, `${testFile}: ${r.err}`);
    assert.deepEqual(r.out.split('\n'), [...expected.map(String), ''], testFile);
  }
  assert.ok(expected.every((l) => LABELS.includes(l as string)));
});

test('predict --out writes the same lines atomically (no temporary file left)', async () => {
  const out = join(dir, 'pred.txt');
  const a = await cli(['predict', join(dir, 'train.csv'), join(dir, 'test-nolabel.csv'), '--out', out, '--scale', 'standard']);
  assert.equal(a.code, 0, a.err);
  assert.equal(a.out, '');
  const b = await cli(['predict', join(dir, 'train.csv'), join(dir, 'test-nolabel.csv'), '--scale', 'standard']);
  assert.equal(readFileSync(out, 'utf8'), b.out);
  assert.equal(b.out.trim().split('\n').length, 17);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp')), []);
});

test('predict --task regression prints full float64 precision', async () => {
  const expected = new KNeighborsRegressor({ k: 4, weights: 'distance' }).fit(Xtr, yreg).predict(Xte);
  const r = await cli(['predict', join(dir, 'reg.csv'), join(dir, 'test-nolabel.csv'), '--task', 'regression', '--k', '4', '--weights', 'distance']);
  assert.equal(r.code, 0, r.err);
  const values = r.out.trim().split('\n').map(Number);
  assert.deepEqual(values, Array.from(expected));
});

test('predict on LIBSVM uses the training width for the test file', async () => {
  const r = await cli(['predict', join(dir, 'train.svm'), join(dir, 'test.svm'), '--k', '1']);
  assert.equal(r.code, 0, r.err);
  const Xte2 = Xte.map((row) => [row[0], row[1], 0]);
  const expected = new KNeighborsClassifier({ k: 1 }).fit(Xtr, Xtr.map((_, i) => (i % 3) + 1)).predict(Xte2);
  assert.deepEqual(r.out.trim().split('\n'), expected.map(String));
});

test('predict: bad input exits 2 with a one-line error naming the file or option', async () => {
  const train = join(dir, 'train.csv');
  const cases: [string[], RegExp][] = [
    [[train, join(dir, 'test-wide.csv')], /test-wide\.csv: its columns do not match the training data .*train\.csv: extra "w"; expected the 3 training feature columns in any order/],
    [[train, join(dir, 'absent.csv')], /absent\.csv: no such file/],
    [[join(dir, 'absent-train.csv'), join(dir, 'test-nolabel.csv')], /absent-train\.csv: no such file/],
    [[train], /<train> <test>: expected two data files/],
    [[train, join(dir, 'test-nolabel.csv'), '--k', '0'], /--k: got "0"/],
    [[train, join(dir, 'test-nolabel.csv'), '--metric', 'nope'], /--metric: got "nope"/],
    [[train, join(dir, 'test-nolabel.csv'), '--weights', 'shepard'], /--weights: got "shepard"/],
    [[train, join(dir, 'test-nolabel.csv'), '--out', ''], /--out: got ""/],
    // checked before the fit: the message names the target, never a temporary file
    [[train, join(dir, 'test-nolabel.csv'), '--out', join(dir, 'missing', 'p.txt')], /--out: .*missing\/p\.txt: cannot write it: its folder .*missing does not exist$/m],
    [[train, dir], /: is a directory; expected a file$/m],
    [[join(dir, 'train.svm'), join(dir, 'test-wide.svm')], /test-wide\.svm/],
    [[train, join(dir, 'test-nolabel.csv'), '--task', 'regression'], /regression needs numeric targets/],
    [[train, join(dir, 'test-nolabel.csv'), '--algorithm', 'kd-tree', '--metric', 'cosine'], /--algorithm: "kd-tree" (cannot use metric "cosine": the KD-tree )?needs a Minkowski-family metric/],
  ];
  await assertUsageErrors('predict', cases);
});
